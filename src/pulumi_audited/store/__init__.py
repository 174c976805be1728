"""Where records live. One small interface, one module per kind of store.

A store is opened from the log location: a path or `file://` URL today.
"""

from pulumi_audited.store.errors import StoreError

__all__ = ["StoreError", "open_store"]


def open_store(location: str, *, lock_timeout: float = 10.0):
    """The store for `location` (a folder path or file:// URL)."""
    if "://" in location:
        scheme = location.split("://", 1)[0]
        if scheme != "file":
            raise StoreError(
                f"unsupported log location {location!r}: this version writes to a local folder "
                "(a path or file:// URL)"
            )
        location = location[len("file://") :]
    from pulumi_audited.store.local import LocalLog

    return LocalLog(location, lock_timeout=lock_timeout)
