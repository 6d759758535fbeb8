"""Pure builders of the reports scripts consume: budget versus actual, the check, the export.

Each report is a frozen dataclass (or TypedDict, for the hundred-thousand-row export), and the
JSON a command prints is that object serialised; `ledger schema` describes the same classes.
"""

# No `from __future__ import annotations` here: the report records' field types are evaluated
# once, as the module is imported; kept as strings, typing compiles each one of a TypedDict
# (ForwardRef) and dataclasses parses each, on every run (about 0.6 ms of `ledger check`).
import datetime
import os
from typing import TYPE_CHECKING, Literal, Optional, TypedDict  # schemas.py hands pydantic its typing_extensions twin

from .balances import YearTotals, net_totals, signed_amounts
from .frozen import frozen
from .models import TOTAL, AllocationRule, Amendment, BudgetLine, County, Pot

if TYPE_CHECKING:
    from .ledger import Ledger
    from .models import Entry, Problem, Terms, TermsPin


def percent(used: int, limit: int) -> float:
    """Share of a limit used, in percent with one decimal; 0 of 0 is 0."""
    return round(100 * used / limit, 1) if limit else 0.0


# --- the terms a report judged by --------------------------------------------------------------

Found = Literal["data-dir", "beside-ledger", "shipped"]
"""How the terms in force were found (terms.FOUND_DATA_DIR, FOUND_BESIDE_LEDGER, FOUND_SHIPPED)."""


@frozen
class TermsUsed:
    """The terms a report judged the ledger by: the folder of agreement.toml and counties.toml,
    how it was found (`data-dir`: --data-dir or $KVINNOFRID_LEDGER_DATA; `beside-ledger`; `shipped`),
    the SHA-256 of their content, and the digest the ledger's last terms entry pins, with its
    id (both null when the ledger pins none). The verdict holds only when `digest` == `pinned`."""

    folder: str
    found: Found
    digest: str
    pinned: Optional[str]
    pinned_by: Optional[int]


def terms_used(terms: "Terms", ledger: "Ledger") -> TermsUsed:
    pin = ledger.pins[-1] if ledger.pins else None
    return TermsUsed(
        folder=os.path.abspath(os.path.dirname(terms.sources[0])),
        found=terms.found,
        digest=terms.digest,
        pinned=pin.digest if pin else None,
        pinned_by=pin.id if pin else None,
    )


# --- status: budget versus actual ------------------------------------------------------------


@frozen
class PotStatus:
    """A pot (or `total`): its ceiling, what was disbursed net, and what remains."""

    id: str
    ceiling: int
    disbursed: int
    remaining: int
    percent_used: float


@frozen
class CountyStatus:
    """A county's RSS allocation, what it has been paid net, and what remains."""

    code: str
    name: str
    allocated: int
    disbursed: int
    remaining: int
    percent_used: float


@frozen
class LineStatus:
    id: str
    pot: str
    disbursed: int


@frozen
class YearStatus:
    """Budget versus actual for one budget year, net of repayments and reversals."""

    year: int
    ledger_ok: bool
    pots: tuple[PotStatus, ...]
    counties: tuple[CountyStatus, ...]
    lines: tuple[LineStatus, ...]
    terms: TermsUsed


@frozen
class PeriodTotals:
    """The same figures summed over every year of the period."""

    first_year: int
    last_year: int
    pots: tuple[PotStatus, ...]
    counties: tuple[CountyStatus, ...]
    lines: tuple[LineStatus, ...]


@frozen
class PeriodStatus:
    ledger_ok: bool
    years: tuple[YearStatus, ...]
    period: PeriodTotals
    terms: TermsUsed


def _year_status(terms: "Terms", year: int, totals, ledger_ok: bool, used: TermsUsed) -> YearStatus:
    year_terms = terms.years[year]
    pots = tuple(
        _pot(key, year_terms.ceilings[key], totals.total if key == TOTAL else totals.pots.get(key, 0))
        for key in [pot.id for pot in terms.pots] + [TOTAL]
    )
    counties = tuple(
        _county(county.code, county.name, year_terms.allocations[county.code], totals.counties.get(county.code, 0))
        for county in terms.counties
    )
    lines = tuple(LineStatus(line.id, line.pot, totals.lines.get(line.id, 0)) for line in terms.lines)
    return YearStatus(year, ledger_ok, pots, counties, lines, used)


