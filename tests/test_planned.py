"""Planned versus executed, through the installed console script over logs the real shim wrote
in front of the stand-in pulumi: which preview planned each update (`audit show` both ways,
`log --unplanned` newest and oldest first, export's preview_run_id, `stats`' shares)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time

from conftest import SHIM
from pulumi_files import cloud_login

from pulumi_audited.store.local import LocalLog

CLOUD = "https://api.pulumi.com"


def run(sandbox, *args: str, env: dict | None = None) -> str:
    """A recorded pulumi command; its run id."""
    result = sandbox.run(*args, env=env)
    assert result.returncode in (0, 7), result.stderr
    return sandbox.records()[-1]["run_id"]


def audit(sandbox, *args: str, env: dict | None = None) -> str:
    result = sandbox.run("audit", *args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode()


def git(sandbox, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=sandbox.project,
        check=True,
        capture_output=True,
    )


def commit(sandbox, text: str) -> None:
    (sandbox.project / "main.py").write_text(text)
    git(sandbox, "add", "main.py")
    git(sandbox, "commit", "-q", "-m", text)


def repository(sandbox) -> None:
    git(sandbox, "init", "-q", "-b", "main")
    commit(sandbox, "one")


def unplanned(sandbox, *options: str, env: dict | None = None) -> list[str]:
    """The run ids `log --unplanned` gives, newest first; the same, read oldest first."""
    newest = audit(sandbox, "log", "--unplanned", "--json", "-n", "0", *options, env=env)
    oldest = audit(
        sandbox, "log", "--unplanned", "--json", "-n", "0", "--reverse", *options, env=env
    )
    ids = [json.loads(line)["run_id"] for line in newest.splitlines()]
    assert [json.loads(line)["run_id"] for line in oldest.splitlines()] == ids[::-1]
    return ids


def links(sandbox, *options: str, env: dict | None = None) -> dict[str, str | None]:
    """Run id -> preview_run_id of each update, from `audit export` (both records agree)."""
    found: dict[str, str | None] = {}
    for record in json.loads(audit(sandbox, "export", "--format", "json", *options, env=env)):
        if record["command"] in ("up", "destroy", "refresh") and record["effect"] != "read":
            assert (
                found.setdefault(record["run_id"], record["preview_run_id"])
                == (record["preview_run_id"])
            )
        else:
            assert record["preview_run_id"] is None
    return found


def shown(sandbox, run_id: str, *options: str) -> dict:
    return json.loads(audit(sandbox, "show", run_id, "--json", *options))


def test_a_preview_then_up_is_planned_both_ways(sandbox):
    repository(sandbox)
    preview = run(sandbox, "preview")
    update = run(sandbox, "up", "--yes")
    assert links(sandbox) == {update: preview}
    assert unplanned(sandbox) == []
    text = audit(sandbox, "show", update[-12:])
    preview_start = sandbox.records()[0]["time"]
    assert f"planned by preview {preview} at {preview_start}" in text
    assert f"planned update {update}" in audit(sandbox, "show", preview[-12:])
    assert shown(sandbox, update)["preview_run_id"] == preview
    assert shown(sandbox, preview)["planned_update_run_id"] == update
    rows = list(csv.DictReader(io.StringIO(audit(sandbox, "export", "--format", "csv"))))
    assert [row["PreviewRunID"] for row in rows] == ["", "", preview, preview]


def test_aliases_count_as_what_they_are(sandbox):
    preview = run(sandbox, "pre")
    update = run(sandbox, "update", "--yes")
    assert links(sandbox) == {update: preview}


def test_a_second_update_needs_a_plan_of_its_own(sandbox):
    preview = run(sandbox, "preview")
    first = run(sandbox, "up", "--yes")
    second = run(sandbox, "up", "--yes")
    assert links(sandbox) == {first: preview, second: None}
    assert unplanned(sandbox) == [second]
    assert "planned update" not in audit(sandbox, "show", second)


def test_a_preview_by_another_user_plans_nothing(sandbox):
    env = {"PULUMI_BACKEND_URL": CLOUD}
    stack = ["--stack", "acme/webapp/dev"]
    cloud_login(sandbox.pulumi_dir, CLOUD, "pul-" + "0" * 40, "bob")
    preview = run(sandbox, "preview", *stack, env=env)
    cloud_login(sandbox.pulumi_dir, CLOUD, "pul-" + "0" * 40, "alice")
    update = run(sandbox, "up", "--yes", *stack, env=env)
    assert [r["user"] for r in sandbox.records()] == ["bob", "bob", "alice", "alice"]
    assert links(sandbox) == {update: None}
    assert unplanned(sandbox) == [update]
    assert shown(sandbox, preview)["planned_update_run_id"] is None
    # Her own preview, then her update: planned.
    again = run(sandbox, "preview", *stack, env=env)
    last = run(sandbox, "up", "--yes", *stack, env=env)
    assert links(sandbox)[last] == again
    assert unplanned(sandbox, "--user", "alice") == [update]


def test_a_preview_by_an_ai_agent_does_not_plan_a_human_update(sandbox):
    run(sandbox, "preview", env={"CLAUDECODE": "1"})
    update = run(sandbox, "up", "--yes")
    assert unplanned(sandbox) == [update]
    preview = run(sandbox, "preview", env={"CLAUDECODE": "1"})
    by_agent = run(sandbox, "up", "--yes", env={"CLAUDECODE": "1"})
    assert links(sandbox)[by_agent] == preview


def test_another_git_head_is_another_plan(sandbox):
    repository(sandbox)
    run(sandbox, "preview")
    commit(sandbox, "two")
    update = run(sandbox, "up", "--yes")
    heads = [r["git"]["head"] for r in sandbox.records()]
    assert heads[0] != heads[-1]
    assert unplanned(sandbox) == [update]
    # Another branch name at the same commit is the same code.
    git(sandbox, "checkout", "-q", "-b", "feature")
    preview = run(sandbox, "preview")
    git(sandbox, "checkout", "-q", "main")
    planned = run(sandbox, "up", "--yes")
    assert links(sandbox)[planned] == preview


def test_an_update_in_between_breaks_the_link(sandbox):
    run(sandbox, "preview")
    refresh = run(sandbox, "refresh", "--yes")
    update = run(sandbox, "up", "--yes")
    assert unplanned(sandbox) == [update, refresh]
    # An update of another stack is not in between.
    preview = run(sandbox, "preview")
    other = run(sandbox, "up", "--yes", "--stack", "prod")
    planned = run(sandbox, "up", "--yes")
    assert links(sandbox)[planned] == preview
    assert unplanned(sandbox)[0] == other


def test_outside_the_window_is_unplanned(sandbox):
    preview = run(sandbox, "preview")
    time.sleep(1.2)
    update = run(sandbox, "up", "--yes")
    one_second = {"PULUMI_AUDITED_PLAN_WINDOW": "1"}
    assert unplanned(sandbox, env=one_second) == [update]
    assert links(sandbox, env=one_second) == {update: None}
    assert "none: no preview planned" in audit(sandbox, "show", update, env=one_second)
    # The option wins over the setting; the default window is a day.
    assert unplanned(sandbox, "--plan-window", "1h", env=one_second) == []
    assert links(sandbox) == {update: preview}
    sandbox.write_config("plan_window: 1s\n", name="config.yaml")
    config = {"PULUMI_AUDITED_CONFIG": str(sandbox.project / "config.yaml")}
    assert unplanned(sandbox, env=config) == [update]
    bad = sandbox.run("audit", "log", "--unplanned", "--plan-window", "soon")
    assert bad.returncode == 2 and b"plan_window must be seconds" in bad.stderr


def test_a_day_is_the_default_window(sandbox):
    run(sandbox, "preview")
    run(sandbox, "up", "--yes")
    records = sandbox.records()
    for path in sandbox.log_dir.glob("*.jsonl"):
        path.unlink()
    for record in records:
        record.pop("prev")
    late = "2026-03-02T12:00:00.000001Z"
    stamps = ["2026-03-01T12:00:00.000000Z"] * 2 + [late] * 2
    LocalLog(str(sandbox.log_dir)).append_many(
        [dict(r, time=t) for r, t in zip(records, stamps, strict=True)]
    )
    update = records[-1]["run_id"]
    assert unplanned(sandbox) == [update]
    assert unplanned(sandbox, "--plan-window", "86401") == []
    # --since does not hide the preview before it.
    assert unplanned(sandbox, "--since", "2026-03-02", "--plan-window", "2d") == []


def test_a_failed_preview_plans_nothing(sandbox):
    failed = sandbox.run("preview", env={"FAKE_PULUMI_EXIT": "1"})
    assert failed.returncode == 1
    update = run(sandbox, "up", "--yes")
    assert unplanned(sandbox) == [update]


def test_a_preview_that_found_unexpected_changes_plans_nothing(sandbox):
    changes = {"FAKE_PULUMI_CHANGES": "1"}
    run(sandbox, "preview", "--expect-no-changes", env=changes)
    assert sandbox.records()[-1]["outcome"] == "changes-detected"
    update = run(sandbox, "up", "--yes", env=changes)
    assert unplanned(sandbox) == [update]
    # With no changes to find, --expect-no-changes plans; --diff only shows more.
    quiet = run(sandbox, "preview", "--expect-no-changes")
    planned = run(sandbox, "up", "--yes")
    diff = run(sandbox, "preview", "--diff")
    planned_too = run(sandbox, "up", "--yes")
    assert links(sandbox)[planned] == quiet and links(sandbox)[planned_too] == diff


def test_destroy_and_refresh_are_planned_by_their_own_preview(sandbox):
    run(sandbox, "preview")
    destroy = run(sandbox, "destroy", "--yes")
    assert unplanned(sandbox) == [destroy]
    plan = run(sandbox, "destroy", "--preview-only")
    planned_destroy = run(sandbox, "down", "--yes")
    refresh_plan = run(sandbox, "refresh", "--preview-only")
    planned_refresh = run(sandbox, "refresh", "--yes")
    assert links(sandbox) == {
        destroy: None,
        planned_destroy: plan,
        planned_refresh: refresh_plan,
    }
    assert shown(sandbox, plan)["planned_update_run_id"] == planned_destroy


def test_a_preview_of_another_stack_plans_nothing_here(sandbox):
    preview = run(sandbox, "preview", "--stack", "prod")
    update = run(sandbox, "up", "--yes")
    assert unplanned(sandbox) == [update]
    assert unplanned(sandbox, "--stack", "*/prod") == []
    assert shown(sandbox, preview)["planned_update_run_id"] is None


def test_old_logs_without_git_or_agent_are_linked_on_what_they_hold(sandbox):
    preview = run(sandbox, "preview")
    update = run(sandbox, "up", "--yes")
    records = sandbox.records()
    assert records[0]["git"] is None  # the project is in no repository
    for path in sandbox.log_dir.glob("*.jsonl"):
        path.unlink()
    old = []
    for record in records:
        record.pop("prev")
        record.pop("git")
        record["identity"].pop("agent")
        old.append(record)
    LocalLog(str(sandbox.log_dir)).append_many(old)
    assert links(sandbox) == {update: preview}
    assert unplanned(sandbox) == []


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


def test_a_preview_still_running_when_the_update_starts_plans_nothing(sandbox):
    """A preview still running when an update starts did not plan it, and that update stands
    between the preview and the next one; export's record-level linking agrees."""
    slow = sandbox.env | {"FAKE_PULUMI_DURATION": "3"}
    preview = subprocess.Popen(
        [str(SHIM), "preview"],
        cwd=sandbox.project,
        env=slow,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sandbox.wait_for_standin("start")
    during = run(sandbox, "up", "--yes")
    assert preview.wait(timeout=30) == 0
    after = run(sandbox, "up", "--yes")
    phases = [(r["command"], r["phase"]) for r in sandbox.records()]
    assert phases[:4] == [("preview", "start"), ("up", "start"), ("up", "end"), ("preview", "end")]
    assert links(sandbox) == {during: None, after: None}
    assert unplanned(sandbox) == [after, during]
