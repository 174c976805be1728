"""`audit compact`: gather a remote log's finished days into segments (store/compact.py)."""

from __future__ import annotations

import datetime as dt

import click

from pulumi_audited.viewer.context import (
    log_location,
    open_location,
    settings,
    store_timeout_option,
)
from pulumi_audited.viewer.formats import json_line
from pulumi_audited.viewer.safe_text import escape


@click.command("compact")
@click.option(
    "--until",
    metavar="DATE",
    help="The last day to compact, YYYY-MM-DD (default and latest: the day before yesterday, "
    "UTC; later days may still receive records).",
)
@store_timeout_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per day compacted.")
def command(until: str | None, timeout: float | None, as_json: bool) -> None:
    """Write each finished day of a remote log as a few gzip JSON Lines segments, with a
    manifest naming the record objects (keys and ETags) each holds, so that readers fetch a
    few objects a day instead of one per record.

    Writes are create-only and nothing is deleted: a record object stays until a lifecycle
    rule the operator adds expires it. Safe to run from several places at once, and again:
    a day already compacted gets a new segment only for records that arrived since. A local
    log's day files are already one file a day: there is nothing to do.
    """
    from pulumi_audited.store.compact import compact, last_finished_day
    from pulumi_audited.store.remote_read import RemoteReader

    latest = last_finished_day()
    if until is not None:
        try:
            dt.date.fromisoformat(until)
        except ValueError:
            raise click.BadParameter("a day, YYYY-MM-DD", param_hint="--until") from None
        if len(until) != 10 or until > latest:
            raise click.BadParameter(
                f"{until} may still receive records: the latest day compacted is {latest}",
                param_hint="--until",
            )
    current = settings()
    store = open_location(log_location(current), timeout=timeout or current.remote_timeout)
    if not isinstance(store, RemoteReader):
        if not as_json:
            click.echo(f"{escape(store.location)}: a local log: nothing to compact")
        return
    _report(store, compact(store, until or latest), until or latest, as_json)


def after_sync(timeout: float | None, as_json: bool) -> None:
    """`audit sync` under `compact: true`: compact this machine's remote log once shipped. A
    failure is said on stderr; it does not change sync's exit status (records are not left)."""
    from pulumi_audited.errors import ShimError, StoreError
    from pulumi_audited.store.compact import compact, last_finished_day
    from pulumi_audited.store.remote_read import RemoteReader
    from pulumi_audited.store.schemes import is_remote

    try:
        current = settings()
        if not current.compact or not current.log or not is_remote(current.log):
            return
        store = open_location(current.log, timeout=timeout or current.remote_timeout)
        assert isinstance(store, RemoteReader)
        latest = last_finished_day()
        _report(store, compact(store, latest), latest, as_json)
    except (ShimError, StoreError) as error:
        click.echo(f"pulumi-audited: compaction not done: {escape(str(error))}", err=True)


def _report(store, results, until: str, as_json: bool) -> None:
    results = [r for r in results if r.records]
    for result in results:
        if as_json:
            click.echo(json_line({"log": store.location, **vars(result)}))
        else:
            line = f"{result.day}: {result.records} records in {result.segments} new segment(s)"
            if result.already:
                line += f", {result.already} already written by another compaction"
            click.echo(line)
    if not results and not as_json:
        click.echo(f"{escape(store.location)}: nothing to compact up to {until}")
