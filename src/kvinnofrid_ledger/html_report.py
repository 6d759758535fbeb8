"""The audit report: one self-contained HTML file for an auditor or the government.

build_audit_report() gathers everything from the library into one frozen AuditReport (pure: the
caller reads the files); render_html() turns it into HTML through a Jinja2 template shipped in the
package, with autoescape on, so that no text from the data can become markup.

Self-contained means: no request for anything. One <style> element (its SHA-256 goes into a
Content-Security-Policy of `default-src 'none'`, so a browser would refuse any request even if
one slipped in), no style attributes, no script, no external font or image; the bar charts are
inline SVG. Swedish by default (the agreement's language, and the government's), English with
lang="en".
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Optional

from .balances import signed_amounts
from .frozen import frozen
from .models import DISBURSEMENT, REPAYMENT, REVERSAL
from .reports import CheckReport, ExportedEntry, PotStatus, check_report, exported_entries, period_status, status

if TYPE_CHECKING:
    from .ledger import Ledger
    from .models import Problem, Terms

LANGUAGES = ("sv", "en")
TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"


# --- the report object ---------------------------------------------------------------------


@frozen
class TermsInForce:
    """Which terms the figures were computed under: the files, and the digest of their content."""

    sources: tuple[str, ...]
    digest: str


@frozen
class CountyPaid:
    """A county's RSS allocation against what it was paid and paid back (each net of reversals)."""

    code: str
    name: str
    allocated: int
    paid: int
    repaid: int
    net: int
    remaining: int


@frozen
class LineRow:
    id: str
    name: str
    pot: str
    per_year: tuple[int, ...]  # one per year shown (empty for a single year)
    net: int


@frozen
class PotBlock:
    """The pots of one year, or of the whole period (`year` None)."""

    year: Optional[int]
    pots: tuple[PotStatus, ...]


@frozen
class AuditReport:
    lang: str
    agreement: str
    parties: tuple[str, ...]
    first_year: int
    last_year: int
    first_payment_date: datetime.date
    final_payment_date: datetime.date
    year: Optional[int]  # None: the whole period
    terms: TermsInForce
    check: CheckReport
    pot_blocks: tuple[PotBlock, ...]
    counties: tuple[CountyPaid, ...]
    years_shown: tuple[int, ...]  # the columns of the budget-line table
    lines: tuple[LineRow, ...]
    register: tuple[ExportedEntry, ...]  # the entries of the year (or all), as exported: amounts signed
    who: Mapping[int, str]  # entry id -> "12 Skåne län", or the recipient
    reversed_by: Mapping[int, int]  # entry id -> the reversal that cancels it
    register_net: int
    source: str
    generated: datetime.datetime
    version: str

    @property
    def scope(self) -> str:
        return str(self.year) if self.year is not None else f"{self.first_year}–{self.last_year}"


def terms_in_force(terms: Terms) -> TermsInForce:
    """The terms files and the SHA-256 of their content, as a ledger's terms entry pins it
    (terms.terms_digest); the check section says whether the ledger pins the same."""
    return TermsInForce(tuple(terms.sources), terms.digest)


