"""The shim is invisible: same bytes, same exit status, same environment as pulumi alone."""

from __future__ import annotations

import hashlib
import os
import signal

import pytest
from conftest import runs_by_id


def test_version_output_is_byte_exact_and_not_recorded(sandbox):
    direct = sandbox.run_direct("version")
    shimmed = sandbox.run("version")
    assert shimmed.returncode == direct.returncode == 0
    assert shimmed.stdout == direct.stdout == b"v3.259.0\n"
    assert shimmed.stderr == b""
    assert sandbox.records() == []


@pytest.mark.parametrize(
    "args",
    [
        ["version"],
        ["--version"],
        ["help"],
        ["up", "--help"],
        ["stack", "-h"],
        ["gen-completion", "bash"],
        ["completion", "zsh"],
        ["__complete", "st"],
        ["__completeNoDesc", "stack", ""],
        ["gen-markdown", "docs"],
        ["generate-cli-spec"],
    ],
)
def test_trivial_commands_are_not_recorded(sandbox, args):
    sandbox.run(*args)
    assert sandbox.records() == []
    assert sandbox.standin_events("start"), "the command must still reach pulumi"


def test_skip_list_is_configurable(sandbox):
    sandbox.write_config("skip: []\n")
    sandbox.run("version")
    assert [record["command"] for record in sandbox.records()] == ["version", "version"]


def test_arguments_arrive_byte_for_byte(sandbox):
    args = [
        "stack",
        "ls",
        "with space",
        'quote"d',
        "",
        "'single'",
        b"\xff\xfe-not-utf8",
        "--",
        "--after-dashes",
        "-v3",
        "ünïcödé",
    ]
    result = sandbox.run(*args)
    assert result.returncode == 0, result.stderr
    (start,) = sandbox.standin_events("start")
    expected = [os.fsencode(arg).hex() for arg in args]
    assert start["argv_hex"] == expected


def test_stdout_and_stderr_match_the_bare_binary(sandbox):
    args = ["preview", "--stack", "dev"]
    direct = sandbox.run_direct(*args)
    shimmed = sandbox.run(*args)
    assert shimmed.returncode == direct.returncode
    assert shimmed.stdout == direct.stdout
    assert shimmed.stderr == direct.stderr


@pytest.mark.parametrize("code", [0, 1, 2, 3, 6, 7, 8, 42, 124, 125, 126, 127, 200, 254, 255])
def test_exit_status_is_pulumis(sandbox, code):
    result = sandbox.run("stack", "ls", env={"FAKE_PULUMI_EXIT": str(code)})
    assert result.returncode == code
    assert result.stderr == b""
    end = sandbox.records()[-1]
    assert end["phase"] == "end" and end["exit_code"] == code


@pytest.mark.parametrize("name", ["SIGTERM", "SIGKILL", "SIGSEGV", "SIGABRT"])
def test_pulumi_killed_by_a_signal_gives_128_plus_n(sandbox, name):
    number = getattr(signal, name)
    result = sandbox.run("stack", "ls", env={"FAKE_PULUMI_SIGNAL": name})
    assert result.returncode == 128 + number
    end = sandbox.records()[-1]
    assert end["outcome"] == "signaled"
    assert end["signal"] == name
    assert end["exit_code"] == 128 + number


def test_environment_is_passed_unchanged_plus_the_run_id(sandbox):
    extra = {"SOME_SECRET_TOKEN": "s3cr3t-value-123", "EMPTY": "", "UNICODE": "é"}
    sandbox.run_direct("stack", "ls", env=extra)
    sandbox.run("stack", "ls", env=extra)
    direct, shimmed = sandbox.standin_events("start")
    added = set(shimmed["env_keys"]) - set(direct["env_keys"])
    assert added == {"PULUMI_AUDITED_RUN_ID", "PULUMI_AUDITED_SHIM"}
    assert set(direct["env_keys"]) <= set(shimmed["env_keys"])
    (start, end) = sandbox.records()
    assert shimmed["run_id"] == start["run_id"] == end["run_id"]
    assert b"s3cr3t-value-123" not in sandbox.raw_log()


def test_the_shim_never_writes_to_stdout(sandbox):
    result = sandbox.run("stack", "ls", env={"PULUMI_AUDITED_LOG": "/proc/not-writable"})
    direct = sandbox.run_direct("stack", "ls")
    assert result.stdout == direct.stdout
    assert result.stderr.startswith(b"pulumi-audited: ")
    assert result.stderr.count(b"\n") == 1, "one line, not one per record"


def test_stdin_is_passed_through(sandbox):
    secret = b"hunter2-from-stdin\n"
    result = sandbox.run("config", "set", "dbPassword", "--secret", input=secret, stdin=None)
    assert result.returncode == 0, result.stderr
    (read,) = sandbox.standin_events("stdin")
    assert (read["bytes"], read["sha256"]) == (len(secret), hashlib.sha256(secret).hexdigest())
    assert b"hunter2-from-stdin" not in sandbox.raw_log()


def test_a_run_writes_a_start_and_an_end_record(sandbox):
    sandbox.run("preview", "--stack", "dev")
    runs = runs_by_id(sandbox.records())
    assert len(runs) == 1
    (run,) = runs.values()
    assert set(run) == {"start", "end"}


def test_python_dash_m_behaves_like_the_console_script(sandbox):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "pulumi_audited", "version"],
        env=sandbox.env,
        cwd=sandbox.project,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout == b"v3.259.0\n"
    recorded = subprocess.run(
        [sys.executable, "-m", "pulumi_audited", "preview", "-s", "dev"],
        env=sandbox.env,
        cwd=sandbox.project,
        capture_output=True,
        timeout=60,
    )
    assert recorded.returncode == 0, recorded.stderr
    assert [record["phase"] for record in sandbox.records()] == ["start", "end"]


@pytest.mark.parametrize(
    "args",
    [
        ["preview", "-s", "dev", "--help=false"],
        ["env", "run", "org/env", "--", "tool", "--help"],
        ["stack", "export", "-s", "dev", "--version", "3"],
    ],
)
def test_help_and_version_words_that_are_not_requests_are_recorded(sandbox, args):
    """The parser decides what -h/--help/--version mean; a look at the words alone misreads
    `--help=false`, a `--help` meant for the program after `--`, or a command's own --version."""
    sandbox.run(*args)
    assert [record["phase"] for record in sandbox.records()] == ["start", "end"]
