"""The spool's locks as `audit sync` takes them: through filelock.

The shim and the detached shipper take a spool's locks with a bare flock(2) (store/local.py
ExclusiveLock, store/shipper.py try_lock): importing filelock would cost them 35 ms on every
pulumi command. The viewer can afford it, and takes the same locks through
filelock.UnixFileLock, which flocks the same file and never removes it, so each side waits
for the other (tests/test_spool_locks.py).

filelock opens the lock file by its path, and only from 3.20.1 refuses a symbolic link there
(older ones follow it and truncate the target); none checks who else can write to the folder.
So a lock goes through filelock only in a folder that is this user's alone, as a spool's is,
and only after the file was made, or found, a regular file without following a link. The
local log's audit.lock, in a folder a team may share, is never taken through filelock.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager

from filelock import Timeout, UnixFileLock

from pulumi_audited.errors import StoreError
from pulumi_audited.store.local import locked_message
from pulumi_audited.store.log_folder import PRIVATE_MODE, open_regular
from pulumi_audited.store.spool import SHIP_LOCK, Spool, existing_spools


def spools_to_sync() -> list[Spool]:
    """This user's spools that have records waiting, each taking its append lock through
    filelock."""
    spools = [spool for spool in existing_spools() if spool.pending()]
    for spool in spools:
        spool.lock_class = AppendLock
    return spools


class AppendLock:
    """A spool's append lock (spool.lock) through filelock: what the shim's ExclusiveLock
    takes, with its arguments and its message when the wait runs out."""

    def __init__(self, path: str, timeout: float, what: str = "the spool") -> None:
        self.path = path
        self.timeout = timeout
        self.what = what
        self.lock: UnixFileLock | None = None

    def __enter__(self) -> AppendLock:
        lock = _file_lock(self.path)
        try:
            lock.acquire(timeout=self.timeout)
        except Timeout:
            raise StoreError(locked_message(self.what, self.timeout, self.path)) from None
        except OSError as error:
            raise StoreError(f"cannot lock {self.path}: {error.strerror or error}") from None
        self.lock = lock
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None


@contextmanager
def ship_lock(spool: Spool) -> Iterator[None]:
    """Hold the spool's ship lock (ship.lock), which a shipper holds while it ships; refused
    at once, without waiting, while one does."""
    path = os.path.join(spool.folder, SHIP_LOCK)
    lock = _file_lock(path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise StoreError(
            f"a shipper is at work on the spool {spool.folder}; try again when it is done"
        ) from None
    except OSError as error:
        raise StoreError(f"cannot lock {path}: {error.strerror or error}") from None
    try:
        yield
    finally:
        lock.release()


def _file_lock(path: str) -> UnixFileLock:
    """filelock's lock on `path`, once its folder is private and the file a regular one."""
    folder = os.path.dirname(path)
    _check_private(folder)
    os.close(open_regular(path, os.O_RDWR | os.O_CREAT))  # refuses a link, a FIFO, a folder
    return UnixFileLock(path, mode=PRIVATE_MODE)


def _check_private(folder: str) -> None:
    """StoreError unless `folder` is a folder (not a link to one) of this user's that nobody
    else can write to: there, nobody else can plant a link for filelock to follow."""
    try:
        status = os.lstat(folder)
    except OSError as error:
        raise StoreError(f"cannot lock in {folder}: {error.strerror}") from None
    mode = status.st_mode
    if (
        not stat.S_ISDIR(mode)
        or status.st_uid != os.geteuid()
        or mode & (stat.S_IWGRP | stat.S_IWOTH)
    ):
        raise StoreError(
            f"refusing to lock in {folder} (mode {mode & 0o7777:04o}): a spool's folder must be "
            "a folder of yours that nobody else can write to; chmod 0700 it"
        )
