"""The RSS allocation: what each county's regional support structure is allotted, per year.

The rule itself is `county_allocation`; everything else here adds it up for a report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .frozen import frozen
from .models import TOTAL, AllocationRule, County

if TYPE_CHECKING:
    from .models import Terms


def county_allocation(rule: AllocationRule, county: County) -> int:
    """The amount one county is allotted in a year under `rule`.

    "400 000 kronor per län, samt 600 000 kronor per de tre storstadslänen": read "instead",
    a metropolitan county gets 600 000 in all; read "on-top", it gets 400 000 + 600 000.
    An amount set for the county by name (allocation.counties) overrides both.
    """
    if county.code in rule.counties:
        return rule.counties[county.code]
    if not county.metropolitan:
        return rule.county
    if rule.metropolitan_reading == "instead":
        return rule.metropolitan
    return rule.county + rule.metropolitan


def allocate_counties(rule: AllocationRule, counties: tuple[County, ...]) -> dict[str, int]:
    return {county.code: county_allocation(rule, county) for county in counties}


# --- reports -------------------------------------------------------------------------------


@frozen
class CountyAllocation:
    code: str
    name: str
    metropolitan: bool
    amount: int


@frozen
class PotPlan:
    """A ceiling, what the allocation takes of it, and what is left for the other lines."""

    id: str
    ceiling: int
    allocated: int
    left: int


@frozen
class YearAllocation:
    year: int
    counties: tuple[CountyAllocation, ...]
    total: int
    pots: tuple[PotPlan, ...]


@frozen
class PeriodAllocation:
    first_year: int
    last_year: int
    years: tuple[YearAllocation, ...]
    counties: tuple[CountyAllocation, ...]  # each county's amount summed over the period
    total: int


def allocate(terms: Terms, year: int) -> YearAllocation:
    """Each county's allocation in `year` (which must be inside the period), and the pots."""
    year_terms = terms.years[year]
    counties = tuple(
        CountyAllocation(county.code, county.name, county.metropolitan, year_terms.allocations[county.code])
        for county in terms.counties
    )
    total = sum(row.amount for row in counties)
    allocated_pot = terms.line(terms.allocation_line).pot
    pots = tuple(
        PotPlan(key, ceiling, allocated, ceiling - allocated)
        for key, ceiling, allocated in [
            (pot.id, year_terms.ceilings[pot.id], total if pot.id == allocated_pot else 0) for pot in terms.pots
        ]
        + [(TOTAL, year_terms.ceilings[TOTAL], total)]
    )
    return YearAllocation(year=year, counties=counties, total=total, pots=pots)


def allocate_period(terms: Terms) -> PeriodAllocation:
    """Every year's allocation, and each county's sum over the whole period."""
    years = tuple(allocate(terms, year) for year in terms.years)
    counties = tuple(
        CountyAllocation(county.code, county.name, county.metropolitan, sum(y.counties[i].amount for y in years))
        for i, county in enumerate(terms.counties)
    )
    return PeriodAllocation(
        first_year=terms.first_year,
        last_year=terms.last_year,
        years=years,
        counties=counties,
        total=sum(y.total for y in years),
    )