def report_time() -> datetime.datetime:
    """Now, in UTC to the second; SOURCE_DATE_EPOCH, when set, for a reproducible file
    (https://reproducible-builds.org/specs/source-date-epoch/)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def build_audit_report(
    ledger: Ledger,
    terms: Terms,
    problems: list[Problem],
    year: int | None = None,
    lang: str = "sv",
    generated: datetime.datetime | None = None,
) -> AuditReport:
    """Everything the report shows, for `year` (None: every year and the period)."""
    from . import __version__

    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    ok = not problems
    if year is None:
        whole = period_status(ledger, terms, ok)
        blocks = tuple(PotBlock(y.year, y.pots) for y in whole.years) + (PotBlock(None, whole.period.pots),)
        county_status = whole.period.counties
        years_shown = tuple(y.year for y in whole.years)
        line_years = [y.lines for y in whole.years]
        line_net = whole.period.lines
    else:
        one = status(ledger, terms, year, ok)
        blocks = (PotBlock(year, one.pots),)
        county_status = one.counties
        years_shown = ()
        line_years = []
        line_net = one.lines
    in_scope = [entry for entry in ledger.entries if year is None or entry.year == year]
    paid, repaid = _rss_paid_and_repaid(ledger, terms, in_scope)
    counties = tuple(
        CountyPaid(c.code, c.name, c.allocated, paid.get(c.code, 0), repaid.get(c.code, 0), c.disbursed, c.remaining)
        for c in county_status
    )
    line_names = {line.id: line.name for line in terms.lines}
    lines = tuple(
        LineRow(line.id, line_names.get(line.id, ""), line.pot, tuple(year_lines[i].disbursed for year_lines in line_years), line.disbursed)
        for i, line in enumerate(line_net)
    )
    register = tuple(exported_entries(in_scope))
    county_names = {county.code: f"{county.code} {county.name}" for county in terms.counties}
    return AuditReport(
        lang=lang,
        agreement=terms.agreement.name,
        parties=tuple(terms.agreement.parties),
        first_year=terms.first_year,
        last_year=terms.last_year,
        first_payment_date=terms.first_payment_date,
        final_payment_date=terms.final_payment_date,
        year=year,
        terms=terms_in_force(terms),
        check=check_report(ledger, problems, terms),
        pot_blocks=blocks,
        counties=counties,
        years_shown=years_shown,
        lines=lines,
        register=register,
        who={row["id"]: (county_names.get(row["county"], row["county"]) if row["county"] else row["recipient"]) or "" for row in register},
        reversed_by={entry.reverses: entry.id for entry in ledger.entries if entry.kind == REVERSAL},
        register_net=sum(row["amount"] for row in register),
        source=ledger.path,
        generated=generated or report_time(),
        version=__version__,
    )


def _rss_paid_and_repaid(ledger: Ledger, terms: Terms, entries) -> tuple[dict[str, int], dict[str, int]]:
    """Per county, on the allocation line: what was paid (disbursements, less their reversals)
    and what was paid back (repayments, less theirs). paid − repaid is the net of `status`."""
    signed = signed_amounts(ledger.entries)
    kinds = {entry.id: entry.kind for entry in ledger.entries}
    paid: dict[str, int] = {}
    repaid: dict[str, int] = {}
    for entry in entries:
        if entry.line != terms.allocation_line or entry.county is None:
            continue
        direction = kinds.get(entry.reverses) if entry.kind == REVERSAL else entry.kind
        if direction == DISBURSEMENT:
            paid[entry.county] = paid.get(entry.county, 0) + signed[entry.id]
        elif direction == REPAYMENT:
            repaid[entry.county] = repaid.get(entry.county, 0) - signed[entry.id]
    return paid, repaid


# --- rendering -----------------------------------------------------------------------------

NBSP = "\u00a0"  # the grouping space of Swedish amounts (CLDR's for sv): a figure never wraps
MINUS = "\u2212"


def kronor_text(amount: int, lang: str) -> str:
    """9000000 → "9 000 000 kr" (sv, no-break spaces) or "SEK 9,000,000" (en); minus as U+2212."""
    sign = MINUS if amount < 0 else ""
    if lang == "sv":
        return f"{sign}{abs(amount):,}".replace(",", NBSP) + f"{NBSP}kr"
    return f"{sign}SEK{NBSP}{abs(amount):,}"


def percent_text(used: int, limit: int, lang: str) -> str:
    from .reports import percent

    value = f"{percent(used, limit):.1f}"
    return (value.replace(".", ",") if lang == "sv" else value) + f"{NBSP}%"


BAR_UNITS = 200  # the SVG's own width, in its user units


def bar_geometry(used: int, limit: int) -> dict:
    """The drawn part of a usage bar: its width in BAR_UNITS, and whether the limit is broken."""
    fraction = used / limit if limit else (1.0 if used > 0 else 0.0)
    return {"width": round(min(max(fraction, 0.0), 1.0) * BAR_UNITS, 1), "over": fraction > 1, "units": BAR_UNITS}


def _page_rule(report: AuditReport, labels: dict) -> str:
    """The running line of every printed page (CSS page-margin boxes): the period and the head.
    Only digits, hex and our own labels go into it, and each is quoted for CSS anyway."""
    head = report.check.head or labels["no_entries"]
    left = f"{labels['title']} {report.scope}"
    right = f"{labels['head_short']} {head}"
    return (
        "@page{size:A4;margin:16mm 14mm 18mm 14mm;"
        f"@bottom-left{{content:{_css_string(left)};font-size:7pt;font-family:monospace}}"
        f"@bottom-right{{content:{_css_string(right)} \" \\B7  \" counter(page) \"/\" counter(pages);font-size:7pt;font-family:monospace}}}}"
    )


def _css_string(text: str) -> str:
    return '"' + "".join(ch if ch.isalnum() or ch in " –-:.," else f"\\{ord(ch):x} " for ch in text) + '"'


def stylesheet(report: AuditReport, labels: dict) -> str:
    from importlib.resources import files

    css = (files(__package__) / "templates" / STYLESHEET).read_text(encoding="utf-8")
    return css + _page_rule(report, labels) + "\n"


def style_hash(css: str) -> str:
    """The CSP source of the one <style> element: 'sha256-<base64 of its exact text>'."""
    return "sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")


def render_html(report: AuditReport) -> str:
    """The report as one HTML document (Jinja2, autoescaped; user text made inert as well)."""
    import jinja2
    from markupsafe import Markup

    from .render import safe_text
    from .report_labels import LABELS

    labels = LABELS[report.lang]
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    lang = report.lang
    env.filters["kr"] = lambda amount: kronor_text(amount, lang)
    env.filters["inert"] = safe_text  # control and bidi characters shown as escapes, as on a terminal
    env.globals.update(percent=lambda used, limit: percent_text(used, limit, lang), bar_geometry=bar_geometry)
    css = stylesheet(report, labels)
    return env.get_template(TEMPLATE).render(r=report, t=labels, css=Markup(css), csp_style=style_hash(css),
        register_ids=frozenset(row["id"] for row in report.register),
    )
