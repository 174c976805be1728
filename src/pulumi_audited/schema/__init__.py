"""The record's JSON Schema (record.schema.json, Draft 2020-12) and the columns it implies.

The schema is the one description of a record's types; record.py's START_KEYS, END_KEYS and
REMOTE_KEYS stay the one list of its keys and their order, and tests/test_record_schema.py
holds the two in step. ddl.py turns the columns into DuckDB, Athena and Spark definitions.
Off the hot path: only the viewer, the tests and `python -m pulumi_audited.schema` load it.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SCHEMA_FILE = Path(__file__).with_name("record.schema.json")


@cache
def record_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Type:
    """A column's type, engine-neutral: a scalar, a list, a struct or a string map."""

    kind: str  # string, integer, boolean, timestamp, list, struct, map
    item: "Type | None" = None
    fields: tuple[tuple[str, "Type"], ...] = ()


def columns() -> list[tuple[str, Type]]:
    """Every property of a record, in the writer's order, with its type."""
    schema = record_schema()
    return [(name, _type_of(node, name)) for name, node in schema["properties"].items()]


def _type_of(node: dict, name: str = "") -> Type:
    if "$ref" in node:
        node = record_schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    kinds = _json_types(node)
    if node.get("format") == "date-time":
        return Type("timestamp")
    if kinds == {"array"}:
        return Type("list", item=_type_of(node["items"]))
    if kinds == {"object"}:
        extra = node.get("additionalProperties", True)
        if extra is not False:
            # Keys beyond the named ones (a CI system's own): a map, not a struct.
            return Type("map", item=_type_of(extra))
        fields = tuple((key, _type_of(sub, key)) for key, sub in node["properties"].items())
        return Type("struct", fields=fields)
    if len(kinds) != 1:
        raise ValueError(f"no column type for {name or node!r}: {sorted(kinds)}")
    return Type(kinds.pop())


def _json_types(node: dict) -> set[str]:
    """The JSON types a node allows, null left out (every column is nullable)."""
    if "type" in node:
        found = node["type"]
        kinds = {found} if isinstance(found, str) else set(found)
    else:
        values = node["enum"] if "enum" in node else [node["const"]]
        names = {str: "string", bool: "boolean", int: "integer", type(None): "null"}
        kinds = {names[type(value)] for value in values}
    return kinds - {"null"}
