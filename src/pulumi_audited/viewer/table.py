"""Aligned columns that fit the terminal: columns give way one step at a time, in the order a
command names, until the table fits.

A step cuts a column to a width (its cells end in '…', or start with it for columns whose end
says most, like a stack name), drops a column, or switches a column to its compact cells
(a shorter time). The last column is never cut. Every cell is escaped first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pulumi_audited.viewer.safe_text import escape

_GAP = "  "
_CUT = "…"


@dataclass(frozen=True)
class Cut:
    column: int
    width: int
    from_start: bool = False  # keep the end of the text: '…webapp/prod'


@dataclass(frozen=True)
class Drop:
    column: int


@dataclass(frozen=True)
class Compact:
    column: int


Step = Cut | Drop | Compact


@dataclass
class Layout:
    """Which columns are shown, how wide, and which use their compact cells."""

    titles: list[str]
    widths: list[int]
    kept: list[int]
    compact: set[int] = field(default_factory=set)
    from_start: set[int] = field(default_factory=set)

    def width(self) -> int:
        return sum(self.widths[i] for i in self.kept) + len(_GAP) * (len(self.kept) - 1)


def fit(
    titles: Sequence[str],
    rows: list[list[str]],
    width: int,
    steps: Sequence[Step],
    *,
    compact_rows: list[list[str]] | None = None,
    compact_titles: Sequence[str] = (),
    at_least: Sequence[int] = (),
) -> Layout:
    """The layout for `rows` (and `compact_rows`, the same rows' compact cells) on a terminal
    `width` wide. `at_least` gives widths to reserve for rows still to come."""
    natural = [len(t) for t in titles]
    for row in rows:
        for index, cell in enumerate(row):
            natural[index] = max(natural[index], len(escape(cell)))
    for index, reserved in enumerate(at_least):
        natural[index] = max(natural[index], reserved)
    layout = Layout(list(titles), natural, list(range(len(titles))))
    for step in steps:
        excess = layout.width() - width
        if excess <= 0:
            break
        if step.column not in layout.kept:
            continue
        if isinstance(step, Drop):
            layout.kept.remove(step.column)
        elif isinstance(step, Compact):
            _compact(layout, step.column, compact_rows or [], compact_titles)
        else:
            floor = max(step.width, len(layout.titles[step.column]))
            current = layout.widths[step.column]
            layout.widths[step.column] = min(current, max(floor, current - excess))
            if layout.widths[step.column] < current and step.from_start:
                layout.from_start.add(step.column)
    return layout


def _compact(layout: Layout, column: int, compact_rows: list[list[str]], titles) -> None:
    layout.compact.add(column)
    if column < len(titles) and titles[column]:
        layout.titles[column] = titles[column]
    widest = max((len(escape(row[column])) for row in compact_rows), default=0)
    layout.widths[column] = max(len(layout.titles[column]), widest)


def header_line(layout: Layout, bold) -> str:
    """The titles, each through `bold` (a painter), padded like the cells below them."""
    last = layout.kept[-1]
    parts = [
        bold(layout.titles[i] if i == last else layout.titles[i].ljust(layout.widths[i]))
        for i in layout.kept
    ]
    return _GAP.join(parts)


def row_line(
    layout: Layout,
    cells: list[str],
    compact_cells: list[str] | None = None,
    paint: dict[int, Callable[[str], str]] | None = None,
) -> str:
    """One row: `paint` maps a column to a painter applied to its padded cell."""
    last = layout.kept[-1]
    parts = []
    for index in layout.kept:
        source = compact_cells if index in layout.compact and compact_cells else cells
        cell = escape(source[index])
        width = layout.widths[index]
        if len(cell) > width and _cuttable(layout, index):
            if index in layout.from_start:
                cell = _CUT + cell[len(cell) - width + 1 :]
            else:
                cell = cell[: max(0, width - 1)] + _CUT
        text = cell if index == last else cell.ljust(width)
        painter = (paint or {}).get(index)
        parts.append(painter(text) if painter else text)
    return _GAP.join(parts).rstrip()


def _cuttable(layout: Layout, index: int) -> bool:
    # The last column runs to the end of the line; the others keep the table aligned.
    return index != layout.kept[-1]


def render(
    titles: Sequence[str],
    rows: list[list[str]],
    width: int,
    steps: Sequence[Step],
    *,
    bold,
    compact_rows: list[list[str]] | None = None,
    compact_titles: Sequence[str] = (),
    painters: list[dict[int, Callable[[str], str]]] | None = None,
) -> list[str]:
    """The header and rows, fitted to `width`."""
    layout = fit(
        titles, rows, width, steps, compact_rows=compact_rows, compact_titles=compact_titles
    )
    lines = [header_line(layout, bold)]
    for index, row in enumerate(rows):
        compact = compact_rows[index] if compact_rows else None
        lines.append(row_line(layout, row, compact, painters[index] if painters else None))
    return lines
