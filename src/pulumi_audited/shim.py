"""`pulumi-audited ARGS...`: run pulumi ARGS... and record who ran what, where, and how it ended.

This module is the hot path: it imports only what a recorded run needs, and nothing at all
that a passthrough (`version`, `__complete`...) does not.
"""

import gc
import os
import sys
import time

from pulumi_audited.config_values import DEFAULT_SKIP
from pulumi_audited.errors import (
    EXIT_NOT_EXECUTABLE,
    EXIT_NOT_FOUND,
    EXIT_SHIM_ERROR,
    ShimError,
    warn,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.config import Settings
    from pulumi_audited.pulumi.cli import Invocation
    from pulumi_audited.store.base import Writer

RUN_ID_VARIABLE = "PULUMI_AUDITED_RUN_ID"
REASON_VARIABLE = "PULUMI_AUDITED_REASON"
VIEWER_COMMAND = "audit"
_REASON_LIMIT = 1000


def main() -> int:
    # The shim is short-lived and makes few reference cycles: the collector's passes over the
    # objects that imports create cost a recorded run about 1 ms (5 collections), for nothing.
    # The viewer, which reads whole logs, turns it back on.
    gc.disable()
    try:
        code = run(sys.argv[1:])
    except ShimError as error:
        warn(str(error))
        code = error.exit_code
    except KeyboardInterrupt:
        code = 130
    except Exception as error:  # a traceback could quote the command line, secrets and all
        warn(f"internal error {_where(error)}; please report it")
        code = EXIT_SHIM_ERROR
    _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    """Exit without tearing the interpreter down: that takes 2 ms, after every pulumi command.

    Records are fsync'd and their files closed by now; only the standard streams need a flush.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(code)


# First words of the commands that are not recorded by default, with pulumi's aliases for
# them (grammar.py; a test keeps the two in step). `__complete` runs on every TAB press, so
# these are recognised without parsing the whole command line.
_QUICK_SKIP = {key: key for key in DEFAULT_SKIP} | {"completion": "gen-completion"}


def run(argv: list[str]) -> int:
    from pulumi_audited.config import load_settings
    from pulumi_audited.locate import check_for_loop, find_pulumi

    environ = os.environ
    if argv[:1] == [VIEWER_COMMAND]:
        gc.enable()
        from pulumi_audited.viewer.cli import run_viewer

        return run_viewer(argv[1:])
    depth = check_for_loop(environ)
    quick_key = _quick_skip_key(argv)
    invocation = None
    if quick_key is None:
        from pulumi_audited.pulumi.cli import parse

        invocation = parse(argv)
    cwd = invocation.cwd if invocation is not None else None
    settings = load_settings(_effective_cwd(cwd, environ), environ)
    if not (quick_key or "").startswith("__complete"):  # a TAB press shows no warning
        for line in settings.warnings:
            warn(line)
    pulumi = find_pulumi(settings.pulumi, settings.named_by("pulumi"), environ)
    if invocation is None:
        if quick_key in settings.skip:
            _exec_pulumi(pulumi, argv, depth)
        from pulumi_audited.pulumi.cli import parse

        invocation = parse(argv)
    if invocation.skip_key in settings.skip:
        _exec_pulumi(pulumi, argv, depth)
    return _run_recorded(pulumi, argv, invocation, settings, depth)


def _quick_skip_key(argv: list[str]) -> str | None:
    """The `skip` entry for `pulumi version`, `pulumi __complete ...` and the like, or None
    when the command line needs parsing (a --cwd changes where the team config is)."""
    key = _QUICK_SKIP.get(argv[0]) if argv else None
    if key is None or any(arg.startswith(("-C", "--cwd")) for arg in argv):
        return None
    return key


def _effective_cwd(cwd_flag: str | None, environ: os._Environ) -> str:
    """Where to look for a team config file. capture.context.effective_cwd names the folder
    exactly as pulumi does, which the record needs and this search does not; importing it
    would slow down the commands that are passed straight through."""
    chosen = cwd_flag or environ.get("PULUMI_OPTION_CWD") or "."
    return os.path.abspath(chosen)


def _child_environment(depth: int, run_id: str | None) -> dict[bytes, bytes]:
    from pulumi_audited.locate import HANDOFF_VARIABLE, handoff_value

    env = dict(os.environb)
    env[HANDOFF_VARIABLE.encode()] = handoff_value(depth).encode()
    if run_id is not None:
        env[RUN_ID_VARIABLE.encode()] = run_id.encode()
    return env


def _child_argv(pulumi: str, argv: list[str]) -> list[bytes]:
    return [os.fsencode(pulumi), *(os.fsencode(arg) for arg in argv)]


def _exec_pulumi(pulumi: str, argv: list[str], depth: int) -> None:
    try:
        os.execve(pulumi, _child_argv(pulumi, argv), _child_environment(depth, None))
    except OSError as error:
        raise _start_failure(pulumi, error) from None


def _start_failure(pulumi: str, error: OSError) -> ShimError:
    code = EXIT_NOT_FOUND if isinstance(error, FileNotFoundError) else EXIT_NOT_EXECUTABLE
    return ShimError(f"cannot run {pulumi}: {error.strerror}", code)


def _run_recorded(
    pulumi: str, argv: list[str], invocation: "Invocation", settings: "Settings", depth: int
) -> int:
    from pulumi_audited.process import Runner
    from pulumi_audited.record import new_id

    started_ns = time.time_ns()
    run_id = new_id(started_ns)
    runner = Runner()
    recorder = _Recorder(settings, invocation)
    started = recorder.write_start(run_id, started_ns) and recorder.confirm()
    if not started and settings.on_failure == "block":
        runner.release()
        if recorder.start is not None:  # appended, not acknowledged: say it was not run
            recorder.write_end(EXIT_SHIM_ERROR << 8, time.monotonic_ns(), [])
            recorder.hand_off(while_pid=None)
        raise ShimError(
            f"pulumi was not run: {recorder.failure} (on_failure: block)", EXIT_SHIM_ERROR
        )
    began = time.monotonic_ns()
    try:
        child = runner.run(
            pulumi,
            _child_argv(pulumi, argv),
            _child_environment(depth, run_id),
            later=(_HAND_OFF_DELAY, lambda: recorder.hand_off(while_pid=os.getpid())),
        )
    except OSError as error:
        failure = _start_failure(pulumi, error)
        recorder.write_end(failure.exit_code << 8, began, [])
        recorder.finish()
        raise failure from None
    code = recorder.write_end(child.wait_status, began, child.signals)
    recorder.finish()
    return code


class _Recorder:
    """Builds the two records of a run and hands them to the log's writer (store.open_writer).

    In `warn` mode a failure costs one line on stderr, not the run; the end record is tried
    even when the start record could not be written (the trouble may have passed), and the
    same failure is not reported twice.
    """

    def __init__(self, settings: "Settings", invocation: "Invocation") -> None:
        self.settings = settings
        self.invocation = invocation
        self.start: dict | None = None
        self.failure = ""
        self.writer: Writer | None = None

    def write_start(self, run_id: str, now_ns: int) -> bool:
        """Build and store the start record; False when it could not be made durable."""
        try:
            from pulumi_audited.capture.context import capture_context
            from pulumi_audited.record import start_record

            invocation = self.invocation
            context = capture_context(self.invocation, os.environ)
            self.start = start_record(
                run_id=run_id,
                now_ns=now_ns,
                invocation=invocation,
                context=context,
                reason=_reason(),
            )
            self._append(self.start)
            return True
        except Exception as error:  # whatever went wrong, the failure policy decides
            # Under `block` the caller refuses to run pulumi and says why itself.
            self._failed(error, note=None if self._blocking else _RUNS_ANYWAY)
            return False

    def confirm(self) -> bool:
        """Under on_failure: block, whether the log itself has the start record (a remote
        store acknowledged it in time); the reason goes to `failure` when it has not."""
        if not self._blocking or self.writer is None:
            return True
        reason = self.writer.confirm()
        if reason is None:
            return True
        self.failure = reason
        return False

    def write_end(self, wait_status: int, began_ns: int, signals: list[int]) -> int:
        """Build and store the end record; returns the exit code the shim should exit with."""
        from pulumi_audited.record import decode_wait_status, end_record, signal_name

        exit_code, _ = decode_wait_status(wait_status)
        if self.start is None:
            return exit_code  # nothing to build on: the failure was already reported
        try:
            record = end_record(
                self.start,
                now_ns=time.time_ns(),
                invocation=self.invocation,
                wait_status=wait_status,
                duration_ms=(time.monotonic_ns() - began_ns) // 1_000_000,
                signals=[signal_name(number) for number in signals],
            )
            self._append(record)
        except Exception as error:  # pulumi has run: report, and keep its exit status
            self._failed(error, note="")
        return exit_code

    def hand_off(self, *, while_pid: int | None) -> None:
        """Let the writer move records on; a failure here is said, never fatal: the records
        are durable already, and pulumi runs or has run."""
        if self.writer is None:
            return
        try:
            self.writer.hand_off(while_pid=while_pid)
        except Exception as error:
            _handing_on_failed(error)

    def finish(self) -> None:
        if self.writer is None:
            return
        try:
            message = self.writer.finish()
        except Exception as error:  # pulumi has run: its exit status stands
            _handing_on_failed(error)
            return
        if message is not None:
            warn(message)

    @property
    def _blocking(self) -> bool:
        return self.settings.on_failure == "block"

    def _append(self, record: dict) -> None:
        if self.writer is None:
            from pulumi_audited.store import open_writer

            settings = self.settings
            self.writer = open_writer(
                settings.log or _default_log(),
                lock_timeout=settings.lock_timeout,
                remote_timeout=settings.remote_timeout,
                ship_wait=settings.ship_wait,
                forward=settings.forward,
                witness=settings.witness,
                signing_key=settings.signing_key,
            )
        self.writer.append(record)

    def _failed(self, error: Exception, *, note: str | None) -> None:
        """Remember the failure; print it with `note` appended unless `note` is None or the
        same failure was already printed."""
        from pulumi_audited.errors import StoreError

        if isinstance(error, StoreError):
            failure = f"the audit record could not be written: {error}"
        else:
            # The message of an unexpected error may quote the command line: name the error only.
            failure = f"the audit record could not be made: internal error {_where(error)}"
        if failure == self.failure:
            return
        self.failure = failure
        if note is not None:
            warn(failure + note)


_RUNS_ANYWAY = "; pulumi runs anyway (on_failure: warn)"
# Records start on their way while pulumi runs once it has run this long; a command that
# ends sooner hands both records off after it, so that a shipper's 20 ms Python start-up
# never competes with it.
_HAND_OFF_DELAY = 0.25


def _handing_on_failed(error: Exception) -> None:
    """The records are durable; moving them on (a shipper, a forwarder) failed to start."""
    from pulumi_audited.store import StoreError

    what = str(error) if isinstance(error, StoreError) else f"internal error {_where(error)}"
    warn(f"the audit records are kept, but handing them on failed: {what}")


def _where(error: Exception) -> str:
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    if traceback is None:
        return type(error).__name__
    code = traceback.tb_frame.f_code
    return f"{type(error).__name__} at {os.path.basename(code.co_filename)}:{traceback.tb_lineno}"


def _reason() -> str | None:
    reason = os.environ.get(REASON_VARIABLE)
    if not reason:
        return None
    from pulumi_audited.pulumi.redact import redact_text

    return redact_text(reason[:_REASON_LIMIT])


def _default_log() -> str:
    from pulumi_audited.config import default_log_folder

    return default_log_folder()
