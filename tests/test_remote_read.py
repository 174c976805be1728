"""Reading remote logs (s3:// on SeaweedFS, azblob:// on Azurite): every viewer command, the
cache, partition pruning, and verify's per-writer chains."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from remote_logs import WRITERS, chained_lines, synthetic_records, upload
from remote_stores import fresh_store

from pulumi_audited.store import StoreError, layout
from pulumi_audited.store.objects import ObjectInfo
from pulumi_audited.store.remote_read import RemoteReader
from pulumi_audited.store.schemes import SCHEMES
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


# Against the real servers: SeaweedFS for s3://, Azurite for azblob://.


class Remote:
    """A fresh bucket or container, its log URL, the environment a user would set, and the
    object store the records are written with."""

    def __init__(self, scheme: str, server, container: str, prefix: str = "team") -> None:
        self.scheme = scheme
        self.server = server
        self.container = container
        self.prefix = prefix
        self.url = f"{scheme}://{container}/{prefix}"
        self.env = server.environment()

    def objects(self, monkeypatch):
        from pulumi_audited.store.remote import open_objects

        for name, value in self.env.items():
            monkeypatch.setenv(name, value)
        return open_objects(self.url)

    def object_url(self, record: dict) -> str:
        return f"{self.scheme}://{self.container}/{layout.object_key(self.prefix, record)}"

    def overwrite(self, record: dict, data: bytes) -> None:
        key = layout.object_key(self.prefix, record)
        if self.scheme == "s3":
            self.server.client().put_object(Bucket=self.container, Key=key, Body=data)
        else:
            blob = self.server.service().get_blob_client(self.container, key)
            blob.upload_blob(data, overwrite=True)

    def delete(self, record: dict) -> None:
        key = layout.object_key(self.prefix, record)
        if self.scheme == "s3":
            self.server.client().delete_object(Bucket=self.container, Key=key)
        else:
            self.server.service().get_blob_client(self.container, key).delete_blob()


@pytest.fixture(params=list(SCHEMES))
def remote(request) -> Remote:
    store = fresh_store(request, request.param)
    return Remote(store.scheme, store.server, store.container)


@pytest.fixture
def s3_remote(seaweedfs, s3_bucket) -> Remote:
    return Remote("s3", seaweedfs, s3_bucket)


def _viewer(sandbox, remote: Remote, *args: str):
    env = {"PULUMI_AUDITED_LOG": remote.url, **remote.env}
    return sandbox.run("audit", *args, env=env, text=True)


def _written(remote: Remote, monkeypatch, runs: int = 24, days: float = 4):
    records = synthetic_records(runs, days=days, end_ns=END_NS)
    lines = chained_lines(records, WRITERS)
    upload(remote.objects(monkeypatch), remote.prefix, lines)
    return lines


def _key_order(lines):
    return [record for record, _ in sorted(lines, key=lambda item: item[0]["id"])]


def test_every_command_reads_a_remote_log(sandbox, remote: Remote, monkeypatch) -> None:
    lines = _written(remote, monkeypatch)
    records = _key_order(lines)
    assert len({r["writer"] for r in records}) == 3

    shown = _viewer(sandbox, remote, "log", "--json", "-n", "0")
    assert shown.returncode == 0, shown.stderr
    runs = [json.loads(line) for line in shown.stdout.splitlines()]
    starts = [r for r in records if r["phase"] == "start"]
    expected = [r["run_id"] for r in sorted(starts, key=lambda r: r["time"], reverse=True)]
    assert [run["run_id"] for run in runs] == expected  # newest first, all writers merged

    exported = _viewer(sandbox, remote, "export", "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    assert [json.loads(line) for line in exported.stdout.splitlines()] == records

    for fmt in ("csv", "cef"):
        result = _viewer(sandbox, remote, "export", "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert len(result.stdout.splitlines()) >= len(records)

    stats = _viewer(sandbox, remote, "stats", "--json")
    assert stats.returncode == 0, stats.stderr

    run_id = expected[3]
    show = _viewer(sandbox, remote, "show", run_id[:20], "--json")
    assert show.returncode == 0, show.stderr
    located = json.loads(show.stdout)["records"]
    assert {item["integrity"][:6] for item in located} == {"intact"}
    assert all(item["location"].startswith(f"{remote.url}/v1/date=") for item in located)

    verified = _viewer(sandbox, remote, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"intact: {len(records)} records" in verified.stdout


class Counting:
    """The real object store, with every list and get written down."""

    def __init__(self, objects) -> None:
        self.objects = objects
        self.url = objects.url
        self.gets: list[str] = []
        self.lists: list[str] = []

    def put_new(self, key: str, data: bytes) -> bool:
        return self.objects.put_new(key, data)

    def get(self, key: str) -> bytes:
        self.gets.append(key)
        return self.objects.get(key)

    def list(self, prefix: str, *, delimiter: str | None = None):
        self.lists.append(prefix)
        return self.objects.list(prefix, delimiter=delimiter)


def test_cache_fetches_each_object_once_and_edited_ones_again(
    remote: Remote, monkeypatch, tmp_path: Path
) -> None:
    lines = _written(remote, monkeypatch)
    cache = str(tmp_path / "cache")

    def reader() -> tuple[RemoteReader, Counting]:
        counting = Counting(remote.objects(monkeypatch))
        return RemoteReader(remote.url, objects=counting, cache_folder=cache), counting

    first, counted = reader()
    data = b"".join(p.read_bytes() for p in first.partitions())
    assert sorted(counted.gets) == sorted(layout.object_key("team", r) for r, _ in lines)

    second, counted = reader()
    assert b"".join(p.read_bytes() for p in second.partitions()) == data
    assert counted.gets == []  # warm: listings only
    packs = list(Path(cache).iterdir())
    assert len(packs) == len(second.partitions())  # one pack per day, not one file per object
    assert {oct(p.stat().st_mode & 0o777) for p in packs} == {"0o600"}

    record, line = lines[7]
    edited = line.replace(b'"user":"', b'"user":"mallory-') + b"\n"
    remote.overwrite(record, edited)
    third, counted = reader()
    assert edited in b"".join(p.read_bytes() for p in third.partitions())
    assert counted.gets == [layout.object_key("team", record)]


def test_since_until_lists_and_fetches_only_the_days_needed(
    s3_remote: Remote, monkeypatch, tmp_path: Path, capsys
) -> None:
    lines = _written(s3_remote, monkeypatch, runs=60, days=10)
    days = sorted({r["time"][:10] for r, _ in lines})
    assert len(days) >= 8
    counting = Counting(s3_remote.objects(monkeypatch))
    monkeypatch.setattr("pulumi_audited.store.remote_read.open_objects", lambda *a, **k: counting)
    monkeypatch.setenv("PULUMI_AUDITED_LOG", s3_remote.url)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    from pulumi_audited.viewer.cli import run_viewer

    since, until = days[3], days[5]
    assert run_viewer(["log", "--json", "-n", "0", "--since", since, "--until", until]) == 0
    shown = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert shown and all(since <= run["time"][:10] <= until for run in shown)
    # --until's day is included (it ends at the next midnight, so that day's partition is
    # read too), and `log` reads one more day for runs that end after midnight.
    wanted = {layout.day_prefix("team", day) for day in days if since <= day <= _plus(until, 2)}
    assert len(wanted) < len(days) - 3
    root = layout.root("team")
    assert set(counting.lists) == wanted | {root}
    assert counting.gets and all(key[: len(root) + 16] in wanted for key in counting.gets)

    counting.lists.clear()
    counting.gets.clear()
    assert run_viewer(["export", "--since", days[1], "--until", days[1]]) == 0
    exported = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["time"][:10] for r in exported} == {days[1]}
    wanted = {layout.day_prefix("team", day) for day in (days[1], _plus(days[1], 1))}
    assert set(counting.lists) == wanted | {root}
    assert {key[: len(root) + 16] for key in counting.gets} <= wanted


def _plus(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def test_verify_walks_each_writer_and_catches_deleted_and_edited(
    sandbox, remote: Remote, monkeypatch
) -> None:
    lines = _written(remote, monkeypatch, runs=40)
    clean = _viewer(sandbox, remote, "verify", "--json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["records"] == len(lines)

    alice = [item for item in lines if item[0]["writer"] == WRITERS[0]]
    ci = [item for item in lines if item[0]["writer"] == WRITERS[1]]
    remote.delete(alice[4][0])
    record, line = ci[6]
    remote.overwrite(record, line.replace(b'"cwd":"', b'"cwd":"/tmp/x') + b"\n")

    broken = _viewer(sandbox, remote, "verify", "--json")
    assert broken.returncode == 1, broken.stderr
    findings = {(f["kind"], f["file"]) for f in json.loads(broken.stdout)["findings"]}
    assert findings == {
        ("deleted", remote.object_url(alice[5][0])),
        ("edited", remote.object_url(record)),
    }
    text = _viewer(sandbox, remote, "verify")
    assert "seq 5" in text.stdout and remote.object_url(record) in text.stdout


def test_verify_reports_unchained_and_misplaced_records(
    sandbox, s3_remote: Remote, monkeypatch
) -> None:
    lines = _written(s3_remote, monkeypatch, runs=6)
    objects = s3_remote.objects(monkeypatch)
    record = dict(lines[0][0])
    del record["writer"], record["seq"]
    record["id"] = record["id"][:-4] + "ffff"
    from pulumi_audited import fastjson

    objects.put_new(layout.object_key("team", record), fastjson.dumps(record).encode() + b"\n")
    moved = dict(lines[1][0])
    wrong_key = layout.day_prefix("team", "2026-01-01") + moved["id"] + ".jsonl"
    objects.put_new(wrong_key, lines[1][1] + b"\n")
    result = _viewer(sandbox, s3_remote, "verify", "--json")
    assert result.returncode == 1
    kinds = {(f["kind"], f["file"]) for f in json.loads(result.stdout)["findings"]}
    assert ("unchained", s3_remote.object_url(record)) in kinds
    assert ("misplaced", f"s3://{s3_remote.container}/{wrong_key}") in kinds


@pytest.mark.parametrize("command", [("log",), ("export",), ("verify",), ("stats",)])
def test_unreachable_or_missing_bucket_is_one_clear_line(
    sandbox, seaweedfs, command: tuple
) -> None:
    from servers import free_port

    dead = f"s3://audit/team?endpoint=http://127.0.0.1:{free_port()}"
    for url in (dead, "s3://no-such-bucket/team"):
        env = {**seaweedfs.environment(), "PULUMI_AUDITED_LOG": url}
        result = sandbox.run("audit", *command, env=env, text=True)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("pulumi-audited: "), result.stderr


def test_unreachable_azure_is_one_clear_line(sandbox) -> None:
    from servers import AZURE_ACCOUNT, AZURE_KEY, free_port

    connection = (
        f"DefaultEndpointsProtocol=http;AccountName={AZURE_ACCOUNT};AccountKey={AZURE_KEY};"
        f"BlobEndpoint=http://127.0.0.1:{free_port()}/{AZURE_ACCOUNT};"
    )
    env = {"AZURE_STORAGE_CONNECTION_STRING": connection, "PULUMI_AUDITED_LOG": "azblob://c/p"}
    result = sandbox.run("audit", "log", env=env, text=True)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
