"""The local log: JSON Lines files, one per UTC day, appended under a file lock.

Layout: `<folder>/YYYY-MM-DD.jsonl`, files 0600 in a 0700 folder, and `<folder>/audit.lock`.
Writers hold an exclusive flock on the lock file while they stamp `time` and `prev`, append one
whole line with a single write(2) and fsync it, so concurrent processes never interleave or
lose lines. The lock is filelock's UnixFileLock protocol (flock on the same file, never
unlinked): the viewer takes it through filelock, while the shim takes it directly because
importing filelock costs 35 ms.

A line torn by a crash or a full disk is closed with a newline by the next writer, so it can
damage nothing after it; readers skip it with a warning.
"""

import errno
import os
import time

from pulumi_audited import fastjson
from pulumi_audited.store import StoreError
from pulumi_audited.store.chain import line_hash, parse_record_line

LOCK_NAME = "audit.lock"
SUFFIX = ".jsonl"
_TAIL_BLOCK = 8192


def day_file_name(stamp: str) -> str:
    """`2026-11-21.jsonl` for a record stamped `2026-11-21T...`."""
    return stamp[:10] + SUFFIX


def is_day_file(name: str) -> bool:
    stem = name[: -len(SUFFIX)]
    return (
        name.endswith(SUFFIX)
        and len(stem) == 10
        and stem[4] == "-"
        and stem[7] == "-"
        and stem.replace("-", "").isdigit()
    )


