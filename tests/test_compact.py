"""`audit compact` on SeaweedFS (s3://) and Azurite (azblob://): segments and manifests written
create-only, every reader using them and counting each record once (late records, overlapping
segments, expired record objects), verify's checks of a compacted day, and two compactions at
once in real processes."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from remote_logs import WRITERS, chained_lines, synthetic_records, upload
from remote_stores import fresh_store

from pulumi_audited.store import compact_format, layout
from pulumi_audited.store.compact import compact, last_finished_day
from pulumi_audited.store.compact_read import late_window_start
from pulumi_audited.store.remote_read import RemoteReader
from pulumi_audited.store.schemes import SCHEMES
from pulumi_audited.store.verify import verify

SHIM = Path(sys.executable).parent / "pulumi-audited"
END_NS = int(dt.datetime(2026, 11, 20, 18, tzinfo=dt.timezone.utc).timestamp() * 1e9)
PREFIX = "team"


class Bucket:
    """A fresh bucket or container, the log URL, and an admin's hand on its objects."""

    def __init__(self, store, monkeypatch) -> None:
        self.store = store
        self.scheme = store.scheme
        self.url = f"{store.scheme}://{store.container}/{PREFIX}"
        self.env = {**store.env(), "PULUMI_AUDITED_LOG": self.url}
        for name, value in self.env.items():
            monkeypatch.setenv(name, value)
        from pulumi_audited.store.remote import open_objects

        self.objects = open_objects(self.url)

    def reader(self, cache: Path) -> RemoteReader:
        return RemoteReader(self.url, objects=Counting(self.objects), cache_folder=str(cache))

    def keys(self, prefix: str) -> list[str]:
        return [info.key for info in self.objects.list(prefix)[0]]

    def overwrite(self, key: str, data: bytes) -> None:
        container, server = self.store.container, self.store.server
        if self.scheme == "s3":
            server.client().put_object(Bucket=container, Key=key, Body=data)
        else:
            server.service().get_blob_client(container, key).upload_blob(data, overwrite=True)

    def delete(self, key: str) -> None:
        container, server = self.store.container, self.store.server
        if self.scheme == "s3":
            server.client().delete_object(Bucket=container, Key=key)
        else:
            server.service().get_blob_client(container, key).delete_blob()


class Counting:
    """The real object store, each get and listing written down."""

    def __init__(self, objects) -> None:
        self.objects = objects
        self.url = objects.url
        self.gets: list[str] = []
        self.lists: list[tuple[str, str | None]] = []  # prefix, delimiter

    def get(self, key: str) -> bytes:
        self.gets.append(key)
        return self.objects.get(key)

    def list(self, prefix: str, *, delimiter: str | None = None):
        self.lists.append((prefix, delimiter))
        return self.objects.list(prefix, delimiter=delimiter)

    def __getattr__(self, name: str):
        return getattr(self.objects, name)


@pytest.fixture(params=list(SCHEMES))
def bucket(request, monkeypatch) -> Bucket:
    return Bucket(fresh_store(request, request.param), monkeypatch)


def _viewer(sandbox, bucket: Bucket, *args: str, cache: str | None = None):
    env = dict(bucket.env)
    if cache is not None:
        env["XDG_CACHE_HOME"] = cache
    return sandbox.run("audit", *args, env=env, text=True)


def _exported(sandbox, bucket: Bucket, cache: str | None = None) -> list[dict]:
    result = _viewer(sandbox, bucket, "export", "--format", "jsonl", cache=cache)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _lines(runs: int = 24, days: float = 4):
    return chained_lines(synthetic_records(runs, days=days, end_ns=END_NS), WRITERS)


def _in_order(lines) -> list[dict]:
    return [record for record, _ in sorted(lines, key=lambda item: item[0]["id"])]


