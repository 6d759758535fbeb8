"""The plain TOML the terms files are written in, read without tomllib.

Every command reads agreement.toml and counties.toml before anything else. tomllib costs about
2 ms to import (its regular expressions, and `string`) and about 1.4 ms to read the two files;
the terms use a small part of TOML: comments, `[table]` and `[[array]]` headers with bare names,
`key = value` with a bare key, and as values plain strings, integers, booleans, dates, and
one-line arrays and inline tables of those. `loads` reads exactly that part, a line at a time
with string methods (a regular expression for it would cost 1 ms to compile on every run), and
returns None for anything else: an escape in a string, a float, a dotted key, a multi-line
array, a repeated key or table, any doubt at all. The caller then reads the text with tomllib,
which also words every error. tomllib is the reference: tests/test_fast_paths.py holds `loads`
to it on generated documents (the same value, or None).
"""

from __future__ import annotations

import datetime

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_QUOTED_KEY = _BARE | {" "}
# Characters TOML allows nowhere outside a multi-line string (tab and line ends aside).
_CONTROL = frozenset(chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F))
_SPACE = " \t"


class _NotPlain(Exception):
    """Not in the plain part of TOML: tomllib must read it."""


def loads(text: str) -> dict | None:
    """The document as tomllib.loads gives it, or None when it is not plain TOML as above."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if not _CONTROL.isdisjoint(text):
        return None  # a control character (a lone carriage return among them): tomllib's to judge
    root: dict = {}
    current = root
    arrays: set[str] = set()  # the names [[name]] made
    try:
        for line in text.split("\n"):
            line = line.lstrip(_SPACE)
            if not line or line[0] == "#":
                continue
            if line[0] == "[":
                array = line.startswith("[[")
                close = line.find("]]" if array else "]")
                name = line[2 if array else 1 : close].strip(_SPACE)
                if close < 0 or not _is_bare(name):
                    return None
                _end_of_line(line, close + (2 if array else 1))
                if array:
                    if name in root and name not in arrays:
                        return None
                    arrays.add(name)
                    current = {}
                    root.setdefault(name, []).append(current)
                else:
                    if name in root:
                        return None
                    current = root[name] = {}
                continue
            key, equals, rest = line.partition("=")
            key = key.rstrip(_SPACE)
            if not equals or not _is_bare(key) or key in current:
                return None
            at = _skip_space(rest, 0)
            if at < len(rest) and rest[at] in "[{":
                value, at = _collection(rest, at)
            else:
                value, at = _scalar(rest, at)
            _end_of_line(rest, at)
            current[key] = value
    except (_NotPlain, ValueError):  # ValueError: a date that is no date, an integer too long for int()
        return None
    return root


def _is_bare(key: str) -> bool:
    return bool(key) and _BARE.issuperset(key)


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in _SPACE:
        at += 1
    return at


def _end_of_line(text: str, at: int) -> None:
    """Only white space, or a comment, may follow a header or a value."""
    at = _skip_space(text, at)
    if at < len(text) and text[at] != "#":
        raise _NotPlain


def _collection(text: str, at: int) -> tuple[list | dict, int]:
    """A one-line array of scalars, or inline table of bare or plain-quoted keys to scalars."""
    table = text[at] == "{"
    close = "}" if table else "]"
    items: dict | list = {} if table else []
    at = _skip_space(text, at + 1)
    while at < len(text) and text[at] != close:
        if table:
            end = text.find("=", at)
            key = text[at:end].rstrip(_SPACE)
            if len(key) >= 2 and key[0] == key[-1] == '"' and _QUOTED_KEY.issuperset(key[1:-1]):
                key = key[1:-1]
            elif not _is_bare(key):
                raise _NotPlain
            if end < 0 or key in items:
                raise _NotPlain
            value, at = _scalar(text, _skip_space(text, end + 1))
            items[key] = value
        else:
            value, at = _scalar(text, at)
            items.append(value)
        at = _skip_space(text, at)
        if at < len(text) and text[at] == ",":
            at = _skip_space(text, at + 1)
            if table and at < len(text) and text[at] == "}":
                raise _NotPlain  # an inline table takes no trailing comma
        elif at >= len(text) or text[at] != close:
            raise _NotPlain
    if at >= len(text):
        raise _NotPlain  # not closed on this line
    return items, at + 1


def _scalar(text: str, at: int):
    """The plain string, integer, boolean or date at `at`, and where it ends."""
    if at >= len(text):
        raise _NotPlain
    quote = text[at]
    if quote == '"' or quote == "'":
        end = text.find(quote, at + 1)
        if end < 0:
            raise _NotPlain
        value = text[at + 1 : end]
        if quote == '"' and "\\" in value:
            raise _NotPlain  # an escape: tomllib's to read
        return value, end + 1
    end = at
    while end < len(text) and text[end] not in " \t,]}#":
        end += 1
    token = text[at:end]
    if token == "true":
        return True, end
    if token == "false":
        return False, end
    if len(token) == 10 and token[4] == "-" and token[7] == "-" and (token[:4] + token[5:7] + token[8:]).isdigit() and token.isascii():
        if _skip_space(text, end) < len(text) and text[_skip_space(text, end)].isdigit():
            raise _NotPlain  # a date and a time: tomllib's to read
        return datetime.date.fromisoformat(token), end
    digits = token[1:] if token[:1] in ("+", "-") else token
    parts = digits.split("_")
    if not all(part.isdigit() and part.isascii() for part in parts) or (len(digits) > 1 and digits[0] == "0"):
        raise _NotPlain
    return int(digits.replace("_", "")) * (-1 if token[0] == "-" else 1), end
