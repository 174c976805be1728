"""The local log: JSON Lines files, one per UTC day, appended under a file lock.

Layout: `<folder>/YYYY-MM-DD.jsonl`, files 0600 in a 0700 folder (0660 in a group-shared
folder, see store/log_folder.py), `<folder>/audit.lock` and `<folder>/audit.head`. Writers
hold an exclusive flock on the lock file while they stamp `time` and `prev`, append one whole
line with a single write(2) and fsync it, so concurrent processes never interleave or lose
lines. The lock is filelock's UnixFileLock protocol (flock on the same file, never unlinked):
other tools may take it through filelock, while the shim takes it directly because importing
filelock costs 35 ms.

A record goes to the day file of its own `time`, and `prev` chains it to the record written
before it, wherever that is: when the clock steps back across midnight, the chain runs from
today's file back into yesterday's and forward again, which verify follows and reports as a
clock step. `audit.head` says which day file the chain continues in (one line per change of
file, written and fsync'd before the record): "<day file> <its size then> <the day file that
held the chain's last record then>". Without it (a log of an older version) the chain
continues from the newest day file.

A line torn by a crash or a full disk is closed with a newline by the next writer, so it can
damage nothing after it; readers skip it with a warning.
"""

import errno
import os
import time

from pulumi_audited import fastjson
from pulumi_audited.errors import StoreError
from pulumi_audited.store.chain import line_hash, parse_record_line
from pulumi_audited.store.log_folder import LogFolder, open_regular

LOCK_NAME = "audit.lock"
HEAD_NAME = "audit.head"
SUFFIX = ".jsonl"
_TAIL_BLOCK = 8192
_NO_FILE = "-"


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
    """The local log as a Writer (store/base.py): a record is in the log once `append`
    returns, so there is nothing to confirm or hand off."""

    def __init__(
        self,
        folder: str,
        *,
        lock_timeout: float = 10.0,
        witness: str | None = None,
        signing_key: str | None = None,
        witness_timeout: float = 10.0,
    ) -> None:
        self.folder = folder
        self.lock_timeout = lock_timeout
        self.witness = witness
        self.signing_key = signing_key
        self.witness_timeout = witness_timeout
        self.appended = False

    @property
    def location(self) -> str:
        return self.folder

    def append(self, record: dict) -> None:
        """Stamp `time` (when empty) and `prev` under the lock, then append and fsync the line.
        Raises StoreError when it could not be made durable."""
        self._write([record])

    def confirm(self) -> None:
        return None

    def hand_off(self, *, while_pid: int | None) -> None:
        return None

    def finish(self) -> None:
        """With a witness, start the day's checkpoint there on the day's first run (one
        that wrote to the log: a log that could not be written was reported already)."""
        if self.witness is not None and self.appended:
            from pulumi_audited.store.witness_daily import start_if_due

            start_if_due(self.folder, self.witness, self.signing_key, timeout=self.witness_timeout)
        return None

    def append_many(self, records: list[dict]) -> None:
        """Append records that already carry their `time`, in the order given, under one lock
        and one write and fsync per run of records of the same day: for imports and generated
        logs. The lines are built and chained exactly as `append` builds them."""
        self._write(records)

    def _write(self, records: list[dict]) -> None:
        from pulumi_audited.timestamps import format_ns

        try:
            with LogFolder(self.folder) as folder:
                lock = ExclusiveLock(
                    folder.join(LOCK_NAME), self.lock_timeout, folder=folder, name=LOCK_NAME
                )
                with lock:
                    for record in records:
                        if record.get("time") is None:
                            record["time"] = format_ns(time.time_ns())
                    head = _Head(folder)
                    start = 0
                    while start < len(records):
                        name = day_file_name(records[start]["time"])
                        end = start + 1
                        while end < len(records) and day_file_name(records[end]["time"]) == name:
                            end += 1
                        _append_locked(folder, name, records[start:end], head)
                        self.appended = True
                        start = end
        except StoreError:
            raise
        except OSError as error:
            raise StoreError(f"cannot write to {self.folder}: {error.strerror or error}") from None


