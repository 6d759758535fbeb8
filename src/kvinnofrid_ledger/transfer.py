"""Moving entries in and out: CSV, JSON and TOML exports, and the CSV import.

CSV cells that a spreadsheet would run as a formula are neutralised on the way out and restored
on the way in, so that an export can be re-imported without losing or changing a character.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass

from .errors import UserError, read_input
from .models import DISBURSEMENT, KINDS, REPAYMENT, REVERSAL
from .record import Draft, iso_date, user_text
from .reports import EXPORT_FIELDS, ExportedEntry

TEXT_COLUMNS = frozenset({"kind", "line", "county", "recipient", "reference", "note", "hash"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralise(cell: str) -> str:
    """A text cell a spreadsheet would run as a formula (it starts with = + - @, a tab or a
    carriage return) gets a leading apostrophe, which spreadsheets show as text. A cell that
    already starts with an apostrophe gets one more, so that `restore` is exact."""
    if cell.startswith(_FORMULA_START) or cell.startswith(QUOTE):
        return QUOTE + cell
    return cell


def restore(cell: str) -> str:
    """The inverse of `neutralise`."""
    return cell[1:] if cell.startswith(QUOTE) else cell


def export_csv(entries: list[ExportedEntry]) -> str:
    """RFC 4180 (see render.csv_text); an empty cell for a missing value, text cells neutralised."""
    from .render import csv_text

    def cells(entry: ExportedEntry) -> list[str]:
        return [
            "" if entry[name] is None else neutralise(entry[name]) if name in TEXT_COLUMNS else str(entry[name])
            for name in EXPORT_FIELDS
        ]

    return csv_text(EXPORT_FIELDS, map(cells, entries))


def export_toml(entries) -> str:
    """The entries in the ledger's own layout (amounts unsigned, as recorded)."""
    from .ledger import serialize_entries

    return serialize_entries(entries).decode("utf-8").lstrip("\n")


# Every --output goes through output.write_atomically (the guard against replacing the ledger,
# a folder or a device lives there); re-exported here, where the exports always found it.
from .output import write_atomically  # noqa: E402,F401


# --- import ------------------------------------------------------------------------------------

REQUIRED_COLUMNS = ("kind", "date", "year", "line", "amount")
KNOWN_COLUMNS = frozenset(EXPORT_FIELDS)


@dataclass(frozen=True, slots=True)
class ImportRow:
    """A CSV row turned into a draft, with the line of the file it started on."""

    lineno: int
    draft: Draft
    signed_amount: int