def list_day_files(folder: str, first: str | None = None, last: str | None = None) -> list[str]:
    """Paths of the day files in `folder`, oldest first; with `first`/`last` (YYYY-MM-DD,
    inclusive) only those days. A missing folder has none."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    except OSError as error:
        raise StoreError(f"cannot read the log folder {folder}: {error.strerror}") from None
    found = []
    for name in sorted(names):
        if not is_day_file(name):
            continue
        day = name[: -len(SUFFIX)]
        if (first is not None and day < first) or (last is not None and day > last):
            continue
        found.append(os.path.join(folder, name))
    return found


class LocalLog:
    def __init__(self, folder: str, *, lock_timeout: float = 10.0) -> None:
        self.folder = folder
        self.lock_timeout = lock_timeout

    @property
    def location(self) -> str:
        return self.folder

    def day_files(self) -> list[str]:
        """Paths of the day files, oldest first."""
        return list_day_files(self.folder)

    def append(self, record: dict) -> dict:
        """Stamp `time` (when empty) and `prev` under the lock, then append and fsync the line.

        Returns the record as written. Raises StoreError when it could not be made durable.
        """
        from pulumi_audited.record import format_time

        try:
            self._make_folder()
            with ExclusiveLock(os.path.join(self.folder, LOCK_NAME), self.lock_timeout):
                if record.get("time") is None:
                    record["time"] = format_time(time.time_ns())
                path = os.path.join(self.folder, day_file_name(record["time"]))
                self._append_locked(path, [record])
        except StoreError:
            raise
        except OSError as error:
            raise StoreError(f"cannot write to {self.folder}: {error.strerror or error}") from None
        return record

    def _make_folder(self) -> None:
        if not os.path.isdir(self.folder):
            os.makedirs(self.folder, mode=0o700, exist_ok=True)

    def append_many(self, records: list[dict]) -> None:
        """Append records that already carry their `time`, in time order, under one lock and
        one fsync per day file: for imports and generated logs. The lines are built and
        chained exactly as `append` builds them."""
        try:
            self._make_folder()
            with ExclusiveLock(os.path.join(self.folder, LOCK_NAME), self.lock_timeout):
                by_day: dict[str, list[dict]] = {}
                for record in records:
                    by_day.setdefault(day_file_name(record["time"]), []).append(record)
                for name in sorted(by_day):
                    self._append_locked(os.path.join(self.folder, name), by_day[name])
        except StoreError:
            raise
        except OSError as error:
            raise StoreError(f"cannot write to {self.folder}: {error.strerror or error}") from None

    def _append_locked(self, path: str, records: list[dict]) -> None:
        """Chain `records` onto the day file at `path` and append them with one write and one
        fsync. The caller holds the lock."""
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and _read_at(fd, size - 1, 1) != b"\n":
                # The previous writer died mid-line (crash, full disk): end that fragment so it
                # stays one bad line instead of corrupting these records.
                _write_all(fd, b"\n", size)
                size += 1
            previous = _last_record_line(fd, size) if size else self._last_line_before(path)
            lines = []
            for record in records:
                line = _chained_line(record, previous)
                lines.append(line)
                previous = line[:-1]
            _write_all(fd, b"".join(lines), size)
            os.fsync(fd)
        finally:
            os.close(fd)
        if size == 0:
            fsync_folder(self.folder)

    def _last_line_before(self, path: str) -> bytes | None:
        """The last record line of the newest day file before `path`: a new day links to it."""
        name = os.path.basename(path)
        for older in reversed(self.day_files()):
            if os.path.basename(older) >= name:
                continue
            try:
                fd = os.open(older, os.O_RDONLY)
            except OSError:
                continue
            try:
                line = _last_record_line(fd, os.fstat(fd).st_size)
            finally:
                os.close(fd)
            if line is not None:
                return line
        return None


def _chained_line(record: dict, previous: bytes | None) -> bytes:
    """Stamp `prev` with the hash of the previous record line; the line to append."""
    record["prev"] = line_hash(previous) if previous is not None else None
    return fastjson.dumps(record).encode("ascii") + b"\n"


def _write_all(fd: int, data: bytes, size_before: int) -> None:
    """One write(2) for the whole line; on a short write, take the fragment back out."""
    try:
        written = os.write(fd, data)
    except OSError as error:
        _truncate_quietly(fd, size_before)
        raise StoreError(f"cannot append to the audit log: {error.strerror}") from None
    if written != len(data):
        _truncate_quietly(fd, size_before)
        raise StoreError(
            f"cannot append to the audit log: short write ({os.strerror(errno.ENOSPC)}?)"
        )


def _truncate_quietly(fd: int, size: int) -> None:
    try:
        os.ftruncate(fd, size)
    except OSError:
        pass  # the next writer closes the torn line with a newline


def _read_at(fd: int, offset: int, length: int) -> bytes:
    return os.pread(fd, length, offset)


def _last_record_line(fd: int, size: int) -> bytes | None:
    """The last line of the file that is a valid record, without its newline."""
    end = size
    if end and _read_at(fd, end - 1, 1) == b"\n":
        end -= 1
    while end > 0:
        start = _line_start(fd, end)
        line = _read_at(fd, start, end - start)
        if parse_record_line(line) is not None:
            return line
        end = start - 1
    return None


def _line_start(fd: int, end: int) -> int:
    """Offset of the first byte of the line that ends at `end` (exclusive)."""
    position = end
    while position > 0:
        block_start = max(0, position - _TAIL_BLOCK)
        block = _read_at(fd, block_start, position - block_start)
        newline = block.rfind(b"\n")
        if newline >= 0:
            return block_start + newline + 1
        position = block_start
    return 0


def fsync_folder(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class ExclusiveLock:
    """flock(LOCK_EX) on `path`, polled so that a stuck holder cannot hang pulumi forever."""

    def __init__(self, path: str, timeout: float, what: str = "the audit log") -> None:
        self.path = path
        self.timeout = timeout
        self.what = what
        self.fd = -1

    def __enter__(self) -> "ExclusiveLock":
        import fcntl

        deadline = time.monotonic() + self.timeout
        pause = 0.0005
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
            except BaseException:
                os.close(fd)
                raise
            else:
                if os.fstat(fd).st_nlink:
                    self.fd = fd
                    return self
                os.close(fd)  # the lock file was removed while we waited: lock the new one
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"{self.what} is locked by another process (waited {self.timeout:g} s "
                    f"for {self.path})"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    def __exit__(self, *exc_info: object) -> None:
        os.close(self.fd)  # closing the descriptor releases the flock
