"""Real Unix users for the tests of shared and foreign log folders: made once (idempotently)
with groupadd/useradd, and a way to run the installed shim as one of them.

The tests run as root (CI does). Another account cannot always reach this machine's Python:
it may live under a 0700 folder such as /root. Then each command runs in a private mount
namespace where that folder is an empty 0755 tmpfs with only the folders the shim needs
mounted back in, so nothing outside the test changes; the command itself runs as the user
(setpriv: their uid, gid and groups, no capabilities left).
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

GROUP = "pa-infra"
MEMBERS = ("pa-alice", "pa-bob")
OUTSIDER = "pa-eve"
TESTS = Path(__file__).resolve().parent


def require_root() -> None:
    if os.geteuid() != 0:
        raise AssertionError(
            "this test needs root, to create the users pa-alice, pa-bob and pa-eve and to run "
            "commands as them (CI runs the suite as root): run it as root"
        )


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin:/bin")
    if not found:
        raise AssertionError(f"{name} is required by this test and is not installed")
    return found


def _run(*argv: str) -> None:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed: {result.stderr.strip()}")


def ensure_users() -> None:
    """The group pa-infra with pa-alice and pa-bob in it, and pa-eve outside it."""
    require_root()
    if subprocess.run(["getent", "group", GROUP], capture_output=True).returncode != 0:
        _run(_tool("groupadd"), GROUP)
    for user in (*MEMBERS, OUTSIDER):
        try:
            pwd.getpwnam(user)
        except KeyError:
            _run(_tool("useradd"), "--no-create-home", "--shell", "/usr/sbin/nologin", user)
        if user in MEMBERS:
            _run(_tool("usermod"), "--append", "--groups", GROUP, user)


def _hidden_ancestor(path: str) -> str | None:
    """The outermost folder above `path` that others cannot pass through, if any."""
    current = "/"
    for part in Path(path).parts[1:-1]:
        current = os.path.join(current, part)
        if not os.stat(current).st_mode & stat.S_IXOTH:
            return current
    return None


# Puts each hidden folder's needed subfolders aside, covers the folder with an empty 0755
# tmpfs, and mounts the subfolders back at their places. Arguments: stash folder, then
# "hidden:kept" pairs, then "--" and the command.
_REVEAL = """
set -e
umask 022
stash="$1"; shift
n=0
for pair in "$@"; do
  [ "$pair" = "--" ] && break
  n=$((n+1)); mkdir -p "$stash/$n"; mount --bind "${pair#*:}" "$stash/$n"
done
covered=" "
for pair in "$@"; do
  [ "$pair" = "--" ] && break
  hidden="${pair%%:*}"
  case "$covered" in *" $hidden "*) ;; *)
    mount -t tmpfs -o mode=755 tmpfs "$hidden"; covered="$covered$hidden " ;;
  esac
done
n=0
while [ "$1" != "--" ]; do
  n=$((n+1)); kept="${1#*:}"; mkdir -p "$kept"; mount --bind "$stash/$n" "$kept"; shift
done
shift
exec "$@"
"""


@dataclass
class Users:
    """Runs commands as the test users, with the shim's Python reachable."""

    stash: Path
    needed: tuple[str, ...]

    def command(self, user: str, argv: list[str]) -> list[str]:
        entry = pwd.getpwnam(user)
        as_user = [
            _tool("setpriv"),
            f"--reuid={entry.pw_uid}",
            f"--regid={entry.pw_gid}",
            "--init-groups",
            "--",
            *argv,
        ]
        pairs = []
        for path in self.needed:
            hidden = _hidden_ancestor(path)
            if hidden is not None:
                pairs.append(f"{hidden}:{path}")
        if not pairs:
            return as_user
        unshare = [_tool("unshare"), "--mount", "--propagation", "private"]
        return [*unshare, "sh", "-c", _REVEAL, "sh", str(self.stash), *pairs, "--", *as_user]

    def run(self, user: str, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("timeout", 120)
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.run(self.command(user, argv), **kwargs)

    def popen(self, user: str, argv: list[str], **kwargs) -> subprocess.Popen:
        return subprocess.Popen(self.command(user, argv), **kwargs)


def make_users(workdir: Path, stash: Path) -> Users:
    """Users who can run this checkout's shim and reach `workdir` (made 0755). `stash` is an
    empty folder outside any folder that may be covered (below /tmp, say)."""
    ensure_users()
    workdir.chmod(0o755)
    needed = {
        os.path.realpath(sys.base_prefix),
        os.path.realpath(sys.prefix),
        str(TESTS.parent),
        str(workdir),
    }
    return Users(stash, tuple(sorted(needed)))


def stash_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="pulumi-audited-stash-"))
