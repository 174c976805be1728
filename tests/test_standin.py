"""Tests of the pulumi stand-in (tests/standin/pulumi) itself, run directly: its process half.

The stand-in is executed as a real subprocess through its shebang
(`#!/usr/bin/env python3`). PATH starts with a private folder whose
`python3` is this interpreter (or $STANDIN_PYTHON, to try the stand-in on
another Python), so no version-manager shim rewrites its environment.
It keeps no pulumi state (project, backend, stack, workspace, credentials,
config, history), so nothing here tests any.
"""

from __future__ import annotations

import hashlib
import json
import os
import pty
import pwd
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

STANDIN = Path(__file__).resolve().parent / "standin" / "pulumi"
TIMEOUT = 120.0  # generous: these machines are slow and noisy
VERSION_BYTES = b"v3.259.0\n"
TOKEN = "pul-" + "0123456789abcdef" * 2 + "01234567"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX only")


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


class World:
    """A temp working folder and an environment to run in."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.project = root / "proj"
        self.project.mkdir()
        self.log = root / "log.jsonl"
        bindir = root / "bin"
        bindir.mkdir()
        (bindir / "python3").symlink_to(os.environ.get("STANDIN_PYTHON") or sys.executable)
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PULUMI_", "FAKE_PULUMI_")) and k not in ("NO_COLOR", "PWD")
        }
        base["PATH"] = f"{bindir}{os.pathsep}/usr/bin{os.pathsep}/bin"
        base["HOME"] = str(root)
        base["FAKE_PULUMI_LOG"] = str(self.log)
        self.env = base

    def with_env(self, **changes: str | None) -> dict[str, str]:
        env = dict(self.env)
        for key, value in changes.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def run(
        self,
        *args: str | bytes,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        stdin: bytes | None = b"",
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [str(STANDIN), *args],
            input=stdin,
            capture_output=True,
            env=env or self.env,
            cwd=cwd or self.project,
            timeout=TIMEOUT,
        )

    def popen(self, *args: str, env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
        return subprocess.Popen(
            [str(STANDIN), *args],
            stdin=kw.pop("stdin", subprocess.DEVNULL),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env or self.env,
            cwd=self.project,
            **kw,
        )

    def events(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def wait_for(
        self, predicate: Callable[[dict], bool], proc: subprocess.Popen | None = None
    ) -> dict:
        """Poll the log for an event instead of sleeping a fixed time."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for event in self.events():
                if predicate(event):
                    return event
            if proc is not None and proc.poll() is not None:
                raise AssertionError(f"exited {proc.returncode} first: {self.events()}")
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting; log: {self.events()}")


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def of(events: list[dict], name: str) -> list[dict]:
    return [e for e in events if e["event"] == name]


def plain(output: bytes) -> bytes:
    """Without ANSI colour codes (the stand-in colours its output on a terminal)."""
    return re.sub(rb"\x1b\[[0-9;]*m", b"", output)


def run_in_pty(
    world: World,
    args: list[str],
    answer: bytes | Callable[[int, int], None] | None,
    env: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """Run the stand-in on a real pseudo-terminal (its controlling tty).

    When the confirmation prompt shows, `answer` is typed into the terminal,
    or, if it is a function, called with (master fd, child pid).
    Returns the wait status as a returncode (-N: killed by signal N).
    """
    pid, fd = pty.fork()
    if pid == 0:  # child: session leader, stdin/stdout/stderr = the pty slave
        try:
            os.chdir(world.project)
            os.execve(str(STANDIN), [str(STANDIN), *args], env or world.env)
        finally:
            os._exit(127)
    output = b""
    answered = answer is None
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the slave side
                break
            if not chunk:
                break
            output += chunk
            if not answered and b"Do you want to perform this" in output:
                if callable(answer):
                    answer(fd, pid)
                else:
                    os.write(fd, answer)
                answered = True
        else:
            os.kill(pid, signal.SIGKILL)
            raise AssertionError(f"pty run timed out: {output!r}")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), output


