"""Real receivers for the forwarding tests, on 127.0.0.1: Debian's rsyslogd (TCP, TLS and UDP
inputs, unprivileged, with its own config, work folder and pid file, writing what it
receives to a file) and https_receiver.py. Each can be killed and started again on the same
port. Certificates are made by the test with openssl: a CA and a server certificate for
127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

from servers import free_port

TESTS = Path(__file__).resolve().parent
RSYSLOGD = "/usr/sbin/rsyslogd"


def make_certificates(folder: Path) -> dict[str, Path]:
    """A CA and a certificate for 127.0.0.1 it signed (PEM files in `folder`)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise AssertionError("openssl is required by the forwarding tests")
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: folder / f"{name}.pem" for name in ("ca", "ca-key", "server", "server-key")}
    csr, extensions = folder / "server.csr", folder / "server.ext"
    extensions.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    ca, ca_key = str(files["ca"]), str(files["ca-key"])
    server, server_key = str(files["server"]), str(files["server-key"])
    new_key = ["-newkey", "rsa:2048", "-nodes"]
    steps = [
        ["req", "-x509", *new_key, "-days", "2", "-subj", "/CN=test CA", "-keyout", ca_key],
        ["req", *new_key, "-subj", "/CN=127.0.0.1", "-keyout", server_key, "-out", str(csr)],
        ["x509", "-req", "-in", str(csr), "-CA", ca, "-CAkey", ca_key, "-CAcreateserial"],
    ]
    steps[0] += ["-out", ca]
    steps[2] += ["-days", "2", "-extfile", str(extensions), "-out", server]
    for step in steps:
        subprocess.run([openssl, *step], check=True, capture_output=True, timeout=60)
    return files


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, tls: bool = False) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"receiver exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}:\n{log.read_text()}")


def _kill(process: subprocess.Popen | None, how: int) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(how)
        process.wait(30)


class Rsyslog:
    """rsyslogd -n -f CONF -i PIDFILE with a TCP, a TLS and a UDP input; every message it
    receives is written, raw, one per line, to `received`."""

    def __init__(self, root: Path, certificates: dict[str, Path]) -> None:
        if not os.access(RSYSLOGD, os.X_OK):
            raise AssertionError(f"{RSYSLOGD} is required (make setup installs rsyslog)")
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.received = root / "received.log"
        self.tcp_port, self.tls_port, self.udp_port = free_port(), free_port(), free_port()
        self.certificates = certificates
        self.process: subprocess.Popen | None = None
        self.config = root / "rsyslog.conf"
        self.config.write_text(self._config())

    def _config(self) -> str:
        certs = self.certificates
        return f"""
global(workDirectory="{self.root}" maxMessageSize="256k"
       defaultNetstreamDriverCAFile="{certs["ca"]}"
       defaultNetstreamDriverCertFile="{certs["server"]}"
       defaultNetstreamDriverKeyFile="{certs["server-key"]}")
# Direct: each message is written by the thread that received it, before that thread reads
# on, so a batch whose connection rsyslog closed is in the file (docs/forwarding.md).
main_queue(queue.type="Direct")
module(load="imtcp" maxSessions="200")
module(load="imudp")
input(type="imtcp" port="{self.tcp_port}" address="127.0.0.1")
input(type="imtcp" port="{self.tls_port}" address="127.0.0.1" streamDriver.name="ossl"
      streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imudp" port="{self.udp_port}" address="127.0.0.1")
template(name="raw" type="string" string="%rawmsg%\\n")
action(type="omfile" file="{self.received}" template="raw" flushOnTXEnd="on"
       asyncWriting="off")
"""

    def start(self) -> Rsyslog:
        log = self.root / "rsyslogd.out"
        pid_file = self.root / "rsyslogd.pid"
        pid_file.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [RSYSLOGD, "-n", "-f", str(self.config), "-i", str(pid_file)],
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_for_port(self.tcp_port, self.process, log)
        _wait_for_port(self.tls_port, self.process, log)
        return self

    def kill(self) -> None:
        _kill(self.process, signal.SIGKILL)

    def stop(self) -> None:
        _kill(self.process, signal.SIGTERM)

    def url(self, transport: str, format_name: str = "json") -> str:
        port = {"tcp": self.tcp_port, "tls": self.tls_port, "udp": self.udp_port}[transport]
        url = f"syslog+{transport}://127.0.0.1:{port}?format={format_name}"
        if transport == "tls":
            url += f"&ca={self.certificates['ca']}"
        return url

    def messages(self) -> list[str]:
        if not self.received.exists():
            return []
        return [line for line in self.received.read_text().splitlines() if line]


class HTTPSReceiver:
    """tests/https_receiver.py in its own process: records accepted go to `received`."""

    def __init__(self, root: Path, certificates: dict[str, Path], **options: str) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.certificates = certificates
        self.received = root / "received.jsonl"
        self.options = options
        self.process: subprocess.Popen | None = None

    def start(self, env: dict[str, str] | None = None) -> HTTPSReceiver:
        argv = [sys.executable, str(TESTS / "https_receiver.py"), str(self.port)]
        argv += [str(self.certificates["server"]), str(self.certificates["server-key"])]
        argv += [str(self.received)]
        for name, value in self.options.items():
            argv += [f"--{name.replace('_', '-')}", value]
        log = self.root / "receiver.out"
        self.process = subprocess.Popen(
            argv,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=log.open("ab"),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline() != b"ready\n":
            raise RuntimeError(f"the receiver did not start:\n{log.read_text()}")
        return self

    def kill(self) -> None:
        _kill(self.process, signal.SIGKILL)

    def stop(self) -> None:
        _kill(self.process, signal.SIGTERM)

    def url(self, path: str = "/audit", **parameters: str) -> str:
        query = "&".join(f"{key}={value}" for key, value in parameters.items())
        url = f"https://127.0.0.1:{self.port}{path}?ca={self.certificates['ca']}"
        return url + (f"&{query}" if query else "")

    def records(self, refused: bool = False) -> list[dict]:
        path = Path(str(self.received) + ".refused") if refused else self.received
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line]


def syslog_ids(messages: list[str]) -> list[str]:
    """The record id in each RFC 5424 message's structured data."""
    found = []
    for message in messages:
        start = message.index('[pulumi-audited@32473 id="') + len('[pulumi-audited@32473 id="')
        found.append(message[start : message.index('"', start)])
    return found


def tls_context(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))
