"""`audit report --html`: what the page counts and links, on runs recorded by the real shim
in front of the stand-in pulumi; the file itself in a real browser is test_report_browser.py."""

from __future__ import annotations

import html
import json
import re
import shlex
from collections import Counter

import pytest

from pulumi_audited.store.local import LocalLog
from pulumi_audited.viewer.report.periods import columns
from pulumi_audited.viewer.report.tally import Tally
from pulumi_audited.working_hours import parse

ALWAYS = "Mon-Sun 00:00-24:00"


def report(sandbox, *args: str, env: dict | None = None) -> str:
    out = sandbox.root / "report.html"
    result = sandbox.run("audit", "report", "--html", str(out), *args, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    return out.read_text(encoding="utf-8")


def cards(page: str) -> dict[str, int]:
    found = re.findall(r"<dt>(?:<a [^>]*>)?([^<]+)(?:</a>)?</dt><dd>([\d,]+)</dd>", page)
    return {name: int(value.replace(",", "")) for name, value in found}


def run_ids(sandbox) -> list[str]:
    """Run ids in the order the runs were made."""
    seen: list[str] = []
    for record in sandbox.records():
        if record["run_id"] not in seen:
            seen.append(record["run_id"])
    return seen


def row(page: str, run_id: str) -> str:
    found = re.search(rf'<tr id="run-{run_id}">(.*?)</tr>', page)
    assert found, f"no row for run {run_id}"
    return found.group(1)


@pytest.fixture
def day_of_work(sandbox):
    """A preview and the update it planned, an update without a plan, a failed update, a
    second update after the planned one, a reveal of secrets; in that order."""
    for args, env in (
        (["preview", "-s", "dev"], None),
        (["up", "--yes", "-s", "dev"], None),
        (["up", "--yes", "-s", "prod"], None),
        (["up", "--yes", "-s", "staging"], {"FAKE_PULUMI_EXIT": "6"}),
        (["up", "--yes", "-s", "dev"], None),
        (["stack", "output", "-s", "dev", "--show-secrets"], None),
    ):
        result = sandbox.run(*args, env=env)
        assert result.returncode == (6 if env else 0), result.stderr
    return sandbox


def test_the_page_counts_runs_changes_failures_and_reveals(day_of_work):
    page = report(day_of_work, "--working-hours", ALWAYS)
    assert cards(page) == {
        "runs": 6,
        "infrastructure changes": 4,
        "unplanned updates": 3,
        "failed": 1,
        "cancelled or killed": 0,
        "secret reveals": 1,
        "outside working hours": 0,
        "runs by AI agents": 0,
    }
    for section in ("per-day", "changes-by", "actors", "unplanned", "failures", "reveals"):
        assert f'<section id="{section}">' in page
    assert page.count("<svg ") >= 8


def test_an_update_links_to_its_preview_and_back(day_of_work):
    preview, planned, unplanned, failed, second = run_ids(day_of_work)[:5]
    page = report(day_of_work)
    assert f'href="#run-{preview}"' in row(page, planned)
    assert f'href="#run-{planned}"' in row(page, preview)
    # Another update of dev came between the preview and the second: it planned only the first.
    for update in (unplanned, failed, second):
        assert "unplanned" in row(page, update) and "#run-" + preview not in row(page, update)
    assert page.count(f'href="#run-{preview}"') == 1


def test_filters_choose_the_runs(day_of_work):
    page = report(day_of_work, "--stack", "*/dev", "--working-hours", ALWAYS)
    assert cards(page)["runs"] == 4 and cards(page)["infrastructure changes"] == 2
    assert "Filters: --stack '*/dev'." in html.unescape(page)
    assert cards(report(day_of_work, "--outcome", "failed"))["runs"] == 1


def test_working_hours_come_from_the_option_or_the_setting(day_of_work):
    never = "Mon-Sun 00:00-00:01"  # every run but one at midnight is outside
    assert cards(report(day_of_work, "--working-hours", never))["outside working hours"] >= 5
    assert cards(report(day_of_work, "--working-hours", ALWAYS))["outside working hours"] == 0
    user_file = day_of_work.root / "xdg-config" / "pulumi-audited" / "config.yaml"
    user_file.parent.mkdir(parents=True)
    user_file.write_text(f"working_hours: {never}\n")
    assert cards(report(day_of_work))["outside working hours"] >= 5
    env = {"PULUMI_AUDITED_WORKING_HOURS": ALWAYS}
    assert cards(report(day_of_work, env=env))["outside working hours"] == 0
    assert (
        cards(report(day_of_work, "--working-hours", never, env=env))["outside working hours"] >= 5
    )
    shown = json.loads(day_of_work.run("audit", "config", "--json").stdout)
    assert shown["settings"]["working_hours"]["value"] == never
    # The zone of a setting is looked up when a report needs it; a wrong one names the setting.
    user_file.write_text("working_hours: Mon-Fri 08:00-18:00 Mars/Olympus\n")
    result = day_of_work.run("audit", "report", "--html", str(day_of_work.root / "r.html"))
    assert result.returncode == 125
    assert result.stderr.decode() == (
        f"pulumi-audited: the 'working_hours:' setting in {user_file}: working hours: unknown "
        "time zone 'Mars/Olympus'\n"
    )


def test_a_team_file_cannot_choose_the_working_hours(day_of_work):
    """Widened hours would hide every run from the report's out-of-hours list."""
    team = day_of_work.write_config(f"working_hours: {ALWAYS}\n")
    out = day_of_work.root / "report.html"
    result = day_of_work.run("audit", "report", "--html", str(out))
    assert result.returncode == 0
    assert result.stderr.decode() == (
        f"pulumi-audited: team config {team}, line 1: working_hours is ignored: a team file may "
        "not choose which runs a report flags as outside working hours; set it in your own "
        "config file or PULUMI_AUDITED_WORKING_HOURS\n"
    )
    assert "Working hours: Mon-Fri 08:00-18:00 UTC." in out.read_text()


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("Mon-Fri 18:00-08:00", "ends before it starts"),
        ("Weekdays 08:00-18:00", "is not a day"),
        ("Mon-Fri 8-18", "is not a time of day"),
        ("Mon-Fri 08:00-18:00 Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_bad_working_hours_are_a_usage_error(day_of_work, hours, message):
    out = day_of_work.root / "report.html"
    result = day_of_work.run("audit", "report", "--html", str(out), "--working-hours", hours)
    assert result.returncode == 2 and message in result.stderr.decode()
    assert not out.exists()


def test_working_hours_are_read_in_their_time_zone():
    paris = Tally(parse("Mon-Fri 09:00-18:00 Europe/Paris"), rows=10)
    assert not paris.is_outside("2026-07-01T07:30:00.000000Z")  # 09:30 in Paris (summer)
    assert paris.is_outside("2026-07-01T16:30:00.000000Z")  # 18:30 in Paris
    assert paris.is_outside("2026-12-01T07:30:00.000000Z")  # 08:30 in Paris (winter)
    assert paris.is_outside("2026-07-04T10:00:00.000000Z")  # a Saturday
    night = Tally(parse("Sun-Thu 22:00-24:00"), rows=10)
    assert not night.is_outside("2026-11-29T23:00:00.000000Z")  # Sunday 23:00
    assert night.is_outside("2026-11-27T23:00:00.000000Z")  # Friday


def test_long_tables_keep_the_newest_rows_and_name_the_export_that_has_them_all(day_of_work):
    page = report(day_of_work, "--rows", "1")
    assert "The newest 1 of 4, newest first. 3 more are not shown" in page
    command = re.search(
        r"not shown: <code>(pulumi-audited audit export [^<]*)</code> lists them all", page
    )
    assert command, page
    words = shlex.split(html.unescape(command.group(1)))
    assert words[:3] == ["pulumi-audited", "audit", "export"]
    exported = day_of_work.run(*words[1:])
    assert exported.returncode == 0, exported.stderr
    changes = {json.loads(line)["run_id"] for line in exported.stdout.splitlines()}
    ids = run_ids(day_of_work)
    assert changes == set(ids[1:5])
    newest = ids[4]
    assert f'id="run-{newest}"' in page and f'id="run-{ids[1]}"' not in page


HOSTILE_USER = '"><img src=x onerror="document.title=1">'
HOSTILE_STACK = "organization/webapp/<script>document.title='pwned'</script>"
BIDI = "\u202eevil\u202c"


def write_hostile_run(sandbox) -> None:
    """A real run's records, rewritten with hostile values and appended by the real writer."""
    sandbox.run("up", "--yes", "-s", "dev")
    start, end = sandbox.records()[-2:]
    log = LocalLog(str(sandbox.log_dir))
    for record in (start, end):
        record = {key: value for key, value in record.items() if key != "prev"}
        record.update(
            run_id="01aaaaaa-0000-7000-8000-00000000beef",
            user=HOSTILE_USER,
            stack=HOSTILE_STACK,
            argv=["up", "--yes", "-m", f"</td><script>window.pwned=1</script>{BIDI}"],
        )
        log.append(record)


def test_hostile_values_are_text(sandbox):
    write_hostile_run(sandbox)
    page = report(sandbox)
    assert "<script" not in page and "<img" not in page and "\u202e" not in page
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=&quot;document.title=1&quot;&gt;" in page
    assert "\\u202eevil\\u202c" in page


def test_the_page_fetches_nothing_and_runs_nothing(day_of_work):
    page = report(day_of_work)
    csp = "default-src &#x27;none&#x27;; style-src &#x27;unsafe-inline&#x27;; img-src data:"
    assert f'<meta http-equiv="Content-Security-Policy" content="{csp}">' in page
    assert not re.search(r"<(script|link|iframe|object|embed|img)\b", page)
    assert not re.search(r"\b(src|href)=\"(?!#)", page), "only anchors within the page"
    assert "url(" not in page and "@import" not in page


def test_standard_output_and_an_unwritable_file(day_of_work):
    result = day_of_work.run("audit", "report", "--html", "-")
    assert result.returncode == 0 and result.stdout.startswith(b"<!DOCTYPE html>")
    target = day_of_work.root / "missing-folder" / "r.html"
    result = day_of_work.run("audit", "report", "--html", str(target))
    assert result.returncode == 1
    assert result.stderr.decode() == f"Error: cannot write {target}: No such file or directory\n"


def test_the_chart_groups_days_into_at_most_400_columns():
    one = Counter(succeeded=1)
    assert columns({}) == ("day", [])
    unit, found = columns({"2026-01-01": one, "2026-01-03": Counter(failed=2)})
    assert unit == "day" and [label for label, _ in found] == [
        "2026-01-01",
        "2026-01-02",
        "2026-01-03",
    ]
    assert found[1][1] == Counter() and found[2][1] == Counter(failed=2)
    unit, found = columns({"2024-01-03": one, "2026-01-01": one, "2026-01-02": one})
    assert (
        unit == "week"
        and found[0][0] == "2024-01-01"
        and found[-1] == ("2025-12-29", Counter(succeeded=2))
    )
    unit, found = columns({"2010-05-20": one, "2026-01-01": one})
    assert unit == "month" and found[0][0] == "2010-05" and len(found) == 189
    # Forged days at the calendar's ends, and one that is not a day.
    unit, found = columns({"0001-01-01": one, "9999-12-31": one, "2026-13-01": one})
    assert unit == "year" and found == [("0001", one), ("9999", one)]


def test_forged_times_neither_break_nor_swell_the_page(sandbox):
    for args in (["preview", "-s", "dev"], ["up", "--yes", "-s", "dev"], ["up", "--yes"]):
        assert sandbox.run(*args).returncode == 0
    (path,) = sandbox.log_dir.glob("*.jsonl")
    forged = iter([b"0001-01-01T00:00:00.000000Z", b"9999-12-31T23:59:59.999999Z", b"garbage"])
    path.write_bytes(
        re.sub(
            rb'"time":"[^"]*"',
            lambda m: b'"time":"%s"' % next(forged, b"2026-11-20T10:00:00.000000Z"),
            path.read_bytes(),
        )
    )
    page = report(sandbox, "--working-hours", "Mon-Fri 08:00-18:00 America/New_York")
    assert cards(page)["runs"] == 3
    assert "Runs per year by outcome" in page and len(page) < 100_000


def test_the_page_says_where_it_read_and_what_it_skipped(day_of_work):
    page = report(day_of_work)
    assert f"Log: {day_of_work.log_dir}." in page
    assert "The hash chain was not checked for this report" in page
    (path,) = day_of_work.log_dir.glob("*.jsonl")
    with open(path, "ab") as handle:
        handle.write(b'{"not": "ours"}\n<script>x</script>\n')
    out = day_of_work.root / "report.html"
    result = day_of_work.run("audit", "report", "--html", str(out))
    assert result.returncode == 0 and b"skipped 2 corrupt or foreign line(s)" in result.stderr
    page = out.read_text()
    assert "2 line(s) of the log were not records and were skipped" in page
    assert cards(page)["runs"] == 6 and "<script>" not in page
