"""S3Objects against a real SeaweedFS (no mocks): create-only writes, reads, paginated and
delimited listings, and one clear StoreError line for each way S3 access goes wrong."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from servers import S3_ACCESS_KEY, S3_SECRET_KEY, HangingServer, free_port

from pulumi_audited.store import StoreError, layout
from pulumi_audited.store.objects import ObjectInfo
from pulumi_audited.store.remote import open_objects, parse_location

PREFIX = "team/audit"


@pytest.fixture
def aws_env(monkeypatch, seaweedfs):
    """The test server's credentials in the environment, and nothing from the user's own."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_DEFAULT_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    return monkeypatch


def store(bucket: str, endpoint: str, timeout: float = 10.0, prefix: str = PREFIX):
    return open_objects(f"s3://{bucket}/{prefix}?endpoint={endpoint}", timeout=timeout)


def record(day: str, number: int) -> dict:
    return {"time": f"{day}T12:00:00Z", "id": f"0190a1b2-c3d4-7000-8000-{number:012d}"}


def test_round_trip_with_the_layout(aws_env, seaweedfs, s3_bucket):
    objects = store(s3_bucket, seaweedfs.endpoint)
    written = {}
    for day in ("2026-11-20", "2026-11-21"):
        for number in range(3):
            key = layout.object_key(PREFIX, record(day, number))
            data = f'{{"day": "{day}", "n": {number}}}\n'.encode()
            assert objects.put_new(key, data) is True
            written[key] = data
    odd = f"{layout.root(PREFIX)}odd/a=b&c=d+e f~g%h.jsonl"
    assert objects.put_new(odd, b"odd\n") is True
    written[odd] = b"odd\n"

    for key, data in written.items():
        assert objects.get(key) == data

    listed, prefixes = objects.list(layout.root(PREFIX))
    assert prefixes == []
    assert [info.key for info in listed] == sorted(written)
    assert all(isinstance(info, ObjectInfo) for info in listed)
    assert [info.size for info in listed] == [len(written[info.key]) for info in listed]
    assert all(info.etag and '"' not in info.etag for info in listed)

    listed, prefixes = objects.list(layout.root(PREFIX), delimiter="/")
    assert listed == []
    assert prefixes == [
        layout.day_prefix(PREFIX, "2026-11-20"),
        layout.day_prefix(PREFIX, "2026-11-21"),
        f"{layout.root(PREFIX)}odd/",
    ]
    assert [layout.day_of_prefix(p) for p in prefixes] == ["2026-11-20", "2026-11-21", None]

    day_objects, _ = objects.list(layout.day_prefix(PREFIX, "2026-11-21"))
    assert len(day_objects) == 3
    assert objects.list("nothing/here/") == ([], [])


def test_listing_paginates_past_1000(aws_env, seaweedfs, s3_bucket):
    objects = store(s3_bucket, seaweedfs.endpoint)
    day = "2026-11-21"
    keys = [layout.object_key(PREFIX, record(day, number)) for number in range(1234)]
    with ThreadPoolExecutor(16) as pool:
        assert all(pool.map(lambda key: objects.put_new(key, key.encode()), keys))
    listed, _ = objects.list(layout.day_prefix(PREFIX, day))
    assert [info.key for info in listed] == sorted(keys)
    assert len({info.key for info in listed}) == 1234

    # Many common prefixes page too.
    many_days = [f"2025-{month:02d}-{d:02d}" for month in range(1, 13) for d in range(1, 29)]
    day_keys = [layout.object_key(PREFIX, record(d, 0)) for d in many_days]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda key: objects.put_new(key, b"x\n"), day_keys))
    _, prefixes = objects.list(layout.root(PREFIX), delimiter="/")
    assert [layout.day_of_prefix(p) for p in prefixes] == sorted([*many_days, day])


def test_second_put_same_bytes_is_false_different_bytes_refused(aws_env, seaweedfs, s3_bucket):
    objects = store(s3_bucket, seaweedfs.endpoint)
    key = layout.object_key(PREFIX, record("2026-11-21", 1))
    assert objects.put_new(key, b"first\n") is True
    assert objects.put_new(key, b"first\n") is False
    with pytest.raises(StoreError, match="already exists with different content") as caught:
        objects.put_new(key, b"second\n")
    assert "\n" not in str(caught.value)
    assert objects.get(key) == b"first\n"
    assert seaweedfs.client().get_object(Bucket=s3_bucket, Key=key)["Body"].read() == b"first\n"


def test_concurrent_puts_of_one_key_create_it_once(aws_env, seaweedfs, s3_bucket):
    objects = store(s3_bucket, seaweedfs.endpoint)
    key = layout.object_key(PREFIX, record("2026-11-21", 7))
    barrier = threading.Barrier(8)

    def put(_):
        barrier.wait()
        return objects.put_new(key, b"same\n")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(put, range(8)))
    assert results.count(True) >= 1
    assert objects.get(key) == b"same\n"


