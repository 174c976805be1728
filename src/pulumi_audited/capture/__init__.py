"""Who ran pulumi, where and how: one module per source (the OS account, git, CI, the agent...).

Here: what the sources share. The OS account (its name and home folder, which git's and
pulumi's files are found under); the readers of small files (never blocking on a FIFO, never
reading more than a file holds); and `trim`, Go's string rule that the agent detection and
the agents' settings readers both apply (agent_settings loads only when a run needs it).
Kept here rather than in modules of their own: every recorded run loads this package anyway,
and each module costs the shim's start-up about 70 µs.
"""

import os
import pwd
import stat

from pulumi_audited import fastjson

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

_MAX_SMALL_FILE_BYTES = 1 << 20

# Go's strings.TrimSpace trims unicode.IsSpace; Python's strip() would also take \x1c-\x1f.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
_GO_SPACE += "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def trim(text: str) -> str:
    """Go's strings.TrimSpace."""
    return text.strip(_GO_SPACE)


def read_small_file(path: str, limit: int = _MAX_SMALL_FILE_BYTES) -> bytes | None:
    """The bytes of a regular file of at most `limit` bytes; None for anything else.

    Never blocks (a FIFO in the way is refused) and allocates only what the file needs:
    `read(limit)` would allocate the whole limit up front, which costs more than the read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError):
        return None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
            return None
        return os.read(fd, status.st_size + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_json_file(path: str) -> object:
    """The parsed content of a small JSON file; None when it is missing, too big or not JSON.

    Decoded here rather than by fastjson, whose `utf-8-sig` codec costs an import on first use.
    """
    data = read_small_file(path)
    if data is None:
        return None
    try:
        text = data.decode("utf-8")
        return fastjson.loads(text[1:] if text.startswith("\ufeff") else text)
    except Exception:  # not UTF-8, not JSON, nested too deep: all mean "unknown"
        return None


def read_small_text(path: str) -> str | None:
    data = read_small_file(path)
    return None if data is None else data.decode("utf-8", "replace")


_entry: list = []  # the password database's entry for this process's user, once read


def password_entry() -> "pwd.struct_passwd | None":
    """The real user's entry in the password database (read once: every read of it opens
    nsswitch.conf and /etc/passwd), None when it has none."""
    if not _entry:
        try:
            _entry.append(pwd.getpwuid(os.getuid()))
        except KeyError:
            _entry.append(None)
    return _entry[0]


def account_home() -> str:
    """The home folder the password database gives, "" without one."""
    entry = password_entry()
    return entry.pw_dir if entry is not None else ""


def home_directory(environ: "Mapping[str, str]") -> str:
    """$HOME, as git and `~` read it, else the password database's answer."""
    return environ.get("HOME") or account_home() or "/"


def expand_home(path: str, environ: "Mapping[str, str]") -> str:
    if path == "~" or path.startswith("~/"):
        return home_directory(environ) + path[1:]
    return path


def os_user_name(environ: "Mapping[str, str]") -> str | None:
    """The login name of the real user id, which is what pulumi's self-managed backends report."""
    entry = password_entry()
    if entry is not None:
        return entry.pw_name
    return environ.get("LOGNAME") or environ.get("USER") or None
