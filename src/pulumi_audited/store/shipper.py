"""Shipping spooled records to their remote store: the detached shipper, `audit sync`, and
the synchronous ship of `on_failure: block`.

Every record goes to a key made from its own content (layout.object_key) with a create-only
write, so shipping the same record twice, from two processes or after a crash between the
store's acknowledgement and the spool's removal, stores it once. A pending file is removed
only after the store acknowledged it.
"""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pulumi_audited import fastjson
from pulumi_audited.errors import StoreError
from pulumi_audited.store import layout
from pulumi_audited.store.objects import ObjectStore
from pulumi_audited.store.remote import open_objects, parse_location
from pulumi_audited.store.spool import SHIP_LOCK, Spool
from pulumi_audited.store.worker_folder import DONE, FAILED, READY, SHIPPING, STARTING, until_idle

_WORKERS = 8
_REMOVE_BATCH = 64


@dataclass
class ShipResult:
    shipped: int = 0  # newly created in the store
    already: int = 0  # found there already (an earlier attempt had succeeded)
    remaining: int = 0
    error: str | None = None


def ship_pending(
    spool: Spool,
    store: ObjectStore,
    *,
    names: list[str] | None = None,
    progress: Callable[[], None] | None = None,
    prefix: str | None = None,
) -> ShipResult:
    """Ship `names` (default: everything pending), oldest first, in parallel; stop at the first
    failure, leaving what was not acknowledged in the spool. `prefix`: the log's prefix in
    `store`, when that is not the spool's own log (`audit sync --to`)."""
    result = ShipResult()
    todo = spool.pending() if names is None else names
    acknowledged: list[str] = []
    failure: list[str] = []
    lock = threading.Lock()
    if prefix is None:
        prefix = parse_location(spool.location).prefix

    def ship(name: str) -> None:
        if failure:
            return
        line = spool.read(name)
        if line is None:
            return  # shipped and removed by another process meanwhile
        try:
            record = fastjson.loads(line)
            if not isinstance(record, dict):
                raise TypeError("not a JSON object")
            key = layout.object_key(prefix, record)
        except (ValueError, KeyError, TypeError):
            with lock:
                failure.append(f"{spool.pending_folder}/{name} is not a record; move it aside")
            return
        try:
            created = store.put_new(key, line)
        except StoreError as error:
            with lock:
                failure.append(str(error))
            return
        with lock:
            if created:
                result.shipped += 1
            else:
                result.already += 1
            acknowledged.append(name)
            if len(acknowledged) >= _REMOVE_BATCH:
                spool.remove(acknowledged[:])
                acknowledged.clear()
        if progress is not None:
            progress()

    if len(todo) == 1:
        ship(todo[0])
    elif todo:
        with ThreadPoolExecutor(min(_WORKERS, len(todo))) as pool:
            list(pool.map(ship, todo))
    spool.remove(acknowledged)
    result.error = failure[0] if failure else None
    result.remaining = len(spool.pending())
    return result


def ship_with_deadline(spool: Spool, name: str, timeout: float) -> str | None:
    """Ship one record within `timeout` seconds, for `on_failure: block`; the reason it was
    not acknowledged, or None when it was."""
    outcome: list[str | None] = []

    def attempt() -> None:
        try:
            store = open_objects(spool.location, timeout=timeout)
            result = ship_pending(spool, store, names=[name])
            outcome.append(result.error)
        except StoreError as error:
            outcome.append(str(error))
        except Exception as error:  # a bug must not start pulumi unrecorded
            outcome.append(f"internal error ({type(error).__name__})")

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        return f"{spool.location} did not acknowledge within {timeout:g} s"
    return outcome[0]


# The detached shipper


