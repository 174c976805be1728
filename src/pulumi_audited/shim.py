"""`pulumi-audited ARGS...`: run pulumi ARGS... and record who ran what, where, and how it ended.

This module is the hot path: it imports only what a recorded run needs, and nothing at all
that a passthrough (`version`, `__complete`...) does not.
"""

from __future__ import annotations

import os
import sys
import time

from pulumi_audited.errors import (
    EXIT_NOT_EXECUTABLE,
    EXIT_NOT_FOUND,
    EXIT_SHIM_ERROR,
    ShimError,
    warn,
)

RUN_ID_VARIABLE = "PULUMI_AUDITED_RUN_ID"
REASON_VARIABLE = "PULUMI_AUDITED_REASON"
VIEWER_COMMAND = "audit"
_REASON_LIMIT = 1000


def main() -> int:
    try:
        return run(sys.argv[1:])
    except ShimError as error:
        warn(str(error))
        return error.exit_code
    except KeyboardInterrupt:
        return 130


def run(argv: list[str]) -> int:
    from pulumi_audited.config import load_settings
    from pulumi_audited.locate import check_for_loop, find_pulumi
    from pulumi_audited.pulumi.cli import parse

    environ = os.environ
    if argv[:1] == [VIEWER_COMMAND]:
        from pulumi_audited.viewer.cli import run_viewer

        return run_viewer(argv[1:])
    depth = check_for_loop(environ)
    invocation = parse(argv)
    settings = load_settings(_effective_cwd(invocation.cwd, environ), environ)
    source = settings.sources["pulumi"]
    pulumi = find_pulumi(settings.pulumi, _describe_source(source), environ)
    if _skip_key(invocation) in settings.skip:
        _exec_pulumi(pulumi, argv, depth)
    return _run_recorded(pulumi, argv, invocation, settings, depth)


def _effective_cwd(cwd_flag: str | None, environ: os._Environ) -> str:
    chosen = cwd_flag or environ.get("PULUMI_OPTION_CWD") or "."
    return os.path.abspath(chosen)


def _describe_source(source: str) -> str:
    if source.startswith("env "):
        return source[4:]
    return "the 'pulumi:' setting in " + source.rsplit(":", 1)[0]


def _skip_key(invocation) -> str:  # noqa: ANN001
    """The entry of the `skip` setting that covers this command line."""
    for arg in invocation.args:
        if arg == "--":
            break
        if arg in ("-h", "--help") or arg.startswith("--help="):
            return "help"
        if arg == "--version" and not invocation.command:
            return "version"
    return invocation.command


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


def _run_recorded(pulumi: str, argv: list[str], invocation, settings, depth: int) -> int:  # noqa: ANN001
    from pulumi_audited.process import Runner
    from pulumi_audited.record import new_id

    started_ns = time.time_ns()
    run_id = new_id(started_ns)
    runner = Runner()
    recorder = _Recorder(settings)
    start = recorder.write_start(run_id, started_ns, invocation)
    if start is None and settings.on_failure == "block":
        runner.release()
        raise ShimError(
            f"pulumi was not run: {recorder.failure} (on_failure: block)", EXIT_SHIM_ERROR
        )
    began = time.monotonic_ns()
    try:
        child = runner.run(pulumi, _child_argv(pulumi, argv), _child_environment(depth, run_id))
    except OSError as error:
        failure = _start_failure(pulumi, error)
        recorder.write_end(start, invocation, failure.exit_code << 8, began, [])
        raise failure from None
    exit_code = recorder.write_end(start, invocation, child.wait_status, began, child.signals)
    return exit_code


class _Recorder:
    """Builds and stores the two records; in `warn` mode a failure costs a warning, not the run."""

    def __init__(self, settings) -> None:  # noqa: ANN001
        self.settings = settings
        self.failure = ""

    def write_start(self, run_id: str, now_ns: int, invocation) -> dict | None:  # noqa: ANN001
        try:
            from pulumi_audited.capture.context import capture_context
            from pulumi_audited.record import start_record

            context = capture_context(
                cwd_flag=invocation.cwd,
                stack_flag=invocation.stack,
                command=invocation.command,
                positionals=invocation.positionals,
                environ=os.environ,
                backend_arg=invocation.backend_arg,
            )
            record = start_record(
                run_id=run_id,
                now_ns=now_ns,
                invocation=invocation,
                context=context,
                reason=_reason(),
            )
            return self._append(record)
        except Exception as error:  # noqa: BLE001 - any failure to record is handled by policy
            return self._failed(error)

    def write_end(self, start, invocation, wait_status: int, began_ns: int, signals) -> int:  # noqa: ANN001
        from pulumi_audited.record import decode_wait_status, end_record, signal_name

        exit_code, _ = decode_wait_status(wait_status)
        if start is None:
            return exit_code
        try:
            record = end_record(
                start,
                now_ns=time.time_ns(),
                invocation=invocation,
                wait_status=wait_status,
                duration_ms=(time.monotonic_ns() - began_ns) // 1_000_000,
                signals=[signal_name(number) for number in signals],
            )
            self._append(record)
        except Exception as error:  # noqa: BLE001
            self._failed(error, always_warn=True)
        return exit_code

    def _append(self, record: dict) -> dict:
        from pulumi_audited.store import open_store

        location = self.settings.log or _default_log()
        store = open_store(location, lock_timeout=self.settings.lock_timeout)
        return store.append(record)

    def _failed(self, error: Exception, *, always_warn: bool = False) -> None:
        from pulumi_audited.store import StoreError

        if isinstance(error, StoreError):
            self.failure = f"the audit record could not be written: {error}"
        else:
            # The message of an unexpected error may quote the command line: name the error only.
            where = _where(error)
            self.failure = f"the audit record could not be made: internal error {where}"
        if always_warn:
            warn(self.failure)
        elif self.settings.on_failure != "block":
            warn(f"{self.failure}; pulumi runs anyway (on_failure: warn)")


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
