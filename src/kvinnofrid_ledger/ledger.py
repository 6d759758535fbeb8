"""The ledger: read it (parse → build), hash its chain, and append to it under a lock.

This module is the only writer of a ledger file, and it only ever appends. A new entry is
written with one write() call and fsync'd before success is reported, with an exclusive lock
held from the first read to the last byte, so concurrent writers queue up and a killed writer
leaves either the whole entry or none of it.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .canonical import CANONICAL
from .errors import UserError
from .ledger_text import LEDGER_HEADER, RawEntry, entries_toml, parse_ledger_text
from .models import KINDS, PIN_FIELDS, REVERSAL, TERMS_KIND, Entry, Problem, TermsPin

LEDGER_FILE = "ledger.toml"
GENESIS = "0" * 64
"""The `prev` of the first entry: no entry comes before it."""


# --- the hash chain --------------------------------------------------------------------------


def canonical_form(table: dict[str, Any], prev: str) -> bytes:
    """What an entry's hash covers: every field but `hash`, plus `prev`, the hash before it.

    A JSON object with keys sorted, no white space, strings in UTF-8 with JSON's escapes, and
    dates as "YYYY-MM-DD" (RFC 8785, the JSON Canonicalization Scheme, for these values).
    """
    fields = {key: (value.isoformat() if type(value) is datetime.date else value) for key, value in table.items() if key != "hash"}
    fields["prev"] = prev
    return CANONICAL.encode(fields).encode("utf-8")


def entry_hash(table: dict[str, Any], prev: str) -> str:
    return hashlib.sha256(canonical_form(table, prev)).hexdigest()


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
    if type(entry) is TermsPin:
        return {key: getattr(entry, key) for key in PIN_FIELDS}
    table = {key: getattr(entry, key) for key in _REQUIRED if key != "hash"}
    for key in _OPTIONAL:
        if getattr(entry, key) is not None:
            table[key] = getattr(entry, key)
    table["hash"] = entry.hash
    return table


# --- the ledger ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ledger:
    """A ledger as read: its raw tables (what the chain covers), the entries built from them,
    and the problems found while reading (syntax and fields).

    A ledger read through a verified index (ledger_index.py) starts from a base: its first
    `base_count` entries, ending in `base_head`, were checked before and are not in `raw`.
    `pins` are its terms entries, apart from the money `entries` that the rules add up.
    """

    path: str
    raw: tuple[RawEntry, ...]
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]
    line_count: int = 0  # newlines in the file: where the next appended entry's lines begin
    base_count: int = 0
    base_head: str = GENESIS
    pins: tuple[TermsPin, ...] = ()

    @property
    def count(self) -> int:
        """How many [[entry]] tables the file holds."""
        return self.base_count + len(self.raw)

    @property
    def head(self) -> str | None:
        """The hash of the last entry: what an auditor writes down to pin the ledger."""
        if not self.raw:
            return self.base_head if self.base_count else None
        value = self.raw[-1].table.get("hash")
        return value if isinstance(value, str) else None

    @property
    def next_id(self) -> int:
        ids = [r.table["id"] for r in self.raw if type(r.table.get("id")) is int]
        return max(ids, default=self.base_count) + 1


def parse_ledger(data: bytes, path: str = LEDGER_FILE) -> Ledger:
    """parse → build: a Ledger from the bytes of a ledger file."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return Ledger(path, (), (), (Problem("syntax", f"not UTF-8 text (byte {error.start})", lineno=line),))
    raw, problems = parse_ledger_text(text)
    entries = []
    pins = []
    for item in raw:
        built, entry_problems = build_record(item)
        if built is not None:
            (pins if type(built) is TermsPin else entries).append(built)
        problems.extend(entry_problems)
    return Ledger(path, tuple(raw), tuple(entries), tuple(problems), text.count("\n"), pins=tuple(pins))


def read_ledger(path: str | os.PathLike) -> Ledger:
    """Read a ledger file under a shared lock, so that a write in progress is never half seen."""
    with _open_locked(path, exclusive=False) as handle:
        return parse_ledger(handle.read_all(), str(path))


# --- files and locks -------------------------------------------------------------------------


class LockedFile:
    """An open ledger file held under a lock: read it whole, append to it."""

    def __init__(self, fd: int, path: str) -> None:
        self.fd = fd
        self.path = path

    def read_all(self) -> bytes:
        size = os.fstat(self.fd).st_size
        chunks = []
        offset = 0
        while True:
            chunk = os.pread(self.fd, max(size - offset, 1 << 16), offset)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            offset += len(chunk)

    def append(self, data: bytes) -> None:
        """Append `data` in one write() and fsync it: after a kill, all of it or none is there."""
        end = os.lseek(self.fd, 0, os.SEEK_END)
        written = os.write(self.fd, data)
        if written != len(data):  # a full disk: take the torn tail back off
            os.ftruncate(self.fd, end)
            raise UserError(f"{self.path}: only {written} of {len(data)} bytes could be written; nothing was recorded")
        os.fsync(self.fd)


@contextmanager
def _open_locked(path: str | os.PathLike, exclusive: bool) -> Iterator[LockedFile]:
    name = str(path)
    try:
        fd = os.open(name, os.O_RDWR if exclusive else os.O_RDONLY)
    except FileNotFoundError:
        raise UserError(f"{name}: no such ledger file (create one with `ledger init`, or point --ledger at it)") from None
    except IsADirectoryError:
        raise UserError(f"{name}: is a folder, not a ledger file") from None
    except OSError as error:
        raise UserError(f"{name}: cannot open the ledger: {error.strerror}") from None
    try:
        if os.path.isdir(name):
            raise UserError(f"{name}: is a folder, not a ledger file")
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield LockedFile(fd, name)
    finally:
        os.close(fd)  # closing releases the lock


@contextmanager
def open_for_append(path: str | os.PathLike) -> Iterator[LockedFile]:
    """The ledger file under an exclusive lock, for one read-validate-append."""
    with _open_locked(path, exclusive=True) as handle:
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
    try:
        os.write(fd, LEDGER_HEADER.encode("utf-8") + entries)
        os.fsync(fd)
    finally:
        os.close(fd)

