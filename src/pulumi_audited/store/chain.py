"""The hash chain that makes edits, deletions and insertions visible.

Each record's `prev` is the SHA-256 (hex) of the previous record's line as stored (its UTF-8
bytes without the newline). The first record of a chain has `prev: null`. Lines that are not
records (torn by a crash, or foreign) are not part of the chain.
"""

try:  # the C module behind hashlib.sha256; importing hashlib costs 3 ms more (OpenSSL)
    from _sha2 import sha256  # Python 3.12+
except ImportError:  # pragma: no cover - depends on the Python version
    try:
        from _sha256 import sha256  # Python 3.10, 3.11
    except ImportError:
        from hashlib import sha256

from pulumi_audited import fastjson


def line_hash(line: bytes) -> str:
    return sha256(line).hexdigest()


# How every record line begins: the writer's JSON is canonical (fixed key order, compact).
RECORD_PREFIX = b'{"schema":"pulumi-audited/'


def parse_record_line(line: bytes) -> dict | None:
    """The record on `line`, or None when the line is not a pulumi-audited record."""
    if not line.startswith(b"{"):
        return None
    try:
        value = fastjson.loads(line)
    except (fastjson.JSONError, RecursionError):
        return None
    schema = value.get("schema") if isinstance(value, dict) else None
    if isinstance(schema, str) and schema.startswith("pulumi-audited/"):
        return value
    return None


def split_lines(data: bytes) -> list[tuple[int, bytes, bool]]:
    """(line number, line without newline, complete) for each line of `data`, first first: a
    last line without its newline is incomplete (torn, or still being written). The one place
    the log's bytes become numbered lines."""
    parts = data.split(b"\n")
    last = parts.pop()
    lines = [(number, line, True) for number, line in enumerate(parts, start=1)]
    if last:
        lines.append((len(parts) + 1, last, False))
    return lines
