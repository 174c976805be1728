"""A sink's URL, checked: which transport, where, in which format, and the names (never the
values) of the environment variables that hold its secrets.

    syslog+tcp://HOST[:PORT][?format=cef|json|ocsf]           RFC 5424, octet-counted (RFC 6587)
    syslog+tls://HOST[:PORT][?format=...&ca=/path/ca.pem]     the same over TLS (RFC 5425)
    syslog+udp://HOST[:PORT][?format=...]                     one datagram per record
    https://HOST[:PORT]/PATH[?format=json|ocsf&batch=N&secret_env=VAR&token_env=VAR&ca=...]

`secret_env` names the variable holding the HMAC-SHA256 key of the X-Signature-256 header;
`token_env` the variable holding a Splunk HEC token (`Authorization: Splunk TOKEN`, HEC's
event envelope). A secret written into the URL itself is refused: a sink's URL is shown in
messages, kept in its queue folder and may sit in a file a team shares.

Checked on the shim's hot path when PULUMI_AUDITED_FORWARD is set: plain string work only.
"""

TRANSPORTS = ("syslog+tcp", "syslog+tls", "syslog+udp", "https")
DEFAULT_PORTS = {"syslog+tcp": 514, "syslog+tls": 6514, "syslog+udp": 514, "https": 443}
FORMATS = {
    "syslog+tcp": ("cef", "json", "ocsf"),
    "syslog+tls": ("cef", "json", "ocsf"),
    "syslog+udp": ("cef", "json", "ocsf"),
    "https": ("json", "ocsf"),
}
DEFAULT_FORMAT = {"syslog+tcp": "cef", "syslog+tls": "cef", "syslog+udp": "cef", "https": "json"}
_PARAMETERS = {
    "syslog+tcp": ("format",),
    "syslog+tls": ("format", "ca"),
    "syslog+udp": ("format",),
    "https": ("format", "batch", "secret_env", "token_env", "ca"),
}
DEFAULT_BATCH = 100
MAX_BATCH = 1000
# Parameter names that say a secret is being written into the URL.
_SECRET_WORDS = ("secret", "token", "password", "passwd", "key", "auth", "sig")


class Sink:
    """A checked sink URL. `url` is the text as configured: it names the sink's queue."""

    __slots__ = (
        "batch",
        "ca",
        "format",
        "host",
        "path",
        "port",
        "secret_env",
        "token_env",
        "transport",
        "url",
    )

    def __init__(self, url: str) -> None:
        self.url = url
        self.transport = ""
        self.host = ""
        self.port = 0
        self.path = "/"
        self.format = ""
        self.batch = DEFAULT_BATCH
        self.ca: str | None = None
        self.secret_env: str | None = None
        self.token_env: str | None = None

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def tls_context(sink: Sink):
    """The TLS client context for `sink`: the system's CAs, or those of its `ca=` file."""
    import ssl

    from pulumi_audited.errors import StoreError

    try:
        return ssl.create_default_context(cafile=sink.ca)
    except (OSError, ssl.SSLError) as error:
        detail = getattr(error, "strerror", None) or getattr(error, "reason", None) or error
        raise StoreError(f"the CA file {sink.ca} cannot be used: {detail}") from None


def parse_sink(url: object) -> Sink:
    """The sink `url` names; ValueError saying what is wrong (never quoting a value that
    could be a secret) otherwise."""
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(
            "each forward entry must be a sink URL such as syslog+tls://siem.example.com:6514 "
            "or https://hooks.example.com/audit?secret_env=VAR"
        )
    scheme, _, rest = url.partition("://")
    if scheme not in TRANSPORTS:
        raise ValueError(
            f"forward: unknown sink scheme {scheme[:20]!r} (known: {', '.join(TRANSPORTS)})"
        )
    sink = Sink(url)
    sink.transport = scheme
    if "#" in rest:
        raise ValueError(f"forward: a {scheme}:// sink takes no #fragment")
    rest, _, query = rest.partition("?")
    authority, _, path = rest.partition("/")
    if "@" in authority:
        raise ValueError(
            f"forward: a {scheme}:// sink URL may not hold a user or password; name an "
            "environment variable with secret_env= or token_env= instead"
        )
    sink.host, sink.port = _host_and_port(authority, DEFAULT_PORTS[scheme], scheme)
    if scheme == "https":
        sink.path = "/" + path
    elif path.strip("/"):
        raise ValueError(f"forward: a {scheme}:// sink takes no path")
    sink.format = DEFAULT_FORMAT[scheme]
    _apply_parameters(sink, query)
    return sink


def _host_and_port(authority: str, default: int, scheme: str) -> tuple[str, int]:
    if authority.startswith("["):
        host, _, after = authority[1:].partition("]")
        port_text = after[1:] if after.startswith(":") else None
        if after and port_text is None:
            raise ValueError(f"forward: a {scheme}:// sink's address is malformed")
    else:
        host, colon, port_text_or_empty = authority.partition(":")
        port_text = port_text_or_empty if colon else None
    if not host or any(ch in host for ch in " \t\\%") or not host.isascii():
        raise ValueError(f"forward: a {scheme}:// sink needs a host name or address")
    if port_text is None:
        return host, default
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"forward: a {scheme}:// sink's port must be a number from 1 to 65535")
    return host, int(port_text)


def _apply_parameters(sink: Sink, query: str) -> None:
    allowed = _PARAMETERS[sink.transport]
    seen: set[str] = set()
    for piece in query.split("&"):
        if not piece:
            continue
        name, equals, value = piece.partition("=")
        if name not in allowed:
            if any(word in name.lower() for word in _SECRET_WORDS):
                raise ValueError(
                    f"forward: {name[:30]!r} is refused: a secret never goes into a sink URL; "
                    "name the environment variable that holds it (secret_env=VAR, token_env=VAR)"
                )
            raise ValueError(
                f"forward: a {sink.transport}:// sink takes no {name[:30]!r} parameter "
                f"(it takes {', '.join(allowed)})"
            )
        if name in seen:
            raise ValueError(f"forward: the {name} parameter is given twice")
        seen.add(name)
        if not equals or not value:
            raise ValueError(f"forward: the {name} parameter needs a value")
        _set_parameter(sink, name, value)


def _set_parameter(sink: Sink, name: str, value: str) -> None:
    if name == "format":
        if value not in FORMATS[sink.transport]:
            known = ", ".join(FORMATS[sink.transport])
            raise ValueError(
                f"forward: a {sink.transport}:// sink sends {known}, not {value[:20]!r}"
            )
        sink.format = value
    elif name == "batch":
        if not value.isdigit() or not 1 <= int(value) <= MAX_BATCH:
            raise ValueError(f"forward: batch must be a number of records from 1 to {MAX_BATCH}")
        sink.batch = int(value)
    elif name == "ca":
        if not value.startswith("/"):
            raise ValueError("forward: ca must be the absolute path of a PEM file")
        sink.ca = value
    else:  # secret_env, token_env: a variable's name, never its value
        if not _variable_name(value):
            raise ValueError(
                f"forward: {name} must name an environment variable (letters, digits and _), "
                "not hold the secret itself"
            )
        setattr(sink, name, value)


def _variable_name(text: str) -> bool:
    return (
        text.isascii()
        and not text[0].isdigit()
        and all(ch.isalnum() or ch == "_" for ch in text)
        and len(text) <= 128
    )
