"""Planned versus executed, the readers: `stats`' shares, export -n, the plan_window setting
and option, every reader agreeing on a mixed log (link_previews included), and newest first
an update given as soon as it is settled, which lets `log --unplanned -n N` stop early."""

from __future__ import annotations

import json
import time

from planned_logs import audit, commit, links, repository, run, shown, unplanned


def test_stats_gives_the_planned_share_per_stack_user_and_agent(sandbox):
    run(sandbox, "preview")
    run(sandbox, "up", "--yes")
    run(sandbox, "up", "--yes")
    run(sandbox, "up", "--yes", "--stack", "prod", env={"CLAUDECODE": "1"})
    run(sandbox, "stack", "ls")
    planned = json.loads(audit(sandbox, "stats", "--json"))["planned"]
    user = sandbox.records()[0]["user"]
    assert planned["updates"] == 3 and planned["planned"] == 1
    assert planned["by_stack"] == {
        "organization/webapp/dev": {"updates": 2, "planned": 1, "share": 0.5},
        "organization/webapp/prod": {"updates": 1, "planned": 0, "share": 0.0},
    }
    assert planned["by_user"] == {user: {"updates": 3, "planned": 1, "share": 1 / 3}}
    assert planned["by_agent"] == {
        "-": {"updates": 2, "planned": 1, "share": 0.5},
        "claude": {"updates": 1, "planned": 0, "share": 0.0},
    }
    text = audit(sandbox, "stats")
    assert "planned changes" in text and "1 of 3" in text
    only = json.loads(audit(sandbox, "stats", "--json", "--unplanned"))
    assert only["runs"] == 2 and only["planned"]["planned"] == 0


def test_export_newest_records_carry_the_link(sandbox):
    preview = run(sandbox, "preview")
    update = run(sandbox, "up", "--yes")
    run(sandbox, "stack", "ls")
    newest = json.loads(audit(sandbox, "export", "--format", "json", "-n", "4"))
    listing = newest[-1]["run_id"]
    assert [(r["run_id"], r["preview_run_id"]) for r in newest] == [
        (update, preview),
        (update, preview),
        (listing, None),
        (listing, None),
    ]
    assert audit(sandbox, "export", "--unplanned", "-n", "5") == ""
    # jsonl is the log's own lines: no preview_run_id, even for unplanned updates.
    second = run(sandbox, "up", "--yes")
    lines = audit(sandbox, "export", "--unplanned").splitlines()
    assert [json.loads(line) for line in lines] == sandbox.records()[-2:]
    assert json.loads(lines[0])["run_id"] == second


def test_every_siem_format_carries_the_link(sandbox):
    preview = run(sandbox, "preview")
    update = run(sandbox, "up", "--yes")
    ocsf = [json.loads(line) for line in audit(sandbox, "export", "--format", "ocsf").splitlines()]
    updates = [event for event in ocsf if event["metadata"]["correlation_uid"] == update]
    assert [event["unmapped"]["preview_run_id"] for event in updates] == [preview, preview]
    assert all("preview_run_id" not in event["unmapped"] for event in ocsf if event not in updates)
    ecs = [json.loads(line) for line in audit(sandbox, "export", "--format", "ecs").splitlines()]
    assert [doc.get("labels", {}).get("preview_run_id") for doc in ecs] == [
        None,
        None,
        preview,
        preview,
    ]
    cef = audit(sandbox, "export", "--format", "cef").splitlines()
    assert [f"flexString1={preview}" in line for line in cef] == [False, False, True, True]
    cloud = json.loads(audit(sandbox, "export", "--format", "pulumi-cloud"))["auditLogEvents"]
    assert [preview in event["description"] for event in cloud] == [False, False, True, True]


