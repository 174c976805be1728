"""ArcSight CEF, as Pulumi Cloud's CEF export writes it.

Cloud's lines (checked against one exported by Cloud, as its users' parsers quote it):
`Feb 14 14:53:01 api.pulumi.com CEF:0|Pulumi|Pulumi Service|1.0|User Login|<description>|0|
authenticationFailure=false dvchost=api.pulumi.com orgID=... requireOrgAdmin=false
requireStackAdmin=false rt=1676386381000 src=... suser=... tokenID= tokenName= userID=...`:
a BSD-syslog prefix (UTC time, host), vendor Pulumi, and those extension keys. Ours keep the
prefix, the vendor and Cloud's keys (the three flags, dvchost, rt, src, suser) and name
themselves as the product; the signature id is the stable kebab-case event id, which Cloud's
docs tell parsers to match on (Cloud's own header carries the display name). Cloud has no
orgID, tokenID, tokenName or userID to give here.

cef_message is the CEF alone (for a syslog sink that frames it); cef_line adds Cloud's prefix
(for a file).
"""

from __future__ import annotations

from pulumi_audited import timestamps
from pulumi_audited.viewer.package import tool_version
from pulumi_audited.viewer.safe_text import escape
from pulumi_audited.viewer.siem.common import (
    CEF_SEVERITIES,
    VENDOR,
    cloud_flags,
    description,
    epoch_millis,
    flag_text,
    record_agent,
    severity,
)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _header_field(value: object) -> str:
    # safe_text.escape already doubled backslashes and wrote newlines as \n.
    return escape(value).replace("|", "\\|")


def _extension_value(value: object) -> str:
    return escape(value).replace("=", "\\=")


def cef_message(record: dict, preview_run_id: str | None = None) -> str:
    """`CEF:0|Pulumi|pulumi-audited|VERSION|<event>|<description>|<severity>|extensions`, with
    Pulumi Cloud's extension keys first."""
    header = "|".join(
        [
            "CEF:0",
            VENDOR,
            "pulumi-audited",
            _header_field(tool_version()),
            _header_field(record.get("event")),
            _header_field(description(record, preview_run_id)),
            str(CEF_SEVERITIES[severity(record)]),
        ]
    )
    org_admin, stack_admin, auth_failure = cloud_flags(record)
    agent = record_agent(record)
    extensions = [
        ("authenticationFailure", flag_text(auth_failure)),
        ("dvchost", record.get("host")),
        ("requireOrgAdmin", flag_text(org_admin)),
        ("requireStackAdmin", flag_text(stack_admin)),
        ("rt", epoch_millis(record.get("time"))),
        ("src", record.get("source_ip")),
        ("suser", record.get("user")),
        ("act", record.get("command")),
        ("outcome", record.get("outcome")),
        ("cs1Label", "stack"),
        ("cs1", record.get("stack")),
        ("cs2Label", "project"),
        ("cs2", record.get("project")),
        ("cs3Label", "runId"),
        ("cs3", record.get("run_id")),
        ("cs4Label", "phase"),
        ("cs4", record.get("phase")),
        ("cs5Label", "aiAgent"),
        ("cs5", agent.get("name")),
        ("cs6Label", "aiAgentModel"),
        ("cs6", agent.get("model")),
        ("cn1Label", "exitCode"),
        ("cn1", record.get("exit_code")),
        ("cn2Label", "durationMs"),
        ("cn2", record.get("duration_ms")),
        ("externalId", record.get("id")),
    ]
    if preview_run_id:
        extensions += [("flexString1Label", "previewRunId"), ("flexString1", preview_run_id)]
    body = " ".join(
        f"{key}={_extension_value(value)}" for key, value in extensions if value is not None
    )
    return f"{header}|{body}"


def syslog_prefix(record: dict) -> str:
    """`Mmm dd hh:mm:ss host` (RFC 3164: English month, day padded with a space, UTC)."""
    try:
        moment = timestamps.parse(record.get("time"))
        stamp = f"{_MONTHS[moment.month - 1]} {moment.day:2d} {moment:%H:%M:%S}"
    except ValueError:
        stamp = "-"
    # A syslog host is one word: anything else in the record's host would shift the fields.
    host = "".join(
        c if c.isascii() and c.isprintable() and c != " " else "-"
        for c in str(record.get("host") or "-")
    )
    return f"{stamp} {host}"


def cef_line(record: dict, preview_run_id: str | None = None) -> str:
    """One line of a CEF export: Cloud's syslog prefix, then the CEF message."""
    return f"{syslog_prefix(record)} {cef_message(record, preview_run_id)}"
