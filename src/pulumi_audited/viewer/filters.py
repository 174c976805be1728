"""The filters shared by `audit log`, `export`, `stats` and `report`: parsing and matching.

Times are compared as RFC 3339 strings (`2026-11-21T05:18:00.123456Z`), which sort like the
instants they name, so a record's `time` is never parsed. Exact values also become byte
needles: the writer's JSON is canonical (`"user":"alice"` appears literally), so a line that
lacks every needle of a field cannot match and need not be parsed.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import click

from pulumi_audited import timestamps
from pulumi_audited.outcomes import OUTCOMES, RUN_STATES
from pulumi_audited.timestamps import format_instant

# `--agent` words for "no agent" and "some agent" rather than an agent's name.
AGENT_NONE, AGENT_ANY = "none", "any"
_GLOB_CHARS = "*?["
_RELATIVE = re.compile(r"^(\d+)\s*(s|sec|m|min|h|hr|d|day|days|w|week|weeks)$")
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}
_UNIT_SECONDS.update(day=86400, days=86400, w=604800, week=604800, weeks=604800)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_time(text: str, *, option: str, now: dt.datetime | None = None) -> tuple[str, bool]:
    """(RFC 3339 UTC instant, names a whole day) for `2h`, `3d`, `today`, `yesterday`, `now`,
    `2026-11-20` (or `20261120`), `2026-11-20T10:00`, `2026-11-20 10:00:00+01:00`. A date
    names the whole day, whatever form the ISO parser accepts it in; a time is an instant.
    Times without an offset are UTC, the log's own zone. Raises click.BadParameter."""
    now = now or dt.datetime.now(dt.timezone.utc)
    value = text.strip().lower()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if value == "now":
        return format_instant(now), False
    if value == "today":
        return format_instant(today), True
    if value == "yesterday":
        return format_instant(today - dt.timedelta(days=1)), True
    relative = _RELATIVE.match(value)
    if relative:
        seconds = int(relative.group(1)) * _UNIT_SECONDS[relative.group(2)]
        return format_instant(now - dt.timedelta(seconds=seconds)), False
    compact_date = _COMPACT_DATE.match(value)
    if compact_date:  # Python 3.11 reads 20261120 as a date, 3.10 does not
        value = "-".join(compact_date.groups())
    try:
        moment = timestamps.parse(value.upper())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a time: use an ISO date or time (2026-11-20, 2026-11-20T10:00Z), "
            "a relative one (90m, 2h, 3d, 1w) or today, yesterday, now",
            param_hint=option,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    whole_day = not any(mark in value for mark in "t :")
    return format_instant(moment), whole_day


def _next_day(instant: str) -> str:
    return f"{timestamps.shift_day(instant[:10], 1)}T00:00:00.000000Z"


def _literal_needle(pattern: str) -> bytes | None:
    """The longest run of plain characters in a glob, when the writer's JSON keeps it as is."""
    pieces = re.split(r"[*?]|\[[^\]]*\]?", pattern)
    longest = max(pieces, key=len, default="")
    if len(longest) >= 2 and _plain(longest):
        return longest.encode("ascii")
    return None


