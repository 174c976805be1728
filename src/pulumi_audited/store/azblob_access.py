"""Which storage account, blob endpoint and credential an Azure Blob location means, read from
the variables Pulumi's own azblob backend reads: AZURE_STORAGE_CONNECTION_STRING; else an
account (the `storage_account` parameter, alias `account`, or AZURE_STORAGE_ACCOUNT) with
AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN or, when neither is set, azure-identity's
DefaultAzureCredential (az login, managed identity, ...).

Every secret met on the way is listed in `Access.secrets`, so that no message repeats it.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from azure.core.credentials import TokenCredential

from pulumi_audited.errors import StoreError
from pulumi_audited.store.location import public_location
from pulumi_audited.store.objects import RemoteLocation

_DEVELOPMENT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


# What ContainerClient takes: a shared key, a SAS token, or an Entra ID token source.
Credential = dict[str, str] | str | TokenCredential


@dataclass
class Access:
    account: str
    endpoint: str
    credential: Credential
    secrets: list[str]


def resolve_access(location: RemoteLocation) -> Access:
    """The account, endpoint and credential for `location`; StoreError when the environment
    names none that can work."""
    parameters = location.parameters
    account = parameters.get("storage_account") or parameters.get("account") or ""
    endpoint = parameters.get("endpoint") or ""
    secrets: list[str] = []
    credential: Credential | None
    connection_string = os.environ.get("AZURE_STORAGE_CONNECTION_STRING", "").strip()
    if connection_string:
        secrets.append(connection_string)
        fields = _parse_connection_string(connection_string)
        if fields.get("usedevelopmentstorage", "").lower() == "true":
            fields.setdefault("accountname", "devstoreaccount1")
            fields.setdefault("accountkey", _DEVELOPMENT_KEY)
            fields.setdefault("blobendpoint", "http://127.0.0.1:10000/devstoreaccount1")
        named = fields.get("accountname", "")
        if account and named and account != named:
            raise StoreError(
                f"{public_location(location.url)}: storage_account={account} but "
                f"AZURE_STORAGE_CONNECTION_STRING is for account {named}"
            )
        key = fields.get("accountkey", "")
        sas = fields.get("sharedaccesssignature", "").lstrip("?")
        endpoint = endpoint or fields.get("blobendpoint", "")
        if not endpoint and named:
            protocol = fields.get("defaultendpointsprotocol", "https")
            suffix = fields.get("endpointsuffix", "core.windows.net")
            endpoint = f"{protocol}://{named}.blob.{suffix}"
        account = named or account or (urlsplit(endpoint).hostname or "").split(".")[0]
        if not endpoint:
            raise StoreError(
                "AZURE_STORAGE_CONNECTION_STRING names neither AccountName nor BlobEndpoint"
            )
        credential = _key_or_sas(account, key, "AccountKey", sas, secrets)
        if credential is None:
            raise StoreError(
                "AZURE_STORAGE_CONNECTION_STRING has neither AccountKey nor SharedAccessSignature"
            )
    else:
        account = account or os.environ.get("AZURE_STORAGE_ACCOUNT", "").strip()
        if not account:
            raise StoreError(
                f"{public_location(location.url)}: no Azure storage account: set "
                "AZURE_STORAGE_ACCOUNT or add ?storage_account=NAME to the location"
            )
        endpoint = endpoint or f"https://{account}.blob.core.windows.net"
        key = os.environ.get("AZURE_STORAGE_KEY", "").strip()
        sas = os.environ.get("AZURE_STORAGE_SAS_TOKEN", "").strip().lstrip("?")
        credential = _key_or_sas(account, key, "AZURE_STORAGE_KEY", sas, secrets)
        if credential is None:
            credential = _default_credential()
    return Access(account, endpoint, credential, secrets)


def _parse_connection_string(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in text.split(";"):
        name, equals, value = part.partition("=")
        if part.strip() and not equals:
            raise StoreError(
                "AZURE_STORAGE_CONNECTION_STRING is malformed: expected Name=value pairs "
                "separated by ';'"
            )
        if name.strip():
            fields[name.strip().lower()] = value.strip()
    return fields


def _key_or_sas(
    account: str, key: str, key_source: str, sas: str, secrets: list[str]
) -> dict[str, str] | str | None:
    """The shared key when there is one, else the SAS token, else None."""
    if key:
        return _shared_key(account, key, key_source, secrets)
    if sas:
        secrets.append(sas)
        return sas
    return None


def _shared_key(account: str, key: str, source: str, secrets: list[str]) -> dict[str, str]:
    secrets.append(key)
    try:
        base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raise StoreError(f"{source} is not a valid account key (base64)") from None
    return {"account_name": account, "account_key": key}


def _default_credential() -> TokenCredential:
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise StoreError(
            "Azure sign-in (no AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN set) needs "
            "azure-identity, which is not installed: pip install 'pulumi-audited[azure]'"
        ) from None
    # When no credential works, azure.identity also logs a WARNING of a dozen lines, which
    # Python prints to stderr when logging is not configured; the StoreError says it.
    import logging

    identity_log = logging.getLogger("azure.identity")
    if identity_log.level == logging.NOTSET and not logging.getLogger().handlers:
        identity_log.setLevel(logging.ERROR)
    return DefaultAzureCredential()
