"""The writer of a remote log: records are made durable in the spool (store/spool.py) and
shipped to the store by a detached shipper (store/shipper.py), so that pulumi never waits on
the network, except under `on_failure: block`, where the store must acknowledge the start
record before pulumi runs.

When to start a shipper, how long to wait for it after pulumi, and what to say when records
are stuck: the whole shipping policy, as the shim sees it. On the shim's hot path for a remote
log: nothing heavier than the spool itself is imported until a shipper is needed.
"""

import os
import time

from pulumi_audited.store.detached import lock_is_free, start_detached, still_running
from pulumi_audited.store.location import public_location
from pulumi_audited.store.spool import SHIP_LOCK, Spool
from pulumi_audited.store.worker_folder import FAILED, READY, SHIPPING, STARTING

# A shipper silent this long is reported; a healthy one answers within a second.
_STUCK_SECONDS = 2.0


class SpooledWriter:
    """A remote log as a Writer (store/base.py)."""

    def __init__(
        self, location: str, *, lock_timeout: float, remote_timeout: float, ship_wait: float
    ) -> None:
        self.spool = Spool.for_location(location, lock_timeout=lock_timeout)
        self.remote_timeout = remote_timeout
        self.ship_wait = ship_wait
        self.last_spooled: str | None = None  # the pending file of the last record appended
        self.shipper_pid: int | None = None  # the shipper this writer started

    def append(self, record: dict) -> None:
        self.last_spooled = self.spool.append(record)

    def confirm(self) -> str | None:
        if self.last_spooled is None:
            return "nothing was spooled"
        from pulumi_audited.store.shipper import ship_with_deadline

        reason = ship_with_deadline(self.spool, self.last_spooled, self.remote_timeout)
        if reason is None:
            return None
        return f"the audit store did not acknowledge the start record: {reason}"

    def hand_off(self, *, while_pid: int | None) -> None:
        """Hand the spool to a detached shipper (unless one is at work already)."""
        if self.last_spooled is None:
            return
        if self.shipper_pid is not None and still_running(self.shipper_pid):
            return  # it stays while this process lives, and looks once more when it ends
        self.shipper_pid = nudge_shipper(
            self.spool, timeout=self.remote_timeout, while_pid=while_pid
        )

    def finish(self) -> str | None:
        """Start shipping the end record, wait for it a little when a shipper is warm
        already, and say so when records are stuck in the spool."""
        if self.last_spooled is None:
            return None
        # Read first: a shipper started now would overwrite a failure with "starting".
        status = self.spool.status()
        self.hand_off(while_pid=None)
        return unshipped_warning(self.spool, self.last_spooled, status, self.ship_wait)


def unshipped_warning(spool: Spool, name: str, status: dict, ship_wait: float) -> str | None:
    """What the shim says, after pulumi, when records are left in the spool and something
    says they are stuck; None otherwise. `name` is the run's last record, `status` the
    shipper's status read before the shim nudged a shipper. Waits up to `ship_wait` for a
    verdict when a shipper is at work and no failure is known."""
    waited = 0.0
    if ship_wait > 0 and _worth_waiting(status):
        status = _wait_until_shipped(spool, name, ship_wait)
        if os.path.exists(os.path.join(spool.pending_folder, name)):
            waited = ship_wait
    pending = spool.pending()
    if not pending:
        return None
    reason = _unshipped_reason(status, waited)
    if reason is None:
        return None
    location = public_location(spool.location)
    return (
        f"{len(pending)} audit record(s) wait in {spool.pending_folder} for {location}: "
        f"{reason}; they are shipped by the next run or by 'pulumi-audited audit sync'"
    )


def _worth_waiting(status: dict) -> bool:
    """Whether nothing is known yet about the store (this spool's first shipper is starting,
    or none ever ran for it), or a ready shipper will ship the end record in a moment. After
    a success the shim does not wait: the store worked a moment ago, and a shipper started
    after pulumi ended needs longer than a short run took."""
    if not status:
        return True
    state = status.get("state")
    if state == READY:
        return True
    return (
        state in (STARTING, SHIPPING)
        and not status.get("last_error")
        and not status.get("worked")
        and _silent(status) < _STUCK_SECONDS
    )


def _unshipped_reason(status: dict, waited: float) -> str | None:
    state = status.get("state")
    if state == FAILED:
        return status.get("error") or "the shipper failed"
    if status.get("last_error"):  # tried again after a failure; nothing got through yet
        return status["last_error"]
    if state in (STARTING, SHIPPING) or (not status and waited):
        silent = _silent(status)
        if silent >= _STUCK_SECONDS:
            return f"the store has not answered for {silent:.0f} s"
        if waited:
            return f"the store did not acknowledge them within {waited:g} s"
    return None


def _wait_until_shipped(spool: Spool, name: str, seconds: float) -> dict:
    """Poll until the pending file `name` is gone, the shipper failed, or `seconds` passed;
    the shipper's last status."""
    path = os.path.join(spool.pending_folder, name)
    deadline = time.monotonic() + seconds
    while True:
        status = spool.status()
        if not os.path.exists(path) or status.get("state") == FAILED:
            return status
        if time.monotonic() >= deadline:
            return status
        time.sleep(0.005)


def _silent(status: dict) -> float:
    """Seconds since the shipper last wrote its status."""
    now = time.time()
    try:
        return now - float(status.get("time") or now)
    except (TypeError, ValueError):
        return 0.0


# Starting the shipper


def nudge_shipper(spool: Spool, *, timeout: float, while_pid: int | None = None) -> int | None:
    """Make sure a shipper will see what was just spooled; the pid of the one started, if any.

    A shipper that holds ship.lock rescans after releasing it, so a record spooled before this
    check is always seen: start one only when the lock is free."""
    if not lock_is_free(os.path.join(spool.folder, SHIP_LOCK)):
        return None  # a shipper is at work and will pick it up
    return start_detached("shipper", [spool.folder], timeout=timeout, while_pid=while_pid)
