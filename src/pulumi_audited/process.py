"""Run the real pulumi as a child and hand its exit status back, with every signal delivered once.

The signal contract (docs/signals.md):

* Foreground of a terminal (a developer's shell): pulumi stays in the shim's process group, so
  the job is exactly what the shell started: a Ctrl-C, Ctrl-\\ or Ctrl-Z reaches pulumi
  directly from the terminal, and pipelines such as `pulumi stack export | less` keep their
  terminal. The kernel marks such signals (si_code SI_KERNEL): the shim does not forward
  them. A signal sent to the shim with kill(2) - Node's Automation API, `timeout
  --foreground` - is forwarded.
* Anywhere else (no terminal: CI, the Automation API; or a background job): pulumi runs in a
  process group of its own and every signal that reaches the shim, sent to its pid or to its
  group, is forwarded once. A group signal cannot reach pulumi twice, since pulumi is not in
  the group.
* The same signal from the same sender within 50 ms is forwarded once: coreutils `timeout`
  signals both its child and its own group, and a second SIGINT or SIGTERM makes pulumi
  abandon its graceful cancel.
* When pulumi stops for the terminal (Ctrl-Z, a background read), the shim stops too so the
  shell sees the job stop; when it is continued, so is pulumi, with the terminal if it is ours.
* Signals that were ignored when the shim started stay ignored, for pulumi too (nohup).

`_signal` is used instead of `signal`, which costs 3 ms of enum building on every command.
"""

import _signal
import os
import time

FORWARDED = (
    _signal.SIGHUP,
    _signal.SIGINT,
    _signal.SIGQUIT,
    _signal.SIGTERM,
    _signal.SIGUSR1,
    _signal.SIGUSR2,
    _signal.SIGALRM,
    _signal.SIGTSTP,
    _signal.SIGCONT,
    _signal.SIGWINCH,
)
_TERMINAL_STOPS = (_signal.SIGTSTP, _signal.SIGTTIN, _signal.SIGTTOU)
# Python ignores these at start-up; pulumi must get the default, as subprocess does.
_RESET_IN_CHILD = (_signal.SIGPIPE, _signal.SIGXFSZ)
_SI_KERNEL = 0x80  # si_code of signals the kernel raised itself, e.g. the terminal's ^C
_DUPLICATE_WINDOW_NS = 50_000_000
_sigwaitinfo = getattr(_signal, "sigwaitinfo", None)  # Linux; macOS has only sigwait
_sigtimedwait = getattr(_signal, "sigtimedwait", None)


# Signals worth a line in the record; window resizes and continues are not.
_NOTEWORTHY = frozenset(FORWARDED) - {_signal.SIGWINCH, _signal.SIGCONT}


class Child:
    """The outcome of a run: the raw wait status and the signals meant for pulumi.

    `signals` lists, in order, the noteworthy signals pulumi was sent during the run, whether
    the terminal sent them itself or the shim forwarded them.
    """

    __slots__ = ("pid", "signals", "wait_status")

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.wait_status = 0
        self.signals: list[int] = []

    def note(self, number: int) -> None:
        if number in _NOTEWORTHY:
            self.signals.append(number)


