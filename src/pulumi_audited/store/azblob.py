"""Azure Blob Storage as an object store: block blobs, created once, never replaced.

    azblob://container/prefix?storage_account=NAME&endpoint=URL

Credentials come from the variables Pulumi's own azblob backend reads (azblob_access.py).

This module and azblob_access.py are imported only for azblob:// locations; they are the only
ones importing the Azure SDK. Every failure is a StoreError of one line without secrets.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.pipeline.transport import RequestsTransport
from azure.storage.blob import ContainerClient, ContentSettings, LinearRetry

from pulumi_audited.errors import StoreError
from pulumi_audited.store.azblob_access import resolve_access
from pulumi_audited.store.location import public_location
from pulumi_audited.store.objects import ObjectInfo, RemoteLocation
from pulumi_audited.store.retry import TRANSIENT_STATUSES, Attempts

# Threads that read at once share one connection pool; requests' default keeps 10.
POOL_SIZE = 32
# Error codes that mean "not now" (with 500 or 503): retried like those statuses.
_TRANSIENT_CODES = {"ServerBusy", "OperationTimedOut", "InternalError"}
_NO_CREDENTIALS = (
    "no Azure credentials: set AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN or "
    "AZURE_STORAGE_CONNECTION_STRING, or sign in with az login"
)
_AUTHENTICATION_CODES = {"AuthenticationFailed", "InvalidAuthenticationInfo"}
_PERMISSION_CODES = {
    "AuthorizationPermissionMismatch",
    "AuthorizationResourceTypeMismatch",
    "AuthorizationServiceMismatch",
    "AuthorizationProtocolMismatch",
    "AuthorizationSourceIPMismatch",
    "AuthorizationFailure",
    "InsufficientAccountPermissions",
}


def _origin(url: str) -> str:
    """`scheme://host:port` of a URL: what a message names (no path, query or user)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def _first_line(text: object) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def _refused(error: BaseException) -> bool:
    """Whether a connection was refused somewhere in the exception's causes."""
    seen: set[int] = set()
    pending: list[object] = [error]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ConnectionRefusedError):
            return True
        pending.extend([item.__cause__, item.__context__, *item.args])
        pending.append(getattr(item, "inner_exception", None))
        pending.append(getattr(item, "reason", None))
    text = str(error).lower()
    return "connection refused" in text or "errno 111" in text


def _error_code(error: HttpResponseError) -> str:
    """The code the storage SDK sets on its errors (an enum or a string; "" when none)."""
    code = getattr(error, "error_code", None)
    return str(getattr(code, "value", code) or "")


def _transient(error: BaseException) -> bool:
    """Whether a failed request may succeed when tried again: throttling, a server error, an
    answer broken off. Not a connection that could not be made (refused, unknown host)."""
    if isinstance(error, (ResourceExistsError, ResourceModifiedError)):
        return False
    if isinstance(error, HttpResponseError) and error.response is not None:
        return error.status_code in TRANSIENT_STATUSES or _error_code(error) in _TRANSIENT_CODES
    return isinstance(error, ServiceResponseError)