# ---------------------------------------------------------------------------
# version
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["version"],
        ["--version"],
        ["--non-interactive", "version"],
        ["version", "--non-interactive"],
    ],
)
@pytest.mark.parametrize("logged", [False, True])
def test_version_bytes(world: World, args: list[str], logged: bool) -> None:
    env = world.env if logged else world.with_env(FAKE_PULUMI_LOG=None)
    result = world.run(*args, env=env)
    assert result.returncode == 0
    assert result.stdout == VERSION_BYTES
    assert result.stderr == b""
    if logged:
        assert [e["event"] for e in world.events()] == ["start", "exit"]


def test_standin_is_independent_of_the_package() -> None:
    source = STANDIN.read_text()
    assert source.startswith("#!/usr/bin/env python3\n")
    assert os.access(STANDIN, os.X_OK)
    assert "import pulumi_audited" not in source
    assert "from pulumi_audited" not in source
    assert "PULUMI-FACTS.md" in source


# ---------------------------------------------------------------------------
# whoami, --cwd and prepared answers
# ---------------------------------------------------------------------------


def os_login() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def test_whoami_answers_the_os_login(world: World) -> None:
    result = world.run("whoami")
    assert (result.returncode, result.stdout) == (0, f"{os_login()}\n".encode())
    assert json.loads(world.run("whoami", "--json").stdout) == {"user": os_login()}


@pytest.mark.parametrize("how", ["--cwd", "-C", "env"])
def test_cwd_flag_and_option_env(world: World, how: str) -> None:
    """Relative paths on the command line are the new working directory's."""
    elsewhere = world.root / "elsewhere"
    elsewhere.mkdir()
    args = ["preview", "--save-plan", "plan.json"]
    if how == "env":
        env = world.with_env(PULUMI_OPTION_CWD=str(world.project))
        result = world.run(*args, env=env, cwd=elsewhere)
    else:
        result = world.run(how, str(world.project), *args, cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert (world.project / "plan.json").exists()
    assert not (elsewhere / "plan.json").exists()


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--stack", "flag"], {}),
        (["--stack=flag"], {}),
        (["-s", "flag"], {}),
        (["-sflag"], {}),
        ([], {"PULUMI_OPTION_STACK": "flag"}),
        (["-s", "flag"], {"PULUMI_OPTION_STACK": "option"}),
        (["--stack", "organization/proj/flag"], {}),
    ],
)
def test_the_stack_on_the_command_line_is_shown(
    world: World, args: list[str], env: dict[str, str]
) -> None:
    """Only for display: the stand-in resolves no stack (no workspace, no PULUMI_STACK)."""
    result = world.run("preview", *args, env=world.with_env(**env))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"Previewing update (flag):\n")


def test_prepared_answers_are_printed_byte_for_byte(world: World) -> None:
    answers = world.root / "answers"
    answers.mkdir()
    history = b'[\n  {"version": 1, "kind": "update", "message": "caf\xc3\xa9"}\n]\n'
    (answers / "stack-history").write_bytes(history)
    (answers / "whoami").write_bytes(b"alice\n")
    env = world.with_env(FAKE_PULUMI_ANSWERS=str(answers))
    # `hist` is an alias of `history`: the answer is the canonical command's.
    for args in (["stack", "history", "--json"], ["stack", "hist", "-s", "dev"]):
        result = world.run(*args, env=env)
        assert (result.returncode, result.stdout, result.stderr) == (0, history, b"")
    assert world.run("whoami", env=env).stdout == b"alice\n"
    assert world.run("stack", "ls", env=env).stdout == b""
    assert world.run("stack", "history").stdout == b""
    assert b"caf" not in world.run("up", "--yes", env=env).stdout


