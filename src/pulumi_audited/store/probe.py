"""Whether a remote store keeps the create-only promise, found out by writing a probe twice.

Records are written with `If-None-Match: *` (S3) or its Azure equivalent, so that nobody,
this tool included, replaces one. A store that ignores the condition (the npm `s3rver`
emulator did; so may a gateway in front of a bucket) overwrites silently instead. The probe
writes a new object, then writes it again with other bytes: the second write must be refused.

The probe object goes under `PREFIX/v1/_probe/`, where the writers' IAM policy allows writes
and no reader looks: the viewer and verify read `date=` folders only, and Hive, Spark and
Athena skip folders whose names begin with `_`. It is deleted when the credentials may
delete; writers usually may not, and then it stays, named for what it is.

`audit doctor` probes every time; `audit sync` once per location, remembering the verdict in
the cache folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass

from pulumi_audited import paths
from pulumi_audited.store import layout
from pulumi_audited.store.location import public_location
from pulumi_audited.store.objects import ObjectStore
from pulumi_audited.store.remote import parse_location
from pulumi_audited.timestamps import compact_now

PROBE_FOLDER = "_probe"


@dataclass
class ProbeResult:
    enforced: bool  # the second create-only write was refused
    detail: str  # what happened, for people
    url: str  # the probe object
    deleted: bool  # False: the probe object stays under _probe/


def probe_key(prefix: str) -> str:
    host = "".join(ch if ch.isalnum() or ch in ".-" else "-" for ch in os.uname().nodename)
    stamp = compact_now()
    name = f"create-only-{stamp}-{host[:40]}-{os.urandom(4).hex()}.txt"
    return f"{layout.root(prefix)}{PROBE_FOLDER}/{name}"


def check_create_only(objects: ObjectStore, location: str) -> ProbeResult:
    """Write a new probe object to the log at `location`, then the same key again with other
    bytes. StoreError when the store cannot be written at all (a different problem)."""
    parsed = parse_location(location)
    key = probe_key(parsed.prefix)
    url = f"{parsed.scheme}://{parsed.container}/{key}"
    note = "pulumi-audited probe: a second create-only write of this key must be refused"
    first = f"{note} (first write)\n".encode()
    second = f"{note} (second write: the store overwrote the first)\n".encode()
    if not objects.create(key, first):
        return ProbeResult(
            False, "the store refused to create a new object, as if it already existed", url, False
        )
    if not objects.create(key, second):
        result = ProbeResult(
            True, "a second create-only write of the same key was refused", url, False
        )
    else:
        kept = objects.get(key)
        what = "replaced the first" if kept == second else "kept the first but said it had written"
        result = ProbeResult(
            False,
            f"a second create-only write of the same key was accepted: the store {what} "
            "(it ignores If-None-Match), so records there can be replaced without a trace",
            url,
            False,
        )
    result.deleted = _delete(objects, key)
    return result


def _delete(objects: ObjectStore, key: str) -> bool:
    from pulumi_audited.errors import StoreError

    try:
        return bool(objects.delete(key))
    except StoreError:
        return False


# The verdict `audit sync` remembers, per location.


def _cache_path(location: str) -> str:
    name = hashlib.sha256(public_location(location).encode()).hexdigest()[:24]
    return os.path.join(paths.app_dir("user_cache", exact=True), "probe", f"{name}.json")


def remembered(location: str) -> ProbeResult | None:
    try:
        with open(_cache_path(location), encoding="utf-8") as handle:
            value = json.load(handle)
        return ProbeResult(**{field: value[field] for field in ProbeResult.__annotations__})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(location: str, result: ProbeResult) -> None:
    path = _cache_path(location)
    data = {**asdict(result), "location": public_location(location), "time": time.time()}
    try:
        paths.ensure_private_dir(os.path.dirname(path))
        paths.replace_file(path, json.dumps(data).encode())
    except OSError:
        pass  # a cache: the next sync probes again
