"""Days grouped into the columns of the runs-over-time chart: per day, week (from its Monday),
month or year, the finest that gives at most MAX_COLUMNS columns over the period.

Times come from records, which can be forged (year 1, year 9999): a forged day makes the period
long and the unit coarse, never the chart huge. Years are not filled in between (a chart of
year 1 to 2026 would be two thousand empty columns); the other units are, so that a quiet day
shows as one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from pulumi_audited import timestamps

MAX_COLUMNS = 400
UNITS = ("day", "week", "month", "year")


def _start(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "year":
        return day.replace(month=1, day=1)
    return day


def _after(start: dt.date, unit: str) -> dt.date:
    if unit == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start + dt.timedelta(days=7 if unit == "week" else 1)


def _label(start: dt.date, unit: str) -> str:
    return {"month": start.isoformat()[:7], "year": start.isoformat()[:4]}.get(
        unit, start.isoformat()
    )


def _columns(first: dt.date, last: dt.date, unit: str) -> int:
    if unit == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    span = (_start(last, unit) - _start(first, unit)).days
    return span // (7 if unit == "week" else 1) + 1


def columns(per_day: dict[str, Counter]) -> tuple[str, list[tuple[str, Counter]]]:
    """(unit, [(label, counts)]) in time order; days that are not dates are left out."""
    days: dict[dt.date, Counter] = {}
    for text, counts in per_day.items():
        try:
            days[timestamps.parse_day(text)] = counts
        except ValueError:
            continue
    if not days:
        return "day", []
    first, last = min(days), max(days)
    unit = next((u for u in UNITS[:-1] if _columns(first, last, u) <= MAX_COLUMNS), UNITS[-1])
    filled: dict[dt.date, Counter] = {}
    if unit != "year":
        start, end = _start(first, unit), _start(last, unit)
        while True:
            filled[start] = Counter()
            if start >= end:
                break
            start = _after(start, unit)
    for day in sorted(days):
        filled.setdefault(_start(day, unit), Counter()).update(days[day])
    return unit, [(_label(start, unit), counts) for start, counts in sorted(filled.items())]
