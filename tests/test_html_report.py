"""`ledger report`: the HTML audit report, checked for structure with html.parser and in Chromium."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import assert_one_line_error, run
from ledgerkit import draft, write_ledger

HOSTILE = '<script>document.title="pwned"</script><img src="http://kvinnofrid-probe.invalid/x.png">'
VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "source", "area", "base", "embed", "param", "track"}
SVG_VOID = {"rect", "path", "line", "stop"}  # self-closed in inline SVG


@pytest.fixture
def ledger(tmp_path):
    return write_ledger(
        tmp_path / "ledger.toml",
        [
            draft(600_000, county="12", reference="RSS-2019-12", date="2019-03-15", note="Rekvisition 2019"),
            draft(400_000, county="03", reference="RSS-2019-03", date="2019-03-15"),
            draft(250_000, line="skola", recipient="Malmö stad", reference="MVP-2019-07", date="2019-10-20", note=HOSTILE),
            draft(50_000, county="03", kind="repayment", year=2019, date="2020-03-31", reference="ÅB-2019-03"),
            draft(250_000, line="skola", recipient="Malmö stad", kind="reversal", reverses=3, reference="MVP-2019-07", date="2019-10-20", note="fel mottagare\u202e"),
            draft(1_000_000, line="jamstalldhet", recipient="Region Skåne", reference="J-1", date="2018-05-01"),
        ],
    )


@pytest.fixture
def failing(tmp_path):
    """Skåne paid 100 000 kr over its allocation for 2019: rule `allocation` broken."""
    return write_ledger(tmp_path / "failing.toml", [draft(700_000, county="12", reference="R-12", date="2019-03-15")])


def kr(amount: int) -> str:
    """An amount as the Swedish report writes it: no-break spaces, a true minus sign."""
    return ("\u2212" if amount < 0 else "") + f"{abs(amount):,}".replace(",", "\u00a0") + "\u00a0kr"


def cells(*texts: str) -> str:
    """Consecutive table cells holding these texts (to look for in `bare(html)`)."""
    return "".join(f"<td>{text}</td>" for text in texts)


def bare(html: str) -> str:
    """The HTML with the attributes of its table cells dropped."""
    return re.sub(r"<td [^>]*>", "<td>", html)


def report(*args) -> str:
    result = run("report", *args)
    assert result.exit_code == 0, result
    return result.stdout


# --- structure (stdlib html.parser) -------------------------------------------------------------


class Structure(HTMLParser):
    """Every element closed in order; each table's rows as widths (colspan counted); every URL."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tables: list[list[int]] = []
        self.open_tables: list[list[int]] = []
        self.urls: list[str] = []
        self.style_attrs = 0
        self.tags: list[str] = []
        self.styles: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        self.urls += [value for key, value in attrs.items() if key in ("src", "href", "xlink:href", "action", "srcset", "data")]
        self.style_attrs += "style" in attrs
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag == "table":
            self.open_tables.append([])
        elif tag == "tr":
            self.open_tables[-1].append(0)
        elif tag in ("td", "th"):
            self.open_tables[-1][-1] += int(attrs.get("colspan") or 1)
        elif tag == "style":
            self.in_style = True

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.style_attrs += "style" in dict(attrs)
        if tag not in SVG_VOID | VOID:
            self.errors.append(f"<{tag}/> self-closed")

    def handle_endtag(self, tag):
        if tag in VOID:
            self.errors.append(f"</{tag}> on a void element")
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()
        if tag == "table":
            self.tables.append(self.open_tables.pop())
        elif tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.styles.append(data)


def parsed(html: str) -> Structure:
    parser = Structure()
    parser.feed(html)
    parser.close()
    return parser


