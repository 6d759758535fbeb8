"""The ledger: read it (parse → build), hash its chain, and append to it under a lock.

This module is the only writer of a ledger file, and it only ever appends (or, in `repair`,
cuts a torn tail). New entries are appended under an exclusive lock held from the first read to
the last byte, so concurrent writers queue up, and through a rollback journal (journal.py), so
that a killed writer leaves either the whole batch or none of it.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import re
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from operator import itemgetter
from typing import Any

from .canonical import canonical_json
from .errors import UserError
from .frozen import frozen
from .ledger_text import GENESIS, LEDGER_HEADER, RawEntry, entries_toml, parse_ledger_text, plain_template, torn_tail_start  # noqa: F401 - GENESIS: the chain's modules take it from here
from .models import KINDS, PIN_FIELDS, REVERSAL, TERMS_KIND, Entry, Problem, TermsPin

LEDGER_FILE = "ledger.toml"


# --- the hash chain --------------------------------------------------------------------------


def canonical_form(table: dict[str, Any], prev: str) -> bytes:
    """What an entry's hash covers: every field but `hash`, plus `prev`, the hash before it.

    A JSON object with keys sorted, no white space, strings in UTF-8 with JSON's escapes, and
    dates as "YYYY-MM-DD" (RFC 8785, the JSON Canonicalization Scheme, for these values).
    """
    fields = {key: (value.isoformat() if type(value) is datetime.date else value) for key, value in table.items() if key != "hash"}
    fields["prev"] = prev
    return canonical_json(fields)


def entry_hash(table: dict[str, Any], prev: str) -> str:
    global _sha256
    if _sha256 is None:  # OpenSSL's, imported on first use: a check whose reader hashed every entry needs none
        from hashlib import sha256 as _sha256
    return _sha256(_plain_canonical_form(table, prev) or canonical_form(table, prev)).hexdigest()


_sha256 = None


# The fast path of canonical_form, for the usual entry: fields of their own types, strings with
# nothing JSON escapes. The JSON is then a %-template over the values in sorted-key order,
# about a third faster than the encoder (tests/test_fast_paths.py holds it to canonical_form).
_JSON_ESCAPED = re.compile(r'[\x00-\x1f"\\]')
_PLAIN_FORMS: dict[tuple[str, ...], tuple | None] = {}


def _plain_canonical_form(table: dict[str, Any], prev: str) -> bytes | None:
    """canonical_form(table, prev), or None for a table it cannot show is plain."""
    keys = tuple(table)
    form = _PLAIN_FORMS.get(keys)
    if form is None:
        if keys in _PLAIN_FORMS:  # a shape it cannot do
            return None
        form = _plain_form(keys)
        if len(_PLAIN_FORMS) < 256:  # a file in many shapes (damage, hand edits) is not all kept
            _PLAIN_FORMS[keys] = form
        if form is None:
            return None
    template, values, types, texts, at = form
    row = values(table)
    if tuple(map(type, row)) != types or type(prev) is not str:
        return None
    text = "".join(texts(table)) + prev
    # printable and no quote or backslash: nothing JSON escapes (str methods, twice as fast as
    # the search); else the search decides (a tab, DEL or a non-printing character may pass)
    if not (text.isprintable() and '"' not in text and "\\" not in text) and _JSON_ESCAPED.search(text):
        return None
    return (template % (row[:at] + (prev,) + row[at:])).encode("utf-8")


def _plain_form(keys: tuple[str, ...]):
    """For tables with these keys (in this order): the JSON as a %-template, a getter of the
    values it takes, their types, a getter of the strings among them, and where `prev` goes."""
    fields = sorted(key for key in keys if key != "hash")
    if "prev" in keys or len(fields) < 2 or not all(key in _TYPES for key in fields):
        return None
    texts = [key for key in fields if _TYPES[key] is str]
    hashed = sorted(fields + ["prev"])
    return (
        plain_template(hashed, {"prev", *(key for key in fields if _TYPES[key] is not int)}),
        itemgetter(*fields),
        tuple(_TYPES[key] for key in fields),
        itemgetter(*texts) if len(texts) > 1 else lambda table: [table[key] for key in texts],
        hashed.index("prev"),
    )


# --- building entries from raw tables --------------------------------------------------------

_REQUIRED = {"id": int, "kind": str, "date": datetime.date, "year": int, "line": str, "amount": int, "reference": str, "note": str, "hash": str}
_OPTIONAL = {"county": str, "recipient": str, "reverses": int}
_TYPES = {**_REQUIRED, **_OPTIONAL}
_REQUIRED_KEYS = frozenset(_REQUIRED)
_PIN_TYPES = {"id": int, "kind": str, "date": datetime.date, "agreement": str, "digest": str, "source": str, "hash": str}
"""A terms entry's fields (models.PIN_FIELDS), all required."""
_TYPE_WORDS = {int: "an integer", str: "a string", datetime.date: "a date"}
_HEX64 = re.compile(r"[0-9a-f]{64}")


