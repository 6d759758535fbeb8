"""SHA-256 without loading OpenSSL, for the few small things every command hashes.

`hashlib.sha256` is OpenSSL's, and importing hashlib loads OpenSSL: about 2.5 ms, more than
`ledger allocate` spends on anything else of its own. CPython's built-in SHA-256 (0.8 ms to
import) computes the same digest at about half OpenSSL's speed, 2 µs against 1 µs for a few
hundred bytes: the faster choice for the terms' digest and the cache marker's key, and for a
ledger of up to a few thousand entries. Where neither built-in module exists (a Python built
without them), hashlib's.
"""

try:
    from _sha256 import sha256  # CPython 3.11
except ImportError:  # pragma: no cover - depends on the interpreter
    try:
        from _sha2 import sha256  # CPython 3.12 and later
    except ImportError:
        from hashlib import sha256

__all__ = ["sha256", "sha256_for"]


LARGE = 512 * 1024
"""Bytes of ledger text (some 2 000 entries) above which hashing each entry with OpenSSL's SHA-256,
twice as fast, saves more than importing hashlib costs."""


def sha256_for(size: int):
    """The SHA-256 constructor to hash the entries of `size` bytes of ledger text with."""
    if size < LARGE:
        return sha256
    from hashlib import sha256 as openssl

    return openssl
