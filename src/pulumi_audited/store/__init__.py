"""Where records live, and the two doors into it: `open_writer` gives what the shim appends a
run's records through, `open_reader` what the viewer reads a log through (store/base.py says
what each offers). A log location is a folder (a path or `file://` URL), or a URL whose
scheme is a row of store/schemes.py: a bucket or container many writers share.

This module is on the shim's hot path: a store's modules are loaded only when a log of that
kind is opened, and the table of schemes only for a location written as a URL.
"""

from pulumi_audited.errors import StoreError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.store.base import ReadableStore, Writer

__all__ = ["StoreError", "open_reader", "open_writer"]


def _local_folder(location: str) -> str | None:
    """The folder a local log location names, None for a remote one. A plain path, the
    common case, needs no table; StoreError for an unknown scheme."""
    if "://" not in location:
        return location
    from pulumi_audited.store.schemes import is_remote, local_folder

    return None if is_remote(location) else local_folder(location)


def open_writer(
    location: str,
    *,
    lock_timeout: float,
    remote_timeout: float,
    ship_wait: float,
    forward: "list[str] | None" = None,
    witness: str | None = None,
    signing_key: str | None = None,
) -> "Writer":
    """What the shim appends a run's records through: the local log (checkpointed at
    `witness` once a day, signed with `signing_key`, when given), or for a remote log the
    spool that ships them (whose shipper reads the checkpoint settings itself); with
    `forward` (sink URLs), that writer with each record queued for the sinks too.
    StoreError when it cannot be opened."""
    writer: Writer
    folder = _local_folder(location)
    if folder is None:
        from pulumi_audited.store.spooled import SpooledWriter

        writer = SpooledWriter(
            location,
            lock_timeout=lock_timeout,
            remote_timeout=remote_timeout,
            ship_wait=ship_wait,
        )
    else:
        from pulumi_audited.store.local import LocalLog

        writer = LocalLog(
            folder,
            lock_timeout=lock_timeout,
            witness=witness,
            signing_key=signing_key,
            witness_timeout=remote_timeout,
        )
    if not forward:
        return writer
    from pulumi_audited.store.forwarding import ForwardingWriter

    return ForwardingWriter(
        writer, forward, lock_timeout=lock_timeout, remote_timeout=remote_timeout
    )


def open_reader(location: str, *, timeout: float) -> "ReadableStore":
    """The log at `location` as the viewer reads it (each request to a remote store given
    `timeout` seconds, retries included). StoreError when it cannot be opened."""
    folder = _local_folder(location)
    if folder is None:
        from pulumi_audited.store.remote_read import RemoteReader

        return RemoteReader(location, timeout=timeout)
    from pulumi_audited.store.local_read import LocalReader

    return LocalReader(folder)
