"""Reading the local log: its day files as partitions of a ReadableStore."""

from __future__ import annotations

import os
from collections.abc import Iterator

from pulumi_audited.store.errors import StoreError
from pulumi_audited.store.local import SUFFIX, is_day_file


class DayFile:
    def __init__(self, path: str) -> None:
        self.location = path
        self.name = os.path.basename(path)[: -len(SUFFIX)]

    def read_bytes(self, offset: int = 0) -> bytes:
        try:
            with open(self.location, "rb") as handle:
                if offset:
                    handle.seek(offset)
                return handle.read()
        except FileNotFoundError:
            return b""
        except OSError as error:
            raise StoreError(f"cannot read {self.location}: {error.strerror}") from None

    def fingerprint(self) -> str:
        try:
            status = os.stat(self.location)
        except OSError:
            return ""
        return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ino}"

    def lines(self) -> Iterator[tuple[int, bytes, bool]]:
        data = self.read_bytes()
        if not data:
            return
        parts = data.split(b"\n")
        last = parts.pop()
        number = 0
        for number, line in enumerate(parts, start=1):
            yield number, line, True
        if last:
            yield number + 1, last, False


class LocalReader:
    """The local log folder as a ReadableStore."""

    def __init__(self, folder: str) -> None:
        self.location = folder

    def partitions(self, first: str | None = None, last: str | None = None) -> list[DayFile]:
        try:
            names = os.listdir(self.location)
        except FileNotFoundError:
            return []
        except OSError as error:
            raise StoreError(
                f"cannot read the log folder {self.location}: {error.strerror}"
            ) from None
        found = []
        for name in sorted(names):
            if not is_day_file(name):
                continue
            day = name[: -len(SUFFIX)]
            if (first is not None and day < first) or (last is not None and day > last):
                continue
            found.append(DayFile(os.path.join(self.location, name)))
        return found


def open_reader(location: str) -> LocalReader:
    """The readable store for a log location (a folder path or file:// URL)."""
    if "://" in location:
        scheme = location.split("://", 1)[0]
        if scheme != "file":
            raise StoreError(
                f"cannot read the log at {location!r}: this version reads a local folder "
                "(a path or file:// URL)"
            )
        location = location[len("file://") :]
    return LocalReader(location)
