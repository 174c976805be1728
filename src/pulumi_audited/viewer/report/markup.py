"""The one place the report turns data into HTML.

Everything from a record (users, stacks, arguments, hosts, even times and run ids: records can
be forged) passes through `text`: control and format characters (bidi overrides such as
U+202E, zero-width joiners) become visible backslash escapes as in the terminal, then `<`, `>`,
`&` and both quotes become entities, so a value is text in element content and in a quoted
attribute alike. Only `Markup`, which the report's own code builds, is written as it is.
"""

from __future__ import annotations

import html

from pulumi_audited.viewer.safe_text import escape


class Markup(str):
    """HTML the report built itself; never escaped again."""

    __slots__ = ()


def text(value: object) -> Markup:
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(escape(value), quote=True))


def join(parts) -> Markup:
    return Markup("".join(text(part) for part in parts))


def tag(name: str, *children: object, **attributes: object) -> Markup:
    """`<name attributes>children</name>`; `class_` gives `class`, `None` leaves one out.
    Names are the report's own, never data."""
    attrs = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{text(value)}"'
        for key, value in attributes.items()
        if value is not None
    )
    return Markup(f"<{name}{attrs}>{join(children)}</{name}>")


def anchor(run_id: object) -> str:
    """A run's element id: run ids are UUIDs, but a forged one may hold anything."""
    return "run-" + "".join(
        c if c.isascii() and (c.isalnum() or c == "-") else "_" for c in str(run_id)
    )
