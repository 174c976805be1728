"""`audit verify --keys` on a bucket of 100,000 records over 60 days, with signed checkpoints,
and what it catches there.

    .venv/bin/python benchmarks/verify_keys.py [--records 100000] [--writers 12] [--days 60]

Starts SeaweedFS (tests/servers.py) in a temporary folder and uploads `--records` synthetic
records as benchmarks/remote_read.py does (make_log.py's runs, each given to one writer and
chained per writer by `seq` and `prev`), plus each writer's checkpoint at the end of every
day it wrote (made, signed and chained by the writer's own put_checkpoint, with one key per
writer). Then times the installed `pulumi-audited`:
`audit verify --keys` cold (empty cache folder) and warm, and `audit verify` without keys
warm; and runs each tampering case on the same bucket, putting it back after each: a
cut-off tail, a deleted newest day, a chain recomputed without the key, a deleted
checkpoint. Each case must give exit 1 and the finding named. With `--compact`, `audit
compact` runs first (all days but the newest two), so that verify reads segments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

from remote_logs import compact_with_the_shim, synthetic_log, upload, writer_ids  # noqa: E402
from sandbox import viewer_environment  # noqa: E402
from servers import SeaweedFS  # noqa: E402

from pulumi_audited.store import layout  # noqa: E402
from pulumi_audited.store.chain import line_hash  # noqa: E402
from pulumi_audited.store.checkpoint import Checkpoint  # noqa: E402
from pulumi_audited.store.checkpoint_keys import Signer  # noqa: E402
from pulumi_audited.store.checkpoint_writer import LastCheckpoint, put_checkpoint  # noqa: E402

SHIM = Path(sys.executable).parent / "pulumi-audited"
PREFIX = "team"


def make_key(path: Path) -> Signer:
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(path)],
        check=True,
        capture_output=True,
    )
    return Signer(str(path))


class _Kept:
    """As much of an ObjectStore as put_checkpoint writes to: keeps what it is given."""

    def __init__(self) -> None:
        self.objects: list[tuple[str, bytes]] = []

    def put_new(self, key: str, data: bytes) -> bool:
        self.objects.append((key, data))
        return True


def checkpoints_of(lines, signers: dict[str, Signer]) -> dict[str, list[tuple[str, bytes]]]:
    """writer -> [(key, bytes)] of its checkpoints, one at its last record of each day, made
    and signed by the writer's own put_checkpoint (store/checkpoint_writer.py)."""
    last_of_day: dict[tuple[str, str], tuple[int, bytes]] = {}
    for record, line in lines:
        last_of_day[(record["writer"], record["time"][:10])] = (record["seq"], line)
    kept = {w: _Kept() for w in signers}
    previous: dict[str, LastCheckpoint | None] = dict.fromkeys(signers)
    for (writer, day), (seq, line) in sorted(last_of_day.items(), key=lambda i: i[1][0]):
        made = put_checkpoint(
            kept[writer], PREFIX, writer, seq, line_hash(line), previous[writer], signers[writer]
        )
        previous[writer] = LastCheckpoint(seq, made.digest(), day)
    return {w: kept[w].objects for w in signers}


