"""Short run ids: the end of a run id, as few characters as make it unique in the whole log.

A UUIDv7 starts with the time, so runs of the same minute share their first characters; its
last 12 hex digits are random. A run's short id is the shortest ending of its id, between
MIN_LENGTH and MAX_LENGTH characters, that no other run in the log ends with (`audit show`
takes either end of an id). Uniqueness is checked against every run id in the log, not only
the runs shown: the sorted tails of run ids in past days are kept under the user's cache folder,
keyed by each day file's fingerprint, so that only today's and yesterday's partitions (the
ones still written to) are read every time.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterable

from pulumi_audited import paths, timestamps
from pulumi_audited.errors import StoreError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.store.base import ReadableStore

MIN_LENGTH = 7
MAX_LENGTH = 10
_FOLDER = "run-ids"
_FORMAT = 1
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_RUN_ID = re.compile(f"^{_UUID}$")
# A run id in a record line: the writer's JSON is canonical (`"run_id":"..."`).
RUN_ID_IN_LINE = re.compile(f'"run_id":"({_UUID})"'.encode())


def _key(tail: bytes) -> bytes:
    """Tails are kept reversed, so that a shared ending is a shared prefix in sorted order."""
    return tail[::-1]


def tails_in(data: bytes) -> set[bytes]:
    """The keys of the run ids in a partition's bytes."""
    return {_key(run_id[-MAX_LENGTH:]) for run_id in RUN_ID_IN_LINE.findall(data)}


class _Packed:
    """Sorted fixed-width keys in one bytes object: a sequence that bisect can search."""

    def __init__(self, blob: bytes) -> None:
        self.blob = blob

    def __len__(self) -> int:
        return len(self.blob) // MAX_LENGTH

    def __getitem__(self, index: int) -> bytes:
        start = index * MAX_LENGTH
        return self.blob[start : start + MAX_LENGTH]

    def __iter__(self):
        blob = self.blob
        return (blob[i : i + MAX_LENGTH] for i in range(0, len(blob), MAX_LENGTH))


def _shared(a: bytes | str, b: bytes | str) -> int:
    """How many of the first MAX_LENGTH characters `a` and `b` share, as far as it changes a
    short id: anything under MIN_LENGTH - 1 counts as 0."""
    if a[: MIN_LENGTH - 1] != b[: MIN_LENGTH - 1]:
        return 0
    count = MIN_LENGTH - 1
    for x, y in zip(a[count:MAX_LENGTH], b[count:MAX_LENGTH], strict=True):
        if x != y:
            break
        count += 1
    return count


def _length(longest_shared: int) -> int:
    return min(MAX_LENGTH, max(MIN_LENGTH, longest_shared + 1))


class ShortIds:
    """Short ids, unique among the run ids it was given."""

    def __init__(self, packed: bytes = b"", others: Iterable[bytes] = ()) -> None:
        self._packed = _Packed(packed)
        self._others = sorted(set(others))

    def add(self, run_id: str) -> None:
        """A run recorded since (`audit log -f`)."""
        if _RUN_ID.match(run_id):
            key = _key(run_id[-MAX_LENGTH:].encode())
            index = bisect.bisect_left(self._others, key)
            if index == len(self._others) or self._others[index] != key:
                self._others.insert(index, key)

    def short(self, run_id: str) -> str:
        """The shortest unique ending of `run_id`; a run id the writer did not make (a forged or
        foreign record) is shown as it is."""
        if not _RUN_ID.match(run_id):
            return run_id
        key = _key(run_id[-MAX_LENGTH:].encode())
        longest = 0
        for keys in (self._packed, self._others):
            # Neighbours in sorted order share the longest endings; the run itself is skipped.
            before = bisect.bisect_left(keys, key)
            after = bisect.bisect_right(keys, key)
            if before > 0:
                longest = max(longest, _shared(keys[before - 1], key))
            if after < len(keys):
                longest = max(longest, _shared(keys[after], key))
        return run_id[-_length(longest) :]


