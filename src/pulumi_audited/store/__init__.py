"""Where records live: the kinds of store, one row each, and the two doors into them.

A log location is a folder (a path or `file://` URL), or a URL whose scheme is a row of
SCHEMES: a bucket or container many writers share. `open_writer` gives what the shim appends
through, `open_reader` what the viewer reads through (store/base.py says what each offers).

Adding a kind of remote store is one module that implements store/objects.py's ObjectStore,
one row here, one test server and one docs page: the spool, the shipper, the reader, the
checks of a location and the messages all take it from this table.

This module is on the shim's hot path: the table imports nothing, and a store's modules are
loaded only when a log of that kind is opened.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.store.base import ReadableStore, Writer


class StoreError(Exception):
    """A record could not be written or read: a message for the user, never a record's
    content."""


class Scheme:
    """One kind of remote store."""

    __slots__ = ("container", "container_chars", "extra", "objects", "package", "parameters")

    def __init__(
        self,
        *,
        objects: str,
        extra: str,
        package: str,
        container: str,
        container_chars: str,
        parameters: dict[str, tuple[str, str]],
    ) -> None:
        self.objects = objects  # "module:Class" of its ObjectStore
        self.extra = extra  # the pip extra that installs its SDK
        self.package = package  # that SDK, for the message when it is missing
        self.container = container  # what the URL's first part names: "bucket"
        self.container_chars = container_chars  # "s3" or "azure": store/location.py's rules
        # Query parameters: name -> (what a valid value looks like, location.py's check).
        self.parameters = parameters


SCHEMES: dict[str, Scheme] = {
    "s3": Scheme(
        objects="pulumi_audited.store.s3:S3Objects",
        extra="s3",
        package="botocore",
        container="bucket",
        container_chars="s3",
        parameters={
            "region": ("a region name such as eu-west-1", "region"),
            "endpoint": (
                "an http(s) URL of an S3-compatible server, such as http://minio:9000",
                "url_or_host",
            ),
            "profile": ("a profile name from ~/.aws/config", "profile"),
        },
    ),
    "azblob": Scheme(
        objects="pulumi_audited.store.azblob:AzureBlobObjects",
        extra="azure",
        package="azure-storage-blob",
        container="container",
        container_chars="azure",
        parameters={
            "storage_account": (
                "a storage account name (3 to 24 lower-case letters and digits)",
                "account",
            ),
            "account": (
                "a storage account name (3 to 24 lower-case letters and digits)",
                "account",
            ),
            "endpoint": ("an http(s) URL of the blob endpoint", "url"),
        },
    ),
}

REMOTE_PREFIXES = tuple(f"{scheme}://" for scheme in SCHEMES)


def is_remote(location: str) -> bool:
    return location.startswith(REMOTE_PREFIXES)


def kinds_of_location() -> str:
    """The kinds of log location, for messages: "a folder, a file:// URL, s3://bucket/prefix
    or ..."."""
    remote = [f"{name}://{scheme.container}/prefix" for name, scheme in SCHEMES.items()]
    return "a folder, a file:// URL, " + ", ".join(remote[:-1]) + " or " + remote[-1]


def local_folder(location: str) -> str:
    """The folder a log location names (a path or file:// URL); StoreError for other kinds."""
    if "://" not in location:
        return location
    scheme = location.split("://", 1)[0]
    if scheme != "file":
        raise StoreError(f"unsupported log location {location!r}: the log is {kinds_of_location()}")
    return location[len("file://") :]


def open_writer(
    location: str, *, lock_timeout: float, remote_timeout: float, ship_wait: float
) -> "Writer":
    """What the shim appends a run's records through: the local log, or for a remote log the
    spool that ships them. StoreError when it cannot be opened."""
    if is_remote(location):
        from pulumi_audited.store.spooled import SpooledWriter

        return SpooledWriter(
            location,
            lock_timeout=lock_timeout,
            remote_timeout=remote_timeout,
            ship_wait=ship_wait,
        )
    from pulumi_audited.store.local import LocalLog

    return LocalLog(local_folder(location), lock_timeout=lock_timeout)


def open_reader(location: str, *, timeout: float) -> "ReadableStore":
    """The log at `location` as the viewer reads it (each request to a remote store given
    `timeout` seconds, retries included). StoreError when it cannot be opened."""
    if is_remote(location):
        from pulumi_audited.store.remote_read import RemoteReader

        return RemoteReader(location, timeout=timeout)
    from pulumi_audited.store.local_read import LocalReader

    return LocalReader(local_folder(location))
