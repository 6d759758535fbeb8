"""Pure builders of the reports scripts consume: budget versus actual, the check, the export.

Each report is a frozen dataclass (or TypedDict, for the hundred-thousand-row export), and the
JSON a command prints is that object serialised; `ledger schema` describes the same classes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from typing_extensions import TypedDict  # pydantic describes only this TypedDict on Python < 3.12

from .balances import YearTotals, net_totals, signed_amounts
from .models import TOTAL

if TYPE_CHECKING:
    from .ledger import Ledger
    from .models import Entry, Problem, Terms


def percent(used: int, limit: int) -> float:
    """Share of a limit used, in percent with one decimal; 0 of 0 is 0."""
    return round(100 * used / limit, 1) if limit else 0.0


# --- status: budget versus actual ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PotStatus:
    """A pot (or `total`): its ceiling, what was disbursed net, and what remains."""

    id: str
    ceiling: int
    disbursed: int
    remaining: int
    percent_used: float


@dataclass(frozen=True, slots=True)
class CountyStatus:
    """A county's RSS allocation, what it has been paid net, and what remains."""

    code: str
    name: str
    allocated: int
    disbursed: int
    remaining: int
    percent_used: float


@dataclass(frozen=True, slots=True)
class LineStatus:
    id: str
    pot: str
    disbursed: int


@dataclass(frozen=True, slots=True)
class YearStatus:
    """Budget versus actual for one budget year, net of repayments and reversals."""

    year: int
    ledger_ok: bool
    pots: tuple[PotStatus, ...]
    counties: tuple[CountyStatus, ...]
    lines: tuple[LineStatus, ...]


@dataclass(frozen=True, slots=True)
class PeriodTotals:
    """The same figures summed over every year of the period."""

    first_year: int
    last_year: int
    pots: tuple[PotStatus, ...]
    counties: tuple[CountyStatus, ...]
    lines: tuple[LineStatus, ...]


@dataclass(frozen=True, slots=True)
class PeriodStatus:
    ledger_ok: bool
    years: tuple[YearStatus, ...]
    period: PeriodTotals


def _year_status(terms: Terms, year: int, totals, ledger_ok: bool) -> YearStatus:
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
    return YearStatus(year, ledger_ok, pots, counties, lines)


def _pot(key: str, ceiling: int, disbursed: int) -> PotStatus:
    return PotStatus(key, ceiling, disbursed, ceiling - disbursed, percent(disbursed, ceiling))


def _county(code: str, name: str, allocated: int, disbursed: int) -> CountyStatus:
    return CountyStatus(code, name, allocated, disbursed, allocated - disbursed, percent(disbursed, allocated))


def status(ledger: Ledger, terms: Terms, year: int, ledger_ok: bool = True) -> YearStatus:
    """Budget versus actual for `year` (inside the period)."""
    totals = net_totals(ledger.entries, terms).get(year) or YearTotals(year)
    return _year_status(terms, year, totals, ledger_ok)


def period_status(ledger: Ledger, terms: Terms, ledger_ok: bool = True) -> PeriodStatus:
    """Budget versus actual for every year, and summed over the period."""
    by_year = net_totals(ledger.entries, terms)
    years = tuple(_year_status(terms, year, by_year.get(year) or YearTotals(year), ledger_ok) for year in terms.years)
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
    return PeriodStatus(ledger_ok, years, PeriodTotals(terms.first_year, terms.last_year, pots, counties, lines))


# --- check -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Violation:
    """One problem: the rule, the entry id (null when it is about the file or the chain's end),
    the line in the ledger file, and what is wrong and what would mend it."""

    rule: str
    entry: Optional[int]
    line: Optional[int]
    message: str


@dataclass(frozen=True, slots=True)
class CheckReport:
    ok: bool
    entries: int
    head: Optional[str]
    violations: tuple[Violation, ...]


def check_report(ledger: Ledger, problems: list[Problem]) -> CheckReport:
    return CheckReport(
        ok=not problems,
        entries=ledger.count,
        head=ledger.head,
        violations=tuple(Violation(p.rule, p.entry, p.lineno, p.message) for p in problems),
    )


# --- export ----------------------------------------------------------------------------------


class ExportedEntry(TypedDict):
    """An entry for scripts: every field, with `amount` signed by its effect on the books
    (negative for repayments and for reversals of disbursements), so that a column sum is the net."""

    id: int
    kind: str
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


class ExportDocument(TypedDict):
    entries: list[ExportedEntry]


def exported_entries(entries: tuple[Entry, ...] | list[Entry], year: int | None = None) -> list[ExportedEntry]:
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
