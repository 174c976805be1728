"""Redaction: secrets are removed before any record, spool line or message is built."""

# Type checkers read the import below; at run time `re` loads only when a token may be present.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

REDACTED = "[redacted]"

# Substrings of a name (config key, query parameter, flag) that mark its value as secret.
SECRET_NAME_PARTS = (
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
    "auth",
    "cert",
    "private",
    "apikey",
    "api_key",
    "connectionstring",
    "connection_string",
)


def name_looks_secret(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in SECRET_NAME_PARTS)


def strip_url_credentials(url: str) -> str:
    """`url` without the password of its user info and with secret query values redacted.

    `postgres://app:hunter2@db/state?sslpassword=x` becomes
    `postgres://app:[redacted]@db/state?sslpassword=[redacted]`.
    """
    scheme_end = url.find("://")
    if scheme_end < 0:
        return url
    rest_start = scheme_end + 3
    authority_end = len(url)
    for separator in "/?#":
        position = url.find(separator, rest_start)
        if 0 <= position < authority_end:
            authority_end = position
    authority = url[rest_start:authority_end]
    if "@" in authority:
        userinfo, host = authority.rsplit("@", 1)
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":" + REDACTED
        elif userinfo and name_looks_secret_value(userinfo):
            userinfo = REDACTED
        authority = userinfo + "@" + host
    tail = url[authority_end:]
    query_start = tail.find("?")
    if query_start >= 0:
        fragment_start = tail.find("#", query_start)
        if fragment_start < 0:
            fragment_start = len(tail)
        query = tail[query_start + 1 : fragment_start]
        tail = tail[: query_start + 1] + _redact_query(query) + tail[fragment_start:]
    return url[:rest_start] + authority + tail


def name_looks_secret_value(userinfo: str) -> bool:
    """A user-info part without a colon that is itself a token (`https://ghp_...@github.com`)."""
    return userinfo.startswith(("ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "pul-", "glpat-"))


# Query parameters that carry a signature: Azure SAS (`sig`), pre-signed S3 URLs.
_SECRET_QUERY_NAMES = frozenset({"sig", "sas", "signature", "x-amz-signature", "x-amz-credential"})


def _redact_query(query: str) -> str:
    pairs = []
    for pair in query.split("&"):
        name, equals, _value = pair.partition("=")
        if equals and (name_looks_secret(name) or name.lower() in _SECRET_QUERY_NAMES):
            pair = name + "=" + REDACTED
        pairs.append(pair)
    return "&".join(pairs)


def redact_assignment(value: str) -> str:
    """`NAME=value` with the value redacted when NAME looks secret (`dbPassword=x`)."""
    name, equals, _rest = value.partition("=")
    if equals and name_looks_secret(name):
        return name + "=" + REDACTED
    return value


def redact_value(value: str) -> str:
    """A free-form argument or flag value: URL credentials and secret assignments removed."""
    if "://" in value:
        value = strip_url_credentials(value)
    return redact_assignment(value)


# Substrings that every token shape redact_text knows starts with: a cheap test that keeps `re`
# out of the process for ordinary arguments.
_TOKEN_MARKERS = (
    "pul-",
    "AKIA",
    "ASIA",
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "-----BEGIN",
    "eyJ",
    "xox",
)
_TOKEN_PATTERN = (
    # A PEM private key, also one cut off before its END line.
    r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|\Z)"
    r"|pul-[0-9a-f]{40}"
    r"|(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}"
    r"|gh[pousr]_[A-Za-z0-9]{36,}"
    r"|github_pat_[A-Za-z0-9_]{22,}"
    r"|glpat-[A-Za-z0-9_\-]{20,}"
    r"|eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"
    r"|xox[bpars]-[A-Za-z0-9\-]{10,}"
)
_token_regex: "re.Pattern[str] | None" = None

# Characters that end a URL inside free text.
_URL_END = frozenset(" \t\r\n\"'<>`")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")


def redact_text(text: str) -> str:
    """`text` with known token shapes and URL credentials replaced by REDACTED, the rest intact.

    Catches Pulumi access tokens, AWS access key ids, GitHub and GitLab tokens, PEM private keys
    (also truncated ones), JWTs, Slack tokens, and the password (and secret-named query values) of
    any `scheme://user:password@host` URL.
    """
    if "://" in text:
        text = _redact_urls(text)
    for marker in _TOKEN_MARKERS:
        if marker in text:
            return _compiled_tokens().sub(REDACTED, text)
    return text


def _compiled_tokens() -> "re.Pattern[str]":
    global _token_regex
    if _token_regex is None:
        import re

        _token_regex = re.compile(_TOKEN_PATTERN, re.DOTALL)
    return _token_regex


def _redact_urls(text: str) -> str:
    pieces: list[str] = []
    done = 0
    search_from = 0
    while True:
        separator = text.find("://", search_from)
        if separator < 0:
            break
        start = separator
        while start > done and text[start - 1] in _SCHEME_CHARS:
            start -= 1
        end = separator + 3
        while end < len(text) and text[end] not in _URL_END:
            end += 1
        url = text[start:end]
        pieces.append(text[done:start])
        pieces.append(strip_url_credentials(url))
        done = end
        search_from = end
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)
