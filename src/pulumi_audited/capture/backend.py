"""The backend pulumi will use and the identity it will report (`pulumi whoami`), offline.

credentials.json holds access tokens. Only `current` and the account user names are taken
from it, and nothing read from it can reach an exception or a log: every failure to read or
parse it means "unknown".
"""

import os
import stat

from pulumi_audited.capture import account_home, home_directory, read_json_file, read_small_file
from pulumi_audited.capture.agent import detect_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

PULUMI_CLOUD_URL = "https://api.pulumi.com"
SELF_MANAGED_SCHEMES = frozenset(("file", "s3", "gs", "azblob", "postgres"))


def pulumi_home(environ: "Mapping[str, str]") -> str:
    """The folder pulumi keeps workspaces (and so the selected stacks) in.

    PULUMI_HOME, else `.pulumi` in the account's home folder: pulumi takes that from Go's
    user.Current(), which reads the password database and ignores $HOME (it falls back to
    $HOME only for an account missing from it). An AI agent that cannot write there gets the
    shared agent folder instead (see `agent_fallback_enabled`).
    """
    home = environ.get("PULUMI_HOME")
    if home:
        return home
    default = default_pulumi_home(environ)
    if not agent_fallback_enabled(environ) or _can_make(default, writable=True):
        return default
    return agent_pulumi_home(environ)


def default_pulumi_home(environ: "Mapping[str, str]") -> str:
    """pulumihome.Dir(): PULUMI_HOME, else `.pulumi` in the password database's home folder."""
    home = environ.get("PULUMI_HOME")
    if home:
        return home
    return os.path.join(account_home() or home_directory(environ), ".pulumi")


def agent_fallback_enabled(environ: "Mapping[str, str]") -> bool:
    """An agent is detected and neither PULUMI_HOME nor PULUMI_CREDENTIALS_PATH is set.

    `--exec-agent` plays no part: pulumi detects from the environment alone
    (sdk/go/common/workspace/creds.go AgentCredentialsFallbackEnabled).
    """
    if environ.get("PULUMI_HOME") or environ.get("PULUMI_CREDENTIALS_PATH"):
        return False
    return bool(detect_name(environ))


def agent_pulumi_home(environ: "Mapping[str, str]") -> str:
    """/tmp/.pulumi, or pulumi's own test hook PULUMI_TEST_AGENT_PULUMI_DIR
    (sdk/go/common/workspace/creds.go getAgentPulumiDirPath)."""
    return environ.get("PULUMI_TEST_AGENT_PULUMI_DIR") or "/tmp/.pulumi"


def _can_make(folder: str, *, writable: bool = False) -> bool:
    """Whether os.MkdirAll(folder) succeeds and, with `writable`, a file can then be created
    in it (pulumi's ensurePulumiHomeWritable, sdk/go/common/workspace/paths.go). Asked of the
    file system without creating anything: the nearest existing folder decides."""
    path = folder or "."
    existing = True
    while True:
        try:
            is_folder = stat.S_ISDIR(os.stat(path).st_mode)
        except FileNotFoundError:
            parent = os.path.dirname(path) or "."
            if parent == path:
                return False
            path, existing = parent, False
            continue
        except (OSError, ValueError):
            return False
        if not is_folder:
            return False
        if existing and not writable:
            return True
        return os.access(path, os.W_OK | os.X_OK, effective_ids=_EFFECTIVE_IDS)


_EFFECTIVE_IDS = os.access in os.supports_effective_ids


def credentials_file(environ: "Mapping[str, str]") -> str:
    """`PULUMI_CREDENTIALS_PATH` names the folder holding credentials.json, not the file.

    The agent fallback does not move this file: pulumi's getCredsFilePath uses the default
    home (sdk/go/common/workspace/creds.go); see `agent_credentials_file`.
    """
    folder = environ.get("PULUMI_CREDENTIALS_PATH") or default_pulumi_home(environ)
    return os.path.join(folder, "credentials.json")


def agent_credentials_file(environ: "Mapping[str, str]") -> str | None:
    """The shared agent credentials.json, when pulumi may fall back to it."""
    if not agent_fallback_enabled(environ):
        return None
    return os.path.join(agent_pulumi_home(environ), "credentials.json")


def url_scheme(url: str) -> str:
    scheme, separator, _ = url.partition("://")
    return scheme.lower() if separator else ""


