"""Adding to the ledger: draft entries are validated against the whole ledger, then appended.

Under one exclusive lock: read the ledger, refuse to add to a damaged record, chain the drafts
onto the head, run every rule on the ledger as it would be, refuse anything new or worse, and only
then append. A refusal writes nothing, so the file stays byte-for-byte as it was.
"""

from __future__ import annotations

import datetime
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from .checks import INPUT_RULES, INTEGRITY_RULES, RULES_FOR_NEW_ENTRIES, new_or_worse, run_checks
from .errors import RuleBroken, UserError
from .ledger import GENESIS, Ledger, build_entry, entry_hash, entry_table, open_for_append, parse_ledger
from .ledger_text import RawEntry, entries_toml
from .models import DISBURSEMENT, REVERSAL, County, Entry, Problem, Terms


@dataclass(frozen=True, slots=True)
class Draft:
    """An entry as asked for, before the ledger gives it an id and a hash."""

    kind: str
    date: datetime.date
    year: int
    line: str
    amount: int
    reference: str = ""
    note: str = ""
    county: str | None = None
    recipient: str | None = None
    reverses: int | None = None


def chain_drafts(ledger: Ledger, drafts: list[Draft]) -> list[Entry]:
    """Give each draft the next id and its hash, each chained to the one before."""
    prev = ledger.head or GENESIS
    next_id = ledger.next_id
    entries = []
    lineno = ledger.line_count  # each entry is appended as a blank line, its header, its fields
    for offset, draft in enumerate(drafts):
        unhashed = Entry(
            id=next_id + offset,
            kind=draft.kind,
            date=draft.date,
            year=draft.year,
            line=draft.line,
            amount=draft.amount,
            reference=draft.reference,
            note=draft.note,
            county=draft.county,
            recipient=draft.recipient,
            reverses=draft.reverses,
            hash="",
            lineno=lineno + 2,
        )
        table = entry_table(unhashed)
        entry = unhashed._replace(hash=entry_hash(table, prev))
        lineno += 2 + len(table)
        entries.append(entry)
        prev = entry.hash
    return entries


def extended(ledger: Ledger, entries: list[Entry]) -> Ledger:
    """The ledger as it would be with `entries` appended, read back as `check` would read it:
    each new entry's table goes through the same build step, so a field that `check` would
    reject (a disbursement naming an entry it `reverses`, say) is a problem here too."""
    raw = tuple(RawEntry(entry.lineno, entry_table(entry)) for entry in entries)
    problems = [problem for item in raw for problem in build_entry(item)[1]]
    lines = sum(2 + len(r.table) for r in raw)
    return Ledger(
        ledger.path, ledger.raw + raw, ledger.entries + tuple(entries), ledger.problems + tuple(problems),
        ledger.line_count + lines,
    )


def refusals(before: list[Problem], after: Ledger, terms: Terms) -> list[Problem]:
    """What the ledger `after` (entries chained onto a ledger whose problems were `before`, none
    of them of the integrity rules) breaks that was not broken already, or breaks worse."""
    return new_or_worse(before, run_checks(after, terms, RULES_FOR_NEW_ENTRIES))


def append_drafts(
    path: str | os.PathLike,
    terms: Terms,
    drafts: Callable[[Ledger], list[Draft]],
    dry_run: bool = False,
    labels: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Entry]:
    """Validate and append the drafts that `drafts(ledger)` makes from the locked ledger.

    Raises UserError (exit 2) when a draft is malformed, RuleBroken (exit 1) when appending would
    break a rule of the agreement; in both cases nothing is written. `labels`, one per draft, say
    where each came from (an import's "file.csv:12") in the messages; `progress` hears each step.
    """
    step = progress or (lambda _message: None)
    step("reading the ledger")
    with open_for_append(path, roll_back=not dry_run) as handle:  # a dry run changes nothing
        data = handle.read_all()
        if dry_run:
            from .journal import committed

            data = committed(path, data)
        ledger = parse_ledger(data, str(path))
        step("checking the ledger")
        before = run_checks(ledger, terms)
        damaged = [problem for problem in before if problem.rule in INTEGRITY_RULES]
        if damaged:
            first = damaged[0]
            where = f"{path}:{first.lineno}" if first.lineno else str(path)
            raise RuleBroken(
                f"{path}: the ledger fails `ledger check` ({len(damaged)} problem{'s' if len(damaged) > 1 else ''} "
                f"with the record itself, the first at {where}: {first.message}); nothing is added to a damaged record"
            )
        step("hashing the new entries")
        entries = chain_drafts(ledger, drafts(ledger))
        after = extended(ledger, entries)
        step("checking the ledger with the new entries")
        refused = refusals(before, after, terms)
        if refused:
            bad_input = [problem for problem in refused if problem.rule in INPUT_RULES]
            if bad_input:
                raise UserError(*[_describe(problem, entries, labels) for problem in bad_input])
            raise RuleBroken(*[_describe(problem, entries, labels) + "; nothing was recorded" for problem in refused])
        if not dry_run and entries:
            step("writing")
            appended = entries_toml([raw.table for raw in after.raw[len(ledger.raw):]]).encode("utf-8")
            handle.append(appended)
    return entries


def _describe(problem: Problem, entries: list[Entry], labels: list[str] | None) -> str:
    index = problem.entry - entries[0].id if entries and problem.entry is not None else -1
    if labels is not None and 0 <= index < len(labels):
        return f"{labels[index]}: rule {problem.rule}: {problem.message}"
    if len(entries) > 1 and problem.entry is not None:
        return f"entry {problem.entry} (rule {problem.rule}): {problem.message}"
    return f"rule {problem.rule}: {problem.message}"


