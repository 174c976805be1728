"""A sink's queue: the records `forward:` sends to one sink, durable on this machine until the
sink acknowledged them. One queue per sink, so that a sink that is down holds back no other.

    <user data dir>/forward/<sha256(sink URL)[:16]>/     0700
        sink                the sink's URL (it holds no secret: store/sinks/url.py refuses one)
        queue.<gen>.jsonl   the records, one line each, appended whole and fsync'd, 0600
        cursor              "<gen> <offset>": what the sink acknowledged (replaced atomically)
        queue.lock          appends and the switch to a new generation hold it
        ship.lock           held by the one process shipping this queue
        status              what the last forwarder did (JSON), for the shim's warning

Appends go to the generation the cursor names. Once the sink has acknowledged a whole file,
the forwarder, holding the append lock, moves the cursor to the next generation (written and
fsync'd first) and only then removes the old file: a crash in between leaves a file that is
known to be acknowledged, never a cursor pointing into records it has not seen.

This module is on the shim's hot path when `forward:` is set: nothing heavier than the spool.
"""

import os

from pulumi_audited import paths
from pulumi_audited.errors import StoreError
from pulumi_audited.store import worker_folder
from pulumi_audited.store.local import ExclusiveLock, fsync_folder

_SINK = "sink"
_CURSOR = "cursor"
_APPEND_LOCK = "queue.lock"
SHIP_LOCK = "ship.lock"
_PREFIX = "queue."
_SUFFIX = ".jsonl"


def forward_root() -> str:
    return os.path.join(paths.user_data_dir(), "forward")


def existing_queues() -> list["SinkQueue"]:
    """Every sink queue of this user, by folder name (`audit sync` drains them all)."""
    return worker_folder.existing(forward_root(), SinkQueue.open_folder)


class SinkQueue:
    def __init__(self, folder: str, url: str, *, lock_timeout: float = 10.0) -> None:
        self.folder = folder
        self.url = url
        self.lock_timeout = lock_timeout

    @classmethod
    def for_sink(cls, url: str, *, lock_timeout: float = 10.0) -> "SinkQueue":
        folder = worker_folder.folder_for(forward_root(), url)
        return cls(folder, url, lock_timeout=lock_timeout)

    @classmethod
    def open_folder(cls, folder: str) -> "SinkQueue":
        try:
            with open(os.path.join(folder, _SINK), encoding="utf-8") as handle:
                url = handle.read().strip()
        except OSError as error:
            raise StoreError(f"{folder} is not a sink queue: {error.strerror}") from None
        return cls(folder, url)

    @property
    def name(self) -> str:
        return os.path.basename(self.folder)

    def _path(self, name: str) -> str:
        return os.path.join(self.folder, name)

    def _lock(self) -> ExclusiveLock:
        return ExclusiveLock(self._path(_APPEND_LOCK), self.lock_timeout, "the sink queue")

    # Appending (the shim)

    def append(self, line: bytes) -> None:
        """Append one record's line (ending in a newline) and make it durable; StoreError
        when it could not be."""
        try:
            if not os.path.isdir(self.folder):
                self._create()
            with self._lock():
                generation, _ = self.cursor()
                _append_whole(self._path(queue_file(generation)), line)
        except StoreError:
            raise
        except OSError as error:
            raise StoreError(
                f"cannot queue the record for {self.url}: {error.strerror or error}"
            ) from None

    def _create(self) -> None:
        paths.ensure_private_dir(os.path.dirname(self.folder))
        os.makedirs(self.folder, mode=0o700, exist_ok=True)
        os.chmod(self.folder, 0o700)
        paths.replace_file(self._path(_SINK), self.url.encode() + b"\n", sync=True)
        fsync_folder(self.folder)

    # The forwarder's side

    def cursor(self) -> tuple[int, int]:
        """(generation, offset) the sink has acknowledged up to."""
        try:
            with open(self._path(_CURSOR), "rb") as handle:
                generation, offset = handle.read().split()
            return int(generation), int(offset)
        except FileNotFoundError:
            return 1, 0
        except (OSError, ValueError):
            raise StoreError(
                f"the sink queue's cursor {self._path(_CURSOR)} is damaged; move the folder "
                "aside (its queue.*.jsonl files hold the records) to start again"
            ) from None

    def acknowledge(self, generation: int, offset: int) -> None:
        """The sink has every record before `offset` of that generation's file: durable before
        the next batch goes, so nothing acknowledged is ever sent again."""
        data = f"{generation} {offset}\n".encode()
        paths.replace_file(self._path(_CURSOR), data, sync=True)

    def unsent(self, limit: int) -> tuple[int, int, list[bytes]]:
        """(generation, offset of the first, up to `limit` whole lines) not yet acknowledged;
        moves on to a new generation when the current file is all acknowledged."""
        generation, offset = self.cursor()
        path = self._path(queue_file(generation))
        lines: list[bytes] = []
        try:
            with open(path, "rb") as handle:
                handle.seek(offset)
                while len(lines) < limit:
                    line = handle.readline()
                    if not line.endswith(b"\n"):
                        break  # the end, or a line being written
                    lines.append(line)
        except FileNotFoundError:
            return generation, offset, []
        if not lines and offset:
            self._next_generation(generation, offset)
        return generation, offset, lines

    def _next_generation(self, generation: int, offset: int) -> None:
        with self._lock():
            path = self._path(queue_file(generation))
            try:
                size = os.path.getsize(path)
            except FileNotFoundError:
                return
            if size != offset or self.cursor() != (generation, offset):
                return  # appended to meanwhile (or a torn line waits to be closed)
            self.acknowledge(generation + 1, 0)
            os.unlink(path)
        for name in os.listdir(self.folder):  # a crash between the two steps left these
            number = _generation_of(name)
            if number is not None and number <= generation:
                try:
                    os.unlink(self._path(name))
                except FileNotFoundError:
                    pass

    def waiting(self) -> int:
        """How many records the sink has not acknowledged."""
        generation, offset = self.cursor()
        try:
            with open(self._path(queue_file(generation)), "rb") as handle:
                handle.seek(offset)
                return handle.read().count(b"\n")
        except FileNotFoundError:
            return 0

    def status(self) -> dict:
        return worker_folder.read_status(self.folder)

    def write_status(self, state: str, error: str | None = None, **counts: int) -> None:
        worker_folder.write_status(self.folder, state, error, **counts)


def queue_file(generation: int) -> str:
    return f"{_PREFIX}{generation:08d}{_SUFFIX}"


def _generation_of(name: str) -> int | None:
    if not (name.startswith(_PREFIX) and name.endswith(_SUFFIX)):
        return None
    number = name[len(_PREFIX) : -len(_SUFFIX)]
    return int(number) if number.isdigit() else None


def _append_whole(path: str, line: bytes) -> None:
    """Append `line` with one write and fsync it. A line torn by an earlier crash is closed
    with a newline first, so that it spoils only itself."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line
        if os.write(fd, line) != len(line):
            raise OSError(28, "short write (disk full?)")
        os.fsync(fd)
    finally:
        os.close(fd)
    if size == 0:
        fsync_folder(os.path.dirname(path))
