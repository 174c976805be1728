"""Remote log locations (`s3://`, `azblob://`) and the small object interface they share.

A remote store is a flat namespace of immutable objects: create one (never replace), read
one, list a prefix. Everything else (layout, chains, spooling, caching) is built on these three
calls, so S3 and Azure Blob differ only in their modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from pulumi_audited.store import StoreError
from pulumi_audited.store.location import LocationError, parse_remote

_EXTRAS = {"s3": ("s3", "boto3"), "azblob": ("azure", "azure-storage-blob")}


class ObjectInfo(NamedTuple):
    key: str
    etag: str
    size: int


class ObjectStore(Protocol):
    # The location without secrets, for messages.
    url: str

    # Create `key` holding `data`. True when created; False when it already held exactly
    # `data` (an earlier attempt succeeded: retries are safe). StoreError otherwise: it holds
    # something else, access denied, bucket missing, server unreachable or silent.
    def put_new(self, key: str, data: bytes) -> bool: ...

    # The object's bytes; StoreError when it cannot be read (a missing key included).
    def get(self, key: str) -> bytes: ...

    # Objects under `prefix` in key order, and with `delimiter` the common prefixes too.
    def list(
        self, prefix: str, *, delimiter: str | None = None
    ) -> tuple[list[ObjectInfo], list[str]]: ...

    # Two more, for the create-only probe (`audit doctor`, `audit sync`) only. `create`: one
    # create-only write, True when created, False when refused because the key exists.
    # `delete`: False when refused.
    def create(self, key: str, data: bytes) -> bool: ...
    def delete(self, key: str) -> bool: ...


@dataclass
class RemoteLocation:
    scheme: str
    container: str  # bucket or container
    prefix: str  # without slashes at either end; may be empty
    parameters: dict[str, str] = field(default_factory=dict)
    url: str = ""


def parse_location(location: str) -> RemoteLocation:
    """The parts of `s3://bucket/prefix?region=...` or `azblob://container/prefix`, checked
    as the configuration checks them (store/location.py)."""
    try:
        parsed = parse_remote(location)
    except LocationError as error:
        raise StoreError(str(error)) from None
    return RemoteLocation(
        scheme=parsed.scheme,
        container=parsed.container,
        prefix=parsed.prefix,
        parameters=parsed.parameters,
        url=location,
    )


def open_objects(location: str, *, timeout: float = 10.0) -> ObjectStore:
    """The object store behind a remote log location; StoreError names the pip command when
    the SDK it needs is not installed."""
    parsed = parse_location(location)
    try:
        if parsed.scheme == "s3":
            from pulumi_audited.store.s3 import S3Objects

            return S3Objects(parsed, timeout=timeout)
        from pulumi_audited.store.azblob import AzureBlobObjects

        return AzureBlobObjects(parsed, timeout=timeout)
    except ImportError as error:
        extra, package = _EXTRAS[parsed.scheme]
        raise StoreError(
            f"{parsed.scheme}:// logs need {package}, which is not installed ({error.name}): "
            f"pip install 'pulumi-audited[{extra}]' (or pipx inject pulumi-audited {package})"
        ) from None
