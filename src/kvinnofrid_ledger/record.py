"""Adding to the ledger: draft entries are validated against the whole ledger, then appended.

Under one exclusive lock: read the ledger, refuse to add to a damaged record, chain the drafts
onto the head, run every rule on the ledger as it would be, refuse anything new or worse, and only
then append. A refusal writes nothing, so the file stays byte-for-byte as it was.
"""

from __future__ import annotations

import datetime
import os
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import replace

from .checks import INPUT_RULES, INTEGRITY_RULES, RULES_FOR_NEW_ENTRIES, TERMS_RULE, new_or_worse, run_checks
from .errors import CELL, FILE, Reported, RuleBroken, UserError
from .frozen import frozen
from .ledger import GENESIS, Ledger, build_record, entry_hash, entry_table, is_hash, open_for_append, parse_ledger
from .ledger_text import RawEntry, entries_toml
from .models import DISBURSEMENT, KINDS, REVERSAL, TERMS_KIND, County, Entry, Problem, Terms, TermsPin
from .outcomes import FIELD_RULES, INPUT


@frozen
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


@frozen
class PinDraft:
    """A terms entry as asked for (by `init`, `amend`, or an imported terms row)."""

    kind = TERMS_KIND  # not a field: what a draft of either kind answers when asked its kind
    date: datetime.date
    agreement: str
    digest: str
    source: str


def chain_drafts(ledger: Ledger, drafts: list[Draft | PinDraft | None]) -> list[Entry | TermsPin]:
    """Give each draft the next id and its hash, each chained to the one before. A None keeps its
    id unused (a row of an import that could not be read, reported already), so that the rows
    after it keep the ids the file meant when the rules are run over them."""
    return _chained(ledger, drafts)[0]


def _chained(ledger: Ledger, drafts: list[Draft | PinDraft | None]) -> tuple[list[Entry | TermsPin], list[dict]]:
    """chain_drafts, and each new entry's table as entry_table gives it: made once, for its hash,
    and kept for its read-back and its text."""
    prev = ledger.head or GENESIS
    next_id = ledger.next_id
    entries, tables = [], []
    lineno = ledger.line_count  # each entry is appended as a blank line, its header, its fields
    for offset, draft in enumerate(drafts):
        if draft is None:
            continue
        if type(draft) is PinDraft:
            unhashed = TermsPin(next_id + offset, TERMS_KIND, draft.date, draft.agreement, draft.digest, draft.source, "", lineno + 2)
        else:  # Entry's fields in order (id, kind, date, year, line, amount, reference, note, county, recipient, reverses, hash, lineno)
            unhashed = Entry(next_id + offset, draft.kind, draft.date, draft.year, draft.line, draft.amount, draft.reference, draft.note,
                             draft.county, draft.recipient, draft.reverses, "", lineno + 2)
        table = entry_table(unhashed)
        prev = table["hash"] = entry_hash(table, prev)  # "hash" stays where entry_table puts it: the table is entry_table(entry)
        entries.append(type(unhashed)(*unhashed[:-2], prev, unhashed[-1]))  # _replace(hash=...), a third of its cost
        tables.append(table)
        lineno += 2 + len(table)
    return entries, tables


def extended(ledger: Ledger, entries: list[Entry | TermsPin], tables: list[dict] | None = None) -> Ledger:
    """The ledger as it would be with `entries` appended, read back as `check` would read it:
    each new entry's table goes through the same build step, so a field that `check` would
    reject (a disbursement naming an entry it `reverses`, say) is a problem here too. `tables`:
    the entries' tables (entry_table's), when the caller has them already."""
    if tables is None:
        tables = [entry_table(entry) for entry in entries]
    raw = tuple(map(RawEntry, (entry.lineno for entry in entries), tables))
    problems = [] if _read_back(entries) else [problem for item in raw for problem in build_record(item)[1]]
    lines = sum(2 + len(table) for table in tables)
    pins = tuple(entry for entry in entries if type(entry) is TermsPin)
    money = tuple(entry for entry in entries if type(entry) is not TermsPin)
    return Ledger(
        ledger.path, ledger.raw + raw, ledger.entries + money, ledger.problems + tuple(problems),
        ledger.line_count + lines, pins=ledger.pins + pins,
    )


# What build_record finds in entry_table(entry) for usual Entries, proven for a whole batch at
# once without building each table and Entry again: every field of its type (an optional one
# may be None, and is then left out of the table), and build_entry's rules, each tested on a
# column of the batch. A batch it cannot prove is read back entry by entry by build_record, the
# reference (tests/test_fast_paths_import.py holds the two to the same answer). 100 000 entries: 0.36 → 0.1 s.
_COLUMN_TYPES = ({int}, {str}, {datetime.date}, {int}, {str}, {int}, {str}, {str}, {str, type(None)}, {str, type(None)}, {int, type(None)}, {str})
_HEX = b"0123456789abcdef"


