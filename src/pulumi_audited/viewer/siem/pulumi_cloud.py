"""Pulumi Cloud's audit-log REST JSON, field for field, so that a consumer written for Cloud's
API (Microsoft Sentinel's codeless connector, a script) reads ours unchanged.

The shape is the `AuditLogEvent` and `ListAuditLogEventsResponse` of pulumi's own client,
github pulumi/pulumi `sdk/go/common/apitype/organizations.go` (with `UserInfo` in
`sdk/go/common/apitype/list_deployments.go`), and Cloud's REST reference (schema
`AuditLogEvent`), which adds the optional `reqOrgAdmin`, `reqStackAdmin`, `authFailure`,
`actorName` and `actorUrn`. `timestamp` is in Unix seconds; `user` always has `name`,
`githubLogin` and `avatarUrl` (strings, empty when unknown); `tokenID` and `tokenName` are
omitted (omitempty: no token is involved). `continuationToken` is omitted: an export is one
page holding every matching event, and pulumi's type declares the token omitempty, empty
meaning no next page.

An AI coding agent is the non-human actor: `actorName` is its name and `actorUrn`
`urn:pulumi-audited:agent:<name>`. Cloud has no field for a preview's run id: when given, the
preview is named in the `description`.
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_audited.viewer.siem.common import (
    cloud_flags,
    description,
    epoch_millis,
    record_agent,
    text_or_none,
)

AGENT_URN_PREFIX = "urn:pulumi-audited:agent:"


def cloud_event(record: dict, preview_run_id: str | None = None) -> dict:
    """The record as one of Cloud's `auditLogEvents`."""
    millis = epoch_millis(record.get("time"))
    user = text_or_none(record.get("user")) or ""
    org_admin, stack_admin, auth_failure = cloud_flags(record)
    event = {
        "timestamp": millis // 1000 if millis is not None else 0,
        "sourceIP": text_or_none(record.get("source_ip")) or "",
        "event": text_or_none(record.get("event")) or "",
        "description": description(record, preview_run_id),
        "user": {"name": user, "githubLogin": user, "avatarUrl": ""},
        "reqOrgAdmin": org_admin,
        "reqStackAdmin": stack_admin,
        "authFailure": auth_failure,
    }
    agent = text_or_none(record_agent(record).get("name"))
    if agent:
        event["actorName"] = agent
        event["actorUrn"] = AGENT_URN_PREFIX + agent
    return event


def cloud_page(events: Iterable[dict], continuation_token: str | None = None) -> dict:
    """`{"auditLogEvents": [...], "continuationToken": ...}` around events from cloud_event; the
    token only when there is a next page."""
    page: dict = {"auditLogEvents": list(events)}
    if continuation_token:
        page["continuationToken"] = continuation_token
    return page
