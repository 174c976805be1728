"""`audit log` on a real pseudo-terminal: the pager (a real less), colours, the table's width
and its short run ids, as a person at a terminal sees them."""

from __future__ import annotations

import json
import re

import pytest
import terminal
from conftest import SHIM, which

from pulumi_audited.store.local import LocalLog


@pytest.fixture
def three_runs(sandbox):
    """dev succeeded, staging failed (exit 6, stack not found), prod up succeeded: oldest first."""
    sandbox.run("preview", "-s", "dev")
    sandbox.run("up", "--yes", "-s", "staging", env={"FAKE_PULUMI_EXIT": "6"})
    sandbox.run("up", "--yes", "-s", "prod")
    return sandbox


def on_terminal(sandbox, *args, env=None, rows=40, columns=120, key=b"q") -> terminal.Session:
    """The viewer on a terminal whose pager is the real less (`make setup` installs it).
    `key` is typed when the output goes quiet, to quit the pager; with None, a pager that
    was started waits, and the session fails for running too long."""
    which("less")
    environment = {**sandbox.env, "TERM": "xterm", **(env or {})}
    return terminal.run(
        [str(SHIM), "audit", *args],
        env=environment,
        cwd=sandbox.project,
        rows=rows,
        columns=columns,
        key_when_quiet=key,
    )


def full_ids(sandbox) -> list[str]:
    result = sandbox.run("audit", "log", "--json", "-n", "0")
    return [json.loads(line)["run_id"] for line in result.stdout.decode().splitlines()]


# --- the pager --------------------------------------------------------------------------


def test_colours_render_in_less(three_runs):
    # Four lines on a three-line terminal: the table goes through the pager, which waits
    # for `q`.
    session = on_terminal(three_runs, "log", rows=3)
    assert session.returncode == 0 and session.keys_typed >= 1, session.screen
    # less shows escape sequences it does not pass on as `ESC[1m` (or `^[`).
    assert "ESC" not in session.screen and "^[" not in session.screen, session.screen
    assert "\x1b[1mTIME" in session.output and "\x1b[32msucceeded" in session.output
    assert "TIME" in session.screen and "succeeded" in session.screen


def test_less_gets_raw_colours_even_with_a_less_variable_of_ones_own(three_runs):
    session = on_terminal(three_runs, "log", rows=3, env={"LESS": "-S"})
    assert session.keys_typed >= 1
    assert "ESC" not in session.screen and "^[" not in session.screen, session.screen
    assert "\x1b[32msucceeded" in session.output


def test_no_color_reaches_the_pager_without_colours(three_runs):
    session = on_terminal(three_runs, "log", rows=3, env={"NO_COLOR": "1"})
    assert session.keys_typed >= 1
    assert "\x1b[32m" not in session.output and "\x1b[1mTIME" not in session.output
    assert "ESC" not in session.screen and "TIME" in session.screen


@pytest.mark.parametrize(
    "args",
    [["log", "--no-pager"], ["--no-pager", "log"], ["show", "--no-pager", "RUN"]],
)
def test_no_pager_prints_directly(three_runs, args):
    run_id = full_ids(three_runs)[0]
    args = [run_id if arg == "RUN" else arg for arg in args]
    session = on_terminal(three_runs, *args, rows=3, key=None)
    assert session.returncode == 0, session.screen
    assert "\x1b[1m" in session.output  # still coloured: it is a terminal
    if "log" in args:
        assert session.screen.count("\n") >= 4 and "dev" in session.screen


@pytest.mark.parametrize("pager", ["", "cat"])
def test_an_empty_or_cat_pager_prints_directly(three_runs, pager):
    session = on_terminal(three_runs, "log", rows=3, env={"PAGER": pager}, key=None)
    assert session.returncode == 0
    assert len([line for line in session.screen.splitlines() if line.strip()]) == 4


# --- short run ids and the width of the table -------------------------------------------


def _table(session: terminal.Session) -> list[str]:
    return [line for line in session.screen.splitlines() if line.strip()]


def _run_column(lines: list[str]) -> list[str]:
    assert lines[0].split()[-1] == "RUN", lines[0]
    return [line.split()[-1] for line in lines[1:]]


