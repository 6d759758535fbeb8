"""Into the books: the account plan (books.toml), which accounts an entry moves, and the ledger's
entries as the vouchers of a SIE 4I file (the format itself is sie.py's).

Looked up beside agreement.toml in the terms folder in force (--data-dir or
$KVINNOFRID_LEDGER_DATA), else the file shipped with the package; validated as a whole, each problem
one line naming the file and the key, as the terms are (terms.py).
"""

from __future__ import annotations

import datetime
from dataclasses import field
from pathlib import Path
from typing import Annotated, Mapping

from .errors import UserError
from .frozen import frozen
from .models import DISBURSEMENT, REPAYMENT, REVERSAL, Entry, Ident, Name, Terms, Text, _freeze, _Schema
from .terms import BOOKS_FILE, TermsError, _read_toml, shipped_data_dir


AccountNumber = Annotated[int, _Schema(strict=True, ge=1000, le=9999)]
"""A BAS account: four digits (SIE 4B #KONTO: "Kontonummer skall vara numeriskt")."""
OrgNumber = Annotated[str, _Schema(strict=True, pattern=r"^[0-9]{6}-[0-9]{4}$")]
"""SIE 4B #ORGNR: "Organisationsnumret ska innehålla ett bindestreck efter den sjätte siffran"."""


@frozen
class Account:
    __pydantic_config__ = {"extra": "forbid"}

    number: AccountNumber
    name: Name


@frozen
class Organisation:
    __pydantic_config__ = {"extra": "forbid"}

    name: Name
    orgnr: OrgNumber | None = None


@frozen
class SieSettings:
    __pydantic_config__ = {"extra": "forbid"}

    series: Text = ""


@frozen
class Accounts:
    __pydantic_config__ = {"extra": "forbid"}

    grants: Account
    bank: Account


@frozen
class BooksFile:
    """The whole of books.toml."""

    __pydantic_config__ = {"extra": "forbid"}

    organisation: Organisation
    accounts: Accounts
    sie: SieSettings = field(default_factory=SieSettings)
    lines: Mapping[Ident, Account] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _freeze(self, "lines")

    def cost_account(self, line: str) -> Account:
        """The account a budget line's grants are booked on."""
        return self.lines.get(line, self.accounts.grants)


def books_path(data_dir=None) -> Path:
    """books.toml beside the terms in force, else the shipped one."""
    if data_dir:
        candidate = Path(data_dir) / BOOKS_FILE
        if candidate.exists():
            return candidate
    return shipped_data_dir() / BOOKS_FILE


def load_books(terms: Terms, data_dir=None) -> BooksFile:
    """Read and validate books.toml; a TermsError lists every problem, one line each."""
    from . import validation

    path = books_path(data_dir)
    name = str(path)
    _bytes, raw = _read_toml(path)  # one reader of the terms folder's files, and its messages
    problems: list[str] = []
    books = validation.validate(BooksFile, raw, name, problems)
    if books is not None:
        known = [line.id for line in terms.lines]
        problems += [
            f"{name}: lines.{line}: unknown budget line {line!r}; the lines are {', '.join(known)}"
            for line in books.lines
            if line not in known
        ]
        accounts = [("accounts.grants", books.accounts.grants), ("accounts.bank", books.accounts.bank)]
        accounts += [(f"lines.{line}", account) for line, account in books.lines.items()]
        if any(account.number == books.accounts.bank.number for key, account in accounts if key != "accounts.bank"):
            problems.append(f"{name}: accounts.bank.number: {books.accounts.bank.number} is also a cost account; the bank needs an account of its own")
    if problems:
        raise TermsError(problems)
    assert books is not None
    return books


# --- what each entry moves --------------------------------------------------------------------------


def entry_effects(entries: list[Entry] | tuple[Entry, ...]) -> dict[int, int]:
    """Each entry's signed effect on the cost (+ a disbursement, − a repayment, a reversal the
    opposite of what it cancels), or a UserError naming an entry whose effect cannot be known.

    balances.signed_amounts counts an orphan reversal as 0; the books must not receive a voucher
    that moves nothing, so here it is refused instead."""
    from .balances import signed_amounts

    signed = signed_amounts(entries)
    kinds = {entry.id: entry.kind for entry in entries}
    for entry in entries:
        if entry.kind == REVERSAL and kinds.get(entry.reverses) not in (DISBURSEMENT, REPAYMENT):
            raise UserError(
                f"entry {entry.id} reverses entry {entry.reverses}, which is not a disbursement or repayment of this "
                "ledger; run `ledger check`: nothing was exported"
            )
    return signed


def check_known(entries, terms: Terms) -> None:
    """Every entry's line (and county) must be in the terms: the accounts are named by them."""
    for entry in entries:
        if terms.line(entry.line) is None:
            raise UserError(f"entry {entry.id}: unknown budget line {entry.line!r}; run `ledger check`: nothing was exported")
        if entry.county is not None and terms.county(entry.county) is None:
            raise UserError(f"entry {entry.id}: unknown county {entry.county!r}; run `ledger check`: nothing was exported")


def counterpart(entry: Entry, terms: Terms) -> str:
    """Who the money went to or came from: the county's name, or the recipient."""
    if entry.county is not None:
        county = terms.county(entry.county)
        return county.name if county else entry.county
    return entry.recipient or ""