def _read_back(entries: list[Entry | TermsPin]) -> bool:
    """True when build_record(RawEntry(entry.lineno, entry_table(entry))) is (entry, []) for each entry."""
    if not entries:
        return True
    if set(map(type, entries)) != {Entry}:  # a terms entry among them: each is read back
        return False
    columns = list(zip(*entries))
    if any(not set(map(type, column)) <= types for column, types in zip(columns, _COLUMN_TYPES)):
        return False
    ids, kinds, amounts, reverses, hashes = columns[0], columns[1], columns[5], columns[10], columns[11]
    if min(ids) < 1 or min(amounts) < 1 or not set(kinds) <= set(KINDS):
        return False
    if any((kind == REVERSAL) != (target is not type(None)) for kind, target in set(zip(kinds, map(type, reverses)))):
        return False  # a reversal, and only a reversal, names the entry it cancels
    digits = "".join(hashes)
    return set(map(len, hashes)) == {64} and digits.isascii() and not digits.encode("ascii").translate(None, _HEX)  # each 64 lower-case hex digits


def refusals(before: list[Problem], after: Ledger, terms: Terms, whole: bool = False) -> list[Problem]:
    """What the ledger `after` (entries chained onto a ledger whose problems were `before`, none
    of them of the integrity rules) breaks that was not broken already, or breaks worse.

    Terms that are not the pinned ones are always refused, even if they were already in force
    before: otherwise a clerk could keep recording under looser terms. With `whole` (an
    amendment, which re-judges every entry under new terms) every problem is refused.
    """
    after_problems = run_checks(after, terms, RULES_FOR_NEW_ENTRIES)
    if whole:
        return after_problems
    return [p for p in after_problems if p.rule == TERMS_RULE] or new_or_worse(before, after_problems)


