"""docs/record-format.md documents every key a record has, so that a new field cannot land
without its row (docs/contributing.md, "A new record field")."""

from __future__ import annotations

import re
from pathlib import Path

from test_capture import IDENTITY_KEYS

from pulumi_audited.record import END_KEYS, REMOTE_KEYS, START_KEYS

DOCS = Path(__file__).resolve().parent.parent / "docs" / "record-format.md"


def _documented_fields() -> set[str]:
    """The keys named in the first cell of the field table's rows."""
    fields: set[str] = set()
    for line in DOCS.read_text().splitlines():
        if line.startswith("| `"):
            fields |= set(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return fields


def test_every_key_of_every_record_has_a_row():
    missing = set(START_KEYS + END_KEYS + REMOTE_KEYS) - _documented_fields()
    assert not missing, f"docs/record-format.md has no row for {sorted(missing)}"


def test_every_identity_key_is_described():
    text = DOCS.read_text()
    identity_row = next(line for line in text.splitlines() if line.startswith("| `identity`"))
    missing = [key for key in IDENTITY_KEYS if f"`{key}`" not in identity_row]
    assert not missing, f"the identity row of docs/record-format.md lacks {missing}"
