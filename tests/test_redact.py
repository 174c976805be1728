from __future__ import annotations

import subprocess
import sys

import pytest

from pulumi_audited.pulumi.redact import (
    REDACTED,
    name_looks_secret,
    redact_assignment,
    redact_text,
    redact_value,
    strip_url_credentials,
)

PULUMI_TOKEN = "pul-" + "0123456789abcdef" * 2 + "01234567"
AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SESSION_KEY_ID = "ASIAIOSFODNN7EXAMPLE"
GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
GITHUB_PAT = (
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789abcdefghijkl"
)
GITLAB_TOKEN = "glpat-xxxxxxxxxxxxxxxxxxxx"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
SLACK_TOKEN = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aozN3tihPmljnnudb9G3HecJSl\n"
    "-----END RSA PRIVATE KEY-----"
)


@pytest.mark.parametrize(
    "token",
    [
        PULUMI_TOKEN,
        AWS_KEY_ID,
        AWS_SESSION_KEY_ID,
        GITHUB_TOKEN,
        "gho_" + "x" * 36,
        "ghs_" + "y" * 36,
        "ghu_" + "z" * 36,
        "ghr_" + "0" * 36,
        GITHUB_PAT,
        GITLAB_TOKEN,
        JWT,
        SLACK_TOKEN,
        "xoxp-1234567890-abcdef",
        PEM,
    ],
)
def test_token_shapes_are_redacted_anywhere_and_the_rest_kept(token: str) -> None:
    text = f"before {token} after"
    assert redact_text(text) == f"before {REDACTED} after"


def test_token_inside_an_assignment_is_redacted() -> None:
    assert redact_text(f"PULUMI_ACCESS_TOKEN={PULUMI_TOKEN}") == f"PULUMI_ACCESS_TOKEN={REDACTED}"
    assert redact_text(f"aws_access_key_id={AWS_KEY_ID}") == f"aws_access_key_id={REDACTED}"


def test_several_tokens_in_one_text() -> None:
    text = f"{PULUMI_TOKEN} and {GITHUB_TOKEN} and {AWS_KEY_ID}"
    assert redact_text(text) == f"{REDACTED} and {REDACTED} and {REDACTED}"


def test_truncated_pem_private_key_is_redacted_to_the_end() -> None:
    text = "key: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"
    assert redact_text(text) == "key: " + REDACTED


def test_pem_private_key_variants() -> None:
    for kind in ("", "EC ", "ENCRYPTED ", "OPENSSH ", "DSA "):
        pem = f"-----BEGIN {kind}PRIVATE KEY-----\nabc\ndef\n-----END {kind}PRIVATE KEY-----"
        assert redact_text(f"x{pem}y") == f"x{REDACTED}y"


def test_public_key_and_certificate_are_not_redacted() -> None:
    text = "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----"
    assert redact_text(text) == text
    cert = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----"
    assert redact_text(cert) == cert


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgres://app:hunter2@db:5432/state", f"postgres://app:{REDACTED}@db:5432/state"),
        (
            "login to https://user:p%40ss@example.com/x?y=1 now",
            f"login to https://user:{REDACTED}@example.com/x?y=1 now",
        ),
        ("a s3://bucket/prefix b", "a s3://bucket/prefix b"),
        ("file://~", "file://~"),
        (
            "x postgres://a:b@h/db?sslpassword=z y https://u:p@q",
            f"x postgres://a:{REDACTED}@h/db?sslpassword={REDACTED} y https://u:{REDACTED}@q",
        ),
        ("'git+ssh://git:tok@host/repo'", f"'git+ssh://git:{REDACTED}@host/repo'"),
    ],
)
def test_url_credentials_in_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_plain_text_is_returned_unchanged_and_identical() -> None:
    for text in ("", "up", "--stack", "org/proj/dev", "a=b", "ghost_town", "AKIA-short"):
        assert redact_text(text) is text


def test_near_misses_are_kept() -> None:
    assert redact_text("pul-1234") == "pul-1234"
    assert redact_text("ghp_short") == "ghp_short"
    assert redact_text("eyJhbGciOi") == "eyJhbGciOi"
    assert redact_text("MYAKIAIOSFODNN7EXAMPLE") == "MYAKIAIOSFODNN7EXAMPLE"


def test_surrogate_escaped_text_passes_through() -> None:
    text = "caf\udce9 " + PULUMI_TOKEN + " \udcff"
    assert redact_text(text) == "caf\udce9 " + REDACTED + " \udcff"
    assert redact_text("\udcff://\udcfe:\udcfd@h") == f"\udcff://\udcfe:{REDACTED}@h"


def test_redact_text_does_not_import_re_for_ordinary_text() -> None:
    code = (
        "import sys\n"
        "from pulumi_audited.pulumi.redact import redact_text\n"
        "redact_text('up --stack dev s3://bucket --config-file x.yaml')\n"
        "assert 're' not in sys.modules, 're imported'\n"
        "redact_text('ghp_' + 'a' * 36)\n"
        "assert 're' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("dbPassword", True),
        ("aws:secretKey", True),
        ("github-token", True),
        ("API_KEY", True),
        ("region", False),
        ("aws:region", False),
        ("stack", False),
    ],
)
def test_name_looks_secret(name: str, secret: bool) -> None:
    assert name_looks_secret(name) is secret


def test_strip_url_credentials_keeps_its_contract() -> None:
    assert (
        strip_url_credentials("postgres://app:hunter2@db/state?sslpassword=x")
        == f"postgres://app:{REDACTED}@db/state?sslpassword={REDACTED}"
    )
    assert (
        strip_url_credentials("https://ghp_abc@github.com/x") == f"https://{REDACTED}@github.com/x"
    )
    assert strip_url_credentials("not a url") == "not a url"


def test_redact_assignment_and_value() -> None:
    assert redact_assignment("dbPassword=x") == f"dbPassword={REDACTED}"
    assert redact_assignment("region=us-east-1") == "region=us-east-1"
    assert redact_assignment("plain") == "plain"
    assert redact_value("https://u:p@h/x") == f"https://u:{REDACTED}@h/x"
    assert (
        redact_value("url=https://u:p@h/x?token=t")
        == f"url=https://u:{REDACTED}@h/x?token={REDACTED}"
    )


def test_signature_query_parameters_are_redacted_but_lookalike_names_are_not():
    from pulumi_audited.pulumi.redact import name_looks_secret, strip_url_credentials

    url = "azblob://state?sig=abc123&sv=2024&X-Amz-Signature=ff00"
    assert strip_url_credentials(url) == (
        "azblob://state?sig=[redacted]&sv=2024&X-Amz-Signature=[redacted]"
    )
    assert not name_looks_secret("design:theme")
    assert not name_looks_secret("region:sassafras")
