"""viewer.filters.FILTERS is the one place a filter is declared: each row is an option of
`audit log`, `export`, `stats` and `report` with its help, completes as its row says, and
matches."""

from __future__ import annotations

import pytest

from pulumi_audited.outcomes import OUTCOMES, RUN_STATES
from pulumi_audited.viewer.filters import FILTERS, build_filters

FILTER_COMMANDS = ("log", "export", "stats", "report")
ROWS = [pytest.param(row, id=row.name) for row in FILTERS]


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def recorded_runs(sandbox) -> list[dict]:
    for args in (["up", "--yes", "--stack", "prod"], ["preview"], ["stack", "ls"]):
        result = sandbox.run(*args)
        assert result.returncode == 0, result.stderr
    return sandbox.records()


def _candidates(sandbox, *words: str) -> tuple[list[tuple[str, str]], str]:
    """(value, help) pairs and the directive `audit __complete-audit WORDS` answers."""
    result = sandbox.run("audit", "__complete-audit", *words)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    pairs = [tuple((line + "\t").split("\t")[:2]) for line in lines[:-1]]
    return pairs, lines[-1]


@pytest.mark.parametrize("command", FILTER_COMMANDS)
def test_every_row_is_an_option_with_its_help(sandbox, command):
    result = sandbox.run("audit", command, "--help")
    assert result.returncode == 0, result.stderr
    text = _words(result.stdout.decode())
    for row in FILTERS:
        assert f"--{row.name} " in text, (command, row.name)
        # click wraps help anywhere, even after a hyphen: compare without the blanks.
        assert "".join(row.help.split()) in "".join(text.split()), (command, row.name)


@pytest.mark.parametrize("command", FILTER_COMMANDS)
def test_every_row_is_offered_by_tab_with_its_help(sandbox, command):
    pairs, directive = _candidates(sandbox, command, "--")
    offered = dict(pairs)
    for row in FILTERS:
        assert offered.get(f"--{row.name}") == _words(row.help), (command, row.name)
    assert directive == ":4"


@pytest.mark.parametrize("row", ROWS)
def test_each_row_completes_as_it_says(sandbox, recorded_runs, row):
    pairs, directive = _candidates(sandbox, "log", f"--{row.name}", "")
    values = sorted(value for value, _ in pairs)
    if row.completes == "log":
        assert values == sorted({str(r[row.name]) for r in recorded_runs if r.get(row.name)})
        assert values  # the recorded runs have some
    elif row.completes == "choices":
        assert values == sorted(OUTCOMES + RUN_STATES)
        export_pairs, _ = _candidates(sandbox, "export", f"--{row.name}", "")
        assert sorted(value for value, _ in export_pairs) == sorted(OUTCOMES)
    else:
        assert row.completes is None
        assert values == []
    assert directive == ":4"


@pytest.mark.parametrize("row", [p for p in ROWS if p.values[0].match == "value"])
def test_each_value_row_matches_its_field(row):
    record = {other.name: f"{other.name}-1" for other in FILTERS if other.match == "value"}
    record.update(time="2026-11-20T10:00:00.000000Z", argv=["up"])
    value = record[row.name]
    filters = build_filters(**{row.name: [value]})
    assert filters.record_match(record)
    assert not filters.record_match({**record, row.name: "other"})
    assert build_filters(**{row.name: [value[:2] + "*"]}).record_match(record)
    # The byte needle is the writer's JSON for the field.
    assert filters.needle_groups() == [[f'"{row.name}":"{value}"'.encode()]]


def test_an_unknown_filter_is_refused():
    with pytest.raises(TypeError, match="no such filter: colour"):
        build_filters(colour=["red"])


def test_every_row_and_outcome_is_in_the_viewer_docs():
    from pathlib import Path

    docs = (Path(__file__).resolve().parent.parent / "docs" / "viewer.md").read_text()
    section = docs.split("## Filters", 1)[1].split("\n## ", 1)[0]
    for row in FILTERS:
        assert f"`--{row.name}" in section, row.name
    for outcome in OUTCOMES + RUN_STATES:
        assert f"`{outcome}`" in section, outcome
