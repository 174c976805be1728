"""The model an AI coding agent is set to, read from its settings files as pulumi reads them.

pulumi's `sdk/go/common/util/agentdetect/agentdetect.go` DetectModel: claude and cowork read
`~/.claude/settings.json` (then settings.local.json), codex `~/.codex/config.toml`, gemini
`~/.gemini/settings.json`. Loaded only for a run an agent drives; no json, re or tomllib.
"""

import os

from pulumi_audited.capture import read_small_file, trim
from pulumi_audited.fastjson import scanner

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

# Settings files are small; pulumi reads any size, a bound keeps a stray huge file cheap.
_MAX_SETTINGS_BYTES = 4 << 20


def model_from_settings(agent: str, environ: "Mapping[str, str]") -> str:
    """The model in the settings file of `agent` (lower-cased), "" when none says."""
    if agent in ("claude", "cowork"):
        return _claude_model(environ)
    if agent == "codex":
        return _codex_model(environ)
    if agent == "gemini":
        return _json_model(_join(_home(environ), ".gemini", "settings.json")) or ""
    return ""


def _home(environ: "Mapping[str, str]") -> str:
    """agentdetect.homeDir: $HOME, $USERPROFILE, then os.UserHomeDir (which is $HOME on Unix,
    so ""): a relative path then, as Go's filepath.Join("", ".claude") is."""
    return trim(environ.get("HOME", "")) or trim(environ.get("USERPROFILE", ""))


def _join(*parts: str) -> str:
    # filepath.Join cleans lexically ("a/../b" is "b"); so does normpath.
    return os.path.normpath(os.path.join(*parts))


def _claude_model(environ: "Mapping[str, str]") -> str:
    folder = trim(environ.get("CLAUDE_CONFIG_DIR", "")) or _join(_home(environ), ".claude")
    for name in ("settings.json", "settings.local.json"):
        model = _json_model(_join(folder, name))
        if model:
            return model
    return ""


# --- JSON: Go's json.Unmarshal into struct{ Model string `json:"model"` } -----------------


class _Pairs(list):
    """A JSON object as its (key, value) pairs in document order (an array stays a list)."""


def _reject_constant(name: str) -> float:
    raise ValueError(name)  # NaN and Infinity are not JSON to Go


_scan_pairs = scanner(_Pairs, _reject_constant)
_JSON_SPACE = " \t\n\r"


def _json_model(path: str) -> str | None:
    """The trimmed `model` string; None when Go's decoding of the file fails.

    As encoding/json does: keys match case-insensitively, the last match wins, a null leaves
    the field as it was, any other non-string value fails the whole decoding, and so does a
    byte-order mark; invalid UTF-8 becomes U+FFFD.
    """
    data = read_small_file(path, _MAX_SETTINGS_BYTES)
    if data is None:
        return None
    text = data.decode("utf-8", "replace")
    try:
        start = len(text) - len(text.lstrip(_JSON_SPACE))
        document, end = _scan_pairs(text, start)
    except Exception:  # StopIteration, ValueError, RecursionError: not JSON
        return None
    if text[end:].strip(_JSON_SPACE):
        return None
    if document is None:
        return ""
    if not isinstance(document, _Pairs):
        return None
    model = ""
    for key, value in document:
        if key.isascii() and key.lower() == "model":
            if isinstance(value, str):
                model = value
            elif value is not None:
                return None
    return trim(model)


# --- TOML: BurntSushi/toml decoding into struct{ Model string `toml:"model"` } -----------
# tomllib costs 13 ms to import (it brings re and typing), more than the shim's whole budget.
# Codex refuses to start with a malformed config.toml, so a reader of the root table's one key
# agrees with a full decoding for every file codex itself accepts.


def _codex_model(environ: "Mapping[str, str]") -> str:
    data = read_small_file(_join(_home(environ), ".codex", "config.toml"), _MAX_SETTINGS_BYTES)
    if data is None:
        return ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ""  # TOML must be UTF-8: the decoding fails
    return trim(toml_root_string(text, "model") or "")


def toml_root_string(text: str, key: str) -> str | None:
    """The string value of `key` (matched case-insensitively, an exact match first) in the
    root table; "" when absent; None when the key holds no string, which fails the decoding.

    Multi-line strings, arrays and inline tables are skipped as wholes, so their content is
    never taken for a key or a table header.
    """
    found: dict[str, str | None] = {}
    position = 0
    length = len(text)
    while position < length:
        position = _skip_blank(text, position)
        if position >= length:
            break
        if text[position] == "[":
            break  # the first table header ends the root table
        name, position = _toml_key(text, position)
        if name is None:
            return None
        position = _skip_inline_space(text, position)
        if not text.startswith("=", position):
            return None
        position = _skip_inline_space(text, position + 1)
        value, position = _toml_value(text, position)
        if position < 0:
            return None
        base, dotted = name
        if base.lower() == key:
            if dotted or base in found:
                return None  # `model.x = ...` makes a table; a key defined twice is an error
            found[base] = value
        line_end = text.find("\n", position)
        rest = text[position : length if line_end < 0 else line_end]
        rest = rest.strip(" \t\r")
        if rest and not rest.startswith("#"):
            return None
        position = length if line_end < 0 else line_end + 1
    if key in found:
        return found[key]
    # Several spellings and no exact one: Go ranges over a map, so any of them may win.
    return next(iter(found.values()), "")