def _pot(key: str, ceiling: int, disbursed: int) -> PotStatus:
    return PotStatus(key, ceiling, disbursed, ceiling - disbursed, percent(disbursed, ceiling))


def _county(code: str, name: str, allocated: int, disbursed: int) -> CountyStatus:
    return CountyStatus(code, name, allocated, disbursed, allocated - disbursed, percent(disbursed, allocated))


def status(ledger: "Ledger", terms: "Terms", year: int, ledger_ok: bool = True) -> YearStatus:
    """Budget versus actual for `year` (inside the period)."""
    totals = net_totals(ledger.entries, terms).get(year) or YearTotals(year)
    return _year_status(terms, year, totals, ledger_ok, terms_used(terms, ledger))


def period_status(ledger: "Ledger", terms: "Terms", ledger_ok: bool = True) -> PeriodStatus:
    """Budget versus actual for every year, and summed over the period."""
    by_year = net_totals(ledger.entries, terms)
    used = terms_used(terms, ledger)
    years = tuple(_year_status(terms, year, by_year.get(year) or YearTotals(year), ledger_ok, used) for year in terms.years)
    pots = tuple(
        _pot(first.id, sum(y.pots[i].ceiling for y in years), sum(y.pots[i].disbursed for y in years))
        for i, first in enumerate(years[0].pots)
    )
    counties = tuple(
        _county(first.code, first.name, sum(y.counties[i].allocated for y in years), sum(y.counties[i].disbursed for y in years))
        for i, first in enumerate(years[0].counties)
    )
    lines = tuple(
        LineStatus(first.id, first.pot, sum(y.lines[i].disbursed for y in years)) for i, first in enumerate(years[0].lines)
    )
    return PeriodStatus(ledger_ok, years, PeriodTotals(terms.first_year, terms.last_year, pots, counties, lines), used)


# --- check -----------------------------------------------------------------------------------


RuleName = Literal[
    "syntax", "fields", "ids", "chain", "terms", "line", "county", "recipient", "period", "reference",
    "reversal", "allocation", "ceiling", "negative", "head",
]
"""The rules `ledger check` reports under (checks.py, and the reading of the file in ledger.py)."""


@frozen
class Violation:
    """One problem: the rule, the entry id (null when it is about the file or the chain's end),
    the line in the ledger file, and what is wrong and what would mend it."""

    rule: RuleName
    entry: Optional[int]
    line: Optional[int]
    message: str


@frozen
class CheckReport:
    ok: bool
    entries: int
    head: Optional[str]
    violations: tuple[Violation, ...]
    terms: TermsUsed


def check_report(ledger: "Ledger", problems: "list[Problem]", terms: "Terms") -> CheckReport:
    return CheckReport(
        ok=not problems,
        entries=ledger.count,
        head=ledger.head,
        violations=tuple(Violation(p.rule, p.entry, p.lineno, p.message) for p in problems),
        terms=terms_used(terms, ledger),
    )


# --- export ----------------------------------------------------------------------------------


class ExportedEntry(TypedDict):
    """An entry for scripts: every field, with `amount` signed by its effect on the books
    (negative for repayments and for reversals of disbursements), so that a column sum is the net."""

    id: int
    kind: Literal["disbursement", "repayment", "reversal"]
    date: datetime.date
    year: int
    line: str
    county: Optional[str]
    recipient: Optional[str]
    amount: int
    reference: str
    note: str
    reverses: Optional[int]
    hash: str


EXPORT_FIELDS = tuple(ExportedEntry.__annotations__)


class ExportedPin(TypedDict):
    """A terms entry, with every field: the terms the ledger is kept under from this entry on."""

    id: int
    kind: Literal["terms"]
    date: datetime.date
    agreement: str
    digest: str
    source: str
    hash: str