def test_the_table_shows_short_unique_run_ids_that_show_accepts(three_runs):
    ids = full_ids(three_runs)
    # UUIDv7s of the same minute: their first 8 characters are the same.
    assert len({run_id[:8] for run_id in ids}) == 1
    for columns in (100, 80):
        lines = _table(on_terminal(three_runs, "log", columns=columns, env={"NO_COLOR": "1"}))
        assert all(len(line) <= columns for line in lines), (columns, lines)
        shorts = _run_column(lines)
        assert [s for s in shorts if "…" in s] == []
        assert all(7 <= len(s) <= 10 for s in shorts), shorts
        assert [[i for i in ids if i.endswith(s)] for s in shorts] == [[i] for i in ids]
    for short, run_id in zip(shorts, ids, strict=True):
        shown = three_runs.run("audit", "show", short, "--json")
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["run_id"] == run_id


def _template(sandbox) -> tuple[dict, dict]:
    sandbox.run("preview", "-s", "dev")
    start, end = sandbox.records()[-2:]
    for path in sandbox.log_dir.glob("*.jsonl"):
        path.unlink()
    return start, end


def _run(template: tuple[dict, dict], run_id: str, day: str, minute: int) -> list[dict]:
    start, end = (dict(record) for record in template)
    for record in (start, end):
        record.pop("prev")
        record["run_id"] = run_id
    start["time"] = f"{day}T10:{minute:02d}:00.000000Z"
    end["time"] = f"{day}T10:{minute:02d}:01.000000Z"
    return [start, end]


def test_short_ids_are_unique_in_the_whole_log_not_only_the_runs_shown(sandbox):
    import datetime as dt

    template = _template(sandbox)
    today = dt.datetime.now(dt.timezone.utc).date()
    past = (today - dt.timedelta(days=10)).isoformat()
    log = LocalLog(str(sandbox.log_dir))
    # B ends with the same 9 characters as A, a run of ten days ago that -n 1 does not show.
    a = "01a00000-0000-7000-8000-000123456789"
    b = "01a10000-0000-7000-8000-005123456789"
    d = "01a10000-0001-7000-8000-00abcdef0042"
    log.append_many(_run(template, a, past, 1))
    log.append_many(
        _run(template, b, today.isoformat(), 1) + _run(template, d, today.isoformat(), 2)
    )
    shown = _run_column(_table(on_terminal(sandbox, "log", "-n", "2")))
    assert shown == ["def0042", "5123456789"]
    # A past day file that changes is read again: C shares 9 characters with D.
    c = "01a00000-0001-7000-8000-009bcdef0042"
    log.append_many(_run(template, c, past, 2))
    assert _run_column(_table(on_terminal(sandbox, "log", "-n", "1"))) == ["abcdef0042"]
    assert json.loads(sandbox.run("audit", "show", "5123456789", "--json").stdout)["run_id"] == b
    ambiguous = sandbox.run("audit", "show", "123456789")
    assert ambiguous.returncode == 1
    message = ambiguous.stderr.decode()
    assert "'123456789' is ambiguous: 2 runs match" in message
    assert a in message and b in message


def test_a_wide_log_fits_80_columns_with_whole_run_ids(sandbox):
    from viewer_logs import write_synthetic

    pairs = write_synthetic(sandbox.log_dir, 300, days=2)
    ids = [start["run_id"] for start, _ in pairs]
    session = on_terminal(sandbox, "log", "-n", "30", columns=80, rows=60)
    lines = _table(session)
    assert len(lines) == 31
    assert all(len(line) <= 80 for line in lines), lines
    for short in _run_column(lines):
        assert len([i for i in ids if i.endswith(short)]) == 1, short
    # Stacks give way from the start: their end names the stack.
    assert re.search(r"…\S*/(dev|staging|prod|qa|perf)\b", session.screen), session.screen


def test_an_unreadable_old_day_file_does_not_stop_the_table(sandbox):
    from viewer_logs import write_synthetic

    write_synthetic(sandbox.log_dir, 50, days=5)
    # The short ids look at every day file; one that cannot be read is left out of that.
    (sandbox.log_dir / "2001-01-01.jsonl").mkdir()
    session = on_terminal(sandbox, "log", "--since", "2d", "-n", "5", env={"NO_COLOR": "1"})
    assert session.returncode == 0, session.screen
    assert len(_run_column(_table(session))) == 5