def test_a_team_file_may_shorten_the_window_never_lengthen_it(sandbox):
    team = sandbox.write_config("plan_window: 2d\n")
    result = sandbox.run("audit", "config", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["settings"]["plan_window"]["value"] == 86400.0
    assert f"team config {team}, line 1: plan_window: 172800 is ignored" in result.stderr.decode()
    sandbox.write_config("plan_window: 90m\n")
    result = sandbox.run("audit", "config", "--json")
    assert json.loads(result.stdout)["settings"]["plan_window"]["value"] == 5400.0
    assert result.stderr == b""


def test_a_plan_window_that_cannot_be_used_is_refused(sandbox):
    sandbox.write_config("plan_window: .nan\n", name="config.yaml")
    env = {"PULUMI_AUDITED_CONFIG": str(sandbox.project / "config.yaml")}
    result = sandbox.run("audit", "log", env=env)
    assert result.returncode != 0 and b"plan_window must be more than 0" in result.stderr
    refused = sandbox.run("audit", "log", env={"PULUMI_AUDITED_PLAN_WINDOW": "0"})
    assert refused.returncode != 0 and b"plan_window must be more than 0" in refused.stderr


def test_unplanned_cannot_be_followed(sandbox):
    result = sandbox.run("audit", "log", "--unplanned", "-f")
    assert result.returncode == 2
    assert b"--unplanned and --follow cannot be combined" in result.stderr


def test_show_says_nothing_of_plans_for_other_commands(sandbox):
    listing = run(sandbox, "stack", "ls")
    assert "plan " not in audit(sandbox, "show", listing)
    assert shown(sandbox, listing)["preview_run_id"] is None


def test_every_reader_gives_the_same_links_on_a_mixed_log(sandbox):
    """A log of many interleaved runs: log newest and oldest first, export's record-level
    linking and link_previews over the runs agree, and a hand-worked answer holds."""
    from pulumi_audited.store import open_reader
    from pulumi_audited.viewer.filters import Filters
    from pulumi_audited.viewer.planned import link_previews
    from pulumi_audited.viewer.query import select_runs
    from pulumi_audited.viewer.records import Damage

    repository(sandbox)
    agent = {"CLAUDECODE": "1"}
    failing = {"FAKE_PULUMI_EXIT": "1"}
    steps = [
        ("p1", ["preview"], None),
        ("u1", ["up", "--yes"], None),  # planned by p1
        ("p2", ["preview", "-s", "prod"], agent),
        ("x1", ["preview"], failing),  # failed: plans nothing
        ("u2", ["up", "--yes", "-s", "prod"], None),  # p2 was the agent's: unplanned
        ("p3", ["preview", "-s", "prod"], agent),
        ("p4", ["preview"], None),
        ("d1", ["destroy", "--yes"], None),  # a preview does not plan a destroy
        ("u3", ["up", "--yes", "-s", "prod"], agent),  # planned by p3
        ("u4", ["up", "--yes"], None),  # d1 in between: unplanned
        ("p5", ["pre", "--diff"], None),
        ("commit", None, None),
        ("u5", ["update", "--yes"], None),  # another head: unplanned
        ("p6", ["refresh", "--preview-only"], None),
        ("r1", ["refresh", "--yes"], None),  # planned by p6
    ]
    ids = {}
    for name, args, env in steps:
        if args is None:
            commit(sandbox, name)
            continue
        sandbox.run(*args, env=env)
        ids[name] = sandbox.records()[-1]["run_id"]
    expected = {"u1": "p1", "u2": None, "d1": None, "u3": "p3", "u4": None, "u5": None}
    expected["r1"] = "p6"
    named = {ids[k]: (ids[v] if v else None) for k, v in expected.items()}
    assert links(sandbox) == named
    assert set(unplanned(sandbox)) == {ids[k] for k, v in expected.items() if v is None}
    newest_two = audit(sandbox, "log", "--unplanned", "--json", "-n", "2").splitlines()
    assert [json.loads(line)["run_id"] for line in newest_two] == [ids["u5"], ids["u4"]]
    store = open_reader(str(sandbox.log_dir), timeout=10)
    runs = select_runs(store, Filters(), Damage(), newest_first=False)
    assert link_previews(runs) == {k: v for k, v in named.items() if v}


def test_newest_first_an_update_is_given_as_soon_as_it_is_settled(sandbox):
    """`log --unplanned -n N` stops reading once N are settled: an update is given when an
    older update of its stack is read, not at the end of the log."""
    from pulumi_audited.viewer.planned import unplanned_newest_first
    from pulumi_audited.viewer.runs import runs_newest_first

    run(sandbox, "preview")
    first = run(sandbox, "up", "--yes")
    second = run(sandbox, "up", "--yes")
    read = []

    def runs():
        for item in runs_newest_first(reversed(sandbox.records())):
            read.append(item.run_id)
            yield item

    answers = unplanned_newest_first(runs(), 86400)
    assert next(answers).run_id == second
    assert read == [second, first]
    assert list(answers) == []


def test_newest_first_an_update_is_settled_when_the_log_is_read_past_its_window(sandbox):
    from pulumi_audited.viewer.planned import unplanned_newest_first
    from pulumi_audited.viewer.runs import runs_newest_first

    oldest = run(sandbox, "stack", "ls")
    older = run(sandbox, "stack", "ls")
    time.sleep(1.2)
    update = run(sandbox, "up", "--yes")
    read = []

    def runs():
        for item in runs_newest_first(reversed(sandbox.records())):
            read.append(item.run_id)
            yield item

    answers = unplanned_newest_first(runs(), 1.0)
    assert next(answers).run_id == update
    assert read == [update, older]
    assert list(answers) == [] and read[-1] == oldest