# ---------------------------------------------------------------------------
# Exit codes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("cmd", ["up", "update", "refresh", "destroy", "down", "dn"])
def test_missing_yes_without_a_terminal_exits_2(world: World, cmd: str) -> None:
    result = world.run(cmd, "--stack", "dev")
    assert result.returncode == 2
    assert result.stderr == (
        b"error: --yes must be passed in to proceed when running in non-interactive mode\n"
    )
    assert of(world.events(), "ready") == []


@pytest.mark.parametrize("confirm", [["--yes"], ["-y"], ["--skip-preview"], ["-f"], ["-yf"]])
def test_yes_or_skip_preview_proceeds(world: World, confirm: list[str]) -> None:
    result = world.run("up", "-s", "dev", *confirm)
    assert result.returncode == 0, result.stderr
    assert b"Updating (dev)" in result.stdout


@pytest.mark.parametrize(
    "env",
    [{"PULUMI_SKIP_CONFIRMATIONS": "true"}, {"PULUMI_OPTION_YES": "1"}],
)
def test_yes_from_the_environment(world: World, env: dict[str, str]) -> None:
    assert world.run("destroy", "-s", "dev", env=world.with_env(**env)).returncode == 0


def test_preview_never_needs_yes(world: World) -> None:
    for cmd in ("preview", "pre"):
        result = world.run(cmd, "-s", "dev")
        assert result.returncode == 0, result.stderr
        assert b"Previewing update (dev)" in result.stdout


@pytest.mark.parametrize(("changes", "code"), [("1", 7), ("0", 0)])
def test_expect_no_changes(world: World, changes: str, code: int) -> None:
    env = world.with_env(FAKE_PULUMI_CHANGES=changes)
    result = world.run("up", "--yes", "-s", "dev", "--expect-no-changes", env=env)
    assert result.returncode == code
    assert world.run("preview", "-s", "dev", "--expect-no-changes", env=env).returncode == code


@pytest.mark.parametrize("args", [["whoami"], ["version"], ["up", "-s", "dev"], ["bogus"]])
def test_fake_exit_overrides_every_path(world: World, args: list[str]) -> None:
    result = world.run(*args, env=world.with_env(FAKE_PULUMI_EXIT="42"))
    assert result.returncode == 42
    assert of(world.events(), "exit")[-1]["code"] == 42
    if args == ["version"]:
        assert result.stdout == VERSION_BYTES


def test_unknown_command_is_a_configuration_error(world: World) -> None:
    assert world.run("bogus").returncode == 2


@pytest.mark.parametrize(
    ("name", "sig"),
    [("SIGTERM", signal.SIGTERM), ("INT", signal.SIGINT), ("9", signal.SIGKILL)],
)
def test_fake_signal_dies_by_that_signal(world: World, name: str, sig: signal.Signals) -> None:
    result = world.run("version", env=world.with_env(FAKE_PULUMI_SIGNAL=name))
    assert result.returncode == -sig, result.stderr
    assert result.stdout == VERSION_BYTES
    assert result.stderr == b""
    names = [e["event"] for e in world.events()]
    assert names == ["start", "self-signal"]


# ---------------------------------------------------------------------------
# Signals
# ---------------------------------------------------------------------------


def engine_env(world: World, cancel: str = "0.2") -> dict[str, str]:
    return world.with_env(FAKE_PULUMI_DURATION="300", FAKE_PULUMI_CANCEL_SECONDS=cancel)


@pytest.mark.parametrize(
    ("sig", "message"),
    [
        (signal.SIGINT, b"^C received; cancelling. If you would like to terminate immediately"),
        (signal.SIGTERM, b"SIGTERM received; cancelling."),
    ],
)
def test_first_signal_cancels_gracefully_and_exits_1(
    world: World, sig: signal.Signals, message: bytes
) -> None:
    proc = world.popen("up", "--yes", "-s", "dev", env=engine_env(world))
    world.wait_for(lambda e: e["event"] == "phase" and e["phase"] == "updating", proc)
    started = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1
    assert time.monotonic() - started < 60  # nowhere near FAKE_PULUMI_DURATION
    assert message in err
    assert b"orphaned resources" in err
    assert b"error: update canceled" in err
    events = world.events()
    assert [(e["signal"], e["count"]) for e in of(events, "signal")] == [(sig.name, 1)]
    assert of(events, "exit")[-1]["code"] == 1


