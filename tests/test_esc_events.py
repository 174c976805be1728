"""Pulumi ESC's audit events, recorded under Pulumi Cloud's ids (docs/events.md).

Each case runs the installed shim in front of the stand-in pulumi with a command line that
causes the event on Pulumi Cloud, and checks the start and end records' events.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from conftest import runs_by_id

from pulumi_audited.pulumi.cli import parse
from pulumi_audited.pulumi.events import (
    CLOUD_ENVIRONMENT_EVENTS,
    CLOUD_EVENTS,
    COMMAND_PATTERN,
    event_ids,
    event_sources,
)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "events.md"
REFUSED = {"FAKE_PULUMI_REFUSE_TOKEN": "1"}
OPEN, READ_OPEN = "environment-open", "environment-read-open"
TAG_OPEN, UNAUTHORIZED = "environment-revision-tag-open", "environment-unauthorized-open"

# (event the case is about, argv, extra environment, start event, end event, exit code); a start
# or end event of None is the event the case is about.
CASES = [
    ("environment-created", ["env", "init", "org/proj/app"], {}, None, None, 0),
    ("environment-updated", ["env", "set", "app", "db.host", "x"], {}, None, None, 0),
    ("environment-deleted", ["env", "rm", "org/proj/app"], {}, None, None, 0),
    ("environment-open", ["env", "open", "org/proj/app"], {}, OPEN, READ_OPEN, 0),
    ("environment-read", ["env", "get", "app", "db.host"], {}, None, None, 0),
    ("environment-read-open", ["env", "run", "app", "--", "ls"], {}, OPEN, READ_OPEN, 0),
    ("environment-unauthorized-open", ["env", "open", "app"], REFUSED, OPEN, UNAUTHORIZED, 3),
    ("environment-tag-created", ["env", "tag", "app", "owner", "me"], {}, None, None, 0),
    ("environment-tag-updated", ["env", "tag", "mv", "app", "owner", "team"], {}, None, None, 0),
    ("environment-tag-deleted", ["env", "tag", "rm", "app", "owner"], {}, None, None, 0),
    ("environment-revision-retracted", ["env", "version", "retract", "app@3"], {}, None, None, 0),
    ("environment-revision-tag-open", ["env", "open", "org/proj/app@prod"], {}, None, READ_OPEN, 0),
    ("environment-revision-tag-created", ["env", "version", "tag", "app@prod"], {}, None, None, 0),
    ("environment-revision-tag-read", ["env", "get", "app@prod"], {}, None, None, 0),
    (
        "environment-revision-tag-update",
        ["env", "version", "tag", "app@prod", "@3"],
        {},
        None,
        None,
        0,
    ),
    (
        "environment-revision-tag-delete",
        ["env", "version", "tag", "rm", "app@prod"],
        {},
        None,
        None,
        0,
    ),
    ("environment-decrypted", ["env", "get", "app", "--show-secrets"], {}, None, None, 0),
    ("environment-cloned", ["env", "clone", "proj/app", "app2"], {}, None, None, 0),
    ("environment-rotated", ["env", "rotate", "app"], {}, None, None, 0),
    (
        "environment-schedule-created",
        ["env", "schedule", "new", "app", "--cron", "0 3 * * *"],
        {},
        None,
        None,
        0,
    ),
    (
        "environment-schedule-updated",
        ["env", "schedule", "edit", "app", "sched-1", "--once", "2031-01-01T00:00:00Z"],
        {},
        None,
        None,
        0,
    ),
    (
        "environment-schedule-deleted",
        ["env", "schedule", "rm", "app", "sched-1", "-y"],
        {},
        None,
        None,
        0,
    ),
    (
        "environment-draft-open",
        ["env", "open", "app", "--draft", "cr-1"],
        {},
        None,
        "environment-draft-read-open",
        0,
    ),
    (
        "environment-draft-read-open",
        ["env", "run", "app", "--draft=cr-1", "--", "ls"],
        {},
        "environment-draft-open",
        None,
        0,
    ),
]

# More command lines for the same events: aliases, tags, and the other commands that cause them.
MORE_CASES = [
    ("environment-updated", ["env", "version", "rollback", "app@3"], {}, None, None, 0),
    ("environment-updated", ["env", "rm", "app", "db.host"], {}, None, None, 0),
    (
        "environment-updated",
        ["env", "edit", "app", "--show-secrets"],
        {},
        "environment-decrypted",
        None,
        0,
    ),
    ("environment-unauthorized-open", ["env", "run", "app", "--", "ls"], REFUSED, OPEN, None, 3),
    (
        "environment-unauthorized-open",
        ["env", "open", "app@prod"],
        REFUSED,
        TAG_OPEN,
        None,
        3,
    ),
    (
        "environment-unauthorized-open",
        ["env", "clone", "proj/app", "app2"],
        REFUSED,
        "environment-cloned",
        None,
        3,
    ),
    (
        "environment-revision-tag-open",
        ["esc", "run", "app:prod", "--", "ls"],
        {},
        None,
        READ_OPEN,
        0,
    ),
    ("environment-revision-tag-read", ["env", "version", "proj/app@stable"], {}, None, None, 0),
    ("environment-read", ["env", "version", "app@3"], {}, None, None, 0),
    ("environment-open", ["env", "open", "app@12"], {}, None, READ_OPEN, 0),
    ("environment-decrypted", ["env", "get", "app@prod", "--show-secrets"], {}, None, None, 0),
    ("environment-decrypted", ["env", "diff", "app@1", "@2", "--show-secrets"], {}, None, None, 0),
    (
        "environment-schedule-created",
        ["env", "schedule", "create", "app", "--once", "x"],
        {},
        None,
        None,
        0,
    ),
]


def _run(sandbox, argv: list[str], env: dict[str, str]) -> tuple[dict, dict, int]:
    result = sandbox.run(*argv, env=env)
    (run,) = runs_by_id(sandbox.records()).values()
    return run["start"], run["end"], result.returncode


@pytest.mark.parametrize(
    ("event", "argv", "env", "start", "end", "code"),
    CASES + MORE_CASES,
    ids=[f"{case[0]}:{' '.join(case[1])}" for case in CASES + MORE_CASES],
)
def test_each_event_through_the_shim(sandbox, event, argv, env, start, end, code):
    start_record, end_record, returncode = _run(sandbox, argv, env)
    assert (start_record["event"], end_record["event"]) == (start or event, end or event)
    assert returncode == end_record["exit_code"] == code


def test_the_cases_cover_every_environment_event_the_parser_can_emit():
    emitted = {event for event in event_ids() if event.startswith("environment-")}
    assert emitted == {case[0] for case in CASES}


def test_unauthorized_open_is_an_end_event_only():
    invocation = parse(["env", "open", "app"])
    assert invocation.event == OPEN
    assert invocation.end_event_success == READ_OPEN
    assert invocation.end_event_canceled == OPEN
    assert invocation.end_event_unauthorized == UNAUTHORIZED
    # Any other command keeps its own event whatever the exit code.
    assert parse(["env", "get", "app"]).end_event_unauthorized == "environment-read"
    assert parse(["up"]).end_event_unauthorized == "stack-update-completed"


def test_an_open_that_fails_read_nothing(sandbox):
    # Only a successful open goes on to read the session (env_open.go): a failure, whatever
    # the reason, keeps the open as the end record's event.
    sandbox.run("env", "open", "app", env={"FAKE_PULUMI_EXIT": "1"})
    (run,) = runs_by_id(sandbox.records()).values()
    assert (run["end"]["outcome"], run["end"]["event"]) == ("failed", OPEN)
    assert parse(["env", "open", "app"]).end_event_failed == OPEN
    assert parse(["up"]).end_event_failed == "stack-update-completed"


def test_unauthorized_open_canceled_is_still_the_open(sandbox):
    sandbox.run("env", "open", "app", env={"FAKE_PULUMI_SIGNAL": "SIGTERM"})
    (run,) = runs_by_id(sandbox.records()).values()
    assert run["end"]["outcome"] == "signaled"
    assert run["end"]["event"] == OPEN


@pytest.mark.parametrize(
    ("argv", "tagged"),
    [
        (["env", "get", "app@prod"], True),
        (["env", "get", "app:prod"], True),
        (["env", "get", "org/proj/app@latest"], True),
        (["env", "get", "--env", "org/proj/app@prod", "path"], True),
        (["env", "get", "app@3"], False),
        (["env", "get", "app"], False),
        (["env", "get", "--env", "app", "x@y"], False),
    ],
)
def test_a_version_tag_is_a_version_not_starting_with_a_digit(argv, tagged):
    expected = "environment-revision-tag-read" if tagged else "environment-read"
    assert parse(argv).event == expected


# --- the docs' table ------------------------------------------------------------------------


def _docs_rows() -> dict[str, tuple[str, str]]:
    rows: dict[str, tuple[str, str]] = {}
    for line in DOCS.read_text().splitlines():
        match = re.match(r"\| `([^`]+)` \| (\w+) \| (.*) \|$", line)
        if match:
            event, who, commands = match.groups()
            assert event not in rows, f"{event} twice in docs/events.md"
            rows[event] = (who, commands)
    return rows


def test_the_docs_table_lists_every_event_the_parser_can_emit():
    rows = _docs_rows()
    recorded = {
        event
        for event, (_, commands) in rows.items()
        if not commands.startswith(("no CLI cause", "not recorded"))
    }
    assert recorded == event_ids()
    for event, paths in event_sources().items():
        if event == COMMAND_PATTERN:
            continue
        commands = rows[event][1]
        missing = [path for path in paths if path and f"`pulumi {path}" not in commands]
        assert not missing, f"docs/events.md: {event} does not name {missing}"


def test_the_docs_table_marks_cloud_ids_and_every_cloud_environment_event():
    rows = _docs_rows()
    for event, (who, _) in rows.items():
        assert who == ("Cloud" if event in CLOUD_EVENTS else "ours"), event
    assert set(rows) >= CLOUD_ENVIRONMENT_EVENTS
    # Cloud's catalog spells the version tag deletion without a d.
    assert "environment-revision-tag-deleted" not in rows


# --- the viewer -----------------------------------------------------------------------------


@pytest.fixture
def esc_runs(sandbox):
    sandbox.run("env", "open", "org/proj/app@prod")
    sandbox.run("env", "open", "app", env=REFUSED)
    sandbox.run("env", "get", "app", "--show-secrets")
    sandbox.run("stack", "ls")
    return sandbox


def _audit(sandbox, *args) -> str:
    result = sandbox.run("audit", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode()


def test_audit_log_filters_environment_events_by_glob(esc_runs):
    rows = _audit(esc_runs, "log", "--event", "environment-*").splitlines()
    assert len(rows) == 3
    assert all("\tenv " in row for row in rows)
    (refused,) = _audit(esc_runs, "log", "--event", UNAUTHORIZED).splitlines()
    assert "\tenv open\tfailed\t" in refused and "\t3\t" in refused
    assert len(_audit(esc_runs, "log", "--event", "environment-revision-tag-*").splitlines()) == 1


def test_exports_carry_the_ids(esc_runs):
    events = [
        json.loads(line)["event"]
        for line in _audit(esc_runs, "export", "--event", "environment-*").splitlines()
    ]
    assert events == [
        TAG_OPEN,
        READ_OPEN,
        OPEN,
        UNAUTHORIZED,
        "environment-decrypted",
        "environment-decrypted",
    ]
    reader = csv.DictReader(io.StringIO(_audit(esc_runs, "export", "--format", "csv")))
    assert [row["Event"] for row in reader][:6] == events
    cef = _audit(esc_runs, "export", "--format", "cef", "--event", "environment-*")
    assert [line.split("|")[4] for line in cef.splitlines()] == events
    listed = json.loads(_audit(esc_runs, "export", "--format", "json"))
    assert UNAUTHORIZED in {record["event"] for record in listed}


def test_stats_count_runs_by_event(esc_runs):
    stats = json.loads(_audit(esc_runs, "stats", "--json", "--event", "environment-*"))
    assert stats["runs"] == 3
    assert stats["by_event"] == {READ_OPEN: 1, UNAUTHORIZED: 1, "environment-decrypted": 1}
    assert "by event" in _audit(esc_runs, "stats")
