"""Remote log locations (`s3://`, `azblob://`) and the small object interface they share.

A remote store is a flat namespace of immutable objects: create one (never replace), read
one, list a prefix. Everything else (layout, chains, spooling, caching) is built on these three
calls, so S3 and Azure Blob differ only in their modules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol
from urllib.parse import parse_qsl, quote, urlsplit

from pulumi_audited.store import StoreError

REMOTE_SCHEMES = ("s3", "azblob")
# Query parameters each scheme understands; anything else is a typo worth an error.
_KNOWN_PARAMETERS = {
    "s3": {"region", "endpoint", "profile"},
    "azblob": {"storage_account", "account", "endpoint"},
}
_EXTRAS = {"s3": ("s3", "boto3"), "azblob": ("azure", "azure-storage-blob")}
# What an unknown parameter's name may look like to be repeated in a message: a typo of a
# parameter ("regoin"), not a token pasted where a name goes.
_SHOWABLE_NAME = re.compile(r"[a-z][a-z_]{0,23}")
_HIDDEN = "***"


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

    # Two more, for `audit doctor`'s probe only. `create`: one create-only write, True when
    # created, False when refused because the key exists. `delete`: False when refused.
    # def create(self, key: str, data: bytes) -> bool: ...
    # def delete(self, key: str) -> bool: ...


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
        raise StoreError(f"unsupported log location {public_location(location)!r}")
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
            what = f"parameter {name!r}" if _SHOWABLE_NAME.fullmatch(name) else "a parameter"
            raise StoreError(f"log location {shown}: unknown {what} (known: {known})")
        parameters[name] = value
    return RemoteLocation(
        scheme=scheme,
        container=parts.netloc,
        prefix=parts.path.strip("/"),
        parameters=parameters,
        url=location,
    )


def public_location(location: str) -> str:
    """A remote log location as it may be shown and stored (in the spool, in messages): the
    parameters this tool reads with their values, an endpoint without user, password, query
    or fragment, and any other parameter without its value, which may be a secret pasted by
    mistake. Equivalent to `location` wherever `location` can be used."""
    parts = urlsplit(location)
    scheme = parts.scheme
    known = _KNOWN_PARAMETERS.get(scheme, set())
    url = f"{scheme}://{parts.netloc.rsplit('@', 1)[-1]}"
    prefix = parts.path.strip("/")
    if prefix:
        url += f"/{prefix}"
    shown = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name in known:
            if name == "endpoint":
                value = public_endpoint(value)
            shown.append(f"{quote(name, safe='')}={quote(value, safe=':/')}")
        elif _SHOWABLE_NAME.fullmatch(name):
            shown.append(f"{name}={_HIDDEN}")
        else:
            shown.append(_HIDDEN)
    return url + ("?" + "&".join(shown) if shown else "")


def public_endpoint(endpoint: str) -> str:
    """`scheme://host:port/path` of an endpoint URL: no user, password, query or fragment."""
    scheme, separator, rest = endpoint.rpartition("://")
    rest = rest.split("#", 1)[0].split("?", 1)[0]
    host, slash, path = rest.partition("/")
    return f"{scheme}{separator}{host.rsplit('@', 1)[-1]}{slash}{path}"


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
