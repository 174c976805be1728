"""What a readable store offers the viewer, so that remote stores can plug in later.

A store is read as a list of partitions (the local log's day files; a bucket's day prefixes)
in chain order, each read as whole bytes. Nothing here knows about pulumi.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol


class Partition(Protocol):
    # Partition key, sortable in chain order: `YYYY-MM-DD` for day partitions.
    name: str
    # Where it is, for messages: a path or URL.
    location: str

    # The partition's bytes as they are now, from `offset` (complete lines end with "\n").
    def read_bytes(self, offset: int = 0) -> bytes: ...

    # (line number, line without newline, complete) for each line, oldest first.
    def lines(self) -> Iterator[tuple[int, bytes, bool]]: ...

    # A string that changes whenever the partition's bytes change (size and mtime; an ETag),
    # so that readers may cache facts about it.
    def fingerprint(self) -> str: ...


class ReadableStore(Protocol):
    # Where the log lives, for messages.
    location: str

    # Partitions oldest first; with `first`/`last` (YYYY-MM-DD, inclusive) only those days.
    # Raises StoreError when the store cannot be read at all.
    def partitions(self, first: str | None = None, last: str | None = None) -> list[Partition]: ...

    # Optional, for stores many writers write into independently (a bucket): one list of
    # partitions per writer's chain, in chain order; verify walks each on its own. Such a
    # store may also offer `chain_problems`, (kind, location, record id, detail) for records
    # that belong to no chain, filled in by chains().
    # def chains(self) -> list[list[Partition]]: ...
