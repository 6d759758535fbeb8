"""How each report looks: a rich table for people, rows for CSV, a document for JSON.

The builders of the reports live in the library (allocation.py, ...); this module only shapes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .money import format_kronor
from .formats import Tables
from .render import csv_bool, csv_text, safe_text

if TYPE_CHECKING:
    from .allocation import PeriodAllocation, YearAllocation
    from .ledger import Ledger
    from .models import Problem, Terms, TermsPin
    from .outcomes import ImportDone, Pinned, Recorded
    from .reports import CheckReport, ExportDocument, ExportedEntry, PeriodStatus, TermsHistory, TermsReport, TermsUsed, YearStatus


def _table(title: str | None = None, caption: str | None = None):
    from rich import box
    from rich.table import Table

    return Table(title=title, caption=caption, box=box.SIMPLE_HEAD, title_justify="left", caption_justify="left")


def entries(count: int) -> str:
    """"1 entry", "2 entries"."""
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def _kr(amount: int) -> str:
    return format_kronor(amount)


def _name_column(table, header: str) -> None:
    """A column of names or free text: on a narrow terminal it is cut with "…" first."""
    from .terminal import NAME, mark

    table.add_column(header)
    mark(table.columns[-1], NAME)


def _optional_column(table, header: str, optional: bool = True) -> None:
    """A figure column that repeats what the table sums elsewhere: left out whole, last of all,
    when nothing else makes the table fit the terminal."""
    from .terminal import FIXED, OPTIONAL, mark

    table.add_column(header, justify="right")
    mark(table.columns[-1], OPTIONAL if optional else FIXED)


def _bar_column(table) -> None:
    from .terminal import BAR, mark

    table.add_column("", justify="left")
    mark(table.columns[-1], BAR)


# --- allocate --------------------------------------------------------------------------------


def allocation_csv(reports: tuple[YearAllocation, ...]) -> str:
    rows = (
        (report.year, row.code, row.name, csv_bool(row.metropolitan), row.amount)
        for report in reports
        for row in report.counties
    )
    return csv_text(("year", "code", "name", "metropolitan", "amount"), rows)


def allocation_tables(report: YearAllocation | PeriodAllocation, terms: Terms) -> list:
    from .allocation import YearAllocation

    line = terms.line(terms.allocation_line)
    if isinstance(report, YearAllocation):
        years = (report,)
        title = f"RSS allocation {report.year} (line {line.id}, kronor)"
    else:
        years = report.years
        title = f"RSS allocation {report.first_year}–{report.last_year} (line {line.id}, kronor)"
    counties = _table(title)
    counties.add_column("Code")
    _name_column(counties, "County")
    counties.add_column("Metropolitan")
    for year in years:
        _optional_column(counties, str(year.year) if len(years) > 1 else "Amount", len(years) > 1)
    if len(years) > 1:
        counties.add_column("Period", justify="right")
    for index, county in enumerate(terms.counties):
        amounts = [_kr(year.counties[index].amount) for year in years]
        if len(years) > 1:
            amounts.append(_kr(sum(year.counties[index].amount for year in years)))
        counties.add_row(county.code, safe_text(county.name), "yes" if county.metropolitan else "", *amounts)
    totals = [_kr(year.total) for year in years]
    if len(years) > 1:
        totals.append(_kr(sum(year.total for year in years)))
    counties.add_section()
    counties.add_row("", "Total", "", *totals, style="bold")

    pots = _table("Pots: ceiling, allocated to RSS, left for other lines (kronor)")
    if len(years) > 1:
        pots.add_column("Year")
    pots.add_column("Pot")
    pots.add_column("Ceiling", justify="right")
    pots.add_column("Allocated to RSS", justify="right")
    pots.add_column("Left for other lines", justify="right")
    for year in years:
        for pot in year.pots:
            cells = [pot.id, _kr(pot.ceiling), _kr(pot.allocated), _kr(pot.left)]
            pots.add_row(*([str(year.year)] if len(years) > 1 else []), *cells)
    return [counties, pots]


# --- terms -----------------------------------------------------------------------------------


FOUND_WORDS = {
    "data-dir": "named by --data-dir or KVINNOFRID_LEDGER_DATA",
    "beside-ledger": "found beside the ledger",
    "shipped": "shipped with the package",
}


def _pin_state(used: TermsUsed) -> tuple[str, str | None]:
    """Whether the terms a report used are the ones the ledger pins, in words, and the pinned
    digest when it is another."""
    if used.pinned is None:
        return "not pinned in the ledger (pin them with `ledger amend --source TEXT`)", None
    if used.pinned == used.digest:
        return f"pinned by entry {used.pinned_by}", None
    return f"NOT the pinned terms: entry {used.pinned_by} pins", used.pinned


def _terms_where(used: TermsUsed) -> str:
    return f"terms: {used.folder} ({FOUND_WORDS.get(used.found, used.found)})"


def terms_line(used: TermsUsed) -> str:
    """One line saying which terms a report judged the ledger by, and whether they are pinned."""
    state, other = _pin_state(used)
    pinned = state if other is None else f"{state} {other}"
    return safe_text(f"{_terms_where(used)}; digest {used.digest}; {pinned}")


def terms_lines(used: TermsUsed) -> list[str]:
    """The same as `terms_line`, broken where a terminal 80 columns wide needs it: a digest is 64
    characters, so each stands on a line of its own."""
    state, other = _pin_state(used)
    lines = [_terms_where(used), f"  digest {used.digest}", f"  {state}"]
    if other is not None:
        lines.append(f"  digest {other}")
    return [safe_text(line) for line in lines]


def pins_table(pins: tuple[TermsPin, ...], terms: Terms):
    """`ledger terms --history`: the terms entries of a ledger, the last one in force. Each
    entry's digest stands on a line of its own beneath it, whole: 64 digits cannot stand beside
    the id, date and source on 80 columns, and a digest cut is no digest."""
    from .terminal import FIXED, NAME, PlainTable

    table = PlainTable(
        title=f"Terms pinned in the ledger: {len(pins)} terms entr{'y' if len(pins) == 1 else 'ies'}",
        headers=("Id", "Date", "Source", "In force"),
        justify=("right", "left", "left", "left"),
        roles=(FIXED, FIXED, NAME, FIXED),
    )
    for index, pin in enumerate(pins):
        last = index == len(pins) - 1
        state = ("yes" if pin.digest == terms.digest else "no: the terms in force differ") if last else ""
        table.rows.append((str(pin.id), pin.date.isoformat(), safe_text(pin.source), state))
        table.beneath.append(f"digest {pin.digest}")
    return table


def terms_tables(terms: Terms) -> list:
    agreement = terms.agreement
    about = _table(safe_text(agreement.name))
    about.add_column("Term")
    _name_column(about, "Value")
    about.add_row("Parties", safe_text("; ".join(agreement.parties)))
    about.add_row("Budget years", terms.period_text)
    about.add_row("Payment dates", f"{terms.first_payment_date} to {terms.final_payment_date}")
    rule = agreement.allocation
    reading = "in all" if rule.metropolitan_reading == "instead" else f"on top of the {_kr(rule.county)}"
    about.add_row(
        "RSS allocation",
        f"line {rule.line}: {_kr(rule.county)} kr a county, {_kr(rule.metropolitan)} kr {reading} for a metropolitan county",
    )
    for code, amount in rule.counties.items():
        about.add_row("", f"county {code}: {_kr(amount)} kr")
    about.add_row("Read from", safe_text(", ".join(terms.sources)))
    about.add_row("Where", FOUND_WORDS.get(terms.found, terms.found))
    # the digest (64 digits) cannot stand beside the Term column on 80 columns: on a line of
    # its own beneath the table, whole, where a Value cell would be cut
    about.caption = f"Digest {terms.digest}"

    ceilings = _table("Ceilings and allocations per budget year (kronor)")
    ceilings.add_column("Year")
    keys = [pot.id for pot in agreement.pot] + ["total"]
    for key in keys:
        ceilings.add_column(key, justify="right")
    ceilings.add_column("RSS allocated", justify="right")
    _name_column(ceilings, "Amended by")
    for year in terms.years.values():
        ceilings.add_row(
            str(year.year),
            *[_kr(year.ceilings[key]) for key in keys],
            _kr(sum(year.allocations.values())),
            safe_text("; ".join(a.source or f"amendment for {a.year}" for a in year.amendments)),
        )

    lines = _table("Budget lines")
    lines.add_column("Line")
    lines.add_column("Pot")
    _name_column(lines, "What")
    for line in agreement.line:
        lines.add_row(line.id, line.pot, safe_text(line.name))
    return [about, ceilings, lines]


# --- check -----------------------------------------------------------------------------------


def problem_line(path: str, problem: Problem) -> str:
    """hledger's shape: FILE:LINE: where, what is wrong, what would mend it."""
    where = f"{path}:{problem.lineno}" if problem.lineno else path
    entry = f"entry {problem.entry}: " if problem.entry is not None else ""
    return safe_text(f"{where}: {entry}[{problem.rule}] {problem.message}")


