"""The processes above the shim: what started pulumi (a shell, an agent, an IDE, cron...)."""

import os

MAX_PARENTS = 4
_STAT_BYTES = 4096


def parent_commands(limit: int = MAX_PARENTS) -> list[str]:
    """Command names of the parent processes, nearest first, read from /proc.

    One read of /proc/<pid>/stat per process gives both its name (the same 15-character
    `comm` that /proc/<pid>/comm holds) and its parent. The walk ends after pid 1, at pid 0
    (no parent: a process of another pid namespace or the kernel) or at the first process
    that cannot be read.
    """
    names: list[str] = []
    pid = os.getppid()
    while pid > 0 and len(names) < limit:
        found = _comm_and_parent(pid)
        if found is None:
            break
        names.append(found[0])
        if pid == 1:
            break
        pid = found[1]
    return names


def _comm_and_parent(pid: int) -> tuple[str, int] | None:
    try:
        fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        data = os.read(fd, _STAT_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    # `pid (comm) state ppid ...`; comm may itself hold spaces and parentheses.
    open_paren, close_paren = data.find(b"("), data.rfind(b")")
    if open_paren < 0 or close_paren < open_paren:
        return None
    fields = data[close_paren + 1 :].split(None, 2)
    if len(fields) < 2 or not fields[1].isdigit():
        return None
    name = data[open_paren + 1 : close_paren].decode("utf-8", "replace")
    return name, int(fields[1])
