"""Reading a remote log (`s3://`, `azblob://`): its day prefixes as partitions of a ReadableStore.

Built only on the ObjectStore calls (list, get). A day partition is the lines of all objects
under `PREFIX/v1/date=YYYY-MM-DD/` in key order; keys are UUIDv7 record ids, so that is time
order across every writer.

Objects never change once written, so fetched ones are kept in a cache under the user's
cache folder: one pack file per day (an index of key, etag and span, then the objects'
bytes in key order), rewritten atomically whenever the day's listing changes. A warm read is
one listing and one file read per day; an object whose etag changed (edited in the bucket)
is fetched again. Missing objects are fetched in parallel.

For verify, `chains()` groups the records by `writer` and orders each group by `seq`, each
record being its own partition named by its object's URL.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import cast

from pulumi_audited import paths
from pulumi_audited.store import layout
from pulumi_audited.store.base import Chain, Chains
from pulumi_audited.store.chain import parse_record_line, split_lines
from pulumi_audited.store.objects import ObjectStore
from pulumi_audited.store.remote import open_objects, parse_location

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.store.base import Partition

FETCH_WORKERS = 16
DAY_WORKERS = 8
# Days loaded ahead of (and behind) the one being read: the viewer reads days in order.
READ_AHEAD = 8
_PACK_VERSION = 1

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

    def _load_locked(self) -> None:
        reader = self.reader
        listed, _ = reader.objects.list(self.prefix)
        reader.listed_prefixes.append(self.prefix)
        infos = [info for info in listed if layout.is_record_key(info.key)]
        digest = hashlib.sha256()
        for info in infos:
            digest.update(f"{info.key}\0{info.etag}\n".encode())
        self._fingerprint = digest.hexdigest()
        cached_index, cached_data = reader.pack_read(self.name)
        if cached_index is not None and [(k, e) for k, e, _, _ in cached_index] == [
            (i.key, i.etag) for i in infos
        ]:
            self._index, self._data = cached_index, cached_data
            return
        spans = {key: (etag, start, end) for key, etag, start, end in cached_index or []}
        missing = [i for i in infos if spans.get(i.key, ("",))[0] != i.etag]
        fetched = reader.fetch_many([i.key for i in missing])
        pieces: list[bytes] = []
        index: list[tuple[str, str, int, int]] = []
        position = 0
        for info in infos:
            if info.key in fetched:
                body = fetched[info.key]
            else:
                _etag, start, end = spans[info.key]
                body = cached_data[start:end]
            if body and not body.endswith(b"\n"):
                body += b"\n"  # keep objects on lines of their own
            pieces.append(body)
            index.append((info.key, info.etag, position, position + len(body)))
            position += len(body)
        self._index = index
        self._data = b"".join(pieces)
        reader.pack_write(self.name, index, self._data)


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
        root = layout.root(self.prefix)
        _, prefixes = self.objects.list(root, delimiter="/")
        self.listed_prefixes.append(root)
        return sorted(day for day in map(layout.day_of_prefix, prefixes) if day is not None)

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
        partitions = self.day_partitions(None, None)
        self.load_all(partitions)
        problems: list[tuple[str, str, str | None, str]] = []
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

    def _pack_path(self, day: str) -> str:
        return os.path.join(self.cache, f"{day}.pack")

    def pack_read(self, day: str) -> tuple[list[tuple[str, str, int, int]] | None, bytes]:
        try:
            with open(self._pack_path(day), "rb") as handle:
                header = json.loads(handle.readline())
                data = handle.read()
            if header.get("version") != _PACK_VERSION:
                return None, b""
            index = [(str(k), str(e), int(s), int(n)) for k, e, s, n in header["index"]]
            if index and index[-1][3] != len(data):
                return None, b""  # torn: rebuild it
            return index, data
        except (OSError, ValueError, KeyError, TypeError):
            return None, b""

    def pack_write(self, day: str, index: list[tuple[str, str, int, int]], data: bytes) -> None:
        header = json.dumps({"version": _PACK_VERSION, "index": index}, separators=(",", ":"))
        try:
            if not os.path.isdir(self.cache):
                top = paths.ensure_private_dir(paths.app_dir("user_cache", exact=True))
                if os.path.dirname(os.path.dirname(self.cache)) == top:
                    paths.ensure_private_dir(os.path.dirname(self.cache))
                paths.ensure_private_dir(self.cache)
            paths.replace_file(self._pack_path(day), header.encode() + b"\n" + data)
        except OSError:
            pass  # a cache: the next run fetches again
