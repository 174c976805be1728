"""Reading remote logs (s3:// on SeaweedFS, azblob:// on Azurite): every viewer command, the
cache, partition pruning, and verify's per-writer chains."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from remote_logs import WRITERS, chained_lines, synthetic_records, upload

from pulumi_audited.store import layout
from pulumi_audited.store.errors import StoreError
from pulumi_audited.store.remote import ObjectInfo
from pulumi_audited.store.remote_read import RemoteReader
from pulumi_audited.store.verify import verify

END_NS = int(dt.datetime(2026, 11, 20, 18, tzinfo=dt.timezone.utc).timestamp() * 1e9)


class DirObjects:
    """A folder as an ObjectStore: the stand-in for the pure unit tests below."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = f"dir://{root}"
        self.gets: list[str] = []
        self.lists: list[str] = []

    def put_new(self, key: str, data: bytes) -> bool:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            if path.read_bytes() == data:
                return False
            raise StoreError(f"{key} exists")
        path.write_bytes(data)
        return True

    def get(self, key: str) -> bytes:
        self.gets.append(key)
        try:
            return (self.root / key).read_bytes()
        except OSError:
            raise StoreError(f"cannot read {key}") from None

    def list(self, prefix: str, *, delimiter: str | None = None):
        self.lists.append(prefix)
        found = sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())
        found = [k for k in found if k.startswith(prefix)]
        if delimiter is None:
            infos = [self._info(k) for k in found]
            return infos, []
        infos, prefixes = [], []
        for key in found:
            rest = key[len(prefix) :]
            if delimiter in rest:
                common = prefix + rest.split(delimiter, 1)[0] + delimiter
                if common not in prefixes:
                    prefixes.append(common)
            else:
                infos.append(self._info(key))
        return infos, prefixes

    def _info(self, key: str) -> ObjectInfo:
        status = (self.root / key).stat()
        return ObjectInfo(key, f"{status.st_size}-{status.st_mtime_ns}", status.st_size)


def _log(objects, runs: int = 40, days: float = 6, prefix: str = "team"):
    records = synthetic_records(runs, days=days, end_ns=END_NS)
    lines = chained_lines(records, WRITERS)
    upload(objects, prefix, lines)
    return lines


def test_unit_day_partitions_merge_writers_in_key_order(tmp_path: Path) -> None:
    objects = DirObjects(tmp_path / "bucket")
    lines = _log(objects)
    reader = RemoteReader("s3://bucket/team", objects=objects, cache_folder=str(tmp_path / "c"))
    partitions = reader.partitions()
    assert [p.name for p in partitions] == sorted({r["time"][:10] for r, _ in lines})
    assert partitions[0].location == f"s3://bucket/team/v1/date={partitions[0].name}/"
    read = [line for p in partitions for _, line, _ in p.lines()]
    by_key = sorted(lines, key=lambda item: layout.object_key("team", item[0]))
    assert read == [line for _, line in by_key]
    assert {json.loads(line)["writer"] for line in read} == set(WRITERS)


def test_unit_cache_and_edited_object(tmp_path: Path) -> None:
    objects = DirObjects(tmp_path / "bucket")
    lines = _log(objects)
    cache = str(tmp_path / "c")
    first = RemoteReader("s3://bucket/team", objects=objects, cache_folder=cache)
    data = b"".join(p.read_bytes() for p in first.partitions())
    assert len(objects.gets) == len(lines)
    objects.gets.clear()
    second = RemoteReader("s3://bucket/team", objects=objects, cache_folder=cache)
    assert b"".join(p.read_bytes() for p in second.partitions()) == data
    assert objects.gets == []
    assert all(oct(os.stat(p).st_mode & 0o777) == "0o600" for p in Path(cache).iterdir())
    key = layout.object_key("team", lines[3][0])
    edited = lines[3][1].replace(b'"user":"', b'"user":"x') + b"\n"
    (objects.root / key).write_bytes(edited)
    third = RemoteReader("s3://bucket/team", objects=objects, cache_folder=cache)
    assert edited in b"".join(p.read_bytes() for p in third.partitions())
    assert objects.gets == [key]
    assert not verify(third).intact


def test_unit_verify_per_writer(tmp_path: Path) -> None:
    objects = DirObjects(tmp_path / "bucket")
    lines = _log(objects, runs=60)
    reader = RemoteReader("s3://bucket/team", objects=objects, cache_folder=str(tmp_path / "c"))
    report = verify(reader)
    assert report.intact, report.findings
    assert report.records == len(lines)
    # Delete one record in the middle of a writer's chain.
    writer = WRITERS[0]
    mine = [(r, line) for r, line in lines if r["writer"] == writer]
    gone = mine[5][0]
    (objects.root / layout.object_key("team", gone)).unlink()
    report = verify(RemoteReader("s3://b/team", objects=objects, cache_folder=str(tmp_path / "c")))
    assert [f.kind for f in report.findings] == ["deleted"]
    assert report.findings[0].place.location.endswith(layout.object_key("team", mine[6][0]))
    assert "seq 6" in report.findings[0].detail
