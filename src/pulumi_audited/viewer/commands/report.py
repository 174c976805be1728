"""`audit report --html FILE`: the log as one page people read, and auditors file."""

from __future__ import annotations

import datetime as dt
import os
import shlex

import click

from pulumi_audited import working_hours
from pulumi_audited.config import ConfigError
from pulumi_audited.timestamps import format_instant
from pulumi_audited.viewer.context import log_location, open_location, settings
from pulumi_audited.viewer.filters import FILTERS, filter_options, filters_from
from pulumi_audited.viewer.plan_query import linked_runs, plan_window_option, window_seconds
from pulumi_audited.viewer.records import Damage
from pulumi_audited.viewer.report.page import Context, document
from pulumi_audited.viewer.report.tally import Tally


def _given(params: dict) -> list[str]:
    """The filter options as typed, for the page and the export command it suggests."""
    words: list[str] = []
    for row in FILTERS:
        value = params.get(row.name)
        for item in [value] if isinstance(value, str) else value or ():
            words += [f"--{row.name}", item]
    return words


@click.command("report")
@click.option(
    "--html",
    "output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="Write the report to FILE ('-': standard output).",
)
@filter_options(with_outcome_states=True)
@click.option(
    "--working-hours",
    "hours",
    default=None,
    help="Runs outside these count as out of hours, e.g. 'Mon-Fri 08:00-18:00 Europe/Paris' "
    "(default: the working_hours setting).",
)
@click.option(
    "--rows",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Newest runs listed in each table; counts and charts always take every run.",
)
@plan_window_option
def command(output: str, hours: str | None, rows: int, plan_window: str | None, **params) -> None:
    """One self-contained HTML page (no script, nothing fetched; prints for an audit binder):
    runs per day by outcome, infrastructure changes per stack and user, AI agents versus
    humans, unplanned updates, failures and cancellations, secret reveals, runs outside
    working hours, and every infrastructure-changing run linked to the preview that planned
    it. Takes the filters of `audit log`."""
    given = _given(params)
    filters = filters_from(params)
    current = settings()
    try:
        window = working_hours.parse(hours or current.working_hours)
        tally = Tally(window, rows)
    except ValueError as error:
        if hours is not None:
            raise click.BadParameter(str(error), param_hint="--working-hours") from None
        # The setting's form was checked when it was read; its time zone only now.
        raise ConfigError(f"{current.named_by('working_hours')}: {error}") from None
    damage = Damage()
    location = log_location(current)
    store = open_location(location, timeout=current.remote_timeout)
    # Linked as `audit log` links them: every run of the stack is read, whatever the filters.
    links: dict[str, str] = {}
    for run, preview in linked_runs(store, filters, damage, window_seconds(plan_window)):
        tally.add(run)
        if preview is not None:
            links[run.run_id] = preview
    export = ["pulumi-audited", "audit", "export", "--effect", "infra", "--effect", "state"]
    context = Context(
        filters=" ".join(shlex.quote(word) for word in given),
        hours=window.text,
        generated=format_instant(dt.datetime.now(dt.timezone.utc))[:19] + "Z",
        export_hint=" ".join(shlex.quote(word) for word in [*export, *given]),
        log=location,
        skipped=len(damage.places),
    )
    page = document(tally, links, context)
    if output == "-":
        click.echo(page, nl=False)
    else:
        _write(output, page)
    damage.report()


def _write(path: str, page: str) -> None:
    """The whole page or nothing: a reader never finds half a report."""
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(page)
        os.replace(temporary, path)
    except OSError as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise click.ClickException(f"cannot write {path}: {error.strerror}") from None
