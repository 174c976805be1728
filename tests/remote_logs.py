"""Remote logs for the tests and benchmarks: synthetic records chained per writer by the
shim's own spool, one object each, written with the ObjectStore's put_new at the layout's
keys, as the shipper writes them."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from make_log import ordered_records, synthetic_runs

from pulumi_audited import fastjson
from pulumi_audited.store import layout
from pulumi_audited.store.spool import Spool

# Where the spools of chained_lines live: a tmpfs when there is one, so that a spool's three
# fsyncs per record cost what they cost on a laptop's SSD, not a VM's disk.
_FAST_FOLDER = "/dev/shm" if os.path.isdir("/dev/shm") else None


def chained_lines(records: list[dict], writers: list[str]) -> list[tuple[dict, bytes]]:
    """(record, line) for each record as the shim's writer makes it: each run goes to one
    writer (by its run id) and is appended to that writer's spool (store/spool.py, which
    stamps `writer`, `seq` and `prev` and makes the line durable), then read back from it."""
    with tempfile.TemporaryDirectory(dir=_FAST_FOLDER) as root:
        spools = {}
        for writer in writers:
            folder = Path(root, writer)
            folder.mkdir(mode=0o700)
            (folder / "writer").write_text(f"{writer} 0 -\n")  # the spool's chain state
            spools[writer] = Spool(str(folder), "s3://chained-lines/team")
        out = []
        for record in records:
            writer = writers[int(record["run_id"].replace("-", "")[-6:], 16) % len(writers)]
            spool = spools[writer]
            name = spool.append(dict(record))
            line = spool.read(name)
            assert line is not None
            os.unlink(os.path.join(spool.pending_folder, name))  # as shipped
            out.append((fastjson.loads(line), line[:-1]))
    return out


def synthetic_records(runs: int, *, days: float, seed: int = 7, end_ns=None) -> list[dict]:
    return list(ordered_records(synthetic_runs(runs, days=days, seed=seed, end_ns=end_ns)))


def writer_ids(count: int) -> list[str]:
    """`count` writer ids shaped as a spool makes them (`<host>-<8 hex>`), the same each run."""
    return [f"host-{n:03d}-{n * 2654435761 % 2**32:08x}" for n in range(count)]


def synthetic_log(
    records: int, *, days: float, writers: int, end_ns: int
) -> list[tuple[dict, bytes]]:
    """About `records` records (start and end of runs) over `days` up to `end_ns`, by
    `writers` writers, chained as chained_lines chains them."""
    runs = synthetic_records(records // 2, days=days, end_ns=end_ns)
    return chained_lines(runs, writer_ids(writers))


def upload(objects, prefix: str, lines: list[tuple[dict, bytes]], workers: int = 16) -> None:
    def put(item: tuple[dict, bytes]) -> None:
        record, line = item
        objects.put_new(layout.object_key(prefix, record), line + b"\n")

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(put, lines))


WRITERS = ["laptop-alice-0a1b2c3d", "ci-runner-1-deadbeef", "laptop-bob-12345678"]


def compact_with_the_shim(env: dict[str, str]) -> str:
    """Run the installed `pulumi-audited audit compact` on the log `env` names; what to print
    about it: the days compacted and how long it took."""
    shim = Path(sys.executable).parent / "pulumi-audited"
    began = time.perf_counter()
    days = subprocess.run(
        [str(shim), "audit", "compact", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return f"audit compact: {len(days)} days in {time.perf_counter() - began:.1f} s"
