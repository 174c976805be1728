"""Every signal meant for pulumi reaches it exactly once (PULUMI-FACTS, "Signals").

Three senders, each for real: the terminal (a pseudo-terminal and a written ^C), a kill(2)
aimed at the shim's pid, and a kill aimed at the shim's process group without a terminal.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import subprocess
import termios
import threading
import time

import pytest
from conftest import SHIM, which

ENGINE = {"FAKE_PULUMI_DURATION": "30", "FAKE_PULUMI_CANCEL_SECONDS": "1"}


class Terminal:
    """The shim as the foreground job of a fresh pseudo-terminal, its output drained."""

    def __init__(self, sandbox, *args: str, env: dict[str, str]) -> None:
        master, slave = os.openpty()
        self.master = master
        self.output = bytearray()

        def become_terminal_session() -> None:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            [str(SHIM), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**sandbox.env, **env},
            cwd=sandbox.project,
            start_new_session=True,
            preexec_fn=become_terminal_session,
        )
        os.close(slave)
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not data:
                return
            self.output.extend(data)

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait(self, timeout: float = 60) -> int:
        code = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=5)
        os.close(self.master)
        return code


def _signals_seen(sandbox) -> list[str]:
    return [event["signal"] for event in sandbox.standin_events("signal")]


def test_ctrl_c_at_a_terminal_reaches_pulumi_once(sandbox):
    term = Terminal(sandbox, "up", "--yes", env=ENGINE)
    sandbox.wait_for_standin("ready")
    (start,) = sandbox.standin_events("start")
    assert start["tty"]["stdin"] and start["foreground"]
    term.type(b"\x03")
    code = term.wait()
    assert _signals_seen(sandbox) == ["SIGINT"]
    assert code == 1, bytes(term.output)
    assert b"cancelling" in term.output
    end = sandbox.records()[-1]
    assert end["outcome"] == "canceled"
    assert end["signals"] == ["SIGINT"]
    assert end["event"] == "stack-update-canceled"


def test_a_second_ctrl_c_terminates_at_once(sandbox):
    env = {**ENGINE, "FAKE_PULUMI_CANCEL_SECONDS": "30"}
    term = Terminal(sandbox, "up", "--yes", env=env)
    sandbox.wait_for_standin("ready")
    term.type(b"\x03")
    sandbox.wait_for_standin("signal", 1)
    term.type(b"\x03")
    started = time.monotonic()
    code = term.wait()
    assert time.monotonic() - started < 20
    assert _signals_seen(sandbox) == ["SIGINT", "SIGINT"]
    assert sandbox.records()[-1]["exit_code"] == code
    # pulumi got both (above). The shim only watches terminal signals, and two that are still
    # pending at the shim merge into one, as standard signals do: the record lists one or two.
    assert sandbox.records()[-1]["signals"] in (["SIGINT"], ["SIGINT", "SIGINT"])


def test_kill_aimed_at_the_shim_with_a_terminal_is_forwarded_once(sandbox):
    term = Terminal(sandbox, "up", "--yes", env=ENGINE)
    sandbox.wait_for_standin("ready")
    os.kill(term.proc.pid, signal.SIGTERM)
    assert term.wait() == 1
    assert _signals_seen(sandbox) == ["SIGTERM"]


def _background(sandbox, *args: str, new_session: bool, env: dict[str, str] | None = None):
    return subprocess.Popen(
        [str(SHIM), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**sandbox.env, **ENGINE, **(env or {})},
        cwd=sandbox.project,
        start_new_session=new_session,
    )


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_signal_to_the_shims_pid_reaches_pulumi_once(sandbox, name):
    """The Node Automation API cancels with proc.kill("SIGINT"): the shim's pid alone."""
    proc = _background(sandbox, "up", "--yes", new_session=False)
    sandbox.wait_for_standin("ready")
    os.kill(proc.pid, getattr(signal, name))
    assert proc.wait(timeout=60) == 1
    assert _signals_seen(sandbox) == [name]
    end = sandbox.records()[-1]
    assert end["outcome"] == "canceled" and end["signals"] == [name]


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_signal_to_the_shims_group_without_a_terminal_reaches_pulumi_once(sandbox, name):
    """CI runners signal the whole process group."""
    proc = _background(sandbox, "up", "--yes", new_session=True)
    sandbox.wait_for_standin("ready")
    os.killpg(proc.pid, getattr(signal, name))
    assert proc.wait(timeout=60) == 1
    assert _signals_seen(sandbox) == [name]
    (start,) = sandbox.standin_events("start")
    assert start["pgid"] != proc.pid, "pulumi must not share the group a CI runner signals"


