"""S3 (and S3-compatible: SeaweedFS, MinIO, R2) objects behind `s3://bucket/prefix` locations.

botocore is used only for what it is good at and slow to redo: finding credentials (env,
profiles, SSO, instance roles; refreshed when they expire) and SigV4 signing. The HTTP is a
plain `http.client` keep-alive connection per thread, which fetches small objects about four
times faster than a boto3 client, and ListObjectsV2 is parsed with ElementTree
(s3_answers.py, which also says what each error answer means).

Everything that goes wrong becomes a StoreError of one line a user can act on, without keys,
signatures or tokens in it.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import socket
import ssl
import threading
import time
from urllib.parse import quote, urlencode, urlsplit
from xml.etree import ElementTree

import botocore.auth
import botocore.awsrequest
import botocore.exceptions
import botocore.session

from pulumi_audited.errors import StoreError
from pulumi_audited.store.location import public_location
from pulumi_audited.store.objects import ObjectInfo, RemoteLocation
from pulumi_audited.store.retry import Attempts
from pulumi_audited.store.s3_answers import (
    Response,
    error_code,
    failure_message,
    one_line,
    parse_listing,
)

DEFAULT_REGION = "us-east-1"
_CONTENT_TYPE = "application/x-ndjson"
_NO_CREDENTIALS = (
    "no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, "
    "or add ?profile=NAME to the log location (aws configure / aws sso login create one)"
)
# A connection closed before the whole answer arrived: a keep-alive connection the server
# had closed meanwhile (sent again at once), or a server or proxy that broke off (retried).
_DROPPED = (
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
    http.client.BadStatusLine,
    http.client.IncompleteRead,
)


class S3Objects:
    """The ObjectStore of one bucket. Safe to share between threads: each thread keeps its own
    connection."""

    def __init__(self, location: RemoteLocation, *, timeout: float = 10.0) -> None:
        parameters = location.parameters
        self.bucket = location.container
        self.timeout = float(timeout)
        self.url = public_location(location.url)
        profile = parameters.get("profile") or None
        try:
            self._session = botocore.session.Session(profile=profile)
            region = (
                parameters.get("region")
                or os.environ.get("AWS_REGION")
                or self._session.get_config_variable("region")
                or DEFAULT_REGION
            )
            ca_bundle = self._session.get_config_variable("ca_bundle")
        except botocore.exceptions.ProfileNotFound:
            raise StoreError(self._profile_not_found()) from None
        except botocore.exceptions.BotoCoreError as error:
            raise StoreError(f"{self.url}: AWS configuration: {one_line(str(error))}") from None
        self.region = region
        endpoint = parameters.get("endpoint") or _configured_endpoint()
        if endpoint:
            # S3-compatible servers: path-style addressing under the endpoint.
            parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise StoreError(f"{self.url}: endpoint {endpoint!r} is not an http(s) URL")
            if parts.username or parts.password:
                raise StoreError(
                    f"{self.url}: credentials do not belong in the endpoint URL; "
                    "use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile"
                )
            self._https = parts.scheme == "https"
            self._host = parts.hostname
            self._port = parts.port
            self._base_path = f"{parts.path.rstrip('/')}/{quote(self.bucket, safe='')}"
        elif "." in self.bucket:
            # A bucket with dots breaks the wildcard certificate of virtual-hosted names.
            self._https = True
            self._host = f"s3.{region}.amazonaws.com"
            self._port = None
            self._base_path = f"/{self.bucket}"
        else:
            self._https = True
            self._host = f"{self.bucket}.s3.{region}.amazonaws.com"
            self._port = None
            self._base_path = ""
        default_port = 443 if self._https else 80
        self._host_header = (
            self._host if self._port in (None, default_port) else f"{self._host}:{self._port}"
        )
        if ":" in self._host and not self._host.startswith("["):  # IPv6 literal
            self._host_header = f"[{self._host}]" + self._host_header[len(self._host) :]
        self.origin = f"{'https' if self._https else 'http'}://{self._host_header}"
        self._ssl_context = ssl.create_default_context(cafile=ca_bundle) if self._https else None
        self._local = threading.local()
        self._credentials_lock = threading.Lock()
        self._credentials = None

    # -- the three calls, and the probe's two --------------------------------------------

    def put_new(self, key: str, data: bytes) -> bool:
        attempts = Attempts(self.timeout)
        if self._create(key, data, attempts):
            return True
        # Refused: the key exists. An earlier attempt (this call's own, whose answer was lost
        # or was an error, or another process's) may have written these very bytes.
        existing = self._get(key, attempts)
        if existing == data:
            return False
        raise StoreError(
            f"s3://{self.bucket}/{key} already exists with different content "
            f"({len(existing)} bytes, not the {len(data)} being written); "
            "it is left as it is"
        )

    def create(self, key: str, data: bytes) -> bool:
        """One create-only write: True when created, False when the server refused it because
        the key exists (412). For `audit doctor`'s probe."""
        return self._create(key, data, Attempts(self.timeout))

    def delete(self, key: str) -> bool:
        """Delete `key`; False when the server refuses (no s3:DeleteObject, object lock)."""
        attempts = Attempts(self.timeout)
        response = self._request("DELETE", self._path(key), "", {}, b"", attempts)
        if response.status in (200, 204):
            return True
        if response.status in (403, 405) or error_code(response.body)[0] in (
            "AccessDenied",
            "MethodNotAllowed",
            "InvalidRequest",
        ):
            return False
        self._fail(response, f"s3://{self.bucket}/{key}", "delete", "s3:DeleteObject", attempts)
        raise AssertionError("unreachable")

    def get(self, key: str) -> bytes:
        return self._get(key, Attempts(self.timeout))

    def list(
        self, prefix: str, *, delimiter: str | None = None
    ) -> tuple[list[ObjectInfo], list[str]]:
        objects: list[ObjectInfo] = []
        prefixes: list[str] = []
        token: str | None = None
        what = f"s3://{self.bucket}/{prefix}"
        while True:
            query: dict[str, str] = {"list-type": "2", "prefix": prefix}
            if delimiter:
                query["delimiter"] = delimiter
            if token:
                query["continuation-token"] = token
            query_string = urlencode(sorted(query.items()), quote_via=quote, safe="-_.~")
            # Each page has its own deadline: a long listing is many quick answers.
            attempts = Attempts(self.timeout)
            response = self._request("GET", self._base_path or "/", query_string, {}, b"", attempts)
            if response.status != 200:
                self._fail(response, what, "list", "s3:ListBucket", attempts)
            try:
                truncated, token = parse_listing(response.body, objects, prefixes)
            except (ElementTree.ParseError, ValueError, TypeError):
                raise StoreError(
                    f"{what}: the listing from {self.origin} is not valid ListObjectsV2 XML"
                ) from None
            if not truncated:
                break
            if not token:
                raise StoreError(f"{what}: {self.origin} cut the listing short without a token")
        # Already in key order from S3; sorting sorted lists is linear and makes it certain.
        objects.sort()
        return objects, sorted(set(prefixes))

    def _profile_not_found(self) -> str:
        profile = self._session.profile if hasattr(self, "_session") else None
        profile = profile or os.environ.get("AWS_PROFILE") or "?"
        return f"{self.url}: AWS profile {profile!r} is not in ~/.aws/config or ~/.aws/credentials"

    # -- requests -------------------------------------------------------------------------

    def _create(self, key: str, data: bytes, attempts: Attempts) -> bool:
        headers = {
            "If-None-Match": "*",
            "Content-Type": _CONTENT_TYPE,
            "Content-MD5": base64.b64encode(
                hashlib.md5(data, usedforsecurity=False).digest()
            ).decode(),
        }
        response = self._request("PUT", self._path(key), "", headers, data, attempts)
        if response.status in (200, 201, 204):
            return True
        if response.status == 412:
            return False
        self._fail(response, f"s3://{self.bucket}/{key}", "write", "s3:PutObject", attempts)
        raise AssertionError("unreachable")

    def _get(self, key: str, attempts: Attempts) -> bytes:
        response = self._request("GET", self._path(key), "", {}, b"", attempts)
        if response.status == 200:
            return response.body
        self._fail(response, f"s3://{self.bucket}/{key}", "read", "s3:GetObject", attempts)
        raise AssertionError("unreachable")

    def _path(self, key: str) -> str:
        return f"{self._base_path}/{quote(key, safe='/~')}"

    def _frozen_credentials(self):
        credentials = self._credentials
        if credentials is None:
            with self._credentials_lock:
                credentials = self._credentials
                if credentials is None:
                    try:
                        credentials = self._session.get_credentials()
                    except botocore.exceptions.ProfileNotFound:
                        raise StoreError(self._profile_not_found()) from None
                    except botocore.exceptions.BotoCoreError as error:
                        raise StoreError(
                            f"{self.url}: cannot load AWS credentials: {one_line(str(error))}"
                        ) from None
                    if credentials is None:
                        raise StoreError(f"{self.url}: {_NO_CREDENTIALS}")
                    self._credentials = credentials
        try:
            frozen = credentials.get_frozen_credentials()
        except botocore.exceptions.BotoCoreError as error:
            raise StoreError(
                f"{self.url}: cannot refresh AWS credentials: {one_line(str(error))}"
            ) from None
        if not frozen.access_key or not frozen.secret_key:
            raise StoreError(f"{self.url}: {_NO_CREDENTIALS}")
        return frozen

    def _sign(self, method: str, path: str, query: str, headers: dict, body: bytes) -> dict:
        url = f"{self.origin}{path}?{query}" if query else f"{self.origin}{path}"
        request = botocore.awsrequest.AWSRequest(
            method=method, url=url, headers={"Host": self._host_header, **headers}, data=body
        )
        botocore.auth.S3SigV4Auth(self._frozen_credentials(), "s3", self.region).add_auth(request)
        return dict(request.headers.items())

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if self._https:
                connection = http.client.HTTPSConnection(
                    self._host, self._port, timeout=self.timeout, context=self._ssl_context
                )
            else:
                connection = http.client.HTTPConnection(
                    self._host, self._port, timeout=self.timeout
                )
            self._local.connection = connection
        return connection

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def _request(
        self, method: str, path: str, query: str, headers: dict, body: bytes, attempts: Attempts
    ) -> Response:
        """The answer to the request: the first that is not transient, or the last one when
        the attempts or the deadline ran out. StoreError when no answer came at all."""
        signed = self._sign(method, path, query, headers, body)
        target = f"{path}?{query}" if query else path
        stale_retried = False
        while True:
            connection = self._connection()
            reused = connection.sock is not None
            try:
                response = self._exchange(
                    connection, method, target, signed, body, attempts.deadline
                )
            except _DROPPED as error:
                self._drop_connection()
                if reused and not stale_retried and attempts.remaining() > 0:
                    stale_retried = True  # the server closed an idle keep-alive connection
                    continue
                if attempts.pause():
                    continue
                raise StoreError(
                    f"cannot reach {self.origin}: the connection was closed "
                    f"({one_line(str(error)) or type(error).__name__}){attempts.note()}"
                ) from None
            except TimeoutError:
                self._drop_connection()
                raise StoreError(
                    f"{self.origin} did not answer within {self.timeout:g} s{attempts.note()}"
                ) from None
            except socket.gaierror as error:
                self._drop_connection()
                raise StoreError(
                    f"cannot reach {self.origin}: host name {self._host!r} not found "
                    f"({one_line(error.strerror or str(error))})"
                ) from None
            except ConnectionRefusedError:
                self._drop_connection()
                raise StoreError(f"cannot reach {self.origin}: connection refused") from None
            except ssl.SSLError as error:
                self._drop_connection()
                raise StoreError(
                    f"cannot reach {self.origin}: TLS failed ({one_line(str(error))})"
                ) from None
            except (OSError, http.client.HTTPException) as error:
                self._drop_connection()
                reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
                raise StoreError(f"cannot reach {self.origin}: {one_line(reason)}") from None
            if response.transient() and attempts.pause():
                continue
            return response

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        method: str,
        target: str,
        headers: dict,
        body: bytes,
        deadline: float,
    ) -> Response:
        def remaining() -> float:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            return min(self.timeout, left)

        if connection.sock is None:
            connection.timeout = remaining()
            connection.connect()
        connection.sock.settimeout(remaining())
        connection.request(method, target, body=body if method == "PUT" else None, headers=headers)
        connection.sock.settimeout(remaining())
        response = connection.getresponse()
        chunks = []
        while True:
            if connection.sock is not None:
                connection.sock.settimeout(remaining())
            chunk = response.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
        if response.will_close:
            self._drop_connection()
        return Response(response.status, response.reason, response.headers, b"".join(chunks))

    # -- errors ---------------------------------------------------------------------------

    def _bucket_is_missing(self, attempts: Attempts) -> bool:
        """Whether the bucket is missing: some servers (SeaweedFS, and S3 itself for some
        policies) answer a write to a missing bucket with AccessDenied, a listing with
        NoSuchBucket. Asked within what is left of the call's deadline."""
        if attempts.remaining() <= 0:
            return False
        try:
            probe = self._request(
                "GET", self._base_path or "/", "list-type=2&max-keys=1", {}, b"", attempts
            )
        except StoreError:
            return False
        return error_code(probe.body)[0] == "NoSuchBucket"

    def _fail(
        self, response: Response, what: str, doing: str, action: str, attempts: Attempts
    ) -> None:
        """Raise the StoreError for an S3 error answer."""
        message = failure_message(
            response,
            what,
            doing,
            action,
            bucket=self.bucket,
            region=self.region,
            origin=self.origin,
            bucket_is_missing=lambda: self._bucket_is_missing(attempts),
        )
        raise StoreError(message + attempts.note())


def _configured_endpoint() -> str | None:
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return None
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None