def test_preview_cancel_has_no_orphan_warning(world: World) -> None:
    proc = world.popen("preview", "-s", "dev", env=engine_env(world))
    world.wait_for(lambda e: e["event"] == "ready", proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1
    assert b"^C received; cancelling" in err
    assert b"orphaned" not in err


@pytest.mark.parametrize("second", [signal.SIGINT, signal.SIGTERM])
def test_second_signal_terminates_at_once(world: World, second: signal.Signals) -> None:
    proc = world.popen("destroy", "--yes", "-s", "dev", env=engine_env(world, cancel="300"))
    world.wait_for(lambda e: e["event"] == "ready", proc)
    proc.send_signal(signal.SIGINT)
    world.wait_for(lambda e: e["event"] == "signal" and e["count"] == 1, proc)
    started = time.monotonic()
    proc.send_signal(second)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert time.monotonic() - started < 60  # not the 300 s graceful cancel
    assert proc.returncode == 1
    assert b"received; terminating" in err
    assert b"canceled" not in err
    events = world.events()
    assert [e["count"] for e in of(events, "signal")] == [1, 2]
    assert of(events, "exit")[-1]["code"] == 1


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_outside_an_engine_operation_kills(world: World, sig: signal.Signals) -> None:
    # `config set KEY` without a value blocks reading stdin: a non-engine command.
    proc = world.popen("config", "set", "greeting", stdin=subprocess.PIPE)
    world.wait_for(lambda e: e["event"] == "start", proc)
    proc.send_signal(sig)
    proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == -sig
    assert of(world.events(), "exit") == []


def test_inherited_sigint_ignore_is_reported_and_kept(world: World) -> None:
    def ignore_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)  # as if not started under nohup

    proc = world.popen("config", "set", "k", stdin=subprocess.PIPE, preexec_fn=ignore_sigint)
    try:
        start = world.wait_for(lambda e: e["event"] == "start", proc)
        assert start["sig_ignored"] == ["SIGINT"]
        proc.send_signal(signal.SIGINT)  # ignored: it still reads stdin, then exits
        proc.stdin.write(b"v")
    finally:
        proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0
    assert of(world.events(), "stdin")[0]["bytes"] == 1


# ---------------------------------------------------------------------------
# The confirmation prompt, through a real pseudo-terminal
# ---------------------------------------------------------------------------


def test_prompt_yes_proceeds(world: World) -> None:
    code, output = run_in_pty(world, ["up", "-s", "dev"], b"yes\n")
    output = plain(output)
    assert code == 0, output
    assert b"Previewing update (dev)" in output
    assert b"Do you want to perform this update?" in output
    assert b"Updating (dev)" in output
    events = world.events()
    start = of(events, "start")[0]
    assert start["tty"] == {"stdin": True, "stdout": True, "stderr": True}
    assert start["foreground"] is True
    assert [e["answer"] for e in of(events, "prompt")] == ["yes"]


def test_ctrl_c_typed_at_the_prompt_is_a_key_not_a_signal(world: World) -> None:
    code, output = run_in_pty(world, ["up", "-s", "dev"], b"\x03")
    output = plain(output)
    assert code == 1
    assert b"confirmation cancelled, not proceeding with the update: interrupt" in output
    assert b"^C received" not in output
    assert b"Updating" not in output
    events = world.events()
    assert of(events, "signal") == []
    assert of(events, "prompt")[0]["interrupted"] is True


