"""paths.py answers what platformdirs answers, without importing it on the hot path."""

from __future__ import annotations

import os

import platformdirs
import pytest

from pulumi_audited import paths


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"XDG_DATA_HOME": "/xdg/data", "XDG_CONFIG_HOME": "/xdg/config", "XDG_CACHE_HOME": "/c"},
        {"XDG_DATA_HOME": "relative/ignored", "XDG_CONFIG_HOME": "", "XDG_CACHE_HOME": " "},
        {"HOME": "/somewhere/else"},
    ],
)
def test_folders_match_platformdirs(monkeypatch, environment):
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert paths.user_data_dir() == platformdirs.user_data_dir("pulumi-audited", appauthor=False)
    assert paths.user_config_dir() == platformdirs.user_config_dir(
        "pulumi-audited", appauthor=False
    )
    assert paths.user_cache_dir() == platformdirs.user_cache_dir("pulumi-audited", appauthor=False)


def test_a_relative_home_still_gives_absolute_folders(monkeypatch):
    """platformdirs before 4.13 returns a relative folder here, later ones the passwd home;
    the shim takes the later, safe answer whichever platformdirs is installed."""
    monkeypatch.setenv("HOME", "relative-home")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for folder in (paths.user_data_dir(), paths.user_config_dir(), paths.user_cache_dir()):
        assert os.path.isabs(folder)
        assert folder.endswith("/pulumi-audited")


@pytest.mark.parametrize(
    "config_dirs",
    [None, "", "/etc/site", "/first:/second", "relative:/absolute", ":", "relative-only"],
)
def test_site_config_folder_matches_platformdirs(monkeypatch, config_dirs):
    """The machine-wide file an administrator writes: platformdirs' site config folder."""
    monkeypatch.delenv("XDG_CONFIG_DIRS", raising=False)
    if config_dirs is not None:
        monkeypatch.setenv("XDG_CONFIG_DIRS", config_dirs)
    assert paths.site_config_dir() == platformdirs.site_config_dir(
        "pulumi-audited", appauthor=False
    )
