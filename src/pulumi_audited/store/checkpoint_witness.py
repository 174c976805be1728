"""Checkpoints of a local log, kept at a witness location (the `witness` setting: another
folder, or a bucket), so that a local log rewritten by whoever can write its files is caught
against what the witness saw.

The local log is one chain: its checkpoints name the writer `local-<16 hex>` (a hash of the
log folder's real path), `seq` and `records` the number of records in the log, `last_hash`
the hash of its last one. In a folder they are files at the bucket's keys
(`v1/checkpoints/<writer>/<seq>.json`), created exclusively; in a bucket, objects under its
prefix. Written by `audit sync`; checked by `audit verify`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pulumi_audited.errors import StoreError
from pulumi_audited.store import layout
from pulumi_audited.store.base import Chain
from pulumi_audited.store.chain import RECORD_PREFIX, line_hash, parse_record_line, split_lines
from pulumi_audited.store.objects import ObjectInfo, ObjectStore
from pulumi_audited.store.schemes import is_remote


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
