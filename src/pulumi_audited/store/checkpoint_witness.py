"""Checkpoints of a local log, kept at a witness location (the `witness` setting: another
folder, or a bucket), so that a local log rewritten by whoever can write its files is caught
against what the witness saw.

The local log is one chain: its checkpoints name the writer `local-<16 hex>` (a hash of the
log folder's real path), `seq` and `records` the number of records in the log, `last_hash`
the hash of its last one. In a folder they are files at the bucket's keys
(`v1/checkpoints/<writer>/<seq>.json`), created exclusively; in a bucket, objects under its
prefix. Written by `audit sync`, and once a UTC day by the process the shim starts on the
day's first run (`main`, started by store/witness_daily.py); checked by `audit verify`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from pulumi_audited.errors import StoreError
from pulumi_audited.store import layout
from pulumi_audited.store.base import Chain
from pulumi_audited.store.chain import RECORD_PREFIX, line_hash, parse_record_line, split_lines
from pulumi_audited.store.log_folder import LogFolder
from pulumi_audited.store.objects import ObjectInfo, ObjectStore
from pulumi_audited.store.schemes import is_remote
from pulumi_audited.store.witness_daily import LOCK, RETRY_SECONDS, STATE, due, read_state, utc_day


def local_writer_id(folder: str) -> str:
    return "local-" + line_hash(os.path.realpath(folder).encode())[:16]


class FolderObjects:
    """A witness folder as much of an ObjectStore as checkpoints need."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.url = folder

    def _path(self, key: str) -> str:
        return os.path.join(self.folder, *key.split("/"))

    def put_new(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        try:
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        except FileExistsError:
            if self.get(key) == data:
                return False
            raise StoreError(f"{path} exists and holds something else") from None
        except OSError as error:
            raise StoreError(f"cannot write {path}: {error.strerror}") from None
        with open(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return True

    def create(self, key: str, data: bytes) -> bool:
        try:
            return self.put_new(key, data)
        except StoreError:
            return False

    def delete(self, key: str) -> bool:
        return False  # a witness never deletes

    def get(self, key: str) -> bytes:
        try:
            with open(self._path(key), "rb") as handle:
                return handle.read()
        except OSError as error:
            raise StoreError(f"cannot read {self._path(key)}: {error.strerror}") from None

    def list(
        self, prefix: str, *, delimiter: str | None = None
    ) -> tuple[list[ObjectInfo], list[str]]:
        found = []
        top = self._path(prefix.rstrip("/"))
        for folder, _, names in os.walk(top):
            for name in names:
                path = os.path.join(folder, name)
                key = os.path.relpath(path, self.folder).replace(os.sep, "/")
                size = os.path.getsize(path)
                found.append(ObjectInfo(key, str(size), size))
        return sorted(found), []


def open_witness(location: str, *, timeout: float) -> tuple[ObjectStore, str]:
    """The witness store and the prefix its checkpoints go under."""
    if is_remote(location):
        from pulumi_audited.store.remote import open_objects, parse_location

        return open_objects(location, timeout=timeout), parse_location(location).prefix
    folder = location[len("file://") :] if location.startswith("file://") else location
    return FolderObjects(folder), ""


def witnessed(store: ObjectStore, prefix: str, writer: str) -> list[tuple[str, str, bytes]]:
    """(key, where, bytes) of the writer's checkpoints at the witness."""
    listed, _ = store.list(layout.checkpoints_prefix(prefix, writer))
    base = store.url.rstrip("/") + "/"
    return [(info.key, base + info.key, store.get(info.key)) for info in listed]


@dataclass
class LineRecord:
    """One record of the local log, as much of a Partition as checkpoint_verify reads."""

    location: str
    line_number: int
    line: bytes
    seq: int

    def read_bytes(self, offset: int = 0) -> bytes:
        return self.line[offset:]

    def place_of(self, offset: int) -> tuple[str, int]:
        return self.location, self.line_number


def _record_lines(chain: Chain):
    """(ordinal from 1, path, line number, line) of each record of the local log's chain."""
    ordinal = 0
    for part in chain.parts:
        for number, line, _complete in split_lines(part.read_bytes()):
            if line.startswith(RECORD_PREFIX) or parse_record_line(line) is not None:
                ordinal += 1
                yield ordinal, part.location, number, line


def local_head(chain: Chain) -> tuple[int, str | None]:
    """(records, hash of the last one) of the local log."""
    count, last = 0, None
    for ordinal, _path, _number, line in _record_lines(chain):
        count, last = ordinal, line
    return count, line_hash(last) if last is not None else None


def local_records(chain: Chain, wanted: set[int]) -> dict[int, LineRecord]:
    """The records at the seqs `wanted` (the witness's checkpoints), and the last one."""
    found: dict[int, LineRecord] = {}
    last: LineRecord | None = None
    for ordinal, path, number, line in _record_lines(chain):
        last = LineRecord(path, number, line, ordinal)
        if ordinal in wanted:
            found[ordinal] = last
    if last is not None:
        found[last.seq] = last
    return found


def write_local_checkpoint(folder: str, witness: str, signer, *, timeout: float):
    """Write the local log's checkpoint at the witness; None when the log has not grown since
    the last one. StoreError when the witness would not take it, or the log holds fewer
    records than the witness saw (verify says which are gone)."""
    from pulumi_audited.store.checkpoint_writer import newest_in_store, put_checkpoint
    from pulumi_audited.store.local_read import LocalReader

    (chain,) = LocalReader(folder).chains().chains
    count, last_hash = local_head(chain)
    store, prefix = open_witness(witness, timeout=timeout)
    writer = local_writer_id(folder)
    last = newest_in_store(store, prefix, writer)
    if last is not None and last.seq > count:
        raise StoreError(
            f"the log holds {count} records, fewer than the {last.seq} the witness saw: "
            "run audit verify"
        )
    if last_hash is None or (last is not None and last.seq == count):
        return None
    return put_checkpoint(store, prefix, writer, count, last_hash, last, signer)


def write_witnessed(folder: str, witness: str, signer, *, timeout: float, only_if_due: bool):
    """Write the local log's checkpoint at the witness now, holding the witness lock (waiting
    up to `timeout` for it); with `only_if_due`, only when today's is still to be written.
    The checkpoint written, or None when there was nothing to write. The state file says the
    outcome; StoreError when it failed."""
    from pulumi_audited.store.local import ExclusiveLock

    with LogFolder(folder) as log_folder:
        lock = ExclusiveLock(
            log_folder.join(LOCK),
            timeout,
            "the witness checkpoint",
            folder=log_folder,
            name=LOCK,
        )
        with lock:
            now = time.time()
            state = read_state(folder)
            if only_if_due and not due(state, now):
                return None
            day = state[0]
            try:
                written = write_local_checkpoint(folder, witness, signer, timeout=timeout)
            except StoreError as error:
                _record(log_folder, f"{day} {now + RETRY_SECONDS:.0f}\n{error}\n")
                raise
            _record(log_folder, f"{utc_day(now)} 0\n")
            return written


def record_failure(folder: str, error: str) -> None:
    """Say in the state file that an attempt failed before it could start (a key that
    cannot be used), so that the next runs wait before trying again."""
    now = time.time()
    day, _retry_after, _error = read_state(folder)
    with LogFolder(folder) as log_folder:
        _record(log_folder, f"{day} {now + RETRY_SECONDS:.0f}\n{error}\n")


def _record(log_folder, text: str) -> None:
    fd = log_folder.open(STATE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        os.write(fd, text.encode("utf-8", "replace"))
    finally:
        os.close(fd)


def main(argv: list[str] | None = None) -> int:
    """The detached process: write the day's checkpoint, or say in the state file why not."""
    import argparse

    from pulumi_audited.store.checkpoint_writer import signer_for

    parser = argparse.ArgumentParser(prog="pulumi-audited-witness")
    parser.add_argument("folder")
    parser.add_argument("--witness", required=True)
    parser.add_argument("--key", default=None)
    parser.add_argument("--timeout", type=float, default=10.0)
    options = parser.parse_args(argv)
    try:
        signer = signer_for(options.key)
    except StoreError as error:
        _quietly(record_failure, options.folder, str(error))
        return 1
    try:
        write_witnessed(
            options.folder, options.witness, signer, timeout=options.timeout, only_if_due=True
        )
    except StoreError:
        return 1  # said in the state file, unless the lock or the folder was the trouble
    except Exception as error:  # detached: the state file is the only way to tell anyone
        _quietly(record_failure, options.folder, f"internal error: {type(error).__name__}")
        return 1
    return 0


def _quietly(action, *arguments) -> None:
    try:
        action(*arguments)
    except Exception:
        pass