def check_text(ledger: Ledger, problems: list[Problem], used: TermsUsed | None = None) -> str:
    lines = [problem_line(ledger.path, problem) for problem in problems]
    if used is not None:
        lines.append(terms_line(used))
    count = ledger.count
    head = ledger.head or "none (no entries)"
    if problems:
        chain = next((p for p in problems if p.rule == "chain"), None)
        breaks = f"; the hash chain breaks first at entry {chain.entry} (line {chain.lineno})" if chain else ""
        lines.append(f"{ledger.path}: FAILED: {len(problems)} problem{'s' if len(problems) != 1 else ''} in {entries(count)}{breaks}; head {head}")
    else:
        lines.append(f"{ledger.path}: ok: {entries(count)}; head {head}")
    return "\n".join(lines) + "\n"


def register_table(rows: list[ExportedEntry], terms: Terms, pins: tuple[TermsPin, ...] = (), filtered_by: str = ""):
    """The register as a plain table, streamed without rich (see terminal.PlainTable); the terms
    entries stand among the money entries in id order."""
    from .terminal import FIXED, NAME, NOTE, OPTIONAL, PlainTable

    title = f"Ledger: {entries(len(rows) + len(pins))}{f' {filtered_by}' if filtered_by else ''} (kronor; repayments and reversals negative)"
    table = PlainTable(
        title=safe_text(title),
        headers=("Id", "Date", "Year", "Kind", "Line", "County / recipient", "Amount", "Reference", "Note"),
        justify=("right", "left", "left", "left", "left", "left", "right", "left", "left"),
        roles=(FIXED, FIXED, OPTIONAL, FIXED, FIXED, NAME, FIXED, FIXED, NOTE),
    )
    names = {county.code: f"{county.code} {county.name}" for county in terms.counties}
    append = table.rows.append
    pin_rows = list(pins)
    for row in rows:
        while pin_rows and pin_rows[0].id < row["id"]:
            append(_pin_row(pin_rows.pop(0)))
        code = row["county"]
        who = (names.get(code, code) if code is not None else row["recipient"]) or ""
        kind = row["kind"] if row["reverses"] is None else f"reversal of {row['reverses']}"
        append((
            str(row["id"]), row["date"].isoformat(), str(row["year"]), safe_text(kind), safe_text(row["line"]), safe_text(who),
            _kr(row["amount"]), safe_text(row["reference"]), safe_text(row["note"]),
        ))
    for pin in pin_rows:
        append(_pin_row(pin))
    if rows:
        table.footer.append(("", "", "", "", "", "Net", _kr(sum(row["amount"] for row in rows)), "", ""))
    return table


