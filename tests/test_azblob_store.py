"""AzureBlobObjects against a real Azurite (tests/servers.py): no mocks."""

from __future__ import annotations

import base64
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from servers import AZURE_ACCOUNT, AZURE_KEY, HangingServer, free_port

from pulumi_audited.store import StoreError, layout
from pulumi_audited.store.azblob import AzureBlobObjects
from pulumi_audited.store.remote import open_objects, parse_location

# A valid base64 account key that is not Azurite's.
WRONG_KEY = base64.b64encode(bytes(range(64))).decode()
_VARIABLES = (
    "AZURE_STORAGE_CONNECTION_STRING",
    "AZURE_STORAGE_ACCOUNT",
    "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_SAS_TOKEN",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def store(azurite, azure_container, monkeypatch) -> AzureBlobObjects:
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    return AzureBlobObjects(parse_location(f"azblob://{azure_container}/logs"), timeout=5)


def _record(day: str, number: int) -> dict:
    return {"time": f"{day}T10:00:00Z", "id": f"0190-{number:06d}"}


def _check_clean(error: StoreError, *secrets: str) -> str:
    message = str(error)
    assert "\n" not in message and "Traceback" not in message
    for secret in secrets:
        assert secret not in message
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    return message


def test_round_trip_with_the_layout(store):
    keys = []
    for day in ("2026-11-20", "2026-11-21"):
        for number in range(3):
            key = layout.object_key("logs", _record(day, number))
            assert store.put_new(key, f'{{"n": {number}}}\n'.encode()) is True
            keys.append(key)
    assert keys[0] == "logs/v1/date=2026-11-20/0190-000000.jsonl"
    assert store.get(keys[4]) == b'{"n": 1}\n'
    objects, prefixes = store.list(layout.root("logs"))
    assert [info.key for info in objects] == sorted(keys)
    assert prefixes == []
    assert all(info.size == len(b'{"n": 0}\n') and info.etag for info in objects)
    objects, prefixes = store.list(layout.root("logs"), delimiter="/")
    assert objects == []
    assert prefixes == ["logs/v1/date=2026-11-20/", "logs/v1/date=2026-11-21/"]
    assert [layout.day_of_prefix(prefix) for prefix in prefixes] == ["2026-11-20", "2026-11-21"]
    assert store.list("logs/v1/date=2026-11-21/")[0][0].key == keys[3]
    assert store.list("elsewhere/") == ([], [])
    assert store.url == f"azblob://{store.container}/logs"


def test_list_follows_pages(store):
    count = 5003  # a page holds 5000
    keys = [layout.object_key("", _record("2026-11-21", number)) for number in range(count)]
    with ThreadPoolExecutor(16) as pool:
        assert all(pool.map(lambda key: store.put_new(key, b"x\n"), keys))
    objects, prefixes = store.list("v1/")
    assert prefixes == []
    assert len(objects) == count
    assert [info.key for info in objects] == sorted(keys)
    assert store.list("v1/", delimiter="/") == ([], ["v1/date=2026-11-21/"])


def test_second_put_of_the_same_bytes_is_false(store):
    assert store.put_new("a/b=c.jsonl", b"one\n") is True
    assert store.put_new("a/b=c.jsonl", b"one\n") is False
    assert store.get("a/b=c.jsonl") == b"one\n"


def test_different_bytes_are_refused_and_the_original_stays(store):
    store.put_new("k.jsonl", b"original\n")
    with pytest.raises(StoreError, match="already exists with different content") as caught:
        store.put_new("k.jsonl", b"other\n")
    _check_clean(caught.value)
    assert store.get("k.jsonl") == b"original\n"


def test_missing_blob(store):
    with pytest.raises(StoreError, match=r"cannot read nope\.jsonl: it does not exist") as caught:
        store.get("nope.jsonl")
    _check_clean(caught.value)


def test_missing_container(azurite, monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    store = AzureBlobObjects(parse_location("azblob://no-such-container/p"), timeout=5)
    expected = f"container 'no-such-container' does not exist in account {AZURE_ACCOUNT}"
    for call in (lambda: store.get("k"), lambda: store.put_new("k", b"x"), lambda: store.list("")):
        with pytest.raises(StoreError, match=expected) as caught:
            call()
        _check_clean(caught.value, AZURE_KEY)


def test_wrong_account_key(azurite, azure_container, monkeypatch):
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string.replace(AZURE_KEY, WRONG_KEY)
    )
    store = AzureBlobObjects(parse_location(f"azblob://{azure_container}"), timeout=5)
    for call in (lambda: store.get("k"), lambda: store.put_new("k", b"x"), lambda: store.list("")):
        with pytest.raises(StoreError, match="the Azure credentials were refused") as caught:
            call()
        _check_clean(caught.value, WRONG_KEY, AZURE_KEY)


def test_malformed_key_is_refused_without_showing_it(azurite, monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT", AZURE_ACCOUNT)
    monkeypatch.setenv("AZURE_STORAGE_KEY", "not base64 at all!")
    with pytest.raises(StoreError, match="AZURE_STORAGE_KEY is not a valid account key") as caught:
        AzureBlobObjects(parse_location(f"azblob://c?endpoint={azurite.endpoint}"))
    _check_clean(caught.value, "not base64 at all!")


def test_credentials_from_account_and_key_variables(azurite, azure_container, monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT", AZURE_ACCOUNT)
    monkeypatch.setenv("AZURE_STORAGE_KEY", AZURE_KEY)
    location = f"azblob://{azure_container}/p?endpoint={azurite.endpoint}"
    store = AzureBlobObjects(parse_location(location), timeout=5)
    assert store.put_new("p/x.jsonl", b"x\n") is True
    assert store.list("p/")[0][0].key == "p/x.jsonl"
    # The account as a parameter of the location, and its alias.
    monkeypatch.delenv("AZURE_STORAGE_ACCOUNT")
    for name in ("storage_account", "account"):
        store = AzureBlobObjects(parse_location(f"{location}&{name}={AZURE_ACCOUNT}"), timeout=5)
        assert store.get("p/x.jsonl") == b"x\n"


def test_credentials_from_a_sas_token(azurite, azure_container, monkeypatch):
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    def token(permission: ContainerSasPermissions) -> str:
        return generate_container_sas(
            AZURE_ACCOUNT,
            azure_container,
            account_key=AZURE_KEY,
            permission=permission,
            expiry=datetime.now(timezone.utc) + timedelta(hours=1),
        )

    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT", AZURE_ACCOUNT)
    location = parse_location(f"azblob://{azure_container}?endpoint={azurite.endpoint}")
    writer = token(ContainerSasPermissions(read=True, create=True, write=True, list=True))
    monkeypatch.setenv("AZURE_STORAGE_SAS_TOKEN", writer)
    store = AzureBlobObjects(location, timeout=5)
    assert store.put_new("s.jsonl", b"s\n") is True
    assert store.put_new("s.jsonl", b"s\n") is False
    # A token that may only read: writing is not authorized.
    reader = token(ContainerSasPermissions(read=True, list=True))
    monkeypatch.setenv("AZURE_STORAGE_SAS_TOKEN", reader)
    store = AzureBlobObjects(location, timeout=5)
    assert store.get("s.jsonl") == b"s\n"
    with pytest.raises(StoreError, match="Storage Blob Data Contributor") as caught:
        store.put_new("t.jsonl", b"t\n")
    _check_clean(caught.value, reader, AZURE_KEY)


def test_no_account_anywhere():
    with pytest.raises(StoreError, match="set AZURE_STORAGE_ACCOUNT or add \\?storage_account="):
        AzureBlobObjects(parse_location("azblob://container/p"))


def test_connection_string_for_another_account(azurite, monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    with pytest.raises(StoreError, match="is for account devstoreaccount1") as caught:
        AzureBlobObjects(parse_location("azblob://c?storage_account=other"))
    _check_clean(caught.value, AZURE_KEY)


def test_open_objects(azurite, azure_container, monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    store = open_objects(f"azblob://{azure_container}/p", timeout=5)
    assert isinstance(store, AzureBlobObjects)
    assert store.put_new("p/o.jsonl", b"o\n") is True
    assert store.get("p/o.jsonl") == b"o\n"


def test_connection_refused_is_quick(monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT", AZURE_ACCOUNT)
    monkeypatch.setenv("AZURE_STORAGE_KEY", AZURE_KEY)
    port = free_port()
    location = f"azblob://c/p?endpoint=http://127.0.0.1:{port}/{AZURE_ACCOUNT}"
    store = AzureBlobObjects(parse_location(location), timeout=2)
    for call in (lambda: store.get("k"), lambda: store.put_new("k", b"x"), lambda: store.list("")):
        start = time.monotonic()
        with pytest.raises(StoreError) as caught:
            call()
        assert time.monotonic() - start < 5
        message = _check_clean(caught.value, AZURE_KEY)
        assert f"cannot reach http://127.0.0.1:{port}: connection refused" in message


def test_a_silent_server_times_out(monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT", AZURE_ACCOUNT)
    monkeypatch.setenv("AZURE_STORAGE_KEY", AZURE_KEY)
    server = HangingServer()
    try:
        location = f"azblob://c/p?endpoint={server.endpoint}/{AZURE_ACCOUNT}"
        store = AzureBlobObjects(parse_location(location), timeout=1)
        calls = (lambda: store.get("k"), lambda: store.put_new("k", b"x"), lambda: store.list(""))
        for call in calls:
            start = time.monotonic()
            with pytest.raises(StoreError) as caught:
                call()
            assert time.monotonic() - start < 15
            message = _check_clean(caught.value, AZURE_KEY)
            assert f"{server.endpoint} did not answer within 1 s" in message
        assert server.connections  # it was reached, and said nothing
    finally:
        server.stop()


def test_no_credentials_for_sign_in(monkeypatch, tmp_path):
    # Nothing for DefaultAzureCredential to find: no environment, no az, no managed identity
    # (the endpoint is never reached: the token comes first).
    for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "MSI_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "dev")  # developer tools only: no IMDS probe
    server = HangingServer()
    try:
        location = f"azblob://c/p?storage_account=acct&endpoint=https://127.0.0.1:{server.port}"
        store = AzureBlobObjects(parse_location(location), timeout=1)
        with pytest.raises(StoreError, match="no Azure credentials: set AZURE_STORAGE_KEY") as c:
            store.get("k")
        _check_clean(c.value)
    finally:
        server.stop()


def test_parallel_gets(store):
    keys = [f"par/{number:04d}.jsonl" for number in range(400)]
    with ThreadPoolExecutor(16) as pool:
        assert all(pool.map(lambda key: store.put_new(key, f"{key}\n".encode()), keys))
        bodies = list(pool.map(store.get, keys))
    assert bodies == [f"{key}\n".encode() for key in keys]
