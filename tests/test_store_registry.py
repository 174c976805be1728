"""store/schemes.py's SCHEMES is the one table of remote stores: each row must be whole, so
that adding a store is one module, one row, one test server and one docs page, and nothing
else names the schemes."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from remote_stores import TEST_SERVERS

from pulumi_audited.store.location import CHECKS, LocationError, check_local_scheme, parse_remote
from pulumi_audited.store.objects import ObjectStore
from pulumi_audited.store.schemes import SCHEMES, is_remote, kinds_of_location

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "pulumi_audited"


def _store_class(scheme: str) -> type:
    module_name, class_name = SCHEMES[scheme].objects.split(":")
    return getattr(importlib.import_module(module_name), class_name)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_each_row_names_a_class_with_the_whole_object_store_interface(scheme):
    store_class = _store_class(scheme)
    wanted = [name for name in vars(ObjectStore) if not name.startswith("_") and name != "url"]
    assert wanted == ["put_new", "get", "list", "create", "delete"]
    for name in wanted:
        method = getattr(store_class, name, None)
        assert callable(method), f"{store_class.__name__} has no {name}()"
        expected = inspect.signature(getattr(ObjectStore, name)).parameters
        actual = inspect.signature(method).parameters
        assert list(actual) == list(expected), f"{store_class.__name__}.{name}{actual}"
    opened = inspect.signature(store_class).parameters
    assert list(opened)[:1] == ["location"] and "timeout" in opened


@pytest.mark.parametrize("scheme", SCHEMES)
def test_each_rows_extra_installs_its_package(scheme):
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    row = SCHEMES[scheme]
    assert row.extra in extras
    assert any(re.match(rf"{re.escape(row.package)}\b", spec) for spec in extras[row.extra])


@pytest.mark.parametrize("scheme", SCHEMES)
def test_each_row_has_a_test_server_and_a_docs_page(scheme):
    assert scheme in TEST_SERVERS
    docs = (ROOT / "docs" / "remote-logs.md").read_text()
    assert f"{scheme}://" in docs, f"docs/remote-logs.md does not describe {scheme}:// logs"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_each_rows_location_is_checked_by_its_own_rules(scheme):
    row = SCHEMES[scheme]
    assert set(check for _, check in row.parameters.values()) <= set(CHECKS)
    assert is_remote(f"{scheme}://name/prefix")
    assert f"{scheme}://{row.container}/prefix" in kinds_of_location()
    parsed = parse_remote(f"{scheme}://name/a/b/")
    assert (parsed.scheme, parsed.container, parsed.prefix) == (scheme, "name", "a/b")
    with pytest.raises(LocationError, match=r"unknown parameter 'nonsense'.*known: "):
        parse_remote(f"{scheme}://name/prefix?nonsense=1")
    with pytest.raises(LocationError, match="lower-case"):
        check_local_scheme(f"{scheme.upper()}://name/prefix")


def test_a_missing_sdk_is_named_with_the_rows_extra(tmp_path):
    """With the SDK's import failing, opening the store says which pip extra to install."""
    scheme = "s3"
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('boto3', 'botocore'):\n"
        "            raise ImportError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    code = (
        "from pulumi_audited.store import StoreError\n"
        "from pulumi_audited.store.remote import open_objects\n"
        "try:\n"
        f"    open_objects('{scheme}://bucket/prefix?region=eu-west-1')\n"
        "except StoreError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(blocker), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    row = SCHEMES[scheme]
    assert f"pip install 'pulumi-audited[{row.extra}]'" in result.stdout
    assert row.package in result.stdout


def test_no_module_but_the_registry_and_the_stores_own_name_a_scheme():
    """Outside store/schemes.py (the table), location.py (the rules it names) and each
    store's own module, no source file spells a remote scheme in code."""
    allowed = {SRC / "store" / "schemes.py", SRC / "store" / "location.py"}
    allowed |= {
        SRC / (SCHEMES[s].objects.split(":")[0].split(".", 1)[1].replace(".", "/") + ".py")
        for s in SCHEMES
    }
    allowed.add(SRC / "store" / "s3_answers.py")  # what S3 says, for s3.py
    # pulumi's own backend schemes: a fact about pulumi, not about where records go.
    allowed.add(SRC / "capture" / "backend.py")
    # How query engines spell a bucket (Spark reads s3:// as s3a://): a fact about the engines.
    allowed.add(SRC / "schema" / "ddl.py")
    names = "|".join(map(re.escape, SCHEMES))
    pattern = re.compile(rf"""["']({names})(://)?["']""")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        if path not in allowed
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
