"""OCSF 1.8.0, class API Activity (6003): one event per record.

One event per record, not per run: the start record is written (and forwarded) before pulumi
runs, so a run that never ends (a killed machine, a lost end record) still reaches the SIEM,
and a forwarder sends each record as it is written without holding starts back. The two events
of a run share `metadata.correlation_uid` (the run id). A start is `status_id` 99 (Other) with
`status` "Started"; an end is Success (1) or Failure (2), `status_detail` the outcome,
`status_code` pulumi's exit status, with `start_time`, `end_time` and `duration` in ms.

Every record field this does not map is kept under `unmapped` under its own name, so nothing
of the record is lost. Checked against OCSF's schema by tests/test_siem_formats.py.
"""

from __future__ import annotations

from pulumi_audited import outcomes
from pulumi_audited.viewer.package import PACKAGE, tool_version
from pulumi_audited.viewer.siem import common
from pulumi_audited.viewer.siem.common import (
    HIGH,
    LOW,
    MEDIUM,
    VENDOR,
    command_line,
    description,
    duration_ms,
    epoch_millis,
    ip_address,
    operation,
    record_agent,
    severity,
    text_or_none,
)

OCSF_VERSION = "1.8.0"
CLASS_UID, CLASS_NAME = 6003, "API Activity"
CATEGORY_UID, CATEGORY_NAME = 6, "Application Activity"

UNKNOWN, CREATE, READ, UPDATE, DELETE, OTHER = 0, 1, 2, 3, 4, 99
ACTIVITIES = {
    UNKNOWN: "Unknown",
    CREATE: "Create",
    READ: "Read",
    UPDATE: "Update",
    DELETE: "Delete",
    OTHER: "Other",
}
_ACTIVITY_IDS = {
    common.CREATE: CREATE,
    common.READ: READ,
    common.UPDATE: UPDATE,
    common.DELETE: DELETE,
    common.UNKNOWN: UNKNOWN,
}
SEVERITIES = {LOW: (2, "Low"), MEDIUM: (3, "Medium"), HIGH: (4, "High")}
STATUS_SUCCESS, STATUS_FAILURE, STATUS_OTHER, STATUS_UNKNOWN = 1, 2, 99, 0

# The record fields mapped to OCSF attributes; every other one goes to `unmapped`.
MAPPED = frozenset(
    (
        "id",
        "run_id",
        "time",
        "event",
        "command",
        "argv",
        "user",
        "host",
        "source_ip",
        "stack",
        "project",
        "backend",
        "pid",
        "exit_code",
        "duration_ms",
    )
)


def activity(record: dict) -> int:
    return _ACTIVITY_IDS[operation(record)]


def _status(record: dict) -> dict:
    if record.get("phase") == "start":
        return {"status_id": STATUS_OTHER, "status": "Started"}
    outcome = record.get("outcome")
    if outcome == outcomes.SUCCEEDED:
        status = {"status_id": STATUS_SUCCESS, "status": "Success"}
    elif outcome in outcomes.OUTCOMES:
        status = {"status_id": STATUS_FAILURE, "status": "Failure"}
    else:
        status = {"status_id": STATUS_UNKNOWN, "status": "Unknown"}
    status["status_detail"] = text_or_none(outcome)
    if type(record.get("exit_code")) is int:
        status["status_code"] = str(record["exit_code"])
    return status


def _endpoint(record: dict) -> dict:
    endpoint = {
        "ip": ip_address(record.get("source_ip")),
        "hostname": text_or_none(record.get("host")),
    }
    endpoint = {key: value for key, value in endpoint.items() if value is not None}
    return endpoint or {"name": "unknown"}  # the class requires an endpoint; OCSF one field


def _actor(record: dict) -> dict:
    actor: dict = {}
    if text_or_none(record.get("user")):
        actor["user"] = {"name": record["user"]}
    if type(record.get("pid")) is int:
        actor["process"] = {
            "pid": record["pid"],
            "name": "pulumi",
            "cmd_line": command_line(record),
        }
    agent_name = text_or_none(record_agent(record).get("name"))
    if agent_name:
        actor["app_name"] = agent_name  # the AI coding agent that ran the command
    return actor or {"user": {"name": "unknown"}}


def _resources(record: dict) -> list[dict]:
    resources = []
    for field, kind in (("stack", "Pulumi stack"), ("project", "Pulumi project")):
        if text_or_none(record.get(field)):
            resources.append({"uid": record[field], "name": record[field], "type": kind})
    if text_or_none(record.get("backend")):
        resources.append({"uid": record["backend"], "type": "Pulumi backend"})
    return resources


def ocsf_event(record: dict, preview_run_id: str | None = None) -> dict:
    """The record as one OCSF API Activity event. `preview_run_id`: the preview that planned
    this run, when the caller knows it (viewer/planned.py); kept under `unmapped`."""
    activity_id = activity(record)
    severity_id, severity_name = SEVERITIES[severity(record)]
    time_ms = epoch_millis(record.get("time"))
    event: dict = {
        "class_uid": CLASS_UID,
        "class_name": CLASS_NAME,
        "category_uid": CATEGORY_UID,
        "category_name": CATEGORY_NAME,
        "activity_id": activity_id,
        "activity_name": ACTIVITIES[activity_id],
        "type_uid": CLASS_UID * 100 + activity_id,
        "type_name": f"{CLASS_NAME}: {ACTIVITIES[activity_id]}",
        "severity_id": severity_id,
        "severity": severity_name,
        "time": time_ms if time_ms is not None else 0,
        "timezone_offset": 0,
        "message": description(record, preview_run_id),
        **_status(record),
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": PACKAGE, "vendor_name": VENDOR, "version": tool_version()},
            "uid": text_or_none(record.get("id")),
            "correlation_uid": text_or_none(record.get("run_id")),
            "event_code": text_or_none(record.get("event")),
            "original_time": text_or_none(record.get("time")),
            "log_name": PACKAGE,
        },
        "actor": _actor(record),
        "api": {
            "operation": text_or_none(record.get("command")) or "unknown",
            "service": {"name": "pulumi"},
        },
        "src_endpoint": _endpoint(record),
        "resources": _resources(record),
    }
    if text_or_none(record.get("run_id")):
        event["api"]["request"] = {"uid": record["run_id"]}
    took = duration_ms(record)
    if record.get("phase") == "end" and took is not None and time_ms is not None:
        event.update(start_time=time_ms - took, end_time=time_ms, duration=took)
    event["metadata"] = {k: v for k, v in event["metadata"].items() if v is not None}
    event = {k: v for k, v in event.items() if v is not None and v != []}
    unmapped = {key: value for key, value in record.items() if key not in MAPPED}
    if preview_run_id:
        unmapped["preview_run_id"] = preview_run_id
    event["unmapped"] = unmapped
    return event