@pytest.mark.parametrize("args", [("2019",), (), ("2019", "--lang", "en")])
def test_the_html_is_well_formed_and_self_contained(ledger, args):
    html = report(*args, "--ledger", ledger)
    doc = parsed(html)
    assert doc.errors == [] and doc.stack == []
    assert doc.tables and all(len(set(rows)) == 1 for rows in doc.tables), doc.tables
    assert all(url.startswith("#") for url in doc.urls), doc.urls  # in-page anchors only
    assert doc.style_attrs == 0 and doc.tags.count("style") == 1
    assert not {"script", "link", "img", "iframe", "object", "embed", "font"} & set(doc.tags)
    assert not re.search(r"https?://", html.replace("http://kvinnofrid-probe.invalid", ""))
    # the CSP names the hash of the one stylesheet, so a browser would apply it and nothing else
    css_hash = base64.b64encode(hashlib.sha256("".join(doc.styles).encode()).digest()).decode()
    assert f"default-src 'none'; style-src 'sha256-{css_hash}'" in html


def test_every_anchor_link_has_its_target(ledger):
    html = report("--ledger", ledger)
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    targets = {url[1:] for url in parsed(html).urls}
    assert targets and targets <= ids


# --- contents -------------------------------------------------------------------------------------


def test_user_text_is_shown_as_text_never_markup(ledger):
    html = report("2019", "--ledger", ledger)
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;&lt;img src=&#34;http://kvinnofrid-probe.invalid" in html
    assert "<script" not in html and "<img" not in html
    assert "fel mottagare\\u202e" in html and "\u202e" not in html  # bidi override made visible, as on a terminal


def test_swedish_figures_of_a_year(ledger):
    html = report("2019", "--ledger", ledger)
    assert '<html lang="sv">' in html and "Revisionsrapport 2019" in html
    # pots: kvinnofrid 600 000 + 400 000 − 50 000 (+ 250 000 − 250 000) = 950 000 of 15 000 000
    assert cells("kvinnofrid", kr(15_000_000), kr(950_000), kr(14_050_000), "6,3\u00a0%") in bare(html)
    # Uppsala: paid 400 000, repaid 50 000, net 350 000 of 400 000
    assert cells("Uppsala län", kr(400_000), kr(400_000), kr(50_000), kr(350_000), kr(50_000), "87,5\u00a0%") in bare(html)
    assert f'id="county-allocated">{kr(9_000_000)}<' in html and f'id="county-net">{kr(950_000)}<' in html
    assert f'id="register-net">{kr(950_000)}<' in html and kr(-250_000) == "\u2212250\u00a0000\u00a0kr" and kr(-250_000) in html
    # the reversal links to what it cancels, and back; the 2018 entry is not in a 2019 report
    assert '<tr id="e5">' in html and 'återföring av <a href="#e3">3</a>' in html and 'återförd av <a href="#e5">5</a>' in html
    assert 'id="e6"' not in html
    assert "Liggaren klarar kontrollen" in html


def test_the_period_and_english(ledger):
    html = report("--lang", "en", "--ledger", ledger)
    assert '<html lang="en">' in html and "Audit report 2018–2020" in html
    assert "<caption>2018</caption>" in html and "<caption>Whole period 2018–2020</caption>" in html
    assert "SEK\u00a027,000,000" in html  # RSS allocated over the period
    assert 'id="e6"' in html and "reversal of <a href=\"#e3\">3</a>" in html
    assert "The ledger passes the check" in html


def test_the_head_count_terms_digest_and_source_are_stated(ledger, tmp_path):
    from kvinnofrid_ledger.html_report import terms_in_force
    from kvinnofrid_ledger.ledger import read_ledger
    from kvinnofrid_ledger.terms import load_terms

    html = report("2019", "--ledger", ledger)
    head = read_ledger(ledger).head
    assert html.count(head) >= 2  # the top of the report and its closing facts; and the print CSS
    assert "<dd>6</dd>" in html and f"<code class=\"path\">{ledger}</code>" in html
    assert f'<code class="hash" id="terms-digest">{terms_in_force(load_terms()).digest}</code>' in html
    assert re.search(r"<dd>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</dd>", html)