def _pin_row(pin: TermsPin) -> tuple[str, ...]:
    """A terms entry in the register: its digest where a county goes, its source as the note."""
    return (str(pin.id), pin.date.isoformat(), "", "terms", "", f"digest {pin.digest[:12]}…", "", "", safe_text(pin.source))


# --- status ------------------------------------------------------------------------------------

def usage_bar(used: int, limit: int):
    """A bar of how much of a limit is used, at the width its column gets (terminal.UsageBar)."""
    from .terminal import UsageBar

    return UsageBar(used, limit)


def _percent(used: int, limit: int) -> str:
    from .reports import percent

    return f"{percent(used, limit):.1f} %"


def status_csv(years) -> str:
    rows = (
        (year.year, county.code, county.name, county.allocated, county.disbursed, county.remaining, f"{county.percent_used:.1f}")
        for year in years
        for county in year.counties
    )
    return csv_text(("year", "code", "name", "allocated", "disbursed", "remaining", "percent_used"), rows)


def status_tables(report: YearStatus | PeriodStatus, terms: Terms) -> list:
    from .reports import YearStatus

    if isinstance(report, YearStatus):
        label, pots, counties, lines = str(report.year), report.pots, report.counties, report.lines
        years = ()
    else:
        label = terms.period_text
        pots, counties, lines = report.period.pots, report.period.counties, report.period.lines
        years = report.years
    title = f"Budget versus actual {label} (kronor, net of repayments and reversals)"
    pot_table = _table(f"{title}: pots")
    if years:
        pot_table.add_column("Year")
    for name, justify in (("Pot", "left"), ("Ceiling", "right"), ("Net disbursed", "right"), ("Remaining", "right"), ("Used", "right")):
        pot_table.add_column(name, justify=justify)
    _bar_column(pot_table)
    for year_label, rows in [(str(y.year), y.pots) for y in years] + [("period" if years else None, pots)]:
        for pot in rows:
            cells = [pot.id, _kr(pot.ceiling), _kr(pot.disbursed), _kr(pot.remaining), _percent(pot.disbursed, pot.ceiling), usage_bar(pot.disbursed, pot.ceiling)]
            pot_table.add_row(*([year_label] if years else []), *cells)
        if years:
            pot_table.add_section()

    county_table = _table(f"RSS allocation used, {label}")
    county_table.add_column("Code")
    _name_column(county_table, "County")
    county_table.add_column("Allocated", justify="right")
    for year in years:
        _optional_column(county_table, f"Net {year.year}")
    for name, justify in (("Net disbursed", "right"), ("Remaining", "right"), ("Used", "right")):
        county_table.add_column(name, justify=justify)
    _bar_column(county_table)
    for index, county in enumerate(counties):
        per_year = [_kr(year.counties[index].disbursed) for year in years]
        county_table.add_row(
            county.code, safe_text(county.name), _kr(county.allocated), *per_year, _kr(county.disbursed),
            _kr(county.remaining), _percent(county.disbursed, county.allocated), usage_bar(county.disbursed, county.allocated),
        )

    line_table = _table(f"Net disbursed per budget line, {label}")
    line_table.add_column("Line")
    line_table.add_column("Pot")
    for year in years:
        _optional_column(line_table, str(year.year))
    line_table.add_column("Net disbursed" if not years else "Period", justify="right")
    for index, line in enumerate(lines):
        line_table.add_row(line.id, line.pot, *[_kr(year.lines[index].disbursed) for year in years], _kr(line.disbursed))
    return [pot_table, county_table, line_table]


