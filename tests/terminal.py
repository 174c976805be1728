"""The installed tool on a real pseudo-terminal, as a person at a terminal runs it: the child
gets the terminal as its controlling terminal (so a pager such as less reads its keys from
it), a window size, and keys typed when its output goes quiet."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable
from pathlib import Path

# Escape sequences a terminal acts on rather than shows: CSI (colours, cursor), OSC (titles),
# character-set and keypad switches.
_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78M]"
)


def visible(output: str) -> str:
    """The text a terminal shows for `output`: sequences it acts on removed, no carriage
    returns. Sequences it does not act on (a pager that shows them as `ESC[1m`) stay."""
    return _SEQUENCE.sub("", output).replace("\r", "")


class Terminal:
    """A child process on a new pseudo-terminal of `rows` x `columns`."""

    def __init__(
        self, argv: list[str], *, env: dict[str, str], cwd: Path, rows: int, columns: int
    ) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

        def controlling_terminal() -> None:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.child = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            preexec_fn=controlling_terminal,
        )
        os.close(slave)
        self.raw = b""
        self.closed = False

    @property
    def output(self) -> str:
        return self.raw.decode("utf-8", "replace")

    @property
    def screen(self) -> str:
        return visible(self.output)

    def read(self, wait: float) -> bool:
        """Read what arrives within `wait` seconds; False when nothing did."""
        if self.closed:
            return False
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: every process using the terminal has ended
            chunk = b""
        if not chunk:
            self.closed = True
            return False
        self.raw += chunk
        return True

    def wait_for(self, done: Callable[[str], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done(self.screen):
            if time.monotonic() > deadline or self.closed:
                raise AssertionError(f"the screen never showed what was expected:\n{self.screen}")
            self.read(0.2)

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def interrupt(self) -> None:
        """Ctrl-C: SIGINT to the terminal's foreground process group."""
        os.killpg(self.child.pid, signal.SIGINT)

    def finish(self, timeout: float = 30) -> int:
        """Read until the child and everything it started have let go of the terminal."""
        deadline = time.monotonic() + timeout
        try:
            while not self.closed:
                if time.monotonic() > deadline:
                    raise AssertionError(f"still running after {timeout}s:\n{self.screen}")
                if not self.read(0.2) and self.child.poll() is not None:
                    self.read(0.2)
                    break
        finally:
            if self.child.poll() is None:
                self.child.kill()
            returncode = self.child.wait(timeout=10)
            os.close(self.master)
        return returncode


class Session:
    def __init__(self, terminal: Terminal, returncode: int, keys_typed: int) -> None:
        self.output = terminal.output
        self.screen = terminal.screen
        self.returncode = returncode
        self.keys_typed = keys_typed


def run(
    argv: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    rows: int = 40,
    columns: int = 120,
    key_when_quiet: bytes | None = None,
    quiet: float = 0.7,
    timeout: float = 30,
) -> Session:
    """Run `argv` on a new terminal until it ends; when its output has been quiet for `quiet`
    seconds and it still runs, type `key_when_quiet` (a pager waits for a key to quit)."""
    terminal = Terminal(argv, env=env, cwd=cwd, rows=rows, columns=columns)
    typed = 0
    deadline = time.monotonic() + timeout
    while not terminal.closed and time.monotonic() < deadline:
        if terminal.read(quiet):
            continue
        if terminal.child.poll() is not None:
            break
        if key_when_quiet is not None and typed < 5:
            terminal.type(key_when_quiet)
            typed += 1
    returncode = terminal.finish(timeout=max(1.0, deadline - time.monotonic()))
    return Session(terminal, returncode, typed)
