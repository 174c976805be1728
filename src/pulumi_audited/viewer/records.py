"""Records as the viewer sees them: read from a store, filtered early, corrupt lines counted.

Day files are read whole (a day is a few MB even at a million records a year). When filters
give byte needles, only lines that contain them are parsed: the writer's JSON is canonical.
A file whose lines do not all look like records takes the slow path, line by line, so that
every corrupt or foreign line is counted and none is dropped silently.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable

from pulumi_audited.errors import warn
from pulumi_audited.store.base import Partition
from pulumi_audited.store.chain import RECORD_PREFIX, parse_record_line, split_lines
from pulumi_audited.viewer.shape_cache import ShapeCache

_LINE_START = b"\n" + RECORD_PREFIX


class Damage:
    """Lines that were not records: counted, and reported once."""

    def __init__(self) -> None:
        self.places: list[str] = []

    def add(self, location: str, line: int) -> None:
        self.places.append(f"{location}:{line}")

    def report(self) -> None:
        if self.places:
            shown = ", ".join(self.places[:5])
            more = f" and {len(self.places) - 5} more" if len(self.places) > 5 else ""
            warn(
                f"skipped {len(self.places)} corrupt or foreign line(s): {shown}{more} "
                "(run 'pulumi-audited audit verify' for details)"
            )


def _looks_clean(data: bytes) -> bool:
    """Every line starts like a record and the file ends with a newline."""
    if not data.endswith(b"\n") or not data.startswith(RECORD_PREFIX):
        return False
    return data.count(b"\n") == data.count(_LINE_START) + 1


def _needle_lines(data: bytes, groups: list[list[bytes]]) -> list[bytes]:
    """Lines of a clean file that contain one needle of every group, in file order."""
    anchor_group = max((g for g in groups if len(g) == 1), key=lambda g: len(g[0]), default=None)
    if anchor_group is None:
        candidates = data.split(b"\n")
        candidates.pop()
    else:
        candidates = []
        needle = anchor_group[0]
        find, rfind = data.find, data.rfind
        position = find(needle)
        while position >= 0:
            start = rfind(b"\n", 0, position) + 1
            end = find(b"\n", position)
            if end < 0:  # appended after the shape was cached: a write in progress
                end = len(data)
            candidates.append(data[start:end])
            position = find(needle, end)
    others = [g for g in groups if g is not anchor_group]
    return [
        line
        for line in candidates
        if all(any(needle in line for needle in group) for group in others)
    ]


def _record_shaped(partition: Partition, data: bytes, fingerprint: str, shapes) -> bool:
    if shapes is not None and shapes.is_clean(partition.location, fingerprint):
        return True
    clean = _looks_clean(data)
    if clean and shapes is not None:
        shapes.remember_clean(partition.location, fingerprint)
    return clean


def partition_records(
    partition: Partition,
    damage: Damage,
    needle_groups: list[list[bytes]] | None = None,
    *,
    newest_first: bool = False,
    shapes: ShapeCache | None = None,
) -> Generator[dict, None, None]:
    """The records of one partition (those that may match `needle_groups`), parsed lazily."""
    fingerprint = partition.fingerprint() if needle_groups and shapes is not None else ""
    data = partition.read_bytes()
    if needle_groups and _record_shaped(partition, data, fingerprint, shapes):
        candidates: list = [(0, line, True) for line in _needle_lines(data, needle_groups)]
    else:
        candidates = split_lines(data)
        if needle_groups:
            candidates = [
                item
                for item in candidates
                if all(any(n in item[1] for n in g) for g in needle_groups)
                or not (item[1].startswith(RECORD_PREFIX) and item[1].endswith(b"}"))
            ]
    if newest_first:
        candidates.reverse()
    for number, line, complete in candidates:
        record = parse_record_line(line)
        if record is not None:
            yield record
        elif complete or line.strip():
            if not number:
                number = data.count(b"\n", 0, data.find(line)) + 1
            damage.add(partition.location, number)


def iter_records(
    partitions: Iterable[Partition],
    damage: Damage,
    needle_groups: list[list[bytes]] | None = None,
    *,
    newest_first: bool = False,
) -> Generator[dict, None, None]:
    shapes = ShapeCache() if needle_groups else None
    try:
        for partition in partitions:
            yield from partition_records(
                partition, damage, needle_groups, newest_first=newest_first, shapes=shapes
            )
    finally:  # also when the reader stops early (-n)
        if shapes is not None:
            shapes.save()
