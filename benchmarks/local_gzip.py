"""Whether gzip'ing a local log's finished day files would help the viewer: reading the day
files as they are against reading the same files gzip'd, interleaved, in one run.

    .venv/bin/python benchmarks/local_gzip.py [--records 100000] [--runs 9] [--data DIR]

The log is make_log.py's (`--records` synthetic records over 365 days, kept in `--data` for the
next run). Each round reads every day file whole and splits it into lines, once as written and
once from a gzip copy (level 6, as `audit compact` writes segments), in alternating order; the
files sit in the page cache, so this is the reader's CPU, not a disk. Reported: medians, the
fastest, and the ratio. docs/compaction.md ("Local logs") takes its decision from it.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time
from pathlib import Path

from make_log import cached_log


def read_plain(paths: list[Path]) -> int:
    return sum(len(path.read_bytes().splitlines()) for path in paths)


def read_gzip(paths: list[Path]) -> int:
    return sum(len(gzip.decompress(path.read_bytes()).splitlines()) for path in paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--data", type=Path, default=Path("/tmp/pulumi-audited-bench"))
    options = parser.parse_args()
    options.data.mkdir(parents=True, exist_ok=True)
    log = cached_log(options.data, options.records)
    plain = sorted(log.glob("*.jsonl"))
    zipped_folder = options.data / f"log-{options.records}-gzip"
    zipped_folder.mkdir(exist_ok=True)
    zipped = []
    for path in plain:
        target = zipped_folder / (path.name + ".gz")
        if not target.exists():
            target.write_bytes(gzip.compress(path.read_bytes(), compresslevel=6, mtime=0))
        zipped.append(target)
    size = sum(path.stat().st_size for path in plain)
    zipped_size = sum(path.stat().st_size for path in zipped)
    cases = {"day files as written": (read_plain, plain), "the same gzip'd": (read_gzip, zipped)}
    times: dict[str, list[float]] = {name: [] for name in cases}
    lines: dict[str, int] = {}
    names = list(cases)
    for round_number in range(options.runs):
        for name in names[round_number % 2 :] + names[: round_number % 2]:
            read, paths = cases[name]
            began = time.perf_counter()
            lines[name] = read(paths)
            times[name].append(time.perf_counter() - began)
    assert len(set(lines.values())) == 1, lines
    print(
        f"{len(plain)} day files, {lines[names[0]]} lines: {size / 1e6:.1f} MB as written, "
        f"{zipped_size / 1e6:.1f} MB gzip'd"
    )
    base = statistics.median(times[names[0]])
    for name in names:
        median = statistics.median(times[name])
        print(
            f"{name:22} median {median:.3f} s, fastest {min(times[name]):.3f} s, "
            f"ratio {median / base:.2f}"
        )


if __name__ == "__main__":
    main()
