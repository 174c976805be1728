"""Moving a stranded spool's records to a log that works (`audit sync --to`).

A spool is stranded when the log it was made for cannot take its records and is no longer the
log this machine writes to: a location an older version accepted with a typo (`?regoin=`),
a bucket since deleted, an endpoint that is gone. Nothing in a spool is ever dropped; its
records are shipped, unchanged, to another remote log instead. Each keeps its `writer`, `seq`
and `prev`, so the writer's chain verifies there as it would have at the old location, and
the destination's own writers are not disturbed (verify walks each writer on its own).

Records the spool had shipped to the old location before it was stranded stay there: verify
at the destination then finds the writer's chain starting past seq 1, and says those are
missing. The move's report names them (`earlier`).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

from pulumi_audited import fastjson
from pulumi_audited.errors import StoreError
from pulumi_audited.store.location import public_location
from pulumi_audited.store.remote import open_objects, parse_location
from pulumi_audited.store.schemes import SCHEMES, is_remote
from pulumi_audited.store.shipper import ShipResult, ship_pending
from pulumi_audited.store.spool import MOVED, Spool


@dataclass
class MoveResult:
    shipped: ShipResult
    writer: str | None = None
    first_seq: int | None = None  # the first record moved
    last_seq: int | None = None

    @property
    def earlier(self) -> str | None:
        """The writer's records shipped to the old location before, which verify at the
        destination reports as missing: "seq 1 to 4"."""
        if self.writer is None or not self.first_seq or self.first_seq == 1:
            return None
        last = self.first_seq - 1
        return "seq 1" if last == 1 else f"seq 1 to {last}"


def check_destination(destination: str) -> None:
    """StoreError unless `destination` is a remote log location this tool can use."""
    if not is_remote(destination):
        raise StoreError(
            f"--to {destination!r}: records from a spool go to a remote log "
            f"({' or '.join(f'{scheme}://...' for scheme in SCHEMES)}); they carry their "
            "writer's chain, which a local log does not keep"
        )
    parse_location(destination)


def move_pending(spool: Spool, destination: str, *, timeout: float) -> MoveResult:
    """Ship every record pending in `spool` to the log at `destination`, oldest first; what
    is not acknowledged stays in the spool. The caller holds the spool's ship lock, so that
    no shipper sends the same records home meanwhile (viewer/locks.py ship_lock)."""
    check_destination(destination)
    prefix = parse_location(destination).prefix
    store = open_objects(destination, timeout=timeout)
    names = spool.pending()
    move = MoveResult(ShipResult())
    if not names:
        return move
    first, last = _chain_place(spool, names[0]), _chain_place(spool, names[-1])
    move.writer, move.first_seq = first
    move.last_seq = last[1]
    move.shipped = ship_pending(spool, store, names=names, prefix=prefix)
    moved = move.shipped.shipped + move.shipped.already
    if moved:
        _note(spool, destination, move, moved)
    return move


def _chain_place(spool: Spool, name: str) -> tuple[str | None, int | None]:
    line = spool.read(name)
    try:
        record = fastjson.loads(line) if line else {}
    except ValueError:
        return None, None
    if not isinstance(record, dict):
        return None, None
    writer, seq = record.get("writer"), record.get("seq")
    return (
        writer if isinstance(writer, str) else None,
        seq if isinstance(seq, int) else None,
    )


def _note(spool: Spool, destination: str, move: MoveResult, count: int) -> None:
    """Say in the spool folder where its records went: `audit doctor` shows it."""
    entry = {
        "time": time.time(),
        "to": public_location(destination),
        "records": count,
        "writer": move.writer,
        "first_seq": move.first_seq,
        "last_seq": move.last_seq,
    }
    try:
        fd = os.open(
            os.path.join(spool.folder, MOVED), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
        )
        try:
            os.write(fd, json.dumps(entry).encode() + b"\n")
        finally:
            os.close(fd)
    except OSError:
        pass  # a note for people; the records are in the destination either way
