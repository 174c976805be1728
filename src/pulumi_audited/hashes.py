"""SHA-256 and SHA-1 from CPython's own C modules, without hashlib.

hashlib loads OpenSSL, 3 ms of the shim's start-up on every pulumi command; the built-in C
modules behind it are what hashlib falls back to anyway, so the digests are the same. Their
names differ by version: `_sha2` from Python 3.12, `_sha256` on 3.10 and 3.11; `_sha1` on all.
A build without them (CPython configured --with-builtin-hashlib-hashes leaving them out) gets
hashlib's.
"""

import sys

if sys.version_info >= (3, 12):
    try:
        from _sha2 import sha256
    except ImportError:  # pragma: no cover - a build without the built-in module
        from hashlib import sha256
else:
    try:
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - a build without the built-in module
        from hashlib import sha256


def sha256_hex(data: bytes) -> str:
    return sha256(data).hexdigest()


def sha1_hex(data: bytes) -> str:
    """Loaded on first use: most runs never need a SHA-1 (0.3 ms)."""
    try:
        from _sha1 import sha1
    except ImportError:  # pragma: no cover - a build without the built-in module
        from hashlib import sha1
    return sha1(data).hexdigest()
