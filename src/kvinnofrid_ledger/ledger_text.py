"""The ledger file as text: parse it into raw entry tables, and write one entry as TOML.

Parsing has two paths with one meaning. The fast path reads the exact layout this tool writes
(one `[[entry]]` table after another, keys in a fixed order, values in the forms tomli-w emits)
with one regular expression per entry; it accepts a strict subset of TOML and decodes it exactly
as a TOML parser does. Anything else in the file (a comment between entries, a key out of order,
a hand edit in another style, an error) sends the whole file to tomllib, the reference parser,
so the meaning of a file never depends on which path read it. Reading its own layout, the fast
path also formats each money entry's canonical form from the text it matched and takes its hash
(RawEntry.chained), and hands the entry's values to the caller's builder (RawEntry.entry): what
the hash chain's rule and ledger.build_entry would otherwise work out again from the table.
"""

from __future__ import annotations

import datetime
import re
from operator import itemgetter
from collections.abc import Callable, Container, Iterable
from typing import Any, NamedTuple

from .digests import sha256_for
from .models import Problem

LEDGER_HEADER = """\
# kvinnofrid-ledger: the append-only ledger of the agreement's disbursements, repayments and
# reversals. Entries are added only by `ledger record`, `ledger reverse` and `ledger import`, and
# the terms entries, which pin the terms the ledger is kept under, by `ledger init` and `ledger amend`.
# Do not edit or remove an entry: each entry's hash covers its fields and the hash of the entry
# before it, so `ledger check` finds any change. A mistake is corrected by a new entry.
"""

GENESIS = "0" * 64
"""The `prev` of the first entry of a ledger: no entry comes before it."""

KEY_ORDER = ("id", "kind", "date", "agreement", "digest", "source", "year", "line", "county", "recipient", "amount", "reference", "note", "reverses", "hash")


class RawEntry(NamedTuple):
    """One [[entry]] table as the TOML parser gives it, and the line of its header.

    `chained` is entry_hash(table, prev) when the fast path worked it out from the text it
    matched, `prev` being the hash of the entry before it in the file (GENESIS for the first):
    the hash chain's rule takes it instead of working it out again from the table when its own
    `prev` is that one. None when the reader did not (any other reader, any other layout).
    A NamedTuple, as models.Entry: a ledger holds up to hundreds of thousands of them.
    """

    lineno: int
    table: dict[str, Any]
    chained: str | None = None
    prev: str | None = None
    entry: Any = None  # what the reader's `build` made of the table's values, if anything


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
_date = datetime.date.fromisoformat
_new = tuple.__new__


def _text(value: str) -> str:
    global _decode
    if "\\" not in value:
        return value
    if _decode is None:  # made when first needed: only a string with an escape needs json (1.3 ms to import)
        import json

        _decode = json.JSONDecoder(strict=False).decode  # the escapes above mean the same in JSON
    return _decode(f'"{value}"')


_decode = None


def plain_template(fields: Iterable[str], strings: Container[str]) -> str:
    """The canonical form (ledger.canonical_form) of a table with these fields as a %-template
    over its values in sorted-key order, each of `strings` between quotes and every other bare.

    Right only for values JSON writes as their own text, which the caller makes sure of: an int
    (its str is its JSON), a date (its str is its isoformat) and a string with nothing JSON
    escapes (no control character, quote or backslash). The hashes' fast paths format the usual
    entry with it, a third of the encoder's cost (tests/test_fast_paths.py holds them to it)."""
    return "{" + ",".join(f'"{key}":"%s"' if key in strings else f'"{key}":%s' for key in sorted(fields)) + "}"


# Where each field of a money entry's match is in `m.groups() + (prev,)`: the canonical form
# of the usual entry is a template over these texts, as matched (see _fast_parse).
_GROUP_OF = {"id": 1, "kind": 2, "date": 3, "year": 4, "line": 5, "county": 6, "recipient": 7, "amount": 8,
             "reference": 9, "note": 10, "reverses": 11, "prev": 13}
_QUOTED = {"kind", "date", "line", "county", "recipient", "reference", "note", "prev"}
_FORMS: dict[tuple[bool, bool, bool], tuple[str, Any]] = {}
# A terms entry's canonical form over its matched texts: agreement, date, digest, id, kind, prev, source.
_PIN_FORM = plain_template(("id", "kind", "date", "agreement", "digest", "source", "prev"), {"kind", "date", "agreement", "digest", "source", "prev"})


def _form(shape: tuple[bool, bool, bool]) -> tuple[str, Any]:
    """For a money entry with or without (county, recipient, reverses): the template of its
    canonical form and the getter of its values from the match's groups and prev."""
    form = _FORMS.get(shape)
    if form is None:
        fields = ["id", "kind", "date", "year", "line", "amount", "reference", "note", "prev"]
        fields += [key for key, present in zip(("county", "recipient", "reverses"), shape) if present]
        form = _FORMS[shape] = (plain_template(fields, _QUOTED), itemgetter(*(_GROUP_OF[key] for key in sorted(fields))))
    return form


