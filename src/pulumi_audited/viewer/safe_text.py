"""Hostile data made harmless for terminals and spreadsheets.

Arguments, stack names, reasons and hosts are user-controlled: a record may carry escape
sequences that would recolour, retitle or rewrite a terminal, bidirectional overrides that
make text read differently than it is stored, or a CSV cell that a spreadsheet runs.
"""

from __future__ import annotations

import unicodedata

_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _escape_char(char: str) -> str:
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _is_safe(char: str) -> bool:
    if char == "\\":
        return False
    if char.isprintable():
        # Format characters (bidi overrides, zero-width joiners) are "printable" to some
        # terminals but change how the text around them reads.
        return unicodedata.category(char) != "Cf"
    return False


def escape(text: object) -> str:
    """`text` with every control character, escape sequence introducer and format character
    written as a visible backslash escape; a backslash itself is doubled so nothing is
    ambiguous."""
    value = "" if text is None else str(text)
    if value.isascii() and value.isprintable() and "\\" not in value:
        return value
    return "".join(char if _is_safe(char) else _escape_char(char) for char in value)


def csv_cell(text: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading `=`, `+`, `-`, `@`, tab or carriage
    return would make it a formula, so such cells start with a single quote (OWASP's advice)."""
    raw = "" if text is None else str(text)
    value = escape(raw)
    # Control characters are escaped too (a cell is read by people), so a leading tab or
    # carriage return is checked on the raw text.
    if raw.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
