"""`audit config`: the effective settings, where each came from, and where the log lives."""

from __future__ import annotations

import os

import click

from pulumi_audited.config import ENVIRONMENT
from pulumi_audited.viewer.context import log_location, settings
from pulumi_audited.viewer.formats import Terminal, json_line
from pulumi_audited.viewer.safe_text import escape


def _source(raw: str) -> str:
    if raw.startswith("env "):
        return f"environment {raw[4:]}"
    if raw == "default":
        return "default"
    return f"file {raw}"


def _remote_summary(location: str) -> dict:
    from pulumi_audited.store import StoreError
    from pulumi_audited.store.remote_read import RemoteReader

    summary: dict = {"location": location, "remote": True}
    try:
        days = RemoteReader(location, timeout=settings().remote_timeout).days()
    except StoreError as error:
        summary.update(exists=False, error=str(error))
        return summary
    summary.update(exists=True, days=len(days), oldest=days[0] if days else None)
    summary["newest"] = days[-1] if days else None
    return summary


def _log_summary(folder: str) -> dict:
    from pulumi_audited.store import is_remote

    if is_remote(folder):
        return _remote_summary(folder)
    summary: dict = {"location": folder, "exists": os.path.isdir(folder), "day_files": 0}
    if not summary["exists"]:
        return summary
    from pulumi_audited.store.local_read import LocalReader

    partitions = LocalReader(folder).partitions()
    summary["day_files"] = len(partitions)
    summary["bytes"] = sum(os.path.getsize(p.location) for p in partitions)
    summary["oldest"] = partitions[0].name if partitions else None
    summary["newest"] = partitions[-1].name if partitions else None
    return summary


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def command(as_json: bool) -> None:
    """The effective configuration, where each value came from (environment, which file,
    default), and where the log lives."""
    current = settings()
    folder = log_location(current)
    values = dict(current.values)
    if values.get("log") is None:
        values["log"] = folder
    entries = {
        key: {
            "value": value,
            "source": _source(current.sources[key]),
            "variable": ENVIRONMENT.get(key),
        }
        for key, value in values.items()
    }
    log = _log_summary(folder)
    if as_json:
        click.echo(json_line({"settings": entries, "files": current.files, "log": log}))
        return
    lines = []
    for key, entry in entries.items():
        value = entry["value"]
        shown = ",".join(value) if isinstance(value, list) else value
        lines.append(f"{key:<15} {escape(shown)}    ({escape(entry['source'])})")
    lines.append("")
    files = ", ".join(current.files) if current.files else "none found"
    lines.append(f"{'config files':<15} {escape(files)}")
    if log.get("remote"):
        state = (
            f"{log['days']} days, {log['oldest'] or '-'} .. {log['newest'] or '-'}"
            if log["exists"]
            else f"cannot be read: {log['error']}"
        )
        lines.append(f"{'log':<15} {escape(folder)}: {escape(state)}")
        from pulumi_audited.store.spool import Spool

        waiting = len(Spool.for_location(folder).pending())
        lines.append(f"{'spool':<15} {waiting} record(s) waiting to be shipped")
    elif log["exists"]:
        size = log["bytes"] / 1e6
        lines.append(
            f"{'log':<15} {escape(folder)}: {log['day_files']} day files, {size:.1f} MB, "
            f"{log['oldest'] or '-'} .. {log['newest'] or '-'}"
        )
    else:
        lines.append(f"{'log':<15} {escape(folder)} (does not exist yet)")
    Terminal().emit(lines)