def try_lock(path: str) -> int | None:
    """A file descriptor holding the lock at `path`, or None when someone else holds it."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def run_shipper(spool: Spool, *, timeout: float, while_pid: int | None = None) -> int:
    """Ship until the spool is empty and `while_pid` has ended; 0 when everything went."""
    shipper = _Shipper(spool, timeout, while_pid)
    lock_path = os.path.join(spool.folder, SHIP_LOCK)
    while True:
        fd = try_lock(lock_path)
        if fd is None:
            return 0  # another shipper has it, and rescans after it lets go
        try:
            if not shipper.ship_until_idle():
                return 1
            shipper.daily_checkpoint()
        finally:
            os.close(fd)
        # What was spooled while we held the lock may have been left to us: look once more.
        if not spool.pending():
            return 0


class _Shipper:
    def __init__(self, spool: Spool, timeout: float, while_pid: int | None) -> None:
        self.spool = spool
        self.timeout = timeout
        self.while_pid = while_pid
        self.store: ObjectStore | None = None
        # What the shipper before this one found, said on in the status until this one finds
        # out for itself: "starting" must not read as news, good or bad, to a shim that ends
        # meanwhile. `last_error`: it gave up; `worked`: the store took records.
        self.last_error: str | None = None
        self.worked = False

    def ship_until_idle(self) -> bool:
        """Ship what is pending until nothing is and `while_pid` has ended; False on failure
        (said in the status file)."""
        spool = self.spool
        if self.store is None:
            before = spool.status()
            state = before.get("state")
            if state == FAILED:
                self.last_error = before.get("error") or "the shipper failed"
            elif state in (STARTING, SHIPPING):
                self.last_error = before.get("last_error")
                self.worked = bool(before.get("worked"))
            else:
                self.worked = state in (READY, DONE)
            self._say(STARTING)

        def deliver() -> bool | None:
            names = spool.pending()
            if not names:
                return None
            error = self._ship(names)
            if error is not None:
                spool.write_status(FAILED, error)
                return False
            return True

        return until_idle(deliver, spool.write_status, self.while_pid)

    def daily_checkpoint(self) -> None:
        """The first shipper of a UTC day that finds everything shipped writes a checkpoint
        (store/checkpoint_writer.py), when the settings ask for checkpoints. Here, detached,
        rather than in the shim: the key's `cryptography` costs tens of milliseconds to load.
        A failure is left to the next shipper or `audit sync`, which says why."""
        import time

        from pulumi_audited.store.checkpoint_writer import due_today

        today = time.strftime("%Y-%m-%d", time.gmtime())
        if self.store is None or not due_today(self.spool, today):
            return
        from pulumi_audited.config import load_settings
        from pulumi_audited.errors import ShimError
        from pulumi_audited.store.checkpoint_writer import signer_for, write_checkpoint

        try:
            current = load_settings(os.getcwd(), os.environ)
            if current.checkpoints or current.signing_key:
                prefix = parse_location(self.spool.location).prefix
                signer = signer_for(current.signing_key)
                write_checkpoint(self.spool, self.store, prefix, signer)
        except (ShimError, StoreError, OSError):
            pass

    def _say(self, state: str) -> None:
        self.spool.write_status(state, last_error=self.last_error, worked=self.worked)

    def _ship(self, names: list[str]) -> str | None:
        spool = self.spool

        def progress() -> None:
            self.last_error, self.worked = None, True
            self._say(SHIPPING)

        try:
            if self.store is None:
                self.store = open_objects(spool.location, timeout=self.timeout)
            self._say(SHIPPING)
            result = ship_pending(spool, self.store, names=names, progress=progress)
        except StoreError as error:
            return str(error)
        return result.error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulumi-audited-shipper")
    parser.add_argument("folder")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--while", dest="while_pid", type=int, default=None)
    options = parser.parse_args(argv)
    try:
        spool = Spool.open_folder(options.folder)
    except StoreError:
        return 2
    try:
        return run_shipper(spool, timeout=options.timeout, while_pid=options.while_pid)
    except Exception as error:  # detached: the status file is the only way to tell anyone
        spool.write_status(FAILED, f"the shipper failed: {type(error).__name__}")
        return 1
