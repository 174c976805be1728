"""The backend pulumi will use and the identity it will report (`pulumi whoami`), offline.

credentials.json holds access tokens. Only `current` and the account user names are taken
from it, and nothing read from it can reach an exception or a log: every failure to read or
parse it means "unknown".
"""

import os
import pwd

from pulumi_audited.capture.identity import home_directory, read_json_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

PULUMI_CLOUD_URL = "https://api.pulumi.com"
SELF_MANAGED_SCHEMES = frozenset(("file", "s3", "gs", "azblob", "postgres"))


def pulumi_home(environ: "Mapping[str, str]") -> str:
    """PULUMI_HOME, else `.pulumi` in the account's home folder.

    pulumi takes that folder from Go's user.Current(), which reads the password database
    and ignores $HOME (it falls back to $HOME only for an account missing from it).
    """
    home = environ.get("PULUMI_HOME")
    if home:
        return home
    try:
        account_home = pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        account_home = ""
    return os.path.join(account_home or home_directory(environ), ".pulumi")


def credentials_file(environ: "Mapping[str, str]") -> str:
    """`PULUMI_CREDENTIALS_PATH` names the folder holding credentials.json, not the file."""
    folder = environ.get("PULUMI_CREDENTIALS_PATH") or pulumi_home(environ)
    return os.path.join(folder, "credentials.json")


def url_scheme(url: str) -> str:
    scheme, separator, _ = url.partition("://")
    return scheme.lower() if separator else ""


def is_self_managed(url: str) -> bool:
    return url_scheme(url) in SELF_MANAGED_SCHEMES


class StoredCredentials:
    """The non-secret parts of credentials.json, read at most once and only when asked for."""

    __slots__ = ("_current", "_environment_token", "_loaded", "_path", "_usernames")

    def __init__(self, path: str, environment_token: str | None = None) -> None:
        self._path = path
        # PULUMI_ACCESS_TOKEN, which pulumi uses instead of the stored token when both exist.
        self._environment_token = environment_token or None
        self._loaded = False
        self._current: str | None = None
        self._usernames: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"StoredCredentials({self._path!r})"

    def current(self) -> str | None:
        self._load()
        return self._current

    def username(self, url: str) -> str | None:
        self._load()
        return self._usernames.get(url) or self._usernames.get(url.rstrip("/"))

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            self._current, self._usernames = self._read()
        except Exception:
            self._current, self._usernames = None, {}

    def _read(self) -> tuple[str | None, dict[str, str]]:
        document = read_json_file(self._path)
        if not isinstance(document, dict):
            return None, {}
        current = document.get("current")
        if not isinstance(current, str) or not current:
            current = None
        return current, self._usernames_in(document.get("accounts"))

    def _usernames_in(self, accounts: object) -> dict[str, str]:
        usernames: dict[str, str] = {}
        if not isinstance(accounts, dict):
            return usernames
        for url, account in accounts.items():
            if not isinstance(account, dict):
                continue
            username = account.get("username")
            if isinstance(username, str) and username and self._token_agrees(account):
                usernames[url] = username
        return usernames

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
