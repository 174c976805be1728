"""A webhook receiver for the forwarding tests, run as its own process so that a test can kill
it mid-stream: HTTPS on 127.0.0.1, the X-Signature-256 HMAC (or a Splunk HEC token) checked
as a SIEM's collector checks it, every record it accepts appended to a file and fsync'd
before it answers 200.

    python https_receiver.py PORT CERT KEY OUT [--secret-env VAR] [--hec-token-env VAR]

A request whose signature or token is wrong is answered 401 and its records are kept in
OUT.refused instead, so a test can tell. `--delay S` holds each answer S seconds.
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def records_of(body: bytes, hec: bool) -> list[dict]:
    """The records in a body: one object, an array of them, or HEC events one after another."""
    if not hec:
        value = json.loads(body)
        return value if isinstance(value, list) else [value]
    decoder = json.JSONDecoder()
    text, index, found = body.decode(), 0, []
    while index < len(text):
        while index < len(text) and text[index].isspace():
            index += 1
        if index == len(text):
            break
        event, index = decoder.raw_decode(text, index)
        assert {"time", "source", "sourcetype", "event"} <= set(event), event
        found.append(event["event"])
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("cert")
    parser.add_argument("key")
    parser.add_argument("out")
    parser.add_argument("--secret-env")
    parser.add_argument("--hec-token-env")
    parser.add_argument("--delay", type=float, default=0.0)
    options = parser.parse_args()
    secret = os.environ[options.secret_env].encode() if options.secret_env else None
    token = os.environ[options.hec_token_env] if options.hec_token_env else None

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # The answer's headers and body are two writes: without this, Nagle's algorithm holds
        # the body until the client's delayed ACK, 40 ms a request.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            good = True
            if secret is not None:
                expected = "sha256=" + hmac.new(secret, body, "sha256").hexdigest()
                good = hmac.compare_digest(expected, self.headers.get("X-Signature-256", ""))
            if token is not None:
                good = good and self.headers.get("Authorization") == f"Splunk {token}"
            records = records_of(body, hec=token is not None)
            target = options.out if good else options.out + ".refused"
            with open(target, "a", encoding="utf-8") as handle:
                # One write: a kill leaves the request's records all there or none.
                handle.write("".join(json.dumps(record) + "\n" for record in records))
                handle.flush()
                os.fsync(handle.fileno())
            if options.delay:
                time.sleep(options.delay)
            answer = b'{"text":"Success","code":0}' if good else b'{"text":"Unauthorized"}'
            self.send_response(200 if good else 401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(options.cert, options.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
