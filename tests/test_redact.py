from __future__ import annotations

import subprocess
import sys

import pytest

from pulumi_audited.pulumi.redact import (
    REDACTED,
    name_looks_secret,
    name_words,
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


@pytest.mark.parametrize(
    "name",
    [
        "dbPass",
        "db:pw",
        "apiKey",
        "myapp:dbPassword",
        "AWS_SECRET",
        "clientSecret",
        "pgPass",
        "sshKey",
        "pgpass",
        "rootpw",
        "db.pwd",
        "simPin",
        "GH_PAT",
        "azure:sas",
        "webhookSig",
        "sentry:dsn",
        "wifi-psk",
        "mfa_otp",
        "jwtSigningSalt",
        "app:passcode",
        "walletMnemonic",
        "x.pass",
        "AWSSecretKey",
        "oauth2Token",
    ],
)
def test_camel_case_and_namespaced_names_look_secret(name: str) -> None:
    assert name_looks_secret(name)


@pytest.mark.parametrize(
    "name",
    ["region", "aws:region", "stack", "path", "spinner", "compass", "bypass", "design", "sassy"],
)
def test_ordinary_names_do_not_look_secret(name: str) -> None:
    assert not name_looks_secret(name)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("myapp:dbPassword", ["myapp", "db", "password"]),
        ("AWSSecretKey", ["aws", "secret", "key"]),
        ("oauth2Token", ["oauth", "2", "token"]),
        ("a--b..c", ["a", "b", "c"]),
        ("", []),
    ],
)
def test_name_words(name: str, words: list[str]) -> None:
    assert name_words(name) == words


@pytest.mark.parametrize(
    ("url", "password", "expected"),
    [
        (
            "postgres://app:pa/ss#w?rd@db.example/state",
            "pa/ss#w?rd",
            f"postgres://app:{REDACTED}@db.example/state",
        ),
        ("https://u:p@ss@host/x", "p@ss", f"https://u:{REDACTED}@host/x"),
        ("https://u:p:a:ss@host", "p:a:ss", f"https://u:{REDACTED}@host"),
        ("https://u:1234@host/x", "1234", f"https://u:{REDACTED}@host/x"),
        (
            "postgres://u:s3cr?t@h/db?password=z",
            "s3cr?t",
            f"postgres://u:{REDACTED}@h/db?password={REDACTED}",
        ),
        ("mysql://root:#hash#@h:3306/db", "#hash#", f"mysql://root:{REDACTED}@h:3306/db"),
    ],
)
def test_unencoded_special_characters_in_the_password(
    url: str, password: str, expected: str
) -> None:
    assert strip_url_credentials(url) == expected
    assert redact_text(f"run {url} now") == f"run {expected} now"
    assert password not in redact_value(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://host:8443/path?q=1#frag",
        "s3://bucket/key",
        "https://host:8443/@me",
        "https://registry.npmjs.org/@scope/pkg",
        "http://[::1]:8080/x@y",
        "https://user@host/x",
        "gs://bucket/a:b",
        "file:///home/a/state",
    ],
)
def test_ordinary_urls_are_unchanged(url: str) -> None:
    assert strip_url_credentials(url) == url
    assert redact_text(f"a {url} b") == f"a {url} b"


@pytest.mark.parametrize(
    ("begin", "end"),
    [
        ("-----BEGIN PGP PRIVATE KEY BLOCK-----", "-----END PGP PRIVATE KEY BLOCK-----"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "-----END OPENSSH PRIVATE KEY-----"),
        ("-----BEGIN PGP SECRET KEY BLOCK-----", "-----END PGP SECRET KEY BLOCK-----"),
    ],
)
def test_pgp_and_openssh_private_keys_whole_and_cut_off(begin: str, end: str) -> None:
    body = "\nVersion: x\n\nlQdGBF1secretbody\n=abcd\n"
    assert redact_text(f"k={begin}{body}{end} tail") == f"k={REDACTED} tail"
    assert redact_text(f"k={begin}{body}") == f"k={REDACTED}"
    assert redact_text(f"k={begin[:-5]}{body}") == f"k={REDACTED}"


def test_pgp_public_key_is_kept() -> None:
    text = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc\n-----END PGP PUBLIC KEY BLOCK-----"
    assert redact_text(text) == text


