"""A compacted day as the reader (store/remote_read.py) sees it: which records the day's
segments hold, read from the segments or from the cache, and what verify is told about them.

Each record is counted once, however many segments hold it (two compactions that ran at once
over different listings): the first manifest by name wins, and two copies that differ are
reported. A record object no segment holds yet (it arrived after the day was compacted) is
read from its own object. A segment or manifest that cannot be used is reported and its
records are read from their own objects, where they still exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from pulumi_audited.store import layout
from pulumi_audited.store.objects import ObjectInfo
from pulumi_audited.store.remote_pack import Pack

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.store.compact_format import Manifest


class Fetcher(Protocol):
    """What is needed of the reader (store/remote_read.py's RemoteReader)."""

    def fetch_many(self, keys: list[str]) -> dict[str, bytes]: ...
    def url_of(self, key: str) -> str: ...


# Readers list the record objects of a compacted day while it is this recent, to merge those
# that arrived after its compaction; later ones are read once the next compaction (daily, say)
# has put them in a segment. Listing them is what a cold read of a compacted day would cost
# most (about 0.1 s of XML per 1,000 keys), so old days are read from their segments alone.
# verify and the compactor always list them.
LATE_WINDOW_DAYS = 7

# (kind, location, record id, detail): what verify reports beside the chains.
Problem = tuple[str, str, "str | None", str]


def late_window_start(now: dt.datetime | None = None) -> str:
    """The first day whose record objects readers list even when it is compacted."""
    today = (now or dt.datetime.now(dt.timezone.utc)).date()
    return (today - dt.timedelta(days=LATE_WINDOW_DAYS)).isoformat()


def id_of_key(key: str) -> str:
    return key.rsplit("/", 1)[-1][: -len(layout.SUFFIX)]


def manifests_by_day(prefix: str, listed: list[ObjectInfo]) -> dict[str, list[ObjectInfo]]:
    """Each day's manifests, by name, from a listing (in key order) of `PREFIX/v1/manifests/`."""
    by_day: dict[str, list[ObjectInfo]] = {}
    for info in listed:
        day = layout.day_of_manifest_key(prefix, info.key)
        if day is not None and info.key.endswith(layout.MANIFEST_SUFFIX):
            by_day.setdefault(day, []).append(info)
    return by_day


def read_segments(
    reader: Fetcher,
    manifests: list[ObjectInfo],
    cached: dict[str, tuple[str, bytes]],
    problems: list[Problem],
) -> dict[str, tuple[str, bytes, str]]:
    """key -> (etag, bytes, manifest key) of every record the day's segments hold. A segment
    is fetched only when the cache (key -> (etag, bytes)) lacks one of its records."""
    # Only a compacted day needs it: reading a log never compacted does not load it.
    from pulumi_audited.store import compact_format

    parsed: list[tuple[str, Manifest]] = []
    for key, data in sorted(reader.fetch_many([m.key for m in manifests]).items()):
        try:
            parsed.append((key, compact_format.parse_manifest(key, data)))
        except ValueError as error:
            problems.append(("corrupt", reader.url_of(key), None, str(error)))
    wanted = {
        manifest.segment
        for _, manifest in parsed
        if any(cached.get(k, ("",))[0] != e for k, e, _ in manifest.records)
    }
    segments = reader.fetch_many(sorted(wanted))
    covered: dict[str, tuple[str, bytes, str]] = {}
    for key, manifest in parsed:
        if manifest.segment in segments:
            try:
                lines = compact_format.segment_lines(manifest, segments[manifest.segment])
            except ValueError as error:
                url = reader.url_of(manifest.segment)
                problems.append(("corrupt", url, None, f"segment unreadable: {error}"))
                continue
        else:
            lines = [cached[k][1] for k, _, _ in manifest.records]
        for (record_key, etag, _), line in zip(manifest.records, lines, strict=True):
            earlier = covered.get(record_key)
            if earlier is None:
                covered[record_key] = (etag, line, key)
            elif earlier[1] != line:
                problems.append(
                    (
                        "edited",
                        reader.url_of(record_key),
                        id_of_key(record_key),
                        f"the segments of {reader.url_of(earlier[2])} and "
                        f"{reader.url_of(key)} hold different bytes for it",
                    )
                )
    return covered


def edited_after_compaction(reader: Fetcher, infos: list[ObjectInfo], pack: Pack) -> list[Problem]:
    """The record objects whose ETag is no longer the one their manifest recorded: changed
    after they were compacted (readers show the segment's copy, as it was then)."""
    etags = {key: etag for key, etag, _, _ in pack.index}
    return [
        (
            "edited",
            reader.url_of(info.key),
            id_of_key(info.key),
            "changed after it was compacted: its ETag is not the one "
            f"{reader.url_of(pack.covered[info.key])} recorded "
            "(readers show the segment's copy)",
        )
        for info in infos
        if info.key in pack.covered and etags.get(info.key) != info.etag
    ]
