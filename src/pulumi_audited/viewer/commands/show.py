"""`audit show RUN_ID`: everything about one run, and whether its records are intact."""

from __future__ import annotations

import json
import re

import click

from pulumi_audited.store.chain import line_hash, parse_record_line
from pulumi_audited.viewer.context import open_log
from pulumi_audited.viewer.formats import OUTCOME_COLOURS, Terminal, json_line
from pulumi_audited.viewer.runs import Run
from pulumi_audited.viewer.safe_text import escape

_PREFIX = re.compile(r"^[0-9a-fA-F-]{1,36}$")
_RUN_ID_KEY = b'"run_id":"'


class Located:
    """A record and where it is: partition, line number, the line itself, integrity."""

    def __init__(self, record: dict, location: str, number: int, line: bytes) -> None:
        self.record = record
        self.location = location
        self.number = number
        self.line = line
        self.integrity = "unchecked"


def _previous_record_line(lines: list[bytes], index: int) -> bytes | None:
    """The nearest record line before `index` in this partition; None when there is none
    (the record before it is then the last one of an older partition)."""
    for position in range(index - 1, -1, -1):
        if parse_record_line(lines[position]) is not None:
            return lines[position]
    return None


def _last_record_line(data: bytes) -> bytes | None:
    for line in reversed(data.split(b"\n")):
        if parse_record_line(line) is not None:
            return line
    return None


def find_run(store, prefix: str) -> list[Located]:
    """The records of the one run whose id starts with `prefix`; ClickException otherwise."""
    needle = _RUN_ID_KEY + prefix.lower().encode("ascii")
    found: dict[str, list[Located]] = {}
    previous_tail: bytes | None = None
    partitions = store.partitions()
    # A bucket holds one chain per writer: a record links to its writer's previous one.
    remote = callable(getattr(store, "chains", None))
    for partition in partitions:
        data = partition.read_bytes()
        position = data.find(needle)
        lines = data.split(b"\n") if position >= 0 else []
        while position >= 0:
            number = data.count(b"\n", 0, position) + 1
            line = lines[number - 1]
            record = parse_record_line(line)
            if record is not None and str(record.get("run_id", "")).startswith(prefix.lower()):
                if remote:
                    located = Located(record, partition.url_of_offset(position), 1, line)
                    before = _writer_previous_line(partitions, record)
                else:
                    located = Located(record, partition.location, number, line)
                    before = _previous_record_line(lines, number - 1) or previous_tail
                located.integrity = _link_status(record, before)
                found.setdefault(record["run_id"], []).append(located)
            line_end = data.find(b"\n", position)
            position = data.find(needle, line_end) if line_end >= 0 else -1
        tail = _last_record_line(data)
        if tail is not None:
            previous_tail = tail
    if not found:
        raise click.ClickException(f"no run with id {prefix!r} in the log at {store.location}")
    if len(found) > 1:
        shown = ", ".join(sorted(found)[:5])
        raise click.ClickException(
            f"run id prefix {prefix!r} is ambiguous: {len(found)} runs match ({shown}); "
            "give more characters"
        )
    return next(iter(found.values()))


def _writer_previous_line(partitions, record: dict) -> bytes | None:
    """The line of the same writer's record before `record` (by `seq`), None for the first."""
    writer, seq = record.get("writer"), record.get("seq")
    if not isinstance(writer, str) or not isinstance(seq, int) or seq <= 1:
        return None
    needle = f',"writer":{json.dumps(writer)},"seq":{seq - 1},"prev":'.encode()
    for partition in reversed(partitions):
        data = partition.read_bytes()
        position = data.find(needle)
        if position >= 0:
            start = data.rfind(b"\n", 0, position) + 1
            end = data.find(b"\n", position)
            return data[start : end if end >= 0 else len(data)]
    return b""  # missing: a hash nothing has


def _link_status(record: dict, before: bytes | None) -> str:
    expected = line_hash(before) if before is not None else None
    if record.get("prev") == expected:
        return "intact (linked to the record before it)"
    return "BROKEN: its prev does not match the record before it (run 'audit verify')"


def _section(terminal: Terminal, title: str) -> str:
    return terminal.paint(title, None, bold=True)


def _value(value: object) -> str:
    if isinstance(value, (dict, list)):
        return escape(json.dumps(value, ensure_ascii=False))
    return escape("-" if value is None else value)


def _describe(run: Run, located: list[Located], terminal: Terminal) -> list[str]:
    first = run.first
    end = run.end or {}
    outcome = terminal.paint(run.outcome, OUTCOME_COLOURS.get(run.outcome))
    lines = [
        f"{_section(terminal, 'run')}        {escape(run.run_id)}",
        f"command    pulumi {escape(' '.join(str(a) for a in first.get('argv') or []))}",
        f"outcome    {outcome}   exit code {_value(end.get('exit_code'))}"
        f"   signal {_value(end.get('signal'))}   signals {_value(end.get('signals'))}",
        f"started    {_value(run.start and run.start.get('time'))}",
        f"ended      {_value(end.get('time'))}   duration {_value(end.get('duration_ms'))} ms",
        "",
        _section(terminal, "who"),
    ]
    for key in ("user", "identity", "host", "source_ip", "exec_kind", "pid", "reason"):
        lines.append(f"  {key:<16} {_value(first.get(key))}")
    lines += ["", _section(terminal, "where")]
    for key in ("stack", "project", "backend", "cwd", "git"):
        lines.append(f"  {key:<16} {_value(first.get(key))}")
    lines += ["", _section(terminal, "what")]
    for key in ("command", "event", "effect", "reveals_secrets"):
        lines.append(f"  {key:<16} {_value(first.get(key))}")
    for index, arg in enumerate(first.get("argv") or []):
        lines.append(f"  argv[{index}]{'':<{max(0, 9 - len(str(index)))}} {_value(arg)}")
    lines += ["", _section(terminal, "records")]
    for item in located:
        record = item.record
        lines.append(
            f"  {escape(record.get('phase'))}  {escape(record.get('id'))}  "
            f"{escape(record.get('event'))}  {escape(item.location)}:{item.number}"
        )
        lines.append(f"         integrity: {item.integrity}")
    if run.end is None:
        lines.append(f"  end    none: the run is {run.outcome}")
    return lines


@click.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="The run as one JSON object.")
def command(run_id: str, as_json: bool) -> None:
    """Everything about one run: both records, the full redacted arguments, identity, CI and
    git context, timings, and the integrity of its records. RUN_ID may be a unique prefix."""
    prefix = run_id.strip()
    if not _PREFIX.match(prefix):
        raise click.BadParameter(
            f"{escape(run_id)!r} is not a run id or prefix", param_hint="RUN_ID"
        )
    located = find_run(open_log(), prefix)
    start = next((i.record for i in located if i.record.get("phase") == "start"), None)
    end = next((i.record for i in located if i.record.get("phase") == "end"), None)
    run = Run(start, end)
    terminal = Terminal()
    if as_json:
        value = run.as_json()
        value["records"] = [
            {
                "location": i.location,
                "line": i.number,
                "id": i.record.get("id"),
                "integrity": i.integrity,
            }
            for i in located
        ]
        click.echo(json_line(value))
        return
    terminal.emit(_describe(run, located, terminal))
