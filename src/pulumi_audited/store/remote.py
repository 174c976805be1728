"""Opening a remote log location (a row of store.schemes.SCHEMES) as its ObjectStore."""

from __future__ import annotations

import importlib

from pulumi_audited.errors import StoreError
from pulumi_audited.store.location import LocationError, parse_remote
from pulumi_audited.store.objects import ObjectStore, RemoteLocation
from pulumi_audited.store.schemes import SCHEMES


def parse_location(location: str) -> RemoteLocation:
    """The parts of a remote location such as `s3://bucket/prefix?region=...`, checked as
    the configuration checks them (store/location.py)."""
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
    scheme = SCHEMES[parsed.scheme]
    module_name, class_name = scheme.objects.split(":")
    try:
        store_class = getattr(importlib.import_module(module_name), class_name)
        return store_class(parsed, timeout=timeout)
    except ImportError as error:
        raise StoreError(
            f"{parsed.scheme}:// logs need {scheme.package}, which is not installed "
            f"({error.name}): pip install 'pulumi-audited[{scheme.extra}]' "
            f"(or pipx inject pulumi-audited {scheme.package})"
        ) from None
