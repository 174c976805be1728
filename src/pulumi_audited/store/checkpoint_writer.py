"""Writing a spool's checkpoints: at every `audit sync`, and from the detached shipper once a
UTC day, so that the shim itself never loads `cryptography` (docs/checkpoints.md).

A checkpoint covers the writer's whole chain as the spool knows it, so it is written only
once every record is shipped (nothing pending), and only when the chain grew since the last
one. The spool keeps the last one's seq, hash and day in `checkpoint`, beside its chain state;
when that file is missing, the newest checkpoint of the writer in the store takes its place.
Callers hold the spool's ship lock, so that the shipper and `audit sync` never write two
checkpoints for one seq.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace

from pulumi_audited import paths
from pulumi_audited.errors import StoreError
from pulumi_audited.store import layout
from pulumi_audited.store.checkpoint import Checkpoint, parse
from pulumi_audited.store.objects import ObjectStore
from pulumi_audited.store.spool import Spool
from pulumi_audited.timestamps import format_ns

STATE = "checkpoint"


@dataclass
class LastCheckpoint:
    """What the next checkpoint of a writer chains to: the last one's seq, digest and day."""

    seq: int
    digest: str
    day: str


def _read_state(spool: Spool) -> LastCheckpoint | None:
    try:
        with open(os.path.join(spool.folder, STATE), encoding="ascii") as handle:
            seq, digest, day = handle.read().split()
        return LastCheckpoint(int(seq), digest, day)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def due_today(spool: Spool, today: str) -> bool:
    """Whether the once-a-day checkpoint is still to be written (a cheap file read)."""
    last = _read_state(spool)
    return last is None or last.day < today


def newest_in_store(store: ObjectStore, prefix: str, writer: str) -> LastCheckpoint | None:
    listed, _ = store.list(layout.checkpoints_prefix(prefix, writer))
    for info in reversed(listed):
        checkpoint = parse(store.get(info.key))
        if checkpoint is not None and checkpoint.writer == writer:
            return LastCheckpoint(checkpoint.seq, checkpoint.digest(), checkpoint.time[:10])
    return None


def write_checkpoint(
    spool: Spool, store: ObjectStore, prefix: str, signer=None
) -> Checkpoint | None:
    """Write the checkpoint of the spool's chain as it is now into `store` under `prefix`,
    signed by `signer` (a checkpoint_keys.Signer) when given; None when there was nothing to
    write (records still pending, or no record since the last one). StoreError when the
    store would not take it."""
    if spool.pending():
        return None
    writer, seq, last_hash = spool.head()
    if seq == 0 or last_hash is None:
        return None
    last = _read_state(spool)
    if last is None:
        last = newest_in_store(store, prefix, writer)
    if last is not None and last.seq >= seq:
        return None
    checkpoint = put_checkpoint(store, prefix, writer, seq, last_hash, last, signer)
    state = f"{seq} {checkpoint.digest()} {checkpoint.time[:10]}\n".encode()
    try:
        paths.replace_file(os.path.join(spool.folder, STATE), state, sync=True)
    except OSError as error:
        raise StoreError(f"cannot write {spool.folder}/{STATE}: {error.strerror}") from None
    return checkpoint


def put_checkpoint(
    store: ObjectStore,
    prefix: str,
    writer: str,
    seq: int,
    last_hash: str,
    last: LastCheckpoint | None,
    signer,
) -> Checkpoint:
    """Make, sign (with `signer`, when given) and store the checkpoint of `writer`'s chain at
    `seq`, chained to `last` (the one before, or None)."""
    checkpoint = Checkpoint(
        writer=writer,
        seq=seq,
        last_hash=last_hash,
        records=seq,
        time=format_ns(time.time_ns()),
        prev_checkpoint=last.digest if last is not None else None,
        key=signer.key_id if signer is not None else None,
    )
    if signer is not None:
        checkpoint = replace(checkpoint, signature=signer.sign(checkpoint.signed_bytes()))
    store.put_new(layout.checkpoint_key(prefix, writer, seq), checkpoint.line() + b"\n")
    return checkpoint


def signer_for(key_path: str | None):
    """The Signer of the `signing_key` setting, None without one; StoreError when it cannot
    be used."""
    if key_path is None:
        return None
    from pulumi_audited.store.checkpoint_keys import Signer

    return Signer(key_path)
