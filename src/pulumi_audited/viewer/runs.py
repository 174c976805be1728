"""Runs: the start and end record of one invocation, merged by run_id, in bounded memory.

Records are in time order in the log, and a run's start comes before its end. Newest first,
a run is complete when its start is seen (its end, if any, came earlier). Oldest first, a
run waits in a window until its end arrives, or until the log has moved more than a day past
its start, when it shows as unfinished.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator

from pulumi_audited import outcomes, timestamps

_ORPHAN_LIMIT = 10_000
_WINDOW_LIMIT = 100_000


class Run:
    __slots__ = ("end", "start", "state")

    def __init__(self, start: dict | None, end: dict | None, state: str | None = None) -> None:
        self.start = start
        self.end = end
        # For a start without an end: `running` or `unfinished` when the caller knows
        # (following the log); else it is worked out when asked.
        self.state = state

    @property
    def first(self) -> dict:
        return self.start or self.end or {}

    @property
    def run_id(self) -> str:
        return str(self.first.get("run_id") or "")

    @property
    def time(self) -> str | None:
        """When the run started; for an end without its start, estimated from the duration."""
        if self.start is None and self.end is not None:
            return _start_estimate(self.end)
        return self.first.get("time")

    def get(self, key: str) -> object:
        """A field of the run: the end record's value when there is one (it repeats the start's)."""
        if self.end is not None and key in self.end:
            return self.end.get(key)
        return self.first.get(key)

    @property
    def outcome(self) -> str:
        if self.end is not None:
            return str(self.end.get("outcome") or "unknown")
        if self.state is not None:
            return self.state
        return outcomes.RUNNING if still_running(self.first) else outcomes.UNFINISHED

    @property
    def agent(self) -> dict | None:
        """identity.agent ({"name", "model"}); None for no agent or records that do not say."""
        identity = self.get("identity")
        agent = identity.get("agent") if isinstance(identity, dict) else None
        return agent if isinstance(agent, dict) else None

    def as_json(self) -> dict:
        return {
            "run_id": self.run_id,
            "time": self.time,
            "end_time": self.end.get("time") if self.end else None,
            "user": self.get("user"),
            "stack": self.get("stack"),
            "project": self.get("project"),
            "command": self.get("command"),
            "outcome": self.outcome,
            "duration_ms": self.end.get("duration_ms") if self.end else None,
            "exit_code": self.end.get("exit_code") if self.end else None,
            "source_ip": self.get("source_ip"),
            "host": self.get("host"),
            "agent": self.agent,
            "start": self.start,
            "end": self.end,
        }


def _start_estimate(end: dict) -> str | None:
    stamp, duration = end.get("time"), end.get("duration_ms")
    if not isinstance(stamp, str) or not isinstance(duration, int):
        return stamp if isinstance(stamp, str) else None
    try:
        moment = timestamps.parse(stamp)
    except ValueError:
        return stamp
    return timestamps.format_instant(moment - dt.timedelta(milliseconds=duration))


def still_running(start: dict) -> bool:
    """A start without an end is running when its shim process is alive on this machine."""
    pid = start.get("pid")
    if start.get("host") != os.uname().nodename or not isinstance(pid, int) or pid <= 0:
        return False
    from pulumi_audited.store.worker_folder import pid_alive

    return pid_alive(pid)


def runs_newest_first(records: Iterable[dict]) -> Iterator[Run]:
    """Runs from records given newest first; each run as soon as its start is seen."""
    ends: dict[str, dict] = {}
    for record in records:
        run_id = str(record.get("run_id") or "")
        if record.get("phase") == "end":
            if run_id in ends:
                yield Run(None, ends.pop(run_id))
            ends[run_id] = record
            if len(ends) > _ORPHAN_LIMIT:
                yield Run(None, ends.pop(next(iter(ends))))
        else:
            yield Run(record, ends.pop(run_id, None))
    for end in ends.values():
        yield Run(None, end)


def _day_before(day: str) -> str:
    try:
        return timestamps.shift_day(day, -1)
    except ValueError:
        return day


def runs_oldest_first(records: Iterable[dict]) -> Iterator[Run]:
    """Runs from records given oldest first, in the order of their starts."""
    window: dict[object, Run] = {}
    stale_before = ""
    current_day = ""
    for record in records:
        run_id = str(record.get("run_id") or "")
        if record.get("phase") == "end":
            waiting = window.get(run_id)
            if waiting is not None and waiting.end is None:
                waiting.end = record
            else:
                window[object()] = Run(None, record)
        else:
            key: object = run_id if run_id not in window else object()
            window[key] = Run(record, None)
        day = str(record.get("time") or "")[:10]
        if day != current_day:
            current_day, stale_before = day, _day_before(day)
        while window:
            head_key = next(iter(window))
            head = window[head_key]
            start = head.start
            if (
                head.end is None
                and start is not None
                and len(window) < _WINDOW_LIMIT
                and str(start.get("time") or "")[:10] >= stale_before
            ):
                break  # it may still end
            del window[head_key]
            yield head
    yield from window.values()
