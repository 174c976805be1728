"""Which partitions were found to hold only record-shaped lines, remembered across runs.

Checking that every line of a day file starts like a record costs two passes over it; past
days never change, so the answer is kept under the user's cache folder, keyed by the
partition's fingerprint (size, mtime, inode). It only decides whether filtering may skip
lines by their bytes; `audit verify` never relies on it.
"""

from __future__ import annotations

import json
import os

from pulumi_audited import paths

_FILE_NAME = "viewer-shapes.json"


class ShapeCache:
    def __init__(self) -> None:
        self.path = os.path.join(paths.user_cache_dir(), _FILE_NAME)
        self.known: dict[str, str] = self._load()
        self.changed = False

    def _load(self) -> dict[str, str]:
        try:
            with open(self.path, encoding="utf-8") as handle:
                value = json.load(handle)
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def is_clean(self, location: str, fingerprint: str) -> bool:
        return bool(fingerprint) and self.known.get(location) == fingerprint

    def remember_clean(self, location: str, fingerprint: str) -> None:
        if fingerprint and self.known.get(location) != fingerprint:
            self.known[location] = fingerprint
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        try:
            paths.ensure_private_dir(os.path.dirname(self.path))
            paths.replace_file(self.path, json.dumps(self.known).encode())
        except OSError:
            pass  # a cache: the next run checks again
        self.changed = False
