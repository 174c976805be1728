"""The kinds of remote store, one row each: the one table every part that handles a log
location takes them from.

Adding a kind of remote store is one module that implements store/objects.py's ObjectStore,
one row here, one test server and one docs page: the spool, the shipper, the reader, the
checks of a location and the messages all follow the table.

It imports only the error type: the shim asks `is_remote` on every recorded run.
"""

from pulumi_audited.errors import StoreError


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
