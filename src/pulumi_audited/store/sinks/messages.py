"""A record as a sink receives it: the message of a syslog frame (CEF, JSON or OCSF) and the
body of an HTTPS request (JSON or OCSF, bare or in Splunk HEC's event envelope).

`json` is the record's line exactly as the log stores it, chain fields and `id` included, so
a receiver can check it against the log and drop a copy it has seen by its `id`. CEF comes
from the viewer's exporter (viewer/formats.py cef_record), OCSF from its `ocsf_event`; the
forwarder is off the shim's path, so loading the viewer's formats costs no pulumi command.
"""

from __future__ import annotations

import json

from pulumi_audited import timestamps
from pulumi_audited.errors import StoreError

OCSF_FUNCTION = "pulumi_audited.viewer.formats.ocsf_event"
HEC_SOURCE = "pulumi-audited"
HEC_SOURCETYPES = {"json": "pulumi-audited:record", "ocsf": "pulumi-audited:ocsf"}


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def ocsf_converter():
    """viewer.formats.ocsf_event, or StoreError naming what is missing: a sink asked for OCSF
    gets OCSF or nothing (its records wait in the queue), never a stand-in."""
    from pulumi_audited.viewer import formats

    convert = getattr(formats, "ocsf_event", None)
    if convert is None:
        raise StoreError(
            f"format=ocsf needs the OCSF exporter ({OCSF_FUNCTION}), which this version of "
            "pulumi-audited lacks; use format=cef or format=json"
        )
    return convert


def syslog_text(record: dict, line: bytes, format_name: str) -> bytes:
    """The MSG part of a syslog message for `record` (`line`: as stored, without newline)."""
    if format_name == "json":
        return line
    if format_name == "ocsf":
        return _dumps(ocsf_converter()(record))
    from pulumi_audited.viewer.formats import cef_record

    return cef_record(record).encode("utf-8")


def severity(record: dict) -> int:
    """RFC 5424 severity, from the CEF severity the viewer's exporter gives (7, 5, 3): the one
    place that decides how serious a record is."""
    from pulumi_audited.viewer.formats import _severity

    return {7: 4, 5: 5}.get(_severity(record), 6)  # warning, notice, informational


def https_item(record: dict, line: bytes, format_name: str, hec: bool) -> bytes:
    """One record's part of an HTTPS body: the record (or OCSF event) as JSON, wrapped in a
    HEC event for a Splunk HEC sink."""
    event = line if format_name == "json" else _dumps(ocsf_converter()(record))
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