def is_self_managed(url: str) -> bool:
    return url_scheme(url) in SELF_MANAGED_SCHEMES


class StoredCredentials:
    """The non-secret parts of credentials.json, read at most once and only when asked for.

    With `agent_path` (the shared agent credentials of an AI agent's run), pulumi reads that
    file where the default one fails it: the current backend when reading the default file
    fails (pkg/workspace/creds.go GetCurrentCloudURLWithAgentFallback), an account when the
    default file has no usable one for the URL (sdk/go/common/workspace/creds.go
    GetAccountWithAgentFallback).
    """

    __slots__ = (
        "_agent",
        "_credentialed",
        "_current",
        "_environment_token",
        "_failed",
        "_loaded",
        "_path",
        "_usernames",
    )

    def __init__(
        self, path: str, environment_token: str | None = None, agent_path: str | None = None
    ) -> None:
        self._path = path
        # PULUMI_ACCESS_TOKEN, which pulumi uses instead of the stored token when both exist.
        self._environment_token = environment_token or None
        self._agent = StoredCredentials(agent_path, environment_token) if agent_path else None
        self._loaded = False
        self._failed = False
        self._current: str | None = None
        self._usernames: dict[str, str] = {}
        self._credentialed: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        return f"StoredCredentials({self._path!r})"

    def current(self) -> str | None:
        self._load()
        if self._failed and self._agent is not None:
            return self._agent.current()
        return self._current

    def username(self, url: str) -> str | None:
        self._load()
        keys = (url, url.rstrip("/"))
        if self._agent is not None and not any(key in self._credentialed for key in keys):
            return self._agent.username(url)
        return self._usernames.get(url) or self._usernames.get(url.rstrip("/"))

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            self._read()
        except Exception:
            self._current, self._usernames, self._credentialed = None, {}, frozenset()

    def _read(self) -> None:
        document = self._document()
        if not isinstance(document, dict):
            return
        current = document.get("current")
        self._current = current if isinstance(current, str) and current else None
        accounts = document.get("accounts")
        if not isinstance(accounts, dict):
            return
        credentialed = []
        for url, account in accounts.items():
            if not isinstance(account, dict):
                continue
            if account.get("accessToken") or account.get("refreshToken"):
                credentialed.append(url)  # Account.HasCredential
            username = account.get("username")
            if isinstance(username, str) and username and self._token_agrees(account):
                self._usernames[url] = username
        self._credentialed = frozenset(credentialed)

    def _document(self) -> object:
        """The parsed file; None (and `_failed` set where pulumi's read errs) otherwise."""
        folder = os.path.dirname(self._path)
        if not _can_make(folder):  # getCredsFilePath's MkdirAll fails
            self._failed = True
            return None
        try:
            os.stat(self._path)
        except FileNotFoundError:
            return None  # no file is no error: empty credentials
        except (OSError, ValueError):
            self._failed = True
            return None
        data = read_small_file(self._path)
        if not data:
            # An empty file reads as empty credentials; an unreadable one is an error.
            self._failed = data is None
            return None
        document = read_json_file(self._path)
        # An encrypted envelope is JSON too: whether pulumi can open it is not known here.
        self._failed = document is None
        return document

    def _token_agrees(self, account: dict) -> bool:
        """With PULUMI_ACCESS_TOKEN set, pulumi asks the service who that token belongs to;
        the stored user name answers for it only when the stored token is that same token."""
        if self._environment_token is None:
            return True
        return account.get("accessToken") == self._environment_token


def resolve_backend_url(
    environ: "Mapping[str, str]",
    project_backend_url: str | None,
    credentials: StoredCredentials,
    backend_arg: str | None = None,
) -> str:
    """The backend URL, raw (it may hold credentials: strip them before recording it)."""
    return (
        backend_arg
        or environ.get("PULUMI_BACKEND_URL")
        or project_backend_url
        or credentials.current()
        or environ.get("PULUMI_API")
        or PULUMI_CLOUD_URL
    )


def whoami(backend_url: str, os_user: str | None, credentials: StoredCredentials) -> str | None:
    """What `pulumi whoami` would answer: the OS login on self-managed backends, else the
    Pulumi Cloud account name stored by `pulumi login` (None when it is not known offline)."""
    if is_self_managed(backend_url):
        return os_user
    return credentials.username(backend_url)
