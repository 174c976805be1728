"""`audit export`: every matching record, oldest first, for auditors and SIEMs."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import click

from pulumi_audited.viewer.context import open_log
from pulumi_audited.viewer.filters import filter_options, filters_from
from pulumi_audited.viewer.formats import cef_record, csv_header, csv_record, json_line
from pulumi_audited.viewer.plan_query import (
    linked_newest_records,
    linked_records,
    plan_window_option,
    window_seconds,
)
from pulumi_audited.viewer.planned import PREVIEW_RUN_ID
from pulumi_audited.viewer.query import newest_records, select_records
from pulumi_audited.viewer.records import Damage

FORMATS = ("csv", "cef", "jsonl", "json")
LOG_ITSELF = "jsonl"  # the records as written: no preview_run_id


def _lines(records: Iterator[dict], fmt: str) -> Iterator[str]:
    if fmt == "csv":
        yield csv_header()
        for record in records:
            yield csv_record(record)
    elif fmt == "cef":
        for record in records:
            yield cef_record(record)
    elif fmt == LOG_ITSELF:
        # Byte for byte the log's lines, so that their hash chain still verifies.
        for record in records:
            record.pop(PREVIEW_RUN_ID, None)
            yield json_line(record)
    else:
        yield "["
        first = True
        for record in records:
            yield ("  " if first else ", ") + json_line(record)
            first = False
        yield "]"


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
    `jsonl` is the log's own lines, byte for byte). CEF names the
    AI agent in cs5 (aiAgent) and its model in cs6 (aiAgentModel). `--outcome` keeps end
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
