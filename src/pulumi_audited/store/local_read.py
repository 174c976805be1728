"""Reading the local log: its day files as partitions of a ReadableStore.

A day file is opened as the writers open it (store/log_folder.py): never through a symbolic
link, and never waiting on a FIFO, so a file planted in the folder is an error, not a hang."""

from __future__ import annotations

import os
from collections.abc import Iterator

from pulumi_audited.errors import StoreError
from pulumi_audited.store.base import Chain, Chains, Partition
from pulumi_audited.store.chain import split_lines
from pulumi_audited.store.local import SUFFIX, list_day_files
from pulumi_audited.store.log_folder import open_regular


class DayFile:
    seq: int | None = None  # one chain in file order: no sequence numbers

    def __init__(self, path: str) -> None:
        self.location = path
        self.name = os.path.basename(path)[: -len(SUFFIX)]

    def read_bytes(self, offset: int = 0) -> bytes:
        try:
            fd = open_regular(self.location, os.O_RDONLY)
        except FileNotFoundError:
            return b""
        except OSError as error:
            raise StoreError(f"cannot read {self.location}: {error.strerror}") from None
        try:
            with open(fd, "rb") as handle:
                if offset:
                    handle.seek(offset)
                return handle.read()
        except OSError as error:
            raise StoreError(f"cannot read {self.location}: {error.strerror}") from None

    def fingerprint(self) -> str:
        try:
            status = os.stat(self.location, follow_symlinks=False)
        except OSError:
            return ""
        return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ino}"

    def lines(self) -> Iterator[tuple[int, bytes, bool]]:
        return iter(split_lines(self.read_bytes()))

    def place_of(self, offset: int) -> tuple[str, int]:
        return self.location, self.read_bytes().count(b"\n", 0, offset) + 1


class LocalReader:
    """The local log folder as a ReadableStore: one chain, in file order across the day
    files."""

    shared_objects = False
    partition_word = "day files"

    def __init__(self, folder: str) -> None:
        self.location = folder

    def absent(self) -> str | None:
        return None if os.path.isdir(self.location) else f"no log folder at {self.location}"

    def partitions(self, first: str | None = None, last: str | None = None) -> list[Partition]:
        return [DayFile(path) for path in list_day_files(self.location, first, last)]

    def chains(self) -> Chains:
        partitions = self.partitions()
        return Chains([Chain(partitions, by_seq=False)], partitions=len(partitions))
