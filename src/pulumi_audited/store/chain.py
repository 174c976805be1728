"""The hash chain that makes edits, deletions and insertions visible.

Each record's `prev` is the SHA-256 (hex) of the previous record's line as stored (its UTF-8
bytes without the newline). The first record of a chain has `prev: null`. Lines that are not
records (torn by a crash, or foreign) are not part of the chain.
"""

from pulumi_audited import fastjson
from pulumi_audited.hashes import sha256_hex


def line_hash(line: bytes) -> str:
    return sha256_hex(line)


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
    if not isinstance(value, dict):
        return None
    schema = value.get("schema")
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
