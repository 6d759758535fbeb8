"""The ledger file as text: parse it into raw entry tables, and write one entry as TOML.

Parsing has two paths with one meaning. The fast path reads the exact layout this tool writes
(one `[[entry]]` table after another, keys in a fixed order, values in the forms tomli-w emits)
with one regular expression per entry; it accepts a strict subset of TOML and decodes it exactly
as a TOML parser does. Anything else in the file (a comment between entries, a key out of order,
a hand edit in another style, an error) sends the whole file to tomllib, the reference parser,
so the meaning of a file never depends on which path read it.
"""

from __future__ import annotations

import datetime
import json
import re
from operator import itemgetter
from typing import Any

from .frozen import frozen
from .models import Problem

LEDGER_HEADER = """\
# kvinnofrid-ledger: the append-only ledger of the agreement's disbursements, repayments and
# reversals. Entries are added only by `ledger record`, `ledger reverse` and `ledger import`, and
# the terms entries, which pin the terms the ledger is kept under, by `ledger init` and `ledger amend`.
# Do not edit or remove an entry: each entry's hash covers its fields and the hash of the entry
# before it, so `ledger check` finds any change. A mistake is corrected by a new entry.
"""

KEY_ORDER = ("id", "kind", "date", "agreement", "digest", "source", "year", "line", "county", "recipient", "amount", "reference", "note", "reverses", "hash")


@frozen
class RawEntry:
    """One [[entry]] table as the TOML parser gives it, and the line of its header."""

    lineno: int
    table: dict[str, Any]


# --- the fast path ---------------------------------------------------------------------------

# A TOML basic string as tomli-w writes it: no raw quote, backslash or control character but tab;
# escapes \" \\ \b \f \n \r \t and \uXXXX outside the surrogates (which TOML forbids).
_PLAIN = r'[^"\\\x00-\x08\x0a-\x1f\x7f]*'
_ESCAPE = r'\\(?:["\\bfnrt]|u(?![dD][89a-fA-F])[0-9a-fA-F]{4})'
_STR = rf'"({_PLAIN}(?:{_ESCAPE}{_PLAIN})*)"'  # "unrolled" (Friedl): runs of plain characters at once
_INT = r"(0|[1-9][0-9]*)"
_DATE = r"([0-9]{4}-[0-9]{2}-[0-9]{2})"

_ENTRY = re.compile(
    r"(\n*)\[\[entry\]\]\n"
    rf"id = {_INT}\n"
    rf"kind = {_STR}\n"
    rf"date = {_DATE}\n"
    rf"year = {_INT}\n"
    rf"line = {_STR}\n"
    rf"(?:county = {_STR}\n)?"
    rf"(?:recipient = {_STR}\n)?"
    rf"amount = {_INT}\n"
    rf"reference = {_STR}\n"
    rf"note = {_STR}\n"
    rf"(?:reverses = {_INT}\n)?"
    rf"hash = {_STR}\n"
)
# A terms entry (models.TermsPin), in the layout `ledger init` and `ledger amend` write. Kept as
# its pattern and compiled (once: re caches it) where a money entry did not match, so that a
# ledger without one never pays its compiling (0.6 ms of every run).
_TERMS_ENTRY = (
    r"(\n*)\[\[entry\]\]\n"
    rf"id = {_INT}\n"
    r'kind = "terms"\n'
    rf"date = {_DATE}\n"
    rf"agreement = {_STR}\n"
    rf"digest = {_STR}\n"
    rf"source = {_STR}\n"
    rf"hash = {_STR}\n"
)
# Comments and blank lines before the first entry (the header `ledger init` writes).
_PREAMBLE = re.compile(r"(?:[ \t]*(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?\n)*")
_TRAILER = re.compile(r"\n*")
_DECODE = json.JSONDecoder(strict=False).decode  # the escapes above mean the same in JSON
_date = datetime.date.fromisoformat


def _text(value: str) -> str:
    return _DECODE(f'"{value}"') if "\\" in value else value


