"""The small object interface every remote store implements (one module each: s3.py,
azblob.py), and the parts of a remote location they are opened with.

A remote store is a flat namespace of immutable objects: create one (never replace), read
one, list a prefix. Everything else (layout, chains, spooling, caching) is built on these
calls, so the stores differ only in their modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol


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
