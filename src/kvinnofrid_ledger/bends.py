"""What a spreadsheet does to the text of a row, and undoing it only where the row's hash proves it.

An export carries each entry's id and hash, and the hash covers every field and the hash of the
entry before it (ledger.canonical_form). So a row that comes back can be checked exactly: rebuild
its entry from its cells, chain it on the exported hash of the entry before it, and compare. When
they differ, the usual bends of a spreadsheet are tried on its text fields (leading zeros dropped
from "007", "1e5" read as the number 100000, a carriage return turned into a line feed, "2019-03"
read as a date, a leading apostrophe taken for a text marker, an empty text left as an empty
cell). A row is repaired only when exactly one way of undoing them gives back its hash: SHA-256
makes that proof, not a guess. Any other difference is named, never passed over.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

from .errors import CHANGED, Reported
from .frozen import frozen
from .ledger import GENESIS, entry_hash, entry_table
from .models import TERMS_KIND, Entry, TermsPin

TEXT_FIELDS = ("kind", "line", "county", "recipient", "reference", "note")
"""The fields a spreadsheet can bend without the import noticing; dates, years, amounts and ids
are read by parsers that already accept every form a spreadsheet writes them in."""
MOST_TRIALS = 5_000
"""Combinations of bends tried on one row at most (each costs one SHA-256 of a few hundred bytes)."""

_DATE_OF_MONTH = re.compile(r"([0-9]{4}-[0-9]{2})-01")
_DECIMAL = re.compile(r"[0-9]+\.[0-9]*[1-9]")
_EXPONENT = re.compile(r"[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]{1,3}")


def _whole(text: str) -> str | None:
    """The digits of a number in exponent form, if it is whole and not huge."""
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if number != number.to_integral_value() or number.adjusted() > 30:
        return None
    return str(int(number))


def bends(field: str, value: str | None) -> list[tuple[str | None, str]]:
    """Each value the text could have had before a spreadsheet bent it into `value`, and how."""
    if value is None:
        return [("", "an empty text came back as an empty cell")] if field in ("county", "recipient") else []
    found: list[tuple[str | None, str]] = []
    shown = _EXPONENT.fullmatch(value)
    if shown:  # "1e5" came back as the number, shown as "1.00E+05"
        digits = _whole(value)
        if digits is not None:
            found.append((digits, "the spreadsheet showed the number in exponent form"))
            found += [(form, "the spreadsheet read it as a number in exponent form") for form in _exponent_forms(digits)]
    if value.isascii() and value.isdigit() and len(value) <= 30:
        found += [("0" * zeros + value, "the spreadsheet dropped its leading zeros") for zeros in range(1, 11)]
        found += [(form, "the spreadsheet read it as a number in exponent form") for form in _exponent_forms(value)]
    if _DECIMAL.fullmatch(value):
        found += [(value + "0" * zeros, "the spreadsheet dropped its trailing zeros") for zeros in range(1, 4)]
    if "\n" in value:
        found += [(value.replace("\n", "\r\n"), "the spreadsheet turned CR LF into LF"), (value.replace("\n", "\r"), "the spreadsheet turned CR into LF")]
    month = _DATE_OF_MONTH.fullmatch(value)
    if month:
        found.append((month.group(1), "the spreadsheet read it as a date"))
    if value == "" and field in ("county", "recipient"):
        found.append((None, "an empty cell became an empty text"))
    found.append(("'" + value, "the spreadsheet took its leading apostrophe for a text marker"))
    if value.startswith("'"):
        found.append((value[1:], "the CSV's apostrophe before a formula-like text was kept in the sheet"))
    return found


def _exponent_forms(digits: str) -> list[str]:
    """ "100000" could have been typed 1e5, 1E5, 1e+5, 1E+05, 10e4, ..., "150000" 1.5e5."""
    if digits.startswith("0"):
        return []
    zeros = len(digits) - len(digits.rstrip("0"))
    forms = []
    for exponent in range(1, zeros + 1):
        mantissas = [digits[:-exponent]]
        significant = digits[:-exponent]
        if len(significant) > 1:  # 1.5e5: the point after the first digit
            mantissas.append(f"{significant[0]}.{significant[1:]}")
        for mantissa in mantissas:
            power = exponent + (len(significant) - 1 if "." in mantissa else 0)
            for e in ("e", "E"):
                forms += [f"{mantissa}{e}{power}", f"{mantissa}{e}+{power}", f"{mantissa}{e}{power:02d}", f"{mantissa}{e}+{power:02d}"]
    return list(dict.fromkeys(forms))


@frozen
class Verified:
    rows: list  # importing.Row, with the repaired drafts
    repaired: list[Reported]
    changed: list[Reported]
    unverifiable: list[str]


def row_hash(ident: int, draft, prev: str) -> str:
    """The hash an entry made of `draft` (a money entry's or a terms entry's) with id `ident`
    would have, chained on `prev`."""
    if draft.kind == TERMS_KIND:
        entry = TermsPin(ident, TERMS_KIND, draft.date, draft.agreement, draft.digest, draft.source, "")
    else:
        entry = Entry(ident, draft.kind, draft.date, draft.year, draft.line, draft.amount, draft.reference, draft.note,
                      draft.county, draft.recipient, draft.reverses, "")
    return entry_hash(entry_table(entry), prev)


def verify_rows(table, rows: list) -> Verified:
    """Compare every row that carries an exported id and hash with that hash."""
    exported = {row.id: row.hash for row in rows if row.id is not None and row.hash is not None}
    out, repaired, changed, unverifiable = [], [], [], []
    last_id = 0
    for row in rows:
        if row.id is None or row.hash is None:
            out.append(row)
            continue
        if row.id <= last_id:
            changed.append(table.problem(row.line, "id", CHANGED, f"entry {row.id} comes after entry {last_id}: the rows are no longer in the order they were exported in (sort them by id)"))
        last_id = max(last_id, row.id)
        prev = GENESIS if row.id == 1 else exported.get(row.id - 1)
        if prev is None:
            unverifiable.append(f"{table.where(row.line)}: entry {row.id} cannot be compared with its hash: entry {row.id - 1}, whose hash it is chained to, is not in the file")
        elif row.draft is not None and row_hash(row.id, row.draft, prev) != row.hash:
            # a terms row's fields are a date, a digest and names a spreadsheet has no reason to bend
            draft, found = _undo(row, prev) if row.draft.kind != TERMS_KIND else (None, [])
            if draft is None:
                changed.append(table.problem(
                    row.line, None, CHANGED,
                    f"entry {row.id}: changed since export: its cells do not match the hash it was exported with, and no "
                    "usual change by a spreadsheet explains it (correct the row from `ledger export`)",
                ))
            else:
                row = replace(row, draft=draft)
                for field, before, after, how in found:
                    repaired.append(table.problem(
                        row.line, None, CHANGED,
                        f"entry {row.id}: {field} changed since export ({before!r} → {after!r}: {how}); restored, as its hash proves",
                    ))
        out.append(row)
    return Verified(out, repaired, changed, unverifiable)


def _undo(row, prev: str):
    """The one draft, among the row's with its text fields un-bent, that gives back its hash:
    one bent field at a time, then two, and so on, stopping at the fewest that explain the row
    or after MOST_TRIALS hashes."""
    options = [(field, bends(field, getattr(row.draft, field))) for field in TEXT_FIELDS]
    options = [(field, found) for field, found in options if found]
    matches = {}
    trials = 0
    for size in range(1, len(options) + 1):
        for chosen in itertools.combinations(options, size):
            for values in itertools.product(*[found for _field, found in chosen]):
                trials += 1
                if trials > MOST_TRIALS:
                    return None, []
                draft = replace(row.draft, **{field: value for (field, _found), (value, _how) in zip(chosen, values)})
                if row_hash(row.id, draft, prev) == row.hash:
                    matches[draft] = [(field, value, getattr(row.draft, field), how) for (field, _found), (value, how) in zip(chosen, values)]
        if matches:
            break
    if len(matches) != 1:
        return None, []
    return next(iter(matches.items()))