def _fast_parse(text: str) -> list[RawEntry] | None:
    """The entries of a file in this tool's own layout, or None when the file is in any other."""
    preamble = _PREAMBLE.match(text)
    pos = preamble.end()
    lineno = text.count("\n", 0, pos) + 1
    entries: list[RawEntry] = []
    match_at = _ENTRY.match
    try:
        while True:
            m = match_at(text, pos)
            if m is None:
                m = re.compile(_TERMS_ENTRY).match(text, pos)  # only where a money entry did not match: rare
                if m is None:
                    break
                blank, ident, date, agreement, digest, source, hashed = m.groups()
                if "\\" in m.group():
                    agreement, digest, source, hashed = map(_text, (agreement, digest, source, hashed))
                lineno += len(blank)
                table = {"id": int(ident), "kind": "terms", "date": _date(date), "agreement": agreement,
                         "digest": digest, "source": source, "hash": hashed}
                entries.append(RawEntry(lineno, table))
                lineno += m.group().count("\n") - len(blank)
                pos = m.end()
                continue
            (blank, ident, kind, date, year, line, county, recipient, amount, reference, note, reverses, digest) = m.groups()
            if "\\" in m.group():  # an escape somewhere: decode each string
                kind, line, reference, note, digest = map(_text, (kind, line, reference, note, digest))
                county = county if county is None else _text(county)
                recipient = recipient if recipient is None else _text(recipient)
            lineno += len(blank)
            table: dict[str, Any] = {"id": int(ident), "kind": kind, "date": _date(date), "year": int(year), "line": line}
            if county is not None:
                table["county"] = county
            if recipient is not None:
                table["recipient"] = recipient
            table["amount"] = int(amount)
            table["reference"] = reference
            table["note"] = note
            if reverses is not None:
                table["reverses"] = int(reverses)
            table["hash"] = digest
            entries.append(RawEntry(lineno, table))
            lineno += m.group().count("\n") - len(blank)
            pos = m.end()
    except ValueError:  # a date such as 2019-02-30: let the reference parser say what is wrong
        return None
    if _TRAILER.match(text, pos).end() != len(text):
        return None
    return entries


# --- the reference path ------------------------------------------------------------------------

_HEADER_LINE = re.compile(r"^[ \t]*\[\[[ \t]*(?:entry|\"entry\"|'entry')[ \t]*\]\]", re.M)
_AT_LINE = re.compile(r"at line (\d+)")


