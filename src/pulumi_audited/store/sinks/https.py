"""HTTPS sinks: a JSON body per record or per batch, POSTed to the sink's URL; any 2xx answer
acknowledges the whole body.

With `secret_env=VAR`, the body is signed as Spacelift signs its audit webhooks (GitHub's
scheme): `X-Signature-256: sha256=<hex HMAC-SHA256 of the body, keyed with $VAR>`. With
`token_env=VAR`, the sink is a Splunk HTTP Event Collector: `Authorization: Splunk $VAR`, each
record in HEC's event envelope. The values are read from the environment when a request is
made, and are never written anywhere: not in a message, a status file or the queue.
"""

from __future__ import annotations

import hmac
import http.client
import os
import ssl

from pulumi_audited.errors import StoreError
from pulumi_audited.store.sinks.url import Sink, tls_context

SIGNATURE_HEADER = "X-Signature-256"
_USER_AGENT = "pulumi-audited-forwarder"


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, "sha256").hexdigest()


def _secret(sink: Sink, parameter: str, variable: str | None) -> str | None:
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        raise StoreError(f"the environment variable {variable} ({parameter}) is not set here")
    return value


class HTTPSSender:
    """POSTs bodies to one HTTPS sink over a kept-alive connection; `send` returns once the
    sink answered 2xx, else raises StoreError (the body is sent again later)."""

    def __init__(self, sink: Sink, timeout: float) -> None:
        self.sink = sink
        self.timeout = timeout
        self.connection: http.client.HTTPSConnection | None = None

    def _headers(self, body: bytes) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": _USER_AGENT,
        }
        secret = _secret(self.sink, "secret_env", self.sink.secret_env)
        if secret is not None:
            headers[SIGNATURE_HEADER] = signature(secret.encode("utf-8"), body)
        token = _secret(self.sink, "token_env", self.sink.token_env)
        if token is not None:
            headers["Authorization"] = f"Splunk {token}"
        return headers

    def send(self, body: bytes) -> None:
        headers = self._headers(body)
        for attempt in (1, 2):  # a kept-alive connection the server has closed: once more
            try:
                status, reason = self._post(body, headers)
            except ssl.SSLError as error:
                self.close()
                raise StoreError(f"TLS failed: {error.reason or error}") from None
            except TimeoutError:
                self.close()
                raise StoreError(f"no answer within {self.timeout:g} s") from None
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise StoreError("the connection was closed before an answer") from None
                continue
            except (OSError, http.client.HTTPException) as error:
                self.close()
                detail = getattr(error, "strerror", None) or type(error).__name__
                raise StoreError(f"{self.sink.address}: {detail}") from None
            if 200 <= status < 300:
                return
            raise StoreError(f"the sink answered {status} {reason[:80]}")

    def _post(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        if self.connection is None:
            self.connection = http.client.HTTPSConnection(
                self.sink.host, self.sink.port, timeout=self.timeout, context=tls_context(self.sink)
            )
        self.connection.request("POST", self.sink.path, body=body, headers=headers)
        response = self.connection.getresponse()
        response.read()
        if response.will_close:
            self.close()
        return response.status, response.reason or ""

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
