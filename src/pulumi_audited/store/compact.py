"""`audit compact`: a remote log's finished days gathered into segments (store/compact_format.py).

For each day up to `until`, the record objects no segment holds yet are read through the
reader (its cache and its merge of segments and late objects: store/remote_read.py), cut into
bounded segments in key order, and written create-only: the segment first, then its manifest,
which is what makes a reader use it (a segment without a manifest is never read). Nothing is
ever deleted or overwritten.

Two compactions at once: the segments of the same records are the same bytes under the same
name, so the second write is a no-op; two compactions that listed a day differently (a record
arrived between them) write two segments sharing records, and readers count each record once
by its key. A record arriving after its day was compacted is picked up by the next
compaction, in a segment of its own, and read from its object until then.
"""

from __future__ import annotations

import datetime as dt
import gzip
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pulumi_audited.errors import StoreError
from pulumi_audited.store import compact_format, layout
from pulumi_audited.store.remote_read import DAY_WORKERS, DayPartition, RemoteReader

# A day is finished once the next one has ended too: a writer's records normally reach the
# bucket within seconds, but a laptop offline overnight ships yesterday's runs the next
# morning. A record later still is not lost: it is read from its own object until the next
# compaction picks it up.
MARGIN_DAYS = 2


@dataclass
class DayResult:
    day: str
    records: int = 0  # records put into new segments
    segments: int = 0  # segments written by this run
    already: int = 0  # segments another compaction had written, identical


def last_finished_day(now: dt.datetime | None = None) -> str:
    today = (now or dt.datetime.now(dt.timezone.utc)).date()
    return (today - dt.timedelta(days=MARGIN_DAYS)).isoformat()


def compact(reader: RemoteReader, until: str, first: str | None = None) -> list[DayResult]:
    """Compact every day from `first` to `until` (inclusive) that has records no segment
    holds; one result per day looked at."""
    reader.every_object = True
    partitions = reader.day_partitions(first, until)
    with ThreadPoolExecutor(DAY_WORKERS, "audited-compact") as pool:
        return list(pool.map(lambda p: _compact_day(reader, p), partitions))


def _compact_day(reader: RemoteReader, partition: DayPartition) -> DayResult:
    result = DayResult(partition.name)
    try:
        pending = partition.uncovered()
        for entries in compact_format.chunks(pending) if pending else []:
            manifest, segment = compact_format.build(reader.prefix, partition.name, entries)
            created = _create(reader, manifest.segment, segment, gzip.decompress)
            key = layout.manifest_key(reader.prefix, manifest.day, manifest.name)
            _create(reader, key, compact_format.manifest_bytes(manifest))
            result.records += len(entries)
            result.segments += created
            result.already += not created
    finally:
        partition.release()
    return result


def _create(reader: RemoteReader, key: str, data: bytes, decode=None) -> bool:
    """Write `key` create-only: True when this call created it, False when it already held
    the same content (after `decode`: another zlib may compress the same lines differently)."""
    if reader.objects.create(key, data):
        return True
    existing = reader.objects.get(key)
    if existing == data or (decode is not None and _decoded(decode, existing) == decode(data)):
        return False
    raise StoreError(f"{reader.url_of(key)} already exists with other content; it is left as it is")


def _decoded(decode, data: bytes) -> bytes | None:
    try:
        return decode(data)
    except (OSError, EOFError):
        return None