def _fast_parse(text: str, build: Callable[[tuple], Any] | None = None) -> list[RawEntry] | None:
    """The entries of a file in this tool's own layout, or None when the file is in any other.

    `build`, given a money entry's values as they are matched (of their types, in models.Entry's
    order, its line last), gives what `RawEntry.entry` holds: the caller's Entry of them.

    When no string of a money entry has an escape or a tab, its text is its values and their
    JSON alike (ints and dates are written as JSON writes them too), so the canonical form its
    hash covers is formatted from the matched text, and its hash taken here (`RawEntry.chained`):
    a third of the cost of building it again from the table.
    """
    preamble = _PREAMBLE.match(text)
    pos = preamble.end()
    lineno = text.count("\n", 0, pos) + 1
    # where the next backslash (an escape: decode that entry's strings) and the next tab (which
    # JSON escapes) are, -1 for none: an entry holds one when it is before the entry's end
    next_escape, next_tab = text.find("\\", pos), text.find("\t", pos)
    prev_plain = True  # the hash before (GENESIS, or the last entry's) has nothing JSON escapes
    entries: list[RawEntry] = []
    append = entries.append
    match_at = _ENTRY.match
    # the few dates, years and names of a ledger, each converted once and shared by its entries
    dates: dict[str, datetime.date] = {}
    years: dict[str, int] = {}
    words: dict[str, str] = {}
    word = words.setdefault
    prev = GENESIS
    sha256 = sha256_for(len(text))
    try:
        while True:
            m = match_at(text, pos)
            if m is None:
                if not text.startswith("[[entry]]\n", _TRAILER.match(text, pos).end()):
                    break  # the end of the file (or no entry a pattern can read): not worth compiling the terms entry's
                m = re.compile(_TERMS_ENTRY).match(text, pos)  # only where a money entry did not match: rare
                if m is None:
                    break
                blank, ident, date, agreement, digest, source, hashed = m.groups()
                end = m.end()
                plain = prev_plain  # as for a money entry below: then hashed from the text
                prev_plain = True
                if 0 <= next_escape < end:
                    agreement, digest, source, hashed = map(_text, (agreement, digest, source, hashed))
                    next_escape = text.find("\\", end)
                    plain = prev_plain = False
                if 0 <= next_tab < end:
                    next_tab = text.find("\t", end)
                    plain = prev_plain = False
                lineno += len(blank)
                table = {"id": int(ident), "kind": "terms", "date": _date(date), "agreement": agreement,
                         "digest": digest, "source": source, "hash": hashed}
                if plain:  # every ledger begins with one: hashed here, the hash rule needs no OpenSSL for it
                    chained = sha256((_PIN_FORM % (agreement, date, digest, ident, "terms", prev, source)).encode()).hexdigest()
                    append(_new(RawEntry, (lineno, table, chained, prev, None)))
                else:
                    append(RawEntry(lineno, table))
                lineno += 8
                pos = end
                prev = hashed
                continue
            groups = m.groups()
            (blank, ident, kind, date, year, line, county, recipient, amount, reference, note, reverses, digest) = groups
            end = m.end()
            plain = prev_plain  # every string, and the hash before, as JSON writes it: hashed from the text below
            prev_plain = True
            if 0 <= next_escape < end:  # an escape in this entry: decode each string
                kind, line, reference, note, digest = map(_text, (kind, line, reference, note, digest))
                county = county if county is None else _text(county)
                recipient = recipient if recipient is None else _text(recipient)
                next_escape = text.find("\\", end)
                plain = prev_plain = False
            if 0 <= next_tab < end:
                next_tab = text.find("\t", end)
                plain = prev_plain = False
            lineno += len(blank)
            day = dates.get(date)
            if day is None:
                day = dates[date] = _date(date)
            budget_year = years.get(year)
            if budget_year is None:
                budget_year = years[year] = int(year)
            ident, kind, line, amount = int(ident), word(kind, kind), word(line, line), int(amount)
            table: dict[str, Any] = {"id": ident, "kind": kind, "date": day, "year": budget_year, "line": line}
            size = 10  # lines: the header, nine fields, and each optional one
            if county is not None:
                table["county"] = county = word(county, county)
                size += 1
            if recipient is not None:
                table["recipient"] = recipient = word(recipient, recipient)
                size += 1
            table["amount"] = amount
            table["reference"] = reference
            table["note"] = note
            if reverses is not None:
                table["reverses"] = reverses = int(reverses)
                size += 1
            table["hash"] = digest
            entry = build((ident, kind, day, budget_year, line, amount, reference, note, county, recipient, reverses, digest, lineno)) if build else None
            if plain:
                shape = (county is not None, recipient is not None, reverses is not None)
                template, values = _FORMS.get(shape) or _form(shape)
                chained = sha256((template % values(groups + (prev,))).encode()).hexdigest()
                append(_new(RawEntry, (lineno, table, chained, prev, entry)))
            else:
                append(_new(RawEntry, (lineno, table, None, None, entry)))
            prev = digest
            lineno += size
            pos = end
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


def parse_ledger_text(text: str, build: Callable[[tuple], Any] | None = None) -> tuple[list[RawEntry], list[Problem]]:
    """The raw entries of a ledger file's text, and any problem that stops it being read
    (`build`: see _fast_parse; the reference path builds nothing)."""
    entries = _fast_parse(text, build)
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
        if tuple(map(type, row)) == types:
            strings = "".join(texts(table))
            # printable and no quote or backslash: nothing TOML escapes (as in ledger._plain_canonical_form)
            if (strings.isprintable() and '"' not in strings and "\\" not in strings) or not _TOML_ESCAPED.search(strings):
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
