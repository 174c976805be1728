"""`audit config`: the effective settings, where each came from, which are pinned, the pulumi
that would run, and where the log lives."""

from __future__ import annotations

import os

import click

from pulumi_audited import config as configuration
from pulumi_audited.config import ENVIRONMENT, SITE_FILE_NAME, Settings
from pulumi_audited.viewer.context import log_location, settings
from pulumi_audited.viewer.formats import Terminal, json_line
from pulumi_audited.viewer.safe_text import escape

_ROLE_LABELS = {
    configuration.SITE: "site config",
    configuration.USER: "config",
    configuration.CHOSEN: "config",
    configuration.TEAM: "team config",
}


def _source(raw: str) -> str:
    """The source as earlier versions named it in --json (kept for scripts)."""
    if raw.startswith("env "):
        return f"environment {raw[4:]}"
    if raw == "default":
        return "default"
    return f"file {raw}"


def _origin(current: Settings, key: str) -> dict:
    """Where a value came from: its role, and its file and line or its variable."""
    role = current.origins[key]
    origin: dict = {"origin": role}
    raw = current.sources[key]
    if role == configuration.ENV:
        origin["variable"] = raw[4:]
    elif role != configuration.DEFAULT:
        path, _, line = raw.rpartition(":")
        origin.update(file=path, line=int(line))
    if key in current.pinned:
        path, _, line = current.pinned[key].rpartition(":")
        origin["pinned_by"] = {"file": path, "line": int(line)}
    return origin


def _describe(entry: dict) -> str:
    role = entry["origin"]
    if role == configuration.DEFAULT:
        text = "default"
    elif role == configuration.ENV:
        text = f"environment {entry['variable']}"
    else:
        text = f"{_ROLE_LABELS[role]} {entry['file']}, line {entry['line']}"
    if "pinned_by" in entry:
        pin = entry["pinned_by"]
        text += "; pinned"
        if entry.get("file") != pin["file"]:  # a default pinned: say who pinned it
            text += f" by site config {pin['file']}, line {pin['line']}"
    return text


def _pulumi(current: Settings, entry: dict) -> None:
    """The pulumi the shim would run, or the one-line reason it cannot find one."""
    from pulumi_audited.errors import ShimError
    from pulumi_audited.locate import find_pulumi

    try:
        entry["resolved"] = find_pulumi(current.pulumi, current.named_by("pulumi"), os.environ)
    except ShimError as error:
        entry["resolved"] = None
        entry["error"] = str(error)


def _remote_summary(location: str) -> dict:
    from pulumi_audited.errors import StoreError
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
    from pulumi_audited.store.schemes import is_remote

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
    """The effective configuration: each setting's value, where it came from (site, user or
    team file and line, environment variable, default) and whether the site file pins it;
    the pulumi that would run, and where the log lives. Settings a file may not change are
    named on stderr."""
    from pulumi_audited import paths

    current = settings()
    folder = log_location(current)
    values = dict(current.values)
    if values.get("log") is None:
        values["log"] = folder
    entries = {}
    for key, value in values.items():
        entry = {
            "value": value,
            "source": _source(current.sources[key]),
            "variable": ENVIRONMENT.get(key),
            "pinned": key in current.pinned,
            **_origin(current, key),
        }
        if key == "pulumi":
            _pulumi(current, entry)
        entries[key] = entry
    log = _log_summary(folder)
    site_file = os.path.join(paths.app_dir("site_config", exact=True), SITE_FILE_NAME)
    if as_json:
        document = {
            "settings": entries,
            "files": [path for _, path in current.files],
            "config_files": [{"role": role, "path": path} for role, path in current.files],
            "site_file": site_file,
            "warnings": current.warnings,
            "log": log,
        }
        click.echo(json_line(document))
        return
    Terminal().emit(_text(entries, current, site_file, folder, log))


def _text(entries: dict, current: Settings, site_file: str, folder: str, log: dict) -> list[str]:
    lines = []
    for key, entry in entries.items():
        value = entry["value"]
        shown = ",".join(value) if isinstance(value, list) else value
        if key == "pulumi":
            shown = entry["resolved"] or f"not found: {entry['error']}"
        lines.append(f"{key:<15} {escape(shown)}    ({escape(_describe(entry))})")
    lines.append("")
    files = ", ".join(f"{_ROLE_LABELS[role]} {path}" for role, path in current.files)
    lines.append(f"{'config files':<15} {escape(files or 'none found')}")
    if not any(role == configuration.SITE for role, _ in current.files):
        lines.append(f"{'site config':<15} {escape(site_file)} (none)")
    lines.append(_log_line(folder, log))
    if log.get("remote"):
        from pulumi_audited.store.spool import Spool

        waiting = len(Spool.for_location(folder).pending())
        lines.append(f"{'spool':<15} {waiting} record(s) waiting to be shipped")
    return lines


def _log_line(folder: str, log: dict) -> str:
    if log.get("remote"):
        state = (
            f"{log['days']} days, {log['oldest'] or '-'} .. {log['newest'] or '-'}"
            if log["exists"]
            else f"cannot be read: {log['error']}"
        )
        return f"{'log':<15} {escape(folder)}: {escape(state)}"
    if log["exists"]:
        size = log["bytes"] / 1e6
        return (
            f"{'log':<15} {escape(folder)}: {log['day_files']} day files, {size:.1f} MB, "
            f"{log['oldest'] or '-'} .. {log['newest'] or '-'}"
        )
    return f"{'log':<15} {escape(folder)} (does not exist yet)"
