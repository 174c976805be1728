"""The checks tests/test_siem_formats.py runs on exported events, each from the format's own
definition: OCSF's schema as JSON Schema (ocsf-json-schema, run by jsonschema), ECS's field
definitions (tests/ecs/), and a CEF reader that unescapes as the CEF spec says."""

from __future__ import annotations

import datetime as dt
import ipaddress
import lzma
import re
from pathlib import Path

import jsonschema
import yaml
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

ECS_FLAT = Path(__file__).resolve().parent / "ecs" / "ecs_flat.yml.xz"


def ocsf_class_validator(version: str, class_uid: int) -> jsonschema.Draft202012Validator:
    """OCSF's schema `version` for class `class_uid` as JSON Schema, checked itself first."""
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(version))
    class_schema = schema.get_class_schema(schema.lookup_class_name_from_uid(class_uid))
    jsonschema.Draft202012Validator.check_schema(class_schema)
    return jsonschema.Draft202012Validator(class_schema)


def ocsf_errors(validator: jsonschema.Draft202012Validator, event: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(event)]


_ECS_TEXT = ("keyword", "wildcard", "match_only_text", "text", "constant_keyword")
_ECS_NUMBER = ("long", "integer", "short", "byte", "unsigned_long")


def load_ecs_fields() -> dict[str, dict]:
    """ECS's generated/ecs/ecs_flat.yml (tests/ecs/README.md): field name -> definition."""
    return yaml.load(lzma.decompress(ECS_FLAT.read_bytes()), Loader=yaml.CSafeLoader)


def _ecs_value_problem(value: object, kind: str) -> str | None:
    if kind in _ECS_TEXT:
        return None if isinstance(value, str) else "not a string"
    if kind in _ECS_NUMBER:
        return None if type(value) is int else "not an integer"
    if kind == "date":
        try:
            dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return "not a date"
        return None if isinstance(value, str) else "not a date string"
    if kind == "ip":
        try:
            ipaddress.ip_address(str(value))
        except ValueError:
            return "not an IP address"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else "not a boolean"
    return f"type {kind} not checked here"


def ecs_problems(document: dict, fields: dict[str, dict]) -> list[str]:
    """Every field of `document` that ECS does not define, or whose value is not of ECS's type
    or among its allowed values; event.type values that ECS does not expect with the
    document's event.category."""
    problems: list[str] = []

    def walk(name: str, value: object) -> None:
        if name == "labels":  # ECS: an object of keyword values
            if not all(isinstance(v, str) for v in value.values()):  # type: ignore[union-attr]
                problems.append("labels: a value is not a keyword")
            return
        field = fields.get(name)
        if field is None:
            if isinstance(value, dict) and value:
                for key, item in value.items():
                    walk(f"{name}.{key}" if name else key, item)
            else:
                problems.append(f"{name}: not an ECS field")
            return
        is_array = "array" in (field.get("normalize") or [])
        if isinstance(value, list) != is_array:
            problems.append(f"{name}: array is {isinstance(value, list)}, ECS says {is_array}")
            return
        allowed = {a["name"] for a in field.get("allowed_values") or []}
        for item in value if isinstance(value, list) else [value]:
            problem = _ecs_value_problem(item, field["type"])
            if problem:
                problems.append(f"{name}: {item!r} {problem}")
            if allowed and item not in allowed:
                problems.append(f"{name}: {item!r} not among ECS's allowed values")

    walk("", document)
    categories = {
        a["name"]: a.get("expected_event_types") or []
        for a in fields["event.category"]["allowed_values"]
    }
    for category in document.get("event", {}).get("category", []):
        for kind in document["event"].get("type", []):
            if kind not in categories.get(category, []):
                problems.append(f"event.type {kind} not expected with event.category {category}")
    return problems


def parse_cef(line: str) -> tuple[str, list[str], dict[str, str]]:
    """(syslog prefix, the seven header fields, the extensions), unescaped as the CEF spec
    says: `\\|` and `\\\\` in the header; `\\=`, `\\\\`, `\\n` and `\\r` in extensions."""
    prefix, _, message = line.partition(" CEF:")
    fields, field, index = [], "", 0
    message = "CEF:" + message
    while len(fields) < 7:
        char = message[index]
        if char == "\\":
            field += message[index + 1]
            index += 2
            continue
        if char == "|":
            fields.append(field)
            field = ""
        else:
            field += char
        index += 1
    extension_text = message[index:]
    extensions: dict[str, str] = {}
    for match in re.finditer(r"(\w+)=((?:[^\\=]|\\.)*?)(?= \w+=|$)", extension_text):
        value = re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m[1], m[1]), match[2])
        extensions[match[1]] = value
    return prefix, fields, extensions
