"""The isolated user every benchmark runs as: its own home, config, cache, log and project."""

from __future__ import annotations

import sys
from pathlib import Path


def sandbox_environment(root: Path, pulumi: str) -> dict[str, str]:
    """Create a project under `root` and return an environment whose pulumi is `pulumi`."""
    project = root / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: webapp\nruntime: python\n")
    return {
        "HOME": str(root / "home"),
        # The stand-in's `#!/usr/bin/env python3` must not go through slow launchers (pyenv's
        # shell shims add 70 ms) that would drown what is measured.
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "PULUMI_HOME": str(root / "home" / ".pulumi"),
        "PULUMI_BACKEND_URL": f"file://{root / 'state'}",
        "PULUMI_AUDITED_LOG": str(root / "log"),
        "PULUMI_AUDITED_PULUMI": pulumi,
    }


def viewer_environment(root: Path, server, url: str) -> dict[str, str]:
    """The sandbox's environment for the viewer on the log at `url` in `server` (a
    tests/servers.py server): pulumi is never run, so it is /bin/false."""
    return {
        **sandbox_environment(root, "/bin/false"),
        **server.environment(),
        "PULUMI_AUDITED_LOG": url,
    }
