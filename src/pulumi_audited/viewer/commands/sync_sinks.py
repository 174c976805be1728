"""`audit sync`'s part for `forward:` sinks: drain every sink queue of this machine that has
records waiting, and say per sink what went and what is left (and why).

The secrets a sink needs (secret_env, token_env) are read from this environment: a sync run
where they are not set leaves that sink's records queued, saying which variable is missing.
"""

from __future__ import annotations

import os

import click

from pulumi_audited.viewer.formats import json_line
from pulumi_audited.viewer.safe_text import escape


def drain_sinks(seconds: float, as_json: bool) -> tuple[int, bool]:
    """Ship each sink queue with records waiting; (queues seen, whether records are left)."""
    from pulumi_audited.errors import StoreError
    from pulumi_audited.store.forward_queue import SHIP_LOCK, existing_queues
    from pulumi_audited.store.forwarder import ForwardResult, forward_pending
    from pulumi_audited.store.shipper import try_lock

    seen, left_over = 0, False
    for queue in existing_queues():
        try:
            waiting = queue.waiting()
        except StoreError as error:
            result = ForwardResult(error=str(error))
            waiting = -1
        if waiting == 0:
            continue
        seen += 1
        if waiting > 0:
            fd = try_lock(os.path.join(queue.folder, SHIP_LOCK))
            if fd is None:
                result = ForwardResult(
                    remaining=waiting,
                    error="a forwarder is shipping this queue now; try again when it is done",
                )
            else:
                try:
                    result = forward_pending(queue, timeout=seconds)
                finally:
                    os.close(fd)
        left_over = left_over or result.remaining > 0 or result.error is not None
        _report(queue.url, queue.name, result, as_json)
    return seen, left_over


def _report(url: str, name: str, result, as_json: bool) -> None:
    if as_json:
        click.echo(
            json_line(
                {
                    "sink": url,
                    "queue": name,
                    "forwarded": result.sent,
                    "skipped": result.skipped,
                    "remaining": result.remaining,
                    "error": result.error,
                }
            )
        )
        return
    line = f"sink {escape(url)}: forwarded {result.sent}"
    if result.skipped:
        line += f", {result.skipped} damaged line(s) skipped"
    failed = result.remaining > 0 or result.error is not None
    if failed:
        line += f", {result.remaining} left: {escape(result.error or 'unknown error')}"
    click.echo(line, err=failed)
