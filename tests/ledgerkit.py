"""Test helpers that build ledger files through the library, valid or deliberately not."""

from __future__ import annotations

import datetime
from pathlib import Path

from kvinnofrid_ledger.ledger import Ledger, parse_ledger, serialize_entries
from kvinnofrid_ledger.ledger_text import LEDGER_HEADER
from kvinnofrid_ledger.record import Draft, chain_drafts


def draft(amount: int = 100_000, *, line: str = "rss", county: str | None = "01", recipient: str | None = None,
          date: str = "2019-03-01", year: int | None = None, kind: str = "disbursement", reference: str = "",
          note: str = "", reverses: int | None = None) -> Draft:
    when = datetime.date.fromisoformat(date)
    if line != "rss" and county == "01":
        county = None
        recipient = recipient or "Malmö stad"
    return Draft(kind=kind, date=when, year=year or when.year, line=line, amount=amount, reference=reference,
                 note=note, county=county, recipient=recipient, reverses=reverses)


def write_ledger(path: Path, drafts: list[Draft]) -> Path:
    """A ledger file holding `drafts` with a correct chain, written without any rule checked."""
    empty = parse_ledger(LEDGER_HEADER.encode(), str(path))
    entries = chain_drafts(empty, drafts)
    path.write_bytes(LEDGER_HEADER.encode() + serialize_entries(entries))
    return path


def read(path: Path) -> Ledger:
    return parse_ledger(path.read_bytes(), str(path))


def spreadsheet_drafts() -> list[Draft]:
    """Text a spreadsheet bends: leading zeros, an exponent, a date-like reference and note, a
    carriage return, formula attempts, an apostrophe, Swedish letters; a repayment and a reversal."""
    return [
        draft(600_000, county="12", reference="007", note="1e5", date="2019-03-15"),
        draft(400_000, county="01", reference="2019-03", note="rad ett\rrad två", date="2019-03-16"),
        draft(250_000, line="skola", recipient="Malmö stad", reference="R-3", note='=HYPERLINK("http://x","klicka")', date="2019-04-01"),
        draft(1_000, line="skola", recipient="+1", reference="@SUM(A1)", note="'apostrof", date="2019-04-02"),
        draft(50_000, county="12", kind="repayment", reference="ÅB-2019-12", note="Återbetalning, åäö ÅÄÖ", date="2020-03-31", year=2019),
        draft(250_000, line="skola", recipient="Malmö stad", kind="reversal", reverses=3, reference="R-3", note="-fel mottagare", date="2019-04-01"),
        draft(1_234_567, line="jamstalldhet", recipient="Region Skåne", reference="0012", note="2019-03-15", date="2019-05-02"),
    ]
