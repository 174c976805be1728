"""`audit sync`: ship what waits in the spools to the remote stores, and say what is left."""

from __future__ import annotations

import os

import click

from pulumi_audited.store import StoreError
from pulumi_audited.viewer.context import settings
from pulumi_audited.viewer.formats import json_line
from pulumi_audited.viewer.safe_text import escape

EXIT_LEFT_OVER = 1


@click.command("sync")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds a store may take to answer one request (default: remote_timeout).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per spool.")
def command(timeout: float | None, as_json: bool) -> None:
    """Ship every record still waiting in this machine's spools to its remote log.

    Records for s3:// and azblob:// logs are spooled locally before pulumi starts and shipped
    in the background; whatever could not be shipped then (store down, credentials expired,
    laptop offline) waits here. Writes are create-only, so a record that reached the store
    before is recognised, never stored twice. Exit status: 0 when every spool is empty,
    1 when records are left (the reason is printed).
    """
    from pulumi_audited.store.remote import open_objects
    from pulumi_audited.store.shipper import ShipResult, ship_pending
    from pulumi_audited.store.spool import Spool, spool_root

    seconds = timeout if timeout is not None else settings().remote_timeout
    root = spool_root()
    folders = sorted(os.listdir(root)) if os.path.isdir(root) else []
    left_over = worked = False
    for name in folders:
        try:
            spool = Spool.open_folder(os.path.join(root, name))
        except StoreError:
            continue  # not a spool (a stray file, or a folder being created)
        if not spool.pending():
            continue
        worked = True
        try:
            result = ship_pending(spool, open_objects(spool.location, timeout=seconds))
        except StoreError as error:
            result = ShipResult(remaining=len(spool.pending()), error=str(error))
        left_over = left_over or result.remaining > 0
        _report(spool.location, result, as_json)
    if not worked and not as_json:
        click.echo("nothing waits in the spool")
    if left_over:
        raise click.exceptions.Exit(EXIT_LEFT_OVER)


def _report(location: str, result, as_json: bool) -> None:
    if as_json:
        click.echo(
            json_line(
                {
                    "log": location,
                    "shipped": result.shipped,
                    "already_there": result.already,
                    "remaining": result.remaining,
                    "error": result.error,
                }
            )
        )
        return
    line = f"{escape(location)}: shipped {result.shipped}"
    if result.already:
        line += f", {result.already} already there"
    if result.remaining:
        line += f", {result.remaining} left: {escape(result.error or 'unknown error')}"
    click.echo(line, err=bool(result.remaining))
