"""The rules of the ledger, each a small function of the ledger and the terms → its problems.

`ledger check` runs them all; `record`, `reverse` and `import` run them on the ledger as it would
be and refuse what would make anything worse. A rule never raises: every problem is a value that
says where it is and what would mend it, so one run reports all of them.
"""

from __future__ import annotations

import unicodedata


from .balances import YearTotals, net_totals, subject
from .frozen import frozen
from .ledger import GENESIS, Ledger, entry_hash
from .models import REVERSAL, Entry, Problem, Terms
from .money import format_kronor as kr

INTEGRITY_RULES = frozenset({"syntax", "fields", "ids", "chain"})
"""Rules whose failure means the record itself is damaged: nothing is appended to such a ledger."""
INPUT_RULES = frozenset({"fields", "line", "county", "recipient"})
"""Rules that, broken by a new entry, mean the entry was asked for wrongly (exit 2, not 1)."""


@frozen
class Audit:
    """What every rule looks at: the ledger, the terms, and the net totals of each year."""

    ledger: Ledger
    terms: Terms
    totals: dict[int, YearTotals]


def _at(entry: Entry, rule: str, message: str) -> Problem:
    return Problem(rule, message, entry=entry.id, lineno=entry.lineno)


# --- the record --------------------------------------------------------------------------------


def check_ids(audit: Audit) -> list[Problem]:
    """Ids run 1, 2, 3, ... in file order, with no gap and no repeat."""
    problems = []
    expected = 1
    for raw in audit.ledger.raw:
        ident = raw.table.get("id")
        if type(ident) is not int:
            continue  # reported by the fields rule
        if ident != expected:
            problems.append(
                Problem(
                    "ids",
                    f"id {ident} where {expected} was expected: ids run 1, 2, 3, ... in the order entries were "
                    "recorded, so an entry was removed, inserted or moved here",
                    entry=ident,
                    lineno=raw.lineno,
                )
            )
        expected = ident + 1
    return problems


def check_chain(audit: Audit) -> list[Problem]:
    """Each entry's hash covers its fields and the hash of the entry before it."""
    problems = []
    prev = GENESIS
    for raw in audit.ledger.raw:
        stored = raw.table.get("hash")
        # the hash the reader took from the text, when it took it with this prev (ledger_text.RawEntry)
        if (raw.chained if raw.prev == prev and raw.chained is not None else entry_hash(raw.table, prev)) != stored:
            ident = raw.table.get("id")
            problems.append(
                Problem(
                    "chain",
                    "the hash does not match this entry's fields and the hash before it: this entry was changed, "
                    "or an entry before it was removed, inserted or moved, after it was recorded",
                    entry=ident if type(ident) is int else None,
                    lineno=raw.lineno,
                )
            )
        prev = stored if isinstance(stored, str) else ""
    return problems


# --- the terms --------------------------------------------------------------------------------

TERMS_RULE = "terms"


def check_terms(audit: Audit) -> list[Problem]:
    """The terms in force are the ones the ledger's last terms entry pins.

    A ledger with no terms entry (written before they existed) is not broken by this rule: it was
    kept under no recorded terms, and `check` warns and says how to pin them (see the README).
    """
    if not audit.ledger.pins:
        return []
    pin = audit.ledger.pins[-1]
    terms = audit.terms
    if pin.digest == terms.digest:
        return []
    return [
        Problem(
            TERMS_RULE,
            f"the terms in force ({' and '.join(terms.sources)}, digest {terms.digest}) are not the terms this "
            f"ledger is kept under (digest {pin.digest}, pinned by entry {pin.id} of {pin.date}): point --data-dir "
            "at the pinned terms, or record the change with `ledger amend --source TEXT`",
            entry=pin.id,
            lineno=pin.lineno,
        )
    ]


# --- each entry ----------------------------------------------------------------------------------


def check_known(audit: Audit) -> list[Problem]:
    """The line is one of the agreement's; an allocation-line entry names a known county and
    nothing else names one; every other entry names its recipient."""
    terms = audit.terms
    lines = {line.id for line in terms.lines}
    counties = {county.code for county in terms.counties}
    allocation_line = terms.allocation_line
    problems = []
    for entry in audit.ledger.entries:
        if entry.line not in lines:
            problems.append(_at(entry, "line", f"unknown budget line {entry.line!r}; the lines are {', '.join(sorted(lines))}"))
            continue
        if entry.line == allocation_line:
            if entry.county is None:
                problems.append(_at(entry, "county", f"an {allocation_line} entry names its county (--county, a code such as 01 or a name)"))
            elif entry.county not in counties:
                problems.append(_at(entry, "county", f"unknown county {entry.county!r}; the counties are the codes in counties.toml"))
            if entry.recipient is not None:
                problems.append(_at(entry, "recipient", f"an {allocation_line} entry's recipient is its county: leave out the recipient"))
        else:
            if entry.county is not None:
                problems.append(_at(entry, "county", f"only {allocation_line} entries carry a county; name the recipient of a {entry.line} entry instead"))
            if not (entry.recipient or "").strip():
                problems.append(_at(entry, "recipient", f"a {entry.line} entry names its recipient (--recipient: a municipality, school organiser, supplier)"))
    return problems


