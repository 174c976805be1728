"""paths.py answers what platformdirs answers, without importing it on the hot path."""

from __future__ import annotations

import os
import subprocess
import sys

import platformdirs
import pytest

from pulumi_audited import paths

USER_KINDS = ("user_data", "user_config", "user_cache")
_VARIABLES = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_DIRS")


def _platformdirs(kind: str) -> str:
    return getattr(platformdirs, f"{kind}_dir")("pulumi-audited", appauthor=False)


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"XDG_DATA_HOME": "/xdg/data", "XDG_CONFIG_HOME": "/xdg/config", "XDG_CACHE_HOME": "/c"},
        {"XDG_DATA_HOME": "relative/ignored", "XDG_CONFIG_HOME": "", "XDG_CACHE_HOME": " "},
        {"XDG_DATA_HOME": "", "XDG_CONFIG_HOME": "./config", "XDG_CACHE_HOME": "~/cache"},
        {"HOME": "/somewhere/else"},
        {"HOME": "/somewhere/else/", "XDG_CACHE_HOME": "/trailing/"},
        # Before 4.14 platformdirs gave a relative folder for a relative HOME (the floor in
        # pyproject.toml); the passwd home, as now, is the only safe answer.
        {"HOME": "relative-home"},
        {"HOME": ""},
        {"HOME": None},
    ],
)
@pytest.mark.parametrize("kind", USER_KINDS)
def test_user_folders_match_platformdirs(monkeypatch, environment, kind):
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    copy = paths.app_dir(kind)
    assert copy == _platformdirs(kind) == paths.app_dir(kind, exact=True)
    assert os.path.isabs(copy) and copy.endswith("/pulumi-audited")


@pytest.mark.parametrize(
    "config_dirs",
    [None, "", "/etc/site", "/first:/second", "relative:/absolute", ":", "relative-only"],
)
def test_site_config_folder_matches_platformdirs(monkeypatch, config_dirs):
    """The machine-wide file an administrator writes: platformdirs' site config folder."""
    monkeypatch.delenv("XDG_CONFIG_DIRS", raising=False)
    if config_dirs is not None:
        monkeypatch.setenv("XDG_CONFIG_DIRS", config_dirs)
    assert paths.site_config_dir() == _platformdirs("site_config")
    assert paths.app_dir("site_config", exact=True) == _platformdirs("site_config")


@pytest.mark.parametrize(("exact", "imported"), [(False, False), (True, True)])
def test_only_an_exact_answer_imports_platformdirs(exact, imported):
    code = (
        "import sys\n"
        "from pulumi_audited import paths\n"
        "for kind in ('user_data', 'user_config', 'user_cache', 'site_config'):\n"
        f"    paths.app_dir(kind, exact={exact})\n"
        "print('platformdirs' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{imported}\n"