class _Head:
    """Where the chain continues: the last record written, and the day file it is in.

    Read from `audit.head` when needed, and kept up to date by the appends made under the
    same lock."""

    def __init__(self, folder: LogFolder) -> None:
        self.folder = folder
        self.journal = _read_journal(folder)  # (day file, size then, file of the head then)
        self.file: str | None = None
        self.line: bytes | None = None
        self.known = False

    def locate(self, fd_of: str, fd: int) -> tuple[str | None, bytes | None]:
        """(day file, line) of the last record written; `fd` is open on the day file `fd_of`."""
        if self.known:
            return self.file, self.line
        journal = self.journal
        if journal is not None:
            name, size, before = journal
            line = self._last_in(name, size, fd_of, fd)
            if line is not None:
                return name, line
            line = self._last_in(before, 0, fd_of, fd) if before != _NO_FILE else None
            if line is not None or before == _NO_FILE:
                return before if line is not None else None, line
        for name in sorted(self._day_names(), reverse=True):  # a log without audit.head
            line = self._last_in(name, 0, fd_of, fd)
            if line is not None:
                return name, line
        return None, None

    def _day_names(self) -> list[str]:
        return [name for name in self.folder.names() if is_day_file(name)]

    def _last_in(self, name: str, floor: int, fd_of: str, fd: int) -> bytes | None:
        if name == fd_of:
            return _last_record_line(fd, os.fstat(fd).st_size, floor)
        try:
            other = self.folder.open(name, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            return _last_record_line(other, os.fstat(other).st_size, floor)
        finally:
            os.close(other)

    def moved_to(self, name: str, size: int, before: str | None) -> None:
        """Say, durably and before the first record goes there, that the chain continues in
        the day file `name` (now `size` bytes long) after the last record of `before`."""
        line = f"{name} {size} {before or _NO_FILE}\n".encode("ascii")
        fd = self.folder.open(HEAD_NAME, os.O_RDWR | os.O_APPEND | os.O_CREAT)
        try:
            end = os.fstat(fd).st_size
            if end and _read_at(fd, end - 1, 1) != b"\n":
                line = b"\n" + line  # end a line torn by a crash
            _write_all(fd, line, end)
            os.fsync(fd)
        finally:
            os.close(fd)
        if not end:
            self.folder.sync()
        self.journal = (name, size, before or _NO_FILE)

    def wrote(self, name: str, line: bytes | None) -> None:
        self.file, self.line, self.known = name, line, True


_JOURNAL_TAIL = 4096


def _read_journal(folder: LogFolder) -> tuple[str, int, str] | None:
    """The last complete, valid line of `audit.head`, or None."""
    try:
        fd = folder.open(HEAD_NAME, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        size = os.fstat(fd).st_size
        start = max(0, size - _JOURNAL_TAIL)
        tail = _read_at(fd, start, size - start)
    finally:
        os.close(fd)
    lines = tail.split(b"\n")[:-1]  # the last piece is empty or torn
    if not lines or (start and len(lines) == 1):
        return None
    parts = lines[-1].decode("ascii", "replace").split(" ")
    if len(parts) != 3 or not is_day_file(parts[0]) or not parts[1].isdigit():
        return None
    if parts[2] != _NO_FILE and not is_day_file(parts[2]):
        return None
    try:  # a day file moved away since is no place to continue from
        os.stat(parts[0], dir_fd=folder.fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    return parts[0], int(parts[1]), parts[2]


def _append_locked(folder: LogFolder, name: str, records: list[dict], head: _Head) -> None:
    """Chain `records` onto the last record written and append them to the day file `name`
    with one write and one fsync. The caller holds the lock."""
    fd = folder.open(name, os.O_RDWR | os.O_APPEND | os.O_CREAT)
    try:
        size = os.fstat(fd).st_size
        if size and _read_at(fd, size - 1, 1) != b"\n":
            # The previous writer died mid-line (crash, full disk): end that fragment so it
            # stays one bad line instead of corrupting these records.
            _write_all(fd, b"\n", size)
            size += 1
        if size == 0:
            folder.sync()  # the new name is durable before audit.head may point to it
        previous_file, previous = head.locate(name, fd)
        if head.journal is None or head.journal[0] != name:
            head.moved_to(name, size, previous_file)
        lines = []
        for record in records:
            line = _chained_line(record, previous)
            lines.append(line)
            previous = line[:-1]
        _write_all(fd, b"".join(lines), size)
        os.fsync(fd)
    finally:
        os.close(fd)
    head.wrote(name, previous)


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


def _last_record_line(fd: int, size: int, floor: int = 0) -> bytes | None:
    """The last line of the file that is a valid record, without its newline; with `floor`,
    only a line that starts at or after that offset."""
    end = size
    if end and _read_at(fd, end - 1, 1) == b"\n":
        end -= 1
    while end > floor:
        start = _line_start(fd, end)
        if start < floor:
            return None
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


def fsync_folder(folder: str) -> None:  # for the spool
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


def locked_message(what: str, timeout: float, path: str) -> str:
    """What a writer says when another held the lock for `timeout` seconds; the viewer's
    filelock says the same (viewer/locks.py)."""
    return f"{what} is locked by another process (waited {timeout:g} s for {path})"


class ExclusiveLock:
    """flock(LOCK_EX) on `path`, polled so that a stuck holder cannot hang pulumi forever.

    With `folder`, the lock file is its file `name` (made 0660 in a group-shared folder, so
    that every member can take the lock); `path` then only names it in messages."""

    def __init__(
        self,
        path: str,
        timeout: float,
        what: str = "the audit log",
        *,
        folder: LogFolder | None = None,
        name: str = "",
    ) -> None:
        self.path = path
        self.timeout = timeout
        self.what = what
        self.folder = folder
        self.name = name
        self.fd = -1

    def _open(self) -> int:
        if self.folder is not None:
            return self.folder.open(self.name, os.O_RDWR | os.O_CREAT)
        return open_regular(self.path, os.O_RDWR | os.O_CREAT)

    def __enter__(self) -> "ExclusiveLock":
        import fcntl

        deadline = time.monotonic() + self.timeout
        pause = 0.0005
        while True:
            fd = self._open()
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
                raise StoreError(locked_message(self.what, self.timeout, self.path))
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    def __exit__(self, *exc_info: object) -> None:
        os.close(self.fd)  # closing the descriptor releases the flock
