"""`audit export`: every matching record, oldest first, for auditors and SIEMs."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import click

from pulumi_audited.viewer.context import open_log
from pulumi_audited.viewer.filters import filter_options, filters_from
from pulumi_audited.viewer.formats import csv_header, csv_record, json_line
from pulumi_audited.viewer.plan_query import (
    linked_newest_records,
    linked_records,
    plan_window_option,
    window_seconds,
)
from pulumi_audited.viewer.planned import PREVIEW_RUN_ID
from pulumi_audited.viewer.query import newest_records, select_records
from pulumi_audited.viewer.records import Damage
from pulumi_audited.viewer.siem.cef import cef_line
from pulumi_audited.viewer.siem.ecs import ecs_document
from pulumi_audited.viewer.siem.ocsf import ocsf_event
from pulumi_audited.viewer.siem.pulumi_cloud import cloud_event

# One JSON line per record, given the preview that planned its run (viewer/planned.py).
EVENT_LINES = {
    "ocsf": ocsf_event,
    "ecs": ecs_document,
}
FORMATS = ("csv", "cef", "jsonl", "json", "ocsf", "ecs", "pulumi-cloud")
LOG_ITSELF = "jsonl"  # the records as written: no preview_run_id


def _json_array(items: Iterator[object], opening: str, closing: str) -> Iterator[str]:
    yield opening
    first = True
    for item in items:
        yield ("  " if first else ", ") + json_line(item)
        first = False
    yield closing


def _lines(records: Iterator[dict], fmt: str) -> Iterator[str]:
    if fmt == "csv":
        yield csv_header()
        for record in records:
            yield csv_record(record)
    elif fmt == "cef":
        for record in records:
            yield cef_line(record, record.pop(PREVIEW_RUN_ID, None))
    elif fmt == LOG_ITSELF:
        # Byte for byte the log's lines, so that their hash chain still verifies.
        for record in records:
            record.pop(PREVIEW_RUN_ID, None)
            yield json_line(record)
    elif fmt in EVENT_LINES:
        mapping = EVENT_LINES[fmt]
        for record in records:
            yield json_line(mapping(record, record.pop(PREVIEW_RUN_ID, None)))
    elif fmt == "pulumi-cloud":
        # Cloud's ListAuditLogEventsResponse, one page holding every event (see pulumi_cloud).
        events = (cloud_event(record, record.pop(PREVIEW_RUN_ID, None)) for record in records)
        yield from _json_array(events, '{"auditLogEvents": [', "]}")
    else:
        yield from _json_array(records, "[", "]")


@click.command("export")
@filter_options(with_outcome_states=False)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE."
)
@click.option(
    "-n",
    "--limit",
    default=0,
    show_default=True,
    help="Only the newest N matching records (still oldest first); 0: all.",
)
@plan_window_option
def command(fmt: str, output: str | None, limit: int, plan_window: str | None, **params) -> None:
    """Every record that matches the filters, oldest first.

    CSV starts with Pulumi Cloud's audit-log columns (Timestamp, Name, Login, Event,
    Description, SourceIP, RequireOrgAdmin, RequireStackAdmin, AuthenticationFailure), then
    Agent, Stack, Project, Command, Outcome, ExitCode, DurationMs, RunID, Host,
    PreviewRunID (the preview that planned an update; `json` gives it as preview_run_id,
    `jsonl` is the log's own lines, byte for byte). CEF lines start with the syslog prefix of
    Pulumi Cloud's CEF export and name the AI agent in cs5 (aiAgent) and its model in cs6
    (aiAgentModel). `ocsf` writes one OCSF 1.8 API Activity
    event per record and `ecs` one Elastic Common Schema document per record, a JSON line
    each; `pulumi-cloud` is one JSON document shaped as Pulumi Cloud's audit-log REST answer
    ({"auditLogEvents": [...]}). `--outcome` keeps end
    records (start records have no outcome yet). `-n N` keeps the newest N records (a run
    is two records).
    """
    if limit < 0:
        raise click.BadParameter("must be 0 (all) or more", param_hint="-n/--limit")
    filters = filters_from(params)
    damage = Damage()
    window = window_seconds(plan_window)
    store = open_log()
    if fmt == LOG_ITSELF and not filters.unplanned:
        records = (
            iter(newest_records(store, filters, damage, limit))
            if limit
            else select_records(store, filters, damage)
        )
    elif limit:
        records = iter(linked_newest_records(store, filters, damage, limit, window))
    else:
        records = linked_records(store, filters, damage, window)
    handle = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout  # noqa: SIM115
    try:
        write = handle.write
        for line in _lines(records, fmt):
            write(line + "\n")
        handle.flush()
    except OSError as error:
        if isinstance(error, BrokenPipeError):
            raise
        raise click.ClickException(f"cannot write {output or 'stdout'}: {error.strerror}") from None
    finally:
        if output:
            handle.close()
    damage.report()