def test_source_date_epoch_makes_the_report_reproducible(ledger):
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    first, second = (run("report", "2019", "--ledger", ledger, env=env) for _ in range(2))
    assert first.stdout == second.stdout and "2023-11-14 22:13:20" in first.stdout


def test_the_report_shows_the_digest_a_ledger_pins(data_dir):
    """The report's digest is the one a terms entry pins: a value changes it, a comment does not."""
    from kvinnofrid_ledger.html_report import terms_in_force
    from kvinnofrid_ledger.terms import load_terms

    before = terms_in_force(load_terms(data_dir)).digest
    assert before == load_terms(data_dir).digest
    path = data_dir / "agreement.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert terms_in_force(load_terms(data_dir)).digest == before
    path.write_text(path.read_text(encoding="utf-8").replace("total = 20_000_000", "total = 20_000_001"), encoding="utf-8")
    assert terms_in_force(load_terms(data_dir)).digest != before


def test_a_failing_ledger_gets_a_report_with_the_failure_at_the_top(failing, tmp_path):
    out = tmp_path / "r.html"
    result = run("report", "2019", "--ledger", failing, "--output", out)
    assert result.exit_code == 0, result
    assert result.stderr.startswith("warning: ") and f"wrote {out}" in result.stderr
    html = out.read_text(encoding="utf-8")
    body = html[html.index("<body>"):]
    assert body.index('<section id="verdict" class="failed">') < body.index("<section", body.index("verdict") + 10)
    assert "Liggaren klarar INTE kontrollen: 1 fel." in html
    assert "<code>allocation</code>" in html and "Skåne län (12)" in html
    assert '<tr class="over"><td>12</td>' in html
    english = run("report", "2019", "--lang", "en", "--ledger", failing).stdout
    assert "The ledger FAILS the check: 1 problem." in english


def test_report_refusals(ledger, tmp_path):
    assert_one_line_error(run("report", "2030", "--ledger", ledger), 2, "outside the agreement's period")
    assert_one_line_error(run("report", "--ledger", tmp_path / "missing.toml"), 2, "no such ledger file")
    assert_one_line_error(run("report", "--lang", "fi", "--ledger", ledger), 2, "--lang")
    target = tmp_path / "r.html"
    target.write_text("before")
    assert_one_line_error(run("report", "2030", "--ledger", ledger, "-o", target), 2)
    assert target.read_text() == "before"


def test_report_to_a_terminal_is_refused(ledger, tmp_path):
    """HTML is not for a terminal: without --output, stdout must be a file or a pipe."""
    import os
    import pty

    from conftest import BIN

    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run([str(BIN / "ledger"), "report", "--ledger", str(ledger)], stdout=secondary,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(secondary)
        os.close(primary)
    assert proc.returncode == 2 and proc.stderr == "error: the report is an HTML file: give --output FILE.html, or redirect stdout to a file\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["01", "03", "12"]), st.integers(1, 500_000), st.sampled_from([2018, 2019, 2020]),
                          st.sampled_from(["disbursement", "repayment", "reversal"]), st.integers(0, 30)), max_size=25))
def test_paid_less_repaid_is_the_net_of_status(tmp_path, specs):
    """Whatever the entries (rules broken or not), each county's paid − repaid is its net, and the
    register's net is the sum of its signed amounts."""
    from kvinnofrid_ledger.html_report import build_audit_report
    from kvinnofrid_ledger.ledger import read_ledger
    from kvinnofrid_ledger.terms import load_terms

    drafts = []
    for county, amount, year, kind, target in specs:
        originals = [i for i, d in enumerate(drafts, 1) if d.kind != "reversal"]
        if kind == "reversal" and originals:
            original = drafts[originals[target % len(originals)] - 1]
            drafts.append(draft(original.amount, county=original.county, date=original.date.isoformat(), year=original.year,
                                kind="reversal", reverses=originals[target % len(originals)]))
        elif kind != "reversal":
            drafts.append(draft(amount, county=county, date=f"{year}-06-01", kind=kind))
    path = write_ledger(tmp_path / "p.toml", drafts)
    book, terms = read_ledger(path), load_terms()
    for year in (None, 2018, 2019, 2020):
        report = build_audit_report(book, terms, [], year)
        for county in report.counties:
            assert county.paid - county.repaid == county.net and county.allocated - county.net == county.remaining
        assert report.register_net == sum(row["amount"] for row in report.register)
        assert report.register_net == sum(county.net for county in report.counties)  # rss only here


