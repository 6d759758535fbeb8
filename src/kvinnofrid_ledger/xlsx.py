"""The export as an Excel workbook, and reading the entries sheet back: typed cells, no formulas.

openpyxl is imported inside the functions, so that no other command pays for it. Every text cell
is written as a string cell (data type "s", number format "@"): openpyxl would otherwise store a
text starting with "=" as a formula, so a note such as `=HYPERLINK(...)` can never become one.
Codes, references, ids and hashes are text ("007" stays "007"); amounts are integers shown with
the thousands grouped (a space in a Swedish spreadsheet); dates are dates.

Text that XML cannot carry (a carriage return, other control characters) is escaped as OOXML
prescribes for its string type (ST_Xstring: "_x000D_"; a literal "_x" sequence as "_x005F_x..."),
which Excel and LibreOffice show as the character itself; `unescape` is the exact inverse.
"""

from __future__ import annotations

import datetime
import io
import re

from .errors import UserError
from .reports import CSV_FIELDS

ENTRIES_SHEET = "entries"
STATUS_SHEET = "status"
DATE_COLUMNS = frozenset({"date"})
AMOUNT_COLUMNS = frozenset({"amount"})
NUMBER_COLUMNS = frozenset({"year"})
"""Columns of the entries written as numbers or dates; every other column is text."""
THOUSANDS = "#,##0"
"""Whole kronor with the thousands grouped as the reader's locale groups them (a space in Swedish:
the file stores the format in Excel's neutral notation, and the spreadsheet localises it)."""
ISO_DATE = "yyyy-mm-dd"
TEXT = "@"
STATUS_FIELDS = ("year", "kind", "id", "name", "budget", "disbursed", "remaining", "percent_used")
STATUS_AMOUNTS = frozenset({"budget", "disbursed", "remaining"})

_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_UNWRITABLE = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def escape(text: str) -> str:
    """Text as an OOXML string carries it exactly (the inverse of `unescape`)."""
    text = _ESCAPED.sub(r"_x005F_\1", text)
    return _UNWRITABLE.sub(lambda match: f"_x{ord(match.group()):04X}_", text)


def unescape(text: str) -> str:
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _text_cell(sheet, value: str):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, escape(value))
    cell.data_type = "s"  # never "f": a text that starts with "=" stays text
    cell.number_format = TEXT
    return cell


def _cell(sheet, value, number_format: str | None = None):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    if number_format:
        cell.number_format = number_format
    return cell


def _sheet(book, title: str, fields, count: int):
    """A sheet with its header row in bold and frozen, and an autofilter over `count` rows."""
    from openpyxl.styles import Font

    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    last = column_letter(len(fields))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    for index, name in enumerate(fields, 1):
        width = 66 if name == "hash" else 30 if name in ("note", "recipient", "name") else 12
        sheet.column_dimensions[column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for name in fields:
        cell = _text_cell(sheet, name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return sheet


def workbook(entries: list, status_years: tuple) -> bytes:
    """The entries sheet (the CSV export's columns) and the status sheet (budget versus actual,
    one row per pot, county and line of each year), as the bytes of an .xlsx file."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)  # streams rows: a 20 000-entry export in a few seconds
    sheet = _sheet(book, ENTRIES_SHEET, CSV_FIELDS, len(entries))
    kinds = [_entry_cell(name) for name in CSV_FIELDS]
    for entry in entries:  # money rows and terms rows: each leaves the other's columns empty
        values = [entry.get(name) for name in CSV_FIELDS]
        sheet.append([None if value is None else make(sheet, value) for value, make in zip(values, kinds)])
    rows = [row for year in status_years for row in _status_rows(year)]
    sheet = _sheet(book, STATUS_SHEET, STATUS_FIELDS, len(rows))
    for values in rows:
        sheet.append([
            None if value is None
            else _text_cell(sheet, value) if isinstance(value, str)
            else _cell(sheet, value, THOUSANDS if name in STATUS_AMOUNTS else "0.0" if name == "percent_used" else None)
            for name, value in zip(STATUS_FIELDS, values)
        ])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _entry_cell(name: str):
    """How a value of the column `name` becomes a cell: a date, an amount, a number, or text."""
    if name in DATE_COLUMNS:
        return lambda sheet, value: _cell(sheet, value, ISO_DATE)
    if name in AMOUNT_COLUMNS:
        return lambda sheet, value: _cell(sheet, value, THOUSANDS)
    if name in NUMBER_COLUMNS:
        return _cell
    return lambda sheet, value: _text_cell(sheet, str(value))


def _status_rows(year) -> list[tuple]:
    rows = [(year.year, "pot", pot.id, None, pot.ceiling, pot.disbursed, pot.remaining, pot.percent_used) for pot in year.pots]
    rows += [(year.year, "county", c.code, c.name, c.allocated, c.disbursed, c.remaining, c.percent_used) for c in year.counties]
    rows += [(year.year, "line", line.id, line.pot, None, line.disbursed, None, None) for line in year.lines]
    return rows


# --- reading -----------------------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as the text the import parses: numbers without a spurious ".0", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unescape(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def read_entries_sheet(data: bytes, name: str):
    """The entries sheet (or, if none is called that, the first) as an import table."""
    import zipfile

    from openpyxl import load_workbook

    from .importing import Table

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
        raise UserError(f"{name}: not an .xlsx workbook that can be read ({type(error).__name__}: {error}); save it from the spreadsheet as Excel 2007-365 (.xlsx)") from None
    try:
        sheet = book[ENTRIES_SHEET] if ENTRIES_SHEET in book.sheetnames else book.worksheets[0]
        rows = []
        header: tuple[str, ...] = ()
        for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
            cells = [cell_text(value) for value in values]
            while cells and cells[-1].strip() == "":
                cells.pop()
            if number == 1:
                header = tuple(cell.strip() for cell in cells)
            elif cells:
                if len(cells) < len(header):
                    cells += [""] * (len(header) - len(cells))
                rows.append((number, tuple(cells)))
        title = sheet.title
    finally:
        book.close()
    if not header:
        raise UserError(f"{name}: sheet {title!r} is empty; expected a header row with the columns of `ledger export`")
    return Table(name, header, tuple(rows), sheet=title)