def check_period(audit: Audit) -> list[Problem]:
    """Every entry is dated within the payment dates, for a budget year of the period."""
    terms = audit.terms
    first, last = terms.first_payment_date, terms.final_payment_date
    problems = []
    for entry in audit.ledger.entries:
        if entry.year not in terms.years:
            problems.append(_at(entry, "period", f"budget year {entry.year} is outside the agreement's period {terms.period_text}"))
        if not first <= entry.date <= last:
            problems.append(
                _at(
                    entry,
                    "period",
                    f"dated {entry.date}, outside the payment dates {first} to {last}"
                    + ("" if terms.agreement.period.final_payment_date else " (agreement.toml's period.final_payment_date can allow later payments)"),
                )
            )
    return problems


def reference_key(reference: str) -> str:
    """What two references are compared by: their NFKC form, case-folded. "ÅB-7" typed as one
    code point or as A + combining ring, "RSS-7" and "rss-7", or "ＲＳＳ-7" in full-width letters
    look like one requisition to a clerk, an auditor and a reader of the export alike, so they
    are one reference: a second payment under any of them is the double payment the rule is
    there to stop. No two real requisitions are told apart by case or by Unicode form alone."""
    return unicodedata.normalize("NFKC", reference).casefold()


def check_references(audit: Audit) -> list[Problem]:
    """A non-empty reference (requisition or voucher number) is used by one entry only, compared
    by `reference_key`; a reversal carries the reference of the entry it cancels."""
    first_use: dict[str, Entry] = {}
    problems = []
    for entry in audit.ledger.entries:
        if entry.kind == REVERSAL or not entry.reference:
            continue
        key = reference_key(entry.reference)
        first = first_use.get(key)
        if first is not None:
            alike = "" if first.reference == entry.reference else f" as {first.reference!r}, which differs only in case or Unicode form"
            problems.append(_at(entry, "reference", f"reference {entry.reference!r} is already used by entry {first.id}{alike}; give each requisition or voucher its own"))
        else:
            first_use[key] = entry
    return problems


def check_reversals(audit: Audit) -> list[Problem]:
    """A reversal cancels one earlier entry in full, which is not itself a reversal, only once."""
    by_id = {entry.id: entry for entry in audit.ledger.entries}
    reversed_by: dict[int, int] = {}
    problems = []
    for entry in audit.ledger.entries:
        if entry.kind != REVERSAL:
            continue
        target = by_id.get(entry.reverses)
        if target is None or target.id >= entry.id:
            problems.append(_at(entry, "reversal", f"reverses entry {entry.reverses}, which is not an earlier entry of this ledger"))
            continue
        if target.kind == REVERSAL:
            problems.append(_at(entry, "reversal", f"reverses entry {target.id}, which is itself a reversal; record the original entry again instead"))
            continue
        if target.id in reversed_by:
            problems.append(_at(entry, "reversal", f"entry {target.id} is already reversed by entry {reversed_by[target.id]}"))
            continue
        reversed_by[target.id] = entry.id
        differ = [name for name in ("year", "line", "county", "recipient", "amount") if getattr(entry, name) != getattr(target, name)]
        if differ:
            problems.append(_at(entry, "reversal", f"does not match entry {target.id} it reverses in {', '.join(differ)}; a reversal cancels an entry in full"))
    return problems


# --- the totals ----------------------------------------------------------------------------------


def _over(audit: Audit, rule: str, year: int, kind: str, key: str, net: int, limit: int, what: str) -> Problem | None:
    if net <= limit:
        return None
    ident = audit.totals[year].moved_by.get((kind, key))
    return Problem(
        rule,
        f"{what}: {kr(net)} kr net for {year}, {kr(net - limit)} kr over {'its' if kind == 'county' else 'the'} "
        f"{'allocation' if kind == 'county' else 'ceiling'} of {kr(limit)} kr",
        entry=ident,
        lineno=_lineno(audit, ident),
        subject=subject(year, kind, key),
        excess=net - limit,
    )


