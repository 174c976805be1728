"""Working hours, the `working_hours` setting: `Mon-Fri 08:00-18:00 Europe/Paris`.

Days (ranges and lists: `Mon-Fri`, `Sun-Thu`, `Mon,Wed,Fri`), then a span of the clock
(start inclusive, end exclusive, start before end), then an optional IANA time zone (UTC when
left out, the log's own zone). Parsed with string operations only, and no `__future__`:
config_values.py checks the setting with it, and the shim reads the configuration. The zone is
looked up only by the viewer (zoneinfo), when a report asks which runs fell outside these hours.
"""

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FORM = "days, hours and an optional time zone, e.g. 'Mon-Fri 08:00-18:00 Europe/Paris'"


class WorkingHours:
    __slots__ = ("days", "end", "start", "text", "zone_name")

    def __init__(self, text: str, days: frozenset[int], start: int, end: int, zone: str) -> None:
        self.text = text
        self.days = days  # Monday is 0, as datetime.weekday() counts
        self.start = start  # minutes after midnight
        self.end = end
        self.zone_name = zone

    def contains(self, weekday: int, minute_of_day: int) -> bool:
        return weekday in self.days and self.start <= minute_of_day < self.end


def parse(text: str) -> WorkingHours:
    """The working hours `text` names; ValueError saying what is wrong otherwise."""
    words = text.split()
    if len(words) not in (2, 3):
        raise ValueError(f"working_hours must be {FORM}, not {text!r}")
    days = _days(words[0])
    start, end = _span(words[1])
    zone = words[2] if len(words) == 3 else "UTC"
    if zone.startswith("/") or ".." in zone.split("/") or not zone.isprintable():
        raise ValueError(f"working_hours: {zone!r} is not a time zone name")
    return WorkingHours(" ".join(words), days, start, end, zone)


def _days(word: str) -> frozenset[int]:
    found: set[int] = set()
    for part in word.lower().split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"working_hours: {part!r} is not a day or a range such as Mon-Fri")
        index, stop = DAYS.index(first), DAYS.index(last or first)
        found.add(index)
        while index != stop:  # a range may wrap past Sunday: Sun-Thu
            index = (index + 1) % 7
            found.add(index)
    return frozenset(found)


def _span(word: str) -> tuple[int, int]:
    first, dash, last = word.partition("-")
    if not dash:
        raise ValueError(f"working_hours: {word!r} is not a span of hours such as 08:00-18:00")
    start, end = _minutes(first), _minutes(last)
    if start >= end:
        raise ValueError(f"working_hours: {word!r} ends before it starts")
    return start, end


def _minutes(clock: str) -> int:
    hours, colon, minutes = clock.partition(":")
    valid = (
        colon
        and hours.isdigit()
        and minutes.isdigit()
        and len(minutes) == 2
        and 1 <= len(hours) <= 2
    )
    if not valid or int(minutes) > 59 or int(hours) > 24 or (int(hours) == 24 and minutes != "00"):
        raise ValueError(f"working_hours: {clock!r} is not a time of day such as 08:00")
    return int(hours) * 60 + int(minutes)
