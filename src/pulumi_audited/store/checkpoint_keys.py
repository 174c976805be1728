"""Ed25519 keys for checkpoints: a writer's private key (the `signing_key` setting) and the
public keys verify checks against (`audit verify --keys FILE|DIR`).

A private key is a PEM file as `openssl genpkey -algorithm ed25519` writes it. A public keys
file holds one key a line, `<writer ids> <key>`: the writer ids a shell-style pattern
(`ci-runner-*`, or one exact id), the key the base64 line of `openssl pkey -pubout` (the DER
SubjectPublicKeyInfo); `#` starts a comment. A folder of them is read file by file.

`cryptography` (the `sign` extra) is imported here only, when a key is loaded.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import os
from dataclasses import dataclass

from pulumi_audited.errors import StoreError

EXTRA = "pulumi-audited[sign]"


def _crypto():
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise StoreError(
            f"signed checkpoints need cryptography, which is not installed: pip install '{EXTRA}'"
        ) from None
    return serialization, ed25519


def key_id(public_der: bytes) -> str:
    """A public key's short name, as a checkpoint's `key` carries it."""
    return hashlib.sha256(public_der).hexdigest()[:16]


class Signer:
    """A writer's private key, read from a PEM file."""

    def __init__(self, path: str) -> None:
        serialization, ed25519 = _crypto()
        try:
            with open(path, "rb") as handle:
                key = serialization.load_pem_private_key(handle.read(), password=None)
        except OSError as error:
            raise StoreError(f"cannot read the signing key {path}: {error.strerror}") from None
        except (ValueError, TypeError):
            raise StoreError(f"the signing key {path} is not an unencrypted PEM key") from None
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise StoreError(f"the signing key {path} is not an Ed25519 key")
        self._key = key
        der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.key_id = key_id(der)
        self.public_line = base64.b64encode(der).decode("ascii")

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self._key.sign(data)).decode("ascii")


@dataclass
class PublicKey:
    writers: str  # the pattern of writer ids it may sign for
    key_id: str
    key: object  # an Ed25519PublicKey
    source: str  # file:line, for messages

    def allows(self, writer: str) -> bool:
        return fnmatch.fnmatchcase(writer, self.writers)

    def verifies(self, signature: str, data: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature

        try:
            self.key.verify(base64.b64decode(signature, validate=True), data)  # type: ignore[attr-defined]
        except (InvalidSignature, ValueError):
            return False
        return True


def load_public_keys(path: str) -> list[PublicKey]:
    """The keys in a keys file, or in every file of a folder (sorted by name); StoreError
    naming the file and line of anything that is not a key."""
    if os.path.isdir(path):
        files = [os.path.join(path, name) for name in sorted(os.listdir(path))]
        files = [name for name in files if os.path.isfile(name)]
    elif os.path.isfile(path):
        files = [path]
    else:
        raise StoreError(f"--keys {path}: no such file or folder")
    keys = [key for name in files for key in _read_keys_file(name)]
    if not keys:
        raise StoreError(f"--keys {path}: no public keys in it")
    return keys


def _read_keys_file(path: str) -> list[PublicKey]:
    serialization, ed25519 = _crypto()
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise StoreError(f"cannot read the keys file {path}: {error}") from None
    keys = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        where = f"{path}:{number}"
        if len(parts) != 2:
            raise StoreError(f"{where}: expected '<writer ids> <base64 public key>'")
        try:
            der = base64.b64decode(parts[1], validate=True)
            key = serialization.load_der_public_key(der)
        except ValueError:
            raise StoreError(f"{where}: not a base64 DER public key") from None
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise StoreError(f"{where}: not an Ed25519 public key")
        keys.append(PublicKey(parts[0], key_id(der), key, where))
    return keys
