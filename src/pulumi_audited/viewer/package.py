"""The tool's name and version, from the installed package's metadata, without click: the
export formats (viewer/siem/) stamp it into events and are imported by the forwarder too."""

from __future__ import annotations

import functools

PACKAGE = "pulumi-audited"


@functools.lru_cache(maxsize=1)
def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return "unknown (not installed)"
