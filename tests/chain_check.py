"""An independent walk of the hash chain, for tests (the viewer's verify is tested separately)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def walk_chain(log_dir: Path) -> list[dict]:
    """Every record, checking that each `prev` is the hash of the record line before it."""
    previous_hash = None
    records = []
    for path in sorted(log_dir.glob("*.jsonl")):
        for number, line in enumerate(path.read_bytes().split(b"\n")[:-1], start=1):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            assert record["prev"] == previous_hash, f"chain broken at {path.name}:{number}"
            previous_hash = hashlib.sha256(line).hexdigest()
            records.append(record)
    return records