def parse_import_csv(text: str, name: str) -> list[ImportRow]:
    """Every row as a draft; raises UserError with one line per malformed cell of any row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise UserError(f"{name}: empty file; expected a header row with the columns of `ledger export --format csv`") from None
    except csv.Error as error:
        raise UserError(f"{name}:1: not CSV: {error}") from None
    header = [column.strip() for column in header]
    problems = []
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    unknown = [column for column in header if column not in KNOWN_COLUMNS]
    if missing:
        problems.append(f"{name}:1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} (the header of `ledger export --format csv`)")
    if unknown:
        problems.append(f"{name}:1: unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; the columns are {', '.join(EXPORT_FIELDS)}")
    if len(set(header)) != len(header):
        problems.append(f"{name}:1: a column appears twice in the header")
    if problems:
        raise UserError(*problems)
    rows: list[ImportRow] = []
    start = 2
    try:
        for cells in reader:
            lineno = start
            start = reader.line_num + 1
            if not cells:
                continue
            if len(cells) != len(header):
                problems.append(f"{name}:{lineno}: {len(cells)} cells where the header has {len(header)}")
                continue
            row = dict(zip(header, cells))
            parsed = _row(row, lineno, name, problems)
            if parsed is not None:
                rows.append(parsed)
    except csv.Error as error:
        problems.append(f"{name}:{reader.line_num}: not CSV: {error}")
    if problems:
        raise UserError(*problems)
    return rows


def _row(row: dict[str, str], lineno: int, name: str, problems: list[str]) -> ImportRow | None:
    before = len(problems)

    def bad(column: str, message: str) -> None:
        problems.append(f"{name}:{lineno}: {column}: {message}")

    def text(column: str) -> str | None:
        value = row.get(column, "")
        return user_text(restore(value)) if value != "" else None

    kind = text("kind") or ""
    if kind not in KINDS:
        bad("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    date = iso_date(row["date"])
    if date is None:
        bad("date", f"{row['date']!r} is not a date YYYY-MM-DD")
    year = _integer(row["year"], "year", bad)
    amount = _integer(row["amount"], "amount", bad)
    if amount is not None:
        if amount == 0:
            bad("amount", "is zero; an entry moves at least 1 kr")
        elif kind == DISBURSEMENT and amount < 0:
            bad("amount", f"{amount} is negative, but a disbursement's amount is positive (amounts are signed as in the export)")
        elif kind == REPAYMENT and amount > 0:
            bad("amount", f"{amount} is positive, but a repayment's amount is negative (amounts are signed as in the export)")
    reverses = _integer(row.get("reverses", ""), "reverses", bad) if row.get("reverses", "").strip() else None
    line = text("line") or ""
    if not line:
        bad("line", "is empty")
    if len(problems) > before:
        return None
    draft = Draft(
        kind=kind,
        date=date,
        year=year,
        line=line,
        amount=abs(amount),
        reference=text("reference") or "",
        note=text("note") or "",
        county=text("county"),
        recipient=text("recipient"),
        reverses=reverses,
    )
    return ImportRow(lineno, draft, amount)


def _integer(cell: str, column: str, bad) -> int | None:
    value = cell.strip()
    digits = value[1:] if value.startswith("-") else value
    if not digits.isdigit() or not digits.isascii():
        bad(column, f"{cell[:40]!r} is not a whole number")
        return None
    if len(digits) > 18:  # past any amount or year, and int() refuses 4 300 digits and more
        bad(column, f"{len(digits)} digits is too large for a {column}")
        return None
    return int(value)


def reversal_sign_problems(rows: list[ImportRow], kinds_by_id: dict[int, str], first_id: int, name: str) -> list[str]:
    """A reversal's signed amount is the opposite of the effect of the entry it cancels."""
    kinds = dict(kinds_by_id)
    for offset, row in enumerate(rows):
        kinds[first_id + offset] = row.draft.kind
    problems = []
    for row in rows:
        if row.draft.kind != REVERSAL or row.draft.reverses not in kinds:
            continue
        target = kinds[row.draft.reverses]
        expected = -1 if target == DISBURSEMENT else 1 if target == REPAYMENT else 0
        if expected and (row.signed_amount > 0) != (expected > 0):
            problems.append(
                f"{name}:{row.lineno}: amount: {row.signed_amount} has the wrong sign for a reversal of a {target} "
                f"(it should be {'negative' if expected < 0 else 'positive'}, as in the export)"
            )
    return problems


def import_csv(
    ledger_path: str | os.PathLike,
    terms,
    csv_path: str | os.PathLike,
    dry_run: bool = False,
    progress=None,
) -> list:
    """Append every row of a CSV (the export's columns) to the ledger, all or nothing."""
    from .record import append_drafts

    name = str(csv_path)
    try:
        text = read_input(csv_path, "a CSV file").decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UserError(f"{name}: not UTF-8 text (byte {error.start})") from None
    if progress:
        progress("reading the CSV")
    rows = parse_import_csv(text, name)

    def drafts(ledger) -> list[Draft]:
        problems = reversal_sign_problems(rows, {e.id: e.kind for e in ledger.entries}, ledger.next_id, name)
        if problems:
            raise UserError(*problems)
        return [row.draft for row in rows]

    labels = [f"{name}:{row.lineno}" for row in rows]
    return append_drafts(ledger_path, terms, drafts, dry_run=dry_run, labels=labels, progress=progress)