def test_signal_during_the_prompt_kills(world: World) -> None:
    """pulumi closes the preview's cancellation scope before it asks."""

    def send_sigint(_fd: int, pid: int) -> None:
        world.wait_for(lambda e: e["event"] == "prompt-shown")
        os.kill(pid, signal.SIGINT)

    code, _ = run_in_pty(world, ["up", "-s", "dev"], send_sigint)
    assert code == -signal.SIGINT
    assert of(world.events(), "exit") == []


def test_prompt_no_declines_with_exit_1(world: World) -> None:
    code, output = run_in_pty(world, ["destroy", "-s", "dev"], b"no\n")
    output = plain(output)
    assert code == 1
    assert b"Do you want to perform this destroy?" in output
    assert b"confirmation declined" in output
    assert b"Destroying" not in output
    assert [e["answer"] for e in of(world.events(), "prompt")] == ["no"]


@pytest.mark.parametrize(
    ("flags", "env"),
    [(["--non-interactive"], {}), ([], {"PULUMI_AUTOMATION_API": "true"})],
)
def test_terminal_but_non_interactive_exits_2(
    world: World, flags: list[str], env: dict[str, str]
) -> None:
    code, output = run_in_pty(world, [*flags, "up", "-s", "dev"], None, world.with_env(**env))
    output = plain(output)
    assert code == 2
    assert b"--yes must be passed in" in output
    assert b"Do you want" not in output


def test_colour_only_on_a_terminal(world: World) -> None:
    code, raw = run_in_pty(world, ["preview", "-s", "dev"], None)
    assert code == 0
    assert b"\x1b[" in raw
    never = run_in_pty(world, ["--color", "never", "preview", "-s", "dev"], None)[1]
    assert b"\x1b[" not in never
    assert b"\x1b[" not in world.run("preview", "-s", "dev").stdout
    assert b"\x1b[" in world.run("--color=always", "preview", "-s", "dev").stdout


# ---------------------------------------------------------------------------
# The FAKE_PULUMI_LOG recording
# ---------------------------------------------------------------------------