def append_drafts(
    path: str | os.PathLike,
    terms: Terms,
    drafts: Callable[[Ledger], list[Draft | None]],
    dry_run: bool = False,
    labels: list[tuple[str, int]] | None = None,
    progress: Callable[[str], None] | None = None,
    whole: bool = False,
    earlier: Callable[[Ledger], list[Reported]] | None = None,
) -> list[Entry | TermsPin]:
    """Validate and append the drafts that `drafts(ledger)` makes from the locked ledger.

    Raises UserError (exit 2) when a draft is malformed, RuleBroken (exit 1) when appending would
    break a rule of the agreement; in both cases nothing is written. `labels`, one per draft, say
    where each came from (an import's "file.csv:12", and its line 12) in the messages; `progress`
    hears each step. `whole`: refuse every problem of the ledger as it would be (see refusals).
    `earlier(ledger)` gives the problems found in the input before the rules (malformed rows):
    they are reported together with every rule the other drafts break, and with any of them
    nothing is written, so that one run names every problem.
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
            text = (
                f"{path}: the ledger fails `ledger check` ({len(damaged)} problem{'s' if len(damaged) > 1 else ''} "
                f"with the record itself, the first at {where}: {first.message}); nothing is added to a damaged record"
            )
            raise RuleBroken(problems=(Reported(None, None, first.rule, text, text),))
        step("hashing the new entries")
        first_id = ledger.next_id
        entries, tables = _chained(ledger, _with_known_lines(terms, drafts(ledger)))
        after = extended(ledger, entries, tables)
        step("checking the ledger with the new entries")
        refused = refusals(before, after, terms, whole)
        found = earlier(ledger) if earlier else []
        if refused or found:
            bad_input = [item for item in found if item.rule in (CELL, FILE)] or [p for p in refused if p.rule in INPUT_RULES]
            suffix = "" if bad_input else "; nothing was recorded"
            reported = found + [_describe(problem, first_id, entries, labels, suffix) for problem in refused]
            reported.sort(key=lambda item: item.line or 0)
            raise (UserError if bad_input else RuleBroken)(problems=tuple(reported))
        if not dry_run and entries:
            step("writing")
            handle.append(_text_pieces(tables))
    return entries


PIECE = 10_000
"""Entries written at a time: their text is made, encoded and written a piece at a time, so that
a big import never holds the text of the whole batch, and its bytes, beside its entries."""


def _text_pieces(tables: list[dict], size: int = PIECE) -> Iterator[bytes]:
    """The bytes of entries_toml(tables), a piece at a time (tests/test_fast_paths_import.py holds
    the pieces to the whole)."""
    for start in range(0, len(tables), size):
        yield entries_toml(tables[start:start + size]).encode("utf-8")


def _describe(problem: Problem, first_id: int, entries: list[Entry], labels: list[tuple[str, int]] | None, suffix: str) -> Reported:
    index = problem.entry - first_id if problem.entry is not None else -1
    message = problem.message + suffix
    new = 0 <= index < len(entries)
    field = problem.rule if new and problem.rule in FIELD_RULES else None  # the one value at fault
    if labels is not None and 0 <= index < len(labels):
        where, line = labels[index]
        return Reported(line, field, problem.rule, message, f"{where}: rule {problem.rule}: {message}")
    if len(entries) > 1 and problem.entry is not None:
        return Reported(None, None, problem.rule, message, f"entry {problem.entry} (rule {problem.rule}): {message}")
    option = f"--{field}" if field and entries[index].kind != REVERSAL else None  # record's option; a reversal's fields are copied
    return _broken(problem.rule, message, option)


def _broken(rule: str, message: str, column: str | None = None) -> Reported:
    """A problem with no place in an input file, named by its rule (for --format json's `rule`)
    and by the option at fault, if one is."""
    return Reported(None, column, rule, message, f"rule {rule}: {message}")


def _reversal_refused(message: str) -> RuleBroken:
    return RuleBroken(problems=(_broken("reversal", message),))


# --- drafting from what a clerk types ---------------------------------------------------------


def reversal_draft(ledger: Ledger, target_id: int, reason: str, date: datetime.date | None) -> Draft:
    """A reversal that cancels entry `target_id` in full: same year, line, county or recipient,
    amount and reference; dated as the entry it cancels unless a date is given."""
    reason = _check_text("--reason", reason)
    if not reason.strip():
        raise UserError("--reason must say why the entry is reversed")
    target = next((entry for entry in ledger.entries if entry.id == target_id), None)
    if any(pin.id == target_id for pin in ledger.pins):
        raise _reversal_refused(f"entry {target_id} is a terms entry, which no reversal cancels; the terms change only by `ledger amend`")
    if target is None:
        raise _reversal_refused(f"there is no entry {target_id} to reverse (the ledger has {ledger.count} entr{'y' if ledger.count == 1 else 'ies'}); nothing was recorded")
    if target.kind == REVERSAL:
        raise _reversal_refused(f"entry {target_id} is itself a reversal and cannot be reversed; record the original entry again instead")
    earlier = next((entry for entry in ledger.entries if entry.kind == REVERSAL and entry.reverses == target_id), None)
    if earlier is not None:
        raise _reversal_refused(f"entry {target_id} is already reversed by entry {earlier.id}; nothing was recorded")
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
        message = f"{option} {text!r} is not a date; write YYYY-MM-DD, such as 2019-03-15"
        raise UserError(problems=(Reported(None, option, INPUT, message, message),))
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


def known_line(terms: Terms, text: str) -> str | None:
    """The id of the budget line `text` names, ignoring case and surrounding space ("RSS" is
    rss); None when it names none. Line ids are lower case in the terms, so nothing is ambiguous."""
    wanted = text.strip().casefold()
    return next((line.id for line in terms.lines if line.id.casefold() == wanted), None)


def resolve_line(terms: Terms, text: str, option: str = "--line") -> str:
    """The id of a budget line a user typed, or a UserError (exit 2) naming the lines."""
    line = known_line(terms, text)
    if line is None:
        raise UserError(f"{option}: unknown budget line {text!r}; the lines are {', '.join(l.id for l in terms.lines)}")
    return line


def _with_known_lines(terms: Terms, drafts: list[Draft | PinDraft | None]) -> list[Draft | PinDraft | None]:
    """Each draft with its line as _with_known_line gives it; a line that is a budget line's own
    id, which known_line gives back as it is, is seen as such by one look-up."""
    own = {line.id for line in terms.lines if known_line(terms, line.id) == line.id}
    return [draft if draft is None or (type(draft) is Draft and draft.line in own) else _with_known_line(terms, draft) for draft in drafts]


def _with_known_line(terms: Terms, draft: Draft | PinDraft) -> Draft | PinDraft:
    """A draft whose line names a budget line in another case carries the line's own id; one it
    does not name is left for the `line` rule to report. A terms draft has no line."""
    if isinstance(draft, PinDraft):
        return draft
    line = known_line(terms, draft.line)
    return draft if line is None or line == draft.line else replace(draft, line=line)


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
    """A disbursement or repayment from the options of `ledger record`, checked as input: every
    option that cannot be read is reported, each with its option as the problem's column."""
    from .money import AmountError, parse_kronor

    line, county, recipient, reference, note = (
        _check_text(option, value)
        for option, value in (("--line", line), ("--county", county), ("--recipient", recipient), ("--reference", reference), ("--note", note))
    )
    problems = []

    def read(option: str, parse, *args):
        try:
            return parse(*args)
        except (UserError, AmountError) as error:
            message = error.lines[0] if isinstance(error, UserError) else str(error)
            problems.append(Reported(None, option, INPUT, message, message))
            return None

    when = read("--date", parse_date, date)
    kronor = read("--amount", parse_kronor, amount)
    found = read("--county", resolve_county, terms, county) if county is not None else None
    if problems:
        raise UserError(problems=tuple(problems))
    code = found.code if found is not None else None
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
