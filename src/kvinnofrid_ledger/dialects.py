"""CSV as spreadsheets write it: the encoding, the byte-order mark, the separator, a cut-off file.

Swedish Excel saves "CSV UTF-8" with a byte-order mark and `;` between cells (the comma is the
decimal sign in Sweden), plain "CSV" in Windows-1252, and "Unicode text" as UTF-16 with tabs.
The import reads the UTF forms by itself and refuses the rest with a line that says how to save
the file instead, because Windows-1252 cannot be told from other 8-bit encodings with certainty.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator

from .errors import UserError

SEPARATORS = (",", ";", "\t")
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
EXCEL_SEPARATOR = ";"
"""What Swedish Excel writes between cells, and what `export --excel` writes for it."""

SAVE_AS_UTF8 = (
    'save it as UTF-8: in Excel "CSV UTF-8 (kommaavgränsad) (*.csv)", '
    'in LibreOffice "Text CSV" with the character set "Unicode (UTF-8)"'
)


def decode(data: bytes, name: str) -> str:
    """The text of a CSV file: UTF-8 with or without a byte-order mark, or UTF-16 with one."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise UserError(f"{name}: not UTF-16 text although it starts as UTF-16 (byte {error.start}); {SAVE_AS_UTF8}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start]
        seen = bytes([byte]).decode("cp1252", errors="replace")
        raise UserError(
            f"{name}:{line}: not UTF-8 text (byte {error.start}, 0x{byte:02X}, is {seen!r} in Windows-1252, "
            f"which Excel's plain \"CSV\" writes); {SAVE_AS_UTF8}"
        ) from None


def detect_separator(text: str, columns: Iterable[str]) -> str:
    """The separator that splits the header row into the most known column names; a tie goes to
    the one that occurs most often, then to the comma."""
    end = text.find("\n")
    header = text if end < 0 else text[:end]  # not text.split: that copies the whole rest of the file
    known = set(columns)

    def score(separator: str) -> tuple[int, int]:
        cells = {cell.strip().strip('"').strip() for cell in header.split(separator)}
        return len(cells & known), header.count(separator)

    return max(SEPARATORS, key=score)


# A quoted field starts at the start of the text or right after a separator or a line end, and
# runs to its closing quote ("" inside it is one quote) or, if it has none, to the end of the text.
_QUOTED = {
    separator: re.compile(r'(?:^|(?<=[' + re.escape(separator) + r'\r\n]))"[^"]*(?:""[^"]*)*("|\Z)')
    for separator in SEPARATORS
}


def unclosed_quote(text: str, separator: str) -> int | None:
    """The line on which a quoted field opens that is never closed, if any: a cut-off file,
    whose every later line would otherwise be swallowed into that one field."""
    if '"' not in text:  # the usual export quotes nothing: no field to scan for (about 0.3 s at 100 000 rows)
        return None
    for match in _QUOTED[separator].finditer(text):
        if not match.group(1):
            return text.count("\n", 0, match.start()) + 1
    return None


def read_csv(data: bytes, name: str, columns: Iterable[str]) -> tuple[str, list[str], list[tuple[int, tuple[str, ...]]]]:
    """The separator, the header and every non-empty row (its cells a tuple) with the line it starts on."""
    separator, header, rows = read_csv_rows(data, name, columns)
    return separator, header, list(rows)


def read_csv_rows(data: bytes, name: str, columns: Iterable[str]) -> tuple[str, list[str], Iterator[tuple[int, tuple[str, ...]]]]:
    """read_csv, its rows read as they are iterated over (each row's cells a tuple, made as it is
    read), so that an import holds what it reads from a row, never the cells of the whole file
    (at a million rows, some 600 MB of strings). What is wrong with the file as a whole (its
    encoding, a cut-off quote, no header) is refused at once; a row that is not CSV, when the
    rows reach it."""
    text = decode(data, name)
    columns = tuple(columns)
    separator = detect_separator(text, columns)
    opened = unclosed_quote(text, separator)
    if opened is not None:
        raise UserError(
            f"{name}:{opened}: a quoted cell opens on this line and is never closed, so the rest of the file "
            "would be read into it (was the file cut off?); nothing was imported"
        )
    # Lines are counted at line feeds, as editors and `grep -n` count them, so that a carriage
    # return inside a quoted note does not shift every later line; a file with carriage returns
    # only (old Mac Excel) is split at those.
    if "\n" in text or "\r" not in text:
        lines = _lines(text)
    else:
        lines = io.StringIO(text, newline="")
    reader = csv.reader(lines, delimiter=separator)
    try:
        header = next(reader)
    except StopIteration:
        raise UserError(f"{name}: empty file; expected a header row with the columns of `ledger export --format csv`") from None
    except csv.Error as error:
        raise UserError(f"{name}:1: not CSV: {error}") from None
    return separator, [cell.strip() for cell in header], _rows(reader, name)


def _rows(reader, name: str) -> Iterator[tuple[int, tuple[str, ...]]]:
    start = reader.line_num + 1
    try:
        for cells in reader:
            if cells:
                yield start, tuple(cells)
            start = reader.line_num + 1
    except csv.Error as error:
        raise UserError(f"{name}:{reader.line_num}: not CSV: {error}") from None


def _lines(text: str) -> Iterator[str]:
    """The lines of the text, each with its line feed, as io.StringIO(text, newline="\\n") gives
    them, without its copy of the text in four bytes a character (57 MB for a 100 000-row file;
    tests/test_fast_paths.py holds the two to the same lines)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1


def separator_name(separator: str) -> str:
    return _SEPARATOR_NAMES[separator]
