"""The terms a ledger is kept under, pinned in its chain: the first terms entry, and amendments.

A terms entry (models.TermsPin) records the digest of the terms' content (terms.terms_digest),
the agreement's name and the source of the terms. The last one is the terms the ledger is kept
under: `check` fails with rule `terms` under any other terms, and the writers refuse to append.

How amendments apply over time: every budget year is judged by the amounts in force for that
year, and the terms files already say which those are, year by year, in their `[[amendment]]`
tables. So a change for some years is written as `[[amendment]]` data for exactly those years,
and the latest pinned terms judge the whole ledger, every year: an amendment is accepted only if
every entry ever recorded passes every rule under the new terms. An earlier year's amounts stay
what they were unless the amendment names that year, so recording, say, SKR's restated ceilings
for 2019 cannot loosen or tighten 2018 by accident, and an amendment that would leave spent
money over a ceiling is refused instead of quietly making the record fail.
"""

from __future__ import annotations

import datetime
import os

from .errors import RuleBroken, UserError
from .ledger import Ledger, parse_ledger, serialize_entries
from .ledger_text import LEDGER_HEADER
from .models import Terms, TermsPin
from .record import PinDraft, append_drafts, chain_drafts


def pin_draft(terms: Terms, source: str, date: datetime.date | None) -> PinDraft:
    """A terms entry for the terms in force; `source` says where they come from."""
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        raise UserError("--source is not valid UTF-8 text; check the terminal's or the script's encoding") from None
    text = " ".join(source.split())
    if not text:
        raise UserError("--source is empty: name the government decision or SKR page the terms come from")
    return PinDraft(date=date or datetime.date.today(), agreement=terms.agreement.name, digest=terms.digest, source=text)


def first_pin(terms: Terms, source: str, date: datetime.date | None) -> bytes:
    """The terms entry `ledger init` writes as entry 1 of a new ledger, as the file's bytes."""
    empty = parse_ledger(LEDGER_HEADER.encode("utf-8"))
    return serialize_entries(chain_drafts(empty, [pin_draft(terms, source, date)]))


def amend_terms(path: str | os.PathLike, terms: Terms, source: str, date: datetime.date | None, dry_run: bool = False) -> TermsPin:
    """Pin the terms in force (edited since the last terms entry, or never pinned) in the ledger.

    Refused with UserError (exit 2) without a source, or when the terms in force are the ones
    already pinned; with RuleBroken (exit 1) when any entry would break any rule under them, or
    the record is damaged. Nothing is written when refused.
    """
    draft = pin_draft(terms, source, date)

    def drafts(ledger: Ledger) -> list[PinDraft]:
        if ledger.pins and ledger.pins[-1].digest == terms.digest:
            pin = ledger.pins[-1]
            raise UserError(
                f"nothing to amend: the terms in force ({' and '.join(terms.sources)}) are the ones entry {pin.id} "
                f"already pins (digest {terms.digest}); edit them first, or point --data-dir at the new terms"
            )
        return [draft]

    try:
        (pin,) = append_drafts(path, terms, drafts, dry_run=dry_run, whole=True)
    except RuleBroken as error:
        raise RuleBroken(*[f"amendment refused: {line}" for line in error.lines]) from None
    return pin
