"""Elastic Common Schema 9.4: one document per record.

Only ECS fields, each with the type ECS gives it (tests/test_siem_formats.py checks every
field against ECS's own generated/ecs/ecs_flat.yml). What ECS has no field for (the stack,
project, backend, run id, phase...) goes in `labels`, ECS's keyword map for such values.
`event.category` is `configuration` (creating, changing or deleting a system's settings), the
type `creation`, `change`, `deletion` or `access` from the command; `event.duration` is in
nanoseconds; `event.severity` is the CEF severity. The AI agent is `gen_ai.agent.name` and
its model `gen_ai.request.model`.
"""

from __future__ import annotations

import datetime as dt

from pulumi_audited import outcomes, timestamps
from pulumi_audited.viewer.package import PACKAGE
from pulumi_audited.viewer.siem.common import (
    CEF_SEVERITIES,
    CREATE,
    DELETE,
    READ,
    UNKNOWN,
    UPDATE,
    as_map,
    command_line,
    description,
    duration_ms,
    ip_address,
    operation,
    record_agent,
    severity,
    text_or_none,
)

ECS_VERSION = "9.4.0"
# Elastic's data stream names (`logs-<dataset>-<namespace>`) allow no hyphen in a dataset.
DATASET_MODULE = "pulumi_audited"
_EVENT_TYPES = {
    CREATE: "creation",
    DELETE: "deletion",
    UPDATE: "change",
    READ: "access",
    UNKNOWN: "info",
}


def _outcome(record: dict) -> str:
    if record.get("phase") != "end" or record.get("outcome") not in outcomes.OUTCOMES:
        return "unknown"
    return "success" if record["outcome"] == outcomes.SUCCEEDED else "failure"


def _compact(document: dict) -> dict:
    """`document` without None, empty strings, lists and maps, at every depth."""
    kept = {}
    for key, value in document.items():
        if isinstance(value, dict):
            value = _compact(value)
        elif isinstance(value, list):
            value = [item for item in value if item is not None and item != ""]
        if value is not None and value != "" and value != [] and value != {}:
            kept[key] = value
    return kept


def _labels(record: dict, preview_run_id: str | None) -> dict:
    git = as_map(record.get("git"))
    ci = as_map(as_map(record.get("identity")).get("ci"))
    labels = {
        "pulumi_stack": record.get("stack"),
        "pulumi_project": record.get("project"),
        "pulumi_backend": record.get("backend"),
        "pulumi_command": record.get("command"),
        "pulumi_exec_kind": record.get("exec_kind"),
        "run_id": record.get("run_id"),
        "phase": record.get("phase"),
        "effect": record.get("effect"),
        "outcome": record.get("outcome"),
        "reveals_secrets": "true" if record.get("reveals_secrets") else "false",
        "reason": record.get("reason"),
        "git_head": git.get("head"),
        "git_branch": git.get("branch"),
        "ci_system": ci.get("system"),
        "preview_run_id": preview_run_id,
    }
    return {key: str(value) for key, value in labels.items() if value not in (None, "")}


def ecs_document(record: dict, preview_run_id: str | None = None) -> dict:
    """The record as one ECS document. `preview_run_id`: the preview that planned this run,
    when the caller knows it (viewer/planned.py); kept in `labels.preview_run_id`."""
    identity = as_map(record.get("identity"))
    agent = record_agent(record)
    argv = record.get("argv")
    argv = argv if isinstance(argv, list) else []
    event: dict = {
        "kind": "event",
        "category": ["configuration"],
        "type": [_EVENT_TYPES[operation(record)]],
        "action": record.get("event"),
        "outcome": _outcome(record),
        "id": record.get("id"),
        "provider": "pulumi",
        "module": DATASET_MODULE,
        "dataset": f"{DATASET_MODULE}.audit",
        "severity": CEF_SEVERITIES[severity(record)],
        "reason": record.get("reason"),
    }
    took = duration_ms(record)
    if record.get("phase") == "end" and took is not None:
        event["duration"] = took * 1_000_000
        try:
            end = timestamps.parse(record.get("time"))
        except ValueError:
            pass
        else:
            event["end"] = timestamps.format_instant(end)
            event["start"] = timestamps.format_instant(end - dt.timedelta(milliseconds=took))
    users = [
        text_or_none(name)
        for name in (record.get("user"), identity.get("os_user"), identity.get("sudo_user"))
    ]
    exit_code = record.get("exit_code")
    source_ip = ip_address(record.get("source_ip"))
    document = {
        "@timestamp": record.get("time"),
        "ecs": {"version": ECS_VERSION},
        "message": description(record, preview_run_id),
        "event": event,
        "user": {"name": record.get("user")},
        "source": {"ip": source_ip},
        "host": {"name": record.get("host"), "hostname": record.get("host")},
        "process": {
            "name": "pulumi",
            "command_line": command_line(record),
            "args": ["pulumi", *(str(word) for word in argv)],
            "args_count": 1 + len(argv),
            "pid": record.get("pid") if type(record.get("pid")) is int else None,
            "exit_code": exit_code if type(exit_code) is int else None,
            "working_directory": record.get("cwd"),
        },
        "related": {
            "user": list(dict.fromkeys(name for name in users if name)),
            "hosts": [record.get("host")],
            "ip": [source_ip],
        },
        "gen_ai": {"agent": {"name": agent.get("name")}, "request": {"model": agent.get("model")}},
        "labels": _labels(record, preview_run_id),
        "tags": [PACKAGE],
    }
    return _compact(document)
