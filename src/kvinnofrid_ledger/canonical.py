"""The canonical JSON form that the ledger's hashes and the terms' digest are taken over.

Its own small module so that commands which only need the terms' digest (`allocate`, `terms`)
need not import the ledger's reader and writer to get it.
"""

from __future__ import annotations

import datetime
from typing import Any


def _json_default(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError(f"cannot hash a {type(value).__name__}")


def __getattr__(name: str) -> Any:
    if name == "CANONICAL":  # made on first use: the json module costs 1.3 ms to import
        return _encoder()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _encoder():
    global CANONICAL
    if "CANONICAL" not in globals():
        import json

        CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)
    return CANONICAL


CANONICAL: Any
"""Keys sorted, no white space, strings in UTF-8 with JSON's escapes, dates as "YYYY-MM-DD"
(RFC 8785, the JSON Canonicalization Scheme, for these values): the json module's encoder,
the reference `canonical_json` writes by."""


def canonical_json(value: Any) -> bytes:
    """Any parsed TOML value in the canonical form: what a hash or digest is taken over.

    Written here for the values TOML gives (tables, arrays, strings, integers, booleans, dates),
    without importing json (1.3 ms of every command that reads the terms); anything else (a
    float, a time) by CANONICAL itself. tests/test_fast_paths.py holds the two equal."""
    try:
        return _text(value).encode("utf-8")
    except _Other:
        return _encoder().encode(value).encode("utf-8")


class _Other(Exception):
    """A value `_text` leaves to the json module."""


# JSON's escapes, as the json module writes them with ensure_ascii=False: the quote, the
# backslash, and every C0 control (\b \f \n \r \t by name, the others as \u00XX).
_ESCAPES = {code: f"\\u{code:04x}" for code in range(0x20)}
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", ord("\b"): "\\b", ord("\f"): "\\f", ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def _text(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return f'"{value.translate(_ESCAPES)}"'
    if kind is int:
        return int.__repr__(value)
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise _Other
        return "{" + ",".join(f'"{key.translate(_ESCAPES)}":{_text(item)}' for key, item in sorted(value.items())) + "}"
    if kind is list or kind is tuple:
        return "[" + ",".join(map(_text, value)) + "]"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if kind is datetime.date:
        return f'"{value.isoformat()}"'
    raise _Other
