"""Small regular files read without blocking: the readers every capture module shares."""

import os
import stat

from pulumi_audited import fastjson

_MAX_SMALL_FILE_BYTES = 1 << 20


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