def _reference_parse(text: str) -> tuple[list[RawEntry], list[Problem]]:
    import tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        where = _AT_LINE.search(str(error))
        # "at end of document": the last line is where the reader gave up
        lineno = int(where.group(1)) if where else text.count("\n") + (0 if text.endswith("\n") else 1)
        return [], [Problem("syntax", f"not valid TOML: {error}; the file cannot be read until this is mended", lineno=lineno or None)]
    except ValueError as error:  # an integer of thousands of digits: past Python's conversion limit
        return [], [Problem("syntax", f"cannot be read: {error}", lineno=None)]
    except RecursionError:  # thousands of nested arrays or tables
        return [], [Problem("syntax", "cannot be read: values nested too deeply (thousands of arrays or tables inside each other)")]
    problems = [
        Problem("syntax", f"unexpected top-level key {key!r}: a ledger holds only [[entry]] tables")
        for key in document
        if key != "entry"
    ]
    tables = document.get("entry", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        problems.append(Problem("syntax", "'entry' is not an array of tables: write each entry as [[entry]]"))
        return [], problems
    # tomllib gives no positions; the n-th [[entry]] header line is the n-th entry's line.
    # Counted as they come, from one header to the next: linear in the file's length.
    header_lines = []
    line, counted = 1, 0
    for match in _HEADER_LINE.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        header_lines.append(line)
    if len(header_lines) != len(tables):
        header_lines = [0] * len(tables)
    return [RawEntry(lineno, table) for lineno, table in zip(header_lines, tables)], problems


def parse_ledger_text(text: str) -> tuple[list[RawEntry], list[Problem]]:
    """The raw entries of a ledger file's text, and any problem that stops it being read."""
    entries = _fast_parse(text)
    if entries is not None:
        return entries, []
    return _reference_parse(text)


# --- a torn tail ---------------------------------------------------------------------------------

_HASH_LINE = re.compile(r'hash = "[0-9a-f]{64}"\n')


def torn_tail_start(text: str) -> int | None:
    """Where a torn final fragment begins (a character offset), or None when there is none.

    The writer puts `hash` last in every entry it appends, so a write cut short (a power loss,
    a killed older version of this tool) leaves, after the last complete `hash = "..."` line,
    the beginning of an `[[entry]]` table and no hash line of its own. That, and only that, is
    a torn tail; a hand edit anywhere else is not one. The caller decides whether the entries
    before it are intact.
    """
    end = len(text)
    while True:
        found = text.rfind('hash = "', 0, end)
        if found < 0:
            start = _PREAMBLE.match(text).end()
            break
        if (found == 0 or text[found - 1] == "\n") and _HASH_LINE.match(text, found):
            start = text.index("\n", found) + 1
            break
        end = found
    fragment = text[start:].lstrip("\n")
    if not fragment:
        return None
    header = "[[entry]]\n"
    if fragment.startswith(header) or header.startswith(fragment):
        return start
    return None


# --- writing -----------------------------------------------------------------------------------


def entries_toml(tables: list[dict[str, Any]]) -> str:
    """Entries as the text appended to the file: each a blank line, then its [[entry]] table.

    The usual entry (integers, dates, strings with nothing TOML escapes) is written here, in
    the exact layout the fast parser reads, about twenty times faster than tomli-w and with no
    copy of the tables; a batch with any other goes through tomli-w (`_reference_entries_toml`),
    and tests/test_fast_paths.py holds the two to the same text.
    """
    parts = []
    for table in tables:
        text = _plain_entry_toml(table)
        if text is None:
            return _reference_entries_toml(tables)
        parts.append(text)
    return "".join(parts)


_TOML_ESCAPED = re.compile(r'[\x00-\x08\x0a-\x1f\x7f"\\]')


def _plain_entry_toml(table: dict[str, Any]) -> str | None:
    """One entry as tomli-w writes it, or None when a value is not a plain int, date or string."""
    form = _TOML_FORMS.get(tuple(table))
    if form is None:
        form = _toml_form(tuple(table))
    if form:  # the usual entry: its keys' own types, one %-template (an import writes 100 000 of them;
        # tests/test_fast_paths_import.py holds it to _keyed_entry_toml)
        template, values, types, texts = form
        row = values(table)
        if tuple(map(type, row)) == types and not _TOML_ESCAPED.search("".join(texts(table))):
            text = template % row
            return text if len(text) > 120 else None
    return _keyed_entry_toml(table)


_TOML_TYPES = {"id": int, "kind": str, "date": datetime.date, "agreement": str, "digest": str, "source": str, "year": int, "line": str,
               "county": str, "recipient": str, "amount": int, "reference": str, "note": str, "reverses": int, "hash": str}
_TOML_FORMS: dict[tuple[str, ...], tuple | bool] = {}


def _toml_form(keys: tuple[str, ...]) -> tuple | bool:
    """For tables with these keys: the entry's text as a %-template (the keys in KEY_ORDER), a
    getter of its values, their types, and a getter of its strings; False for keys it cannot do.
    A ledger has a few key sets; a damaged one's many are not all kept."""
    order = [key for key in KEY_ORDER if key in keys]
    if len(order) != len(keys) or len(order) < 2:
        form: tuple | bool = False
    else:
        texts = [key for key in order if _TOML_TYPES[key] is str]
        form = (
            "\n[[entry]]\n" + "".join(f'{key} = "%s"\n' if _TOML_TYPES[key] is str else f"{key} = %s\n" for key in order),
            itemgetter(*order),
            tuple(_TOML_TYPES[key] for key in order),
            itemgetter(*texts) if len(texts) > 1 else lambda table: [table[key] for key in texts],
        )
    if len(_TOML_FORMS) < 256:
        _TOML_FORMS[keys] = form
    return form


def _keyed_entry_toml(table: dict[str, Any]) -> str | None:
    """_plain_entry_toml key by key, for any mix of plain values (the template's reference)."""
    lines = ["\n[[entry]]\n"]
    for key in KEY_ORDER:
        value = table.get(key)
        kind = type(value)
        if kind is str:
            if _TOML_ESCAPED.search(value):
                return None
            lines.append(f'{key} = "{value}"\n')
        elif kind is int or kind is datetime.date:
            lines.append(f"{key} = {value}\n")
        elif value is not None:
            return None
    text = "".join(lines)
    return text if len(text) > 120 else None  # a table this short tomli-w might write inline


def _reference_entries_toml(tables: list[dict[str, Any]]) -> str:
    """The reference writer: tomli-w, in one call for the whole batch (tomli-w first tries each
    array element as an inline table, and stops trying at the first that does not fit on a
    line, instead of rendering every entry twice)."""
    import tomli_w

    if not tables:
        return ""
    ordered = [{key: table[key] for key in KEY_ORDER if table.get(key) is not None} for table in tables]
    text = "\n" + tomli_w.dumps({"entry": ordered})
    if not text.startswith("\n[[entry]]\n"):  # pragma: no cover - only if an entry fit on one line
        raise ValueError("an entry did not serialise as an [[entry]] table")
    return text


def entry_toml(table: dict[str, Any]) -> str:
    """One entry as the text appended to the file."""
    return entries_toml([table])