_SHAPES: dict[tuple[str, ...], tuple[type, ...] | None] = {}


def is_hash(text: str) -> bool:
    """A SHA-256 as the ledger writes it: 64 lower-case hexadecimal digits."""
    return _HEX64.fullmatch(text) is not None


def _expected_types(keys: tuple[str, ...]) -> tuple[type, ...] | None:
    """The types the fields of a table with these keys must have; None if the keys are wrong.
    A ledger has only a few key sets, so this is looked up, not worked out, per entry."""
    if keys not in _SHAPES:
        ok = _REQUIRED_KEYS <= set(keys) and all(key in _TYPES for key in keys)
        _SHAPES[keys] = tuple(_TYPES[key] for key in keys) if ok else None
    return _SHAPES[keys]


def _shape_problems(table: dict[str, Any], problem, required: dict[str, type] = _REQUIRED, types: dict[str, type] = _TYPES) -> None:
    for key, kind in required.items():
        if key not in table:
            problem(f"missing field {key!r}")
    for key, value in table.items():
        kind = types.get(key)
        if kind is None:
            problem(f"unknown field {key!r}")
        elif type(value) is not kind:
            problem(f"field {key!r} must be {_TYPE_WORDS[kind]}, not {value!r}")


def build_entry(raw: RawEntry) -> tuple[Entry | None, list[Problem]]:
    """An Entry from a raw table when every field is present and of its type; else the problems."""
    entry = _usual_entry(raw)
    return (entry, []) if entry is not None else _reference_build_entry(raw)


# The usual entry, every rule of _reference_build_entry passed at once and the Entry made of its
# values in one step (check reads 100 000 of these; tests/test_fast_paths.py holds build_entry,
# and the entries the fast reader builds with _entry_of, to _reference_build_entry).
_LAYOUTS: dict[tuple[str, ...], tuple] = {}
_new = tuple.__new__
_ENTRY_FIELDS = ("id", "kind", "date", "year", "line", "amount", "reference", "note", "county", "recipient", "reverses", "hash")


def _entry_of(fields: tuple) -> Entry | None:
    """The Entry of these values (each of its field's type, in Entry's order) when every rule
    of a money entry's fields holds; else None."""
    kind = fields[1]
    if fields[0] >= 1 and fields[5] >= 1 and kind in KINDS and (kind == REVERSAL) == (fields[10] is not None) and _HEX64.fullmatch(fields[11]):
        return _new(Entry, fields)
    return None


def _usual_entry(raw: RawEntry) -> Entry | None:
    """The Entry of a raw table whose every field is right, else None (build_entry says why)."""
    table = raw.table
    keys = tuple(table)
    layout = _LAYOUTS.get(keys) or _layout(keys)
    if layout is None:
        return None
    types, fields = layout
    values = tuple(table.values())
    if tuple(map(type, values)) != types:
        return None
    return _entry_of(fields(values + (None, raw.lineno)))


def _layout(keys: tuple[str, ...]) -> tuple | None:
    """For money tables with these keys (in this order): their values' types, and a getter of
    an Entry's fields (lineno last) from the values followed by None and the lineno. None for
    keys that make no money entry."""
    if _expected_types(keys) is None:
        return None
    at = {key: index for index, key in enumerate(keys)}
    absent, lineno = len(keys), len(keys) + 1
    layout = (_expected_types(keys), itemgetter(*(at.get(key, absent) for key in _ENTRY_FIELDS), lineno))
    if len(_LAYOUTS) < 256:  # a file in many layouts (damage, hand edits) is not all kept
        _LAYOUTS[keys] = layout
    return layout


