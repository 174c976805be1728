"""Find the real pulumi binary, never this shim, and stop shim-to-shim loops."""

import os

from pulumi_audited.errors import EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, ShimError

# Set in the environment pulumi receives: "<pid of the handing shim>:<depth>".
HANDOFF_VARIABLE = "PULUMI_AUDITED_SHIM"
MAX_DEPTH = 8
_SHIM_MARKER = b"from pulumi_audited.shim import"


def check_for_loop(environ: os._Environ | dict[str, str]) -> int:
    """Raise when this process was started by a shim without pulumi in between; return the depth.

    A shim that execs pulumi keeps its pid, and one that spawns pulumi is its parent: either
    way, a shim that finds the handing shim's pid as its own pid or its parent's was started
    by a shim directly, so the "real pulumi" it was given is a shim. Loops through wrapper
    scripts are caught by the depth.
    """
    handoff = environ.get(HANDOFF_VARIABLE, "")
    pid_text, _, depth_text = handoff.partition(":")
    depth = int(depth_text) if depth_text.isdigit() else 0
    if pid_text and pid_text in (str(os.getpid()), str(os.getppid())):
        raise ShimError(
            "the pulumi this shim runs is a pulumi-audited shim again (a loop); "
            "set PULUMI_AUDITED_PULUMI to the real pulumi binary"
        )
    if depth >= MAX_DEPTH:
        raise ShimError(
            f"{depth} pulumi-audited shims are running inside each other (a loop through a "
            "wrapper script?); set PULUMI_AUDITED_PULUMI to the real pulumi binary"
        )
    return depth


def handoff_value(depth: int) -> str:
    return f"{os.getpid()}:{depth + 1}"


def find_pulumi(configured: str | None, source: str, environ: os._Environ | dict[str, str]) -> str:
    """The path of the real pulumi. `configured` comes from the environment or a config file.

    Raises ShimError with exit 127 when nothing is found and 126 when the file found cannot be
    executed.
    """
    if configured:
        return _check_executable(configured, source)
    own = _own_paths()
    searched = []
    for directory in environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(directory or ".", "pulumi")
        searched.append(directory or ".")
        if not os.path.isfile(candidate) or not os.access(candidate, os.X_OK):
            continue
        if os.path.realpath(candidate) in own or _is_shim(candidate):
            continue
        return candidate
    raise ShimError(
        "cannot find the real pulumi: PULUMI_AUDITED_PULUMI is not set, no 'pulumi:' setting "
        f"in a config file, and no pulumi other than this shim on PATH "
        f"({os.pathsep.join(searched) or 'empty'}); install pulumi or set "
        "PULUMI_AUDITED_PULUMI=/path/to/pulumi",
        EXIT_NOT_FOUND,
    )


def _check_executable(path: str, source: str) -> str:
    if not os.path.exists(path):
        raise ShimError(f"the pulumi named by {source} does not exist: {path}", EXIT_NOT_FOUND)
    if os.path.isdir(path) or not os.access(path, os.X_OK):
        raise ShimError(
            f"the pulumi named by {source} is not an executable file: {path}", EXIT_NOT_EXECUTABLE
        )
    if _is_shim(path):
        raise ShimError(
            f"the pulumi named by {source} is a pulumi-audited shim, not the real pulumi: {path}"
        )
    return path


def _own_paths() -> set[str]:
    import sys

    own = {os.path.realpath(sys.argv[0])} if sys.argv and sys.argv[0] else set()
    own.add(os.path.realpath(os.path.join(os.path.dirname(sys.executable), "pulumi-audited")))
    return own


def _is_shim(path: str) -> bool:
    """A console script of this package (any installation of it), judged by its first bytes."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(1024)
    except OSError:
        return False
    return head.startswith(b"#!") and _SHIM_MARKER in head
