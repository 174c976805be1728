"""`pulumi-audited audit ...` through the installed console script, on logs written by the
real shim (in front of the stand-in pulumi) or by the real writer code."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import time

import pytest
import terminal
from conftest import SHIM, runs_by_id
from viewer_logs import write_synthetic

from pulumi_audited.store.local import LocalLog


def audit(sandbox, *args, **kwargs):
    return sandbox.run("audit", *args, **kwargs)


def lines(result) -> list[str]:
    return result.stdout.decode().splitlines()


def json_lines(result) -> list[dict]:
    return [json.loads(line) for line in lines(result)]


@pytest.fixture
def three_runs(sandbox):
    """dev succeeded, staging failed (exit 6, stack not found), prod up succeeded: oldest first."""
    sandbox.run("preview", "-s", "dev")
    sandbox.run("up", "--yes", "-s", "staging", env={"FAKE_PULUMI_EXIT": "6"})
    sandbox.run("up", "--yes", "-s", "prod")
    return sandbox


# --- audit log ----------------------------------------------------------------------------


def test_log_is_newest_first_with_one_row_per_run(three_runs):
    result = audit(three_runs, "log")
    assert result.returncode == 0, result.stderr
    rows = [row.split("\t") for row in lines(result)]
    assert [row[2].rsplit("/", 1)[1] for row in rows] == ["prod", "staging", "dev"]
    _time, _user, _stack, command, outcome, duration, exit_code, source_ip, run_id, agent = rows[0]
    assert command == "up" and outcome == "succeeded" and exit_code == "0" and agent == ""
    assert int(duration) >= 0 and source_ip and len(run_id) == 36
    assert rows[1][4] == "failed" and rows[1][6] != "0"
    assert (
        audit(three_runs, "log", "--reverse")
        .stdout.decode()
        .splitlines()[0]
        .split("\t")[2]
        .endswith("/dev")
    )


def test_log_limit_and_json(three_runs):
    assert len(lines(audit(three_runs, "log", "-n", "1"))) == 1
    assert len(lines(audit(three_runs, "log", "--limit", "0"))) == 3
    runs = json_lines(audit(three_runs, "log", "--json"))
    assert [run["command"] for run in runs] == ["up", "up", "preview"]
    first = runs[0]
    assert first["start"]["phase"] == "start" and first["end"]["phase"] == "end"
    assert first["outcome"] == "succeeded" and first["exit_code"] == 0
    by_id = runs_by_id(three_runs.records())
    assert by_id[first["run_id"]]["end"] == first["end"]


def test_a_start_without_an_end_shows_as_unfinished_or_running(sandbox):
    sandbox.run("preview", "-s", "dev")
    start = dict(sandbox.records()[0], run_id="01a1fcd3-0000-7000-8000-000000000001", time=None)
    start.pop("prev")
    LocalLog(str(sandbox.log_dir)).append(dict(start, pid=2**22 + 12345))
    LocalLog(str(sandbox.log_dir)).append(
        dict(start, run_id="01a1fcd3-0000-7000-8000-000000000002", pid=os.getpid(), time=None)
    )
    rows = [row.split("\t") for row in lines(audit(sandbox, "log"))]
    assert [row[4] for row in rows] == ["running", "unfinished", "succeeded"]
    assert rows[0][5] == "" and rows[0][6] == ""
    only = lines(audit(sandbox, "log", "--outcome", "unfinished"))
    assert len(only) == 1 and only[0].split("\t")[8].endswith("000000000001")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--stack", "organization/webapp/prod"], ["prod"]),
        (["--stack", "*/dev"], ["dev"]),
        (["--stack", "*/prod", "--stack", "*/dev"], ["prod", "dev"]),
        (["--project", "webapp", "--command", "up"], ["prod", "staging"]),
        (["--command", "pre*"], ["dev"]),
        (["--outcome", "failed"], ["staging"]),
        (["--outcome", "succeeded", "--command", "up"], ["prod"]),
        (["--event", "stack-update-completed"], ["prod", "staging"]),
        (["--event", "stack-preview-*"], ["dev"]),
        (["--grep", "--yes -s prod"], ["prod"]),
        (["--grep", "staging"], ["staging"]),
        (["--host", "no-such-host"], []),
        (["--user", "nobody-at-all"], []),
        (["--since", "1h"], ["prod", "staging", "dev"]),
        (["--since", "today", "--until", "now"], ["prod", "staging", "dev"]),
        (["--until", "yesterday"], []),
        (["--since", "2020-01-01", "--until", "2020-01-02"], []),
    ],
)
def test_log_filters(three_runs, options, expected):
    result = audit(three_runs, "log", *options)
    assert result.returncode == 0, result.stderr
    assert [row.split("\t")[2].rsplit("/", 1)[1] for row in lines(result)] == expected


def test_user_and_host_filters_match_the_recorded_values(three_runs):
    record = three_runs.records()[0]
    both = audit(three_runs, "log", "--user", record["user"], "--host", record["host"])
    assert len(lines(both)) == 3
    glob = audit(three_runs, "log", "--user", record["user"][:1] + "*", "--stack", "*/dev")
    assert len(lines(glob)) == 1


def test_filters_over_a_year_of_records(sandbox):
    pairs = write_synthetic(sandbox.log_dir, 3000, days=365)
    starts = [start for start, _ in pairs]
    user, stack = starts[-1]["user"], starts[-1]["stack"]
    expected = [s["run_id"] for s in starts if s["user"] == user and s["stack"] == stack]
    result = audit(sandbox, "log", "--user", user, "--stack", stack, "-n", "0", "--reverse")
    assert [row.split("\t")[8] for row in lines(result)] == expected
    recent = [s["run_id"] for s in starts if s["time"] >= starts[-1]["time"][:10]]
    since_day = audit(sandbox, "log", "--since", starts[-1]["time"][:10], "-n", "0")
    assert [row.split("\t")[8] for row in lines(since_day)] == recent[::-1]
    newest = audit(sandbox, "log", "-n", "5")
    assert [row.split("\t")[8] for row in lines(newest)] == [s["run_id"] for s in starts[-5:]][::-1]


def test_since_relative_forms_select_by_time(sandbox):
    pairs = write_synthetic(sandbox.log_dir, 200, days=10)
    result = audit(sandbox, "log", "--since", "3d", "-n", "0", "--json")
    runs = json_lines(result)
    cutoff = time.time() - 3 * 86400
    assert runs and len(runs) < len(pairs)
    oldest = min(run["time"] for run in runs)
    assert time.mktime(time.strptime(oldest[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone >= (
        cutoff - 5
    )
    two_days = json_lines(audit(sandbox, "log", "--since", "2d", "-n", "0", "--json"))
    assert len(two_days) < len(runs)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["log", "--since", "tomorrowish"], "'tomorrowish' is not a time"),
        (["log", "--until", "2026-13-45"], "is not a time"),
        (["log", "--since", "2d", "--until", "3d"], "is not before"),
        (["log", "-n", "-1"], "0 (all) or more"),
        (["log", "--outcome", "sometimes"], "'sometimes' is not one of"),
        (["export", "--format", "xml"], "'xml' is not one of"),
    ],
)
def test_bad_filter_values_are_usage_errors(sandbox, args, message):
    result = audit(sandbox, *args)
    assert result.returncode == 2
    assert message in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_follow_prints_new_runs_as_they_are_recorded(sandbox):
    sandbox.run("preview", "-s", "dev")
    follower = subprocess.Popen(
        [str(SHIM), "audit", "log", "--follow", "-n", "5"],
        env=sandbox.env,
        cwd=sandbox.project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        first = follower.stdout.readline().decode()
        assert "\tpreview\tsucceeded\t" in first
        sandbox.run("up", "--yes", "-s", "prod")
        # A run that ended before the follower saw it is one row, with its outcome.
        ended = follower.stdout.readline().decode()
        assert "/prod\tup\tsucceeded\t" in ended
    finally:
        follower.terminate()
        follower.wait(timeout=10)


# --- audit show ---------------------------------------------------------------------------


def test_show_a_run_by_unique_prefix(three_runs):
    run = json_lines(audit(three_runs, "log", "--json", "-n", "1"))[0]
    result = audit(three_runs, "show", run["run_id"][:23])
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    assert run["run_id"] in text
    assert "pulumi up --yes -s prod" in text
    assert "succeeded" in text and "os_user" in text and "cwd" in text
    assert text.count("integrity: intact") == 2
    shown = json.loads(audit(three_runs, "show", run["run_id"], "--json").stdout)
    assert shown["start"] == run["start"] and shown["end"] == run["end"]
    assert [r["integrity"].split()[0] for r in shown["records"]] == ["intact", "intact"]
    assert shown["records"][0]["line"] == 5


def test_show_reports_a_broken_link(three_runs):
    path = sorted(three_runs.log_dir.glob("*.jsonl"))[0]
    data = path.read_bytes().split(b"\n")
    data[3] = data[3].replace(b'"command":"up"', b'"command":"up "', 1)
    path.write_bytes(b"\n".join(data))
    run_id = json.loads(data[4])["run_id"]
    shown = json.loads(audit(three_runs, "show", run_id, "--json").stdout)
    assert shown["records"][0]["integrity"].startswith("BROKEN")


def test_show_unknown_and_ambiguous_ids(three_runs):
    unknown = audit(three_runs, "show", "ffffffff")
    assert (
        unknown.returncode == 1
        and "no run whose id starts or ends with 'ffffffff'" in unknown.stderr.decode()
    )
    ambiguous = audit(three_runs, "show", "0")
    assert ambiguous.returncode == 1 and "is ambiguous: 3 runs match" in ambiguous.stderr.decode()
    bad = audit(three_runs, "show", "not-an-id!")
    assert bad.returncode == 2 and "is not a run id" in bad.stderr.decode()


# --- audit export -------------------------------------------------------------------------


def test_export_jsonl_is_the_log_itself(three_runs):
    result = audit(three_runs, "export", "--format", "jsonl")
    assert result.stdout == three_runs.raw_log()


def test_export_json_is_one_array(three_runs):
    result = audit(three_runs, "export", "--format", "json")
    # Each record as written, with the preview that planned its run (none did here).
    expected = [{**record, "preview_run_id": None} for record in three_runs.records()]
    assert json.loads(result.stdout) == expected


def test_export_csv_starts_with_pulumi_clouds_columns(three_runs):
    result = audit(three_runs, "export", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout.decode())))
    assert rows[0] == [
        "Timestamp",
        "Name",
        "Login",
        "Event",
        "Description",
        "SourceIP",
        "RequireOrgAdmin",
        "RequireStackAdmin",
        "AuthenticationFailure",
        "Agent",
        "Stack",
        "Project",
        "Command",
        "Outcome",
        "ExitCode",
        "DurationMs",
        "RunID",
        "Host",
        "PreviewRunID",
    ]
    records = three_runs.records()
    assert len(rows) == 1 + len(records)
    last, record = dict(zip(rows[0], rows[-1], strict=True)), records[-1]
    assert last["Timestamp"] == record["time"] and last["Login"] == record["user"]
    assert last["Event"] == "stack-update-completed" and last["Outcome"] == "succeeded"
    assert last["RequireOrgAdmin"] == "false" and last["AuthenticationFailure"] == "false"
    assert last["RunID"] == record["run_id"] and last["ExitCode"] == "0"
    assert "pulumi up --yes -s prod" in last["Description"]


def test_export_cef_uses_pulumis_extension_keys(three_runs):
    result = audit(three_runs, "export", "--format", "cef", "--outcome", "failed")
    (line,) = lines(result)
    # Pulumi Cloud's syslog prefix (`Feb 14 14:53:01 HOST `), then the CEF message.
    assert re.match(
        r"[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ CEF:0\|Pulumi\|pulumi-audited\|", line
    )
    header = line.split("|")
    assert header[4] == "stack-update-completed" and header[6] == "7"
    for key in ("dvchost=", "rt=", "src=", "suser=", "cs1=organization/webapp/staging"):
        assert key in header[7]
    for flag in ("authenticationFailure", "requireOrgAdmin", "requireStackAdmin"):
        assert f"{flag}=false" in header[7]


def test_export_filters_and_output_file(three_runs, tmp_path):
    target = tmp_path / "out.jsonl"
    result = audit(three_runs, "export", "--stack", "*/prod", "--output", str(target))
    assert result.returncode == 0 and result.stdout == b""
    exported = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["phase"] for r in exported] == ["start", "end"]
    assert {r["stack"] for r in exported} == {"organization/webapp/prod"}


# --- audit stats --------------------------------------------------------------------------


def test_stats_counts_runs(three_runs):
    stats = json.loads(audit(three_runs, "stats", "--json").stdout)
    assert stats["runs"] == 3 and stats["failed"] == 1
    assert stats["failure_rate"] == pytest.approx(1 / 3)
    assert stats["by_command"] == {"up": 2, "preview": 1}
    assert stats["by_outcome"] == {"succeeded": 2, "failed": 1}
    assert stats["failures_by_stack"] == {"organization/webapp/staging": 1}
    assert sum(stats["busiest_hours"].values()) == 3
    text = audit(three_runs, "stats", "--since", "1d").stdout.decode()
    assert "failure rate 33.3%" in text and "busiest stacks" in text
    assert "busiest hours" in text and "by user" in text
    empty = json.loads(audit(three_runs, "stats", "--json", "--user", "nobody").stdout)
    assert empty["runs"] == 0 and empty["failure_rate"] is None


def test_stats_over_a_period(sandbox):
    pairs = write_synthetic(sandbox.log_dir, 500, days=30)
    stats = json.loads(audit(sandbox, "stats", "--json", "--top", "100").stdout)
    assert stats["runs"] == 500
    assert sum(stats["by_user"].values()) == 500
    failed = sum(1 for _, end in pairs if end["outcome"] in ("failed", "signaled"))
    assert stats["failed"] == failed


# --- audit config -------------------------------------------------------------------------


def test_config_names_where_each_value_came_from(sandbox):
    config_file = sandbox.write_config("on_failure: block\nlock_timeout: 3\n")
    sandbox.run("preview", "-s", "dev")
    result = json.loads(audit(sandbox, "config", "--json").stdout)
    settings = result["settings"]
    assert settings["log"] == {
        "value": str(sandbox.log_dir),
        "source": "environment PULUMI_AUDITED_LOG",
        "variable": "PULUMI_AUDITED_LOG",
        "origin": "env",
        "pinned": False,
    }
    assert settings["on_failure"]["value"] == "block"
    assert settings["on_failure"]["source"] == f"file {config_file}:1"
    assert settings["skip"]["source"] == "default"
    assert result["files"] == [str(config_file)]
    assert result["log"]["exists"] and result["log"]["day_files"] == 1
    text = audit(sandbox, "config").stdout.decode()
    assert f"{config_file}, line 2" in text and str(sandbox.log_dir) in text


def test_config_default_log_location(sandbox):
    env = dict(sandbox.env)
    env.pop("PULUMI_AUDITED_LOG")
    result = subprocess.run(
        [str(SHIM), "audit", "config", "--json"],
        env=env,
        cwd=sandbox.project,
        capture_output=True,
        check=True,
    )
    log = json.loads(result.stdout)["settings"]["log"]
    assert log["value"] == str(sandbox.root / "xdg-data" / "pulumi-audited" / "log")
    assert log["source"] == "default"


# --- damaged and hostile data -------------------------------------------------------------


def test_corrupt_and_foreign_lines_are_skipped_with_one_warning(three_runs):
    path = sorted(three_runs.log_dir.glob("*.jsonl"))[0]
    # A filtered read remembers that this file held only records; appending changes that.
    assert audit(three_runs, "log", "--user", "root").stderr == b""
    with open(path, "ab") as handle:
        handle.write(b'{"not": "ours"}\n\x00\x01garbage\n[1, 2\n')
    for args in (["log"], ["export"], ["stats"], ["log", "--user", "root"]):
        result = audit(three_runs, *args)
        assert result.returncode == 0, result.stderr
        warnings = result.stderr.decode().splitlines()
        assert len(warnings) == 1 and "skipped 3 corrupt or foreign line(s)" in warnings[0]
        assert f"{path}:7" in warnings[0]


HOSTILE = [
    "\x1b]0;pwned\x07",
    "\x1b[2J\x1b[31mred",
    "over\rwrite",
    "bell\x07",
    "\u202eevil\u202c",
    "=cmd|' /C calc'!A0",
    "+SUM(1)",
    "@SUM(1)",
    "-1+2",
    "nul\x00?",
]


def _no_raw_controls(text: str) -> None:
    for char in text:
        if char not in "\n\t":
            assert char.isprintable() and char not in "\u202e\u202c", repr(char)


def test_hostile_arguments_are_escaped_in_human_output(sandbox):
    args = [arg for arg in HOSTILE if "\x00" not in arg]
    sandbox.run("preview", "-s", "dev", "--message", *args)
    sandbox.run("stack", "output", "-s", '=HYPERLINK("http://x")/a\x1b[31m/b')
    run_id = json_lines(audit(sandbox, "log", "--json"))[-1]["run_id"]
    for command in (
        ["log"],
        ["show", run_id],
        ["stats"],
        ["export", "--format", "cef"],
        ["export", "--format", "csv"],
        ["verify"],
    ):
        result = audit(sandbox, *command)
        assert result.returncode == 0, result.stderr
        _no_raw_controls(result.stdout.decode())
    shown = audit(sandbox, "show", run_id).stdout.decode()
    assert "\\x1b]0;pwned\\x07" in shown and "\\u202eevil" in shown and "over\\rwrite" in shown


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(sandbox):
    sandbox.run("stack", "output", "-s", "=cmd|' /C calc'!A0/x/y")
    sandbox.run("stack", "output", "-s", "@SUM(1)/x/y")
    rows = list(
        csv.DictReader(io.StringIO(audit(sandbox, "export", "--format", "csv").stdout.decode()))
    )
    stacks = [row["Stack"] for row in rows]
    assert stacks[0] == "'=cmd|' /C calc'!A0/x/y" and stacks[2] == "'@SUM(1)/x/y"
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_an_unreadable_log_is_exit_2(sandbox):
    not_a_folder = sandbox.root / "a-file"
    not_a_folder.write_text("x")
    for command in (["log"], ["verify"], ["export"]):
        result = audit(sandbox, *command, env={"PULUMI_AUDITED_LOG": str(not_a_folder)})
        assert result.returncode == 2, (command, result.stderr)
        assert "cannot read" in result.stderr.decode()


def test_an_empty_log_is_no_error(sandbox):
    assert audit(sandbox, "log").stdout == b""
    assert audit(sandbox, "export", "--format", "csv").stdout.count(b"\n") == 1
    assert json.loads(audit(sandbox, "stats", "--json").stdout)["runs"] == 0


def test_since_reads_only_recent_day_files(sandbox):
    write_synthetic(sandbox.log_dir, 50, days=5)
    # A day file that cannot be read: any command that opens it fails.
    (sandbox.log_dir / "2001-01-01.jsonl").mkdir()
    assert audit(sandbox, "log", "-n", "0").returncode == 2
    recent = audit(sandbox, "log", "--since", "2d", "-n", "0")
    assert recent.returncode == 0, recent.stderr
    assert lines(recent)
    assert audit(sandbox, "export", "--since", "yesterday").returncode == 0
    newest = audit(sandbox, "log", "-n", "3")
    assert newest.returncode == 0 and len(lines(newest)) == 3


def _on_terminal(sandbox, *args, env=None, rows=40, columns=120) -> str:
    session = terminal.run(
        [str(SHIM), "audit", *args],
        env={**sandbox.env, "TERM": "xterm", **(env or {})},
        cwd=sandbox.project,
        rows=rows,
        columns=columns,
    )
    assert session.returncode == 0, session.output
    return session.output


def test_a_terminal_gets_a_coloured_table_unless_no_color(three_runs):
    coloured = _on_terminal(three_runs, "log")
    assert coloured.splitlines()[0].startswith("\x1b[1mTIME")
    assert "\x1b[32msucceeded" in coloured and "\x1b[31mfailed" in coloured
    plain = _on_terminal(three_runs, "log", env={"NO_COLOR": "1"})
    assert "\x1b[" not in plain
    header = plain.splitlines()[0].split()
    assert header[:6] == ["TIME", "USER", "AGENT", "STACK", "COMMAND", "OUTCOME"]
    narrow = _on_terminal(three_runs, "log", env={"NO_COLOR": "1"}, columns=90)
    assert all(len(line) <= 90 for line in narrow.splitlines())
    assert "…" in narrow


def test_long_output_on_a_terminal_goes_through_the_pager(three_runs):
    paged = _on_terminal(three_runs, "log", env={"PAGER": "sed s/^/PAGED:/"}, rows=3)
    assert paged.count("PAGED:") == 4
    short = _on_terminal(three_runs, "log", "-n", "1", env={"PAGER": "sed s/^/PAGED:/"})
    assert "PAGED:" not in short


def test_a_run_across_midnight(sandbox):
    sandbox.run("preview", "-s", "dev")
    start, end = (dict(r) for r in sandbox.records())
    for record in (start, end):
        record.pop("prev")
    start["time"], end["time"] = "2026-03-01T23:59:50.000000Z", "2026-03-02T00:00:20.000000Z"
    end["duration_ms"] = 30_000
    for path in sandbox.log_dir.glob("*.jsonl"):
        path.unlink()
    LocalLog(str(sandbox.log_dir)).append_many([start, end])
    assert len(list(sandbox.log_dir.glob("*.jsonl"))) == 2
    (run,) = json_lines(audit(sandbox, "log", "--json"))
    assert run["start"] == start and run["end"] == end
    assert json_lines(audit(sandbox, "log", "--json", "--since", "2026-03-02")) == []
    (merged,) = json_lines(audit(sandbox, "log", "--json", "--since", "2026-03-01"))
    assert merged["end"]["time"] == end["time"]
    (until,) = json_lines(audit(sandbox, "log", "--json", "--until", "2026-03-01", "--reverse"))
    assert until["end"] is not None
    shown = json.loads(audit(sandbox, "show", start["run_id"], "--json").stdout)
    assert [r["integrity"].split()[0] for r in shown["records"]] == ["intact", "intact"]
    assert audit(sandbox, "verify").returncode == 0


def test_cef_escapes_its_separators(sandbox):
    sandbox.run("stack", "output", "-s", "a=b|c\\d/x/y")
    (start, _end) = lines(audit(sandbox, "export", "--format", "cef"))
    fields = re.split(r"(?<!\\)\|", start[start.index("CEF:0|") :], maxsplit=7)
    assert len(fields) == 8 and fields[:3] == ["CEF:0", "Pulumi", "pulumi-audited"]
    assert "a=b\\|c\\\\d/x/y" in fields[5]
    assert fields[7].startswith("authenticationFailure=false dvchost=")
    # In extensions only "=" and "\\" are special (a pipe needs no escape there).
    assert "cs1=a\\=b|c\\\\d/x/y " in fields[7]


def test_export_time_range_over_a_year(sandbox):
    pairs = write_synthetic(sandbox.log_dir, 1000, days=365)
    records = [record for pair in pairs for record in pair]
    day = pairs[500][0]["time"][:10]
    result = audit(sandbox, "export", "--since", day, "--until", day, "--format", "json")
    exported = json.loads(result.stdout)
    expected = sorted((r for r in records if r["time"][:10] == day), key=lambda r: r["time"])
    assert exported and [r["id"] for r in exported] == [r["id"] for r in expected]
