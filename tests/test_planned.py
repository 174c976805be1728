"""Planned versus executed, through the installed console script over logs the real shim wrote
in front of the stand-in pulumi: each condition of the rule that links an update to the
preview that planned it, seen by `audit show` both ways, `log --unplanned` newest and oldest
first, and export's preview_run_id."""

from __future__ import annotations

import csv
import io
import subprocess
import time

from conftest import SHIM
from planned_logs import audit, commit, git, links, repository, run, shown, unplanned
from pulumi_files import cloud_login

from pulumi_audited.store.local import LocalLog

CLOUD = "https://api.pulumi.com"


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
