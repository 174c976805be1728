"""The viewer's own options through the installed console script: --version and --help, the
bounds of --since/--until, export -n, and what --help says of repeatable filters."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib.metadata import version

import pytest

from pulumi_audited.store.local import LocalLog


def audit(sandbox, *args, **kwargs):
    return sandbox.run("audit", *args, **kwargs)


# --- version and help ---------------------------------------------------------------------


def test_audit_version_names_the_tool(sandbox):
    result = audit(sandbox, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == f"pulumi-audited {version('pulumi-audited')}\n"


def test_audit_help_names_the_version_and_pulumis_own_stay_pulumis(sandbox):
    help_text = audit(sandbox, "--help").stdout.decode()
    assert f"pulumi-audited {version('pulumi-audited')}" in help_text
    assert "--version" in help_text and "--no-pager" in help_text
    # The words before `audit` are pulumi's: its --version and --help reach the stand-in.
    own = sandbox.run("--version")
    assert own.returncode == 0 and sandbox.standin_events("start")
    assert "pulumi-audited" not in own.stdout.decode()


@pytest.mark.parametrize("command", ["log", "export", "stats"])
def test_repeatable_filters_say_so(sandbox, command):
    text = audit(sandbox, command, "--help").stdout.decode().split("Options:")[1]
    help_text = " ".join(text.split())
    for option in ("--user", "--stack", "--project", "--command", "--event", "--outcome"):
        described = help_text.split(f"{option} ", 1)[1].split(" --", 1)[0]
        assert "Repeatable: any of them matches." in described, (option, described)
    assert "includes that whole day" in help_text


# --- --since and --until ------------------------------------------------------------------


def _runs_at(sandbox, stamps: list[str]) -> list[str]:
    """One run (start and end at the same instant) at each of `stamps`; their run ids."""
    sandbox.run("preview", "-s", "dev")
    template = sandbox.records()[-2:]
    for path in sandbox.log_dir.glob("*.jsonl"):
        path.unlink()
    records, ids = [], []
    for number, stamp in enumerate(stamps):
        run_id = f"01a10000-0000-7000-8000-{number:012d}"
        ids.append(run_id)
        for record in template:
            record = dict(record, run_id=run_id, time=stamp)
            record.pop("prev", None)
            records.append(record)
    LocalLog(str(sandbox.log_dir)).append_many(records)
    return ids


def _selected(sandbox, *options: str) -> tuple[list[str], list[str]]:
    """(run ids `audit log` selects, run ids of the records `audit export` selects)."""
    logged = audit(sandbox, "log", "--json", "-n", "0", "--reverse", *options)
    exported = audit(sandbox, "export", *options)
    assert logged.returncode == 0 and exported.returncode == 0, (logged.stderr, exported.stderr)
    runs = [json.loads(line)["run_id"] for line in logged.stdout.decode().splitlines()]
    records = [json.loads(line)["run_id"] for line in exported.stdout.decode().splitlines()]
    return runs, list(dict.fromkeys(records))


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        # A date, in either ISO form, includes its whole day.
        (["--until", "2026-03-01"], [0, 1, 2]),
        (["--until", "20260301"], [0, 1, 2]),
        (["--since", "2026-03-01", "--until", "2026-03-01"], [1, 2]),
        (["--since", "20260302"], [3, 4]),
        # --since is inclusive at the start of the day.
        (["--since", "2026-03-02"], [3, 4]),
        # Datetimes are exact instants: --until is exclusive there.
        (["--until", "2026-03-02T00:00:00Z"], [0, 1, 2]),
        (["--until", "2026-03-02T00:00:00.000001Z"], [0, 1, 2, 3]),
        (["--until", "2026-03-01T23:59:59.999999Z"], [0, 1]),
        (["--since", "2026-03-01T23:59:59.999999Z", "--until", "2026-03-02 00:00"], [2]),
        (["--until", "2026-03-02 01:00+01:00"], [0, 1, 2]),
    ],
)
def test_until_a_date_includes_the_whole_day(sandbox, options, expected):
    stamps = [
        "2026-02-28T12:00:00.000000Z",
        "2026-03-01T00:00:00.000000Z",
        "2026-03-01T23:59:59.999999Z",
        "2026-03-02T00:00:00.000000Z",
        "2026-03-02T12:00:00.000000Z",
    ]
    ids = _runs_at(sandbox, stamps)
    runs, records = _selected(sandbox, *options)
    assert runs == records == [ids[i] for i in expected]


def test_yesterday_and_today_are_whole_days(sandbox):
    today = dt.datetime.now(dt.timezone.utc).date()
    yesterday = today - dt.timedelta(days=1)
    stamps = [
        f"{yesterday}T00:00:00.000000Z",
        f"{yesterday}T23:59:59.999000Z",
        f"{today}T00:00:00.000000Z",
    ]
    ids = _runs_at(sandbox, stamps)
    assert _selected(sandbox, "--until", "yesterday") == (ids[:2], ids[:2])
    assert _selected(sandbox, "--since", "yesterday", "--until", "yesterday") == (
        ids[:2],
        ids[:2],
    )
    assert _selected(sandbox, "--since", "today") == (ids[2:], ids[2:])
    assert _selected(sandbox, "--since", "yesterday", "--until", "today") == (ids, ids)
    assert _selected(sandbox, "--until", "now") == (ids, ids)


# --- export -n -----------------------------------------------------------------------------


def test_export_limit_keeps_the_newest_records_oldest_first(sandbox):
    for stack in ("dev", "prod", "dev"):
        sandbox.run("preview", "-s", stack)
    records = sandbox.records()
    result = audit(sandbox, "export", "-n", "3")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.decode().splitlines()] == records[-3:]
    filtered = audit(sandbox, "export", "--limit", "2", "--stack", "*/dev", "--format", "csv")
    rows = filtered.stdout.decode().splitlines()
    dev = [r for r in records if r["stack"].endswith("/dev")]
    assert len(rows) == 3 and [re.split(",", row)[0] for row in rows[1:]] == [
        r["time"] for r in dev[-2:]
    ]
    everything = audit(sandbox, "export", "-n", "0")
    assert len(everything.stdout.decode().splitlines()) == len(records)
    negative = audit(sandbox, "export", "-n", "-1")
    assert negative.returncode == 2 and "0 (all) or more" in negative.stderr.decode()
