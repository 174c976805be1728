"""An HTTP proxy on 127.0.0.1 in front of a real store (SeaweedFS, Azurite) that misbehaves on
purpose: it answers 500, 503, SlowDown or ServerBusy instead of the store, before or after
passing the request on, and it can play a store that ignores `If-None-Match`.

Everything it does not break is the real server's answer, so the success path stays real.
"""

from __future__ import annotations

import http.client
import http.server
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "proxy-connection",
}


@dataclass
class Fault:
    """Which requests to break and how.

    `pattern` is read one character per matching request, "x" to break it and "." to let it
    through; with `repeat` it starts over when used up, otherwise everything after it passes.
    With `forward`, the request reaches the store first (a write takes effect) and only the
    answer is replaced: an error whose request may have succeeded."""

    status: int
    code: str
    pattern: str = "x"
    repeat: bool = False
    methods: tuple[str, ...] = ("GET", "PUT", "DELETE", "HEAD")
    forward: bool = False
    message: str = "injected by the test proxy"
    seen: int = 0

    def hits(self, method: str) -> bool:
        if method not in self.methods:
            return False
        index = self.seen
        self.seen += 1
        if self.repeat:
            index %= len(self.pattern)
        return index < len(self.pattern) and self.pattern[index] == "x"


# Makes a refused create-only write happen anyway, as a store that ignores If-None-Match
# would: (method, path, body) -> (status, headers) of the success to answer.
Overwrite = Callable[[str, str, bytes], tuple[int, dict[str, str]]]


@dataclass
class Seen:
    method: str
    path: str
    status: int
    injected: bool


@dataclass
class FaultyProxy:
    upstream_port: int
    faults: list[Fault] = field(default_factory=list)
    overwrite: Overwrite | None = None
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _handle(self) -> None:
                proxy._serve(self)

            do_GET = do_PUT = do_DELETE = do_HEAD = do_POST = _handle

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def injected(self) -> list[Seen]:
        with self._lock:
            return [item for item in self.seen if item.injected]

    # One request.

    def _serve(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        method = handler.command
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self._lock:
            # Every fault counts every request, so that patterns line up across faults.
            hits = [fault for fault in self.faults if fault.hits(method)]
        fault = hits[0] if hits else None
        if fault is not None and not fault.forward:
            self._answer_error(handler, fault)
            return
        status, reason, headers, answer = self._forward(handler, method, body)
        if fault is not None:
            self._answer_error(handler, fault)
            return
        create_only = handler.headers.get("If-None-Match") == "*"
        if self.overwrite is not None and create_only and status in (409, 412):
            status, extra = self.overwrite(method, handler.path, body)
            reason, headers, answer = "OK", list(extra.items()), b""
        self._record(method, handler.path, status, False)
        handler.send_response(status, reason)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP:
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        if method != "HEAD":
            handler.wfile.write(answer)

    def _forward(self, handler, method: str, body: bytes):
        connection = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
        try:
            headers = {
                name: value
                for name, value in handler.headers.items()
                if name.lower() not in _HOP_BY_HOP
            }
            if body or method in ("PUT", "POST"):
                headers["Content-Length"] = str(len(body))
            # Host stays the proxy's: it is part of what the client signed.
            connection.request(method, handler.path, body=body or None, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            return response.status, response.reason, response.getheaders(), answer
        finally:
            connection.close()

    def _answer_error(self, handler, fault: Fault) -> None:
        self._record(handler.command, handler.path, fault.status, True)
        handler.send_response(fault.status)
        if fault.code:
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Error><Code>{fault.code}</Code><Message>{fault.message}</Message></Error>"
            ).encode()
            handler.send_header("Content-Type", "application/xml")
            handler.send_header("x-ms-error-code", fault.code)
        else:  # what a load balancer says: no error document
            body = f"<html><body>{fault.status}</body></html>".encode()
            handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)

    def _record(self, method: str, path: str, status: int, injected: bool) -> None:
        with self._lock:
            self.seen.append(Seen(method, path, status, injected))


def every(k: int) -> str:
    """A pattern breaking every k-th request."""
    return "." * (k - 1) + "x"
