"""What every store offers: the shim writes through a Writer, the viewer reads a
ReadableStore. store.open_writer and store.open_reader give one for a log location.

A store is read as a list of partitions (the local log's day files; a bucket's day prefixes)
in chain order, each read as whole bytes. Nothing here knows about pulumi.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class Writer(Protocol):
    """The two records of a run, on their way into a log. Every method but `append` and
    `confirm` is for a store that ships records after they are durable here."""

    # Make `record` durable (its chain fields set); StoreError when it could not be.
    def append(self, record: dict) -> None: ...

    # Under on_failure: block, before pulumi runs: None when the log itself holds what was
    # appended, else why it does not (a remote store that did not acknowledge in time).
    def confirm(self) -> str | None: ...

    # Start moving what was appended on, in the background; with `while_pid`, keep at it
    # while that process lives (pulumi's run), ready for the end record.
    def hand_off(self, *, while_pid: int | None) -> None: ...

    # After pulumi ended and the end record was appended: hand it off, and say in one line
    # (or None) when records are stuck on their way.
    def finish(self) -> str | None: ...


class Partition(Protocol):
    # Partition key, sortable in chain order: `YYYY-MM-DD` for day partitions, an object's
    # key for the links of a writer's chain.
    name: str
    # Where it is, for messages: a path or URL.
    location: str
    # The writer's sequence number, for the links of a chain ordered by it; else None.
    seq: int | None

    # The partition's bytes as they are now, from `offset` (complete lines end with "\n").
    def read_bytes(self, offset: int = 0) -> bytes: ...

    # (line number, line without newline, complete) for each line, oldest first.
    def lines(self) -> Iterator[tuple[int, bytes, bool]]: ...

    # A string that changes whenever the partition's bytes change (size and mtime; an ETag),
    # so that readers may cache facts about it.
    def fingerprint(self) -> str: ...

    # Where the line holding byte `offset` of read_bytes() is shown to be: (a path and its
    # line number) or (an object's URL, 1).
    def place_of(self, offset: int) -> tuple[str, int]: ...


@dataclass
class Chain:
    """Records linked by `prev`, in the order they were written."""

    parts: Sequence[Partition]
    # True: each part is one record, ordered by its writer's `seq` (a bucket's objects).
    # False: the local log's day files in file order, where a record belongs to the file
    # of its own day and a clock that stepped back shows as breaks.
    by_seq: bool


@dataclass
class Chains:
    """A store's records as verify walks them."""

    chains: list[Chain]
    # Partitions (days) they span, for the report.
    partitions: int
    # (kind, location, record id, detail) for records that belong to no chain.
    problems: list[tuple[str, str, str | None, str]] = field(default_factory=list)


class Partitioned(Protocol):
    # Partitions oldest first; with `first`/`last` (YYYY-MM-DD, inclusive) only those days.
    # Raises StoreError when the store cannot be read at all.
    def partitions(self, first: str | None = None, last: str | None = None) -> list[Partition]: ...


class ReadableStore(Partitioned, Protocol):
    # Where the log lives, for messages.
    location: str
    # True for a store many writers write into independently (a bucket): each writer's
    # records are a chain of their own, and a record never changes once written. False for
    # the local log: one chain across day files that are appended to.
    shared_objects: bool
    # What its partitions are called in messages: "day files", "days".
    partition_word: str

    # Why the log cannot be read at all, checked before reading it (no such folder); None.
    def absent(self) -> str | None: ...

    # Every record, as the chains verify walks.
    def chains(self) -> Chains: ...