def test_get_of_a_missing_key(aws_env, seaweedfs, s3_bucket):
    objects = store(s3_bucket, seaweedfs.endpoint)
    with pytest.raises(StoreError, match=r"does not exist") as caught:
        objects.get(f"{PREFIX}/v1/date=2026-11-21/missing.jsonl")
    assert "missing.jsonl" in str(caught.value)


def test_wrong_secret_key_is_a_clear_error_without_the_secret(aws_env, seaweedfs, s3_bucket):
    secret = "wrong-secret-9f8e7d6c5b4a"
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", secret)
    objects = store(s3_bucket, seaweedfs.endpoint)
    for call in (
        lambda: objects.get(f"{PREFIX}/x.jsonl"),
        lambda: objects.put_new(f"{PREFIX}/x.jsonl", b"x\n"),
        lambda: objects.list(PREFIX),
    ):
        with pytest.raises(StoreError, match="the S3 credentials were refused") as caught:
            call()
        message = str(caught.value)
        assert secret not in message and S3_SECRET_KEY not in message
        assert "Signature=" not in message and "\n" not in message
    assert seaweedfs.client().list_objects_v2(Bucket=s3_bucket)["KeyCount"] == 0


def test_unknown_access_key_is_a_clear_error(aws_env, seaweedfs, s3_bucket):
    aws_env.setenv("AWS_ACCESS_KEY_ID", "AKIANOTKNOWN")
    objects = store(s3_bucket, seaweedfs.endpoint)
    with pytest.raises(StoreError, match="the S3 credentials were refused") as caught:
        objects.list(PREFIX)
    assert S3_SECRET_KEY not in str(caught.value)


def test_no_credentials(aws_env, seaweedfs, s3_bucket):
    aws_env.delenv("AWS_ACCESS_KEY_ID")
    aws_env.delenv("AWS_SECRET_ACCESS_KEY")
    objects = store(s3_bucket, seaweedfs.endpoint)
    with pytest.raises(StoreError, match=r": no AWS credentials: set AWS_ACCESS_KEY_ID"):
        objects.list(PREFIX)


def test_missing_bucket(aws_env, seaweedfs):
    # (SeaweedFS creates a missing bucket on PUT when the identity is an admin, so the
    # reads show the error.)
    objects = store("no-such-bucket-here", seaweedfs.endpoint)
    for call in (lambda: objects.list(PREFIX), lambda: objects.get(f"{PREFIX}/x.jsonl")):
        with pytest.raises(StoreError, match="bucket 'no-such-bucket-here' does not exist"):
            call()


def test_refused_connection_fails_quickly(aws_env):
    port = free_port()
    objects = store("audit-refused", f"http://127.0.0.1:{port}")
    started = time.monotonic()
    for call in (
        lambda: objects.put_new(f"{PREFIX}/x.jsonl", b"x\n"),
        lambda: objects.get(f"{PREFIX}/x.jsonl"),
        lambda: objects.list(PREFIX),
    ):
        with pytest.raises(StoreError) as caught:
            call()
        assert str(caught.value) == f"cannot reach http://127.0.0.1:{port}: connection refused"
    assert time.monotonic() - started < 3


def test_unresolvable_host(aws_env):
    objects = store("audit-dns", "http://no-such-host.invalid:9000", timeout=5)
    with pytest.raises(StoreError, match=r"^cannot reach http://no-such-host.invalid:9000: host"):
        objects.list(PREFIX)


def test_hanging_server_times_out(aws_env):
    server = HangingServer()
    try:
        objects = store("audit-hang", server.endpoint, timeout=1)
        for call in (
            lambda: objects.put_new(f"{PREFIX}/x.jsonl", b"x\n"),
            lambda: objects.get(f"{PREFIX}/x.jsonl"),
            lambda: objects.list(PREFIX),
        ):
            started = time.monotonic()
            with pytest.raises(StoreError) as caught:
                call()
            elapsed = time.monotonic() - started
            assert str(caught.value) == f"{server.endpoint} did not answer within 1 s"
            assert elapsed < 10  # generous; it is about 1 s
            assert elapsed >= 0.9
    finally:
        server.stop()


def test_parallel_gets_from_16_threads(aws_env, seaweedfs, s3_bucket):
    objects = store(s3_bucket, seaweedfs.endpoint)
    keys = [layout.object_key(PREFIX, record("2026-11-21", number)) for number in range(400)]
    with ThreadPoolExecutor(16) as pool:
        assert all(pool.map(lambda key: objects.put_new(key, f"{key}\n".encode()), keys))
    reader = store(s3_bucket, seaweedfs.endpoint)
    thread_names = set()

    def get(key):
        thread_names.add(threading.current_thread().name)
        return reader.get(key)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(get, keys * 3))
    assert results == [f"{key}\n".encode() for key in keys * 3]
    assert len(thread_names) > 1


