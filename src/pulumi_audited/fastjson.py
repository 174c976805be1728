"""JSON for the shim's hot path, built on the C accelerator behind the json module.

`import json` pulls in `re` and `enum` (about 6 ms here), which is a third of the time the shim
may add to a pulumi command. The C encoder and scanner in `_json` are what json itself uses,
so the output is the same as `json.dumps(obj, ensure_ascii=True, separators=(",", ":"))`.
The viewer, which is not on the hot path, uses the json module.
"""

from _json import encode_basestring_ascii as _quote
from _json import make_scanner as _make_scanner


class _ScannerContext:
    """The settings the C scanner reads, as json.JSONDecoder holds them."""

    def __init__(self, object_pairs_hook: object, parse_constant: object) -> None:
        self.strict = True
        self.object_hook = None
        self.object_pairs_hook = object_pairs_hook
        self.parse_float = float
        self.parse_int = int
        self.parse_constant = parse_constant
        self.memo: dict = {}


def scanner(object_pairs_hook: object = None, parse_constant: object = float):
    """json's C scanner: `scan(text, index) -> (value, end)`, raising StopIteration or
    ValueError where no JSON value starts. `object_pairs_hook` receives each object's pairs in
    document order; `parse_constant` is given NaN, Infinity and -Infinity."""
    # typeshed types the context as a make_scanner; the C scanner reads only these attributes
    return _make_scanner(_ScannerContext(object_pairs_hook, parse_constant))  # type: ignore[arg-type]


_scan = scanner()
_WHITESPACE = " \t\n\r"


class JSONError(ValueError):
    """Raised for text that is not one JSON document. Never carries the text itself."""


def dumps(value: object) -> str:
    """Compact, pure-ASCII JSON; dict keys keep their insertion order."""
    parts: list[str] = []
    _encode(value, parts.append)
    return "".join(parts)


def _encode(value: object, emit) -> None:
    if isinstance(value, str):
        emit(_quote(value))
    elif value is None:
        emit("null")
    elif value is True:
        emit("true")
    elif value is False:
        emit("false")
    elif isinstance(value, int):
        emit(int.__repr__(value))
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise JSONError("NaN and infinity are not JSON")
        emit(float.__repr__(value))
    elif isinstance(value, dict):
        emit("{")
        first = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise JSONError(f"object keys must be strings, not {type(key).__name__}")
            if not first:
                emit(",")
            first = False
            emit(_quote(key))
            emit(":")
            _encode(item, emit)
        emit("}")
    elif isinstance(value, (list, tuple)):
        emit("[")
        for index, item in enumerate(value):
            if index:
                emit(",")
            _encode(item, emit)
        emit("]")
    else:
        raise JSONError(f"{type(value).__name__} is not JSON serialisable")


def loads(text: str | bytes) -> object:
    """Parse one JSON document. Raises JSONError (without the text) when it is not valid."""
    if isinstance(text, bytes):
        if text.startswith(b"\xef\xbb\xbf"):
            text = text[3:]  # a byte-order mark; the utf-8-sig codec would cost an import
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise JSONError("not UTF-8") from None
    start = 0
    while start < len(text) and text[start] in _WHITESPACE:
        start += 1
    failure = ""
    try:
        value, end = _scan(text, start)
    except StopIteration:
        failure = f"no JSON value at offset {start}"
    except ValueError as error:
        failure = f"invalid JSON at offset {getattr(error, 'pos', '?')}"
    except SystemError:
        # Before 3.12 the C scanner reports errors through json.decoder only when that module
        # is already imported, and otherwise fails this way.
        failure = "invalid JSON"
    if failure:
        # Raised outside the except block so that no exception context survives: the json
        # module's JSONDecodeError keeps the whole document (credentials.json holds tokens).
        raise JSONError(failure)
    while end < len(text) and text[end] in _WHITESPACE:
        end += 1
    if end != len(text):
        raise JSONError(f"extra data at offset {end}")
    return value