def _plain(text: str) -> bool:
    """The writer's JSON keeps `text` byte for byte."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


class ValueMatcher:
    """One filter option: any of several exact values or globs."""

    def __init__(self, key: str, patterns: Sequence[str]) -> None:
        self.key = key
        self.exact = {p for p in patterns if not any(c in p for c in _GLOB_CHARS)}
        self.globs = [p for p in patterns if any(c in p for c in _GLOB_CHARS)]

    def matches(self, value: object) -> bool:
        if value is None:
            return False
        text = str(value)
        return text in self.exact or any(fnmatch.fnmatchcase(text, g) for g in self.globs)

    def matches_record(self, record: dict) -> bool:
        return self.matches(record.get(self.key))

    def needles(self) -> list[bytes] | None:
        """Byte strings of which a matching line contains at least one; None when unknown."""
        found = [f'"{self.key}":{json.dumps(v, ensure_ascii=True)}'.encode() for v in self.exact]
        return self._with_glob_needles(found)

    def _with_glob_needles(self, found: list[bytes]) -> list[bytes] | None:
        """`found` and a literal part of each glob; None when a glob has none."""
        for glob in self.globs:
            literal = _literal_needle(glob)
            if literal is None:
                return None
            found.append(literal)
        return found


def agent_name(record: dict) -> str | bool | None:
    """The name of the agent that ran the record's command; None for no agent; False when
    the record does not say (written before agents were recorded, or not a dict)."""
    identity = record.get("identity")
    if not isinstance(identity, dict) or "agent" not in identity:
        return False
    agent = identity["agent"]
    if agent is None:
        return None
    return str(agent.get("name")) if isinstance(agent, dict) else False


class AgentMatcher(ValueMatcher):
    """`--agent`: names or globs, `none` (no agent) and `any` (some agent). Records that do
    not say (written before agents were recorded) match neither `none` nor `any`."""

    def __init__(self, patterns: Sequence[str]) -> None:
        super().__init__("agent", [p for p in patterns if p not in (AGENT_NONE, AGENT_ANY)])
        self.none = AGENT_NONE in patterns
        self.any = AGENT_ANY in patterns

    def matches_record(self, record: dict) -> bool:
        name = agent_name(record)
        if name is False:
            return False
        if name is None:
            return self.none
        return self.any or self.matches(name)

    def needles(self) -> list[bytes] | None:
        # The writer's canonical JSON: `"agent":null` or `"agent":{"name":"claude",...}`.
        found = [b'"agent":null'] if self.none else []
        if self.any:
            return [*found, b'"agent":{"name":']
        found += [b'"agent":{"name":' + json.dumps(v).encode() for v in self.exact]
        return self._with_glob_needles(found)


@dataclass
class Filters:
    matchers: list[ValueMatcher] = field(default_factory=list)
    events: ValueMatcher | None = None
    outcomes: frozenset[str] = frozenset()
    since: str | None = None
    until: str | None = None  # exclusive
    grep: str | None = None
    unplanned: bool = False  # only updates no preview planned: viewer/plan_query.py

    @property
    def first_day(self) -> str | None:
        return self.since[:10] if self.since else None

    def last_day(self, spill_days: int = 0) -> str | None:
        if not self.until:
            return None
        return timestamps.shift_day(self.until[:10], spill_days)

    def needle_groups(self) -> list[list[bytes]]:
        """For each run-invariant filter, the bytes of which a matching line has one."""
        groups = []
        for matcher in self.matchers:
            needles = matcher.needles()
            if needles:
                groups.append(needles)
        # Without a space the text lies within one argument, which JSON keeps as it is.
        if self.grep and _plain(self.grep) and " " not in self.grep:
            groups.append([self.grep.encode("ascii")])
        return groups

    def invariant_match(self, record: dict) -> bool:
        """The filters that a run's start and end record answer alike."""
        for matcher in self.matchers:
            if not matcher.matches_record(record):
                return False
        if self.grep is not None:
            argv = record.get("argv")
            text = " ".join(str(a) for a in argv) if isinstance(argv, list) else str(argv or "")
            if self.grep not in text:
                return False
        return True

    def time_match(self, instant: str | None) -> bool:
        if instant is None:
            return self.since is None and self.until is None
        if self.since is not None and instant < self.since:
            return False
        return not (self.until is not None and instant >= self.until)

    def record_match(self, record: dict) -> bool:
        """Every filter, applied to a single record (export)."""
        if not self.invariant_match(record) or not self.time_match(record.get("time")):
            return False
        if self.events is not None and not self.events.matches(record.get("event")):
            return False
        return not self.outcomes or record.get("outcome") in self.outcomes


class Filter(NamedTuple):
    """One row of FILTERS: an option of `audit log`, `export`, `stats` and `report`.

    `match`: how a value is tested. "value" (exact or glob on the record's field of that name,
    also a byte needle), "agent" (AgentMatcher), "event" (exact or glob, not run-invariant),
    "outcome" (a choice), "since"/"until" (a time), "grep" (text in the arguments),
    "unplanned" (a flag: updates no preview planned, which only a pass over the runs tells).
    `completes`: what TAB offers. "log" (the field's recent values in the log), "choices"
    (the option's choices), None (nothing)."""

    name: str
    help: str
    match: str
    completes: str | None = None


_ANY_OF = "Repeatable: any of them matches."

