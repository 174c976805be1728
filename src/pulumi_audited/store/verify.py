"""Walking the hash chain and naming what happened where it breaks.

Pass one hashes every line (OpenSSL's SHA-256) and reads `prev` from the line's fixed tail,
parsing JSON only for lines of another shape; it keeps nothing but the breaks. Only when
there are breaks does a second pass look for the hashes the breaks point to, which tells
the kinds apart:

* edited: a record's content changed, so the next record points to a hash that exists
  nowhere and the changed record disagrees with itself (its run's other record, its id's
  time, its exit code and outcome); a record edited into invalid JSON is a corrupt line
  followed by such a break;
* deleted: the next record points to a hash that exists nowhere, and the record before
  the gap is self-consistent (or the log's first record does not start the chain);
* inserted: a record no one points to, followed by a record that points past it; or a
  copy of a record that is elsewhere in the log;
* reordered: a record points to a record that exists, but elsewhere in the log.

* misplaced: a record in the local log that is not in the day file of its own time, where
  the writer put it.

Breaks where the writer's clock stepped back across midnight are not tampering: the chain
follows write order across the day files (store/clock_steps.py tells them apart), and they
are reported as notes.

A line that is not a record (torn by a crash, or foreign) is damage, reported with its
place; when the chain runs around it, nothing else was lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pulumi_audited import outcomes, timestamps
from pulumi_audited.store.base import Chain, Chains, Partition, ReadableStore
from pulumi_audited.store.chain import RECORD_PREFIX, parse_record_line, split_lines
from pulumi_audited.store.clock_steps import clock_steps
from pulumi_audited.store.findings import Break, Finding, Place, Report, id_of_line, named

_NULL_TAIL = b',"prev":null}'
_HASH_KEY = b',"prev":"'
# Fields an end record repeats from its start record unchanged.
_PHASE_FIELDS = {"id", "phase", "time", "event", "prev", "exit_code", "outcome", "duration_ms"}
_PHASE_FIELDS |= {"signal", "signals", "seq"}
# Breaks diagnosed in detail; past this the log is rewritten wholesale, and holding every
# break would make memory grow with the log.
MAX_BREAKS = 10_000


def _tail_prev(line: bytes) -> tuple[bool, str | None]:
    """(has the canonical shape, prev) from the line's tail, without parsing JSON."""
    if not line.startswith(RECORD_PREFIX):
        return False, None
    if line.endswith(_NULL_TAIL):
        return True, None
    if line[-75:-66] == _HASH_KEY and line.endswith(b'"}'):
        return True, line[-66:-2].decode("ascii", "replace")
    return False, None


def _walk(partitions: list[Partition]) -> Iterator[tuple[Partition, int, bytes, bool]]:
    """(partition, line number, line, complete) for every non-empty line."""
    for partition in partitions:
        for number, line, complete in split_lines(partition.read_bytes()):
            yield partition, number, line, complete


def _records(partitions: list[Partition], report: Report | None):
    """(ordinal, place without id, line, prev, own hash) for each record; corrupt lines as
    (None, place, line, None, None). Counts into `report` when given."""
    ordinal = 0
    sha256 = hashlib.sha256
    for partition, number, line, complete in _walk(partitions):
        shaped, prev = _tail_prev(line)
        if not shaped:
            record = parse_record_line(line)
            if record is None:
                if complete or line.strip():
                    yield None, Place(partition.location, number), line, None, None
                continue
            prev = record.get("prev") if isinstance(record.get("prev"), str) else None
        yield ordinal, (partition, number), line, prev, sha256(line).hexdigest()
        ordinal += 1
    if report is not None:
        report.records = ordinal


def _day_of(line: bytes) -> bytes | None:
    """The UTC day of the record's `time`, as in its day file's name; None without one."""
    at = line.find(b'"time":"', 0, 256)  # in the canonical key order, near the start
    if at >= 0:
        return line[at + 8 : at + 18]
    stamp = (parse_record_line(line) or {}).get("time")
    return stamp[:10].encode() if isinstance(stamp, str) else None


