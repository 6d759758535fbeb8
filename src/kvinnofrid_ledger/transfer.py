"""Moving entries in and out: CSV, JSON and TOML exports (the import is importing.py).

CSV cells that a spreadsheet would run as a formula are neutralised on the way out and restored
on the way in, so that an export can be re-imported without losing or changing a character.
"""

from __future__ import annotations

from .reports import CSV_FIELDS, TERMS_COLUMNS, ExportedEntry, ExportedPin

TEXT_COLUMNS = frozenset({"kind", "line", "county", "recipient", "reference", "note", "hash", *TERMS_COLUMNS})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_QUOTED = frozenset((*_FORMULA_START, QUOTE))  # the first characters `neutralise` quotes


def neutralise(cell: str) -> str:
    """A text cell a spreadsheet would run as a formula (it starts with = + - @, a tab or a
    carriage return) gets a leading apostrophe, which spreadsheets show as text. A cell that
    already starts with an apostrophe gets one more, so that `restore` is exact."""
    if cell[:1] in _QUOTED:
        return QUOTE + cell
    return cell


def restore(cell: str) -> str:
    """The inverse of `neutralise`."""
    return cell[1:] if cell.startswith(QUOTE) else cell


def export_csv(entries: list[ExportedEntry | ExportedPin], excel: bool = False) -> str:
    """RFC 4180 (see render.csv_text); an empty cell for a missing value, text cells neutralised.
    Money rows and terms rows share one header: each leaves the other's columns empty.
    `excel`: the form Swedish Excel opens right by double-click, a byte-order mark and `;`."""
    from .render import csv_text

    columns = [(name, name in TEXT_COLUMNS) for name in CSV_FIELDS]

    def cells(entry: ExportedEntry | ExportedPin) -> list[str]:
        get = entry.get
        return ["" if (value := get(name)) is None else neutralise(value) if text else str(value) for name, text in columns]

    if excel:
        from .dialects import EXCEL_SEPARATOR

        return "\ufeff" + csv_text(CSV_FIELDS, map(cells, entries), delimiter=EXCEL_SEPARATOR)
    return csv_text(CSV_FIELDS, map(cells, entries))


def export_toml(entries) -> str:
    """The entries, money and terms, in the ledger's own layout (amounts unsigned, as recorded)."""
    from .ledger import serialize_entries

    return serialize_entries(sorted(entries, key=lambda entry: entry.lineno)).decode("utf-8").lstrip("\n")


# Every --output goes through output.write_atomically (the guard against replacing the ledger,
# a folder or a device lives there); re-exported here, where the exports always found it.
from .output import write_atomically  # noqa: E402,F401