class Runner:
    """Holds the signals from before pulumi starts until it has ended.

    Create it before writing the start record, so that a signal arriving in between waits and
    is then delivered to pulumi instead of killing the shim.
    """

    def __init__(self) -> None:
        self.watched = [
            number for number in FORWARDED if _signal.getsignal(number) != _signal.SIG_IGN
        ]
        blocked = {*self.watched, _signal.SIGCHLD, _signal.SIGTTOU, _signal.SIGTTIN}
        self.original_mask = _signal.pthread_sigmask(_signal.SIG_BLOCK, blocked)
        self.terminal = _controlling_terminal()
        self.shares_group = (
            self.terminal is not None
            and _sigwaitinfo is not None
            and _owns_terminal(self.terminal, os.getpgrp())
        )

    def release(self) -> None:
        """Give the signals back (when pulumi will not be run after all)."""
        _signal.pthread_sigmask(_signal.SIG_SETMASK, self.original_mask)

    def run(self, path: str, argv: list[bytes], env: dict[bytes, bytes], later=None) -> Child:
        """Start pulumi and wait for it. Raises OSError when it cannot be started.

        `later` is (seconds, function): call the function once pulumi has run that long."""
        if self.shares_group:
            pid = os.posix_spawn(
                path, argv, env, setsigmask=self.original_mask, setsigdef=_RESET_IN_CHILD
            )
        else:
            pid = os.posix_spawn(
                path,
                argv,
                env,
                setsigmask=self.original_mask,
                setsigdef=_RESET_IN_CHILD,
                setpgroup=0,
            )
        child = Child(pid)
        if not self.shares_group and self._terminal_is_ours():
            self._give_terminal_to(pid)
        try:
            self._supervise(child, later)
        finally:
            if not self.shares_group:
                self._take_terminal_back(pid)
        return child

    def _supervise(self, child: Child, later=None) -> None:
        waited = {*self.watched, _signal.SIGCHLD}
        last_seen: dict[tuple[int, int], int] = {}
        due = time.monotonic() + later[0] if later is not None else 0.0
        while True:
            if later is not None:
                info = _wait_until(waited, due)
                if info is None:
                    _call_quietly(later[1])
                    later = None
                    continue
                number, sender, code = info
            else:
                number, sender, code = _wait_for_signal(waited)
            if number == _signal.SIGCHLD:
                if self._reap(child):
                    return
                continue
            if self.shares_group and code == _SI_KERNEL:
                child.note(number)  # the terminal signalled the whole job, pulumi included
                continue
            now = time.monotonic_ns()
            previous = last_seen.get((number, sender))
            last_seen[(number, sender)] = now
            if previous is not None and now - previous < _DUPLICATE_WINDOW_NS:
                continue
            if number == _signal.SIGCONT:
                self._resume(child.pid)
                continue
            _send(child.pid, number)
            child.note(number)

    def _reap(self, child: Child) -> bool:
        """Collect pulumi's status changes; True once it has ended."""
        while True:
            try:
                pid, status = os.waitpid(child.pid, os.WNOHANG | os.WUNTRACED)
            except ChildProcessError:
                return True
            if pid == 0:
                return False
            if not os.WIFSTOPPED(status):
                child.wait_status = status
                return True
            self._follow_stop(child.pid, os.WSTOPSIG(status))

    def _follow_stop(self, pid: int, stop_signal: int) -> None:
        if stop_signal not in _TERMINAL_STOPS or self.terminal is None:
            return  # stopped by someone's SIGSTOP: whoever stopped it will continue it
        if not self.shares_group and stop_signal != _signal.SIGTSTP and self._terminal_is_ours():
            # pulumi touched the terminal while the shim held it (start-up race, or `fg` of a
            # running background job): hand it over instead of stopping.
            self._give_terminal_to(pid)
            _send_group(pid, _signal.SIGCONT)
            return
        _stop_like(stop_signal)
        self._resume(pid)

    def _resume(self, pid: int) -> None:
        if self.shares_group:
            _send(pid, _signal.SIGCONT)
            return
        if self._terminal_is_ours():
            self._give_terminal_to(pid)
        _send_group(pid, _signal.SIGCONT)

    def _terminal_is_ours(self) -> bool:
        return self.terminal is not None and _owns_terminal(self.terminal, os.getpgrp())

    def _give_terminal_to(self, pgid: int) -> None:
        if self.terminal is not None:
            try:
                os.tcsetpgrp(self.terminal, pgid)
            except OSError:
                pass  # pulumi already ended, or the terminal went away

    def _take_terminal_back(self, pgid: int) -> None:
        if self.terminal is not None and _owns_terminal(self.terminal, pgid):
            try:
                os.tcsetpgrp(self.terminal, os.getpgrp())
            except OSError:
                pass


def _stop_like(number: int) -> None:
    """Stop the shim with the signal that stopped pulumi, so the shell reports the same status.

    The signal is blocked here, so send it and unblock it: the process stops on the way out of
    pthread_sigmask, and continues there when the shell sends SIGCONT.
    """
    os.kill(os.getpid(), number)
    _signal.pthread_sigmask(_signal.SIG_UNBLOCK, {number})
    _signal.pthread_sigmask(_signal.SIG_BLOCK, {number})


def _wait_until(waited: set[int], due: float) -> "tuple[int, int, int] | None":
    """Like _wait_for_signal, or None once the monotonic clock reaches `due` (at once where
    there is no sigtimedwait)."""
    remaining = due - time.monotonic()
    if _sigtimedwait is None or remaining <= 0:
        return None
    info = _sigtimedwait(waited, remaining)
    if info is None:
        return None
    return info.si_signo, info.si_pid, info.si_code


def _call_quietly(function) -> None:
    try:
        function()
    except Exception:  # what runs beside pulumi must never stop its supervision
        pass


def _wait_for_signal(waited: set[int]) -> tuple[int, int, int]:
    """(signal number, sender pid, si_code) of the next pending signal in `waited`."""
    if _sigwaitinfo is not None:
        info = _sigwaitinfo(waited)
        return info.si_signo, info.si_pid, info.si_code
    return _signal.sigwait(waited), 0, 0


def _controlling_terminal() -> int | None:
    """A standard descriptor open on our controlling terminal, if any."""
    for fd in (0, 1, 2):
        try:
            os.tcgetpgrp(fd)
        except OSError:
            continue
        return fd
    return None


def _owns_terminal(fd: int, pgid: int) -> bool:
    try:
        return os.tcgetpgrp(fd) == pgid
    except OSError:
        return False


def _send(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        pass  # ended meanwhile; its SIGCHLD is on the way


def _send_group(pgid: int, number: int) -> None:
    try:
        os.killpg(pgid, number)
    except (ProcessLookupError, PermissionError):
        _send(pgid, number)
