"""Remote log locations (`s3://bucket/prefix?region=...`, `azblob://container/prefix?...`):
the one table of what each scheme accepts, and the one check of a location against it.

The configuration checks the log location when it is read, so that a location that cannot be
used stops the shim before pulumi runs instead of filling a spool that never ships; the
stores parse it with the same function. The shim may check a location on every run, so this
module imports nothing (no urllib, no re).

Messages never repeat a parameter's value, nor the query string: a value may be a secret
pasted by mistake.
"""

from pulumi_audited.store.schemes import SCHEMES, kinds_of_location

# What a bucket's or container's name may hold, by the rules store.schemes.SCHEMES names.
_CONTAINER_CHARS = {
    "s3": frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"),
    "azure": frozenset("abcdefghijklmnopqrstuvwxyz0123456789-"),
}
_CONTAINER_RULES = {
    "s3": "letters, digits, '.', '-' and '_'",
    "azure": "lower-case letters, digits and '-'",
}
_AZURE_SPECIAL_CONTAINERS = ("$root", "$web", "$logs")
_LOWER_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_LOWER_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz_")
_REGION_CHARS = _LOWER_ALNUM | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ-_")
_PROFILE_CHARS = _REGION_CHARS | frozenset(".@+=,/:")
_NAME_CHARS = _REGION_CHARS | frozenset(".")
_HEX = frozenset("0123456789abcdefABCDEF")

# Query parameters that carry credentials: the parts of an Azure SAS token, AWS presigned-URL
# fields, and any name that says key, secret, token, password, signature or credential.
_SAS_FIELDS = frozenset(
    {
        *("sv", "ss", "srt", "sp", "se", "st", "spr", "sr", "si", "sig", "skoid", "sktid"),
        *("skt", "ske", "sks", "skv", "saoid", "suoid", "scid", "sdd", "ses"),
    }
)
_SECRET_NAME_PARTS = (
    "key",
    "secret",
    "token",
    "passw",
    "pwd",
    "signature",
    "credential",
    "auth",
    "sas",
)


class LocationError(ValueError):
    """A log location that cannot be used; the message is safe to show."""


class Parsed:
    __slots__ = ("container", "parameters", "prefix", "scheme")

    def __init__(self, scheme: str, container: str, prefix: str, parameters: dict[str, str]):
        self.scheme = scheme
        self.container = container  # bucket or container
        self.prefix = prefix  # without slashes at either end; may be empty
        self.parameters = parameters


def scheme_of(location: str) -> str | None:
    """The scheme of a URL-shaped location (`s3`, `file`, `ftp`...), None for a plain path."""
    scheme, separator, _ = location.partition("://")
    if not separator or not scheme or "/" in scheme:
        return None
    return scheme


def check_local_scheme(location: str) -> None:
    """Refuse a URL whose scheme is neither file:// nor a remote store's."""
    scheme = scheme_of(location)
    if scheme is None or scheme == "file" or scheme in SCHEMES:
        return
    hint = ""
    if scheme.lower() in (*SCHEMES, "file"):
        hint = f" (schemes are lower-case: {scheme.lower()}://)"
    raise LocationError(
        f"unsupported log location scheme {_shown_scheme(scheme)}://{hint}: the log is "
        + kinds_of_location()
    )


def parse_remote(location: str) -> Parsed:
    """The parts of a remote location, checked against its row of store.schemes.SCHEMES;
    LocationError otherwise."""
    scheme = scheme_of(location)
    if scheme is None or scheme not in SCHEMES:
        raise LocationError(f"not a remote location ({', '.join(SCHEMES)})")
    rest = location[len(scheme) + 3 :]
    authority_and_path, _, query = rest.partition("?")
    container, _, path = authority_and_path.partition("/")
    shown = f"{scheme}://{authority_and_path}"  # never the query: it may hold a token
    word = SCHEMES[scheme].container
    if "@" in container:
        raise LocationError(
            f"log location {scheme}://...: credentials do not belong in the URL; "
            "use the environment variables or profiles the cloud SDK reads"
        )
    if not _printable(location):
        raise LocationError(f"log location {scheme}://...: contains a control character")
    if "#" in location:
        raise LocationError(f"log location {shown.split('#')[0]}: '#' cannot be used in a location")
    if not container:
        raise LocationError(f"log location {shown} names no {word}: {scheme}://{word.upper()}/...")
    _check_container(scheme, container, shown)
    parameters = _parse_query(scheme, query, shown)
    return Parsed(scheme, container, path.strip("/"), parameters)