# --- the renderers of formats.RENDERERS: each takes the report and the command's context ------------


def allocation_view(report: YearAllocation | PeriodAllocation, *, terms: Terms, **_context: Any) -> Tables:
    return Tables(allocation_tables(report, terms))


def allocation_csv_view(report: YearAllocation | PeriodAllocation, **_context: Any) -> str:
    from .allocation import YearAllocation

    return allocation_csv((report,) if isinstance(report, YearAllocation) else report.years)


def terms_view(report: TermsReport, *, terms: Terms, **_context: Any) -> Tables:
    return Tables(terms_tables(terms))


def pins_view(report: TermsHistory, *, terms: Terms, book: Ledger, **_context: Any) -> Tables:
    from .formats import message

    warning = unpinned_warning(book)
    if warning:
        message(warning)
    return Tables([pins_table(book.pins, terms)])


def unpinned_warning(book: Ledger) -> str | None:
    """The warning every report of a ledger that pins no terms gives on stderr."""
    if book.pins or book.problems:
        return None
    return (
        f"warning: {book.path}: the ledger pins no terms (it has no terms entry), "
        "so nothing in it says which terms it is kept under; pin the terms in force with `ledger amend --source TEXT`"
    )


def recorded_text(report: Recorded, **_context: Any) -> str:
    verb = "recorded" if report["recorded"] else "would record"
    return f"{verb} entry {report['id']}: hash {report['hash']}\n"


def pinned_text(report: Pinned, **_context: Any) -> str:
    verb = "pinned" if report["recorded"] else "would pin"
    return f"{verb} the terms as entry {report['id']}: digest {report['digest']}; hash {report['hash']}\n"


def imported_text(report: ImportDone, **_context: Any) -> str:
    verb = "imported" if report["recorded"] else "would import"
    count = report["imported"]
    ids = f" (ids {report['first_id']}–{report['last_id']}); head {report['head']}" if count else ""
    return f"{verb} {count} entr{'y' if count == 1 else 'ies'}{ids}\n"


def check_view(report: CheckReport, *, book: Ledger, problems: list[Problem], **_context: Any) -> str:
    return check_text(book, problems, report.terms)


def register_view(report: ExportDocument, *, terms: Terms, pins: tuple[TermsPin, ...], filtered_by: str = "", **_context: Any) -> Tables:
    return Tables([register_table(report["entries"], terms, pins, filtered_by)])


def status_view(report: YearStatus | PeriodStatus, *, terms: Terms, **_context: Any) -> Tables:
    return Tables(status_tables(report, terms), preface="".join(line + "\n" for line in terms_lines(report.terms)))


def status_csv_view(report: YearStatus | PeriodStatus, **_context: Any) -> str:
    from .reports import YearStatus

    return status_csv((report,) if isinstance(report, YearStatus) else report.years)
