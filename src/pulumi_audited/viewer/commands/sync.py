"""`audit sync`: ship what waits in the spools to the remote stores, and say what is left.

A spool whose own log cannot take its records and is no longer this machine's log is
stranded: sync names it and `--to LOCATION` moves its records to a log that works, chains
intact (store/relocate.py). Each location written to is checked once for the create-only
promise (store/probe.py), the verdict remembered in the cache folder.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import click

from pulumi_audited.errors import ShimError, StoreError
from pulumi_audited.store.schemes import is_remote
from pulumi_audited.viewer.commands import compact
from pulumi_audited.viewer.commands.sync_checkpoints import write_checkpoints
from pulumi_audited.viewer.commands.sync_sinks import drain_sinks
from pulumi_audited.viewer.context import settings, store_timeout_option
from pulumi_audited.viewer.formats import json_line
from pulumi_audited.viewer.safe_text import escape

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.store.shipper import ShipResult

EXIT_LEFT_OVER = 1


@dataclass
class _Outcome:
    name: str  # the spool's folder name
    folder: str
    log: str  # the spool's log location, as it may be shown
    result: ShipResult
    stranded: bool = False
    moved_to: str | None = None
    moved: int = 0
    earlier: str | None = None  # the writer's records left at the old location
    writer: str | None = None
    move_error: str | None = None
    create_only: bool | None = None


@click.command("sync")
@store_timeout_option
@click.option(
    "--to",
    "destination",
    metavar="LOCATION",
    help="Ship the records of stranded spools (their own log cannot take them and is no "
    "longer this machine's log) to this remote log instead, their chains intact.",
)
@click.option(
    "--from",
    "source",
    metavar="SPOOL",
    help="With --to: move this spool's records (its name as sync prints it), stranded or not.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per spool.")
def command(
    timeout: float | None, destination: str | None, source: str | None, as_json: bool
) -> None:
    """Ship every record still waiting in this machine's spools to its remote log, and in
    its sink queues to each `forward:` sink (one line per sink). With `checkpoints: true` or a
    `signing_key`, each spool whose records are all shipped gets a checkpoint of its chain.

    Records for a remote log (a bucket or container) are spooled locally before pulumi starts
    and shipped in the background; whatever could not be shipped then (store down,
    credentials expired, laptop offline) waits here. Writes are create-only, so a record that
    reached the store before is recognised, never stored twice. Exit status: 0 when every
    spool and sink queue is empty, 1 when records are left or a checkpoint could not be written
    (the reason is printed).
    """
    from pulumi_audited.store.location import public_location
    from pulumi_audited.store.relocate import check_destination
    from pulumi_audited.store.shipper import ShipResult
    from pulumi_audited.viewer.locks import spools_to_sync

    if source and not destination:
        raise click.UsageError("--from names the spool to move; --to says where")
    if destination:
        try:
            check_destination(destination)
        except StoreError as error:
            raise click.BadParameter(str(error), param_hint="--to") from None
    here, seconds = _current(timeout)
    spools = spools_to_sync()
    if source and source not in {spool.name for spool in spools}:
        raise click.BadParameter(
            f"no spool named {source!r} has records waiting (audit sync names them)",
            param_hint="--from",
        )
    checked: dict[str, bool | None] = {}
    left_over = False
    for spool in spools:
        spool.forget_secrets()
        name = spool.name
        outcome = _Outcome(name, spool.folder, public_location(spool.location), ShipResult())
        store = _ship_home(spool, seconds, outcome)
        if store is not None:
            outcome.create_only = _create_only(spool.location, store, checked)
        outcome.stranded = outcome.result.remaining > 0 and outcome.log != here
        if (
            destination
            and outcome.result.remaining
            and (name == source if source else outcome.stranded)
        ):
            _move(spool, destination, seconds, outcome, checked)
        left_over = left_over or outcome.result.remaining > 0
        _report(outcome, here, as_json)
    for log, enforced in checked.items():
        if enforced is False:
            click.echo(_not_create_only(log), err=True)
    sinks, sinks_left = drain_sinks(seconds, as_json)
    compact.after_sync(timeout, as_json)
    left_over = left_over or sinks_left
    if not write_checkpoints(seconds, as_json):
        left_over = True
    if not spools and not sinks and not as_json:
        click.echo("nothing waits in the spool")
    if left_over:
        raise click.exceptions.Exit(EXIT_LEFT_OVER)


def _current(timeout: float | None) -> tuple[str | None, float]:
    """This machine's remote log as it may be shown (None when the log is local or the
    configuration cannot be read), and the seconds a request may take."""
    from pulumi_audited.config_values import DEFAULT_SECONDS
    from pulumi_audited.store.location import public_location

    try:
        current = settings()
    except ShimError:  # a broken configuration must not keep records from being shipped
        return None, timeout or DEFAULT_SECONDS["remote_timeout"]
    log = current.log
    here = public_location(log) if log and is_remote(log) else None
    return here, timeout or current.remote_timeout


def _ship_home(spool, seconds: float, outcome: _Outcome):
    """Ship the spool to its own log; the store when it could be opened."""
    from pulumi_audited.store.remote import open_objects
    from pulumi_audited.store.shipper import ShipResult, ship_pending

    try:
        store = open_objects(spool.location, timeout=seconds)
    except StoreError as error:
        outcome.result = ShipResult(remaining=len(spool.pending()), error=str(error))
        return None
    try:
        outcome.result = ship_pending(spool, store)
    except StoreError as error:
        outcome.result = ShipResult(remaining=len(spool.pending()), error=str(error))
    shipped = outcome.result.shipped + outcome.result.already
    return store if shipped else None


def _move(spool, destination: str, seconds: float, outcome: _Outcome, checked: dict) -> None:
    from pulumi_audited.store.location import public_location
    from pulumi_audited.store.relocate import move_pending
    from pulumi_audited.store.remote import open_objects
    from pulumi_audited.viewer.locks import ship_lock

    outcome.moved_to = public_location(destination)
    try:
        with ship_lock(spool):
            move = move_pending(spool, destination, timeout=seconds)
    except StoreError as error:
        outcome.move_error = str(error)
        return
    outcome.moved = move.shipped.shipped + move.shipped.already
    outcome.move_error = move.shipped.error
    outcome.earlier, outcome.writer = move.earlier, move.writer
    outcome.result.remaining = move.shipped.remaining
    if outcome.moved:
        try:
            _create_only(destination, open_objects(destination, timeout=seconds), checked)
        except StoreError:
            pass


def _create_only(location: str, store, checked: dict) -> bool | None:
    """Whether the store at `location` refuses a second create-only write: probed once per
    location and remembered; None when the probe could not be made."""
    from pulumi_audited.store import probe
    from pulumi_audited.store.location import public_location

    shown = public_location(location)
    if shown in checked:
        return checked[shown]
    known = probe.remembered(location)
    if known is None:
        try:
            known = probe.check_create_only(store, location)
        except StoreError:
            checked[shown] = None  # `audit doctor` says why
            return None
        probe.remember(location, known)
    checked[shown] = known.enforced
    return known.enforced


def _not_create_only(log: str) -> str:
    return (
        f"pulumi-audited: WARNING: {escape(log)} does not refuse a second create-only write "
        "(it ignores If-None-Match): a record there can be replaced without a trace. Use a "
        "store that enforces it; 'pulumi-audited audit doctor' checks again"
    )


def _report(outcome: _Outcome, here: str | None, as_json: bool) -> None:
    result = outcome.result
    if as_json:
        click.echo(
            json_line(
                {
                    "log": outcome.log,
                    "spool": outcome.name,
                    "shipped": result.shipped,
                    "already_there": result.already,
                    "remaining": result.remaining,
                    "error": result.error,
                    "stranded": outcome.stranded,
                    "moved_to": outcome.moved_to,
                    "moved": outcome.moved,
                    "move_error": outcome.move_error,
                    "create_only": outcome.create_only,
                }
            )
        )
        return
    line = f"{escape(outcome.log)}: shipped {result.shipped}"
    if result.already:
        line += f", {result.already} already there"
    if outcome.moved_to is None and result.remaining:
        line += f", {result.remaining} left: {escape(result.error or 'unknown error')}"
    click.echo(line, err=bool(result.remaining) and outcome.moved_to is None)
    if outcome.moved_to is not None:
        _report_move(outcome)
    elif outcome.stranded:
        where = escape(shlex.quote(here)) if here else "LOCATION"
        click.echo(
            f"  the spool {outcome.name} ({escape(outcome.folder)}) is stranded: its log is not "
            f"this machine's log any more. To ship its records to a log that works, chains "
            f"intact: pulumi-audited audit sync --from {outcome.name} --to {where}",
            err=True,
        )


def _report_move(outcome: _Outcome) -> None:
    result = outcome.result
    moved_to = escape(outcome.moved_to or "")
    line = f"  moved {outcome.moved} record(s) of the spool {outcome.name} to {moved_to}"
    if result.remaining:
        error = outcome.move_error or "unknown error"
        line += f"; {result.remaining} left: {escape(error)}"
    click.echo(line, err=bool(result.remaining))
    if outcome.earlier:
        click.echo(
            f"  writer {escape(outcome.writer or '?')}: {outcome.earlier} went to "
            f"{escape(outcome.log)} before; verify on {moved_to} "
            "reports them missing from the chain"
        )