def _reference_build_entry(raw: RawEntry) -> tuple[Entry | None, list[Problem]]:
    """build_entry, rule by rule, each problem named."""
    table = raw.table
    ident = table.get("id") if type(table.get("id")) is int else None
    problems = []

    def problem(message: str) -> None:
        problems.append(Problem("fields", message, entry=ident, lineno=raw.lineno))

    if _expected_types(tuple(table)) != tuple(map(type, table.values())):
        _shape_problems(table, problem)
        return None, problems
    if table["id"] < 1:
        problem(f"id {table['id']} must be 1 or more")
    if table["amount"] < 1:
        problem(f"amount {table['amount']} must be a positive number of kronor; the kind gives the direction")
    if table["kind"] not in KINDS:
        problem(f"kind {table['kind']!r} must be one of {', '.join(KINDS)}")
    if (table["kind"] == REVERSAL) != ("reverses" in table):
        problem("a reversal, and only a reversal, names the entry it cancels in 'reverses'")
    if not is_hash(table["hash"]):
        problem("hash must be 64 lower-case hexadecimal digits (SHA-256)")
    if problems:
        return None, problems
    entry = Entry(
        id=table["id"],
        kind=table["kind"],
        date=table["date"],
        year=table["year"],
        line=table["line"],
        amount=table["amount"],
        reference=table["reference"],
        note=table["note"],
        county=table.get("county"),
        recipient=table.get("recipient"),
        reverses=table.get("reverses"),
        hash=table["hash"],
        lineno=raw.lineno,
    )
    return entry, []


def build_pin(raw: RawEntry) -> tuple[TermsPin | None, list[Problem]]:
    """A TermsPin from a raw table of kind "terms" when its fields are right; else the problems."""
    table = raw.table
    ident = table.get("id") if type(table.get("id")) is int else None
    problems = []

    def problem(message: str) -> None:
        problems.append(Problem("fields", message, entry=ident, lineno=raw.lineno))

    if set(table) != set(_PIN_TYPES) or any(type(table[key]) is not kind for key, kind in _PIN_TYPES.items()):
        _shape_problems(table, problem, _PIN_TYPES, _PIN_TYPES)
        return None, problems
    if table["id"] < 1:
        problem(f"id {table['id']} must be 1 or more")
    for key in ("agreement", "source"):
        if not table[key].strip():
            problem(f"a terms entry names its {key}; {key!r} is empty")
    for key in ("digest", "hash"):
        if not is_hash(table[key]):
            problem(f"{key} must be 64 lower-case hexadecimal digits (SHA-256)")
    if problems:
        return None, problems
    return TermsPin(**{key: table[key] for key in PIN_FIELDS}, lineno=raw.lineno), []


def build_record(raw: RawEntry) -> tuple[Entry | TermsPin | None, list[Problem]]:
    """Either kind of table: a terms entry, or a money entry (every other kind)."""
    return build_pin(raw) if raw.table.get("kind") == TERMS_KIND else build_entry(raw)


def entry_table(entry: Entry | TermsPin) -> dict[str, Any]:
    """An Entry (or TermsPin) as the table written to the file (and hashed): absent fields left out."""
    if type(entry) is Entry:
        # the fields unpacked from the tuple in one step, not looked up by name one by one: an
        # import builds this table three times per row (tests/test_fast_paths.py holds it to
        # _reference_entry_table)
        ident, kind, date, year, line, amount, reference, note, county, recipient, reverses, hash_, _lineno = entry
        table = {"id": ident, "kind": kind, "date": date, "year": year, "line": line, "amount": amount, "reference": reference, "note": note}
        if county is not None:
            table["county"] = county
        if recipient is not None:
            table["recipient"] = recipient
        if reverses is not None:
            table["reverses"] = reverses
        table["hash"] = hash_
        return table
    return _reference_entry_table(entry)


def _reference_entry_table(entry: Entry | TermsPin) -> dict[str, Any]:
    """entry_table by the field lists of models.py and this module."""
    if type(entry) is TermsPin:
        return {key: getattr(entry, key) for key in PIN_FIELDS}
    table = {key: getattr(entry, key) for key in _REQUIRED if key != "hash"}
    for key in _OPTIONAL:
        if getattr(entry, key) is not None:
            table[key] = getattr(entry, key)
    table["hash"] = entry.hash
    return table


# --- the ledger ------------------------------------------------------------------------------


