"""Reading a remote log (`s3://`, `azblob://`): its day prefixes as partitions of a ReadableStore.

Built only on the ObjectStore calls (list, get). A day partition is the lines of all objects
under `PREFIX/v1/date=YYYY-MM-DD/` in key order; keys are UUIDv7 record ids, so that is time
order across every writer.

A compacted day (store/compact.py) is read from its segments, named by their manifests
(`PREFIX/v1/manifests/date=...`), and from the record objects no segment holds yet (late
ones), each record once (store/compact_read.py). Which days are compacted comes from a
listing of `PREFIX/v1/manifests/` by day folder, made only when the root's listing shows that
folder, so an uncompacted log costs what it did; the first compacted day read lists every
day's manifests at once (a day has one or a few: a listing per day cost verify a request per
compacted day). The record objects of a compacted day are listed only while it is
recent, or for verify and the compactor: listing them is what a cold read of an old day
would otherwise cost most.

Objects never change once written, so fetched ones are kept in a cache under the user's
cache folder: one pack file per day (store/remote_pack.py), rewritten atomically whenever the
day's listings change. A warm read is one listing (two for a compacted day) and one file
read per day; an object whose etag changed (edited in the bucket) is fetched again. Missing
objects are fetched in parallel.

For verify, `chains()` groups the records by `writer` and orders each group by `seq`, each
record being its own partition named by its object's URL.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import cast

from pulumi_audited import paths
from pulumi_audited.store import layout, remote_pack
from pulumi_audited.store.base import Chain, Chains
from pulumi_audited.store.chain import parse_record_line, split_lines
from pulumi_audited.store.compact_read import (
    Problem,
    edited_after_compaction,
    late_window_start,
    manifests_by_day,
    read_segments,
)
from pulumi_audited.store.objects import ObjectInfo, ObjectStore
from pulumi_audited.store.remote import open_objects, parse_location
from pulumi_audited.store.remote_pack import Pack

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.store.base import Partition

FETCH_WORKERS = 16
DAY_WORKERS = 8
# Days loaded ahead of (and behind) the one being read: the viewer reads days in order.
READ_AHEAD = 8

_open_readers: list[RemoteReader] = []
# How the writer's canonical lines begin and end (checked in full by verify's hashing anyway).
_HEAD = re.compile(
    rb'\{"schema":"pulumi-audited/[^"]*","id":"([0-9a-f-]{36})","run_id":"[^"]*",'
    rb'"phase":"[a-z]*","time":"(\d{4}-\d\d-\d\d)T'
)
_TAIL = re.compile(
    rb',"writer":"([!#-\[\]-~]+)","seq":([1-9]\d*),"prev":(?:null|"[0-9a-f]{64}")\}\n?\Z'
)


def close_all() -> None:
    """Drop the read-ahead still queued (the viewer's command is done)."""
    while _open_readers:
        _open_readers.pop().close()


class ObjectPart:
    """One object as a partition of its own (a link of a writer's chain, for verify)."""

    def __init__(self, name: str, location: str, data: bytes, etag: str, seq: int | None) -> None:
        self.name = name
        self.location = location
        self._data = data
        self.etag = etag
        self.seq = seq

    def read_bytes(self, offset: int = 0) -> bytes:
        return self._data[offset:]

    def lines(self) -> Iterator[tuple[int, bytes, bool]]:
        return iter(split_lines(self._data))

    def fingerprint(self) -> str:
        return self.etag

    def place_of(self, offset: int) -> tuple[str, int]:
        return self.location, self._data.count(b"\n", 0, offset) + 1


class DayPartition:
    """The objects of one day, read as one file of lines in key order."""

    seq: int | None = None  # many records: verify walks chains() instead

    def __init__(self, reader: RemoteReader, day: str, siblings: list[DayPartition]) -> None:
        self.reader = reader
        self.name = day
        self.prefix = layout.day_prefix(reader.prefix, day)
        self.location = reader.url_of(self.prefix)
        self._siblings = siblings
        self._lock = threading.Lock()
        self._loaded = False
        self._queued = False  # submitted for loading ahead
        self._data = b""
        self._index: list[tuple[str, str, int, int]] = []  # key, etag, start, end
        self._fingerprint = ""
        self._covered: dict[str, str] = {}  # record key -> the manifest of its segment
        # What verify reports about the day's segments (kind, location, record id, detail).
        self.problems: list[Problem] = []

    # The ReadableStore side.

    def read_bytes(self, offset: int = 0) -> bytes:
        self.reader.read_ahead(self)
        self.load()
        return self._data[offset:] if offset else self._data

    def lines(self) -> Iterator[tuple[int, bytes, bool]]:
        return iter(split_lines(self.read_bytes()))

    def fingerprint(self) -> str:
        self.load()
        return self._fingerprint

    # What verify and show need: the objects one by one.

    def objects(self) -> list[tuple[str, str, bytes]]:
        """(key, etag, bytes) of each object, in key order."""
        self.load()
        return [(key, etag, self._data[start:end]) for key, etag, start, end in self._index]

    def place_of(self, offset: int) -> tuple[str, int]:
        """The URL of the object holding byte `offset` of read_bytes() (its one line)."""
        self.load()
        for key, _etag, start, end in self._index:
            if start <= offset < end:
                return self.reader.url_of(key), 1
        return self.location, 1

    def load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            self._load_locked()
            self._loaded = True

    def uncovered(self) -> list[tuple[str, str, bytes]]:
        """(key, etag, bytes) of the record objects no segment holds yet, in key order."""
        self.load()
        return [
            (key, etag, self._data[start:end])
            for key, etag, start, end in self._index
            if key not in self._covered
        ]

    def release(self) -> None:
        """Forget the loaded bytes (the compactor is done with the day)."""
        with self._lock:
            self._loaded, self._data, self._index = False, b"", []

    def _list(self) -> list[ObjectInfo]:
        listed, _ = self.reader.objects.list(self.prefix)
        self.reader.listed_prefixes.append(self.prefix)
        return [info for info in listed if layout.is_record_key(info.key)]

    def _load_locked(self) -> None:
        reader = self.reader
        manifests = reader.manifests_of(self.name)
        pack = reader.pack_read(self.name)
        # A segment that could not be read leaves its records to their own objects.
        damaged = pack is not None and bool(pack.problems)
        listing = not manifests or reader.every_object or damaged
        infos = self._list() if listing or self.name >= late_window_start() else None
        listed_manifests = [(m.key, m.etag) for m in manifests]
        if pack is not None and pack.manifests == listed_manifests:
            cached_raw = [(k, e) for k, e, _, _ in pack.index if k not in pack.covered]
            if infos is None or cached_raw == [
                (i.key, i.etag) for i in infos if i.key not in pack.covered
            ]:
                self._index, self._data, self._covered = pack.index, pack.data, pack.covered
                self._fingerprint = _fingerprint(infos or [], manifests)
                self.problems = pack.problems + edited_after_compaction(reader, infos or [], pack)
                return
        cached = {k: (e, pack.data[s:n]) for k, e, s, n in pack.index} if pack else {}
        problems: list[Problem] = []
        covered = read_segments(reader, manifests, cached, problems) if manifests else {}
        if infos is None:
            infos = self._list() if problems else []
        bodies = {key: (etag, body) for key, (etag, body, _) in covered.items()}
        missing = [
            i for i in infos if i.key not in covered and cached.get(i.key, ("",))[0] != i.etag
        ]
        fetched = reader.fetch_many([i.key for i in missing])
        for info in infos:
            if info.key not in covered:
                body = fetched[info.key] if info.key in fetched else cached[info.key][1]
                bodies[info.key] = (info.etag, body)
        pieces: list[bytes] = []
        index: list[tuple[str, str, int, int]] = []
        position = 0
        for key in sorted(bodies):
            etag, body = bodies[key]
            if body and not body.endswith(b"\n"):
                body += b"\n"  # keep objects on lines of their own
            pieces.append(body)
            index.append((key, etag, position, position + len(body)))
            position += len(body)
        self._index = index
        self._data = b"".join(pieces)
        self._fingerprint = _fingerprint(infos, manifests)
        self._covered = {key: manifest for key, (_, _, manifest) in covered.items()}
        pack = Pack(index, self._data, listed_manifests, self._covered, problems)
        self.problems = problems + edited_after_compaction(reader, infos, pack)
        reader.pack_write(self.name, pack)


def _fingerprint(infos: list[ObjectInfo], manifests: list[ObjectInfo]) -> str:
    digest = hashlib.sha256()
    for info in [*infos, *manifests]:
        digest.update(f"{info.key}\0{info.etag}\n".encode())
    return digest.hexdigest()


class RemoteReader:
    """A bucket or container as a ReadableStore, read through a local cache."""

    shared_objects = True
    partition_word = "days"

    def __init__(
        self,
        location: str,
        *,
        objects: ObjectStore | None = None,
        cache_folder: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        parsed = parse_location(location)
        self.prefix = parsed.prefix
        self.base = f"{parsed.scheme}://{parsed.container}/"
        self.location = self.url_of(layout.root(self.prefix)).rstrip("/")
        self.objects = objects if objects is not None else open_objects(location, timeout=timeout)
        # Each log location has its own cache folder (the endpoint included: two servers may
        # hold buckets of the same name).
        name = hashlib.sha256(location.encode()).hexdigest()[:24]
        cache_root = paths.app_dir("user_cache", exact=True)
        self.cache = cache_folder or os.path.join(cache_root, "remote", name)
        self._fetch_pool: ThreadPoolExecutor | None = None
        self._day_pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._closed = False
        self._compacted: set[str] | None = None  # the days with manifests, once listed
        # The manifests of each compacted day, by name, once listed.
        self._manifests: dict[str, list[ObjectInfo]] | None = None
        self._manifests_lock = threading.Lock()
        # List the record objects of every compacted day, not only of the recent ones
        # (verify and the compactor do).
        self.every_object = False
        # What was asked of the store: for tests and benchmarks.
        self.listed_prefixes: list[str] = []
        self.fetched_keys: list[str] = []
        _open_readers.append(self)

    def url_of(self, key: str) -> str:
        return self.base + key

    # ReadableStore

    def absent(self) -> str | None:
        return None  # listing says what is wrong: a missing bucket, access denied...

    def days(self) -> list[str]:
        """The days with record objects or segments (a compacted day's record objects may
        have expired)."""
        root = layout.root(self.prefix)
        _, prefixes = self.objects.list(root, delimiter="/")
        self.listed_prefixes.append(root)
        days = {day for day in map(layout.day_of_prefix, prefixes) if day is not None}
        self._compacted, self._manifests = set(), None
        top = layout.manifests_root(self.prefix)
        if top in prefixes:
            _, compacted = self.objects.list(top, delimiter="/")
            self.listed_prefixes.append(top)
            self._compacted = {d for d in map(layout.day_of_prefix, compacted) if d is not None}
        return sorted(days | self._compacted)

    def manifests_of(self, day: str) -> list[ObjectInfo]:
        """The manifests of `day`'s segments, by name. The first compacted day asked for lists
        every day's (a reader of uncompacted days alone never does)."""
        if self._compacted is None:
            self.days()
        if day not in (self._compacted or ()):
            return []
        with self._manifests_lock:
            if self._manifests is None:
                top = layout.manifests_root(self.prefix)
                self._manifests = manifests_by_day(self.prefix, self.objects.list(top)[0])
                self.listed_prefixes.append(top)
            return self._manifests.get(day, [])

    def partitions(self, first: str | None = None, last: str | None = None) -> list[Partition]:
        # The very list the partitions hold as their siblings, not a copy.
        return cast("list[Partition]", self.day_partitions(first, last))

    def day_partitions(self, first: str | None, last: str | None) -> list[DayPartition]:
        days = [
            day
            for day in self.days()
            if (first is None or day >= first) and (last is None or day <= last)
        ]
        siblings: list[DayPartition] = []
        siblings.extend(DayPartition(self, day, siblings) for day in days)
        return siblings

    # Verify: one chain per writer.

    def chains(self) -> Chains:
        """One chain per writer, ordered by `seq`, each record a partition of its own; the
        records that belong to no chain, or sit at the wrong key, as problems."""
        self.every_object = True
        partitions = self.day_partitions(None, None)
        self.load_all(partitions)
        problems: list[tuple[str, str, str | None, str]] = []
        for partition in partitions:
            problems.extend(partition.problems)
        chains: dict[str, list[tuple[int, str, ObjectPart]]] = {}
        for partition in partitions:
            for key, etag, body in partition.objects():
                url = self.url_of(key)
                head, tail = _HEAD.match(body), _TAIL.search(body)
                if head and tail and body.count(b"\n") <= 1:
                    # The writer's canonical JSON: no need to parse it all.
                    record_id, day = head.group(1).decode(), head.group(2).decode()
                    if layout.day_prefix(self.prefix, day) + record_id + layout.SUFFIX == key:
                        chain_seq = int(tail.group(2))
                        part = ObjectPart(key, url, body, etag, chain_seq)
                        writer = tail.group(1).decode()
                        chains.setdefault(writer, []).append((chain_seq, key, part))
                        continue
                record = parse_record_line(body.rstrip(b"\n"))
                if record is None:
                    problems.append(("corrupt", url, None, "the object holds no record"))
                    continue
                record_id = str(record.get("id")) if record.get("id") is not None else None
                writer, seq = record.get("writer"), record.get("seq")
                expected = None
                if isinstance(record.get("time"), str) and record_id:
                    expected = layout.object_key(self.prefix, record)
                if expected != key:
                    problems.append(
                        (
                            "misplaced",
                            url,
                            record_id,
                            "its key does not match its id and day"
                            + (f" (expected {self.url_of(expected)})" if expected else ""),
                        )
                    )
                if not isinstance(writer, str) or not isinstance(seq, int) or seq < 1:
                    problems.append(
                        ("unchained", url, record_id, "a remote record without writer and seq")
                    )
                    continue
                part = ObjectPart(key, url, body, etag, seq)
                chains.setdefault(writer, []).append((seq, key, part))
        ordered = [[part for _, _, part in sorted(chains[w])] for w in sorted(chains)]
        return Chains([Chain(parts, by_seq=True) for parts in ordered], len(partitions), problems)

    def checkpoints(self) -> list[tuple[str, str, bytes]]:
        """(key, URL, bytes) of every writer's checkpoint object (layout.checkpoint_key), in
        key order: each writer's by seq. Fetched each time: there are few."""
        top = layout.checkpoints_prefix(self.prefix)
        listed, _ = self.objects.list(top)
        self.listed_prefixes.append(top)
        keys = [info.key for info in listed]
        fetched = self.fetch_many(keys)
        return [(key, self.url_of(key), fetched[key]) for key in keys]

    # Loading and caching.

    def _pools(self) -> tuple[ThreadPoolExecutor, ThreadPoolExecutor]:
        with self._pool_lock:
            if self._fetch_pool is None or self._day_pool is None:
                self._fetch_pool = ThreadPoolExecutor(FETCH_WORKERS, "audited-fetch")
                self._day_pool = ThreadPoolExecutor(DAY_WORKERS, "audited-day")
            return self._fetch_pool, self._day_pool

    def load_all(self, partitions: list[DayPartition]) -> None:
        _, day_pool = self._pools()
        for future in [day_pool.submit(p.load) for p in partitions]:
            future.result()

    def read_ahead(self, partition: DayPartition) -> None:
        """Start loading the days around `partition` in the background: the viewer reads
        days one after another, oldest or newest first."""
        siblings = partition._siblings
        if self._closed or len(siblings) < 2:
            return
        here = siblings.index(partition)
        window = siblings[max(0, here - READ_AHEAD) : here + READ_AHEAD + 1]
        wanted = [p for p in window if p is not partition and not p._queued]
        if not wanted:
            return
        _, day_pool = self._pools()
        for other in wanted:
            other._queued = True
            day_pool.submit(self._quiet_load, other)

    def _quiet_load(self, partition: DayPartition) -> None:
        if self._closed:
            return
        try:
            partition.load()
        except Exception:  # the reader's own load reports it
            pass

    def fetch_many(self, keys: list[str]) -> dict[str, bytes]:
        if not keys:
            return {}
        self.fetched_keys.extend(keys)
        if len(keys) == 1:
            return {keys[0]: self.objects.get(keys[0])}
        fetch_pool, _ = self._pools()
        return dict(zip(keys, fetch_pool.map(self.objects.get, keys), strict=True))

    def close(self) -> None:
        self._closed = True
        for pool in (self._day_pool, self._fetch_pool):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def pack_read(self, day: str) -> Pack | None:
        return remote_pack.read(self.cache, day)

    def pack_write(self, day: str, pack: Pack) -> None:
        remote_pack.write(self.cache, day, pack)