def expected_env_sha256(env: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for key in sorted(k.encode() for k in env):
        digest.update(key + b"=" + env[key.decode()].encode() + b"\n")
    return digest.hexdigest()


def test_start_event_records_what_it_received(world: World) -> None:
    env = world.with_env(PULUMI_AUDITED_RUN_ID="run-123", SECRET_THING=TOKEN)
    raw = b"caf\xe9"
    proc = subprocess.Popen(
        [str(STANDIN), "--non-interactive", "plugin", "install", raw, "ünï"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=world.project,
    )
    proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0
    text = world.log.read_text()
    assert TOKEN not in text
    events = world.events()
    assert [e["event"] for e in events] == ["start", "exit"]
    assert all(e["pid"] == proc.pid for e in events)
    start = events[0]
    assert start["argv"] == ["--non-interactive", "plugin", "install", "caf\\xe9", "ünï"]
    assert start["argv_hex"][3] == raw.hex()
    assert start["argv_hex"][4] == "ünï".encode().hex()
    assert start["ppid"] == os.getpid()
    assert start["pgid"] == os.getpgrp()
    assert start["sid"] == os.getsid(0)
    assert start["tty"] == {"stdin": False, "stdout": False, "stderr": False}
    assert start["foreground"] is False
    assert start["cwd"] == os.path.realpath(world.project)
    assert start["run_id"] == "run-123"
    assert start["env_keys"] == sorted(env)
    assert start["env_sha256"] == expected_env_sha256(env)
    assert start["command"] == ["plugin", "install"]
    assert isinstance(start["time"], float)
    assert events[1]["code"] == 0


def test_env_sha256_tracks_values(world: World) -> None:
    world.run("whoami", env=world.with_env(SOME_VAR="a"))
    world.run("whoami", env=world.with_env(SOME_VAR="b"))
    world.run("whoami", env=world.with_env(SOME_VAR="a"))
    first, second, third = of(world.events(), "start")
    assert first["env_keys"] == second["env_keys"]
    assert first["env_sha256"] != second["env_sha256"]
    assert first["env_sha256"] == third["env_sha256"]


def test_engine_log_sequence(world: World) -> None:
    result = world.run("up", "--yes", "-s", "dev")
    assert result.returncode == 0
    events = world.events()
    names = [e["event"] for e in events]
    assert names == ["start", "ready", "phase", "phase", "exit"]
    assert [e["phase"] for e in of(events, "phase")] == ["preview", "updating"]
    assert of(events, "ready")[0]["phase"] == "preview"


def test_log_lines_are_whole_json_lines(world: World) -> None:
    for _ in range(3):
        world.run("whoami")
    lines = world.log.read_bytes().split(b"\n")
    assert lines[-1] == b""
    for line in lines[:-1]:
        event = json.loads(line)
        assert {"event", "pid"} <= set(event)


# ---------------------------------------------------------------------------
# Other commands
# ---------------------------------------------------------------------------


def test_config_set_reads_the_value_from_stdin(world: World) -> None:
    value = b"hello there\n"
    assert world.run("config", "set", "greeting", stdin=value).returncode == 0
    (read,) = of(world.events(), "stdin")
    assert (read["bytes"], read["sha256"]) == (len(value), hashlib.sha256(value).hexdigest())
    assert b"hello" not in world.log.read_bytes()


def test_env_run_runs_no_host_program(world: World) -> None:
    marker = world.root / "ran"
    result = world.run("env", "run", "org/env", "--", "touch", str(marker))
    assert result.returncode == 0
    assert not marker.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["about"],
        ["plugin", "ls"],
        ["stack", "output", "-s", "dev"],
        ["stack", "export", "-s", "dev"],
        ["state", "get", "-s", "dev", "urn"],
        ["env", "ls"],
        ["logout"],
        ["gen-completion", "bash"],
        ["--help"],
        [],
    ],
)
def test_other_commands_succeed(world: World, args: list[str]) -> None:
    result = world.run(*args)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------
# What the Automation API needs: config after `--`, secrets kept out, the event log
# ---------------------------------------------------------------------------

SECRET = "hunter2-" + "5f" * 8


def _argv_sha256(argv: list[str]) -> str:
    return hashlib.sha256(b"\0".join(os.fsencode(a) for a in argv)).hexdigest()


def test_config_set_takes_the_value_after_double_dash(world: World) -> None:
    args = ["config", "set", "token", "--secret", "--stack", "dev", "--non-interactive"]
    result = world.run(*args, "--", SECRET, stdin=b"not read\n")
    assert result.returncode == 0, result.stderr
    assert of(world.events(), "stdin") == []  # the value came from the command line
    assert world.run(*args, stdin=b"read\n").returncode == 0
    assert of(world.events(), "stdin")[0]["bytes"] == 5


def test_secret_argv_values_are_kept_out_of_the_log(world: World) -> None:
    cases = [
        ["config", "set", "token", "--secret", "-s", "dev", "--", SECRET],
        ["config", "set", "--secret", "token", SECRET, "-s", "dev"],
        ["config", "set-all", "-s", "dev", "--plaintext", "a=b", "--secret", f"pw={SECRET}"],
        ["config", "set-all", "-s", "dev", f"--secret=pw={SECRET}"],
        ["config", "set-all", "-s", "dev", "--json", json.dumps({"pw": {"value": SECRET}})],
    ]
    for args in cases:
        assert world.run(*args).returncode == 0
    starts = of(world.events(), "start")
    assert SECRET.encode() not in world.log.read_bytes()
    assert [s["redacted"] for s in starts] == [[7], [4], [7], [4], [5]]
    assert starts[0]["argv"][7] == "[secret]"
    assert starts[2]["argv"][5:] == ["a=b", "--secret", "pw=[secret]"]
    assert starts[3]["argv"][4] == "--secret=pw=[secret]"
    for start, args in zip(starts, cases, strict=True):
        assert start["argv_sha256"] == _argv_sha256(args)
    plain_set = ["config", "set", "region", "eu-west-1", "-s", "dev"]
    assert world.run(*plain_set).returncode == 0
    assert of(world.events(), "start")[-1]["redacted"] == []