# --- drafting from what a clerk types ---------------------------------------------------------


def reversal_draft(ledger: Ledger, target_id: int, reason: str, date: datetime.date | None) -> Draft:
    """A reversal that cancels entry `target_id` in full: same year, line, county or recipient,
    amount and reference; dated as the entry it cancels unless a date is given."""
    reason = _check_text("--reason", reason)
    if not reason.strip():
        raise UserError("--reason must say why the entry is reversed")
    target = next((entry for entry in ledger.entries if entry.id == target_id), None)
    if target is None:
        raise RuleBroken(f"rule reversal: there is no entry {target_id} to reverse (the ledger has {ledger.count} entries); nothing was recorded")
    if target.kind == REVERSAL:
        raise RuleBroken(f"rule reversal: entry {target_id} is itself a reversal and cannot be reversed; record the original entry again instead")
    earlier = next((entry for entry in ledger.entries if entry.kind == REVERSAL and entry.reverses == target_id), None)
    if earlier is not None:
        raise RuleBroken(f"rule reversal: entry {target_id} is already reversed by entry {earlier.id}; nothing was recorded")
    return Draft(
        kind=REVERSAL,
        date=date or target.date,
        year=target.year,
        line=target.line,
        amount=target.amount,
        reference=target.reference,
        note=user_text(reason),
        county=target.county,
        recipient=target.recipient,
        reverses=target.id,
    )


def user_text(value: str | None) -> str | None:
    """Text a user typed, as it is stored and hashed: in Unicode NFC, so that "Å" typed as one
    code point or as A + combining ring is the same bytes in the ledger. Applied where drafts
    are made from input (record, reverse, import), never to entries already recorded, whose
    hashes cover the bytes they were recorded with."""
    return None if value is None else unicodedata.normalize("NFC", value)


def _check_text(option: str, value: str | None) -> str | None:
    """Text from the command line is stored as UTF-8. Under a locale that is not UTF-8 (LC_ALL=C),
    Python hands over the bytes of "Skåne" as lone surrogates: those bytes are read again as
    UTF-8; bytes that are not UTF-8 at all are refused here, before anything is hashed or written."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        pass
    try:
        return os.fsencode(value).decode("utf-8")
    except UnicodeError:
        raise UserError(f"{option} is not valid UTF-8 text; check the terminal's or the script's encoding") from None


def iso_date(text: str) -> datetime.date | None:
    """A calendar date written YYYY-MM-DD, and nothing else (not 20190315, not 2019-W11-5)."""
    value = text.strip()
    if len(value) == 10 and value[4] == "-" and value[7] == "-" and (value[:4] + value[5:7] + value[8:]).isdigit():
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def parse_date(text: str, option: str = "--date") -> datetime.date:
    when = iso_date(text)
    if when is None:
        raise UserError(f"{option} {text!r} is not a date; write YYYY-MM-DD, such as 2019-03-15")
    return when


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def resolve_county(terms: Terms, text: str) -> County:
    """A county from its code ("01", "1") or its name, ignoring case and accents ("skane lan",
    "Skåne", "stockholm"): the full name, the name without "län", or a prefix of just one."""
    value = text.strip()
    if value.isdigit() and len(value) <= 2:
        county = terms.county(value.zfill(2))
        if county is None:
            raise UserError(f"unknown county code {value!r}; the codes are {', '.join(c.code for c in terms.counties)}")
        return county
    wanted = _fold(value)
    if not wanted:
        raise UserError("--county is empty; give a county code such as 01 or a name such as Skåne")
    names = {county.code: _fold(county.name) for county in terms.counties}
    exact = [c for c in terms.counties if wanted in (names[c.code], names[c.code].removesuffix(" lan"))]
    if len(exact) == 1:
        return exact[0]
    starts = [c for c in terms.counties if names[c.code].startswith(wanted)]
    if len(starts) == 1:
        return starts[0]
    if starts:
        raise UserError(f"county {text!r} is ambiguous: it could be {', '.join(f'{c.name} ({c.code})' for c in starts)}")
    raise UserError(f"unknown county {text!r}; give a code such as 01 or a name such as Skåne (see `ledger allocate`)")


def disbursement_draft(
    terms: Terms,
    *,
    date: str,
    line: str,
    amount: str,
    county: str | None,
    recipient: str | None,
    year: int | None,
    reference: str,
    note: str,
    kind: str = DISBURSEMENT,
) -> Draft:
    """A disbursement or repayment from the options of `ledger record`, checked as input."""
    from .money import AmountError, parse_kronor

    line, county, recipient, reference, note = (
        _check_text(option, value)
        for option, value in (("--line", line), ("--county", county), ("--recipient", recipient), ("--reference", reference), ("--note", note))
    )
    when = parse_date(date)
    try:
        kronor = parse_kronor(amount)
    except AmountError as error:
        raise UserError(str(error)) from None
    code = resolve_county(terms, county).code if county is not None else None
    return Draft(
        kind=kind,
        date=when,
        year=when.year if year is None else year,
        line=user_text(line),
        amount=kronor,
        reference=user_text(reference.strip()),
        note=user_text(note),
        county=code,
        recipient=user_text(recipient.strip()) if recipient is not None else None,
    )
