"""Net amounts per budget year: by county, line, pot and in total, net of repayments and reversals.

The one place that says which way an entry moves money; the ceiling rules (checks.py) and the
budget-versus-actual report both add up through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .models import DISBURSEMENT, REPAYMENT, REVERSAL, Entry, Terms


def signed_amounts(entries: Iterable[Entry]) -> dict[int, int]:
    """Each entry's effect on the books: + for a disbursement, − for a repayment, and for a
    reversal the opposite of the entry it cancels (0 when that entry cannot be found)."""
    entries = list(entries)
    kinds = {entry.id: entry.kind for entry in entries}
    signed = {}
    for entry in entries:
        if entry.kind == DISBURSEMENT:
            signed[entry.id] = entry.amount
        elif entry.kind == REPAYMENT:
            signed[entry.id] = -entry.amount
        elif entry.kind == REVERSAL:
            target = kinds.get(entry.reverses)
            signed[entry.id] = -entry.amount if target == DISBURSEMENT else entry.amount if target == REPAYMENT else 0
    return signed


@dataclass(slots=True)
class YearTotals:
    """Net kronor of one budget year; `moved_by` is the last entry that moved each subject."""

    year: int
    counties: dict[str, int] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    pots: dict[str, int] = field(default_factory=dict)
    total: int = 0
    moved_by: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, key) -> entry id


def subject(year: int, kind: str, key: str = "") -> str:
    """The name of a total a rule is about: "2019 county 01", "2019 pot kvinnofrid", "2019 total"."""
    return f"{year} {kind} {key}".rstrip()


def net_totals(entries: Iterable[Entry], terms: Terms) -> dict[int, YearTotals]:
    """Net totals per budget year, of the entries whose line is known (others count nowhere:
    they are reported by their own rule). County totals are of the allocation line only.

    The entries are first added up by (year, line, county), a few hundred groups however long
    the ledger, and the totals made from the groups in the order each first appeared, so that
    every total is made, and every dict filled, in the order the entries came (what
    `_reference_net_totals` does entry by entry; tests/test_fast_paths.py holds it to that).
    """
    entries = list(entries)
    signed = signed_amounts(entries)
    groups: dict[tuple, list] = {}  # (year, line, county) -> [net, the last entry's place, its id]
    for place, entry in enumerate(entries):
        ident = entry.id
        group = groups.get((entry.year, entry.line, entry.county))
        if group is None:
            groups[entry.year, entry.line, entry.county] = [signed[ident], place, ident]
        else:
            group[0] += signed[ident]
            group[1] = place
            group[2] = ident
    pot_of = {line.id: line.pot for line in terms.lines}
    allocation_line = terms.allocation_line
    years: dict[int, YearTotals] = {}
    last: dict[tuple, int] = {}  # (year, kind, key) -> the place of the last entry that moved it
    for (year, line, county), (amount, place, ident) in groups.items():
        pot = pot_of.get(line)
        if pot is None:
            continue
        totals = years.get(year)
        if totals is None:
            totals = years[year] = YearTotals(year)
        moved = totals.moved_by
        subjects = [("line", line, totals.lines), ("pot", pot, totals.pots)]
        if line == allocation_line and county is not None:
            subjects.append(("county", county, totals.counties))
        for kind, key, nets in subjects:
            nets[key] = nets.get(key, 0) + amount
            if last.get((year, kind, key), -1) < place:
                last[year, kind, key] = place
                moved[kind, key] = ident
        totals.total += amount
        if last.get((year, "total", ""), -1) < place:
            last[year, "total", ""] = place
            moved["total", ""] = ident
    return years


def _reference_net_totals(entries: Iterable[Entry], terms: Terms) -> dict[int, YearTotals]:
    """net_totals, entry by entry."""
    entries = list(entries)
    signed = signed_amounts(entries)
    pot_of = {line.id: line.pot for line in terms.lines}
    allocation_line = terms.allocation_line
    years: dict[int, YearTotals] = {}
    for entry in entries:
        pot = pot_of.get(entry.line)
        if pot is None:
            continue
        amount = signed[entry.id]
        totals = years.get(entry.year)
        if totals is None:
            totals = years[entry.year] = YearTotals(entry.year)
        moved = totals.moved_by
        totals.lines[entry.line] = totals.lines.get(entry.line, 0) + amount
        moved["line", entry.line] = entry.id
        totals.pots[pot] = totals.pots.get(pot, 0) + amount
        moved["pot", pot] = entry.id
        totals.total += amount
        moved["total", ""] = entry.id
        if entry.line == allocation_line and entry.county is not None:
            totals.counties[entry.county] = totals.counties.get(entry.county, 0) + amount
            moved["county", entry.county] = entry.id
    return years