def _events_from(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_event_log_file_has_prelude_summary_and_cancel(world: World) -> None:
    path = world.root / "events.log"
    path.write_text("stale\n")
    config = ["-c", "region=eu", "--config=size=3"]
    result = world.run("preview", "-s", "dev", *config, "--event-log", str(path))
    assert result.returncode == 0, result.stderr
    assert path.read_bytes().endswith(b"\n")
    events = _events_from(path)
    assert [e["sequence"] for e in events] == [1, 2, 3]
    assert [list(e)[:2] for e in events] == [["sequence", "timestamp"]] * 3
    assert events[0]["preludeEvent"] == {"config": {"region": "eu", "size": "3"}}
    assert events[1]["summaryEvent"] == {
        "maybeCorrupt": False,
        "durationSeconds": 0,
        "resourceChanges": {"same": 1},
        "PolicyPacks": {},
        "isPreview": True,
        "result": "succeeded",
    }
    assert events[2] == {"sequence": 3, "timestamp": events[2]["timestamp"], "cancelEvent": {}}
    (logged,) = of(world.events(), "event-log")
    assert logged == {**logged, "sink": "file", "events": 3, "error": None}


def test_event_log_file_holds_the_last_engine_phase(world: World) -> None:
    path = world.root / "events.log"
    env = world.with_env(FAKE_PULUMI_CHANGES="1")
    assert world.run("up", "--yes", "-s", "dev", "--event-log", str(path), env=env).returncode == 0
    # The preview and the update each open the log anew (O_TRUNC), as pulumi's display does.
    (summary,) = [e["summaryEvent"] for e in _events_from(path) if "summaryEvent" in e]
    assert summary["isPreview"] is False and summary["resourceChanges"] == {"create": 1}
    assert [e["sink"] for e in of(world.events(), "event-log")] == ["file", "file"]


def test_event_log_over_grpc_reaches_an_events_server(world: World) -> None:
    from concurrent import futures

    import grpc
    from pulumi.runtime.proto import events_pb2_grpc

    received: list[str] = []

    class Servicer(events_pb2_grpc.EventsServicer):
        def StreamEvents(self, request_iterator, context):
            from google.protobuf import empty_pb2

            received.extend(request.event for request in request_iterator)
            return empty_pb2.Empty()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    events_pb2_grpc.add_EventsServicer_to_server(Servicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        big = "x" * 70_000  # more than one HTTP/2 frame and the default flow-control window
        args = ["refresh", "--yes", "--skip-preview", "-s", "dev", "-c", f"big={big}"]
        result = world.run(*args, "--event-log", f"tcp://127.0.0.1:{port}")
        assert result.returncode == 0, result.stderr
    finally:
        server.stop(0)
    assert all(text.endswith("\n") for text in received)
    events = [json.loads(text) for text in received]
    assert [next(k for k in e if k.endswith("Event")) for e in events] == [
        "preludeEvent",
        "summaryEvent",
        "cancelEvent",
    ]
    assert events[0]["preludeEvent"]["config"]["big"] == big
    assert events[1]["summaryEvent"]["isPreview"] is False
    (logged,) = of(world.events(), "event-log")
    assert (logged["sink"], logged["events"], logged["error"]) == ("tcp", 3, None)


def test_an_unreachable_event_log_server_does_not_fail_the_operation(world: World) -> None:
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = world.run("preview", "-s", "dev", "--event-log", f"tcp://127.0.0.1:{port}")
    assert result.returncode == 0
    (logged,) = of(world.events(), "event-log")
    assert logged["sink"] == "tcp" and logged["error"]
