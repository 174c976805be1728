"""When a local log's checkpoint at its witness is due, once a UTC day, without `audit sync`:
after a run, the shim reads one small file and, on the first run of a day, starts a detached
process (store/checkpoint_witness.py's main) that signs and writes the checkpoint. The shim
pays a file read a run and a process start a day, never `cryptography` (docs/checkpoints.md).

`<log folder>/witness.day` says "<day> <retry after>": the UTC day of the last checkpoint
written (or found not needed: the log had not grown), and, after a failure, the Unix time
before which no run starts another attempt, with the error on a second line. A witness that
keeps failing is so tried every RETRY_SECONDS, not on every run. `<log folder>/witness.lock`
is held by whoever writes the checkpoint: that process or `audit sync`.

On the shim's hot path: os, time and what the local log loads anyway.
"""

from __future__ import annotations

import os
import time

from pulumi_audited.store.log_folder import open_regular

STATE = "witness.day"
LOCK = "witness.lock"
RETRY_SECONDS = 600
_NEVER = "-"


def utc_day(now: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(now))


def _parse(text: str) -> tuple[str, float, str | None]:
    """(day, retry after, error) from the state file's text; a torn or garbled one reads as
    never written."""
    first, _, rest = text.partition("\n")
    parts = first.split(" ")
    try:
        day, retry_after = parts[0], float(parts[1])
    except (IndexError, ValueError):
        return _NEVER, 0.0, None
    return day, retry_after, rest.strip() or None


def read_state(folder: str) -> tuple[str, float, str | None]:
    """(day of the last checkpoint, retry after, last error) of the log in `folder`.
    StoreError when the state is a symbolic link, a FIFO or anything but a file."""
    try:
        fd = open_regular(os.path.join(folder, STATE), os.O_RDONLY)
    except FileNotFoundError:
        return _NEVER, 0.0, None
    try:
        data = os.read(fd, 4096)
    finally:
        os.close(fd)
    return _parse(data.decode("utf-8", "replace"))


def due(state: tuple[str, float, str | None], now: float) -> bool:
    """Whether a checkpoint is to be written at `now`, by the state read_state gave."""
    day, retry_after, _error = state
    return day != utc_day(now) and now >= retry_after


def start_if_due(folder: str, witness: str, signing_key: str | None, *, timeout: float) -> None:
    """After a run: start the day's checkpoint at the witness unless it was written today or
    failed a short while ago. StoreError when the state file is not a file."""
    try:
        if not due(read_state(folder), time.time()):
            return
    except OSError:
        return  # the log itself could not be written: the run said so already
    from pulumi_audited.store.detached import start_detached

    options = [f"--witness={witness}"]  # one word each, whatever the value starts with
    if signing_key is not None:
        options.append(f"--key={signing_key}")
    start_detached("checkpoint_witness", [folder], timeout=timeout, options=options)
