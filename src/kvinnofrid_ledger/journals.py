"""Plain-text accounting journals: hledger (also read by ledger-cli) and beancount.

Each entry is one transaction dated by its payment date: the cost account named by pot, line and
(for the allocation line) county, against the bank; a repayment the other way round; a reversal the
postings of the entry it cancels, negated. Metadata carries the ledger's id, kind, budget year,
line, reference and hash, so that a journal posting can be traced to its entry and verified.

The budget is written where the format can say it: hledger periodic transactions, one per budget
year (`hledger bal --budget`), and beancount `custom "budget"` entries as fava reads them.

User text (recipient, reference, note) is escaped for each format so that it cannot end a field,
start a comment, or put a posting or directive on a line of its own: see hledger_text / bean_string.
"""

from __future__ import annotations

import re

from .books import check_known, counterpart, entry_effects
from .models import REVERSAL, TOTAL, Entry, Terms

COMMODITY = "SEK"
HLEDGER_BANK = "assets:bank"

# --- account names -----------------------------------------------------------------------------------


def hledger_account(entry_line: str, county: str | None, terms: Terms) -> str:
    """expenses:POT:LINE, and :COUNTY under the allocation line: expenses:kvinnofrid:rss:12."""
    line = terms.line(entry_line)
    parts = ["expenses", line.pot, line.id]
    if county is not None and line.id == terms.allocation_line:
        parts.append(county)
    return ":".join(parts)


def bean_account(hledger_name: str) -> str:
    """The same account in beancount's grammar: roots capitalised (Expenses, Assets), and every other
    component starting with a capital letter or a digit. Pot and line ids are [a-z][a-z0-9-]*
    (models.Ident) and county codes two digits, so capitalising the first letter is enough."""
    return ":".join(part[:1].upper() + part[1:] for part in hledger_name.split(":"))


# --- escaping user text -----------------------------------------------------------------------------

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _one_line(text: str) -> str:
    """Control and invisible formatting characters (line breaks included) become one space each:
    a journal is read line by line, and a line break in a note would start a posting."""
    return _CONTROLS.sub(" ", text)


def hledger_text(text: str) -> str:
    """Text for an hledger description: on one line, with no ';' (which starts a comment, and so
    tags) and no '|' (which splits payee from note); each becomes ',' and '/'."""
    return _one_line(text).replace(";", ",").replace("|", "/").strip()


def hledger_code(text: str) -> str:
    """A transaction code ends at ')': in a reference it becomes ']'."""
    return _one_line(text).replace(")", "]").replace(";", ",").strip()


def hledger_tag_value(text: str) -> str:
    """A tag value ends at ',' or the end of the line."""
    return _one_line(text).replace(",", ";").strip()


