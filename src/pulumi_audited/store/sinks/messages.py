"""A record as a sink receives it: the message of a syslog frame (CEF, JSON or OCSF) and the
body of an HTTPS request (JSON or OCSF, bare or in Splunk HEC's event envelope).

`json` is the record's line exactly as the log stores it, chain fields and `id` included, so
a receiver can check it against the log and drop a copy it has seen by its `id`. CEF and OCSF
are the exporter's (viewer/siem/: `cef_message`, the CEF without the file export's syslog
prefix, since the sink frames it; `ocsf_event`, OCSF API Activity), so `audit export` and a
sink say the same; that package is free of click and the terminal, and the forwarder is off
the shim's path anyway.
"""

from __future__ import annotations

import json

from pulumi_audited import timestamps
from pulumi_audited.viewer.siem import cef, common, ocsf

HEC_SOURCE = "pulumi-audited"
HEC_SOURCETYPES = {"json": "pulumi-audited:record", "ocsf": "pulumi-audited:ocsf"}
# RFC 5424 severities for the exporter's three levels: warning, notice, informational.
SYSLOG_SEVERITIES = {common.HIGH: 4, common.MEDIUM: 5, common.LOW: 6}


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def syslog_text(record: dict, line: bytes, format_name: str) -> bytes:
    """The MSG part of a syslog message for `record` (`line`: as stored, without newline)."""
    if format_name == "json":
        return line
    if format_name == "ocsf":
        return _dumps(ocsf.ocsf_event(record))
    return cef.cef_message(record).encode("utf-8")


def severity(record: dict) -> int:
    """RFC 5424 severity, from the exporter's (viewer/siem/common.py): the one place that
    decides how serious a record is."""
    return SYSLOG_SEVERITIES[common.severity(record)]


def https_item(record: dict, line: bytes, format_name: str, hec: bool) -> bytes:
    """One record's part of an HTTPS body: the record (or OCSF event) as JSON, wrapped in a
    HEC event for a Splunk HEC sink."""
    event = line if format_name == "json" else _dumps(ocsf.ocsf_event(record))
    if not hec:
        return event
    try:
        seconds = timestamps.epoch_millis(record.get("time")) / 1000
    except ValueError:
        seconds = None
    envelope = {
        "time": seconds,
        "host": record.get("host") or None,
        "source": HEC_SOURCE,
        "sourcetype": HEC_SOURCETYPES[format_name],
    }
    head = _dumps({key: value for key, value in envelope.items() if value is not None})
    return head[:-1] + b',"event":' + event + b"}"


def https_body(items: list[bytes], batch: int, hec: bool) -> bytes:
    """A request's body: HEC takes events one after another; otherwise a body of one record
    when the sink's batch is 1, else a JSON array."""
    if hec:
        return b"\n".join(items)
    if batch == 1:
        return items[0]
    return b"[" + b",".join(items) + b"]"
