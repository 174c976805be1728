"""Every dependency pyproject.toml declares, required or in a store's extra, is imported
somewhere in src/, and none is one the shim's hot path may load (tests/test_hot_path.py)."""

from __future__ import annotations

import re
from importlib.metadata import distribution
from pathlib import Path

import pytest
from test_hot_path import HEAVY

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "src").rglob("*.py"))
EXTRAS = ("s3", "azure")


def _declared(*extras: str) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    names = [re.match(r"[A-Za-z0-9._-]+", requirement) for requirement in requirements]
    return [name.group() for name in names if name]


def _modules(name: str) -> set[str]:
    """The packages the installed distribution `name` provides, as imported: its shallowest
    packages (azure-identity provides azure.identity, in the azure namespace)."""
    packages = [
        str(path).rsplit("/", 1)[0]
        for path in distribution(name).files or []
        if str(path).endswith("/__init__.py") and ".dist-info" not in str(path)
    ]
    assert packages, f"{name} is not installed as a package"
    depth = min(package.count("/") for package in packages)
    return {package.replace("/", ".") for package in packages if package.count("/") == depth}


def _imports(module: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*(?:import|from)\s+{re.escape(module)}(?:[\s.,]|$)", re.MULTILINE)


@pytest.mark.parametrize("name", _declared(*EXTRAS))
def test_each_declared_dependency_is_imported_in_src(name):
    modules = _modules(name)
    using = [
        path.relative_to(ROOT)
        for path in SOURCES
        for module in modules
        if _imports(module).search(path.read_text())
    ]
    assert using, f"{name} is declared in pyproject.toml but src/ never imports {modules}"


@pytest.mark.parametrize("name", _declared(*EXTRAS))
def test_each_declared_dependency_is_kept_off_the_hot_path(name):
    tops = {module.split(".")[0] for module in _modules(name)}
    assert tops & HEAVY, f"tests/test_hot_path.py's HEAVY should list {name} ({tops})"


def test_the_hot_path_list_names_the_locking_and_folder_libraries():
    assert {"filelock", "platformdirs"} <= HEAVY