def bean_string(text: str) -> str:
    """A beancount string: in quotes, with \\ and \" escaped, on one line."""
    return '"' + _one_line(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- the transactions -----------------------------------------------------------------------------


def _postings(entry: Entry, signed: dict[int, int], terms: Terms) -> list[tuple[str, int]]:
    amount = signed[entry.id]
    return [(hledger_account(entry.line, entry.county, terms), amount), (HLEDGER_BANK, -amount)]


def _journal_order(entries) -> list[Entry]:
    """By date, then ledger id: journals are read by date (hledger check ordereddates); the id tag
    keeps the ledger's own order."""
    return sorted(entries, key=lambda entry: (entry.date, entry.id))


def _budget_years(terms: Terms, year: int | None) -> list[int]:
    return [year] if year is not None else list(terms.years)


def _budget_goals(terms: Terms, year: int) -> list[tuple[str, int]]:
    """One year's budget as goals: each county's allocation on the allocation line, each pot's
    ceiling less those allocations on the pot itself, and the total ceiling less the pots on
    expenses. Both programs add a parent's own goal to its children's, so each pot then shows its
    ceiling and expenses the total ceiling."""
    year_terms = terms.years[year]
    allocation_line = terms.line(terms.allocation_line)
    goals = []
    for code, amount in year_terms.allocations.items():
        goals.append((f"expenses:{allocation_line.pot}:{allocation_line.id}:{code}", amount))
    for pot in terms.pots:
        allotted = sum(year_terms.allocations.values()) if pot.id == allocation_line.pot else 0
        goals.append((f"expenses:{pot.id}", year_terms.ceilings[pot.id] - allotted))
    rest = year_terms.ceilings[TOTAL] - sum(year_terms.ceilings[pot.id] for pot in terms.pots)
    if rest:
        goals.append(("expenses", rest))
    return goals


def _accounts(entries, terms: Terms, year: int | None) -> list[str]:
    names = {hledger_account(entry.line, entry.county, terms) for entry in entries}
    for budget_year in _budget_years(terms, year):
        names |= {name for name, _amount in _budget_goals(terms, budget_year)}
    names.add(HLEDGER_BANK)
    return sorted(names)


def _header(terms: Terms, count: int, year: int | None, head: str | None, comment: str) -> list[str]:
    what = f"{count} ledger entries" + (f" of budget year {year}" if year is not None else "")
    lines = [f"{comment} {_one_line(terms.agreement.name)}: {what}, written by kvinnofrid-ledger"]
    if head:
        lines.append(f"{comment} ledger head {head}")
    lines.append(f"{comment} Dated by payment date; `year` is the budget year the money belongs to (hledger: tag:year=2019).")
    return lines


def export_hledger(entries, all_entries, terms: Terms, year: int | None = None, head: str | None = None) -> str:
    """An hledger journal (hledger 1.25 and later; ledger-cli reads it too, the budget aside)."""
    check_known(entries, terms)
    signed = entry_effects(all_entries)
    out = _header(terms, len(entries), year, head, ";")
    out += ["", f"commodity 1000. {COMMODITY}", ""]
    for name in _accounts(entries, terms, year):
        out.append(f"account {name}")
    for budget_year in _budget_years(terms, year):
        # no description after the period: ledger-cli would read it as part of the period
        out += ["", f"~ yearly from {budget_year}-01-01 to {budget_year + 1}-01-01", f"    ; budget {budget_year}"]
        out += [f"    {account}  {amount} {COMMODITY}" for account, amount in _budget_goals(terms, budget_year)]
        out.append(f"    {HLEDGER_BANK}")
    for entry in _journal_order(entries):
        code = hledger_code(entry.reference)
        description = hledger_text(counterpart(entry, terms))
        if entry.note:
            description += f" | {hledger_text(entry.note)}"
        tags = [("id", str(entry.id)), ("kind", entry.kind), ("year", str(entry.year)), ("line", entry.line)]
        if entry.kind == REVERSAL:
            tags.append(("reverses", str(entry.reverses)))
        tags.append(("hash", entry.hash))
        # the code is always written, even empty: without it a description starting with "(" would
        # be read as a code, and one starting with "*" or "!" as a status mark
        first = f"{entry.date.isoformat()} ({code}) {description}".rstrip()
        out += ["", f"{first}  ; " + ", ".join(f"{key}:{hledger_tag_value(value)}" for key, value in tags)]
        out += [f"    {account}  {amount} {COMMODITY}" for account, amount in _postings(entry, signed, terms)]
    return "\n".join(out) + "\n"


def export_beancount(entries, all_entries, terms: Terms, year: int | None = None, head: str | None = None) -> str:
    """A beancount journal (beancount 2 and 3; bean-check), with fava's budget entries."""
    check_known(entries, terms)
    signed = entry_effects(all_entries)
    out = _header(terms, len(entries), year, head, ";")
    out += ["", f'option "title" {bean_string(terms.agreement.name)}', f'option "operating_currency" "{COMMODITY}"', ""]
    opened = min([terms.first_payment_date, *(entry.date for entry in entries)])
    out.append(f"{opened.isoformat()} commodity {COMMODITY}")
    for name in _accounts(entries, terms, year):
        out.append(f"{opened.isoformat()} open {bean_account(name)} {COMMODITY}")
    for budget_year in _budget_years(terms, year):
        out.append("")
        out += [
            f'{budget_year}-01-01 custom "budget" {bean_account(account)} "yearly" {amount} {COMMODITY}'
            for account, amount in _budget_goals(terms, budget_year)
        ]
    last = _budget_years(terms, year)[-1]
    out.append("")  # fava repeats the last budget for ever: end it with the last year exported
    out += [
        f'{last + 1}-01-01 custom "budget" {bean_account(account)} "yearly" 0 {COMMODITY}'
        for account, _amount in _budget_goals(terms, last)
    ]
    for entry in _journal_order(entries):
        out += ["", f"{entry.date.isoformat()} * {bean_string(counterpart(entry, terms))} {bean_string(entry.note)}"]
        meta = [("id", str(entry.id)), ("kind", bean_string(entry.kind)), ("year", str(entry.year)),
                ("line", bean_string(entry.line)), ("reference", bean_string(entry.reference))]
        if entry.kind == REVERSAL:
            meta.append(("reverses", str(entry.reverses)))
        meta.append(("hash", bean_string(entry.hash)))
        out += [f"  {key}: {value}" for key, value in meta]
        out += [f"  {bean_account(account)}  {amount} {COMMODITY}" for account, amount in _postings(entry, signed, terms)]
    return "\n".join(out) + "\n"

