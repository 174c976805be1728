"""`audit doctor`: where the log is, whether it can be reached, whether a remote store keeps
records create-only, and what waits in this machine's spools. Exit 1 on any problem."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

import click

from pulumi_audited.errors import StoreError
from pulumi_audited.store.schemes import is_remote
from pulumi_audited.viewer.context import log_location, settings, store_timeout_option
from pulumi_audited.viewer.formats import json_line
from pulumi_audited.viewer.safe_text import escape

EXIT_PROBLEM = 1


@dataclass
class Check:
    check: str
    ok: bool | None  # None: for information
    detail: str


@click.command("doctor")
@store_timeout_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def command(timeout: float | None, as_json: bool) -> None:
    """Check the log this machine writes to: where it is, whether it can be reached and, for
    a remote log, whether its store refuses to replace an object (a probe is written twice
    under PREFIX/v1/_probe/, and deleted when the credentials allow). Also reports the records
    waiting in this machine's spools and, for each `forward:` sink, in its queue. Exit status 1
    when something is wrong.
    """
    current = settings()
    location = log_location(current)
    seconds = timeout or current.remote_timeout
    source = current.sources.get("log", "default")
    remote = is_remote(location)
    checks = _remote(location, seconds, source) if remote else _local(location, source)
    if not remote and current.witness is not None:
        checks.append(_witness(location))
    checks += _spools(location)
    checks += _sinks(current.forward)
    problems = sum(1 for check in checks if check.ok is False)
    if as_json:
        click.echo(json_line({"checks": [asdict(c) for c in checks], "problems": problems}))
    else:
        width = max(len(check.check) for check in checks)
        for check in checks:
            mark = {True: "ok", False: "FAIL", None: "-"}[check.ok]
            click.echo(f"{check.check:<{width}}  {mark:<4} {escape(check.detail)}")
        click.echo(f"{problems} problem(s) found" if problems else "no problems found")
    if problems:
        raise click.exceptions.Exit(EXIT_PROBLEM)


def _remote(location: str, seconds: float, source: str) -> list[Check]:
    from pulumi_audited.store import layout, probe
    from pulumi_audited.store.location import public_location
    from pulumi_audited.store.remote import open_objects, parse_location

    checks = [Check("log", None, f"{public_location(location)} (from {source})")]
    try:
        objects = open_objects(location, timeout=seconds)
        root = layout.root(parse_location(location).prefix)
        _, prefixes = objects.list(root, delimiter="/")
    except StoreError as error:
        checks.append(Check("reachable", False, str(error)))
        checks.append(Check("create-only", None, "not checked: the store cannot be reached"))
        return checks
    days = sum(1 for prefix in prefixes if layout.day_of_prefix(prefix))
    checks.append(Check("reachable", True, f"it answers; {days} day folder(s) of records"))
    try:
        result = probe.check_create_only(objects, location)
    except StoreError as error:
        checks.append(Check("create-only", False, f"cannot write a probe: {error}"))
        return checks
    probe.remember(location, result)  # what `audit sync` goes by
    where = "was deleted" if result.deleted else f"was left at {result.url} (readers skip _probe/)"
    if result.enforced:
        checks.append(Check("create-only", True, f"{result.detail}; the probe {where}"))
    else:
        checks.append(
            Check(
                "create-only",
                False,
                f"WARNING: {result.detail}. Use a store that enforces If-None-Match; "
                f"the probe {where}",
            )
        )
    return checks


def _local(folder: str, source: str) -> list[Check]:
    checks = [Check("log", None, f"{folder} (a local folder, from {source})")]
    existing = folder
    while existing and not os.path.exists(existing):
        existing = os.path.dirname(existing.rstrip("/")) or "/"
    if existing != folder:
        ok = os.access(existing, os.W_OK | os.X_OK)
        detail = f"does not exist yet; {existing} " + (
            "lets it be created" if ok else "does not let this user create it"
        )
    elif not os.path.isdir(folder):
        ok, detail = False, "is not a folder"
    else:
        ok = os.access(folder, os.W_OK | os.X_OK)
        detail = "exists and is writable" if ok else "exists but this user cannot write to it"
    checks.append(Check("writable", ok, detail))
    return checks


def _witness(folder: str) -> Check:
    """How the local log's last daily checkpoint at its witness went (witness.day)."""
    import time

    from pulumi_audited.store.witness_daily import read_state, utc_day

    try:
        day, retry_after, error = read_state(folder)
    except StoreError as error:
        return Check("witness", False, str(error))
    if error is not None:
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(retry_after))
        return Check(
            "witness", False, f"the last checkpoint failed: {error}; tried again after {when}"
        )
    if day == "-":
        return Check("witness", None, "no checkpoint written yet (after the next command)")
    fresh = day >= utc_day(time.time() - 86400)
    return Check("witness", fresh, f"last checkpoint written on {day}")


