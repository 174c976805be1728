"""The OS account running pulumi: its login name and home folder."""

import os
import pwd

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def home_directory(environ: "Mapping[str, str]") -> str:
    """$HOME, as git and `~` read it, else the password database's answer."""
    home = environ.get("HOME")
    if home:
        return home
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return "/"


def expand_home(path: str, environ: "Mapping[str, str]") -> str:
    if path == "~" or path.startswith("~/"):
        return home_directory(environ) + path[1:]
    return path


def os_user_name(environ: "Mapping[str, str]") -> str | None:
    """The login name of the real user id, which is what pulumi's self-managed backends report."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return environ.get("LOGNAME") or environ.get("USER") or None
