"""Syslog sinks: RFC 5424 messages over TCP or TLS, octet-counted (RFC 6587 3.4.1, as RFC 5425
frames them), or one per UDP datagram (RFC 5426).

    <PRI>1 TIMESTAMP HOSTNAME pulumi-audited - MSGID [pulumi-audited@32473 id=".." ...] MSG

PRI is facility 13 (log audit) with the record's severity. MSGID is the record id's 32 hex
digits (a UUID's 36 characters exceed MSGID's 32), and the structured data carries the whole
id, run id and phase, so a receiver can drop a copy by its id. 32473 is the private
enterprise number RFC 5612 reserves for examples: we have none of our own.

Plain syslog has no acknowledgement. Over TCP and TLS a batch counts as received once the
receiver, having read all of it, closes the connection in answer to ours: the last thing it
could say. A batch cut off before that is sent again, whole; a receiver keeps the first copy
of each id. Over UDP nothing is ever acknowledged: a datagram sent counts as received.
"""

from __future__ import annotations

import socket
import ssl

from pulumi_audited.errors import StoreError
from pulumi_audited.store.sinks import messages
from pulumi_audited.store.sinks.url import Sink, tls_context

APP_NAME = "pulumi-audited"
SD_ID = "pulumi-audited@32473"
FACILITY = 13  # log audit
UDP_LIMIT = 65000  # an IPv4 datagram's payload, headers aside


def _header_field(value: object, limit: int) -> str:
    """A header field: printable US-ASCII without spaces, or the nil value."""
    text = "".join(ch for ch in str(value or "") if "!" <= ch <= "~")[:limit]
    return text or "-"


def _sd_value(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def frame_message(record: dict, line: bytes, format_name: str) -> bytes:
    """One record as an RFC 5424 message (without transport framing)."""
    record_id = str(record.get("id") or "")
    params = [("id", record_id), ("runId", record.get("run_id")), ("phase", record.get("phase"))]
    data = " ".join(f'{key}="{_sd_value(value)}"' for key, value in params if value is not None)
    header = " ".join(
        [
            f"<{FACILITY * 8 + messages.severity(record)}>1",
            _header_field(record.get("time"), 64),
            _header_field(record.get("host"), 255),
            APP_NAME,
            "-",
            _header_field(record_id.replace("-", ""), 32),
            f"[{SD_ID} {data}]",
        ]
    )
    return header.encode("ascii") + b" " + messages.syslog_text(record, line, format_name)


def octet_counted(message: bytes) -> bytes:
    return str(len(message)).encode("ascii") + b" " + message


class SyslogSender:
    """Sends batches of messages to one syslog sink; `send` returns when the batch is
    acknowledged as far as the transport can tell, else raises StoreError (whose message the
    caller puts after the sink's URL)."""

    def __init__(self, sink: Sink, timeout: float) -> None:
        self.sink = sink
        self.timeout = timeout

    def send(self, messages_: list[bytes]) -> None:
        try:
            if self.sink.transport == "syslog+udp":
                self._send_udp(messages_)
            else:
                self._send_stream(messages_)
        except ssl.SSLError as error:
            raise StoreError(f"TLS failed: {error.reason or error}") from None
        except TimeoutError:
            raise StoreError(f"no answer within {self.timeout:g} s") from None
        except OSError as error:
            raise StoreError(f"{self.sink.address}: {error.strerror or error}") from None

    def _send_udp(self, messages_: list[bytes]) -> None:
        address = socket.getaddrinfo(self.sink.host, self.sink.port, type=socket.SOCK_DGRAM)[0]
        with socket.socket(address[0], socket.SOCK_DGRAM) as sock:
            sock.settimeout(self.timeout)
            for message in messages_:
                sock.sendto(message[:UDP_LIMIT], address[4])

    def _send_stream(self, messages_: list[bytes]) -> None:
        raw = socket.create_connection((self.sink.host, self.sink.port), timeout=self.timeout)
        try:
            sock: socket.socket = raw
            if self.sink.transport == "syslog+tls":
                sock = tls_context(self.sink).wrap_socket(raw, server_hostname=self.sink.host)
            sock.sendall(b"".join(octet_counted(message) for message in messages_))
            # Our end of the conversation; the receiver's end answers once it has read it all.
            if isinstance(sock, ssl.SSLSocket):
                raw = sock.unwrap()
            raw.shutdown(socket.SHUT_WR)
            while raw.recv(4096):
                pass
        except ssl.SSLZeroReturnError:
            pass  # the receiver closed its TLS session: it has read the batch
        finally:
            raw.close()