def _lineno(audit: Audit, ident: int | None) -> int | None:
    if ident is None:
        return None
    for entry in reversed(audit.ledger.entries):
        if entry.id == ident:
            return entry.lineno
    return None


def check_allocations(audit: Audit) -> list[Problem]:
    """Each county's net on the allocation line stays within its allocation for the year."""
    problems = []
    for year, totals in audit.totals.items():
        year_terms = audit.terms.years.get(year)
        if year_terms is None:
            continue  # reported by the period rule
        for code, net in totals.counties.items():
            if code not in year_terms.allocations:
                continue  # reported by the county rule
            county = audit.terms.county(code)
            problem = _over(audit, "allocation", year, "county", code, net, year_terms.allocations[code], f"{county.name} ({code})")
            if problem:
                problems.append(problem)
    return problems


def check_ceilings(audit: Audit) -> list[Problem]:
    """Each pot's net, and the year's total, stay within their ceilings."""
    problems = []
    for year, totals in audit.totals.items():
        year_terms = audit.terms.years.get(year)
        if year_terms is None:
            continue
        for pot, net in totals.pots.items():
            problem = _over(audit, "ceiling", year, "pot", pot, net, year_terms.ceilings[pot], f"the {pot} pot")
            if problem:
                problems.append(problem)
        problem = _over(audit, "ceiling", year, "total", "", totals.total, year_terms.ceilings["total"], "the total")
        if problem:
            problems.append(problem)
    return problems


def check_not_negative(audit: Audit) -> list[Problem]:
    """No county, line or pot is repaid more than was paid out to it in a year.

    Only the most specific total is named: a line below zero only when none of its counties is,
    a pot only when none of its lines is (a pot below zero always has a line below zero under it).
    """
    pot_of = {line.id: line.pot for line in audit.terms.lines}
    problems = []
    for year, totals in audit.totals.items():
        negative_lines = [line for line, net in totals.lines.items() if net < 0]
        negative_pots = {pot_of[line] for line in negative_lines}
        below = [("county", code, net) for code, net in totals.counties.items() if net < 0]
        below += [
            ("line", line, totals.lines[line])
            for line in negative_lines
            if not (line == audit.terms.allocation_line and below)
        ]
        below += [("pot", pot, net) for pot, net in totals.pots.items() if net < 0 and pot not in negative_pots]
        for kind, key, net in below:
            name = subject(year, kind, key)
            ident = totals.moved_by.get((kind, key))
            problems.append(
                Problem(
                    "negative",
                    f"{kind} {key}: {kr(net)} kr net for {year}: {kr(-net)} kr more repaid or reversed than was paid out",
                    entry=ident,
                    lineno=_lineno(audit, ident),
                    subject=name,
                    excess=-net,
                )
            )
    return problems


RULES = (
    check_ids,
    check_chain,
    check_terms,
    check_known,
    check_period,
    check_references,
    check_reversals,
    check_allocations,
    check_ceilings,
    check_not_negative,
)


RULES_FOR_NEW_ENTRIES = tuple(rule for rule in RULES if rule not in (check_ids, check_chain))
"""What is left to check once entries are appended to a ledger whose ids and chain were checked:
the new entries' ids and hashes were made by chaining them onto its head."""


def run_checks(ledger: Ledger, terms: Terms, rules=RULES) -> list[Problem]:
    """Every problem of the ledger: those found reading it, then each rule's, in file order."""
    audit = Audit(ledger, terms, net_totals(ledger.entries, terms))
    problems = list(ledger.problems)
    for rule in rules:
        problems.extend(rule(audit))
    return sorted(problems, key=lambda p: (p.lineno is None, p.lineno or 0))


def check_head(ledger: Ledger, expected: str) -> list[Problem]:
    """The entry whose hash an auditor wrote down is still in the ledger."""
    if any(raw.table.get("hash") == expected for raw in ledger.raw):
        return []
    return [
        Problem(
            "head",
            f"no entry has the hash {expected}: the ledger was truncated, or rewritten, since that head was taken",
        )
    ]


def new_or_worse(before: list[Problem], after: list[Problem]) -> list[Problem]:
    """The problems of `after` that `before` did not have, or had by a smaller excess."""

    def key(problem: Problem):
        return (problem.rule, problem.subject) if problem.subject else (problem.rule, problem.entry, problem.message)

    known = {key(problem): problem.excess for problem in before}
    return [problem for problem in after if key(problem) not in known or problem.excess > known[key(problem)]]
