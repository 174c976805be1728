"""A bucket written by the real shim the way that trips an engine that samples its first
files: 34 updates started together (their start records, without `outcome`, come first), then
runs with a change ticket as `reason` (null in every record before). Shared by the DuckDB and
Spark tests, which query a local copy of it and the bucket itself."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import duckdb_ext
from conftest import SHIM, Sandbox
from query_logs import CI, download, make_segments, run
from servers import SeaweedFS
from test_store_and_forward import remote_env, wait_until_drained

from pulumi_audited.store import layout

PREFIX = "team"
# DuckDB samples the first 32 files (maximum_sample_files) for a JSON layout.
TOGETHER = 34


@dataclass
class QueryBucket:
    server: SeaweedFS
    bucket: str
    copy: Path  # the bucket downloaded: copy/team/v1/... as the keys are
    records: list[dict]

    @property
    def local(self) -> str:
        """The location of the local copy, as ddl.definition takes it."""
        return str(self.copy / PREFIX)

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{PREFIX}"


def write_query_bucket(server: SeaweedFS, bucket: str, root: Path) -> QueryBucket:
    sandbox = Sandbox(root / "sandbox")
    sandbox.env.update(remote_env(server, bucket))
    together = [
        subprocess.Popen(
            [str(SHIM), "up", "--yes"],
            cwd=sandbox.project,
            env={**sandbox.env, "FAKE_PULUMI_DURATION": "12"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(TOGETHER)
    ]
    for proc in together:
        assert proc.wait(timeout=120) == 0
    ticket = {**CI, "PULUMI_AUDITED_REASON": "CHG-1234"}
    run(sandbox, "up", "--yes", **ticket)
    run(sandbox, "up", "--yes", **ticket, FAKE_PULUMI_EXIT="1")
    run(sandbox, "destroy", "--yes", "--stack", "prod", FAKE_PULUMI_EXIT="1")
    wait_until_drained(sandbox)
    copy = root / "copy"
    files = download(server, bucket, copy)
    make_segments(copy, PREFIX)
    for path in sorted((copy / layout.root(PREFIX) / layout.SEGMENTS_FOLDER).rglob("*")):
        if path.is_file():
            server.client().put_object(
                Bucket=bucket, Key=str(path.relative_to(copy)), Body=path.read_bytes()
            )
    records = [json.loads(path.read_bytes()) for path in sorted(files)]
    return QueryBucket(server, bucket, copy, records)


def httpfs_connection(server: SeaweedFS) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that reads `server`'s buckets through httpfs (the extension from
    the duckdb-ext-httpfs package: extensions.duckdb.org is out of reach here)."""
    connection = duckdb.connect()
    extensions = Path(next(iter(duckdb_ext.__path__))) / "extensions"
    connection.execute(f"SET extension_directory = '{extensions}'")
    connection.execute("LOAD httpfs")
    env = server.environment()
    endpoint = env["AWS_ENDPOINT_URL"].removeprefix("http://")
    connection.execute(
        f"CREATE SECRET audit (TYPE s3, KEY_ID '{env['AWS_ACCESS_KEY_ID']}', "
        f"SECRET '{env['AWS_SECRET_ACCESS_KEY']}', REGION '{env['AWS_REGION']}', "
        f"ENDPOINT '{endpoint}', URL_STYLE 'path', USE_SSL false)"
    )
    return connection
