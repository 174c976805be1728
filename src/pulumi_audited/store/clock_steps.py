"""Telling a clock that stepped back from tampering, where the chain leaves file order.

A record goes to the day file of its own time and points to the record written before it.
When the writer's clock steps back across midnight (NTP, a VM resumed), records go to an
earlier day file than the one before them, so the chain, read in file order, breaks up into
runs that link up again in another order: today's run points back to yesterday's last record,
the records written while the clock was behind follow today's last one, and when the clock
recovers, today's file continues after them.

Split at the breaks, the log is a list of runs (segments). A segment is *linked* when its
first record points to the last record of exactly one other segment, that no other segment
points to. Linked segments form chains; their breaks are a clock step, not tampering, when
appending records with a clock that went back explains them and editing, inserting, deleting
or moving lines does not:

* a segment that goes back in file order has an earlier time than the record it follows
  (the step back, reported as a note);
* within one file, the segments of a chain were written in file order (files are only
  appended to);
* a segment that goes forward in file order skips a linked segment: what was written while
  the clock was behind.

Segments that do not link start at damage (a deletion, an edit) and are diagnosed as usual;
the breaks of a clock step stay context for that diagnosis. When the chains cannot be
ordered like this, or nothing went back, no break is taken for a clock step.
"""

from __future__ import annotations

from dataclasses import dataclass

from pulumi_audited.store.chain import parse_record_line
from pulumi_audited.store.findings import Break, Finding, Place, id_of_line, named


@dataclass
class Segment:
    head: Break | None  # the break that starts it; None for the log's first segment
    tail_ordinal: int
    tail_place: Place
    tail_line: bytes
    pred: int | None = None

    @property
    def head_file(self) -> str | None:
        return self.head.place.location if self.head is not None else None


def clock_steps(breaks: list[Break], seen, last: tuple) -> tuple[set[int], list[Finding]]:
    """(ordinals of the breaks that a clock step explains, a note for each step back).
    `last` is (ordinal, place, line) of the log's last record; `seen` what the second pass
    found about the breaks' hashes."""
    segments = _segments(breaks, last)
    by_tail = {segment.tail_ordinal: index for index, segment in enumerate(segments)}
    for index, segment in enumerate(segments):
        found = seen.where.get(segment.head.prev or "", []) if segment.head else []
        if len(found) == 1 and by_tail.get(found[0][0], index) != index:
            segment.pred = by_tail[found[0][0]]
    _unlink_forks(segments)
    _unlink_unless_the_clock_went_back(segments)
    order = _order(segments)
    if order is None or not _appended_in_order(segments, order):
        return set(), []
    back = [index for index, s in enumerate(segments) if s.pred is not None and s.pred > index]
    if not back:
        return set(), []
    first = _first_written(segments)
    placed_before = [0]  # how many segments before each one have their place in the chain
    for index, segment in enumerate(segments):
        placed = segment.pred is not None or index == first
        placed_before.append(placed_before[-1] + placed)
    forth = [
        index
        for index, s in enumerate(segments)
        if s.pred is not None
        and s.pred < index
        and placed_before[index] > placed_before[s.pred + 1]  # not only past damage
    ]
    # Only the log's first segment has no head, and it has no predecessor.
    heads = [segments[index].head for index in back + forth]
    explained = {head.ordinal for head in heads if head is not None}
    if first is not None and (first_head := segments[first].head) is not None:
        explained.add(first_head.ordinal)
    return explained, [_note(segments[index], segments) for index in back]


def _first_written(segments: list[Segment]) -> int | None:
    """The segment that starts the chain (`prev: null`), unless another may have: when it is
    not first in file order, what comes before it went to earlier day files later."""
    starts = [i for i, s in enumerate(segments) if s.head is None or s.head.prev is None]
    if len(starts) != 1 or any(s.pred is None for s in segments[: starts[0]]):
        return None
    return starts[0]


def _note(segment: Segment, segments: list[Segment]) -> Finding:
    head, pred = segment.head, segment.pred
    assert head is not None and pred is not None  # a clock step follows another segment
    before = segments[pred]
    return Finding(
        "clock-step",
        Place(head.place.location, head.place.line, id_of_line(head.line)),
        f"written after the record at {named(before.tail_place, before.tail_line)} but "
        f"stamped earlier ({_time(head.line)} < {_time(before.tail_line)}): the writer's "
        "clock went back; the chain runs on through it",
    )


def _segments(breaks: list, last: tuple) -> list[Segment]:
    heads = [None] if not breaks or breaks[0].ordinal != 0 else []
    heads += breaks
    segments = []
    for index, head in enumerate(heads):
        following = heads[index + 1] if index + 1 < len(heads) else None
        if following is None:
            tail = last
        else:
            tail = (following.before_ordinal, following.before, following.before_line)
        segments.append(Segment(head, tail[0], tail[1], tail[2]))
    return segments


def _unlink_forks(segments: list[Segment]) -> None:
    """Two segments that claim the same predecessor: neither is a clock step."""
    claims: dict[int, list[Segment]] = {}
    for segment in segments:
        if segment.pred is not None:
            claims.setdefault(segment.pred, []).append(segment)
    for claimants in claims.values():
        if len(claimants) > 1:
            for segment in claimants:
                segment.pred = None


def _unlink_unless_the_clock_went_back(segments: list[Segment]) -> None:
    """A segment that goes back in file order must have an earlier time than the record it
    follows; forward, it skips what was written later."""
    for index, segment in enumerate(segments):
        if segment.pred is None or segment.pred < index:
            continue
        assert segment.head is not None
        stamped, after = _time(segment.head.line), _time(segments[segment.pred].tail_line)
        if not (stamped and after and stamped < after):
            segment.pred = None


def _time(line: bytes | None) -> str:
    record = parse_record_line(line) if line else None
    value = record.get("time") if record else None
    return value if isinstance(value, str) else ""


def _order(segments: list[Segment]) -> list[tuple[int, int]] | None:
    """(chain, position in it) for each segment; None when links run in a circle."""
    following: dict[int, int] = {s.pred: i for i, s in enumerate(segments) if s.pred is not None}
    order: list[tuple[int, int] | None] = [None] * len(segments)
    for start, segment in enumerate(segments):
        if segment.pred is not None:
            continue
        index: int | None = start
        rank = 0
        while index is not None:
            order[index] = (start, rank)
            index, rank = following.get(index), rank + 1
    placed = [place for place in order if place is not None]
    return placed if len(placed) == len(order) else None


def _appended_in_order(segments: list[Segment], order: list[tuple[int, int]]) -> bool:
    """Within each file, each segment of a chain was written after the one before it (a
    segment of another chain starts at damage, reported as such)."""
    for index in range(1, len(segments)):
        segment, before = segments[index], segments[index - 1]
        if segment.head_file != before.tail_place.location:
            continue
        (chain, rank), (chain_before, rank_before) = order[index], order[index - 1]
        if chain == chain_before and rank_before >= rank:
            return False
    return True
