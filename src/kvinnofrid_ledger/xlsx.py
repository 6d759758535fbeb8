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
from .reports import EXPORT_FIELDS

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


def _text_cell(sheet, row: int, column: int, value: str):
    cell = sheet.cell(row=row, column=column)
    cell.value = escape(value)
    cell.data_type = "s"  # never "f": a text that starts with "=" stays text
    cell.number_format = TEXT
    return cell


def _header(sheet, fields) -> None:
    from openpyxl.styles import Font

    bold = Font(bold=True)
    for column, name in enumerate(fields, 1):
        _text_cell(sheet, 1, column, name).font = bold
    sheet.freeze_panes = "A2"


def workbook(entries: list, status_years: tuple) -> bytes:
    """The entries sheet (the CSV export's columns) and the status sheet (budget versus actual,
    one row per pot, county and line of each year), as the bytes of an .xlsx file."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = ENTRIES_SHEET
    _header(sheet, EXPORT_FIELDS)
    for row, entry in enumerate(entries, 2):
        for column, name in enumerate(EXPORT_FIELDS, 1):
            value = entry[name]
            if value is None:
                continue
            if name in DATE_COLUMNS:
                cell = sheet.cell(row=row, column=column, value=value)
                cell.number_format = ISO_DATE
            elif name in AMOUNT_COLUMNS:
                sheet.cell(row=row, column=column, value=value).number_format = THOUSANDS
            elif name in NUMBER_COLUMNS:
                sheet.cell(row=row, column=column, value=value)
            else:
                _text_cell(sheet, row, column, str(value))
    _finish(sheet, EXPORT_FIELDS, len(entries))
    sheet = book.create_sheet(STATUS_SHEET)
    _header(sheet, STATUS_FIELDS)
    rows = [row for year in status_years for row in _status_rows(year)]
    for number, values in enumerate(rows, 2):
        for column, (name, value) in enumerate(zip(STATUS_FIELDS, values), 1):
            if value is None:
                continue
            if isinstance(value, str):
                _text_cell(sheet, number, column, value)
            else:
                cell = sheet.cell(row=number, column=column, value=value)
                if name in STATUS_AMOUNTS:
                    cell.number_format = THOUSANDS
                elif name == "percent_used":
                    cell.number_format = "0.0"
    _finish(sheet, STATUS_FIELDS, len(rows))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _status_rows(year) -> list[tuple]:
    rows = [(year.year, "pot", pot.id, None, pot.ceiling, pot.disbursed, pot.remaining, pot.percent_used) for pot in year.pots]
    rows += [(year.year, "county", c.code, c.name, c.allocated, c.disbursed, c.remaining, c.percent_used) for c in year.counties]
    rows += [(year.year, "line", line.id, line.pot, None, line.disbursed, None, None) for line in year.lines]
    return rows


def _finish(sheet, fields, rows: int) -> None:
    last = column_letter(len(fields))
    sheet.auto_filter.ref = f"A1:{last}{rows + 1}"
    for index, name in enumerate(fields, 1):
        width = 66 if name == "hash" else 30 if name in ("note", "recipient", "name") else 12
        sheet.column_dimensions[column_letter(index)].width = width


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
