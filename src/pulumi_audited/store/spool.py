"""The spool: where records bound for a remote log wait, durable on this machine, until the
store has acknowledged them.

    <user data dir>/spool/<sha256(location)[:16]>/      0700
        location            the log location the records are for
        writer              this writer's chain: "<writer id> <last seq> <last hash>"
        pending/<seq>.jsonl one record line each, 0600, fsync'd before pulumi starts
        spool.lock          appends (and removals) hold it
        ship.lock           held by the one process shipping this spool
        status              what the last shipper did (JSON), for the shim's one-line report
        moved               where `audit sync --to` moved records that could not go to
                            `location` (JSON lines, one per move)

The spool is also the writer's hash chain: each record gets `writer`, the next `seq` and `prev`
while the append lock is held, so one machine's records form one chain in the shared store
whichever process ships them. A pending file is removed only under the append lock, after the
store acknowledged it, so the chain state is always durable before its record can go.

This module is on the shim's hot path: no imports beyond what the local log already needs.
"""

import os
import time

from pulumi_audited import fastjson, paths
from pulumi_audited.errors import StoreError
from pulumi_audited.store import worker_folder
from pulumi_audited.store.chain import line_hash
from pulumi_audited.store.local import ExclusiveLock, fsync_folder
from pulumi_audited.store.location import public_location

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

PENDING = "pending"
SUFFIX = ".jsonl"
_STATE = "writer"
_LOCATION = "location"
_APPEND_LOCK = "spool.lock"
SHIP_LOCK = "ship.lock"
MOVED = "moved"


def spool_root() -> str:
    return os.path.join(paths.user_data_dir(), "spool")


def spool_folder(location: str) -> str:
    return worker_folder.folder_for(spool_root(), location)


def existing_spools() -> list["Spool"]:
    """Every spool of this user, by folder name (sync and doctor read them all)."""
    return worker_folder.existing(spool_root(), Spool.open_folder)


