"""The suite passes however it was started: here, as `nohup make test &` starts it, with SIGINT,
SIGQUIT and SIGHUP ignored, which every process it starts would inherit."""

from __future__ import annotations

import signal
import subprocess
import sys

from conftest import TESTS

SIGNAL_TESTS = [
    "test_signals.py::test_signal_to_the_shims_pid_reaches_pulumi_once[SIGINT]",
    "test_signals.py::test_signal_to_the_shims_group_without_a_terminal_reaches_pulumi_once[SIGINT]",
    "test_standin.py::test_inherited_sigint_ignore_is_reported_and_kept",
]


def _start_like_a_background_job() -> None:
    for number in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)


def test_signal_tests_pass_when_the_suite_starts_with_sigint_ignored(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SIGNAL_TESTS],
        cwd=TESTS,
        preexec_fn=_start_like_a_background_job,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "3 passed" in done.stdout
