"""`ledger import`: the rows of a CSV or an .xlsx as people and spreadsheets write them, checked
all together, compared with the hashes they were exported with, and appended all or nothing.

One run reports every problem: cells that cannot be read, rows that changed since export, and
every rule of the agreement that the readable rows would break, each by its line (or sheet and
row). Amounts and counties are read by the same functions as `ledger record` reads its options.
"""

from __future__ import annotations

import datetime
import os
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import replace
from operator import itemgetter

from .errors import CELL, FILE, Reported, UserError, read_input
from .frozen import frozen
from .ledger import is_hash
from .models import DISBURSEMENT, KINDS, REPAYMENT, REVERSAL, TERMS_KIND
from .money import AmountError, parse_signed_kronor
from .record import Draft, PinDraft, iso_date, resolve_county, user_text
from .reports import CSV_FIELDS, MONEY_ONLY_COLUMNS, TERMS_COLUMNS
from .transfer import restore

# (this module is imported only by `ledger import`, so what a row needs is imported here once,
# not by each of 100 000 rows)

REQUIRED_COLUMNS = ("kind", "date", "year", "line", "amount")
KNOWN_COLUMNS = frozenset(CSV_FIELDS)
XLSX_MAGIC = b"PK\x03\x04"
"""An .xlsx is a zip archive; it is told from a CSV by its bytes, not by its name."""


@frozen
class Table:
    """The cells of an import as text, each row with its line in the file (its row in the sheet)."""

    name: str
    header: tuple[str, ...]
    rows: Iterable[tuple[int, tuple[str, ...]]]  # a CSV's: read once, as they are iterated over
    sheet: str | None = None  # an .xlsx: the sheet read
    neutralised: bool = False  # a CSV export: formula-like text cells carry transfer.neutralise's apostrophe

    def where(self, line: int) -> str:
        return f"{self.name}:{line}" if self.sheet is None else f"{self.name}: sheet {self.sheet!r}, row {line}"

    def label(self, column: str) -> str:
        if self.sheet is None or column not in self.header:
            return column
        from .xlsx import column_letter

        return f"{column} (column {column_letter(self.header.index(column) + 1)})"

    def problem(self, line: int | None, column: str | None, rule: str, message: str) -> Reported:
        where = self.where(line) if line is not None else self.name
        text = f"{where}: {self.label(column)}: {message}" if column else f"{where}: {message}"
        return Reported(line, column, rule, message, text)


@frozen
class Row:
    """A row read: its draft (None if a cell could not be read; a PinDraft for a terms row), its
    amount signed as in the export (0 for a terms row), and the id and hash it was exported with
    (None for a row added by hand)."""

    line: int
    draft: Draft | PinDraft | None
    signed_amount: int | None
    id: int | None
    hash: str | None


def read_table(path: str | os.PathLike) -> Table:
    name = str(path)
    data = read_input(path, "a CSV or .xlsx file")
    if data.startswith(XLSX_MAGIC):
        from .xlsx import read_entries_sheet

        return read_entries_sheet(data, name)
    from .dialects import read_csv_rows

    _separator, header, rows = read_csv_rows(data, name, CSV_FIELDS)
    return Table(name, tuple(header), rows, neutralised=True)  # the rows read as read_rows reaches them


