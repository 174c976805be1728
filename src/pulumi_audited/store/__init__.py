"""Where records live. One small interface, one module per kind of store.

A store is opened from the log location: a path or `file://` URL here; `s3://` and
`azblob://` logs are written through the spool (store/spool.py) and read by remote_read.py.
"""

__all__ = [
    "REMOTE_PREFIXES",
    "REMOTE_SCHEMES",
    "StoreError",
    "is_remote",
    "local_folder",
    "open_store",
]


class StoreError(Exception):
    """A record could not be written or read: a message for the user, never a record's
    content."""


# Log locations kept in a bucket; anything else is a local folder. Deciding this costs no
# import: the shim asks on every run, and store.location (each scheme's parameters) and the
# spool are loaded only for a remote log.
REMOTE_SCHEMES = ("s3", "azblob")
REMOTE_PREFIXES = tuple(f"{scheme}://" for scheme in REMOTE_SCHEMES)


def is_remote(location: str) -> bool:
    return location.startswith(REMOTE_PREFIXES)


def local_folder(location: str) -> str:
    """The folder a log location names (a path or file:// URL); StoreError for other kinds."""
    if "://" not in location:
        return location
    scheme = location.split("://", 1)[0]
    if scheme != "file":
        raise StoreError(
            f"unsupported log location {location!r}: the log is a local folder (a path or "
            "file:// URL), s3://bucket/prefix or azblob://container/prefix"
        )
    return location[len("file://") :]


def open_store(location: str, *, lock_timeout: float = 10.0):
    """The store that appends to the log at `location`."""
    from pulumi_audited.store.local import LocalLog

    return LocalLog(local_folder(location), lock_timeout=lock_timeout)