class AzureBlobObjects:
    """An azblob:// location's container: put_new, get and list of whole keys."""

    def __init__(self, location: RemoteLocation, *, timeout: float = 10.0) -> None:
        self.container = location.container
        self.timeout = timeout
        access = resolve_access(location)
        account, endpoint, credential = access.account, access.endpoint, access.credential
        self._secrets = access.secrets
        if urlsplit(endpoint).scheme not in ("http", "https") or not urlsplit(endpoint).hostname:
            raise StoreError(f"azblob endpoint {_origin(endpoint)!r} is not an http(s) URL")
        self.account = account
        self.endpoint = endpoint.split("?", 1)[0].rstrip("/")
        self.origin = _origin(self.endpoint)
        self.url = public_location(location.url)
        self._credential = credential
        self._client: ContainerClient | None = None
        self._lock = threading.Lock()

    def _container(self) -> ContainerClient:
        client = self._client
        if client is not None:
            return client
        with self._lock:
            if self._client is None:
                import requests
                from urllib3.util.retry import Retry

                session = requests.Session()
                adapter = requests.adapters.HTTPAdapter(
                    pool_connections=4,
                    pool_maxsize=POOL_SIZE,
                    max_retries=Retry(total=False, redirect=False, raise_on_status=False),
                )
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                # requests reads the proxy variables (scanning all of os.environ) and ~/.netrc
                # on every request when trust_env is on: 0.9 ms of a 7 ms get. The proxy for
                # this one endpoint and the CA bundle are looked up once instead.
                session.trust_env = False
                session.proxies = requests.utils.get_environ_proxies(self.endpoint)
                bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
                if bundle:
                    session.verify = bundle
                transport = RequestsTransport(
                    session=session,
                    session_owner=False,
                    connection_timeout=self.timeout,
                    read_timeout=self.timeout,
                )
                try:
                    self._client = ContainerClient(
                        self.endpoint,
                        self.container,
                        credential=self._credential,
                        transport=transport,
                        connection_timeout=self.timeout,
                        read_timeout=self.timeout,
                        # Retries are this module's (store/retry.py): within one deadline.
                        retry_policy=LinearRetry(retry_total=0),
                    )
                except (ValueError, AzureError) as error:
                    raise self._error(error, "open") from None
            return self._client

    # The three calls, and the probe's two.

    def put_new(self, key: str, data: bytes) -> bool:
        attempts = Attempts(self.timeout)
        if self._create(key, data, attempts):
            return True
        # Refused: the key exists, perhaps from an earlier attempt whose answer was lost.
        if self._get(key, attempts) == data:
            return False
        raise StoreError(f"{self.url}: {key} already exists with different content")

    def create(self, key: str, data: bytes) -> bool:
        """One create-only write: True when created, False when refused because the key
        exists. For `audit doctor`'s probe."""
        return self._create(key, data, Attempts(self.timeout))

    def delete(self, key: str) -> bool:
        """Delete `key`; False when the service refuses (no delete permission, immutability)."""
        client = self._container()
        attempts = Attempts(self.timeout)
        try:
            self._call(attempts, lambda **timeouts: client.delete_blob(key, **timeouts))
            return True
        except HttpResponseError as error:
            if error.status_code in (403, 409):
                return False
            raise self._error(error, f"delete {key}", note=attempts.note()) from None
        except Exception as error:
            raise self._error(error, f"delete {key}", note=attempts.note()) from None

    def get(self, key: str) -> bytes:
        return self._get(key, Attempts(self.timeout))

    def list(
        self, prefix: str, *, delimiter: str | None = None
    ) -> tuple[list[ObjectInfo], list[str]]:
        client = self._container()
        objects: list[ObjectInfo] = []
        prefixes: list[str] = []
        token: str | None = None

        def page(**timeouts) -> tuple[list, str | None]:
            if delimiter:
                paged = client.walk_blobs(
                    name_starts_with=prefix, delimiter=delimiter, **timeouts
                ).by_page(continuation_token=token)
            else:
                paged = client.list_blobs(name_starts_with=prefix, **timeouts).by_page(
                    continuation_token=token
                )
            items = list(next(paged, []))
            # by_page() is typed as a plain iterator; the SDK's pager carries the token.
            return items, getattr(paged, "continuation_token", None)

        while True:
            # Each page has its own deadline, as with S3: a long listing is many answers.
            attempts = Attempts(self.timeout)
            try:
                items, token = self._call(attempts, page)
            except Exception as error:
                raise self._error(error, f"list {prefix or '/'}", note=attempts.note()) from None
            for item in items:
                if hasattr(item, "prefix") and not hasattr(item, "etag"):
                    prefixes.append(item.name)
                else:
                    objects.append(ObjectInfo(item.name, item.etag.strip('"'), item.size))
            if not token:
                return objects, prefixes

    def _create(self, key: str, data: bytes, attempts: Attempts) -> bool:
        client = self._container()

        def upload(**timeouts) -> None:
            client.upload_blob(
                key,
                data,
                blob_type="BlockBlob",
                overwrite=False,
                content_settings=ContentSettings(content_type="application/x-ndjson"),
                # Sends Content-MD5: the service refuses a body that arrives corrupted.
                validate_content=True,
                **timeouts,
            )

        try:
            self._call(attempts, upload)
            return True
        except (ResourceExistsError, ResourceModifiedError) as error:
            code = _error_code(error)
            if isinstance(error, ResourceExistsError) and code not in ("", "BlobAlreadyExists"):
                raise self._error(error, f"write {key}", note=attempts.note()) from None
            return False
        except Exception as error:
            raise self._error(error, f"write {key}", note=attempts.note()) from None

    def _get(self, key: str, attempts: Attempts) -> bytes:
        client = self._container()
        try:
            return self._call(
                attempts, lambda **timeouts: client.download_blob(key, **timeouts).readall()
            )
        except Exception as error:
            raise self._error(error, f"read {key}", key=key, note=attempts.note()) from None

    def _call(self, attempts: Attempts, request):
        """`request(connection_timeout=..., read_timeout=...)`, tried again after a transient
        failure while the deadline allows; the last failure is raised as it came."""
        while True:
            left = attempts.remaining()
            if left <= 0:
                raise ServiceResponseError(f"timed out after {self.timeout:g} s")
            try:
                return request(connection_timeout=left, read_timeout=left)
            except Exception as error:
                if not _transient(error) or not attempts.pause():
                    raise

    # Errors: one line a user can act on, without secrets.

    def _error(
        self, error: BaseException, action: str, *, key: str = "", note: str = ""
    ) -> StoreError:
        return StoreError(self._scrub(self._describe(error, action, key)) + note)

    def _scrub(self, message: str) -> str:
        for secret in self._secrets:
            if secret:
                message = message.replace(secret, "***")
        return " ".join(message.split())

    def _describe(self, error: BaseException, action: str, key: str) -> str:
        where = f"{self.url}: cannot {action}"
        if isinstance(error, StoreError):
            return str(error)
        if isinstance(error, HttpResponseError) and error.response is not None:
            status = error.status_code
            code = _error_code(error)
            first = _first_line(error.message if error.message else error.reason)
            if status == 404 and code == "ContainerNotFound":
                return (
                    f"{where}: container {self.container!r} does not exist in account "
                    f"{self.account}"
                )
            if status == 404 and (code == "BlobNotFound" or key):
                return f"{where}: it does not exist"
            if status == 403:
                if code in _AUTHENTICATION_CODES or "failed to authenticate" in first.lower():
                    return f"{where}: the Azure credentials were refused: {first} ({code})"
                if code in _PERMISSION_CODES or code.startswith("Authorization"):
                    return (
                        f"{where}: {first} ({code}): the identity needs the Storage Blob Data "
                        f"Contributor role on container {self.container!r} of account "
                        f"{self.account} (or a key or SAS token that allows read, write and list)"
                    )
            detail = f"{first} ({code})" if code else first
            return f"{where}: HTTP {status}: {detail}"
        if isinstance(error, ClientAuthenticationError):
            # A token credential found nothing to sign in with (no HTTP response).
            return f"{where}: {_NO_CREDENTIALS}"
        if isinstance(error, ServiceRequestError):
            if "bearer token" in str(error).lower() and "https" in str(error).lower():
                return f"{where}: Azure sign-in needs an https:// endpoint, not {self.origin}"
            if _refused(error):
                return f"{where}: cannot reach {self.origin}: connection refused"
            if "timed out" in str(error).lower() or "timeout" in str(error).lower():
                return (
                    f"{where}: cannot reach {self.origin}: no connection within {self.timeout:g} s"
                )
            return f"{where}: cannot reach {self.origin}: {_first_line(error)}"
        if isinstance(error, ServiceResponseError):
            if "timed out" in str(error).lower() or "timeout" in str(error).lower():
                return f"{where}: {self.origin} did not answer within {self.timeout:g} s"
            return f"{where}: {self.origin} broke off the answer: {_first_line(error)}"
        if isinstance(error, AzureError):
            return f"{where}: {_first_line(error.message) or type(error).__name__}"
        return f"{where}: {type(error).__name__}: {_first_line(error)}"