FILTERS = (
    Filter("user", f"User, exact or glob. {_ANY_OF}", "value", "log"),
    Filter("stack", f"Stack, exact or glob, e.g. '*/prod'. {_ANY_OF}", "value", "log"),
    Filter("project", f"Project, exact or glob. {_ANY_OF}", "value"),
    Filter("command", f"Command path, exact or glob, e.g. 'up', 'config *'. {_ANY_OF}", "value"),
    Filter("event", f"Event id, exact or glob, e.g. 'stack-update-*'. {_ANY_OF}", "event"),
    Filter("outcome", f"Outcome. {_ANY_OF}", "outcome", "choices"),
    Filter("host", f"Host name, exact or glob. {_ANY_OF}", "value"),
    Filter(
        "effect",
        f"What the command changes: infra, state, local, read or unknown. {_ANY_OF}",
        "value",
    ),
    Filter(
        "agent",
        f"AI agent that ran pulumi, exact or glob; 'none': no agent, 'any': any agent. {_ANY_OF}",
        "agent",
    ),
    Filter(
        "since",
        "From (inclusive): 2026-11-20 (from its start), 2026-11-20T10:00Z, 2h, 3d, "
        "today, yesterday. No offset means UTC.",
        "since",
    ),
    Filter(
        "until",
        "Up to: a date, today or yesterday includes that whole day; a time "
        "(2026-11-20T10:00Z, 2h, now) is exclusive.",
        "until",
    ),
    Filter("grep", "Text in the (redacted) arguments.", "grep"),
    Filter(
        "unplanned",
        "Only updates (up, destroy, refresh) that no preview planned: same stack, user, "
        "agent and git head, within the plan window.",
        "unplanned",
    ),
)
# Single-valued options and flags; every other row is repeatable.
_SINGLE = ("since", "until", "grep")
_FLAGS = ("unplanned",)


def log_completed_fields() -> frozenset[str]:
    """The filters whose values TAB takes from the log."""
    return frozenset(row.name for row in FILTERS if row.completes == "log")


def build_filters(**values: Sequence[str] | str | bool | None) -> Filters:
    """Filters from option values by row name; a missing or empty value filters nothing."""
    unknown = set(values) - {row.name for row in FILTERS}
    if unknown:
        raise TypeError(f"no such filter: {', '.join(sorted(unknown))}")
    filters = Filters()
    for row in FILTERS:
        given = values.get(row.name)
        if given:
            _apply(filters, row, given)
    if filters.since and filters.until and filters.since >= filters.until:
        raise click.BadParameter(
            f"--since {values['since']} is not before --until {values['until']}",
            param_hint="--since/--until",
        )
    return filters


def _apply(filters: Filters, row: Filter, given: Sequence[str] | str | bool) -> None:
    if row.match == "unplanned":
        filters.unplanned = bool(given)
        return
    assert not isinstance(given, bool)
    if row.match == "value":
        filters.matchers.append(ValueMatcher(row.name, list(given)))
    elif row.match == "agent":
        filters.matchers.append(AgentMatcher(list(given)))
    elif row.match == "event":
        filters.events = ValueMatcher(row.name, list(given))
    elif row.match == "outcome":
        filters.outcomes = frozenset(given)
    elif row.match == "since":
        filters.since, _ = parse_time(str(given), option="--since")
    elif row.match == "until":
        instant, whole_day = parse_time(str(given), option="--until")
        filters.until = _next_day(instant) if whole_day else instant
    elif row.match == "grep":
        filters.grep = str(given)
    else:
        raise ValueError(f"filter {row.name}: unknown match {row.match!r}")


def _option(row: Filter, with_outcome_states: bool):
    if row.name in _FLAGS:
        return click.option(f"--{row.name}", is_flag=True, help=row.help)
    extra: dict = {} if row.name in _SINGLE else {"multiple": True}
    if row.completes == "choices":
        choices = OUTCOMES + (RUN_STATES if with_outcome_states else ())
        extra["type"] = click.Choice(choices)
    return click.option(f"--{row.name}", help=row.help, **extra)


def filter_options(*, with_outcome_states: bool):
    """The rows of FILTERS as one click decorator, in the table's order."""

    def decorate(function):
        for row in reversed(FILTERS):
            function = _option(row, with_outcome_states)(function)
        return function

    return decorate


def filters_from(params: dict) -> Filters:
    """Filters from a command's parameters, which lose the filter options."""
    return build_filters(**{row.name: params.pop(row.name) for row in FILTERS})
