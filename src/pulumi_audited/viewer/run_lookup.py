"""Finding one run by the start of its id or by its end (the short id `audit log` shows), with
where its records are and whether their hash links hold."""

from __future__ import annotations

import json
import re

import click

from pulumi_audited.store.chain import line_hash, parse_record_line
from pulumi_audited.viewer.safe_text import escape
from pulumi_audited.viewer.short_ids import matches

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.store.base import ReadableStore

ID_TEXT = re.compile(r"^[0-9a-fA-F-]{1,36}$")
_SHOWN_WHEN_AMBIGUOUS = 5


class Located:
    """A record and where it is: partition, line number, the line itself, integrity."""

    def __init__(self, record: dict, location: str, number: int, line: bytes) -> None:
        self.record = record
        self.location = location
        self.number = number
        self.line = line
        self.integrity = "unchecked"


def _id_pattern(text: str) -> re.Pattern[bytes]:
    """`"run_id":"<id>"` where the id starts with `text`, or ends with it (no dash in it)."""
    escaped = re.escape(text).encode()
    either = escaped + rb'[^"]*'
    if "-" not in text:
        either += rb'|[^"]*' + escaped
    return re.compile(rb'"run_id":"(?:' + either + rb')"')


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


def find_run(store: ReadableStore, text: str) -> list[Located]:
    """The records of the one run whose id starts or ends with `text`; ClickException when
    there is none, or more than one."""
    text = text.lower()
    pattern = _id_pattern(text)
    found: dict[str, list[Located]] = {}
    previous_tail: bytes | None = None
    partitions = store.partitions()
    # A bucket holds one chain per writer: a record links to its writer's previous one.
    per_writer = store.shared_objects
    for partition in partitions:
        data = partition.read_bytes()
        hits = [match.start() for match in pattern.finditer(data)]
        lines = data.split(b"\n") if hits else []
        for position in hits:
            number = data.count(b"\n", 0, position) + 1
            line = lines[number - 1]
            record = parse_record_line(line)
            run_id = record.get("run_id") if record is not None else None
            if record is None or not isinstance(run_id, str) or not matches(run_id, text):
                continue
            located = Located(record, *partition.place_of(position), line)
            if per_writer:
                before = _writer_previous_line(partitions, record)
            else:
                before = _previous_record_line(lines, number - 1) or previous_tail
            located.integrity = _link_status(record, before)
            found.setdefault(run_id, []).append(located)
        tail = _last_record_line(data)
        if tail is not None:
            previous_tail = tail
    if not found:
        raise click.ClickException(
            f"no run whose id starts or ends with {text!r} in the log at {store.location}"
        )
    if len(found) > 1:
        raise click.ClickException(_ambiguous(text, found))
    return next(iter(found.values()))


def _ambiguous(text: str, found: dict[str, list[Located]]) -> str:
    """Which runs `text` names, newest first, each with when, who and what."""
    runs = sorted(found.items(), key=lambda item: str(item[1][0].record.get("time")))
    shown = []
    for run_id, located in reversed(runs[-_SHOWN_WHEN_AMBIGUOUS:]):
        record = located[0].record
        facts = " ".join(
            escape(record.get(key) or "-") for key in ("time", "user", "command", "stack")
        )
        shown.append(f"{escape(run_id)} ({facts})")
    more = len(found) - len(shown)
    return (
        f"run id {text!r} is ambiguous: {len(found)} runs match: {'; '.join(shown)}"
        + (f"; and {more} more" if more > 0 else "")
        + ". Give more characters of the start or the end of the id."
    )


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
