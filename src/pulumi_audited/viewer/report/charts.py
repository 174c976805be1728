"""Charts as inline SVG, drawn here: stacked columns over time, bars, and a share bar.

Each chart scales to the page's width (a viewBox, no fixed size) and carries its numbers in
`<title>` elements, which browsers show on hover without any script.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pulumi_audited.viewer.report.markup import Markup, join, tag, text

WIDTH = 960
_LEFT, _BOTTOM, _TOP = 48, 22, 8


def _svg(height: int, label: str, *children: object, width: int = WIDTH) -> Markup:
    return tag(
        "svg",
        *children,
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width} {height}",
        role="img",
        aria_label=label,
        class_="chart",
    )


def _label(x: float, y: float, value: object, anchor: str = "start") -> Markup:
    return tag("text", value, x=f"{x:.1f}", y=f"{y:.1f}", text_anchor=anchor)


def legend(series: Sequence[tuple[str, str]]) -> Markup:
    """A legend as HTML (it wraps, and prints), one swatch per (name, colour)."""
    items = (
        tag("span", tag("i", style=f"background:{colour}"), name, class_="key")
        for name, colour in series
    )
    return tag("p", join(items), class_="legend")


def stacked_columns(
    buckets: Sequence[tuple[str, Counter]], series: Sequence[tuple[str, str]], label: str
) -> Markup:
    """One column per bucket (a day or a week), its parts stacked in `series` order."""
    height = 220
    plot_h = height - _BOTTOM - _TOP
    plot_w = WIDTH - _LEFT - 8
    top = max((sum(counts.values()) for _, counts in buckets), default=0) or 1
    step = plot_w / max(len(buckets), 1)
    bar_w = min(max(step * 0.8, 0.6), 40)
    parts: list[Markup] = []
    for tick in (0, top / 2, top):
        y = _TOP + plot_h - plot_h * tick / top
        parts.append(
            tag("line", x1=_LEFT, x2=WIDTH - 8, y1=f"{y:.1f}", y2=f"{y:.1f}", class_="grid")
        )
        parts.append(_label(_LEFT - 4, y + 4, f"{tick:.0f}", "end"))
    for index, (name, counts) in enumerate(buckets):
        x = _LEFT + index * step
        y = _TOP + plot_h
        rects = []
        for key, colour in series:
            count = counts.get(key, 0)
            if not count:
                continue
            h = plot_h * count / top
            y -= h
            rects.append(
                tag(
                    "rect",
                    x=f"{x:.1f}",
                    y=f"{y:.1f}",
                    width=f"{bar_w:.1f}",
                    height=f"{h:.1f}",
                    fill=colour,
                )
            )
        if rects:
            summary = ", ".join(f"{counts[k]} {k}" for k, _ in series if counts.get(k))
            parts.append(tag("g", tag("title", f"{name}: {summary}"), *rects))
    if buckets:
        ends = {0: "start", len(buckets) // 2: "middle", len(buckets) - 1: "end"}
        for index, side in ends.items():
            x = _LEFT + index * step + {"start": 0, "middle": bar_w / 2, "end": bar_w}[side]
            parts.append(_label(x, height - 6, buckets[index][0], side))
    return _svg(height, label, *parts)


BARS_WIDTH = 560  # half the page: bar charts come in pairs


def bars(items: Sequence[tuple[str, int]], label: str, colour: str = "#3b6ea5") -> Markup:
    """Horizontal bars, largest first as given, each with its name and count."""
    row = 20
    label_w = 220
    height = max(len(items), 1) * row + 4
    top = max((count for _, count in items), default=0) or 1
    plot_w = BARS_WIDTH - label_w - 60
    parts = []
    for index, (name, count) in enumerate(items):
        y = 2 + index * row
        shown = name if len(name) <= 28 else name[:27] + "\u2026"
        w = max(plot_w * count / top, 1)
        parts.append(
            tag(
                "g",
                tag("title", f"{name}: {count}"),
                _label(label_w - 6, y + 14, shown, "end"),
                tag("rect", x=label_w, y=y + 3, width=f"{w:.1f}", height=row - 6, fill=colour),
                _label(label_w + w + 6, y + 14, count),
            )
        )
    return _svg(height, label, *parts, width=BARS_WIDTH)


def share_bar(parts: Sequence[tuple[str, int, str]], label: str) -> Markup:
    """One bar split by share: (name, count, colour) each."""
    height = 34
    total = sum(count for _, count, _ in parts) or 1
    x = 0.0
    drawn = []
    for name, count, colour in parts:
        if not count:
            continue
        w = WIDTH * count / total
        share = f"{100 * count / total:.1f}%"
        pieces = [tag("title", f"{name}: {count} ({share})")]
        pieces.append(tag("rect", x=f"{x:.1f}", y=2, width=f"{w:.1f}", height=30, fill=colour))
        if w > 90:
            pieces.append(tag("text", f"{name} {share}", x=f"{x + 6:.1f}", y=22, class_="inside"))
        drawn.append(tag("g", *pieces))
        x += w
    if not drawn:
        drawn.append(_label(4, 22, "none"))
    return _svg(height, label, *drawn)


def number(value: int) -> Markup:
    return text(f"{value:,}")