def all_short(run_ids: Iterable[str]) -> dict[str, str]:
    """The short id of each of `run_ids` (all the log's, as the writer makes them: UUIDs),
    unique among them. One sort instead of a search per id: completion asks for thousands."""
    # Each id behind its reversed tail: sorted, ids sharing an ending are neighbours.
    keyed = sorted({run_id[: -MAX_LENGTH - 1 : -1] + run_id for run_id in run_ids})
    heads = [item[: MIN_LENGTH - 1] for item in keyed]
    found = {}
    last = len(keyed) - 1
    for index, item in enumerate(keyed):
        longest = 0  # most ids share fewer than MIN_LENGTH - 1 characters with both neighbours
        head = heads[index]
        if index and heads[index - 1] == head:
            longest = _shared(keyed[index - 1], item)
        if index < last and heads[index + 1] == head:
            longest = max(longest, _shared(keyed[index + 1], item))
        run_id = item[MAX_LENGTH:]
        found[run_id] = run_id[-_length(longest) :]
    return found


def matches(run_id: str, text: str) -> bool:
    """`text` names `run_id`: the start of it, or the end (a short id)."""
    return run_id.startswith(text) or ("-" not in text and run_id.endswith(text))


# --- the index of past days ----------------------------------------------------------------


def _cache_path(location: str) -> str:
    name = hashlib.sha256(location.encode()).hexdigest()[:24]
    return os.path.join(paths.user_cache_dir(), _FOLDER, name)


def _load(path: str) -> tuple[dict[str, str], bytes]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        header, packed = data.split(b"\n", 1)
        meta = json.loads(header)
    except (OSError, ValueError):
        return {}, b""
    sealed = meta.get("sealed") if isinstance(meta, dict) else None
    if meta.get("format") != _FORMAT or not isinstance(sealed, dict) or len(packed) % MAX_LENGTH:
        return {}, b""
    return sealed, packed


def _save(path: str, sealed: dict[str, str], packed: bytes) -> None:
    header = json.dumps({"format": _FORMAT, "sealed": sealed}, separators=(",", ":")).encode()
    try:
        paths.ensure_private_dir(os.path.dirname(path))
        paths.replace_file(path, header + b"\n" + packed)
    except OSError:
        pass  # a cache: the next run reads the days again


def _still_written(name: str, today: dt.date) -> bool:
    """Today's and yesterday's partitions (and any not named for a day) may still grow."""
    try:
        day = timestamps.parse_day(name)
    except ValueError:
        return True
    return day >= today - dt.timedelta(days=1)


def for_store(store: ReadableStore, today: dt.date | None = None) -> ShortIds:
    """Short ids unique among every run in `store`."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    partitions = store.partitions()
    live = [p for p in partitions if _still_written(p.name, today)]
    past = [p for p in partitions if not _still_written(p.name, today)]
    # A local day file says cheaply whether it changed; a remote day is listed only to read
    # it, and its objects never change, so what was indexed is kept.
    path = _cache_path(store.location)
    sealed, packed = _load(path)
    current = {p.name: ("" if store.shared_objects else p.fingerprint()) for p in past}
    if any(current.get(name) != fingerprint for name, fingerprint in sealed.items()):
        sealed, packed = {}, b""  # a past day changed or went: index again
    new = [p for p in past if p.name not in sealed]
    if new:
        keys = set(_Packed(packed))
        for partition in new:
            data = _readable(partition)
            if data is not None:
                keys |= tails_in(data)
                sealed[partition.name] = current[partition.name]
        packed = b"".join(sorted(keys))
        _save(path, sealed, packed)
    others: set[bytes] = set()
    for partition in live:
        others |= tails_in(_readable(partition) or b"")
    return ShortIds(packed, others)


def _readable(partition) -> bytes | None:
    """The partition's bytes; None for one that cannot be read (it is not indexed, so it is
    tried again next time; the commands that read it say what is wrong)."""
    try:
        return partition.read_bytes()
    except StoreError:
        return None
