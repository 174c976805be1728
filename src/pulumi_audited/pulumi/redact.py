"""Redaction: secrets are removed before any record, spool line or message is built."""

from __future__ import annotations

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
    "sig",
    "sas",
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


def _redact_query(query: str) -> str:
    pairs = []
    for pair in query.split("&"):
        name, equals, _value = pair.partition("=")
        if equals and name_looks_secret(name):
            pair = name + "=" + REDACTED
        pairs.append(pair)
    return "&".join(pairs)