def _first_pass(
    partitions: list[Partition], report: Report, misplaced: list[Place] | None = None
) -> tuple[list[Break], list[Place], tuple | None]:
    """The breaks, the corrupt lines, and (ordinal, place, line) of the last record; with
    `misplaced`, the records found in another day's file go there."""
    breaks: list[Break] = []
    corrupt: list[Place] = []
    since_last: list[Place] = []
    previous_hash: str | None = None
    previous_place: tuple | None = None
    previous_line: bytes | None = None
    last_ordinal = -1
    for ordinal, where, line, prev, own_hash in _records(partitions, report):
        if ordinal is None:
            corrupt.append(where)
            since_last.append(where)
            continue
        if misplaced is not None and _day_of(line) not in (where[0].name.encode(), None):
            misplaced.append(Place(where[0].location, where[1], id_of_line(line)))
        if prev != previous_hash and len(breaks) >= MAX_BREAKS:
            report.undiagnosed_breaks += 1
        elif prev != previous_hash:
            before = None
            if previous_place is not None:
                before = Place(previous_place[0].location, previous_place[1])
            breaks.append(
                Break(
                    ordinal=ordinal,
                    place=Place(where[0].location, where[1]),
                    prev=prev,
                    expected=previous_hash,
                    own_hash=own_hash,
                    line=line,
                    before=before,
                    before_line=previous_line,
                    before_ordinal=ordinal - 1,
                    corrupt_between=list(since_last),
                )
            )
        since_last = []
        previous_hash, previous_place, previous_line = own_hash, where, line
        last_ordinal = ordinal
    last = None
    if previous_place is not None:
        last = (last_ordinal, Place(previous_place[0].location, previous_place[1]), previous_line)
    return breaks, corrupt, last


@dataclass
class _Seen:
    """What the second pass learns about the hashes that matter."""

    where: dict[str, list[tuple[int, Place]]] = field(default_factory=dict)
    referenced_by: dict[str, list[int]] = field(default_factory=dict)
    partners: dict[str, list[dict]] = field(default_factory=dict)


def _second_pass(partitions: list[Partition], breaks: list[Break]) -> _Seen:
    seen = _Seen()
    wanted = {b.prev for b in breaks if b.prev} | {b.own_hash for b in breaks}
    referenced = {b.expected for b in breaks if b.expected} | {b.own_hash for b in breaks}
    run_ids = set()
    for item in breaks:
        for line in (item.line, item.before_line):
            record = parse_record_line(line) if line else None
            if record and record.get("run_id"):
                run_ids.add(record["run_id"])
    run_id_at = len(b'{"schema":"pulumi-audited/1","id":"01a1fcd1-fc88-76ce-972f-7b368b3df8b3",')
    for ordinal, where, line, prev, own_hash in _records(partitions, None):
        if ordinal is None:
            continue
        if own_hash in wanted:
            seen.where.setdefault(own_hash, []).append(
                (ordinal, Place(where[0].location, where[1], id_of_line(line)))
            )
        if prev in referenced:
            seen.referenced_by.setdefault(prev, []).append(ordinal)
        if run_ids and line[run_id_at + 10 : run_id_at + 46].decode("ascii", "replace") in run_ids:
            record = parse_record_line(line)
            if record is not None:
                seen.partners.setdefault(str(record.get("run_id")), []).append(record)
    return seen