def verify(env: dict[str, str], *args: str) -> tuple[float, int, dict]:
    began = time.perf_counter()
    result = subprocess.run(
        [str(SHIM), "audit", "verify", "--json", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - began
    if result.returncode not in (0, 1):
        raise SystemExit(f"verify failed ({result.returncode}): {result.stderr}")
    return elapsed, result.returncode, json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--writers", type=int, default=12)
    parser.add_argument("--days", type=float, default=60)
    parser.add_argument(
        "--compact", action="store_true", help="run audit compact first, then measure"
    )
    options = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="verify-keys-bench-"))
    server = SeaweedFS(root / "seaweedfs").start()
    try:
        bucket = server.create_bucket("audit-bench")
        url = f"s3://{bucket}/{PREFIX}"
        os.environ.update(server.environment())
        from pulumi_audited.store.remote import open_objects

        objects = open_objects(url)
        client = server.client()
        end_ns = int(dt.datetime.now(dt.timezone.utc).timestamp() * 1e9)
        lines = synthetic_log(
            options.records, days=options.days, writers=options.writers, end_ns=end_ns
        )
        writers = writer_ids(options.writers)
        (root / "keys").mkdir()
        signers = {w: make_key(root / "keys" / f"{w}.pem") for w in writers}
        keys = root / "writers.pub"
        keys.write_text("".join(f"{w} {signers[w].public_line}\n" for w in writers))
        checkpoints = checkpoints_of(lines, signers)
        began = time.perf_counter()
        upload(objects, PREFIX, lines, workers=32)
        for items in checkpoints.values():
            for key, data in items:
                objects.put_new(key, data)
        count = sum(len(items) for items in checkpoints.values())
        print(
            f"SeaweedFS: {len(lines)} records by {len(writers)} writers over {options.days:g} "
            f"days and {count} signed checkpoints, uploaded in {time.perf_counter() - began:.1f} s",
            flush=True,
        )
        env = viewer_environment(root, server, url)
        if options.compact:
            print(compact_with_the_shim(env), flush=True)
        shutil.rmtree(env["XDG_CACHE_HOME"], ignore_errors=True)
        for name, args in (
            ("audit verify --keys, cold", ["--keys", str(keys)]),
            ("audit verify --keys, warm", ["--keys", str(keys)]),
            ("audit verify, warm", []),
        ):
            elapsed, status, report = verify(env, *args)
            assert status == 0 and not report["findings"], report["findings"][:3]
            print(f"{name:<28} {elapsed:7.2f} s  intact, {report['records']} records", flush=True)

        by_writer = {w: [(r, line) for r, line in lines if r["writer"] == w] for w in writers}

        def delete(key: str) -> None:
            client.delete_object(Bucket=bucket, Key=key)

        def put(key: str, data: bytes) -> None:
            client.put_object(Bucket=bucket, Key=key, Body=data)

        def case(name: str, expected: str, tamper, restore) -> None:
            tamper()
            elapsed, status, report = verify(env, "--keys", str(keys))
            kinds = sorted({f["kind"] for f in report["findings"]})
            verdict = "caught" if status == 1 and expected in kinds else "MISSED"
            print(f"{name:<28} {elapsed:7.2f} s  {verdict}: {', '.join(kinds)}", flush=True)
            restore()
            if verdict != "caught":
                raise SystemExit(f"{name} was not caught: {report['findings'][:3]}")

        writer = writers[0]
        tail = by_writer[writer][-3:]
        case(
            "cut-off tail (3 records)",
            "cut-off",
            lambda: [delete(layout.object_key(PREFIX, r)) for r, _ in tail],
            lambda: [put(layout.object_key(PREFIX, r), line + b"\n") for r, line in tail],
        )
        newest_day = max(r["time"][:10] for r, _ in lines)
        day = [(r, line) for r, line in lines if r["time"][:10] == newest_day]
        case(
            f"deleted newest day ({len(day)})",
            "cut-off",
            lambda: [delete(layout.object_key(PREFIX, r)) for r, _ in day],
            lambda: [put(layout.object_key(PREFIX, r), line + b"\n") for r, line in day],
        )
        own = checkpoints[writer]
        last_key, last_data = own[-1]
        record, line = by_writer[writer][-1]
        prior = json.loads(own[-2][1])
        forger = Signer(str(root / "keys" / f"{writers[1]}.pem"))  # another writer's key

        def forge() -> None:
            delete(last_key)
            delete(layout.object_key(PREFIX, record))
            seq = record["seq"] - 1
            before = by_writer[writer][-2][1]
            fake = Checkpoint(
                writer, seq, line_hash(before), seq, record["time"], line_hash(own[-2][1][:-1])
            )
            fake = replace(fake, key=forger.key_id)
            fake = replace(fake, signature=forger.sign(fake.signed_bytes()))
            if seq > prior["seq"]:
                put(layout.checkpoint_key(PREFIX, writer, seq), fake.line() + b"\n")

        def unforge() -> None:
            delete(layout.checkpoint_key(PREFIX, writer, record["seq"] - 1))
            put(last_key, last_data)
            put(layout.object_key(PREFIX, record), line + b"\n")

        case("recomputed without the key", "forged", forge, unforge)
        middle_key, middle_data = own[len(own) // 2]
        case(
            "deleted checkpoint",
            "checkpoint-missing",
            lambda: delete(middle_key),
            lambda: put(middle_key, middle_data),
        )
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