@frozen
class Ledger:
    """A ledger as read: its raw tables (what the chain covers), the entries built from them,
    and the problems found while reading (syntax and fields). `pins` are its terms entries,
    apart from the money `entries` that the rules add up."""

    path: str
    raw: tuple[RawEntry, ...]
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]
    line_count: int = 0  # newlines in the file: where the next appended entry's lines begin
    pins: tuple[TermsPin, ...] = ()

    @property
    def count(self) -> int:
        """How many [[entry]] tables the file holds."""
        return len(self.raw)

    @property
    def head(self) -> str | None:
        """The hash of the last entry: what an auditor writes down to pin the ledger."""
        if not self.raw:
            return None
        value = self.raw[-1].table.get("hash")
        return value if isinstance(value, str) else None

    @property
    def next_id(self) -> int:
        ids = [r.table["id"] for r in self.raw if type(r.table.get("id")) is int]
        return max(ids, default=0) + 1


def parse_ledger(data: bytes, path: str = LEDGER_FILE) -> Ledger:
    """parse → build: a Ledger from the bytes of a ledger file."""
    from .gc_pause import gc_paused

    with gc_paused():
        return _parse_ledger(data, path)


def _parse_ledger(data: bytes, path: str) -> Ledger:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        # a write cut short can split the last character: the rest may still be a torn tail
        torn = _torn(data[: error.start].decode("utf-8", "replace"), path, len(data) - error.start) if error.reason == "unexpected end of data" else None
        if torn is not None:
            return torn
        line = data.count(b"\n", 0, error.start) + 1
        return Ledger(path, (), (), (Problem("syntax", f"not UTF-8 text (byte {error.start})", lineno=line),))
    raw, problems = parse_ledger_text(text, _entry_of)
    if problems or any(build_record(item)[1] for item in raw[-1:]):
        torn = _torn(text, path)
        if torn is not None:
            return torn
    entries = []
    pins = []
    usual, add = _usual_entry, entries.append
    for item in raw:
        built = item.entry  # the reader built it with _entry_of: build_entry's usual case
        if built is None and item.table.get("kind") != TERMS_KIND:
            built = usual(item)
        if built is not None:
            add(built)
            continue
        built, entry_problems = build_record(item)
        if built is not None:
            (pins if type(built) is TermsPin else entries).append(built)
        problems.extend(entry_problems)
    return Ledger(path, tuple(raw), tuple(entries), tuple(problems), text.count("\n"), pins=tuple(pins))


def _torn(text: str, path: str, split: int = 0) -> Ledger | None:
    """The intact entries of a file that ends in a torn fragment, with one problem saying where
    the tear begins; None when the file is damaged in any other way (see torn_tail_start)."""
    start = torn_tail_start(text)
    if start is None:
        return None
    intact = parse_ledger(text[:start].encode("utf-8"), path)
    if intact.problems:
        return None
    line = intact.line_count + 1
    size = len(text[start:].encode("utf-8")) + split  # `split`: bytes of a character cut in two
    problem = Problem(
        "syntax",
        f"the file ends in an incomplete entry ({size} bytes from line {line} on: a write cut short, by a power "
        f"loss or a killed writer); {_entries(intact.count)} before it {'is' if intact.count == 1 else 'are'} intact; `ledger repair` cuts it off "
        "and keeps a copy of it",
        lineno=line,
    )
    return replace(intact, problems=(problem,))


def _entries(count: int) -> str:
    return f"the {count} entr{'y' if count == 1 else 'ies'}"


def read_ledger(path: str | os.PathLike) -> Ledger:
    """Read a ledger file under a shared lock, so that a write in progress is never half seen.

    A reader changes nothing: when a killed writer left an unfinished batch (journal.py), only
    the committed bytes are read, and the batch is reported as a problem until a writer or
    `ledger repair` rolls it back."""
    from . import journal

    with _open_locked(path, exclusive=False) as handle:
        data = handle.read_all()
        found = journal.state(path, data)
    if found is None:
        return parse_ledger(data, str(path))
    if isinstance(found, journal.Foreign):
        ledger = parse_ledger(data, str(path))
        return replace(ledger, problems=ledger.problems + (Problem("syntax", journal.foreign_message(path, found)),))
    ledger = parse_ledger(data[: found.size], str(path))
    problem = Problem(
        "syntax",
        f"an interrupted write (a record, reverse or import that was killed or failed) left {found.extra} bytes "
        f"of an unfinished batch from line {ledger.line_count + 1} on; they are not part of the ledger "
        "(see the journal beside it); `ledger repair` rolls them back, as the next record, reverse or import does",
        lineno=ledger.line_count + 1,
    )
    return replace(ledger, problems=ledger.problems + (problem,))


