"""A fresh bucket or container on the session's SeaweedFS or Azurite, for tests that run the
same checks against both, reached directly or through a proxy."""

from __future__ import annotations

import base64
import hashlib
from email.utils import format_datetime
from urllib.parse import unquote, urlsplit

from servers import AZURE_ACCOUNT, AZURE_KEY
from test_store_and_forward import bucket_records, container_records


class Store:
    """A fresh bucket or container on the session's server, and what a user sets to use it
    directly or through a proxy."""

    def __init__(self, scheme: str, server, container: str) -> None:
        self.scheme = scheme
        self.server = server
        self.container = container

    @property
    def port(self) -> int:
        return self.server.port

    def env(self, endpoint: str | None = None) -> dict[str, str]:
        """The environment naming the log, its store reached at `endpoint` (default: the
        server itself)."""
        if self.scheme == "s3":
            env = self.server.environment()
            env["AWS_ENDPOINT_URL"] = endpoint or self.server.endpoint
            env["PULUMI_AUDITED_LOG"] = f"s3://{self.container}/team"
            return env
        base = endpoint or f"http://127.0.0.1:{self.server.port}"
        return {
            "AZURE_STORAGE_CONNECTION_STRING": (
                f"DefaultEndpointsProtocol=http;AccountName={AZURE_ACCOUNT};"
                f"AccountKey={AZURE_KEY};BlobEndpoint={base}/{AZURE_ACCOUNT};"
            ),
            "PULUMI_AUDITED_LOG": f"azblob://{self.container}/team",
        }

    def records(self) -> list[dict]:
        if self.scheme == "s3":
            return bucket_records(self.server, self.container)
        return container_records(self.server, self.container)

    def overwrite(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str]]:
        """For FaultyProxy.overwrite: do a create-only write the store refused, as a store that
        ignores If-None-Match would, with an admin's client; the success to answer."""
        key = unquote(urlsplit(path).path).lstrip("/")
        if self.scheme == "s3":
            bucket, key = key.split("/", 1)
            answer = self.server.client().put_object(Bucket=bucket, Key=key, Body=body)
            return 200, {"ETag": answer["ETag"]}
        _account, container, key = key.split("/", 2)
        blob = self.server.service().get_blob_client(container, key)
        answer = blob.upload_blob(body, overwrite=True)
        return 201, {
            "ETag": answer["etag"],
            "Last-Modified": format_datetime(answer["last_modified"], usegmt=True),
            "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode(),
        }


# Each kind of remote store (pulumi_audited.store.schemes.SCHEMES) and the fixtures (conftest.py) of
# its test server and of a fresh bucket or container on it. The tests that run against every
# store take their parameters from SCHEMES, so a new row fails them until it has a server here.
TEST_SERVERS = {
    "s3": ("seaweedfs", "s3_bucket"),
    "azblob": ("azurite", "azure_container"),
}


def fresh_store(request, scheme: str) -> Store:
    """A Store on a fresh bucket or container of `scheme`, from a test's `request`."""
    if scheme not in TEST_SERVERS:
        raise LookupError(f"no test server for {scheme}://: add it to TEST_SERVERS")
    server_fixture, container_fixture = TEST_SERVERS[scheme]
    server = request.getfixturevalue(server_fixture)
    return Store(scheme, server, request.getfixturevalue(container_fixture))
