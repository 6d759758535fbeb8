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
from dataclasses import replace

from .errors import Reported, RuleBroken, UserError
from .ledger import Ledger, parse_ledger, serialize_entries
from .ledger_text import LEDGER_HEADER
from .models import Terms, TermsPin
from .outcomes import INPUT
from .record import PinDraft, append_drafts, chain_drafts


def pin_draft(terms: Terms, source: str | None, date: datetime.date | None) -> PinDraft:
    """A terms entry for the terms in force; `source` says where they come from."""
    if source is None:
        raise _source_refused("--source is required: name the government decision or SKR page the new terms come from")
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        raise _source_refused("--source is not valid UTF-8 text; check the terminal's or the script's encoding") from None
    text = " ".join(source.split())
    if not text:
        raise _source_refused("--source is empty: name the government decision or SKR page the terms come from")
    when = date or datetime.date.today()
    first = terms.first_payment_date
    if when < first:
        raise _date_refused(
            "period",
            f"the terms entry would be dated {when}, before the agreement's period {terms.period_text} begins on {first}, "
            f"the earliest date of any entry the terms judge; give --date {first} or later",
        )
    return PinDraft(date=when, agreement=terms.agreement.name, digest=terms.digest, source=text)


def _source_refused(message: str) -> UserError:
    return UserError(problems=(Reported(None, "--source", INPUT, message, message),))


def _date_refused(rule: str, message: str) -> RuleBroken:
    """A terms entry's date that the ledger's terms entries cannot take, named by its option.

    Its lower bound is the period's first day. There is no upper bound in the period: terms are
    restated after it (SKR's pages of March 2021 restate 2020), and a ledger set up today for the
    agreement pins its terms today. The terms entries are in date order (see `amend_terms`)."""
    text = f"rule {rule}: {message}; nothing was written"
    return RuleBroken(problems=(Reported(None, "--date", rule, f"{message}; nothing was written", text),))


def first_pin(terms: Terms, source: str, date: datetime.date | None) -> bytes:
    """The terms entry `ledger init` writes as entry 1 of a new ledger, as the file's bytes."""
    empty = parse_ledger(LEDGER_HEADER.encode("utf-8"))
    return serialize_entries(chain_drafts(empty, [pin_draft(terms, source, date)]))


def amend_terms(path: str | os.PathLike, terms: Terms, source: str, date: datetime.date | None, dry_run: bool = False) -> TermsPin:
    """Pin the terms in force (edited since the last terms entry, or never pinned) in the ledger.

    Refused with UserError (exit 2) without a source, or when the terms in force are the ones
    already pinned; with RuleBroken (exit 1) when any entry would break any rule under them, the
    record is damaged, or the date is before the period or before the last terms entry's date.
    Nothing is written when refused.
    """

    def drafts(ledger: Ledger) -> list[PinDraft]:
        if ledger.pins and ledger.pins[-1].digest == terms.digest:
            pin = ledger.pins[-1]
            raise UserError(
                f"nothing to amend: the terms in force ({' and '.join(terms.sources)}) are the ones entry {pin.id} "
                f"already pins (digest {terms.digest}); edit them first, or point --data-dir at the new terms"
            )
        last = ledger.pins[-1] if ledger.pins else None
        if last is not None and draft.date < last.date:  # in date order: the terms in force on a day are plain
            raise _date_refused(
                "terms",
                f"the terms entry would be dated {draft.date}, before the last terms entry, entry {last.id} of {last.date}; "
                f"terms entries are in date order, so that the terms in force on any day are plain: give --date {last.date} or later",
            )
        return [draft]

    try:
        draft = pin_draft(terms, source, date)
        (pin,) = append_drafts(path, terms, drafts, dry_run=dry_run, whole=True)
    except RuleBroken as error:  # each problem keeps its rule and place, for --format json
        if not error.problems:
            raise RuleBroken(*[f"amendment refused: {line}" for line in error.lines]) from None
        raise RuleBroken(problems=tuple(replace(problem, text=f"amendment refused: {problem.text}") for problem in error.problems)) from None
    return pin


def imported_pins(ledger: Ledger, table, rows: list, first_day: datetime.date | None = None) -> tuple[list, list[Reported], list[str]]:
    """The rows of an import (importing.Row) as they go into `ledger`, the problems of its terms
    rows, and a note for each terms row left out.

    An import brings entries, not a change of terms. Into a ledger that pins no terms (one made
    by `init --empty`, or written before terms entries existed), every terms row is appended as
    recorded: it is the history that ledger takes on, and an export imported so comes out
    identical, ids and hashes included. Into a ledger that pins terms:

    - a terms row pinning the terms that ledger already pins (the same digest) changes nothing:
      appending it again would only say twice that the same terms are in force, so it is left
      out, and the rows after it take the next ids;
    - a terms row pinning other terms is refused (rule `terms`, exit 1): the entries imported are
      judged by the terms this ledger is kept under, and its terms change only by `ledger amend`,
      which first judges every entry under them. The row keeps its id, so that the rows after it
      are checked as the file meant.

    Terms rows appended are held to the dates `init` and `amend` keep (see pin_draft and
    amend_terms): none before the period's first day (`first_day`; rule `period`), none before
    the terms row before it (rule `terms`), so that an import is no way around them.
    """
    if not ledger.pins:
        return _dated_pins(table, rows, first_day)
    pinned = ledger.pins[-1]
    kept, problems, notes = [], [], []
    for row in rows:
        draft = row.draft
        if type(draft) is not PinDraft:
            kept.append(row)
        elif draft.digest == pinned.digest:
            notes.append(
                f"{table.where(row.line)}: a terms row pinning the terms this ledger already pins (entry {pinned.id}, "
                f"digest {pinned.digest}) is no change of terms; it was left out"
            )
        else:
            message = (
                f"a terms row pinning other terms (digest {draft.digest}) than this ledger is kept under (digest "
                f"{pinned.digest}, pinned by entry {pinned.id}): an import brings entries, which are judged by this "
                "ledger's terms, not a change of terms; leave the row out, or record new terms with `ledger amend`"
            )
            problems.append(Reported(row.line, "digest", "terms", message, f"{table.where(row.line)}: rule terms: {message}"))
            kept.append(replace(row, draft=None, signed_amount=None))
    return kept, problems, notes


def _dated_pins(table, rows: list, first_day: datetime.date | None) -> tuple[list, list[Reported], list[str]]:
    """Every row, each terms row dated as pin_draft and amend_terms require, or refused (kept
    without its draft, so that the rows after it keep the ids the file meant)."""
    kept, problems, last = [], [], None
    for row in rows:
        draft = row.draft
        if type(draft) is not PinDraft:
            kept.append(row)
            continue
        if first_day is not None and draft.date < first_day:
            rule, message = "period", f"a terms row dated {draft.date}, before the agreement's period begins on {first_day}"
        elif last is not None and draft.date < last:
            rule, message = "terms", f"a terms row dated {draft.date}, before the terms row before it, of {last}; terms entries are in date order"
        else:
            last = draft.date
            kept.append(row)
            continue
        problems.append(Reported(row.line, "date", rule, message, f"{table.where(row.line)}: rule {rule}: {message}"))
        kept.append(replace(row, draft=None, signed_amount=None))
    return kept, problems, []

