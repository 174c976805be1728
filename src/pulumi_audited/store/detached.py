"""Starting the detached processes that work after the shim has made records durable: the
shipper of a spool (store/shipper.py), the forwarder of sink queues (store/forwarder.py) and
a local log's daily checkpoint (store/witness_daily.py). On the shim's hot path: os and fcntl
only.
"""

import os
import sys

_CODE = (
    # -c puts the working directory first on sys.path: take it off, so that nothing in a
    # project folder can stand in for the shipper. Niced: it must not slow pulumi down.
    "import os, sys; del sys.path[0]; os.nice(10); "
    "from pulumi_audited.store.{module} import main; os._exit(main())"
)


def lock_is_free(path: str) -> bool:
    """Whether nobody holds the flock on `path` (the lock a shipper holds while it works)."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def start_detached(
    module: str,
    folders: list[str],
    *,
    timeout: float,
    while_pid: int | None = None,
    options: list[str] | None = None,
) -> int | None:
    """A process running store.<module>'s main on `folders` (and `options`): its own session
    (no terminal signals), no stdio, default signal mask. Nobody waits for it."""
    code = _CODE.format(module=module)
    argv = [sys.executable, "-c", code, *folders, "--timeout", f"{timeout:g}", *(options or [])]
    if while_pid is not None:
        argv += ["--while", str(while_pid)]
    try:
        return os.posix_spawn(
            argv[0],
            argv,
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_DUP2, 1, 2),
            ],
            setsid=True,
            setsigmask=(),
        )
    except OSError:
        return None


def still_running(pid: int) -> bool:
    """Whether a child this process started is still running (reaping it when it is not)."""
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return False