def books_years(entries, year: int | None, terms: Terms) -> tuple[int, ...]:
    """The calendar years the exported entries are dated in (vouchers are dated by payment date)."""
    years = sorted({entry.date.year for entry in entries})
    if not years:
        return (year if year is not None else terms.last_year,)
    return tuple(range(years[0], years[-1] + 1))



# --- SIE 4I ---------------------------------------------------------------------------------------

COUNTY_DIMENSION = "20"
"""SIE 4B §8.17: 20 and above are free; the counties (län) are not one of the reserved dimensions."""
PROJECT_DIMENSION = "6"
"""SIE 4B §8.17: 6 = Projekt. A budget line of the agreement is a project in the books: the
accounting program can then report each line's net without an account per line."""
KIND_WORDS = {DISBURSEMENT: "utbetalning", REPAYMENT: "återbetalning", REVERSAL: "makulering"}


def voucher_text(entry: Entry, terms: Terms) -> str:
    """The rows' text: the ledger's entry id and kind, who, and the note (in Swedish, for the books)."""
    what = f"Post {entry.id} {KIND_WORDS.get(entry.kind, entry.kind)}"
    if entry.kind == REVERSAL:
        what += f" av post {entry.reverses}"
    text = f"{what}, {counterpart(entry, terms)}"
    return f"{text}: {entry.note}" if entry.note else text


def export_sie(entries, all_entries, terms: Terms, books: BooksFile, year: int | None, generated, head: str | None) -> bytes:
    """A SIE 4I file: one #VER per entry, in ledger order, its #TRANS rows summing to zero.

    `entries` are those exported (one budget year, or all); `all_entries` the whole ledger, so that a
    reversal's direction is known. A reversal is a voucher of its own with the rows of the entry it
    cancels negated, not #BTRANS/#RTRANS rows: those record changes to one voucher's rows before it
    was booked, while a reversal in the ledger is a later correction, which Swedish bookkeeping
    records as a new voucher referring to the one it corrects, leaving the original as it was.
    """
    from . import __version__
    from .sie import Field, Record, amount_field, date_field, text_field, write_sie

    check_known(entries, terms)
    signed = entry_effects(all_entries)
    years = books_years(entries, year, terms)
    head_records = [
        Record("#PROGRAM", (text_field("kvinnofrid-ledger"), Field(__version__))),
        Record("#FORMAT", (Field("PC8"),)),
        Record("#GEN", (date_field(generated),)),
        Record("#SIETYP", (Field("4"),)),
        Record("#PROSA", (text_field(
            f"{terms.agreement.name}: {len(entries)} ledger entries"
            + (f" of budget year {year}" if year is not None else "")
            + (f"; ledger head {head}" if head else "")
        ),)),
    ]
    if books.organisation.orgnr:
        head_records.append(Record("#ORGNR", (Field(books.organisation.orgnr),)))
    head_records.append(Record("#FNAMN", (text_field(books.organisation.name),)))
    for offset, calendar_year in enumerate(reversed(years)):
        start, end = datetime.date(calendar_year, 1, 1), datetime.date(calendar_year, 12, 31)
        head_records.append(Record("#RAR", (Field(str(-offset)), date_field(start), date_field(end))))
    head_records.append(Record("#VALUTA", (Field("SEK"),)))
    accounts: dict[int, Account] = {}
    for entry in entries:
        cost = books.cost_account(entry.line)
        accounts.setdefault(cost.number, cost)
    if entries:
        accounts.setdefault(books.accounts.bank.number, books.accounts.bank)
    head_records += [Record("#KONTO", (Field(str(number)), text_field(account.name))) for number, account in sorted(accounts.items())]
    lines_used = [line for line in terms.lines if any(entry.line == line.id for entry in entries)]
    counties_used = [county for county in terms.counties if any(entry.county == county.code for entry in entries)]
    if lines_used:
        head_records.append(Record("#DIM", (Field(PROJECT_DIMENSION), text_field("Projekt"))))
    if counties_used:
        head_records.append(Record("#DIM", (Field(COUNTY_DIMENSION), text_field("Län"))))
    head_records += [Record("#OBJEKT", (Field(PROJECT_DIMENSION), text_field(line.id), text_field(line.name or line.id))) for line in lines_used]
    head_records += [Record("#OBJEKT", (Field(COUNTY_DIMENSION), text_field(c.code), text_field(c.name))) for c in counties_used]
    body = []
    for entry in entries:
        amount = signed[entry.id]
        objects = (PROJECT_DIMENSION, entry.line) + ((COUNTY_DIMENSION, entry.county) if entry.county else ())
        text = voucher_text(entry, terms)
        day = date_field(entry.date)
        rows = (
            Record("#TRANS", (Field(str(books.cost_account(entry.line).number)), objects, amount_field(amount), day, text_field(text))),
            Record("#TRANS", (Field(str(books.accounts.bank.number)), (), amount_field(-amount), day, text_field(text))),
        )
        body.append(Record("#VER", (text_field(books.sie.series), text_field(""), day, text_field(entry.reference)), rows))
    return write_sie(head_records, body)
