"""What the folders a detached worker serves have in common: a spool (store/spool.py, shipped
by store/shipper.py) and a sink's queue (store/forward_queue.py, sent by store/forwarder.py).

Each lives under its own root in the user's data folder, named by a hash of where its records
go, and holds a `status` file: what its last worker did, in one of the states below, which the
shim reads after pulumi to decide whether to warn. On the shim's hot path when a log is remote
or a sink is set: nothing beyond the spool's own imports.
"""

import os
import time

from pulumi_audited import fastjson, paths
from pulumi_audited.errors import StoreError
from pulumi_audited.store.chain import line_hash

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    Served = TypeVar("Served")

STATUS = "status"
# How often an idle worker looks for new records while the shim that started it runs.
POLL_SECONDS = 0.025

# Worker states, as written to `status`.
STARTING = "starting"  # loading the cloud SDK, opening the store
SHIPPING = "shipping"  # a request is under way
READY = "ready"  # everything delivered; waiting for more while the shim that started it runs
FAILED = "failed"  # gave up; `error` says why
DONE = "done"  # everything delivered; exited


def folder_for(root: str, destination: str) -> str:
    """The folder under `root` that holds what goes to `destination` (a location, a URL)."""
    return os.path.join(root, line_hash(destination.encode())[:16])


def existing(root: str, opener: "Callable[[str], Served]") -> "list[Served]":
    """`opener(folder)` for every folder under `root`, by name; those it refuses with
    StoreError (a stray file, a folder being created) are left out."""
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    found = []
    for name in names:
        try:
            found.append(opener(os.path.join(root, name)))
        except StoreError:
            continue
    return found


def read_status(folder: str) -> dict:
    """What the folder's last worker said; {} when it said nothing readable."""
    try:
        with open(os.path.join(folder, STATUS), "rb") as handle:
            value = fastjson.loads(handle.read())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def write_status(folder: str, state: str, error: str | None, **more: object) -> None:
    """Replace the folder's status: `state`, this process, now, `error`, and `more`."""
    status = {"state": state, "pid": os.getpid(), "time": time.time(), "error": error, **more}
    try:
        paths.replace_file(os.path.join(folder, STATUS), fastjson.dumps(status).encode())
    except OSError:
        pass  # the status only feeds a warning; delivery goes on without it


def until_idle(
    deliver: "Callable[[], bool | None]", say: "Callable[[str], None]", while_pid: int | None
) -> bool:
    """A worker's loop: deliver what waits until nothing does and `while_pid` has ended, ready
    meanwhile to deliver the end record at once. `deliver()` gives None when nothing waited,
    False when delivering failed (having said why in the status), True when it delivered.
    False when a delivery failed."""
    ready_said = False
    while True:
        delivered = deliver()
        if delivered is False:
            return False
        if delivered:
            ready_said = False
            continue
        if pid_alive(while_pid):
            if not ready_said:
                say(READY)
                ready_said = True
            time.sleep(POLL_SECONDS)
            continue
        say(DONE)
        return True


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id exists (on this machine)."""
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, and belongs to someone else
    return True