def _spools(location: str) -> list[Check]:
    from pulumi_audited.store.location import public_location
    from pulumi_audited.store.spool import MOVED, Spool, existing_spools
    from pulumi_audited.store.worker_folder import FAILED

    checks = []
    here = Spool.for_location(location).folder if is_remote(location) else None
    for spool in existing_spools():
        pending = len(spool.pending())
        shown = public_location(spool.location)
        mine = spool.folder == here
        label = "spool" if mine else f"spool {spool.name}"
        for count, destination in _moved(os.path.join(spool.folder, MOVED)):
            checks.append(
                Check(label, None, f"audit sync --to moved {count} record(s) to {destination}")
            )
        if not pending:
            if mine:
                checks.append(Check(label, True, "nothing waits to be shipped"))
            continue
        status = spool.status()
        error = status.get("error") if status.get("state") == FAILED else None
        error = error or status.get("last_error")
        waiting = f"{pending} record(s) wait in {spool.pending_folder} for {shown}"
        if mine and not error:
            checks.append(Check(label, None, f"{waiting}; the shipper is {status.get('state')}"))
        elif mine:
            checks.append(Check(label, False, f"{waiting}: {error}; run audit sync"))
        else:
            checks.append(
                Check(
                    label,
                    False,
                    f"{waiting}, not this machine's log: audit sync ships them, or moves them "
                    f"with --from {spool.name} --to LOCATION when that log is gone",
                )
            )
    if here is not None and not any(c.check == "spool" for c in checks):
        checks.append(Check("spool", True, "nothing waits to be shipped"))
    return checks


def _sinks(urls: list[str]) -> list[Check]:
    """Each configured sink: its secrets' variables set here, and what waits in its queue."""
    from pulumi_audited.store.forward_queue import SinkQueue
    from pulumi_audited.store.sinks.url import parse_sink
    from pulumi_audited.store.worker_folder import FAILED

    checks = []
    for url in urls:
        sink = parse_sink(url)
        missing = [
            f"{name} {variable}"
            for name, variable in (("secret_env", sink.secret_env), ("token_env", sink.token_env))
            if variable is not None and not os.environ.get(variable)
        ]
        queue = SinkQueue.for_sink(url)
        try:
            waiting = queue.waiting()
        except StoreError as error:
            checks.append(Check(f"sink {url}", False, str(error)))
            continue
        status = queue.status()
        if missing:
            detail = f"{', '.join(missing)} is not set in this environment"
            checks.append(Check(f"sink {url}", False, detail))
        elif waiting and status.get("state") == FAILED:
            detail = f"{waiting} record(s) wait in {queue.folder}: {status.get('error')}"
            checks.append(Check(f"sink {url}", False, f"{detail}; run audit sync"))
        elif waiting:
            checks.append(Check(f"sink {url}", None, f"{waiting} record(s) wait in {queue.folder}"))
        else:
            checks.append(Check(f"sink {url}", True, "nothing waits to be forwarded"))
    return checks


def _moved(path: str) -> list[tuple[int, str]]:
    """(records, destination) of each move `audit sync --to` noted in a spool folder."""
    try:
        with open(path, encoding="utf-8") as handle:
            entries = [json.loads(line) for line in handle if line.strip()]
        return [(int(entry["records"]), str(entry["to"])) for entry in entries]
    except (OSError, ValueError, TypeError, KeyError):
        return []
