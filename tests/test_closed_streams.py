"""Started with stderr or stdout closed (`2>&-`, `>&-`), the shim runs pulumi exactly as it would
otherwise: its own messages have nowhere to go, and that must not change the run or its status."""

from __future__ import annotations

import json
import socket

import pytest
from conftest import SHIM, runs_by_id

BASH_CLOSING = {
    "stderr": 'exec "$@" 2>&-',
    "stdout": 'exec "$@" >&-',
    "both": 'exec "$@" >&- 2>&-',
}


def run_with_closed(sandbox, streams: str, *args: str, env: dict[str, str] | None = None):
    script = ("-c", BASH_CLOSING[streams], "bash", str(SHIM), *args)
    return sandbox._execute("/bin/bash", script, env, {})


def _broken_log(sandbox) -> dict[str, str]:
    """A log location that cannot be written: its folder is a regular file."""
    blocker = sandbox.root / "not-a-folder"
    blocker.write_text("")
    return {"PULUMI_AUDITED_LOG": str(blocker / "log")}


@pytest.mark.parametrize("streams", ["stderr", "both"])
def test_a_failing_log_with_stderr_closed_still_runs_pulumi_and_keeps_its_status(sandbox, streams):
    done = run_with_closed(
        sandbox, streams, "stack", "ls", env={**_broken_log(sandbox), "FAKE_PULUMI_EXIT": "3"}
    )
    assert done.returncode == 3
    assert len(sandbox.standin_events("start")) == 1


def test_a_failing_log_under_block_with_stderr_closed_refuses_with_125(sandbox):
    env = {**_broken_log(sandbox), "PULUMI_AUDITED_ON_FAILURE": "block"}
    done = run_with_closed(sandbox, "stderr", "stack", "ls", env=env)
    assert done.returncode == 125
    assert sandbox.standin_events("start") == []


@pytest.mark.parametrize("streams", ["stderr", "stdout", "both"])
def test_a_working_log_with_streams_closed_records_clean_lines(sandbox, streams):
    """With fd 2 closed, the log's own files may take fd 2: nothing but records reaches them."""
    done = run_with_closed(sandbox, streams, "stack", "ls")
    assert done.returncode == 0
    lines = sandbox.raw_log().splitlines()
    assert len(lines) == 2
    (run,) = runs_by_id([json.loads(line) for line in lines]).values()
    assert set(run) == {"start", "end"}


def test_an_unreachable_remote_log_with_stderr_closed_keeps_pulumis_exit_status(sandbox):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PULUMI_AUDITED_LOG": f"s3://audit/log?endpoint=http://127.0.0.1:{port}&region=us-east-1",
        "PULUMI_AUDITED_REMOTE_TIMEOUT": "1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        # Long enough that the shim has a stuck shipper to report at the end.
        "FAKE_PULUMI_DURATION": "3",
    }
    done = run_with_closed(sandbox, "stderr", "up", "--yes", env=env)
    assert done.returncode == 0
    assert len(sandbox.standin_events("start")) == 1
    # The same run with stderr open does say why the records wait: the message had been there.
    loud = sandbox.run("up", "--yes", env=env)
    assert loud.returncode == 0
    assert b"wait in" in loud.stderr
