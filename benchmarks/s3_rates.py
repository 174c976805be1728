"""S3Objects against a boto3 client on the same SeaweedFS data: list and parallel get rates.

    .venv/bin/python benchmarks/s3_rates.py [--objects 3000] [--threads 16] [--runs 3]

Starts SeaweedFS (tests/servers.py) in a temporary folder, puts N one-line objects in the
layout of the remote log with S3Objects, then measures, in alternating order, listing them all
and fetching them all from `--threads` threads. The cold case is a new S3Objects (no
connections yet) reading everything once, as a reader starting up does. Prints objects/s per
case (best of the runs) and the ratio of S3Objects to boto3.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from servers import SeaweedFS  # noqa: E402

from pulumi_audited.store import layout  # noqa: E402
from pulumi_audited.store.remote import open_objects  # noqa: E402

PREFIX = "bench"
BUCKET = "audit-bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    count, threads = arguments.objects, arguments.threads

    with tempfile.TemporaryDirectory(prefix="s3-rates-") as root:
        server = SeaweedFS(Path(root)).start()
        try:
            os.environ.update(server.environment())
            server.create_bucket(BUCKET)
            run(server, count, threads, arguments.runs)
        finally:
            server.stop()


def run(server: SeaweedFS, count: int, threads: int, runs: int) -> None:
    import boto3
    from botocore.config import Config

    location = f"s3://{BUCKET}/{PREFIX}?endpoint={server.endpoint}"
    objects = open_objects(location)
    keys = [
        layout.object_key(
            PREFIX,
            {"time": f"2026-11-{21 + n % 3}T12:00:00Z", "id": f"0190a1b2-c3d4-7000-8000-{n:012d}"},
        )
        for n in range(count)
    ]
    data = {key: f'{{"id": "{key}", "command": "pulumi up"}}\n'.encode() for key in keys}
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        created = sum(pool.map(lambda key: objects.put_new(key, data[key]), keys))
    put_seconds = time.perf_counter() - started
    print(
        f"put {created} new objects with S3Objects ({threads} threads): "
        f"{count / put_seconds:,.0f} objects/s"
    )

    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        config=Config(max_pool_connections=threads),
    )
    root = layout.root(PREFIX)

    def ours_list() -> int:
        listed, _ = objects.list(root)
        return len(listed)

    def boto_list() -> int:
        total = 0
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=root):
            total += len(page.get("Contents", []))
        return total

    def ours_get(store) -> int:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(store.get, keys))
        assert all(result == data[key] for key, result in zip(keys, results, strict=True))
        return len(results)

    def boto_get() -> int:
        def get(key: str) -> bytes:
            return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()

        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(get, keys))
        assert all(result == data[key] for key, result in zip(keys, results, strict=True))
        return len(results)

    cases = {
        "list, S3Objects": ours_list,
        "list, boto3": boto_list,
        f"get x{threads} threads, S3Objects (warm)": lambda: ours_get(objects),
        f"get x{threads} threads, S3Objects (cold: new store)": lambda: ours_get(
            open_objects(location)
        ),
        f"get x{threads} threads, boto3": boto_get,
    }
    best: dict[str, float] = {}
    for round_number in range(runs):
        order = list(cases)
        if round_number % 2:
            order.reverse()
        for name in order:
            started = time.perf_counter()
            done = cases[name]()
            seconds = time.perf_counter() - started
            assert done == count, (name, done)
            best[name] = max(best.get(name, 0.0), done / seconds)

    print(f"{count} objects, best of {runs} runs:")
    for name, rate in best.items():
        print(f"  {name:48} {rate:>10,.0f} objects/s  ({count / rate:.3f} s)")
    get_name = f"get x{threads} threads, "
    print(f"list: S3Objects / boto3 = {best['list, S3Objects'] / best['list, boto3']:.2f}x")
    print(
        f"get:  S3Objects / boto3 = "
        f"{best[get_name + 'S3Objects (warm)'] / best[get_name + 'boto3']:.2f}x (warm), "
        f"{best[get_name + 'S3Objects (cold: new store)'] / best[get_name + 'boto3']:.2f}x (cold)"
    )


if __name__ == "__main__":
    main()
