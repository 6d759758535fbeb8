"""The canonical JSON form that the ledger's hashes and the terms' digest are taken over.

Its own small module so that commands which only need the terms' digest (`allocate`, `terms`)
need not import the ledger's reader and writer to get it.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Container, Iterable
from typing import Any

GENESIS = "0" * 64
"""The `prev` of the first entry of a ledger: no entry comes before it."""


def _json_default(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError(f"cannot hash a {type(value).__name__}")


CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)
"""Keys sorted, no white space, strings in UTF-8 with JSON's escapes, dates as "YYYY-MM-DD"
(RFC 8785, the JSON Canonicalization Scheme, for these values)."""


def canonical_json(value: Any) -> bytes:
    """Any parsed TOML value in the canonical form: what a hash or digest is taken over."""
    return CANONICAL.encode(value).encode("utf-8")


def plain_template(fields: Iterable[str], strings: Container[str]) -> str:
    """The canonical form of a table with these fields as a %-template over its values in
    sorted-key order, each of `strings` between quotes and every other bare.

    Right only for values JSON writes as their own text, which the caller makes sure of: an int
    (its str is its JSON), a date (its str is its isoformat) and a string with nothing JSON
    escapes (no control character, quote or backslash). The hashes' fast paths format the usual
    entry with it, a third of the encoder's cost (tests/test_fast_paths.py holds them to it)."""
    return "{" + ",".join(f'"{key}":"%s"' if key in strings else f'"{key}":%s' for key in sorted(fields)) + "}"