# --- Chromium ------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium with networking off: no DNS, no background services, a profile of its own."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-extensions", f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


def page_requests(net_log: Path) -> list[str]:
    """URLs the page asked for, from Chromium's own network log: a page's request has an origin as
    its initiator (a file's is "null"); Chromium's background services have none."""
    log = json.loads(net_log.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start and "url" in event.get("params", {}) and event["params"].get("initiator") != "not an origin"
    ]


@needs_chromium
def test_the_network_log_would_show_a_request(tmp_path):
    """The probe of the test below can fail: a page that loads an image is seen asking for it."""
    page = tmp_path / "control.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://kvinnofrid-probe.invalid/x.png"></body></html>')
    chromium(tmp_path, f"--log-net-log={tmp_path / 'net.json'}", "--dump-dom", page.as_uri())
    assert any("kvinnofrid-probe.invalid" in url for url in page_requests(tmp_path / "net.json"))


@needs_chromium
def test_chromium_renders_the_report_with_no_request_and_no_script(ledger, tmp_path):
    out = tmp_path / "report.html"
    run("report", "2019", "--ledger", ledger, "-o", out)
    dom = chromium(tmp_path, f"--log-net-log={tmp_path / 'net.json'}", "--dump-dom", out.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert page_requests(tmp_path / "net.json") == []
    # the script in the note never ran (it would have renamed the page), and shows as text
    assert "<title>Revisionsrapport 2019: Överenskommelse om stöd till jämställdhet och kvinnofrid 2018–2020</title>" in html
    assert "pwned</title>" not in html and "&lt;script&gt;document.title=\"pwned\"&lt;/script&gt;" in html
    assert "<img" not in html
    nbsp = "&nbsp;"  # how Chromium serialises U+00A0
    assert f'id="county-net">950{nbsp}000{nbsp}kr<' in html and f'id="register-net">950{nbsp}000{nbsp}kr<' in html
    from kvinnofrid_ledger.ledger import read_ledger

    assert f'<code class="hash" id="head">{read_ledger(ledger).head}</code>' in html


@needs_chromium
def test_chromium_takes_a_screenshot_and_prints_a4_with_the_head_on_every_page(ledger, tmp_path):
    out = tmp_path / "report.html"
    run("report", "2019", "--ledger", ledger, "-o", out)
    shot = tmp_path / "shot.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,1400", out.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    pdf = tmp_path / "report.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", out.as_uri())
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) not installed: the PDF's pages are not read")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 3  # a page break between sections
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
    assert (round(float(size.group(1))), round(float(size.group(2)))) == (595, 842)  # A4 in points
    from kvinnofrid_ledger.ledger import read_ledger

    head = read_ledger(ledger).head
    # the running line comes from the stylesheet's @page rule, so it also shows that Chromium
    # applied the one stylesheet under the report's Content-Security-Policy (its hash matched)
    for page in range(1, pages + 1):
        text = subprocess.run([pdftotext, "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True).stdout
        assert "Revisionsrapport 2019" in text and head in text, (page, text[-300:])


@pytest.mark.parametrize("lang, kind, of", [("sv", "återföring", "återföring av"), ("en", "reversal", "reversal of")])
def test_a_reversal_is_named_once_in_the_register(ledger, lang, kind, of):
    html = bare(report("2019", "--lang", lang, "--ledger", ledger))
    row = html[html.index('<tr id="e5">'):]
    row = row[: row.index("</tr>")]
    assert f'<td>{of} <a href="#e3">3</a></td>' in row, row
    assert row.count(kind) == 1, row
