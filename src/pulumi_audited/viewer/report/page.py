"""The report's page: sections built from a Tally, as one HTML document.

Self-contained: styles are inline, charts are inline SVG, there is no script, and a
Content-Security-Policy meta forbids fetching anything (fonts, images, styles from elsewhere),
so the file opens the same from a mail attachment, an archive or an audit binder.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from pulumi_audited import outcomes
from pulumi_audited.viewer.report import charts, periods
from pulumi_audited.viewer.report.markup import Markup, anchor, join, tag, text
from pulumi_audited.viewer.report.style import CSS
from pulumi_audited.viewer.report.tally import CANCELLATIONS, HUMAN, Listing, Row, Tally

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
OUTCOME_COLOURS = (
    (outcomes.SUCCEEDED, "#4c9a2a"),
    (outcomes.CHANGES_DETECTED, "#8e6bbf"),
    (outcomes.FAILED, "#c8372d"),
    (outcomes.SIGNALED, "#7a1f1a"),
    (outcomes.CANCELED, "#e39b22"),
    (outcomes.RUNNING, "#8aa1b8"),
    (outcomes.UNFINISHED, "#a7a7a7"),
)
_PALETTE = ("#3b6ea5", "#d9822b", "#8e6bbf", "#2a9d8f", "#c8372d", "#6d6875", "#b5838d")
_TOP = 15


class Context(NamedTuple):
    """What the page says about how it was made."""

    filters: str
    hours: str
    generated: str
    export_hint: str
    log: str
    skipped: int  # lines of the log that were not records


def document(tally: Tally, links: dict[str, str], context: Context) -> str:
    sections = [
        _summary(tally, links),
        _per_day(tally),
        _changes(tally),
        _actors(tally),
        _unplanned(tally, links),
        _failures(tally),
        _listing_section(
            "reveals",
            "Secret reveals",
            tally.reveals,
            tally.reveals_by_user,
            "Runs that print secrets: --show-secrets, env open, env get --show-secrets, env run.",
        ),
        _listing_section(
            "outside-hours",
            "Runs outside working hours",
            tally.outside,
            tally.outside_by_user,
            f"Working hours: {context.hours}.",
        ),
        _change_table(tally, links, context),
        _preview_table(tally, links),
    ]
    period = f"{_when(tally.first)} to {_when(tally.last)}"
    header = tag(
        "header",
        tag("h1", "Pulumi audit report"),
        tag(
            "p",
            f"{tally.runs:,} runs from {period} (UTC). Filters: {context.filters or 'none'}. "
            f"Log: {context.log}. Generated {context.generated} by pulumi-audited.",
            class_="meta",
        ),
        _integrity(context.skipped),
    )
    body = tag("body", header, tag("main", *sections))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{text(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Pulumi audit report</title>"
        f"<style>{CSS}</style></head>{body}</html>\n"
    )


def _integrity(skipped: int) -> Markup:
    """What the page cannot vouch for: it reads records, it does not walk their hash chain."""
    verify = tag("code", "pulumi-audited audit verify")
    if skipped:
        lines = f"{skipped:,} line(s) of the log were not records and were skipped; "
        return tag("p", lines, verify, " names them.", class_="warning")
    return tag(
        "p", "The hash chain was not checked for this report: ", verify, " does.", class_="meta"
    )


def _when(stamp: str | None) -> str:
    return stamp[:19].replace("T", " ") if stamp else "-"


def _section(ident: str, title: str, *children: object) -> Markup:
    return tag("section", tag("h2", title), *children, id=ident)


def _summary(tally: Tally, links: dict[str, str]) -> Markup:
    planned = sum(1 for run_id in tally.updates if run_id in links)
    agents = tally.runs - tally.actors.get(HUMAN, 0)
    cancelled = sum(tally.outcomes.get(o, 0) for o in CANCELLATIONS)
    figures = (
        ("runs", tally.runs, None),
        ("infrastructure changes", tally.changes.total, "changes"),
        ("unplanned updates", len(tally.updates) - planned, "unplanned"),
        ("failed", tally.outcomes.get(outcomes.FAILED, 0), "failures"),
        ("cancelled or killed", cancelled, "failures"),
        ("secret reveals", tally.reveals.total, "reveals"),
        ("outside working hours", tally.outside.total, "outside-hours"),
        ("runs by AI agents", agents, "actors"),
    )
    cards = [
        tag(
            "div",
            tag("dt", tag("a", name, href=f"#{target}") if target else name),
            tag("dd", charts.number(value)),
        )
        for name, value, target in figures
    ]
    return tag("section", tag("dl", *cards, class_="cards"), id="summary")


def _per_day(tally: Tally) -> Markup:
    unit, buckets = periods.columns(tally.per_day)
    series = [(name, colour) for name, colour in OUTCOME_COLOURS if tally.outcomes.get(name)]
    others = [name for name in tally.outcomes if name not in dict(OUTCOME_COLOURS)]
    series += [(name, "#333333") for name in others]
    return _section(
        "per-day",
        f"Runs per {unit} by outcome",
        charts.stacked_columns(buckets, series, f"Runs per {unit} by outcome"),
        charts.legend(series),
    )


def _top(counter: Counter, top: int = _TOP) -> tuple[list[tuple[str, int]], int]:
    entries = counter.most_common(top)
    return [(str(name), count) for name, count in entries], max(len(counter) - top, 0)


def _bars_block(title: str, counter: Counter, colour: str = "#3b6ea5") -> Markup:
    entries, more = _top(counter)
    if not entries:
        return tag("div", tag("h3", title), tag("p", "None."))
    note = tag("p", f"... and {more:,} more", class_="note") if more else ""
    return tag("div", tag("h3", title), charts.bars(entries, title, colour), note)


def _changes(tally: Tally) -> Markup:
    return _section(
        "changes-by",
        "Infrastructure changes per stack and user",
        tag("p", "Runs whose command changes infrastructure or state (effect infra or state)."),
        tag(
            "div",
            _bars_block("By stack", tally.changes_by_stack),
            _bars_block("By user", tally.changes_by_user, "#2a9d8f"),
            class_="pair",
        ),
    )


def _share(counter: Counter, label: str, colours: dict[str, str]) -> Markup:
    parts = [(name, counter.get(name, 0), colour) for name, colour in colours.items()]
    return tag(
        "div",
        tag("h3", label),
        charts.share_bar(parts, label),
        charts.legend([(f"{n}: {c:,}", colour) for n, c, colour in parts if c]),
    )


def _actors(tally: Tally) -> Markup:
    # One colour per actor in both bars; humans first, then agents by their number of runs.
    names = [HUMAN] + [name for name, _ in tally.actors.most_common() if name != HUMAN]
    colours = {
        name: "#4c6a88" if name == HUMAN else _PALETTE[1 + index % (len(_PALETTE) - 1)]
        for index, name in enumerate(names)
    }
    return _section(
        "actors",
        "AI agents versus humans",
        tag("p", "Who was at the keyboard, as the record's identity.agent says (human: none)."),
        _share(tally.actors, "All runs", colours),
        _share(tally.change_actors, "Infrastructure changes", colours),
    )


def _unplanned(tally: Tally, links: dict[str, str]) -> Markup:
    by_stack, by_user, by_actor = tally.unplanned(links)
    unplanned = sum(by_stack.values())
    planned = len(tally.updates) - unplanned
    return _section(
        "unplanned",
        "Unplanned changes",
        tag(
            "p",
            "Updates (up, destroy, refresh) that no successful preview planned: the last one of "
            "the same stack, by the same user, shortly before the update, with no other update "
            "of the stack in between.",
        ),
        charts.share_bar(
            [("planned", planned, "#4c9a2a"), ("unplanned", unplanned, "#c8372d")],
            "Planned and unplanned updates",
        ),
        charts.legend(
            [(f"planned: {planned:,}", "#4c9a2a"), (f"unplanned: {unplanned:,}", "#c8372d")]
        ),
        tag(
            "div",
            _bars_block("By stack", by_stack, "#c8372d"),
            _bars_block("By user", by_user, "#c8372d"),
            _bars_block("By actor (AI agent or human)", by_actor, "#c8372d"),
            class_="pair",
        ),
    )


def _failures(tally: Tally) -> Markup:
    counts = tally.failures_by_command.most_common()
    table = tag(
        "table",
        tag("thead", tag("tr", tag("th", "command"), tag("th", "outcome"), tag("th", "runs"))),
        tag(
            "tbody",
            *(
                tag(
                    "tr",
                    tag("td", command),
                    tag("td", outcome),
                    tag("td", f"{count:,}", class_="num"),
                )
                for (command, outcome), count in counts
            ),
        ),
        class_="compact",
    )
    return _section(
        "failures",
        "Failures and cancellations",
        *((table, _rows_table(tally.failures)) if counts else (tag("p", "None."),)),
    )


def _listing_section(
    ident: str, title: str, listing: Listing, by_user: Counter, intro: str
) -> Markup:
    return _section(
        ident,
        title,
        tag("p", intro),
        tag("div", _bars_block("By user", by_user, "#8e6bbf"), class_="pair"),
        _rows_table(listing, argv=True),
    )


_COLUMNS = ("time (UTC)", "user", "agent", "stack", "command", "outcome", "exit", "seconds")


def _cells(row: Row) -> list[Markup]:
    seconds = f"{row.duration_ms / 1000:.1f}" if isinstance(row.duration_ms, int) else ""
    exit_code = "" if row.exit_code is None else row.exit_code
    return [
        tag("td", _when(row.time), class_="when"),
        tag("td", row.user),
        tag("td", "" if row.agent == HUMAN else row.agent),
        tag("td", row.stack),
        tag("td", row.command),
        tag("td", row.outcome, class_=f"o-{row.outcome}"),
        tag("td", exit_code, class_="num"),
        tag("td", seconds, class_="num"),
    ]


def _rows_table(listing: Listing, *, argv: bool = False) -> Markup:
    if not listing.total:
        return tag("p", "None.")
    head = [*_COLUMNS, "arguments"] if argv else list(_COLUMNS)
    body = [
        tag("tr", *_cells(row), *([tag("td", row.argv, class_="argv")] if argv else []))
        for row in reversed(listing.rows)
    ]
    return join([_left_out(listing), _table(head, body)])


def _table(head: Sequence[str], body: list[Markup]) -> Markup:
    return tag(
        "table", tag("thead", tag("tr", *(tag("th", name) for name in head))), tag("tbody", *body)
    )


def _left_out(listing: Listing, hint: Markup | None = None) -> Markup:
    shown = f"The newest {len(listing.rows):,} of {listing.total:,}, newest first."
    if not listing.left_out:
        return tag("p", f"{listing.total:,} runs, newest first.", class_="note")
    more = f"{shown} {listing.left_out:,} more are not shown"
    return tag("p", more, hint or "", ".", class_="note")


def _change_table(tally: Tally, links: dict[str, str], context: Context) -> Markup:
    listing = tally.changes
    body = []
    for row in reversed(listing.rows):
        preview = links.get(row.run_id)
        if preview is not None:
            plan = tag("a", "preview", href=f"#{anchor(preview)}")
        elif row.run_id in tally.updates:
            plan = tag("span", "unplanned", class_="unplanned")
        else:
            plan = Markup("")
        body.append(
            tag(
                "tr",
                *_cells(row),
                tag("td", row.git_head, class_="mono"),
                tag("td", plan),
                tag("td", row.argv, class_="argv"),
                id=anchor(row.run_id),
            )
        )
    hint = join([": ", tag("code", context.export_hint), " lists them all"])
    content = (
        join([_left_out(listing, hint), _table([*_COLUMNS, "git head", "plan", "arguments"], body)])
        if listing.total
        else tag("p", "None.")
    )
    return _section("changes", "Every infrastructure-changing run", content)


def _preview_table(tally: Tally, links: dict[str, str]) -> Markup:
    shown = {row.run_id for row in tally.changes.rows}
    planned_by: dict[str, list[str]] = {}
    for update, preview in links.items():
        if update in shown:
            planned_by.setdefault(preview, []).append(update)
    body = []
    for preview_id in sorted(
        planned_by, key=lambda p: tally.previews[p].time if p in tally.previews else ""
    ):
        row = tally.previews.get(preview_id)
        back = join(tag("a", "update", href=f"#{anchor(u)}") for u in planned_by[preview_id])
        cells = _cells(row) if row else [tag("td", preview_id), *[tag("td", "")] * 7]
        body.append(
            tag(
                "tr",
                *cells,
                tag("td", row.git_head if row else "", class_="mono"),
                tag("td", back),
                id=anchor(preview_id),
            )
        )
    content = _table([*_COLUMNS, "git head", "planned"], body) if body else tag("p", "None.")
    return _section("previews", "Previews that planned the changes above", content)