def _skip_blank(text: str, position: int) -> int:
    """Past whitespace, newlines and comments."""
    length = len(text)
    while position < length:
        char = text[position]
        if char in " \t\r\n":
            position += 1
        elif char == "#":
            end = text.find("\n", position)
            position = length if end < 0 else end + 1
        else:
            break
    return position


def _skip_inline_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t":
        position += 1
    return position


_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _toml_key(text: str, position: int) -> tuple[tuple[str, bool] | None, int]:
    """((first part of the key, whether it is dotted), position after it)."""
    parts: list[str] = []
    while True:
        position = _skip_inline_space(text, position)
        if position >= len(text):
            return None, position
        char = text[position]
        if char in "\"'":
            part, position = _toml_string(text, position)
            if part is None:
                return None, position
        else:
            start = position
            while position < len(text) and text[position] in _BARE_KEY:
                position += 1
            if position == start:
                return None, position
            part = text[start:position]
        parts.append(part)
        position = _skip_inline_space(text, position)
        if not text.startswith(".", position):
            return (parts[0], len(parts) > 1), position
        position += 1


def _toml_value(text: str, position: int) -> tuple[str | None, int]:
    """(the string, or None for any other value, position after the value); -1: malformed."""
    if position >= len(text):
        return None, -1
    char = text[position]
    if char in "\"'":
        value, end = _toml_string(text, position)
        return (value, end) if value is not None else (None, -1)
    if char in "[{":
        return None, _skip_brackets(text, position)
    # A number, boolean or date (which may hold a space): the rest of the line.
    end = position
    while end < len(text) and text[end] not in "\r\n#":
        end += 1
    return None, end if end > position else -1


def _skip_brackets(text: str, position: int) -> int:
    """Past a balanced array or inline table, strings and comments included; -1: unbalanced."""
    depth = 0
    length = len(text)
    while position < length:
        char = text[position]
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return position + 1
        elif char in "\"'":
            value, position = _toml_string(text, position)
            if value is None:
                return -1
            continue
        elif char == "#":
            end = text.find("\n", position)
            position = length if end < 0 else end
            continue
        position += 1
    return -1


_TOML_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
_TOML_ESCAPES["e"] = "\x1b"  # TOML 1.1, which BurntSushi/toml v1.6 reads


def _toml_string(text: str, position: int) -> tuple[str | None, int]:
    """(the string at `position`, position after it); None when it is not a valid string."""
    quote = text[position]
    if text.startswith(quote * 3, position):
        return _toml_multiline(text, position + 3, quote)
    end = position + 1
    parts: list[str] = []
    while end < len(text):
        char = text[end]
        if char == quote:
            return "".join(parts), end + 1
        if char == "\n":
            return None, end
        decoded, end = _toml_char(text, end, quote)
        if decoded is None:
            return None, end
        parts.append(decoded)
    return None, end


def _toml_multiline(text: str, position: int, quote: str) -> tuple[str | None, int]:
    closing = quote * 3
    if text.startswith("\r\n", position):
        position += 2
    elif text.startswith("\n", position):
        position += 1  # a newline right after the opening quotes is trimmed
    parts: list[str] = []
    while position < len(text):
        if text.startswith(closing, position):
            # Up to two quotes may sit right before the closing three.
            extra = 0
            while extra < 2 and text.startswith(quote, position + 3 + extra):
                extra += 1
            parts.append(quote * extra)
            return "".join(parts), position + 3 + extra
        if text[position] == "\\" and quote == '"':
            after = _skip_inline_space(text, position + 1)
            if text.startswith("\n", after) or text.startswith("\r\n", after):
                # A line-ending backslash eats the newline and the whitespace that follows.
                position = after
                while position < len(text) and text[position] in " \t\r\n":
                    position += 1
                continue
        decoded, position = _toml_char(text, position, quote)
        if decoded is None:
            return None, position
        parts.append(decoded)
    return None, position


def _toml_char(text: str, position: int, quote: str) -> tuple[str | None, int]:
    """The character at `position` of a string in `quote`s, its escape decoded in a basic
    (double-quoted) string, and the position after it; None for an invalid escape."""
    if text[position] == "\\" and quote == '"':
        return _toml_escape(text, position)
    return text[position], position + 1


def _toml_escape(text: str, position: int) -> tuple[str | None, int]:
    """The character escaped at `position` (a backslash), and the position after it."""
    code = text[position + 1 : position + 2]
    if code in _TOML_ESCAPES:
        return _TOML_ESCAPES[code], position + 2
    width = {"u": 4, "U": 8, "x": 2}.get(code)
    digits = text[position + 2 : position + 2 + width] if width else ""
    if not width or len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
        return None, position
    number = int(digits, 16)
    if number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
        return None, position
    return chr(number), position + 2 + width
