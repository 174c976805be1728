"""Blobs per second of AzureBlobObjects against a local Azurite: put_new, get, list.

    .venv/bin/python benchmarks/azure_rates.py [--blobs 2000] [--threads 16] [--rounds 3]

Starts Azurite (tests/servers.py; `make setup` installs it), writes one-line blobs, then
reads them all from `--threads` threads and lists them. For comparison the same reads go
through a ContainerClient built the SDK's default way (from the connection string: its own
requests session, whose pool keeps 10 connections), and through plain `requests` without the
SDK (anonymous reads of a public container: the floor that Azurite and HTTP set).
Reported: the best of `--rounds` rounds, in blobs per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from servers import Azurite  # noqa: E402

from pulumi_audited.store.azblob import AzureBlobObjects  # noqa: E402
from pulumi_audited.store.remote import parse_location  # noqa: E402


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:8.0f} blobs/s ({seconds * 1000:7.0f} ms)"


def best(rounds: int, work) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blobs", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    count, threads, rounds = arguments.blobs, arguments.threads, arguments.rounds

    with tempfile.TemporaryDirectory() as folder:
        server = Azurite(Path(folder)).start()
        try:
            os.environ.update(server.environment())
            container = "bench"
            server.service().create_container(container, public_access="blob")
            store = AzureBlobObjects(parse_location(f"azblob://{container}/logs"), timeout=10)
            keys = [f"logs/v1/date=2026-11-21/{number:08d}.jsonl" for number in range(count)]
            line = b'{"phase": "end", "command": "pulumi up", "ok": true}\n'

            with ThreadPoolExecutor(threads) as pool:
                start = time.perf_counter()
                assert all(pool.map(lambda key: store.put_new(key, line), keys))
                seconds = time.perf_counter() - start
                print(f"put_new, {threads} threads:        {rate(count, seconds)}")

                def get_all(get) -> None:
                    assert all(body == line for body in pool.map(get, keys))

                seconds = best(rounds, lambda: get_all(store.get))
                print(f"get, {threads} threads:            {rate(count, seconds)}")

                default = server.service().get_container_client(container)
                seconds = best(
                    rounds, lambda: get_all(lambda key: default.download_blob(key).readall())
                )
                print(f"get, SDK default client:       {rate(count, seconds)}")

                import requests

                session = requests.Session()
                adapter = requests.adapters.HTTPAdapter(pool_maxsize=threads * 2)
                session.mount("http://", adapter)
                base = f"{server.endpoint}/{container}/"
                seconds = best(rounds, lambda: get_all(lambda key: session.get(base + key).content))
                print(f"get, plain requests (floor):   {rate(count, seconds)}")

                one_thread = min(200, count)
                start = time.perf_counter()
                for key in keys[:one_thread]:
                    store.get(key)
                seconds = time.perf_counter() - start
                print(f"get, 1 thread:                 {rate(one_thread, seconds)}")

            def list_all() -> None:
                assert len(store.list("logs/v1/")[0]) == count

            print(f"list (one call):               {rate(count, best(rounds, list_all))}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