def test_two_group_signals_make_pulumi_terminate(sandbox):
    env = {"FAKE_PULUMI_CANCEL_SECONDS": "30"}
    proc = _background(sandbox, "up", "--yes", new_session=True, env=env)
    sandbox.wait_for_standin("ready")
    os.killpg(proc.pid, signal.SIGINT)
    sandbox.wait_for_standin("signal", 1)
    time.sleep(0.2)  # beyond the duplicate window: a human's second ^C
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=30)
    assert _signals_seen(sandbox) == ["SIGINT", "SIGINT"]


def test_coreutils_timeout_reaches_pulumi_once(sandbox):
    """`timeout` signals its child and then its own process group: one signal for pulumi."""
    result = subprocess.run(
        [which("timeout"), "-s", "INT", "2", str(SHIM), "up", "--yes"],
        env={**sandbox.env, **ENGINE},
        cwd=sandbox.project,
        capture_output=True,
        timeout=60,
    )
    assert _signals_seen(sandbox) == ["SIGINT"]
    assert result.returncode == 124  # timeout's own status when it had to signal
    assert sandbox.records()[-1]["outcome"] == "canceled"


def test_pulumi_survives_a_sigkilled_shim_and_the_log_shows_a_start_only(sandbox):
    proc = _background(sandbox, "up", "--yes", new_session=True, env={"FAKE_PULUMI_DURATION": "2"})
    sandbox.wait_for_standin("ready")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    (exit_event,) = sandbox.wait_for_standin("exit", timeout=60)
    assert exit_event["code"] == 0
    assert [record["phase"] for record in sandbox.records()] == ["start"]
    listing = sandbox.run("audit", "log")
    assert b"unfinished" in listing.stdout


def test_signals_ignored_at_start_stay_ignored(sandbox):
    def ignore_int() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    proc = subprocess.Popen(
        [str(SHIM), "stack", "ls"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**sandbox.env, "FAKE_PULUMI_DURATION": "1"},
        cwd=sandbox.project,
        preexec_fn=ignore_int,
    )
    sandbox.wait_for_standin("start")
    os.kill(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    assert sandbox.records()[-1]["signals"] == []


def _process_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().rsplit(")", 1)[1].split()[0]


def _wait_state(pid: int, wanted: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _process_state(pid) == wanted:
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} never reached state {wanted}")


def _wait_for_output(output: bytearray, pattern: bytes, timeout: float = 60) -> re.Match:
    """Wait for `pattern` in what the terminal printed. Patterns need a digit or a word the
    terminal's echo of the typed line cannot contain."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, bytes(output))
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{pattern!r} never appeared: {bytes(output)[-400:]!r}")


def test_ctrl_z_and_fg_under_an_interactive_shell(sandbox):
    """Job control: ^Z stops pulumi and the shim, bash reports the job stopped, fg resumes."""
    bash = which("bash")
    env = {**sandbox.env, **ENGINE, "FAKE_PULUMI_DURATION": "3", "PS1": "$ "}
    pid, master = pty.fork()
    if pid == 0:
        os.chdir(sandbox.project)
        os.execve(bash, [bash, "--norc", "--noprofile", "-i"], env)
    output = bytearray()

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            output.extend(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        os.write(master, f"{SHIM} up --yes\n".encode())
        sandbox.wait_for_standin("ready")
        (start,) = sandbox.standin_events("start")
        pulumi_pid, shim_pid = start["pid"], start["ppid"]
        os.write(master, b"\x1a")
        _wait_state(pulumi_pid, "T")
        _wait_state(shim_pid, "T")
        _wait_for_output(output, rb"Stopped")
        os.write(master, b"echo STOPPED=$?\n")
        # 148 = 128 + SIGTSTP: what bash reports for a bare pulumi stopped by ^Z.
        assert _wait_for_output(output, rb"STOPPED=(\d+)").group(1) == b"148"
        os.write(master, b"fg; echo EXIT=$?\n")
        assert _wait_for_output(output, rb"EXIT=(\d+)").group(1) == b"0"
        os.write(master, b"exit\n")
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        reader.join(timeout=5)
        os.close(master)
    assert _signals_seen(sandbox) == []
    end = sandbox.records()[-1]
    assert end["outcome"] == "succeeded"


@pytest.mark.parametrize(
    ("answer", "code", "outcome"), [("yes", 0, "succeeded"), ("no", 1, "failed")]
)
def test_the_confirmation_prompt_works_through_the_shim(sandbox, answer, code, outcome):
    """A terminal stays a terminal: pulumi sees a tty, colours its output and can prompt."""
    term = Terminal(sandbox, "up", env={"FAKE_PULUMI_DURATION": "0"})
    sandbox.wait_for_standin("prompt-shown")
    term.type(answer.encode() + b"\r")
    assert term.wait() == code
    (start,) = sandbox.standin_events("start")
    assert start["tty"] == {"stdin": True, "stdout": True, "stderr": True}
    assert b"\x1b[" in term.output, "pulumi colours its output on a terminal"
    assert b"Do you want to perform this update?" in term.output
    assert sandbox.records()[-1]["outcome"] == outcome
