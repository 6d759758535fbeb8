"""The canonical JSON form that the ledger's hashes and the terms' digest are taken over.

Its own small module so that commands which only need the terms' digest (`allocate`, `terms`)
need not import the ledger's reader and writer to get it.
"""

from __future__ import annotations

import datetime
import json
from typing import Any


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
