"""The plain TOML the terms files are written in, read without tomllib.

Every command reads agreement.toml and counties.toml before anything else. tomllib costs about
2 ms to import (its regular expressions, and `string`) and about 1 ms to read the two files;
the terms use a small part of TOML: comments, `[table]` and `[[array]]` headers with bare names,
`key = value` with a bare key, and as values plain strings, integers, booleans, dates, and
one-line arrays and inline tables of those. `loads` reads exactly that part, a line at a time,
and returns None for anything else (an escape in a string, a float, a dotted key, a multi-line
array, a repeated key or table: any doubt at all). The caller then reads the text with tomllib,
which also words every error. tomllib is the reference: tests/test_fast_paths.py holds `loads`
to it on generated documents (the same value, or None).
"""

from __future__ import annotations

import datetime
import re

_BARE_KEY = r"[A-Za-z0-9_-]+"
# A plain basic string (no escape, no control character but tab), a plain literal string, an
# integer in TOML's decimal form (no leading zero, `_` only between digits), a boolean, a date.
_STRING = r'"[^"\\\x00-\x08\x0a-\x1f\x7f]*"|\'[^\'\x00-\x08\x0a-\x1f\x7f]*\''
_SCALAR = rf"{_STRING}|[+-]?(?:0|[1-9](?:_?[0-9])*)|true|false|[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}"
_COMMENT = r"(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?"
_LINE = (
    rf"[ \t]*(?:\[\[[ \t]*(?P<array>{_BARE_KEY})[ \t]*\]\]|\[[ \t]*(?P<table>{_BARE_KEY})[ \t]*\]"
    rf"|(?P<key>{_BARE_KEY})[ \t]*=[ \t]*(?P<value>(?:{_STRING}|[^\"'#\x00-\x08\x0a-\x1f\x7f])+?))?[ \t]*{_COMMENT}"
)
_ITEM = rf"[ \t]*(?:(?P<key>{_BARE_KEY}|\"[A-Za-z0-9_ -]*\")[ \t]*=[ \t]*)?(?P<value>{_SCALAR})[ \t]*(?P<end>,|$)"

_patterns: dict[str, re.Pattern] = {}


class _NotPlain(Exception):
    """Not in the plain part of TOML: tomllib must read it."""


def loads(text: str) -> dict | None:
    """The document as tomllib.loads gives it, or None when it is not plain TOML as above."""
    if not _patterns:  # compiled on first use: a hand-edited ledger's reader imports this too
        _patterns.update(line=re.compile(_LINE), item=re.compile(_ITEM), scalar=re.compile(_SCALAR))
    line_pattern = _patterns["line"]
    root: dict = {}
    current = root
    arrays: set[str] = set()  # the names [[name]] made
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None  # a carriage return not ending a line
    try:
        for line in text.split("\n"):
            match = line_pattern.fullmatch(line)
            if match is None:
                return None
            key, value, array, table = match.group("key", "value", "array", "table")
            if key is not None:
                if key in current:
                    raise _NotPlain
                current[key] = _value(value.rstrip(" \t"))
            elif array is not None:
                if array in root and array not in arrays:
                    raise _NotPlain
                arrays.add(array)
                current = {}
                root.setdefault(array, []).append(current)
            elif table is not None:
                if table in root:
                    raise _NotPlain
                current = root[table] = {}
    except (_NotPlain, ValueError):  # ValueError: a date that is no date, an integer too long for int()
        return None
    return root


def _value(text: str):
    if not text:
        raise _NotPlain  # `key =` and nothing: tomllib says what is missing
    if text[0] == "[" and text[-1] == "]":
        items = _items(text[1:-1])
        if any(key is not None for key, _ in items):
            raise _NotPlain
        return [value for _, value in items]
    if text[0] == "{" and text[-1] == "}":
        items = _items(text[1:-1])
        if items and text[1:-1].rstrip(" \t").endswith(","):
            raise _NotPlain  # an inline table takes no trailing comma
        table: dict = {}
        for key, value in items:
            if key is None or key.strip('"') in table:
                raise _NotPlain
            table[key.strip('"')] = value
        return table
    if not _patterns["scalar"].fullmatch(text):
        raise _NotPlain
    return _scalar(text)


def _items(text: str) -> list[tuple[str | None, object]]:
    """The (key or None, value) items of a one-line array or inline table, in order."""
    items, at = [], 0
    if not text.strip(" \t"):
        return items
    item_pattern = _patterns["item"]
    while at < len(text):
        match = item_pattern.match(text, at)
        if match is None:
            raise _NotPlain
        items.append((match["key"], _scalar(match["value"])))
        at = match.end()
        if match["end"] == "," and not text[at:].strip(" \t"):
            break  # a trailing comma: allowed in an array (the caller refuses it in a table)
    return items


def _scalar(text: str):
    first = text[0]
    if first == '"' or first == "'":
        return text[1:-1]
    if text == "true":
        return True
    if text == "false":
        return False
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return datetime.date.fromisoformat(text)
    return int(text.replace("_", ""))
