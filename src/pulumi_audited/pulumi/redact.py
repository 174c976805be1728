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
    "passw",
    "passphrase",
    "passcode",
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
    "mnemonic",
)

# Whole words of a name (split at camelCase, digits and `:_-./`) that mark it as secret. Too
# short or too common to match as substrings: `pass` is in "compass" and "passthrough", `pin`
# in "spinner", `pat` in "path", `sig` in "design". As words they name secrets: `dbPass`,
# `db:pw`, `simPin`, `GH_PAT`, `sas`, `sig`; the few false hits (`passThrough`) only cost an
# auditor a value, which is the side to err on.
SECRET_NAME_WORDS = frozenset(
    {
        "pass",
        "pw",
        "pin",
        "pat",
        "psk",
        "otp",
        "sig",
        "sas",
        "dsn",
        "cred",
        "creds",
        "jwt",
        "bearer",
        "cookie",
        "salt",
        "hmac",
    }
)
# Words glued without a boundary (`dbpass`, `rootpw`) end in these; the exceptions are
# ordinary English words.
_SECRET_WORD_ENDINGS = ("pass", "pw")
_NOT_SECRET_WORDS = frozenset(
    {"bypass", "compass", "surpass", "overpass", "underpass", "trespass", "encompass"}
)
_NAME_SEPARATORS = frozenset(":_-./ ")


def name_looks_secret(name: str) -> bool:
    lowered = name.lower()
    if any(part in lowered for part in SECRET_NAME_PARTS):
        return True
    for word in name_words(name):
        if word in SECRET_NAME_WORDS:
            return True
        if word.endswith(_SECRET_WORD_ENDINGS) and word not in _NOT_SECRET_WORDS:
            return True
    return False


def name_words(name: str) -> list[str]:
    """`name` split into lower-case words: `myapp:dbPassword` gives myapp, db, password;
    `AWSSecretKey` gives aws, secret, key; `oauth2Token` gives oauth, 2, token."""
    words: list[str] = []
    start = 0
    length = len(name)
    for index in range(length + 1):
        if index == length or name[index] in _NAME_SEPARATORS:
            if index > start:
                words.append(name[start:index].lower())
            start = index + 1
            continue
        if index == start:
            continue
        char = name[index]
        previous = name[index - 1]
        following = name[index + 1] if index + 1 < length else ""
        boundary = (
            (char.isupper() and (previous.islower() or previous.isdigit()))
            or (char.isupper() and previous.isupper() and following.islower())
            or (char.isdigit() != previous.isdigit())
        )
        if boundary:
            words.append(name[start:index].lower())
            start = index
    return words


def strip_url_credentials(url: str) -> str:
    """`url` without the password of its user info and with secret query values redacted.

    `postgres://app:hunter2@db/state?sslpassword=x` becomes
    `postgres://app:[redacted]@db/state?sslpassword=[redacted]`. A password holding unencoded
    `/`, `?`, `#`, `@` or `:` is redacted whole: the user info ends at the last `@`.
    """
    scheme_end = url.find("://")
    if scheme_end < 0:
        return url
    rest_start = scheme_end + 3
    at = _userinfo_end(url, rest_start)
    if at >= 0:
        userinfo = url[rest_start:at]
        user, colon, _password = userinfo.partition(":")
        if name_looks_secret_value(user):
            user = REDACTED
        userinfo = user + ":" + REDACTED if colon else user
        host_start = at + 1
    else:
        userinfo = ""
        host_start = rest_start
    authority_end = _first_of(url, "/?#", host_start)
    tail = url[authority_end:]
    query_start = tail.find("?")
    if query_start >= 0:
        fragment_start = tail.find("#", query_start)
        if fragment_start < 0:
            fragment_start = len(tail)
        query = tail[query_start + 1 : fragment_start]
        tail = tail[: query_start + 1] + _redact_query(query) + tail[fragment_start:]
    prefix = url[:rest_start] + (userinfo + "@" if at >= 0 else "")
    return prefix + url[host_start:authority_end] + tail


def _first_of(text: str, characters: str, start: int) -> int:
    found = len(text)
    for character in characters:
        position = text.find(character, start, found)
        if position >= 0:
            found = position
    return found


def _userinfo_end(url: str, start: int) -> int:
    """Index of the `@` that ends the user info of the URL whose authority begins at `start`,
    or -1 when it has none.

    By the RFC the authority ends at the first `/`, `?` or `#`; but passwords are pasted
    unencoded (`postgres://app:pa/ss#w?rd@db/x`, `https://u:p@ss@host`), so after `user:` the
    user info runs to the last `@`. The one exception is `host:PORT` followed by a path that
    holds an `@` (`https://host:8443/@me`), which is kept as it is: a password made of digits
    followed by `/` is the price.
    """
    first = _first_of(url, ":@/?#[", start)
    if first == len(url):
        return -1
    kind = url[first]
    if kind == "@":
        return first
    if kind != ":":
        if kind == "[":
            # An IPv6 literal: only an `@` before it can end user info.
            return -1
        return url.rfind("@", start, first)
    last_at = url.rfind("@", first)
    if last_at < 0:
        return -1
    port_end = first + 1
    while port_end < len(url) and url[port_end] in "0123456789":
        port_end += 1
    if port_end > first + 1 and (port_end == len(url) or url[port_end] in "/?#"):
        return -1
    return last_at


def name_looks_secret_value(userinfo: str) -> bool:
    """A user-info part without a colon that is itself a token (`https://ghp_...@github.com`)."""
    if userinfo.startswith(_TOKEN_USER_PREFIXES):
        return True
    return len(userinfo) >= 16 and redact_text(userinfo) != userinfo