# Made-up tokens in each service's published shape, assembled so secret scanners skip them.
_ALNUM = "aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xYz" * 4
_HEX = "0123456789abcdef" * 5


@pytest.mark.parametrize(
    "token",
    [
        "xoxb-" + "1" * 11 + "-" + "2" * 11 + "-" + _ALNUM[:24],
        "xoxe.xoxp-1-" + _ALNUM[:40],
        "https://hooks.slack.com/services/T00000000/B00000000/" + _ALNUM[:24],
        "sk_live_" + _ALNUM[:24],
        "sk_test_" + _ALNUM[:24],
        "rk_live_" + _ALNUM[:24],
        "whsec_" + _ALNUM[:32],
        "npm_" + _ALNUM[:36],
        "pypi-AgEIcHlwaS5vcmc" + _ALNUM[:60],
        "glpat-" + _ALNUM[:20],
        "glrt-" + _ALNUM[:20],
        "GR1348941" + _ALNUM[:20],
        "AIza" + _ALNUM[:35],
        "GOCSPX-" + _ALNUM[:28],
        "ya29." + _ALNUM[:60],
        _ALNUM[:80] + "abcdef==",
        "SK" + _HEX[:32],
        "SG." + _ALNUM[:22] + "." + _ALNUM[:43],
        "HRKU-" + _ALNUM[:60],
        "dop_v1_" + _HEX[:64],
        "sk-ant-api03-" + _ALNUM[:90],
        "sk-proj-" + _ALNUM[:48],
        "sk-" + _ALNUM[:48],
        "hf_" + _ALNUM[:34],
        "nfp_" + _ALNUM[:36],
        "dckr_pat_" + _ALNUM[:27],
        "dapi" + _HEX[:32],
        "shpat_" + _HEX[:32],
        "hvs." + _ALNUM[:90],
        _ALNUM[:14] + ".atlasv1." + _ALNUM[:67],
        "dp.st.dev." + _ALNUM[:43],
        "glc_" + _ALNUM[:40],
        "lin_api_" + _ALNUM[:40],
        "NRAK-" + "A1B2C3D4E5F6G7H8I9J0K1L2M3N",
    ],
)
def test_service_token_shapes(token: str) -> None:
    redacted = redact_text(f"before {token} after")
    assert redacted.startswith("before ") and redacted.endswith(" after")
    assert token not in redacted
    assert REDACTED in redacted


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc123/+=;", "abc123/+="),
        ("Endpoint=sb://x/;SharedAccessKeyName=n;SharedAccessKey=k3y0000=", "k3y0000="),
        ("sv=2022-11-02&ss=b&sp=rl&se=2030-01-01&sig=AbCdEf0123%2B%3D", "AbCdEf0123%2B%3D"),
        ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
        ("authorization: token deadbeefcafe", "deadbeefcafe"),
        ("-H 'Authorization: Basic dXNlcjpwYXNz'", "dXNlcjpwYXNz"),
        ("bearer 0123456789abcdef", "0123456789abcdef"),
    ],
)
def test_secrets_in_their_context(text: str, secret: str) -> None:
    assert secret not in redact_text(text)


def test_an_already_redacted_header_is_left_alone() -> None:
    assert redact_text(f"Authorization: {REDACTED}") == f"Authorization: {REDACTED}"


@pytest.mark.parametrize(
    "text",
    [
        "sk-learn",
        "task-runner-for-the-nightly-build",
        "design=blue",
        "npm_config_cache",
        "SKU-1234",
        "AIzaShort",
        "dapiece",
        "ya29.x",
        "the basic setup",
        "hf_small",
        "a==b",
        "dp.st.short",
    ],
)
def test_lookalikes_of_service_tokens_are_kept(text: str) -> None:
    assert redact_text(text) == text


def test_ordinary_arguments_still_keep_re_out() -> None:
    code = (
        "import sys\n"
        "from pulumi_audited.pulumi.redact import name_looks_secret, redact_text,"
        " strip_url_credentials\n"
        "for arg in ('up', '--stack', 'org/proj/dev', 'aws:region', 'us-east-1', '--yes',"
        " 'deploying the new api', 'https://u:p/w@h/x', 'design:theme'):\n"
        "    redact_text(arg)\n"
        "    name_looks_secret(arg)\n"
        "    strip_url_credentials(arg)\n"
        "assert 're' not in sys.modules, 're imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
