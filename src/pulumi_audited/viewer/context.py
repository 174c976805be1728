"""Where the viewer finds the log: the same settings as the shim."""

from __future__ import annotations

import os

from pulumi_audited.config import Settings, default_log_folder, load_settings
from pulumi_audited.store.local_read import LocalReader, open_reader


def settings() -> Settings:
    return load_settings(os.getcwd(), os.environ)


def log_location(current: Settings | None = None) -> str:
    return (current or settings()).log or default_log_folder()


def open_log() -> LocalReader:
    return open_reader(log_location())
