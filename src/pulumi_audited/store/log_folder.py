"""The local log's folder, opened so that nobody else can steer what the writers touch.

A writer opens the folder once and every file in it relative to that descriptor, never
following a symbolic link and never blocking on a FIFO: a file planted in the folder cannot
redirect records into another file or hang the shim. The folder itself must be the user's own
and writable by nobody else, or a group-shared folder: setgid and group-writable, not
world-writable, owned by the user or with the user in its group. In a group-shared folder the
files are made 0660 so that every member can append and take the lock; elsewhere they are 0600.

This module is on the shim's hot path: it imports only modules `os` and the local log load
anyway (stat, errno); looking up user and group names is left for the messages.
"""

import errno
import os
import stat

from pulumi_audited.errors import StoreError

PRIVATE_MODE = 0o600
SHARED_MODE = 0o660

_OPEN_FLAGS = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


def open_regular(
    path: str, flags: int, mode: int = PRIVATE_MODE, *, dir_fd=None, shown: str | None = None
) -> int:
    """A descriptor for the regular file at `path` (relative to `dir_fd` when given; `shown`
    names it in messages), opened with `flags` plus O_NOFOLLOW and without waiting for a
    FIFO's other end; StoreError for a symbolic link, a FIFO, a folder or any other file that
    is not regular, or that cannot be opened. FileNotFoundError passes through."""
    try:
        fd = os.open(path, flags | _OPEN_FLAGS, mode, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise StoreError(_not_a_file(shown or path, "a symbolic link")) from None
        if error.errno == errno.ENXIO:  # a socket, or a FIFO opened for writing only
            raise StoreError(_not_a_file(shown or path, "a socket or FIFO")) from None
        if error.errno == errno.EISDIR:
            raise StoreError(_not_a_file(shown or path, "a folder")) from None
        if isinstance(error, FileNotFoundError):
            raise
        raise StoreError(f"cannot open {shown or path}: {error.strerror}") from None
    try:
        kind = os.fstat(fd).st_mode
        if not stat.S_ISREG(kind):
            raise StoreError(_not_a_file(shown or path, _kind_name(kind)))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _kind_name(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _not_a_file(path: str, kind: str) -> str:
    return f"{path} is {kind}, not a file of the audit log: remove it"


class LogFolder:
    """The log folder, checked and held open; its files opened relative to it."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self.fd = os.open(path, _FOLDER_FLAGS)
        except FileNotFoundError:
            os.makedirs(path, mode=0o700, exist_ok=True)
            self.fd = os.open(path, _FOLDER_FLAGS)
        except PermissionError:
            _check_folder(path, os.stat(path))  # say why, when it is not ours to use
            raise
        try:
            self.shared = _check_folder(path, os.fstat(self.fd))
        except BaseException:
            os.close(self.fd)
            raise
        self.file_mode = SHARED_MODE if self.shared else PRIVATE_MODE

    def __enter__(self) -> "LogFolder":
        return self

    def __exit__(self, *exc_info: object) -> None:
        os.close(self.fd)

    def join(self, name: str) -> str:
        return os.path.join(self.path, name)

    def names(self) -> list[str]:
        return os.listdir(self.fd)

    def open(self, name: str, flags: int) -> int:
        """A regular file of the folder; created with the folder's file mode, which a file this
        user owns is given when the umask took bits from it."""
        fd = open_regular(name, flags, self.file_mode, dir_fd=self.fd, shown=self.join(name))
        if self.shared:
            try:
                status = os.fstat(fd)
                if status.st_uid == os.geteuid() and status.st_mode & 0o777 != SHARED_MODE:
                    os.fchmod(fd, SHARED_MODE)
            except BaseException:
                os.close(fd)
                raise
        return fd

    def sync(self) -> None:
        """Make new names in the folder durable."""
        try:
            os.fsync(self.fd)
        except OSError:
            pass


def _check_folder(path: str, status: os.stat_result) -> bool:
    """Whether the folder is group-shared; StoreError when others could write to it."""
    mode = status.st_mode
    mine = status.st_uid == os.geteuid()
    shared = bool(mode & stat.S_ISGID and mode & stat.S_IWGRP) and not mode & stat.S_IWOTH
    if shared and (mine or _in_group(status.st_gid)):
        return True
    if mine and not mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    if mode & stat.S_IWOTH:
        why = "anyone can write to it; chmod 0700 it for a private log, or 2770 to share it"
    elif shared:
        why = f"it is shared with the group {_group_name(status.st_gid)}, which you are not in"
    elif not mine:
        why = (
            "it belongs to another user; use a folder of your own, or a group-shared one "
            "(setgid, mode 2770)"
        )
    else:
        why = (
            "its group can write to it but it is not group-shared (setgid); chmod 0700 it "
            "for a private log, or 2770 to share it"
        )
    owner = _user_name(status.st_uid)
    raise StoreError(
        f"refusing the log folder {path} (mode {mode & 0o7777:04o}, owner {owner}): {why}"
    )


def _in_group(gid: int) -> bool:
    return gid == os.getegid() or gid in os.getgroups()


def _user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
