"""The private CPython modules the hot path uses instead of hashlib, json and signal exist
under the names it imports on the running Python (`make test-pythons` runs this on each of
3.10-3.13): the fallbacks are for unusual builds, not for a version the package supports."""

import subprocess
import sys

PROBE = """
import sys
from pulumi_audited import fastjson, hashes, process, record
from pulumi_audited.store import chain

assert chain.line_hash(b"abc") == (
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
)
assert hashes.sha1_hex(b"abc") == "a9993e364706816aba3e25717850c26c9cd0d89d"
assert record.signal_name(15) == "SIGTERM"
assert fastjson.loads('{"a": [1, "\\\\u00e9"]}') == {"a": [1, "\\u00e9"]}
print(" ".join(sorted(sys.modules)))
"""


def test_the_c_modules_are_the_ones_in_use():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    sha256_module = "_sha2" if sys.version_info >= (3, 12) else "_sha256"
    assert {sha256_module, "_sha1", "_json", "_signal"} <= loaded
    # The fallbacks were not taken: they would load what the private modules avoid.
    assert not {"hashlib", "json", "signal", "_hashlib"} & loaded
    from pulumi_audited import fastjson, hashes

    assert hashes.sha256.__module__ == sha256_module
    assert fastjson._make_scanner.__module__ == "_json"