# --- files and locks -------------------------------------------------------------------------


class LockedFile:
    """An open ledger file held under a lock: read it whole, append to it."""

    def __init__(self, fd: int, path: str) -> None:
        self.fd = fd
        self.path = path
        self.content: bytes | None = None  # the bytes last read, which an append extends

    def read_all(self) -> bytes:
        size = os.fstat(self.fd).st_size
        chunks = []
        offset = 0
        while True:
            chunk = os.pread(self.fd, max(size - offset, 1 << 16), offset)
            if not chunk:
                self.content = b"".join(chunks)
                return self.content
            chunks.append(chunk)
            offset += len(chunk)

    def append(self, data: bytes | Iterable[bytes]) -> None:
        """Append `data` (bytes, or pieces of them made as they are written) after the bytes last
        read, through the rollback journal: after a kill or a full disk, all of it or none of it
        is in the ledger. Pieces are not kept: the ledger is read again before another append."""
        from . import journal

        assert self.content is not None, "read the ledger before appending to it"
        journal.append(self.fd, self.path, self.content, data)
        self.content = self.content + data if isinstance(data, bytes) else None


_OPENED: set[tuple[int, int]] = set()
"""(device, inode) of every ledger this process has opened: output.py refuses to write over any
of them, whichever command (or export format) is writing and whether or not it names the ledger."""


def opened_ledgers() -> frozenset[tuple[int, int]]:
    return frozenset(_OPENED)


@contextmanager
def _open_locked(path: str | os.PathLike, exclusive: bool) -> Iterator[LockedFile]:
    name = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat below refuses it anyway.
        fd = os.open(name, (os.O_RDWR if exclusive else os.O_RDONLY) | os.O_NONBLOCK)
    except FileNotFoundError:
        raise UserError(f"{name}: no such ledger file (create one with `ledger init`, or point --ledger at it)") from None
    except IsADirectoryError:
        raise UserError(f"{name}: is a folder, not a ledger file") from None
    except OSError as error:
        raise UserError(f"{name}: cannot open the ledger: {error.strerror}") from None
    try:
        status = os.fstat(fd)
        mode = status.st_mode
        if stat.S_ISDIR(mode):
            raise UserError(f"{name}: is a folder, not a ledger file")
        if not stat.S_ISREG(mode):
            raise UserError(f"{name}: is not a regular file (a device, a FIFO or a socket), so it cannot be a ledger")
        os.set_blocking(fd, True)
        _OPENED.add((status.st_dev, status.st_ino))
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield LockedFile(fd, name)
    finally:
        os.close(fd)  # closing releases the lock


@contextmanager
def open_for_append(path: str | os.PathLike, roll_back: bool = True) -> Iterator[LockedFile]:
    """The ledger file under an exclusive lock, for one read-validate-append. An unfinished
    batch a killed writer left is rolled back first (journal.py), unless the caller (repair)
    does that itself."""
    from . import journal

    with _open_locked(path, exclusive=True) as handle:
        if not roll_back:
            yield handle
            return
        try:
            if os.path.lexists(journal.journal_path(path)):  # else there is nothing to read for
                journal.roll_back(handle.fd, path, handle.read_all())
        except OSError as error:
            raise UserError(f"{path}: an interrupted write could not be rolled back: {error.strerror}; nothing was written") from None
        yield handle


def serialize_entries(entries: list[Entry | TermsPin]) -> bytes:
    return entries_toml([entry_table(entry) for entry in entries]).encode("utf-8")


def create_empty_ledger(path: str | os.PathLike, entries: bytes = b"") -> None:
    """Write a new ledger with its header comment (and `entries`, `ledger init`'s terms entry)
    in one write; refuse if the file exists."""
    try:
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise UserError(f"{path}: already exists; nothing was written") from None
    from .durable import write_all

    try:
        write_all(fd, LEDGER_HEADER.encode("utf-8") + entries)
        os.fsync(fd)
    except OSError as error:
        os.close(fd)
        os.unlink(str(path))
        raise UserError(f"{path}: cannot be written: {error.strerror}; nothing was written") from None
    os.close(fd)