def test_keep_alive_connection_dropped_by_the_server_is_reopened(aws_env, seaweedfs, s3_bucket):
    objects = store(s3_bucket, seaweedfs.endpoint)
    key = f"{PREFIX}/k.jsonl"
    objects.put_new(key, b"k\n")
    connection = objects._local.connection
    assert connection.sock is not None  # kept alive
    # The server side going away looks like this to the client: the socket is shut.
    import socket

    connection.sock.shutdown(socket.SHUT_RDWR)
    assert objects.get(key) == b"k\n"


def test_open_objects_url_and_parameters(aws_env, seaweedfs, s3_bucket):
    location = f"s3://{s3_bucket}/{PREFIX}?endpoint={seaweedfs.endpoint}&region=us-east-1"
    objects = open_objects(location)
    assert objects.put_new(f"{PREFIX}/v1/a.jsonl", b"a\n") is True
    assert objects.url == location
    assert S3_SECRET_KEY not in objects.url and S3_ACCESS_KEY not in objects.url
    with pytest.raises(StoreError, match="unknown parameter 'regoin'"):
        open_objects(f"s3://{s3_bucket}/{PREFIX}?regoin=eu-west-1")


def test_endpoint_from_the_environment(aws_env, seaweedfs, s3_bucket):
    aws_env.setenv("AWS_ENDPOINT_URL", seaweedfs.endpoint)
    objects = open_objects(f"s3://{s3_bucket}/{PREFIX}")
    assert objects.put_new(f"{PREFIX}/v1/env.jsonl", b"env\n") is True
    assert seaweedfs.client().get_object(Bucket=s3_bucket, Key=f"{PREFIX}/v1/env.jsonl")[
        "Body"
    ].read() == (b"env\n")
    # The S3-specific variable wins over the general one.
    aws_env.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    aws_env.setenv("AWS_ENDPOINT_URL_S3", seaweedfs.endpoint)
    assert open_objects(f"s3://{s3_bucket}/{PREFIX}").get(f"{PREFIX}/v1/env.jsonl") == b"env\n"


def test_addressing_and_region_without_an_endpoint(aws_env):
    from pulumi_audited.store.s3 import S3Objects

    aws_env.delenv("AWS_REGION")
    objects = S3Objects(parse_location("s3://my-audit/logs"))
    assert objects.region == "us-east-1"
    assert objects.origin == "https://my-audit.s3.us-east-1.amazonaws.com"
    aws_env.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    assert S3Objects(parse_location("s3://my-audit/logs")).region == "eu-central-1"
    objects = S3Objects(parse_location("s3://my-audit/logs?region=ap-south-1"))
    assert objects.origin == "https://my-audit.s3.ap-south-1.amazonaws.com"
    assert objects._path("logs/v1/date=2026-11-21/x.jsonl") == (
        "/logs/v1/date%3D2026-11-21/x.jsonl"
    )


def test_unknown_profile(aws_env):
    with pytest.raises(StoreError, match="AWS profile 'nobody'"):
        open_objects("s3://my-audit/logs?profile=nobody&endpoint=http://127.0.0.1:1").list("")


class CannedS3:
    """A real HTTP server on 127.0.0.1 that answers every request with one canned S3 answer:
    for the answers SeaweedFS does not give (wrong region, access denied, other errors)."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def s3_error(code: str, message: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message><RequestId>1</RequestId></Error>"
    ).encode()


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        (
            301,
            s3_error("PermanentRedirect", "The bucket you are attempting to access must be..."),
            {"x-amz-bucket-region": "eu-west-1"},
            "s3://audit-canned is in region eu-west-1, not us-east-1: "
            "add ?region=eu-west-1 to the log location",
        ),
        (
            403,
            s3_error("AccessDenied", "Access Denied"),
            {},
            "access denied to s3://audit-canned/team/audit/x.jsonl: check the IAM policy",
        ),
        (
            503,
            s3_error("SlowDown", "Please reduce your\nrequest rate."),
            {},
            "cannot read s3://audit-canned/team/audit/x.jsonl: "
            "S3 said SlowDown: Please reduce your request rate.",
        ),
        (
            502,
            b"<html><body>Bad Gateway</body></html>",
            {"Content-Type": "text/html"},
            "cannot read s3://audit-canned/team/audit/x.jsonl: http://127.0.0.1:",
        ),
    ],
)
def test_error_answers_become_one_clear_line(aws_env, status, body, headers, expected):
    server = CannedS3(status, body, headers)
    try:
        objects = store("audit-canned", server.endpoint)
        with pytest.raises(StoreError) as caught:
            objects.get(f"{PREFIX}/x.jsonl")
        message = str(caught.value)
        assert message.startswith(expected)
        assert "\n" not in message and S3_SECRET_KEY not in message
        assert "Traceback" not in message and "Signature" not in message
    finally:
        server.stop()
