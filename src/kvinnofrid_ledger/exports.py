"""The renderers of `ledger export` (see formats.RENDERERS): one per format, each of one LedgerExport.

CSV, JSON and TOML are the ledger's own entries and need no terms; the workbook and the books'
formats (SIE, hledger, beancount) also need the terms in force, loaded only when asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from .frozen import frozen

if TYPE_CHECKING:
    from .ledger import Ledger
    from .models import Entry, Terms


@frozen
class LedgerExport:
    """What `ledger export` renders: the ledger as read (whole: export refuses a damaged one), the
    budget year asked for (None: every year, else one inside the period), and the terms in force."""

    book: Ledger
    year: Optional[int]
    terms: Terms


def export_csv_text(export: LedgerExport, *, excel: bool = False, **_context: Any) -> str:
    from .reports import exported_rows
    from .transfer import export_csv

    return export_csv(exported_rows(export.book, export.year), excel=excel)


def export_json(export: LedgerExport, **_context: Any) -> str:
    from .render import dumps_json
    from .reports import ExportDocument, exported_entries, exported_pins

    return dumps_json(ExportDocument(entries=exported_entries(export.book.entries, export.year), terms=exported_pins(export.book.pins)))


def export_toml_text(export: LedgerExport, **_context: Any) -> str:
    from .transfer import export_toml

    entries = [entry for entry in export.book.entries if export.year is None or entry.year == export.year]
    return export_toml(entries + list(export.book.pins))


def export_workbook(export: LedgerExport, **_context: Any) -> bytes:
    """The .xlsx export: the entries, and budget versus actual for the year (or every year)."""
    from .checks import run_checks
    from .reports import exported_rows, period_status
    from .xlsx import workbook

    book, year = export.book, export.year
    rows = exported_rows(book, year)
    terms = export.terms
    report = period_status(book, terms, not run_checks(book, terms))
    return workbook(rows, tuple(y for y in report.years if year is None or y.year == year))


def _money(export: LedgerExport) -> list[Entry]:
    from .models import KINDS

    return [entry for entry in export.book.entries if entry.kind in KINDS and (export.year is None or entry.year == export.year)]


def export_sie(export: LedgerExport, **_context: Any) -> bytes:
    """SIE 4I, in code page 437 bytes, for an accounting program."""
    import datetime
    from pathlib import Path

    from .books import export_sie as sie_file
    from .books import load_books
    from .formats import message

    terms = export.terms
    entries = _money(export)
    book = export.book
    data = sie_file(entries, book.entries, terms, load_books(terms, Path(terms.sources[0]).parent), export.year, datetime.date.today(), book.head)
    dated = sorted({entry.date.year for entry in entries})
    if len(dated) > 1:
        message(f"note: the vouchers are dated (by payment date) in {dated[0]}–{dated[-1]}; #RAR declares each of those years")
    return data


def export_hledger(export: LedgerExport, **_context: Any) -> str:
    from .journals import export_hledger as journal

    terms = export.terms
    return journal(_money(export), export.book.entries, terms, export.year, export.book.head)


def export_beancount(export: LedgerExport, **_context: Any) -> str:
    from .journals import export_beancount as journal

    terms = export.terms
    return journal(_money(export), export.book.entries, terms, export.year, export.book.head)
