"""The viewer's pure parts: time parsing, byte needles, escaping."""

from __future__ import annotations

import datetime as dt

import click
import pytest

from pulumi_audited.viewer.filters import ValueMatcher, build_filters, parse_time
from pulumi_audited.viewer.safe_text import csv_cell, escape

NOW = dt.datetime(2026, 11, 21, 10, 30, 0, 123456, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("text", "instant", "whole_day"),
    [
        ("now", "2026-11-21T10:30:00.123456Z", False),
        ("today", "2026-11-21T00:00:00.000000Z", True),
        ("yesterday", "2026-11-20T00:00:00.000000Z", True),
        ("2h", "2026-11-21T08:30:00.123456Z", False),
        ("90m", "2026-11-21T09:00:00.123456Z", False),
        ("3d", "2026-11-18T10:30:00.123456Z", False),
        ("1w", "2026-11-14T10:30:00.123456Z", False),
        ("2026-11-01", "2026-11-01T00:00:00.000000Z", True),
        ("2026-11-01T12:00", "2026-11-01T12:00:00.000000Z", False),
        ("2026-11-01T12:00:00Z", "2026-11-01T12:00:00.000000Z", False),
        ("2026-11-01 12:00+01:00", "2026-11-01T11:00:00.000000Z", False),
    ],
)
def test_time_forms(text, instant, whole_day):
    assert parse_time(text, option="--since", now=NOW) == (instant, whole_day)


@pytest.mark.parametrize("text", ["tomorrowish", "2h ago", "-3d", "2026-02-30", ""])
def test_bad_times(text):
    with pytest.raises(click.BadParameter):
        parse_time(text, option="--since", now=NOW)


def test_until_a_date_includes_the_whole_day():
    filters = build_filters(since="2026-11-01", until="2026-11-01")
    assert filters.since == "2026-11-01T00:00:00.000000Z"
    assert filters.until == "2026-11-02T00:00:00.000000Z"
    assert filters.time_match("2026-11-01T23:59:59.999999Z")
    assert not filters.time_match("2026-11-02T00:00:00.000000Z")


def test_needles_follow_the_writers_json():
    assert ValueMatcher("user", ["alice"]).needles() == [b'"user":"alice"']
    assert ValueMatcher("user", ["j\u00f6rg"]).needles() == [b'"user":"j\\u00f6rg"']
    assert ValueMatcher("stack", ["*/prod"]).needles() == [b"/prod"]
    assert ValueMatcher("stack", ["*"]).needles() is None
    glob = ValueMatcher("stack", ["org/*/p[ro]od"])
    assert glob.matches("org/app/prod") and not glob.matches("org/app/dev")
    assert build_filters(grep="two words").needle_groups() == []
    assert build_filters(grep="word").needle_groups() == [[b"word"]]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text", "plain text"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("a\rb\nc\td", "a\\rb\\nc\\td"),
        ("bell\x07", "bell\\x07"),
        ("\u202eevil", "\\u202eevil"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("back\\slash", "back\\\\slash"),
        ("\x9b31m", "\\x9b31m"),
        ("caf\u00e9", "caf\u00e9"),
    ],
)
def test_escape(raw, shown):
    assert escape(raw) == shown


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\\tx"),
        ("\rx", "'\\rx"),
        ("ok=1", "ok=1"),
        ("", ""),
    ],
)
def test_csv_cell(raw, cell):
    assert csv_cell(raw) == cell


@pytest.mark.parametrize(
    ("text", "instant", "whole_day"),
    [
        ("20261101", "2026-11-01T00:00:00.000000Z", True),
        ("2026-11-01T00:00", "2026-11-01T00:00:00.000000Z", False),
        ("2026-11-01 00:00Z", "2026-11-01T00:00:00.000000Z", False),
    ],
)
def test_every_date_form_names_a_whole_day_and_times_do_not(text, instant, whole_day):
    assert parse_time(text, option="--until", now=NOW) == (instant, whole_day)


def test_short_ids_one_at_a_time_agree_with_all_at_once():
    import random

    from pulumi_audited.viewer.short_ids import ShortIds, all_short

    rng = random.Random(3)
    tails: set[str] = set()
    while len(tails) < 3000:
        # Few random digits at the end: many ids share 7, 8 or 9 final characters (none all
        # 10: two runs that do cannot be told apart by any short id).
        tails.add("".join(rng.choice("0123") for _ in range(10)))
    ids = [f"01a2{n:04x}-0000-7000-8000-00{tail}" for n, tail in enumerate(sorted(tails))]
    packed = sorted({i[:-11:-1].encode() for i in ids[:2000]})
    one_by_one = ShortIds(b"".join(packed), {i[:-11:-1].encode() for i in ids[2000:]})
    together = all_short(ids)
    for run_id in ids:
        short = together[run_id]
        assert one_by_one.short(run_id) == short
        others = [i for i in ids if i != run_id and i.endswith(short)]
        assert 7 <= len(short) <= 10 and (others == [] or len(short) == 10)
    assert ShortIds().short("not-a-uuid") == "not-a-uuid"


def test_the_table_gives_way_in_the_order_given_and_never_cuts_the_last_column():
    from pulumi_audited.viewer import table

    titles = ("TIME", "STACK", "IP", "RUN")
    rows = [["2026-11-21 10:00:00Z", "organization/webapp/prod", "10.0.0.1", "abcdef0123"]]
    steps = (table.Cut(1, 12, from_start=True), table.Drop(2), table.Compact(0))
    compact = [["11-21 10:00", *rows[0][1:]]]

    def shown(width: int) -> list[str]:
        return table.render(
            titles, rows, width, steps, bold=str, compact_rows=compact, compact_titles=("T",)
        )

    assert shown(80)[1] == "2026-11-21 10:00:00Z  organization/webapp/prod  10.0.0.1  abcdef0123"
    # Cut as far as needed; then the IP goes; then the time turns compact.
    assert shown(60)[1] == "2026-11-21 10:00:00Z  …ion/webapp/prod  10.0.0.1  abcdef0123"
    assert shown(50) == [
        "TIME                  STACK         RUN",
        "2026-11-21 10:00:00Z  …webapp/prod  abcdef0123",
    ]
    assert shown(40) == ["T            STACK         RUN", "11-21 10:00  …webapp/prod  abcdef0123"]
    assert shown(10) == shown(40)  # nothing more gives way: the line is longer than the terminal


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", []),
        (b"\n", [(1, b"", True)]),
        (b"a\nb\n", [(1, b"a", True), (2, b"b", True)]),
        (b"a\nto", [(1, b"a", True), (2, b"to", False)]),  # torn, or still being written
    ],
)
def test_the_one_line_splitter_numbers_lines_and_marks_a_torn_last_one(data, expected):
    from pulumi_audited.store.chain import split_lines

    assert split_lines(data) == expected