_TOKEN_USER_PREFIXES = ("ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "pul-", "glpat-")

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


# Substrings that every token shape redact_text knows contains: a cheap test that keeps `re`
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
    "gldt-",
    "glptt-",
    "glrt-",
    "glcbt-",
    "glft-",
    "glsoat-",
    "glrtr-",
    "GR1348941",
    "-----BEGIN",
    "PuTTY-User-Key-File-",
    "eyJ",
    "xox",
    "hooks.slack.com/",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "whsec_",
    "npm_",
    "pypi-Ag",
    "AIza",
    "GOCSPX-",
    "ya29.",
    "==",
    "ccountKey=",
    "haredAccessKey=",
    "haredAccessSignature=",
    "sig=",
    "SK",
    "SG.",
    "HRKU-",
    "_v1_",
    "sk-",
    "hf_",
    "nfp_",
    "nfc_",
    "nfo_",
    "nfu_",
    "nfb_",
    "dckr_pat_",
    "dapi",
    "shpat_",
    "shpss_",
    "shpca_",
    "shppa_",
    "hvs.",
    "hvb.",
    "hvr.",
    ".atlasv1.",
    "dp.",
    "glc_",
    "glsa_",
    "lin_api_",
    "NRAK-",
    "earer ",
    "EARER ",
    "uthorization:",
    "UTHORIZATION:",
)
# Each alternative is specific enough not to eat ordinary words: a fixed prefix and a long
# run of token characters, or a fixed context (`AccountKey=`, `Authorization:`).
_TOKEN_PATTERN = "|".join(
    (
        # PEM, OpenSSH and PGP private keys, also ones cut off before their END line.
        r"-----BEGIN[A-Z0-9 ]*(?:PRIVATE|SECRET) KEY(?: BLOCK)?-*.*?"
        r"(?:-----END[A-Z0-9 ]*(?:PRIVATE|SECRET) KEY(?: BLOCK)?-----|\Z)",
        r"PuTTY-User-Key-File-\d+:.*?(?:Private-MAC: *[0-9a-fA-F]+|\Z)",
        r"pul-[0-9a-f]{40}",
        r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}",
        r"gh[pousr]_[A-Za-z0-9]{36,}",
        r"github_pat_[A-Za-z0-9_]{22,}",
        r"gl(?:pat|dt|ptt|rt|rtr|cbt|ft|soat)-[A-Za-z0-9_\-]{20,}",
        r"GR1348941[A-Za-z0-9_\-]{20,}",
        r"eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*",
        r"xox[abeoprs]-[A-Za-z0-9\-]{10,}",
        r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/\-]+",
        r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}",
        r"whsec_[0-9A-Za-z+/=]{20,}",
        r"npm_[A-Za-z0-9]{36}",
        r"pypi-Ag[A-Za-z0-9_\-]{50,}",
        r"AIza[0-9A-Za-z_\-]{35}",
        r"GOCSPX-[0-9A-Za-z_\-]{20,}",
        r"ya29\.[0-9A-Za-z_\-]{20,}",
        # An Azure storage account key: 64 bytes in base64.
        r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])",
        r"(?<=AccountKey=)[^;\s\"']+",
        r"(?<=SharedAccessKey=)[^;\s\"']+",
        r"(?<=SharedAccessSignature=)[^;\s\"']+",
        r"(?<![A-Za-z0-9_\-])sig=[A-Za-z0-9%+/=\-_]{10,}",
        r"(?<![A-Za-z0-9])SK[0-9a-fA-F]{32}(?![A-Za-z0-9])",
        r"SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}",
        r"HRKU-[A-Za-z0-9_\-]{30,}",
        r"do[opr]_v1_[a-f0-9]{64}",
        r"(?<![A-Za-z0-9_\-])sk-ant-[A-Za-z0-9_\-]{20,}",
        r"(?<![A-Za-z0-9_\-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{32,}",
        r"hf_[A-Za-z0-9]{30,}",
        r"nf[pcoub]_[0-9A-Za-z]{36}",
        r"dckr_pat_[A-Za-z0-9_\-]{20,}",
        r"(?<![A-Za-z0-9])dapi[a-f0-9]{32}",
        r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}",
        r"hv[sbr]\.[A-Za-z0-9_\-]{24,}",
        r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-]{60,}",
        r"dp\.(?:st|pt|sa|ct|scim|audit)\.(?:[a-z0-9_\-]+\.)?[A-Za-z0-9]{40,}",
        r"gl(?:c|sa)_[A-Za-z0-9_\-+/=]{30,}",
        r"lin_api_[A-Za-z0-9]{40}",
        r"NRAK-[A-Z0-9]{27}",
        r"(?i:(?<=bearer )\s*[A-Za-z0-9._~+/\-]{8,}=*)",
        r"(?i:(?:(?<=authorization:)|(?<=authorization: ))(?!\[redacted\])[^\s\"'][^\r\n\"']*)",
    )
)
_token_regex: "re.Pattern[str] | None" = None

# Characters that end a URL inside free text.
_URL_END = frozenset(" \t\r\n\"'<>`")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")


def redact_text(text: str) -> str:
    """`text` with known token shapes and URL credentials replaced by REDACTED, the rest intact.

    Catches private keys (PEM, OpenSSH, PGP, PuTTY; also truncated ones), JWTs, the header of
    an `Authorization:` and a `Bearer` token, the tokens of Pulumi, AWS, GitHub, GitLab,
    Slack, Stripe, npm, PyPI, Google, Azure storage (keys, SAS signatures, connection
    strings), Twilio, SendGrid, Heroku, DigitalOcean, Anthropic, OpenAI, Hugging Face,
    Netlify, Docker Hub, Databricks, Shopify, Vault, Terraform Cloud, Doppler, Grafana,
    Linear and New Relic, and the password (and secret-named query values) of any
    `scheme://user:password@host` URL.
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
