"""Where records go in a bucket or container: a Hive-style date layout of immutable objects.

    PREFIX/v1/date=YYYY-MM-DD/<record id>.jsonl

One object per record, holding the record's line and a newline. The date is the record's own
UTC day; the name is its UUIDv7 id, so a listing is in time order across all writers and a
spooled record always maps to the same key (retries are safe: writes are create-only).
Records written to a remote store carry `writer` (host and spool) and `seq` (their place in
that writer's hash chain), so that verify can walk each writer's chain on its own.

Each writer's signed checkpoints (store/checkpoint.py) live beside the days, where a reader
that takes only `date=` prefixes as days never sees them:

    PREFIX/v1/checkpoints/<writer id>/<seq, 12 digits>.json
"""

VERSION_FOLDER = "v1"
DATE_KEY = "date="
SUFFIX = ".jsonl"


def root(prefix: str) -> str:
    """`PREFIX/v1/` (or `v1/` without a prefix)."""
    return f"{prefix.strip('/')}/{VERSION_FOLDER}/".lstrip("/")


def day_prefix(prefix: str, day: str) -> str:
    """`PREFIX/v1/date=2026-11-21/`."""
    return f"{root(prefix)}{DATE_KEY}{day}/"


def object_key(prefix: str, record: dict) -> str:
    """The key of a record: its day from `time`, its name from `id`."""
    return f"{day_prefix(prefix, record['time'][:10])}{record['id']}{SUFFIX}"


def day_of_prefix(common_prefix: str) -> str | None:
    """`2026-11-21` from `PREFIX/v1/date=2026-11-21/`; None for anything else."""
    folder = common_prefix.rstrip("/").rsplit("/", 1)[-1]
    if not folder.startswith(DATE_KEY):
        return None
    day = folder[len(DATE_KEY) :]
    if len(day) == 10 and day[4] == "-" and day[7] == "-" and day.replace("-", "").isdigit():
        return day
    return None


def is_record_key(key: str) -> bool:
    return key.endswith(SUFFIX)


CHECKPOINTS = "checkpoints/"
CHECKPOINT_SUFFIX = ".json"


def checkpoints_prefix(prefix: str, writer: str | None = None) -> str:
    """`PREFIX/v1/checkpoints/`, or one writer's `PREFIX/v1/checkpoints/<writer>/`."""
    return f"{root(prefix)}{CHECKPOINTS}" + (f"{writer}/" if writer else "")


def checkpoint_key(prefix: str, writer: str, seq: int) -> str:
    """The key of `writer`'s checkpoint at its record `seq` (zero-padded: key order is seq
    order)."""
    return f"{checkpoints_prefix(prefix, writer)}{seq:012d}{CHECKPOINT_SUFFIX}"


def checkpoint_of_key(prefix: str, key: str) -> tuple[str, int] | None:
    """(writer id, seq) from a checkpoint's key; None for any other key."""
    top = checkpoints_prefix(prefix)
    if not key.startswith(top) or not key.endswith(CHECKPOINT_SUFFIX):
        return None
    writer, _, name = key[len(top) : -len(CHECKPOINT_SUFFIX)].partition("/")
    if not writer or len(name) != 12 or not name.isdigit() or "/" in writer:
        return None
    return writer, int(name)


# Compaction (store/compact.py): a finished day's records, gzip JSON Lines in time order, and
# beside them (under a prefix of their own, so that a glob over `segments/` sees only data)
# the manifest naming which record objects, by key and ETag, each segment holds.
#
#     PREFIX/v1/segments/date=YYYY-MM-DD/<segment name>.jsonl.gz
#     PREFIX/v1/manifests/date=YYYY-MM-DD/<segment name>.json
SEGMENTS_FOLDER = "segments"
MANIFESTS_FOLDER = "manifests"
SEGMENT_SUFFIX = ".jsonl.gz"
MANIFEST_SUFFIX = ".json"


def manifests_root(prefix: str) -> str:
    return f"{root(prefix)}{MANIFESTS_FOLDER}/"


def segment_key(prefix: str, day: str, name: str) -> str:
    return f"{root(prefix)}{SEGMENTS_FOLDER}/{DATE_KEY}{day}/{name}{SEGMENT_SUFFIX}"


def manifest_prefix(prefix: str, day: str) -> str:
    return f"{manifests_root(prefix)}{DATE_KEY}{day}/"


def manifest_key(prefix: str, day: str, name: str) -> str:
    return f"{manifest_prefix(prefix, day)}{name}{MANIFEST_SUFFIX}"


def day_of_manifest_key(prefix: str, key: str) -> str | None:
    """`2026-11-21` for any key under `PREFIX/v1/manifests/date=2026-11-21/`; None for a key
    outside a day's folder."""
    top = manifests_root(prefix)
    if not key.startswith(top):
        return None
    folder, slash, _ = key[len(top) :].partition("/")
    return day_of_prefix(folder) if slash else None