class Spool:
    # What takes the append lock, given (path, timeout, what it locks): the shim's import-free
    # flock; `audit sync` gives its spools filelock's, on the same file (viewer/locks.py).
    lock_class: "Callable[[str, float, str], AbstractContextManager[object]]" = ExclusiveLock

    def __init__(self, folder: str, location: str, *, lock_timeout: float = 10.0) -> None:
        self.folder = folder
        self.location = location
        self.lock_timeout = lock_timeout
        self.pending_folder = os.path.join(folder, PENDING)

    @property
    def name(self) -> str:
        """The folder's name: how `audit sync --from` names a spool."""
        return os.path.basename(self.folder)

    @classmethod
    def for_location(cls, location: str, *, lock_timeout: float = 10.0) -> "Spool":
        return cls(spool_folder(location), location, lock_timeout=lock_timeout)

    @classmethod
    def open_folder(cls, folder: str) -> "Spool":
        """An existing spool, its location read from the folder."""
        try:
            with open(os.path.join(folder, _LOCATION), encoding="utf-8") as handle:
                location = handle.read().strip()
        except OSError as error:
            raise StoreError(f"{folder} is not a spool: {error.strerror}") from None
        return cls(folder, location)

    def forget_secrets(self) -> None:
        """Rewrite a `location` file an older version wrote with the whole location: keep the
        public form, which ships the same (store/location.py public_location)."""
        shown = public_location(self.location)
        if shown != self.location:
            try:
                paths.replace_file(
                    os.path.join(self.folder, _LOCATION), shown.encode() + b"\n", sync=True
                )
            except OSError:
                return  # shown nowhere but in this user's own folder; sync tries again
            self.location = shown

    # Appending

    def append(self, record: dict) -> str:
        """Chain `record` onto this writer's chain and make it durable; its pending file name.

        Raises StoreError when it could not be made durable."""
        from pulumi_audited.timestamps import format_ns

        try:
            self._prepare()
            with self._lock():
                writer, seq, previous = self._chain_head()
                if record.get("time") is None:
                    record["time"] = format_ns(time.time_ns())
                for key in ("writer", "seq", "prev"):  # an end record copies its start's
                    record.pop(key, None)
                record["writer"] = writer
                record["seq"] = seq + 1
                record["prev"] = previous
                line = fastjson.dumps(record).encode("ascii") + b"\n"
                name = pending_name(seq + 1)
                _write_new(os.path.join(self.pending_folder, name), line)
                fsync_folder(self.pending_folder)
                self._write_state(writer, seq + 1, line_hash(line[:-1]))
        except StoreError:
            raise
        except OSError as error:
            raise StoreError(
                f"cannot write to the spool {self.folder}: {error.strerror or error}"
            ) from None
        return name

    def _prepare(self) -> None:
        if os.path.isdir(self.pending_folder):
            return
        os.makedirs(self.pending_folder, mode=0o700, exist_ok=True)
        os.chmod(self.folder, 0o700)
        location_file = os.path.join(self.folder, _LOCATION)
        if not os.path.exists(location_file):
            # Query-string values that could be secrets are not needed to ship: not kept.
            stored = public_location(self.location)
            paths.replace_file(location_file, stored.encode() + b"\n", sync=True)

    @property
    def lock_path(self) -> str:
        """The append lock's file."""
        return os.path.join(self.folder, _APPEND_LOCK)

    def _lock(self) -> "AbstractContextManager[object]":
        return self.lock_class(self.lock_path, self.lock_timeout, "the spool")

    def head(self) -> tuple[str, int, str | None]:
        """(writer id, last seq, hash of the last record) as they are now, for a checkpoint."""
        with self._lock():
            return self._chain_head()

    def _chain_head(self) -> tuple[str, int, str | None]:
        """(writer id, last seq, hash of the last line) for the next record. The state file is
        written after each pending file: a crash in between leaves a pending file the state
        does not know yet, so follow the pending files past it."""
        try:
            with open(os.path.join(self.folder, _STATE), encoding="ascii") as handle:
                writer, seq_text, previous = handle.read().split()
            seq = int(seq_text)
        except FileNotFoundError:
            writer, seq, previous = new_writer_id(), 0, "-"
        except (OSError, ValueError, UnicodeDecodeError):
            raise StoreError(
                f"the spool's chain state {os.path.join(self.folder, _STATE)} is damaged; "
                "move the spool folder aside to start a new chain"
            ) from None
        while True:
            path = os.path.join(self.pending_folder, pending_name(seq + 1))
            try:
                with open(path, "rb") as handle:
                    line = handle.read()
            except FileNotFoundError:
                break
            if not line.endswith(b"\n"):
                # Torn by a crash before its fsync: its append never returned, so no one
                # relies on it, and its place in the chain is free again.
                os.unlink(path)
                break
            seq += 1
            previous = line_hash(line[:-1])
        return writer, seq, None if previous == "-" else previous

    def _write_state(self, writer: str, seq: int, last_hash: str) -> None:
        state = f"{writer} {seq} {last_hash}\n".encode()
        paths.replace_file(os.path.join(self.folder, _STATE), state, sync=True)

    # Shipping side

    def pending(self) -> list[str]:
        """Pending file names, oldest first."""
        try:
            names = os.listdir(self.pending_folder)
        except FileNotFoundError:
            return []
        return sorted(name for name in names if name.endswith(SUFFIX))

    def read(self, name: str) -> bytes | None:
        """A pending record's line (with its newline), or None when it is gone already."""
        try:
            with open(os.path.join(self.pending_folder, name), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    def remove(self, names: list[str]) -> None:
        """Forget records the store acknowledged."""
        if not names:
            return
        with self._lock():
            for name in names:
                try:
                    os.unlink(os.path.join(self.pending_folder, name))
                except FileNotFoundError:
                    pass
            fsync_folder(self.pending_folder)

    def status(self) -> dict:
        return worker_folder.read_status(self.folder)

    def write_status(
        self,
        state: str,
        error: str | None = None,
        *,
        last_error: str | None = None,
        worked: bool = False,
    ) -> None:
        """`error`: why this shipper gave up (FAILED). While a shipper is starting or shipping,
        what was known before it got an answer: `last_error`, why the one before gave up;
        `worked`, that the store took records and nothing failed since."""
        more: dict[str, object] = {}
        if last_error:
            more["last_error"] = last_error
        elif worked:
            more["worked"] = True
        worker_folder.write_status(self.folder, state, error, **more)


def pending_name(seq: int) -> str:
    return f"{seq:012d}{SUFFIX}"


def new_writer_id() -> str:
    """`<host>-<8 hex>`: the host for people, the random part because hosts share names (CI
    runners, containers) and one host may keep several spools."""
    host = os.uname().nodename or "host"
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in ".-") else "-" for ch in host)
    return f"{safe[:63] or 'host'}-{os.urandom(4).hex()}"


def _write_new(path: str, data: bytes) -> None:
    """Create `path` with `data`, fsync'd; never over an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        written = os.write(fd, data)
        if written != len(data):
            raise OSError(28, "short write (disk full?)")
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        try:
            os.unlink(path)
        except OSError:
            pass
        raise
    os.close(fd)
