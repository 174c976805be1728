"""Where the viewer finds the log: the same settings as the shim."""

from __future__ import annotations

import os

import click

from pulumi_audited.config import Settings, default_log_folder, load_settings
from pulumi_audited.errors import warn
from pulumi_audited.store import open_reader
from pulumi_audited.store.base import ReadableStore

_warned: set[str] = set()


def settings() -> Settings:
    """The settings, their warnings (a setting a team file may not change...) said once."""
    current = load_settings(os.getcwd(), os.environ)
    for line in current.warnings:
        if line not in _warned:
            _warned.add(line)
            warn(line)
    return current


def log_location(current: Settings | None = None) -> str:
    return (current or settings()).log or default_log_folder()


def open_location(location: str, *, timeout: float | None = None) -> ReadableStore:
    """The readable store for a log location: a local folder, or a bucket or container (each
    request given `timeout` seconds, retries included; default: remote_timeout)."""
    if timeout is None:
        timeout = settings().remote_timeout
    return open_reader(location, timeout=timeout)


def open_log() -> ReadableStore:
    current = settings()
    return open_location(log_location(current), timeout=current.remote_timeout)


def store_timeout_option(function):
    """`--timeout SECONDS` for the commands that talk to a remote store themselves."""
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=None,
        help="Seconds one call to a store may take, retries included (default: remote_timeout).",
    )(function)