def test_compacted_days_are_read_from_segments_by_every_command(
    sandbox, bucket: Bucket, tmp_path: Path
) -> None:
    lines = _lines()
    upload(bucket.objects, PREFIX, lines)
    days = sorted({r["time"][:10] for r, _ in lines})
    before = _exported(sandbox, bucket)
    assert before == _in_order(lines)

    result = _viewer(sandbox, bucket, "compact", "--json")
    assert result.returncode == 0, result.stderr
    written = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["day"], d["records"], d["segments"]) for d in written] == [
        (day, sum(r["time"][:10] == day for r, _ in lines), 1) for day in days
    ]
    root = layout.root(PREFIX)
    segments = bucket.keys(root + "segments/")
    manifests = bucket.keys(root + "manifests/")
    assert len(segments) == len(manifests) == len(days)
    assert all(k.endswith(".jsonl.gz") and "/segments/date=" in k for k in segments)
    # A segment is the record objects' bytes, byte for byte, in time order.
    first_day = [line for record, line in sorted(lines, key=lambda i: i[0]["id"])]
    first_day = [line for line in first_day if json.loads(line)["time"][:10] == days[0]]
    assert gzip.decompress(bucket.objects.get(segments[0])) == b"".join(
        line + b"\n" for line in first_day
    )
    manifest = json.loads(bucket.objects.get(manifests[0]))
    assert manifest["segment"] == segments[0]
    assert [k for k, _, _ in manifest["records"]] == [
        layout.object_key(PREFIX, json.loads(line)) for line in first_day
    ]
    # Nothing was deleted or replaced.
    assert len(bucket.keys(layout.day_prefix(PREFIX, days[0]))) == len(first_day)

    # Cold, a reader fetches manifests and segments only: no record object.
    reader = bucket.reader(tmp_path / "cold")
    data = b"".join(p.read_bytes() for p in reader.partitions())
    assert data == b"".join(line + b"\n" for line in sorted(l for _, l in lines))  # noqa: E741
    gets = reader.objects.gets
    assert gets and all("/manifests/" in k or "/segments/" in k for k in gets), gets
    # Days older than the late window: their record objects are not even listed.
    assert days[-1] < late_window_start()
    assert not [p for p in reader.listed_prefixes if "/v1/date=" in p]
    # Warm: listings only.
    again = bucket.reader(tmp_path / "cold")
    assert b"".join(p.read_bytes() for p in again.partitions()) == data
    assert again.objects.gets == []
    # The cache names each record once: its segment by its place in the index, not its key.
    header = (tmp_path / "cold" / f"{days[0]}.pack").read_bytes().split(b"\n", 1)[0]
    assert header.count(layout.object_key(PREFIX, json.loads(first_day[0])).encode()) == 1
    # verify lists each day's record objects, and the manifests twice: by day folder (which
    # days are compacted), then every day's at once.
    checked = bucket.reader(tmp_path / "cold")
    assert sum(len(chain.parts) for chain in checked.chains().chains) == len(lines)
    manifests_root = layout.manifests_root(PREFIX)
    assert sorted(checked.objects.lists, key=str) == sorted(
        [
            (root, "/"),
            (manifests_root, "/"),
            (manifests_root, None),
            *((layout.day_prefix(PREFIX, day), None) for day in days),
        ],
        key=str,
    )

    fresh = str(tmp_path / "fresh-cache")
    assert _exported(sandbox, bucket, cache=fresh) == before
    for args in (("log", "--json", "-n", "0"), ("stats", "--json")):
        assert _viewer(sandbox, bucket, *args).returncode == 0
    run_id = before[5]["run_id"]
    show = _viewer(sandbox, bucket, "show", run_id[:20], "--json", cache=fresh)
    assert show.returncode == 0, show.stderr
    assert {item["integrity"][:6] for item in json.loads(show.stdout)["records"]} == {"intact"}
    verified = _viewer(sandbox, bucket, "verify", "--json", cache=fresh)
    assert verified.returncode == 0, verified.stdout
    assert json.loads(verified.stdout)["records"] == len(lines)

    again = _viewer(sandbox, bucket, "compact")
    assert again.returncode == 0 and "nothing to compact" in again.stdout
    assert len(bucket.keys(root + "segments/")) == len(days)

    # A reader of an uncompacted day alone learns which days are compacted, and lists no
    # manifest.
    newer = (dt.date.fromisoformat(days[-1]) + dt.timedelta(days=1)).isoformat()
    bucket.objects.put_new(layout.day_prefix(PREFIX, newer) + "late.jsonl", lines[-1][1] + b"\n")
    recent = bucket.reader(tmp_path / "recent")
    assert [p.read_bytes() for p in recent.partitions(first=newer)] == [lines[-1][1] + b"\n"]
    assert recent.objects.lists == [
        (root, "/"),
        (layout.manifests_root(PREFIX), "/"),
        (layout.day_prefix(PREFIX, newer), None),
    ]