TERMS_COLUMNS = ("agreement", "digest", "source")
"""The columns only a terms row fills (empty in every money row), after the money columns."""
CSV_FIELDS = EXPORT_FIELDS + TERMS_COLUMNS
"""The columns of a CSV or .xlsx export, and of an import: money rows and terms rows share them."""
MONEY_ONLY_COLUMNS = ("year", "line", "county", "recipient", "amount", "reference", "note", "reverses")
"""The columns a terms row leaves empty."""


class ExportDocument(TypedDict):
    """The money entries, and apart from them the terms entries (both in ledger order, ids
    interleaved): a script that sums `amount` over `entries` needs no test for the kind."""

    entries: list[ExportedEntry]
    terms: list[ExportedPin]


class TermsHistory(TypedDict):
    """`ledger terms --history`: the ledger, the digest of the terms in force (which must be the
    last entry's for the ledger to pass `check`), and its terms entries in file order."""

    ledger: str
    in_force: str
    terms: list[ExportedPin]


class TermsPeriod(TypedDict):
    first_year: int
    last_year: int
    first_payment_date: datetime.date
    final_payment_date: datetime.date


class TermsYear(TypedDict):
    """One budget year's ceilings (one per pot, and `total`) and allocation rule after its
    amendments, and what the rule allots the counties in all."""

    year: int
    ceilings: dict[str, int]
    allocation: AllocationRule
    allocated: int


class TermsReport(TypedDict):
    """`ledger terms --format json`: the terms in force as read (agreement.toml and
    counties.toml), each year's amounts after its amendments, the files they were read from, how
    they were found (as in TermsUsed) and their digest, which a terms entry pins."""

    name: str
    parties: list[str]
    period: TermsPeriod
    pots: tuple[Pot, ...]
    lines: tuple[BudgetLine, ...]
    allocation: AllocationRule
    amendments: tuple[Amendment, ...]
    years: list[TermsYear]
    counties: tuple[County, ...]
    sources: list[str]
    found: Found
    digest: str


def terms_report(terms: "Terms") -> TermsReport:
    agreement = terms.agreement
    return TermsReport(
        name=agreement.name,
        parties=list(agreement.parties),
        period=TermsPeriod(
            first_year=terms.first_year, last_year=terms.last_year,
            first_payment_date=terms.first_payment_date, final_payment_date=terms.final_payment_date,
        ),
        pots=agreement.pot,
        lines=agreement.line,
        allocation=agreement.allocation,
        amendments=agreement.amendment,
        years=[
            TermsYear(year=year.year, ceilings=dict(year.ceilings), allocation=year.allocation, allocated=sum(year.allocations.values()))
            for year in terms.years.values()
        ],
        counties=terms.counties,
        sources=list(terms.sources),
        found=terms.found,
        digest=terms.digest,
    )


def exported_pins(pins: "tuple[TermsPin, ...]") -> list[ExportedPin]:
    return [ExportedPin(id=p.id, kind=p.kind, date=p.date, agreement=p.agreement, digest=p.digest, source=p.source, hash=p.hash) for p in pins]


def exported_entries(entries: "tuple[Entry, ...] | list[Entry]", year: int | None = None) -> list[ExportedEntry]:
    """Every entry (of one budget year, if given) as exported, in ledger order."""
    signed = signed_amounts(entries)
    return [
        ExportedEntry(
            id=e.id, kind=e.kind, date=e.date, year=e.year, line=e.line, county=e.county, recipient=e.recipient,
            amount=signed[e.id], reference=e.reference, note=e.note, reverses=e.reverses, hash=e.hash,
        )
        for e in entries
        if year is None or e.year == year
    ]


def exported_rows(ledger: "Ledger", year: int | None = None) -> list[ExportedEntry | ExportedPin]:
    """The money entries (of one budget year, if given) and every terms entry, in file order:
    the rows of a CSV export. Terms entries are kept whatever the year, since they say which
    terms every row was judged by, and an import needs them to pin the same terms."""
    money = [entry for entry in ledger.entries if year is None or entry.year == year]
    placed = [(entry.lineno, row) for entry, row in zip(money, exported_entries(money))]
    placed += [(pin.lineno, row) for pin, row in zip(ledger.pins, exported_pins(ledger.pins))]
    return [row for _lineno, row in sorted(placed, key=lambda item: item[0])]
