"""`audit sync`'s part for checkpoints: when the settings ask for them (`checkpoints: true`,
or a `signing_key`), every spool of this machine whose records are all shipped gets a
checkpoint of its chain, signed with the key when there is one (store/checkpoint_writer.py);
and with a `witness`, the local log gets one there (store/checkpoint_witness.py).
"""

from __future__ import annotations

import os
import time

import click

from pulumi_audited.errors import ShimError, StoreError
from pulumi_audited.viewer.formats import json_line
from pulumi_audited.viewer.safe_text import escape


def write_checkpoints(seconds: float, as_json: bool) -> bool:
    """Checkpoint each shipped spool; False when one could not be written (said why)."""
    from pulumi_audited.store.location import public_location
    from pulumi_audited.store.spool import existing_spools
    from pulumi_audited.viewer.context import settings

    try:
        current = settings()
    except ShimError:
        return True  # sync said so already, and shipped regardless
    if not (current.checkpoints or current.signing_key or current.witness):
        return True
    from pulumi_audited.store.checkpoint_writer import signer_for

    try:
        signer = signer_for(current.signing_key)
    except StoreError as error:
        click.echo(f"pulumi-audited: no checkpoint written: {escape(str(error))}", err=True)
        return False
    ok = _witness(current, seconds, signer, as_json)
    for spool in existing_spools():
        if spool.pending():
            continue  # its records are not all in the store: a checkpoint would claim them
        log = public_location(spool.location)
        try:
            written = _checkpoint(spool, seconds, signer)
        except StoreError as error:
            ok = False
            _say(as_json, log, None, str(error))
            continue
        if written is not None:
            _say(as_json, log, written, None)
    return ok


def _witness(current, seconds: float, signer, as_json: bool) -> bool:
    """The local log's checkpoint at the witness, when the log is local and has one."""
    from pulumi_audited.store.checkpoint_witness import write_witnessed
    from pulumi_audited.store.schemes import is_remote
    from pulumi_audited.viewer.context import log_location

    folder = log_location(current)
    if current.witness is None or is_remote(folder):
        return True
    try:
        written = write_witnessed(
            folder, current.witness, signer, timeout=seconds, only_if_due=False
        )
    except StoreError as error:
        _say(as_json, folder, None, str(error))
        return False
    if written is not None:
        _say(as_json, folder, written, None)
    return True


def _checkpoint(spool, seconds: float, signer):
    from pulumi_audited.store.checkpoint_writer import write_checkpoint
    from pulumi_audited.store.remote import open_objects, parse_location
    from pulumi_audited.viewer.locks import ship_lock

    store = open_objects(spool.location, timeout=seconds)
    # The shipper of the last pulumi command may still hold the spool (it writes the day's
    # first checkpoint under its lock): wait for it, as long as one request may take.
    deadline = time.monotonic() + seconds
    while True:
        try:
            with ship_lock(spool):
                prefix = parse_location(spool.location).prefix
                return write_checkpoint(spool, store, prefix, signer)
        except StoreError:
            if time.monotonic() >= deadline or not lock_is_held(spool):
                raise
        time.sleep(0.05)


def lock_is_held(spool) -> bool:
    """Whether a shipper holds the spool's ship.lock now."""
    from pulumi_audited.store.detached import lock_is_free
    from pulumi_audited.store.spool import SHIP_LOCK

    return not lock_is_free(os.path.join(spool.folder, SHIP_LOCK))


def _say(as_json: bool, log: str, written, error: str | None) -> None:
    if as_json:
        value: dict[str, object] = {"log": log, "checkpoint": None, "error": error}
        if written is not None:
            value["checkpoint"] = {
                "writer": written.writer,
                "seq": written.seq,
                "signed": written.signature is not None,
            }
        click.echo(json_line(value))
    elif error is not None:
        click.echo(f"{escape(log)}: no checkpoint written: {escape(error)}", err=True)
    else:
        how = f"signed with key {written.key}" if written.signature else "unsigned"
        click.echo(
            f"{escape(log)}: checkpoint of writer {escape(written.writer)} at seq "
            f"{written.seq} ({how})"
        )