def _check_container(scheme: str, container: str, shown: str) -> None:
    word = SCHEMES[scheme].container
    rules = SCHEMES[scheme].container_chars
    if rules == "azure" and container in _AZURE_SPECIAL_CONTAINERS:
        return
    if ":" in container:
        raise LocationError(
            f"log location {shown}: {container!r} is not a {word} name; a server's address "
            "goes in ?endpoint=http://HOST:PORT"
        )
    bad = set(container) - _CONTAINER_CHARS[rules]
    if bad or container[0] in "-._" or container[-1] in "-._":
        allowed = _CONTAINER_RULES[rules]
        raise LocationError(
            f"log location {shown}: {container!r} is not a {word} name ({allowed}, "
            "starting and ending with a letter or digit)"
        )


def _parse_query(scheme: str, query: str, shown: str) -> dict[str, str]:
    known = SCHEMES[scheme].parameters
    parameters: dict[str, str] = {}
    for piece in query.split("&"):
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition("=")
        name = _unquote(raw_name)
        if name not in known:
            if _looks_like_credentials(name):
                raise LocationError(
                    f"log location {shown}: credentials do not belong in the URL (parameter "
                    f"{_shown_name(name)}); use the environment variables or profiles the "
                    "cloud SDK reads"
                )
            raise LocationError(
                f"log location {shown}: unknown parameter {_shown_name(name)}"
                f"{_suggestion(name, known)}(known: {', '.join(sorted(known))})"
            )
        if name in parameters:
            raise LocationError(f"log location {shown}: parameter {name!r} is given twice")
        value = _unquote(raw_value)
        looks_like, check = known[name]
        if not _valid_value(check, value):
            raise LocationError(f"log location {shown}: {name} must be {looks_like}")
        parameters[name] = value
    if "storage_account" in parameters and "account" in parameters:
        raise LocationError(
            f"log location {shown}: give storage_account or its alias account, not both"
        )
    return parameters


def _valid_value(check: str, value: str) -> bool:
    """Whether `value` passes the check a row of store.schemes.SCHEMES names for its parameter."""
    return bool(value) and _printable(value) and CHECKS[check](value)


def _valid_region(value: str) -> bool:
    return len(value) <= 64 and not set(value) - _REGION_CHARS


def _valid_profile(value: str) -> bool:
    return len(value) <= 128 and not set(value) - _PROFILE_CHARS


def _valid_account(value: str) -> bool:
    return 3 <= len(value) <= 24 and not set(value) - _LOWER_ALNUM


def _valid_endpoint(value: str, *, bare_host_allowed: bool) -> bool:
    """An http(s) URL with a host and no user:password@ (the S3 client also takes a bare
    host, as https)."""
    scheme, separator, rest = value.partition("://")
    if not separator:
        if not bare_host_allowed:
            return False
        rest = value
    elif scheme not in ("http", "https"):
        return False
    if "?" in rest or "#" in rest or " " in rest:
        return False  # a query could carry a SAS token; parameters go in the location
    authority = rest.split("/", 1)[0]
    if not authority or "@" in authority:
        return False
    host = authority.rsplit(":", 1)[0] if not authority.endswith("]") else authority
    port = authority[len(host) + 1 :] if len(host) < len(authority) else ""
    return bool(host.strip("[]")) and (not port or (port.isdigit() and int(port) < 65536))


# The checks a parameter of store.schemes.SCHEMES may name.
CHECKS = {
    "region": _valid_region,
    "profile": _valid_profile,
    "account": _valid_account,
    "url": lambda value: _valid_endpoint(value, bare_host_allowed=False),
    "url_or_host": lambda value: _valid_endpoint(value, bare_host_allowed=True),
}


