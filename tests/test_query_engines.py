"""docs/querying.md's DuckDB and Spark definitions (generated from the record's JSON Schema)
run on a bucket the real shim wrote to SeaweedFS. DuckDB's on a local copy of it, raw objects
and gzip segments, and on the bucket itself through httpfs (loaded from the duckdb-ext-httpfs
package: extensions.duckdb.org is out of reach here); Spark's in a local Spark on the local
copy (reading s3a:// needs hadoop-aws, which Spark fetches from Maven, out of reach here).
The queries are the ones that break when an engine samples the first files: a filter on a
`reason` that is null in all of them, and on an `outcome` that start records do not have."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from query_bucket import TOGETHER, QueryBucket, httpfs_connection, write_query_bucket
from query_questions import SHARED

from pulumi_audited.schema.ddl import definition, glob, table_name

QUERIES = {
    **SHARED,
    "types": 'SELECT DISTINCT typeof("date"), typeof("time"), typeof(seq) FROM {table}',
    "days": 'SELECT "date", count(*), min("time") FROM {table} GROUP BY ALL ORDER BY ALL',
}


SPARK = Path(__file__).resolve().parent / "spark_queries.py"


@pytest.fixture(scope="module")
def bucket(seaweedfs, tmp_path_factory) -> QueryBucket:
    name = seaweedfs.create_bucket("query-engines")
    return write_query_bucket(seaweedfs, name, tmp_path_factory.mktemp("query-engines"))


def expected(bucket: QueryBucket) -> dict[str, list[tuple]]:
    """The answers, counted from the records themselves with json."""
    records = bucket.records
    runs = TOGETHER + 3
    days: dict[str, list] = {}
    for record in records:
        day = days.setdefault(record["time"][:10], [0, record["time"]])
        day[0] += 1
        day[1] = min(day[1], record["time"])
    return {
        "ticket": [(4,)],
        "failed": [("organization/webapp/dev", 1), ("organization/webapp/prod", 1)],
        "phases": [("end", runs, runs), ("start", runs, 0)],
        "ci": [(4,)],
        "types": [("DATE", "TIMESTAMP", "BIGINT")],
        "days": [(day, count, first) for day, (count, first) in sorted(days.items())],
    }


def answers(connection: duckdb.DuckDBPyConnection, kind: str, location: str) -> dict:
    connection.execute(definition("duckdb", kind, location))
    found = {}
    for name, query in QUERIES.items():
        rows = connection.execute(query.format(table=table_name(kind))).fetchall()
        if name == "days":
            rows = [(str(day), count, _rfc3339(first)) for day, count, first in rows]
        found[name] = rows
    return found


def _rfc3339(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_sampling_trips_on_this_bucket(bucket: QueryBucket) -> None:
    """The trap is real here: read_json_auto, as querying.md once said, fails both filters."""
    first = sorted(bucket.records, key=lambda record: record["id"])[:TOGETHER]
    assert {record["phase"] for record in first} == {"start"}
    assert {record["reason"] for record in first} == {None}
    auto = f"read_json_auto('{glob(bucket.local, 'raw')}', hive_partitioning = true)"
    connection = duckdb.connect()
    with pytest.raises(duckdb.ConversionException):
        connection.execute(f"SELECT count(*) FROM {auto} WHERE reason = 'CHG-1234'").fetchall()
    with pytest.raises(duckdb.BinderException, match="outcome"):
        connection.execute(f"SELECT count(*) FROM {auto} WHERE outcome = 'failed'").fetchall()


@pytest.mark.parametrize("kind", ["raw", "segments"])
def test_the_definitions_answer_on_a_local_copy(bucket: QueryBucket, kind: str) -> None:
    assert answers(duckdb.connect(), kind, bucket.local) == expected(bucket)


@pytest.mark.parametrize("kind", ["raw", "segments"])
def test_the_definitions_answer_on_the_bucket(bucket: QueryBucket, kind: str) -> None:
    assert answers(httpfs_connection(bucket.server), kind, bucket.url) == expected(bucket)


def test_the_spark_definitions_answer_on_a_local_copy(bucket: QueryBucket) -> None:
    result = subprocess.run(
        [sys.executable, str(SPARK), bucket.local], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.splitlines()[-1])
    want = expected(bucket)
    want["types"] = [("date", "timestamp", "bigint")]
    for kind in ("raw", "segments"):
        assert {name: [tuple(row) for row in rows] for name, rows in found[kind].items()} == want
