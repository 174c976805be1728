"""The reader's cache of one day of a remote log (store/remote_read.py): a pack file holding
an index (key, etag, span of each record object), then the objects' bytes in key order, and
for a compacted day the manifests as listed, which records their segments hold, and what was
found wrong with them. Rewritten atomically whenever the day's listing changes.

Which records a manifest's segment holds is written as their places in the index, not their
keys: a warm read parses every header, and keys there doubled a compacted day's header (a
warm verify of 40,000 compacted records read 11.6 MB of headers rather than 4.8 MB)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from pulumi_audited import paths

VERSION = 3


@dataclass
class Pack:
    index: list[tuple[str, str, int, int]]  # key, etag, start, end
    data: bytes
    manifests: list[tuple[str, str]]  # (key, etag) as listed when the pack was written
    covered: dict[str, str]  # record key -> the manifest whose segment holds it
    # (kind, location, record id, detail) found reading the segments, for verify.
    problems: list[tuple[str, str, str | None, str]]


def _path(cache: str, day: str) -> str:
    return os.path.join(cache, f"{day}.pack")


def read(cache: str, day: str) -> Pack | None:
    try:
        with open(_path(cache, day), "rb") as handle:
            header = json.loads(handle.readline())
            data = handle.read()
        if header.get("version") != VERSION:
            return None
        index = [(str(k), str(e), int(s), int(n)) for k, e, s, n in header["index"]]
        if index and index[-1][3] != len(data):
            return None  # torn: rebuild it
        manifests = [(str(k), str(e)) for k, e in header["manifests"]]
        covered = {index[p][0]: str(m) for m, places in header["covered"] for p in places}
        problems = [
            (str(k), str(w), i if i is None else str(i), str(d))
            for k, w, i, d in header["problems"]
        ]
        return Pack(index, data, manifests, covered, problems)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None


def write(cache: str, day: str, pack: Pack) -> None:
    header = {
        "version": VERSION,
        "index": pack.index,
        "manifests": pack.manifests,
        "covered": _places(pack),
        "problems": pack.problems,
    }
    try:
        if not os.path.isdir(cache):
            top = paths.ensure_private_dir(paths.app_dir("user_cache", exact=True))
            if os.path.dirname(os.path.dirname(cache)) == top:
                paths.ensure_private_dir(os.path.dirname(cache))
            paths.ensure_private_dir(cache)
        encoded = json.dumps(header, separators=(",", ":")).encode()
        paths.replace_file(_path(cache, day), encoded + b"\n" + pack.data)
    except OSError:
        pass  # a cache: the next run fetches again


def _places(pack: Pack) -> list[tuple[str, list[int]]]:
    """(manifest key, the places in the index of the records its segment holds) for each."""
    by_manifest: dict[str, list[int]] = {}
    for place, (key, _, _, _) in enumerate(pack.index):
        manifest = pack.covered.get(key)
        if manifest is not None:
            by_manifest.setdefault(manifest, []).append(place)
    return list(by_manifest.items())
