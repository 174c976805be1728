"""The log's timestamps: RFC 3339 in UTC with microseconds, `2026-11-21T05:18:00.123456Z`,
and its days, `2026-11-21`. The one place they are written and read.

The shim formats a record's time on its hot path, which must not import `datetime` nor
`__future__` (tests/test_hot_path.py, benchmarks/): format_ns needs only `time`; the readers
import `datetime` when called, which only the viewer and verify do.
"""

import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    import datetime as dt

_SECONDS = "%Y-%m-%dT%H:%M:%S"


def format_ns(epoch_ns: int) -> str:
    """A record's time from nanoseconds since the epoch."""
    seconds, nanos = divmod(epoch_ns, 1_000_000_000)
    return time.strftime(_SECONDS, time.gmtime(seconds)) + f".{nanos // 1000:06d}Z"


def compact_now() -> str:
    """Now as `20261121T051800Z`: for names, where `:` and `.` do not belong."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


def format_instant(moment: "dt.datetime") -> str:
    """An aware datetime as a record's time (in UTC)."""
    import datetime as dt

    moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime(_SECONDS) + f".{moment.microsecond:06d}Z"


def parse(stamp: object) -> "dt.datetime":
    """A time in ISO 8601 (a record's, or a user's; `Z` read as UTC, as Python 3.10 does not).
    Naive when it has no offset. Raises ValueError."""
    import datetime as dt

    return dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))


def epoch_millis(stamp: object) -> int:
    """Milliseconds since the epoch of a record's time. Raises ValueError."""
    return int(parse(stamp).timestamp() * 1000)


def parse_day(day: str) -> "dt.date":
    """A day, `2026-11-21` (a day partition's name, a record time's first ten characters).
    Raises ValueError."""
    import datetime as dt

    return dt.date.fromisoformat(day)


def shift_day(day: str, days: int) -> str:
    """The day `days` after `day` (before it when negative). Raises ValueError."""
    import datetime as dt

    try:
        return (parse_day(day) + dt.timedelta(days=days)).isoformat()
    except OverflowError:  # past year 1 or 9999: a forged record's time
        raise ValueError(f"{day} shifted by {days} days is outside the calendar") from None