def header_problems(table: Table) -> list[Reported]:
    header = table.header
    line = 1
    problems = []
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    unknown = [column for column in header if column not in KNOWN_COLUMNS]
    if missing:
        problems.append(table.problem(line, None, FILE, f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} (the header of `ledger export`)"))
    if unknown:
        problems.append(table.problem(line, None, FILE, f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; the columns are {', '.join(CSV_FIELDS)}"))
    if len(set(header)) != len(header):
        problems.append(table.problem(line, None, FILE, "a column appears twice in the header"))
    return problems


def read_rows(table: Table, terms) -> tuple[list[Row], list[Reported]]:
    """Every row of the table read, and every cell that could not be."""
    rows: list[Row] = []
    problems: list[Reported] = []
    plain = _plain_reader(table.header, terms)
    width = len(table.header)
    for line, cells in table.rows:
        if len(cells) != width:
            problems.append(table.problem(line, None, CELL, f"{len(cells)} cells where the header has {width}"))
            rows.append(Row(line, None, None, None, None))
            continue
        row = plain(line, cells) if plain is not None else None
        rows.append(row if row is not None else _row(table, line, dict(zip(table.header, cells)), terms, problems))
    return rows, problems


# The usual row, read at once: the columns picked by position, every test of `_row` that such a
# row passes made in one go, and the Row built from the values. Any row it is not sure of (a
# terms row, a cell with an apostrophe first, a county by name, an amount with spaces, anything
# `_row` would report) is left to `_row`, the reference, which reads it by name and names every
# problem (tests/test_fast_paths_import.py holds the two to the same rows). 100 000 rows: 0.95 → 0.3 s.
_PLAIN_COLUMNS = ("kind", "date", "year", "line", "amount", "county", "recipient", "reference", "note", "reverses", "id", "hash", *TERMS_COLUMNS)


def _plain_reader(header: tuple[str, ...], terms):
    """A reader of the usual row for tables with this header: the Row `_row` would read from
    its cells, or None for a row it leaves to `_row`. None for a header with a column twice."""
    if len(set(header)) != len(header):
        return None
    width = len(header)
    pick = itemgetter(*(header.index(column) if column in header else width for column in _PLAIN_COLUMNS))
    codes = frozenset(county.code for county in terms.counties if _county_as_read(terms, county.code) == county.code)
    dates: dict[str, datetime.date] = {}  # the few hundred dates of a file each read once, and held once
    numbers: dict[str, int] = {}  # likewise the years
    shared: dict[str, str] = {}

    def read(line: int, cells: tuple[str, ...]) -> Row | None:
        (kind, date_text, year_text, line_id, amount_text, county, recipient, reference, note,
         reverses, ident, exported_hash, agreement, digest, source) = pick(cells + ("",))
        if kind not in KINDS or agreement or digest or source or not line_id or (county and county not in codes):
            return None
        if line_id[0] == "'" or reference[:1] == "'" or note[:1] == "'" or recipient[:1] == "'":
            return None  # an apostrophe that `restore` may take off: the reference knows when
        date, year = _once(dates, iso_date, date_text), _once(numbers, _plain_integer, year_text)
        negative = amount_text[:1] == "-"
        amount = _plain_integer(amount_text[1:] if negative else amount_text)
        if date is None or year is None or not amount or (negative and kind == DISBURSEMENT) or (not negative and kind == REPAYMENT):
            return None
        target = _plain_integer(reverses) if reverses else None
        exported_id = _plain_integer(ident) if ident else None
        if (reverses and target is None) or (ident and exported_id is None) or (exported_hash and not is_hash(exported_hash)):
            return None
        held = shared.setdefault  # a kind, line, county or recipient held once, not once per row
        draft = Draft(held(kind, kind), date, year, held(line_id, line_id), amount, reference, note,
                      held(county, county) if county else None, held(recipient, recipient) if recipient else None, target)
        return Row(line, draft, -amount if negative else amount, exported_id, exported_hash or None)

    return read


def _once(read: dict, parse, text: str):
    """parse(text), parsed once per distinct text of the import (and so held once); None is not kept."""
    value = read.get(text)
    if value is None:
        value = parse(text)
        if value is not None:
            read[text] = value
    return value


def _plain_integer(text: str) -> int | None:
    """`_integer` of text with nothing but ASCII digits; None for anything else (left to it)."""
    return int(text) if text.isdigit() and text.isascii() and len(text) <= 18 else None


def _county_as_read(terms, text: str) -> str | None:
    try:
        return resolve_county(terms, text).code
    except UserError:
        return None


def _row(table: Table, line: int, cells: dict[str, str], terms, problems: list[Reported]) -> Row:
    before = len(problems)

    def bad(column: str, message: str) -> None:
        problems.append(table.problem(line, column, CELL, message))

    def text(column: str) -> str | None:
        value = cells.get(column, "")
        if value == "":
            return None
        return restore(value) if table.neutralised else value

    kind = text("kind") or ""
    ident = _integer(cells["id"], "id", bad) if cells.get("id", "").strip() else None
    exported_hash = _exported_hash(cells, bad)
    if kind == TERMS_KIND:
        return _terms_row(line, cells, text, bad, ident, exported_hash, len(problems) - before)
    filled = [column for column in TERMS_COLUMNS if cells.get(column, "")]
    if filled:
        bad(filled[0], f"only a terms row fills {', '.join(TERMS_COLUMNS)}")
    if kind not in KINDS:
        bad("kind", f"{kind!r} is not one of {', '.join(KINDS + (TERMS_KIND,))}")
    date = iso_date(cells["date"])
    if date is None:
        bad("date", f"{cells['date']!r} is not a date YYYY-MM-DD")
    year = _integer(cells["year"], "year", bad)
    amount = None
    try:
        amount = parse_signed_kronor(cells["amount"])
    except AmountError as error:
        bad("amount", str(error))
    if amount is not None:
        if kind == DISBURSEMENT and amount < 0:
            bad("amount", f"{amount} is negative, but a disbursement's amount is positive (amounts are signed as in the export)")
        elif kind == REPAYMENT and amount > 0:
            bad("amount", f"{amount} is positive, but a repayment's amount is negative (amounts are signed as in the export)")
    reverses = _integer(cells["reverses"], "reverses", bad) if cells.get("reverses", "").strip() else None
    county = text("county")
    if county is not None:
        try:
            county = resolve_county(terms, county).code
        except UserError as error:
            bad("county", error.lines[0])
    line_id = text("line") or ""
    if not line_id:
        bad("line", "is empty")
    if len(problems) > before:
        return Row(line, None, None, ident, exported_hash)
    draft = Draft(
        kind=kind,
        date=date,
        year=year,
        line=line_id,
        amount=abs(amount),
        reference=text("reference") or "",
        note=text("note") or "",
        county=county,
        recipient=text("recipient"),
        reverses=reverses,
    )
    return Row(line, draft, amount, ident, exported_hash)


def _exported_hash(cells: dict[str, str], bad) -> str | None:
    """The hash a row was exported with; None for a row added by hand (or one not a hash, reported)."""
    exported_hash = cells.get("hash", "").strip() or None
    if exported_hash is not None and not is_hash(exported_hash):
        bad("hash", f"{exported_hash!r} is not a hash as `ledger export` writes it (64 hexadecimal digits); leave it empty for a new row")
        return None
    return exported_hash


def _terms_row(line: int, cells: dict[str, str], text, bad, ident: int | None, exported_hash: str | None, earlier: int) -> Row:
    """A terms row: appended as recorded (its digest is not recomputed: it is history, and the
    terms rule still requires the ledger's last terms entry to pin the terms in force)."""
    wrong = earlier

    def fault(column: str, message: str) -> None:
        nonlocal wrong
        wrong += 1
        bad(column, message)

    date = iso_date(cells["date"])
    if date is None:
        fault("date", f"{cells['date']!r} is not a date YYYY-MM-DD")
    filled = next((column for column in MONEY_ONLY_COLUMNS if cells.get(column, "").strip()), None)
    if filled is not None:
        fault(filled, "a terms row leaves it empty")
    digest = text("digest") or ""
    if not is_hash(digest):
        fault("digest", f"{digest!r} is not a SHA-256 (64 lower-case hexadecimal digits)")
    for column in ("agreement", "source"):
        if not (text(column) or "").strip():
            fault(column, "is empty; a terms row names the agreement and the source of its terms")
    if wrong:
        return Row(line, None, None, ident, exported_hash)
    return Row(line, PinDraft(date=date, agreement=text("agreement"), digest=digest, source=text("source")), 0, ident, exported_hash)


def _integer(cell: str, column: str, bad) -> int | None:
    value = cell.strip()
    digits = value[1:] if value.startswith("-") else value
    if not digits.isdigit() or not digits.isascii() or len(digits) > 18:
        bad(column, f"{cell!r} is not a whole number")
        return None
    return int(value)


def reversal_sign_problems(table: Table, rows: list[Row], kinds_by_id: dict[int, str], first_id: int) -> list[Reported]:
    """A reversal's signed amount is the opposite of the effect of the entry it cancels."""
    if not any(row.draft is not None and row.draft.kind == REVERSAL for row in rows):
        return []  # no reversal among the rows: nothing to look up
    kinds = dict(kinds_by_id)
    for offset, row in enumerate(rows):
        if row.draft is not None:
            kinds[first_id + offset] = row.draft.kind
    problems = []
    for row in rows:
        if row.draft is None or row.draft.kind != REVERSAL or row.draft.reverses not in kinds:
            continue
        target = kinds[row.draft.reverses]
        expected = -1 if target == DISBURSEMENT else 1 if target == REPAYMENT else 0
        if expected and (row.signed_amount > 0) != (expected > 0):
            problems.append(table.problem(
                row.line, "amount", CELL,
                f"{row.signed_amount} has the wrong sign for a reversal of a {target} "
                f"(it should be {'negative' if expected < 0 else 'positive'}, as in the export)",
            ))
    return problems


def _typed(row: Row) -> Row:
    """A new row (no exported hash) is text a person typed: stored in NFC, as `record` stores it
    (record.user_text). A row that carries its exported hash keeps its text to the byte, since
    that hash covers the bytes it was recorded with."""
    draft = row.draft
    if row.hash is not None or draft is None or draft.kind == TERMS_KIND:
        return row
    if _is_nfc(draft.reference) and _is_nfc(draft.note) and (draft.recipient is None or _is_nfc(draft.recipient)):
        return row  # what user_text would give back: the same row, without building it twice over (0.5 s at 100 000 rows)
    return _reference_typed(row)


def _is_nfc(text: str) -> bool:
    return text.isascii() or unicodedata.is_normalized("NFC", text)


def _reference_typed(row: Row) -> Row:
    """_typed by user_text on every text field (tests/test_fast_paths_import.py holds _typed to it)."""
    draft = row.draft
    if row.hash is not None or draft is None or draft.kind == TERMS_KIND:
        return row
    typed = replace(draft, reference=user_text(draft.reference), note=user_text(draft.note), recipient=user_text(draft.recipient))
    return replace(row, draft=typed)


class _Labels(Sequence):
    """Where each row came from ("file.csv:12", and its line 12), made only for a row that a
    message names, not 100 000 strings held for a refusal that may never come."""

    def __init__(self, table: Table, lines: Sequence[int]):
        self._table, self._lines = table, lines

    def __len__(self) -> int:
        return len(self._lines)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        line = self._lines[index]
        return self._table.where(line), line


@frozen
class Imported:
    """What an import appended (or would have), and the notes it has for the user."""

    entries: list
    notes: list[str]


def import_file(
    ledger_path: str | os.PathLike,
    terms,
    path: str | os.PathLike,
    dry_run: bool = False,
    accept_changes: bool = False,
    progress=None,
) -> Imported:
    """Append every row of a CSV or .xlsx (the export's columns) to the ledger, all or nothing."""
    from .gc_pause import gc_paused

    with gc_paused():
        return _import_file(ledger_path, terms, path, dry_run, accept_changes, progress)


def _import_file(ledger_path, terms, path, dry_run: bool, accept_changes: bool, progress) -> Imported:
    from .bends import verify_rows
    from .record import append_drafts

    step = progress or (lambda _message: None)
    table = read_table(path)
    step(f"reading {'the sheet' if table.sheet else 'the CSV'}")
    header = header_problems(table)
    if header:
        for _row_read in table.rows:  # a row that is not CSV is refused first, as when every row was read before the header was looked at
            pass
        raise UserError(problems=tuple(header))
    rows, problems = read_rows(table, terms)
    table = replace(table, rows=())  # the cells are read: what the rows need of them is in their drafts
    verified = verify_rows(table, rows)
    rows = [_typed(row) for row in verified.rows]
    notes = [item.text for item in verified.repaired]
    if accept_changes:
        notes += [f"{item.text}; imported as it now is (--accept-changes)" for item in verified.changed]
    else:
        advice = "; or pass --accept-changes to import the rows as they now are"
        problems += [table.problem(item.line, item.column, item.rule, item.message + advice) for item in verified.changed]
    notes += verified.unverifiable
    lines = array("q", [row.line for row in rows])  # 8 bytes a line, not an int object (32)
    labels = _Labels(table, lines)
    # The rows are handed over once, to drafts(), which also finds what they break before the
    # rules (earlier() reports it): they are let go of as soon as their drafts are, once chained
    # (17 MiB a 100 000 rows), instead of being held through the rules and the writing.
    handed, found = [rows], []
    del rows, verified

    def drafts(ledger) -> list[Draft | None]:
        from .pins import imported_pins

        rows, pin_problems, pin_notes = imported_pins(ledger, table, handed.pop(), terms.first_payment_date)  # no terms entry twice
        notes.extend(pin_notes)
        if len(rows) != len(lines):  # a terms row left out: the labels follow the rows kept
            lines[:] = array("q", [row.line for row in rows])
        found.extend(problems + reversal_sign_problems(table, rows, {e.id: e.kind for e in ledger.entries}, ledger.next_id) + pin_problems)
        return [row.draft for row in rows]

    def earlier(ledger) -> list[Reported]:
        return found

    entries = append_drafts(ledger_path, terms, drafts, dry_run=dry_run, labels=labels, progress=progress, earlier=earlier)
    return Imported(entries, notes)

