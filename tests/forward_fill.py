"""Queue N synthetic records for sinks, as the shim would have while the sinks were down:

    python tests/forward_fill.py --records N --log DIR --sink URL [--sink URL ...]

Run with the environment of the user whose queues to fill (XDG_DATA_HOME). The records come
from benchmarks/make_log.py (built by record.py), go into the local log with
LocalLog.append_many, and into each sink's queue through SinkQueue.append, a thousand lines
per append: the queue's own code, without one fsync per record. Prints the ids, one a line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_log import ordered_records, synthetic_runs  # noqa: E402

from pulumi_audited import fastjson  # noqa: E402
from pulumi_audited.store.forward_queue import SinkQueue  # noqa: E402
from pulumi_audited.store.local import LocalLog  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--sink", action="append", required=True)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    records = list(ordered_records(synthetic_runs(options.records // 2, days=1, seed=options.seed)))
    LocalLog(options.log).append_many(records)
    lines = [fastjson.dumps(record).encode("ascii") + b"\n" for record in records]
    for url in options.sink:
        queue = SinkQueue.for_sink(url)
        for start in range(0, len(lines), 1000):
            queue.append(b"".join(lines[start : start + 1000]))
    sys.stdout.write("".join(f"{record['id']}\n" for record in records))


if __name__ == "__main__":
    main()
