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
