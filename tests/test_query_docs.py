"""docs/querying.md holds exactly the definitions the JSON Schema generates, for every engine
and both layouts, and the generator's command line prints them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_audited.schema import columns
from pulumi_audited.schema.ddl import ENGINES, KINDS, definition

QUERYING = Path(__file__).resolve().parent.parent / "docs" / "querying.md"


def fenced_blocks(text: str) -> list[str]:
    parts = text.split("```")
    return [part.split("\n", 1)[1].rstrip("\n") for part in parts[1::2]]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("engine", ENGINES)
def test_the_page_holds_the_generated_definition(engine: str, kind: str) -> None:
    assert definition(engine, kind) in fenced_blocks(QUERYING.read_text())


@pytest.mark.parametrize("engine", ENGINES)
def test_every_column_is_named(engine: str) -> None:
    text = definition(engine, "raw")
    for name, _ in columns():
        assert f"'{name}'" in text or f"`{name}`" in text or f'"{name}"' in text, name


def test_no_block_samples() -> None:
    for block in fenced_blocks(QUERYING.read_text()):
        assert "read_json_auto" not in block
        assert "union_by_name" not in block


def test_the_command_line_prints_a_definition() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_audited.schema", "ddl", "athena", "segments",
         "--location", "s3://audit-bucket/team"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout == definition("athena", "segments", "s3://audit-bucket/team") + "\n"
    assert "LOCATION 's3://audit-bucket/team/v1/segments/'" in result.stdout