def _looks_like_credentials(name: str) -> bool:
    lowered = name.lower().replace("-", "_")
    if lowered in _SAS_FIELDS or lowered.startswith("x_amz_"):
        return True
    return any(part in lowered for part in _SECRET_NAME_PARTS)


def _suggestion(name: str, known: dict[str, tuple[str, str]]) -> str:
    import difflib

    close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
    return f": did you mean {close[0]}? " if close else " "


def _shown_name(name: str) -> str:
    """A parameter's name in quotes, unless it does not look like one (a token pasted as a
    name is not repeated)."""
    if 0 < len(name) <= 32 and not set(name) - _NAME_CHARS:
        from pulumi_audited.pulumi.redact import redact_text

        if redact_text(name) == name:
            return repr(name)
    return "(name not shown)"


def public_location(location: str) -> str:
    """A remote location as it may be shown and stored (the spool's `location` file, what
    sync, doctor and the shim's warning print): the parameters of store.schemes.SCHEMES with their
    values, an endpoint without user, password, query or fragment, any other parameter
    without its value (`name=***`, or `***` when the name does not look like one). Ships
    exactly as `location` does wherever `location` can be used; spools written by older
    versions may hold locations that today's check refuses, secrets included."""
    scheme = scheme_of(location)
    if scheme is None:
        return location
    rest = location[len(scheme) + 3 :].split("#", 1)[0]
    authority_and_path, _, query = rest.partition("?")
    container, _, path = authority_and_path.partition("/")
    url = f"{scheme}://{container.rsplit('@', 1)[-1]}"
    if path.strip("/"):
        url += f"/{path.strip('/')}"
    known = SCHEMES[scheme].parameters if scheme in SCHEMES else {}
    shown = []
    for piece in query.split("&"):
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition("=")
        name = _unquote(raw_name)
        if name in known:
            value = _unquote(raw_value)
            if name == "endpoint":
                value = _public_endpoint(value)
            shown.append(f"{_quote(name)}={_quote(value)}")
        elif _word_like(name) and not _looks_like_credentials(name):
            shown.append(f"{name}=***")
        else:
            shown.append("***")
    return url + ("?" + "&".join(shown) if shown else "")


def _word_like(name: str) -> bool:
    """A name kept in a stored location: letters and '_' only, as every parameter's name and
    its typos ("regoin") are; a token pasted where a name goes has digits or is long."""
    return 0 < len(name) <= 24 and not set(name.lower()) - _LOWER_LETTERS


def _public_endpoint(endpoint: str) -> str:
    """`scheme://host:port/path` of an endpoint URL: no user, password, query or fragment."""
    scheme, separator, rest = endpoint.rpartition("://")
    rest = rest.split("#", 1)[0].split("?", 1)[0]
    host, slash, path = rest.partition("/")
    return f"{scheme}{separator}{host.rsplit('@', 1)[-1]}{slash}{path}"


def _quote(text: str) -> str:
    """Enough percent-encoding that _unquote gives `text` back from a query string."""
    for char, code in (("%", "%25"), ("&", "%26"), ("#", "%23"), ("+", "%2B"), (" ", "%20")):
        text = text.replace(char, code)
    return text


def _shown_scheme(scheme: str) -> str:
    return scheme if len(scheme) <= 16 and not set(scheme) - _NAME_CHARS else "?"


def _printable(text: str) -> bool:
    return all(char >= " " and char != "\x7f" and not "\x80" <= char <= "\x9f" for char in text)


def _unquote(text: str) -> str:
    """Percent-decoding as in a form's query string ('+' is a space), UTF-8, bad bytes
    replaced; what urllib.parse.parse_qsl does, without importing it."""
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    pieces = text.split("%")
    data = bytearray(pieces[0].encode())
    for piece in pieces[1:]:
        if len(piece) >= 2 and piece[0] in _HEX and piece[1] in _HEX:
            data.append(int(piece[:2], 16))
            data += piece[2:].encode()
        else:
            data += b"%" + piece.encode()
    return data.decode("utf-8", "replace")
