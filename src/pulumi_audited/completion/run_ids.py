"""Run ids for TAB after `audit show`: every run in the log whose short id (the end of its id,
as `audit log` shows it) or whole id starts with what was typed.

The whole log is read, but no record is parsed to find the ids: one regular expression over
each day file's bytes finds them (the writer's JSON is canonical). Only when few enough runs
match to be read through are their start records parsed for a description.
"""

from __future__ import annotations

import re

from click.shell_completion import CompletionItem

from pulumi_audited.store import StoreError
from pulumi_audited.store.chain import parse_record_line
from pulumi_audited.viewer.safe_text import escape
from pulumi_audited.viewer.short_ids import all_short

# With more candidates than this, shells ask before listing them all; descriptions would cost
# a parse per run, so there are none.
DESCRIBED_LIMIT = 200
_RUN_ID = re.compile(rb'"run_id":"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"')


def _first_places(partitions) -> dict[str, tuple[bytes, int]]:
    """Each run id, with the bytes and position of its first record (its start, if kept)."""
    places: dict[str, tuple[bytes, int]] = {}
    for partition in partitions:
        try:
            data = partition.read_bytes()
        except StoreError:
            continue  # a TAB press offers what can be read
        for match in _RUN_ID.finditer(data):
            places.setdefault(match.group(1).decode(), (data, match.start()))
    return places


def _description(data: bytes, position: int) -> str | None:
    start = data.rfind(b"\n", 0, position) + 1
    end = data.find(b"\n", position)
    record = parse_record_line(data[start : end if end >= 0 else len(data)])
    if record is None:
        return None
    facts = (record.get(key) or "-" for key in ("time", "user", "stack", "command"))
    return " ".join(escape(fact) for fact in facts)


def run_id_candidates(partitions, incomplete: str) -> list[CompletionItem]:
    """One candidate per matching run, newest first: its short id when that starts with
    `incomplete`, else its whole id."""
    places = _first_places(partitions)
    short = all_short(places)
    chosen = []
    for run_id in reversed(places):  # the log is in time order
        if short[run_id].startswith(incomplete):
            chosen.append((run_id, short[run_id]))
        elif incomplete and run_id.startswith(incomplete):
            chosen.append((run_id, run_id))
    describe = len(chosen) <= DESCRIBED_LIMIT
    return [
        CompletionItem(value, help=_description(*places[run_id]) if describe else None)
        for run_id, value in chosen
    ]
