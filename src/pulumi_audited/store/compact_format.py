"""What a segment and its manifest hold, and the checks a reader makes of them: the one place
both the compactor (store/compact.py) and the reader (store/remote_read.py) take them from.

A segment is gzip JSON Lines: the record objects' bytes, byte for byte, in key order (UUIDv7
ids, so time order). Its manifest names the segment, the SHA-256 of its uncompressed bytes, and
each record object it holds (key, the ETag the listing gave, size), in the segment's line order.
Both are written create-only and hold nothing that depends on who wrote them or when, so two
compactions of the same objects write the same two objects.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass

from pulumi_audited.store import layout

FORMAT = "pulumi-audited/segment-manifest/1"
# A segment's bounds: a reader holds one whole in memory, and a query engine splits work by
# object. A busy day (thousands of runs) still fits in one or two.
MAX_RECORDS = 20_000
MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Manifest:
    name: str
    day: str
    segment: str  # the segment's key
    records: list[tuple[str, str, int]]  # (key, etag, size) in line order
    sha256: str  # of the uncompressed bytes
    size: int  # uncompressed


def chunks(entries: list[tuple[str, str, bytes]]) -> list[list[tuple[str, str, bytes]]]:
    """`entries` (key, etag, bytes; in key order) cut into segments of bounded size, always at
    the same places for the same entries."""
    out: list[list[tuple[str, str, bytes]]] = []
    size = 0
    for entry in entries:
        if not out or len(out[-1]) >= MAX_RECORDS or size + len(entry[2]) > MAX_BYTES:
            out.append([])
            size = 0
        out[-1].append(entry)
        size += len(entry[2])
    return out


def build(prefix: str, day: str, entries: list[tuple[str, str, bytes]]) -> tuple[Manifest, bytes]:
    """The manifest and the gzip bytes of one segment holding `entries`. Its name is the first
    record's id and a hash of the content, so identical segments have identical names."""
    bodies = [body if body.endswith(b"\n") else body + b"\n" for _, _, body in entries]
    content = b"".join(bodies)
    digest = hashlib.sha256(content).hexdigest()
    first = entries[0][0].rsplit("/", 1)[-1][: -len(layout.SUFFIX)]
    name = f"{first}-{digest[:16]}"
    manifest = Manifest(
        name=name,
        day=day,
        segment=layout.segment_key(prefix, day, name),
        records=[
            (key, etag, len(body)) for (key, etag, _), body in zip(entries, bodies, strict=True)
        ],
        sha256=digest,
        size=len(content),
    )
    # mtime=0: the same records give the same bytes (with the same zlib).
    return manifest, gzip.compress(content, compresslevel=6, mtime=0)


def manifest_bytes(manifest: Manifest) -> bytes:
    body = {
        "format": FORMAT,
        "day": manifest.day,
        "segment": manifest.segment,
        "sha256": manifest.sha256,
        "bytes": manifest.size,
        "records": [list(entry) for entry in manifest.records],
    }
    return json.dumps(body, separators=(",", ":")).encode() + b"\n"


def parse_manifest(key: str, data: bytes) -> Manifest:
    """The manifest stored at `key`; ValueError saying why it is not one."""
    try:
        body = json.loads(data)
        if body.get("format") != FORMAT:
            raise ValueError(f"its format is not {FORMAT}")
        records = [(str(k), str(e), int(s)) for k, e, s in body["records"]]
        name = key.rsplit("/", 1)[-1][: -len(layout.MANIFEST_SUFFIX)]
        manifest = Manifest(
            name,
            str(body["day"]),
            str(body["segment"]),
            records,
            str(body["sha256"]),
            body["bytes"],
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a segment manifest ({error})") from None
    if not records:
        raise ValueError("a segment manifest that names no records")
    return manifest


def segment_lines(manifest: Manifest, data: bytes) -> list[bytes]:
    """Each record's bytes (its line and newline), cut at the sizes its manifest names;
    ValueError when the segment is not the one its manifest describes."""
    try:
        content = gzip.decompress(data)
    except (OSError, EOFError) as error:
        raise ValueError(f"not gzip ({error})") from None
    if hashlib.sha256(content).hexdigest() != manifest.sha256:
        raise ValueError("its content is not the one its manifest names (SHA-256 differs)")
    if sum(size for _, _, size in manifest.records) != len(content):
        raise ValueError("its size is not the sum of its records' sizes in its manifest")
    lines, start = [], 0
    for _, _, size in manifest.records:
        lines.append(content[start : start + size])
        start += size
    return lines