@pytest.mark.parametrize("recent", [True, False], ids=["recent-day", "old-day"])
def test_a_late_record_is_counted_once_then_compacted(
    bucket: Bucket, tmp_path: Path, recent: bool
) -> None:
    end = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3)
    end_ns = int(end.timestamp() * 1e9) if recent else END_NS
    lines = chained_lines(synthetic_records(24, days=4, end_ns=end_ns), WRITERS)
    late = max(lines, key=lambda item: item[0]["id"])  # the newest day's, a compactable day
    assert late[0]["time"][:10] <= last_finished_day()
    assert (late[0]["time"][:10] >= late_window_start()) is recent
    upload(bucket.objects, PREFIX, [item for item in lines if item is not late])
    compact(bucket.reader(tmp_path / "c1"), last_finished_day())
    upload(bucket.objects, PREFIX, [late])
    late_key = layout.object_key(PREFIX, late[0])

    everything = b"".join(line + b"\n" for line in sorted(line for _, line in lines))
    reader = bucket.reader(tmp_path / "c2")
    read = b"".join(p.read_bytes() for p in reader.partitions())
    if recent:  # merged from its own object
        assert read == everything and late_key in reader.objects.gets
    else:  # an old compacted day is read from its segments until the next compaction
        assert read == everything.replace(late[1] + b"\n", b"")
    # verify lists every record object: the late record is in its writer's chain.
    report = verify(bucket.reader(tmp_path / "c2"))
    assert report.intact and report.records == len(lines)

    results = compact(bucket.reader(tmp_path / "c3"), last_finished_day())
    assert [(r.day, r.records, r.segments) for r in results if r.records] == [
        (late[0]["time"][:10], 1, 1)
    ]
    for cache in ("c2", "c4"):  # warm, and cold: segments only
        again = bucket.reader(tmp_path / cache)
        assert b"".join(p.read_bytes() for p in again.partitions()) == everything
        assert all("/manifests/" in k or "/segments/" in k for k in again.objects.gets)
    report = verify(bucket.reader(tmp_path / "c4"))
    assert report.intact and report.records == len(lines)


def test_overlapping_segments_count_each_record_once(bucket: Bucket, tmp_path: Path) -> None:
    lines = _lines()
    upload(bucket.objects, PREFIX, lines)
    day = lines[0][0]["time"][:10]
    held = [item for item in lines if item[0]["time"][:10] == day]
    # A compaction that listed the day before its last record arrived, and one after.
    for subset in (held[:-1], held):
        entries = [(layout.object_key(PREFIX, r), "etag", line + b"\n") for r, line in subset]
        manifest, segment = compact_format.build(PREFIX, day, entries)
        bucket.objects.put_new(manifest.segment, segment)
        key = layout.manifest_key(PREFIX, day, manifest.name)
        bucket.objects.put_new(key, compact_format.manifest_bytes(manifest))
    assert len(bucket.keys(layout.manifest_prefix(PREFIX, day))) == 2
    reader = bucket.reader(tmp_path / "c")
    read = [line for p in reader.partitions() for _, line, _ in p.lines()]
    assert read == sorted(line for _, line in lines)
    report = verify(bucket.reader(tmp_path / "c"))
    # The manifests' ETags are not the objects': verify says so, record by record.
    assert {f.kind for f in report.findings} == {"edited"}
    assert len(report.findings) == len(held)
    assert report.records == len(lines)


