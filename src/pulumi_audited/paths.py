"""Where pulumi-audited keeps its files: platformdirs' answer, without its import cost.

Importing platformdirs costs about 12 ms here, most of the time the shim may add to a pulumi
command. On Linux its rules for the four folders the shim needs (the user's data, config and
cache folders, and the machine's config folder) are short, so they are repeated here, and
tests/test_paths.py checks them against platformdirs itself. Where start-up does not matter
(the viewer's own caches and what `audit config` shows), and off Linux, platformdirs is asked.
"""

import os
import sys
from _thread import get_ident

APP_NAME = "pulumi-audited"

_XDG_DEFAULTS = {
    "user_data": ("XDG_DATA_HOME", "~/.local/share"),
    "user_config": ("XDG_CONFIG_HOME", "~/.config"),
    "user_cache": ("XDG_CACHE_HOME", "~/.cache"),
}


def app_dir(kind: str, *, exact: bool = False) -> str:
    """This app's folder of `kind`, named as platformdirs names its function: "user_data",
    "user_config", "user_cache" or "site_config". `exact`: ask platformdirs itself, for
    callers whose start-up does not matter; otherwise, on Linux, the import-free copy of its
    rules, which gives the same folder."""
    if exact or not sys.platform.startswith("linux"):
        import platformdirs

        answer = getattr(platformdirs, f"{kind}_dir")(APP_NAME, appauthor=False)
        # platformdirs before 4.14 (all Python 3.10 has) answers relative to the working
        # directory when HOME is relative: never a folder to keep records in.
        if os.path.isabs(answer) or not sys.platform.startswith("linux"):
            return answer
    if kind == "site_config":
        # The first absolute entry of XDG_CONFIG_DIRS, else /etc/xdg.
        for entry in os.environ.get("XDG_CONFIG_DIRS", "").split(os.pathsep):
            if os.path.isabs(entry):
                return os.path.join(entry, APP_NAME)
        return os.path.join("/etc/xdg", APP_NAME)
    variable, default = _XDG_DEFAULTS[kind]
    base = os.environ.get(variable, "")
    if not os.path.isabs(base):
        base = _home_based(default)
    return os.path.join(base, APP_NAME)


def _home_based(default: str) -> str:
    home = os.environ.get("HOME")
    if home is not None and not os.path.isabs(home):
        import pwd

        return pwd.getpwuid(os.getuid()).pw_dir.rstrip("/") + default[1:] or "/"
    return os.path.expanduser(default)


def user_data_dir() -> str:
    return app_dir("user_data")


def user_config_dir() -> str:
    return app_dir("user_config")


def user_cache_dir() -> str:
    return app_dir("user_cache")


def site_config_dir() -> str:
    """The machine-wide config folder an administrator writes."""
    return app_dir("site_config")


def ensure_private_dir(path: str) -> str:
    """Create `path` (and missing parents) as 0700 folders; an existing folder is left as is."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def replace_file(path: str, data: bytes, *, sync: bool = False) -> None:
    """Put `data` at `path` (0600) in one step: readers see the old file or the new one, never
    part of it. With `sync`, the bytes are on disk before the rename. Raises OSError, leaving
    no temporary file behind."""
    # Unique per process and thread: the shipper and the remote reader write from threads.
    temporary = f"{path}.{os.getpid()}-{get_ident()}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        try:
            if os.write(fd, data) != len(data):
                raise OSError(28, "short write (disk full?)")
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
