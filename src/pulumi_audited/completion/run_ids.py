"""Run ids for TAB after `audit show`: every run in the log whose short id (the end of its id,
as `audit log` shows it) or whole id starts with what was typed.

The whole log is read, but no record is parsed to find the ids: one regular expression over
each day file's bytes finds them (the writer's JSON is canonical). Only when few enough runs
match to be read through are their start records parsed for a description.
"""

from __future__ import annotations

from click.shell_completion import CompletionItem

from pulumi_audited.errors import StoreError
from pulumi_audited.store.chain import parse_record_line
from pulumi_audited.viewer.safe_text import escape
from pulumi_audited.viewer.short_ids import RUN_ID_IN_LINE, all_short

# With more candidates than this, shells ask before listing them all; descriptions would cost
# a parse per run, so there are none.
DESCRIBED_LIMIT = 200


def _first_partitions(partitions) -> dict[str, int]:
    """Each run id, with the index of the partition of its first record (its start)."""
    found: dict[bytes, int] = {}
    for index in range(len(partitions) - 1, -1, -1):  # older partitions overwrite newer
        try:
            data = partitions[index].read_bytes()
        except StoreError:
            continue  # a TAB press offers what can be read
        found.update(dict.fromkeys(RUN_ID_IN_LINE.findall(data), index))
    return {run_id.decode(): index for run_id, index in found.items()}


def _descriptions(partitions, wanted: dict[str, int]) -> dict[str, str]:
    """time user stack command of each wanted run, from its first record."""
    by_partition: dict[int, list[str]] = {}
    for run_id, index in wanted.items():
        by_partition.setdefault(index, []).append(run_id)
    found = {}
    for index, run_ids in by_partition.items():
        data = partitions[index].read_bytes()
        for run_id in run_ids:
            position = data.find(b'"run_id":"' + run_id.encode())
            start = data.rfind(b"\n", 0, position) + 1
            end = data.find(b"\n", position)
            record = parse_record_line(data[start : end if end >= 0 else len(data)])
            if record is not None:
                facts = (record.get(key) or "-" for key in ("time", "user", "stack", "command"))
                found[run_id] = " ".join(escape(fact) for fact in facts)
    return found


def run_id_candidates(partitions, incomplete: str) -> list[CompletionItem]:
    """One candidate per matching run, newest first: its short id when that starts with
    `incomplete`, else its whole id."""
    first = _first_partitions(partitions)
    short = all_short(first)
    chosen = []
    for run_id in sorted(first, reverse=True):  # UUIDv7s sort by time
        if short[run_id].startswith(incomplete):
            chosen.append((run_id, short[run_id]))
        elif incomplete and run_id.startswith(incomplete):
            chosen.append((run_id, run_id))
    described = {}
    if len(chosen) <= DESCRIBED_LIMIT:
        described = _descriptions(partitions, {run_id: first[run_id] for run_id, _ in chosen})
    return [CompletionItem(value, help=described.get(run_id)) for run_id, value in chosen]