def _uuid7_time(record_id: str) -> dt.datetime | None:
    try:
        millis = int(record_id.replace("-", "")[:12], 16)
        return dt.datetime.fromtimestamp(millis / 1000, dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def _self_inconsistency(record: dict | None, seen: _Seen) -> str | None:
    """Why `record` cannot be as written, or None when it is consistent."""
    if record is None:
        return "it is not valid JSON"
    for partner in seen.partners.get(str(record.get("run_id")), []):
        if partner.get("id") == record.get("id") or partner.get("phase") == record.get("phase"):
            continue
        differing = [
            key
            for key in sorted(set(record) | set(partner))
            if key not in _PHASE_FIELDS and record.get(key) != partner.get(key)
        ]
        if differing:
            verb = "differs" if len(differing) == 1 else "differ"
            return f"{', '.join(differing)} {verb} from the run's {partner.get('phase')} record"
    stamp = _uuid7_time(str(record.get("id") or ""))
    try:
        written = timestamps.parse(record.get("time"))
    except ValueError:
        return "its time is not a time"
    if stamp is not None and abs((written - stamp).total_seconds()) > 2:
        return "its time does not match the time in its id"
    if record.get("phase") == "end":
        succeeded = record.get("outcome") == outcomes.SUCCEEDED
        if succeeded != (record.get("exit_code") == 0):
            return "its outcome does not match its exit code"
    return None


def _diagnose(
    breaks: list[Break],
    seen: _Seen,
    report: Report,
    corrupt: list[Place],
    clock: set[int] | None = None,
) -> None:
    """Name what happened at each break. The breaks in `clock` are a clock step: they stay
    context for the others, but what they would say about themselves is not said."""
    clock = clock or set()
    explained: set[int] = set()
    reported_corrupt: set[tuple[str, int]] = set()
    by_ordinal = {b.ordinal: b for b in breaks}
    findings = report.findings
    inserted: set[int] = set()
    reordered: set[int] = set()
    last_ordinal = report.records - 1
    for item in breaks:
        here = Place(item.place.location, item.place.line, id_of_line(item.line))
        copies = [p for o, p in seen.where.get(item.own_hash, []) if o != item.ordinal]
        if copies:
            findings.append(Finding("inserted", here, f"a copy of the record at {copies[0]}"))
            explained.add(item.ordinal)
            inserted.add(item.ordinal)
            continue
        found = seen.where.get(item.prev or "", [])
        if item.prev is None or not found:
            continue
        target_ordinal, target = found[0]
        between = item.before_ordinal
        explained.add(item.ordinal)
        if target_ordinal == between - 1 and between in inserted:
            continue  # it points past a record already reported
        if target_ordinal in reordered and between in reordered:
            continue  # it follows records already reported as moved; it did not move
        says = item.ordinal not in clock  # a clock step says nothing about itself
        if target_ordinal > item.ordinal:
            if says:
                findings.append(
                    Finding("reordered", here, f"it follows the record at {target}, written later")
                )
                reordered.add(item.ordinal)
        elif says and not seen.referenced_by.get(item.own_hash) and item.ordinal != last_ordinal:
            findings.append(
                Finding(
                    "inserted",
                    here,
                    f"no record points to it, and it claims to follow the record at {target}, "
                    "which has a successor",
                )
            )
            inserted.add(item.ordinal)
        elif (
            target_ordinal == between - 1
            and between not in explained
            and not seen.referenced_by.get(item.expected or "")
        ):
            assert item.before is not None  # it is past the record `target`: not the first
            findings.append(
                Finding(
                    "inserted",
                    named(item.before, item.before_line),
                    f"no record points to it; {here} points past it",
                )
            )
            inserted.add(between)
            explained.add(between)
        elif says:
            findings.append(
                Finding(
                    "reordered", here, f"it follows the record at {target}, not the one before it"
                )
            )
            reordered.add(item.ordinal)
    for item in breaks:
        if item.ordinal in explained or item.ordinal in clock:
            continue
        here = Place(item.place.location, item.place.line, id_of_line(item.line))
        if item.expected is None:
            findings.append(
                Finding(
                    "truncated",
                    here,
                    "the log's first record does not start the chain: "
                    "records before it were deleted",
                )
            )
            continue
        if item.corrupt_between:
            damaged = item.corrupt_between[-1]
            findings.append(
                Finding(
                    "edited",
                    damaged,
                    f"a record was edited into invalid JSON; {here} points to its original",
                )
            )
            reported_corrupt.update((p.location, p.line) for p in item.corrupt_between)
            continue
        before_record = parse_record_line(item.before_line) if item.before_line else None
        assert item.before is not None  # only the log's first record has none before it
        before = named(item.before, item.before_line)
        why = _self_inconsistency(before_record, seen)
        moved = item.before_ordinal in by_ordinal and item.before_ordinal not in clock
        if why is not None and not moved:
            findings.append(Finding("edited", before, f"changed after it was written: {why}"))
        else:
            findings.append(
                Finding(
                    "deleted",
                    here,
                    f"record(s) missing between {before} and this one "
                    "(or that record was edited without leaving a trace in it)",
                )
            )
    for place in corrupt:
        if (place.location, place.line) not in reported_corrupt:
            findings.append(Finding("corrupt", place, "not a record (torn or foreign line)"))
    findings.sort(key=lambda f: (f.place.location, f.place.line))


def _verify_chain(chain: Chain, report: Report) -> None:
    """Walk one chain: hash every record, find the breaks, and name what happened there."""
    parts = list(chain.parts)
    sub = Report(partitions=len(parts))
    # A record belongs to the day file of its own time; a bucket's keys are checked by
    # the store that lists them.
    misplaced: list[Place] | None = None if chain.by_seq else []
    breaks, corrupt, last = _first_pass(parts, sub, misplaced)
    seen = _second_pass(parts, breaks) if breaks else _Seen()
    clock: set[int] = set()
    # In write order by seq, a clock that stepped back breaks nothing: only file order can.
    if not chain.by_seq and breaks and last is not None and not sub.undiagnosed_breaks:
        clock, sub.notes = clock_steps(breaks, seen, last)
    _diagnose(breaks, seen, sub, corrupt, clock)
    named_already = {(f.place.location, f.place.line) for f in sub.findings}
    for place in misplaced or []:
        if (place.location, place.line) not in named_already:
            sub.findings.append(
                Finding("misplaced", place, "its time is not in this day file's day: moved here")
            )
    if chain.by_seq:
        _refine_with_seq(parts, sub)
    report.records += sub.records
    report.findings.extend(sub.findings)
    report.notes.extend(sub.notes)
    report.undiagnosed_breaks += sub.undiagnosed_breaks


def _refine_with_seq(chain: list[Partition], sub: Report) -> None:
    """Refine what the hashes say with the writer's sequence numbers (each partition one
    record): a gap in `seq` is a deletion; a break where `seq` runs on is the record before
    it changed (or this one's `prev`)."""
    position = {part.location: index for index, part in enumerate(chain)}
    seqs = [part.seq for part in chain]
    for finding in sub.findings:
        index = position.get(finding.place.location)
        if index is None or not isinstance(seqs[index], int):
            continue
        if finding.kind == "edited" and _gap(seqs, index + 1):
            # The break after it is a gap in seq: a deletion, not an edit of this record.
            index += 1
            line = chain[index].read_bytes().split(b"\n", 1)[0]
            finding.place = Place(chain[index].location, 1, id_of_line(line))
            finding.kind = "deleted"
        gap = _gap(seqs, index)
        if gap and finding.kind in ("deleted", "truncated"):
            first, last = gap
            missing = f"seq {first}" if first == last else f"seq {first} to {last}"
            finding.kind = "deleted"
            finding.detail = f"the writer's record(s) {missing} are missing before this one"
        elif finding.kind == "deleted" and index:
            before = chain[index - 1]
            line = before.read_bytes().split(b"\n", 1)[0]
            finding.kind = "edited"
            finding.place = Place(before.location, 1, id_of_line(line))
            finding.detail = (
                f"changed after it was written: the writer's next record (seq {seqs[index]}) "
                "points to a hash it no longer has"
            )
        elif finding.kind == "truncated" and seqs[index] == 1:
            finding.kind = "edited"
            finding.detail = "the writer's first record (seq 1) has a prev: it was changed"


def _gap(seqs: list[int | None], index: int) -> tuple[int, int] | None:
    """The seq numbers missing just before chain[index], if any."""
    here = seqs[index] if index < len(seqs) else None
    if here is None:
        return None
    before = seqs[index - 1] if index else 0
    if before is not None and here > before + 1:
        return before + 1, here - 1
    return None


def verify(store: ReadableStore, also: Callable[[Chains, Report], None] | None = None) -> Report:
    """Walk every chain of `store` and name what happened wherever one breaks; `also` then
    checks the same chains for what they cannot show themselves (the checkpoints)."""
    found = store.chains()
    report = Report(partitions=found.partitions)
    for chain in found.chains:
        _verify_chain(chain, report)
    for kind, location, record_id, detail in found.problems:
        report.findings.append(Finding(kind, Place(location, 1, record_id), detail))
    report.records += sum(1 for kind, *_ in found.problems if kind == "unchained")
    if also is not None:
        also(found, report)
    report.findings.sort(key=lambda f: (f.place.location, f.place.line))
    return report
