"""Reading the local log: its day files as partitions of a ReadableStore.

A day file is opened as the writers open it (store/log_folder.py): never through a symbolic
link, and never waiting on a FIFO, so a file planted in the folder is an error, not a hang."""

from __future__ import annotations

import os
from collections.abc import Iterator

from pulumi_audited.store import StoreError, local_folder
from pulumi_audited.store.chain import split_lines
from pulumi_audited.store.local import SUFFIX, list_day_files
from pulumi_audited.store.log_folder import open_regular

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.store.base import Partition


class DayFile:
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


class LocalReader:
    """The local log folder as a ReadableStore."""

    def __init__(self, folder: str) -> None:
        self.location = folder

    def partitions(self, first: str | None = None, last: str | None = None) -> list[Partition]:
        return [DayFile(path) for path in list_day_files(self.location, first, last)]


def open_reader(location: str) -> LocalReader:
    """The readable store for a log location (a folder path or file:// URL)."""
    return LocalReader(local_folder(location))