def test_verify_on_compacted_days(sandbox, bucket: Bucket, tmp_path: Path) -> None:
    lines = _lines()
    upload(bucket.objects, PREFIX, lines)
    compact(bucket.reader(tmp_path / "c"), last_finished_day())
    days = sorted({r["time"][:10] for r, _ in lines})

    # A lifecycle rule expired the first day's record objects: the segment holds them.
    for key in bucket.keys(layout.day_prefix(PREFIX, days[0])):
        bucket.delete(key)
    fresh = str(tmp_path / "fresh")
    assert _exported(sandbox, bucket, cache=fresh) == _in_order(lines)
    clean = _viewer(sandbox, bucket, "verify", "--json", cache=fresh)
    assert clean.returncode == 0, clean.stdout
    assert json.loads(clean.stdout)["records"] == len(lines)

    # A record object of a compacted day replaced: reported, and readers keep the original.
    record, line = next(item for item in lines if item[0]["time"][:10] == days[1])
    key = layout.object_key(PREFIX, record)
    bucket.overwrite(key, line.replace(b'"user":"', b'"user":"mallory-') + b"\n")
    for cache in (fresh, str(tmp_path / "other")):  # warm and cold
        broken = _viewer(sandbox, bucket, "verify", "--json", cache=cache)
        assert broken.returncode == 1, broken.stdout
        findings = json.loads(broken.stdout)["findings"]
        assert [(f["kind"], f["file"]) for f in findings] == [
            ("edited", f"{bucket.store.scheme}://{bucket.store.container}/{key}")
        ]
        assert "changed after it was compacted" in findings[0]["detail"]
    assert _exported(sandbox, bucket, cache=fresh) == _in_order(lines)

    # A segment replaced by garbage: reported; its records come from their objects.
    segment = bucket.keys(layout.root(PREFIX) + f"segments/date={days[2]}/")[0]
    bucket.overwrite(segment, b"not gzip")
    cache = str(tmp_path / "third")
    assert _exported(sandbox, bucket, cache=cache) == _in_order(lines)
    broken = _viewer(sandbox, bucket, "verify", "--json", cache=cache)
    kinds = {
        (f["kind"], f["file"].rsplit("/", 2)[-2]) for f in json.loads(broken.stdout)["findings"]
    }
    assert ("corrupt", f"date={days[2]}") in kinds


def test_two_compactions_at_once(sandbox, bucket: Bucket, tmp_path: Path) -> None:
    lines = _lines(runs=150, days=6)
    upload(bucket.objects, PREFIX, lines)
    jobs = []
    for name in ("ci-job-1", "ci-job-2"):
        env = {**sandbox.env, **bucket.env, "XDG_CACHE_HOME": str(tmp_path / name)}
        jobs.append(
            subprocess.Popen(
                [str(SHIM), "audit", "compact", "--json"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = [job.communicate(timeout=120) for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], outputs
    results = [json.loads(line) for out, _ in outputs for line in out.splitlines()]
    manifests = bucket.keys(layout.manifests_root(PREFIX))
    days = {r["time"][:10] for r, _ in lines}
    # Each day's segment was written by one job; the other found the same bytes there.
    assert sum(r["segments"] for r in results) == len(manifests) == len(days)
    assert sum(r["already"] for r in results) == len(results) - len(days)
    assert _exported(sandbox, bucket, cache=str(tmp_path / "read")) == _in_order(lines)
    assert verify(bucket.reader(tmp_path / "v")).intact


def test_local_log_and_unfinished_days(sandbox) -> None:
    result = sandbox.run("audit", "compact", text=True)
    assert result.returncode == 0 and "a local log: nothing to compact" in result.stdout
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    refused = sandbox.run("audit", "compact", "--until", today, text=True)
    assert refused.returncode == 2 and "may still receive records" in refused.stderr


def test_sync_compacts_when_asked(sandbox, bucket: Bucket) -> None:
    lines = _lines(runs=10, days=3)
    upload(bucket.objects, PREFIX, lines)
    manifests = layout.manifests_root(PREFIX)
    # Not asked, or asked by a team file (which may not): nothing is compacted.
    sandbox.write_config("compact: true\n")
    quiet = _viewer(sandbox, bucket, "sync")
    assert quiet.returncode == 0, quiet.stderr
    assert "compact is ignored: a team file may not" in quiet.stderr
    assert bucket.keys(manifests) == []

    asked = sandbox.run("audit", "sync", env={**bucket.env, "PULUMI_AUDITED_COMPACT": "true"})
    assert asked.returncode == 0, asked.stderr
    days = sorted({r["time"][:10] for r, _ in lines})
    assert len(bucket.keys(manifests)) == len(days)
    assert f"{days[0]}: " in asked.stdout.decode()

    # sync still ships under a configuration it cannot read; it says why it did not compact.
    wrong = sandbox.run("audit", "sync", env={**bucket.env, "PULUMI_AUDITED_COMPACT": "maybe"})
    assert wrong.returncode == 0
    assert b"compaction not done: PULUMI_AUDITED_COMPACT: compact must be true" in wrong.stderr
    refused = sandbox.run("audit", "compact", env={**bucket.env, "PULUMI_AUDITED_COMPACT": "x"})
    assert refused.returncode == 125 and b"compact must be true or false" in refused.stderr
