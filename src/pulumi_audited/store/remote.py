"""Remote log locations (`s3://`, `azblob://`) and the small object interface they share.

A remote store is a flat namespace of immutable objects: create one (never replace), read
one, list a prefix. Everything else (layout, chains, spooling, caching) is built on these three
calls, so S3 and Azure Blob differ only in their modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol
from urllib.parse import parse_qsl, urlsplit

from pulumi_audited.store import StoreError

REMOTE_SCHEMES = ("s3", "azblob")
# Query parameters each scheme understands; anything else is a typo worth an error.
_KNOWN_PARAMETERS = {
    "s3": {"region", "endpoint", "profile"},
    "azblob": {"storage_account", "account", "endpoint"},
}
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


@dataclass
class RemoteLocation:
    scheme: str
    container: str  # bucket or container
    prefix: str  # without slashes at either end; may be empty
    parameters: dict[str, str] = field(default_factory=dict)
    url: str = ""


def parse_location(location: str) -> RemoteLocation:
    """The parts of `s3://bucket/prefix?region=...` or `azblob://container/prefix`."""
    parts = urlsplit(location)
    scheme = parts.scheme
    if scheme not in REMOTE_SCHEMES:
        raise StoreError(f"unsupported log location {location!r}")
    if not parts.netloc:
        raise StoreError(f"log location {location!r} names no bucket or container")
    if "@" in parts.netloc:
        raise StoreError(
            f"log location {scheme}://...: credentials do not belong in the URL; "
            "use the environment variables or profiles the cloud SDK reads"
        )
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name not in _KNOWN_PARAMETERS[scheme]:
            known = ", ".join(sorted(_KNOWN_PARAMETERS[scheme]))
            shown = f"{scheme}://{parts.netloc}{parts.path}"  # a stray token stays unsaid
            raise StoreError(f"log location {shown}: unknown parameter {name!r} (known: {known})")
        parameters[name] = value
    return RemoteLocation(
        scheme=scheme,
        container=parts.netloc,
        prefix=parts.path.strip("/"),
        parameters=parameters,
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
