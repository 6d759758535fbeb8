"""Into the books: SIE 4I for Swedish accounting programs, hledger and beancount journals.

The SIE files are read back by sie.read_sie and checked against the specification's rules and
against real files from accounting programs; the journals are checked by hledger and bean-check.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import BIN, assert_one_line_error, run
from kvinnofrid_ledger import sie
from ledgerkit import draft, write_ledger

SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "sie" / "samples"
DECLARED = {  # the README beside the samples lists these, as the programs wrote them
    "37_Norstedts Bokslut SIE 1.se": 3033066896,
    "38_Bokslut Norstedts SIE 4E.se": 854227682,
    "39_Norstedts Bokslut SIE 4I.si": 1573150874,
    "41_sie1.se": 909685525,
    "42_sie2.se": 2512856369,
    "43_sie3.se": 3786156381,
}
HOSTILE = 'Säg "hej" – 5 € {x} }\n{\n#VER "" "" 20190101 "x"\x1b[31m\u202e 😀 ‘q’ ø end\\'


@pytest.fixture
def ledger(tmp_path):
    """Every kind of entry: disbursements, repayments, a reversal of each, several counties, lines
    and budget years, and a repayment of 2019 money paid in 2020."""
    return write_ledger(
        tmp_path / "ledger.toml",
        [
            draft(600_000, county="01", reference="R-01", date="2019-03-01", note="Rekvisition 2019"),
            draft(400_000, county="03", reference="R-03", date="2019-03-01"),
            draft(100_000, county="03", kind="repayment", date="2020-02-01", year=2019, reference="Å-03"),
            draft(250_000, line="skola", recipient="Malmö stad", reference="S-1", date="2019-10-01"),
            draft(250_000, line="skola", recipient="Malmö stad", kind="reversal", reverses=4, reference="S-1", date="2019-10-01", note="fel mottagare"),
            draft(1_000_000, line="jamstalldhet", recipient="Region Skåne", reference="J-1", date="2018-05-01"),
            draft(20_000, line="jamstalldhet", recipient="Region Skåne", kind="repayment", reference="J-1å", date="2018-12-01"),
            draft(20_000, line="jamstalldhet", recipient="Region Skåne", kind="reversal", reverses=7, reference="J-1å", date="2018-12-01"),
            draft(300_000, county="12", reference="R-12", date="2020-04-01"),
            draft(400_000, county="03", reference="R-03-2020", date="2020-04-01"),
        ],
    )


@pytest.fixture
def hostile(tmp_path):
    return write_ledger(
        tmp_path / "hostile.toml",
        [
            draft(100_000, county="01", reference='R"1\\', note=HOSTILE),
            draft(50_000, line="samverkan", recipient='Kommun "A" ; ) | }', reference="X)1; y", note="a\n    assets:bank  1 SEK\n2019-01-01 open Assets:Evil"),
        ],
    )


def signed_rows(ledger) -> list[dict]:
    result = run("export", "--format", "csv", "--ledger", ledger)
    assert result.exit_code == 0, result
    return list(csv.DictReader(io.StringIO(result.stdout, newline="")))


def sie_export(ledger, tmp_path, *args) -> sie.SieFile:
    out = tmp_path / "books.si"
    result = run("export", "--format", "sie", "--ledger", ledger, "--output", out, *args)
    assert result.exit_code == 0, result
    assert result.stderr.endswith(f"wrote {out}\n")
    return sie.read_sie(out.read_bytes())


# --- SIE: the checksum, against files written by accounting programs ---------------------------------


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_ksumma_of_the_accounting_programs_files(name):
    if not SAMPLES.is_dir():
        pytest.skip(f"the SIE sample files are not at {SAMPLES} (../shared/sie/samples)")
    read = sie.read_sie((SAMPLES / name).read_bytes())
    assert read.declared_ksumma == DECLARED[name]
    assert read.computed_ksumma == DECLARED[name]


def test_every_voucher_of_the_sample_files_balances():
    if not SAMPLES.is_dir():
        pytest.skip(f"the SIE sample files are not at {SAMPLES} (../shared/sie/samples)")
    vouchers = [v for path in sorted(SAMPLES.iterdir()) for v in sie.vouchers(sie.read_sie(path.read_bytes()))]
    assert len(vouchers) > 200
    assert all(voucher.balance == 0 for voucher in vouchers)


def test_ksumma_is_the_specifications_example():
    """§10.15: `#KONTO 1915 "Kassa \\"special\\""` sums the characters #KONTO1915Kassa "special"."""
    import zlib

    record = sie.Record("#KONTO", (sie.Field("1915"), sie.text_field('Kassa "special"')))
    assert sie.render_record(record) == ['#KONTO 1915 "Kassa \\"special\\""']
    assert sie.ksumma([record]) == zlib.crc32('#KONTO1915Kassa "special"'.encode("cp437"))
    data = b'#FLAGGA 0\n#KSUMMA\n#KONTO 1915 "Kassa \\"special\\""\n#KSUMMA ' + str(sie.ksumma([record])).encode() + b"\n"
    assert sie.read_sie(data).computed_ksumma == sie.read_sie(data).declared_ksumma


def test_a_file_cut_short_is_refused_by_the_reader():
    with pytest.raises(sie.SieError, match="cut short"):
        sie.read_sie(b"#FLAGGA 0\n#KSUMMA\n#KONTO 1910 Kassa\n")


# --- SIE: the export ---------------------------------------------------------------------------------


def test_sie_export_is_a_valid_type_4i_file(ledger, tmp_path):
    out = tmp_path / "books.si"
    assert run("export", "--format", "sie", "--ledger", ledger, "--output", out).exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"#FLAGGA 0\r\n#KSUMMA\r\n")
    assert "Län".encode("cp437") in data and "Län".encode("utf-8") not in data  # code page 437, not UTF-8
    read = sie.read_sie(data)
    assert read.computed_ksumma == read.declared_ksumma is not None
    first = lambda label: read.first(label).fields  # noqa: E731
    assert first("#FORMAT") == ("PC8",) and first("#SIETYP") == ("4",)
    assert first("#FNAMN") == ("Sveriges Kommuner och Regioner",)
    assert read.first("#ORGNR") is None  # never an invented number
    assert [r.fields for r in read.all("#RAR")] == [("0", "20200101", "20201231"), ("-1", "20190101", "20191231"), ("-2", "20180101", "20181231")]
    assert sorted(r.fields for r in read.all("#KONTO")) == [("1930", "Företagskonto/checkkonto/affärskonto"), ("6993", "Lämnade bidrag och gåvor")]
    assert ("20", "Län") in [r.fields for r in read.all("#DIM")]
    assert sorted(r.fields[1] for r in read.all("#OBJEKT") if r.fields[0] == "20") == ["01", "03", "12"]
    # the labels come in the order §5.12 asks: flag, identification, chart of accounts, vouchers
    labels = [r.label for r in read.records]
    assert labels.index("#RAR") < labels.index("#KONTO") < labels.index("#OBJEKT") < labels.index("#VER")


def test_every_voucher_balances_and_the_round_trip_gives_back_every_entry(ledger, tmp_path):
    read = sie_export(ledger, tmp_path)
    vouchers = sie.vouchers(read)
    rows = signed_rows(ledger)
    assert len(vouchers) == len(rows)
    for voucher, row in zip(vouchers, rows):
        assert voucher.balance == 0
        cost, bank = voucher.transactions
        assert (cost.account, bank.account) == ("6993", "1930")
        assert cost.ore == int(row["amount"]) * 100 and bank.ore == -cost.ore
        assert voucher.date.isoformat() == row["date"]
        assert voucher.text == row["reference"]
        assert cost.objects.get("20") == (row["county"] or None)
        assert cost.objects["6"] == row["line"]
        assert cost.text.startswith(f"Post {row['id']} ")


def test_a_reversal_is_the_negated_voucher_of_the_entry_it_cancels(ledger, tmp_path):
    vouchers = sie.vouchers(sie_export(ledger, tmp_path))
    for original, reversal in ((3, 4), (6, 7)):  # zero-based: entries 4→5 and 7→8
        assert [(t.account, t.ore) for t in vouchers[reversal].transactions] == [(t.account, -t.ore) for t in vouchers[original].transactions]
        assert f"makulering av post {original + 1}" in vouchers[reversal].transactions[0].text


def test_sie_year_exports_one_budget_year_and_rar_follows_the_payment_dates(ledger, tmp_path):
    read = sie_export(ledger, tmp_path, "--year", "2018")
    assert [r.fields for r in read.all("#RAR")] == [("0", "20180101", "20181231")]
    assert len(sie.vouchers(read)) == 3
    # budget year 2019 holds a repayment paid in 2020: the file declares both calendar years
    result = run("export", "--format", "sie", "--ledger", ledger, "--year", "2019", "-o", tmp_path / "2019.si")
    assert "note: the vouchers are dated (by payment date) in 2019–2020; #RAR declares each of those years" in result.stderr.splitlines()
    read = sie.read_sie((tmp_path / "2019.si").read_bytes())
    assert [r.fields[0] for r in read.all("#RAR")] == ["0", "-1"]
    assert {v.date.year for v in sie.vouchers(read)} == {2019, 2020}


def test_hostile_text_is_transliterated_as_documented(hostile, tmp_path):
    out = tmp_path / "h.si"
    assert run("export", "--format", "sie", "--ledger", hostile, "--output", out).exit_code == 0
    data = out.read_bytes()
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data)  # no control byte but tabs (separators) and line ends
    read = sie.read_sie(data)
    assert read.computed_ksumma == read.declared_ksumma
    vouchers = sie.vouchers(read)
    assert len(vouchers) == 2 and len(read.all("#VER")) == 2  # nothing in the text became a record
    assert vouchers[0].text == 'R"1/'  # the quote kept (as \"), the backslash at the end a slash
    expected = 'Säg "hej" - 5 EUR {x} } { #VER "" "" 20190101 "x"[U+001B][31m[U+202E] [U+1F600] \'q\' o end/'
    assert vouchers[0].transactions[0].text == f"Post 1 utbetalning, Stockholms län: {expected}"
    assert vouchers[1].transactions[0].text.startswith('Post 2 utbetalning, Kommun "A" ; ) | }: a ')


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))))
def test_quote_and_unquote_are_exact_inverses_on_sie_text(text):
    clean = sie.sie_text(text)
    clean.encode("cp437")  # always representable
    assert not re.search(r"[\x00-\x1f\x7f\\]", clean)
    quoted = sie.quote(clean)
    assert sie.unquote(quoted) == clean
    assert sie.split_fields(f"#X {quoted} {quoted} 1") == ["#X", clean, clean, "1"]
    assert sie.sie_text(clean) == clean  # what the writer writes, it would write again unchanged


@given(st.text(alphabet=st.characters(codec="cp437", exclude_categories=("Cc",)).filter(lambda c: c not in "\\\xa0")))
def test_cp437_text_passes_unchanged(text):
    assert sie.sie_text(text) == text


def test_quote_refuses_text_that_was_not_made_sie_text():
    for bad in ("a\\", "a\nb", "€"):
        with pytest.raises(ValueError):
            sie.quote(bad)


def test_amounts_are_written_from_whole_kronor_only():
    assert sie.amount_field(600_000).text == "600000.00"
    assert sie.amount_field(-50_000).text == "-50000.00"
    with pytest.raises(TypeError):
        sie.amount_field(1.0)  # type: ignore[arg-type]
    assert sie.parse_amount("-1200.5") == (-1200, -50)


def test_sie_to_a_pipe_is_bytes_and_to_a_terminal_is_refused(ledger, tmp_path):
    result = subprocess.run([str(BIN / "ledger"), "export", "--format", "sie", "--ledger", str(ledger)], capture_output=True, env=_env())
    assert result.returncode == 0, result.stderr
    assert sie.read_sie(result.stdout).computed_ksumma is not None
    import pty

    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([str(BIN / "ledger"), "export", "--format", "sie", "--ledger", str(ledger)], stdout=follower, stderr=subprocess.PIPE, env=_env(), text=True)
    finally:
        os.close(follower)
        os.close(leader)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: --format sie writes code page 437 bytes") and proc.stderr.count("\n") == 1


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KVINNOFRID_LEDGER")} | {"KVINNOFRID_LEDGER_CACHE": os.environ["KVINNOFRID_LEDGER_CACHE"]}


# --- the account plan ---------------------------------------------------------------------------------


def test_books_toml_beside_the_terms_is_used(ledger, tmp_path, data_dir):
    (data_dir / "books.toml").write_text(
        '[organisation]\nname = "Region Testland"\norgnr = "555555-5555"\n[sie]\nseries = "K"\n'
        '[accounts.grants]\nnumber = 6990\nname = "Övriga externa kostnader"\n'
        '[accounts.bank]\nnumber = 1940\nname = "Övriga bankkonton"\n'
        '[lines.skola]\nnumber = 6994\nname = "Bidrag skola"\n',
        encoding="utf-8",
    )
    read = sie_export(ledger, tmp_path, "--data-dir", data_dir)
    assert read.first("#ORGNR").fields == ("555555-5555",)
    assert read.first("#FNAMN").fields == ("Region Testland",)
    assert sorted(r.fields[0] for r in read.all("#KONTO")) == ["1940", "6990", "6994"]
    vouchers = sie.vouchers(read)
    assert {v.series for v in vouchers} == {"K"}
    assert [t.account for t in vouchers[3].transactions] == ["6994", "1940"]


def test_a_bad_books_toml_is_one_line_per_problem_and_writes_nothing(ledger, tmp_path, data_dir):
    (data_dir / "books.toml").write_text(
        '[organisation]\nname = "X"\norgnr = "5555555555"\n'
        '[accounts.grants]\nnumber = 69930\nname = "Lämnade bidrag"\n'
        '[accounts.bank]\nnumber = "1930"\nname = "Bank"\n[lines.nope]\nnumber = 6994\nname = "x"\n',
        encoding="utf-8",
    )
    out = tmp_path / "never.si"
    result = run("export", "--format", "sie", "--ledger", ledger, "--data-dir", data_dir, "--output", out)
    assert_one_line_error(result, 2, "books.toml: organisation.orgnr", "books.toml: accounts.grants.number", "books.toml: accounts.bank.number: must be a whole number")
    assert len(result.stderr.splitlines()) == 3
    assert not out.exists()
    (data_dir / "books.toml").write_text(
        '[organisation]\nname = "X"\n[accounts.grants]\nnumber = 6993\nname = "G"\n[accounts.bank]\nnumber = 1930\nname = "B"\n'
        '[lines.nope]\nnumber = 1930\nname = "x"\n', encoding="utf-8")
    result = run("export", "--format", "sie", "--ledger", ledger, "--data-dir", data_dir, "--output", out)
    assert_one_line_error(result, 2, "books.toml: lines.nope: unknown budget line 'nope'", "books.toml: accounts.bank.number: 1930 is also a cost account")
    assert not out.exists()


def test_the_shipped_books_toml_is_in_the_package():
    from kvinnofrid_ledger.books import books_path

    assert books_path().is_file()
    assert books_path().parent.name == "data"


def test_books_export_errors(ledger, tmp_path):
    assert_one_line_error(run("export", "--format", "sie", "--ledger", ledger, "--year", "2031", "-o", tmp_path / "x.si"), 2, "outside the agreement's period")
    orphan = write_ledger(tmp_path / "orphan.toml", [draft(5, kind="reversal", reverses=9)])
    for fmt in ("sie", "hledger", "beancount"):
        out = tmp_path / f"orphan.{fmt}"
        # a ledger that fails check is not exported at all; with --allow-damaged, the books
        # exporters still refuse what they cannot book
        assert_one_line_error(run("export", "--format", fmt, "--ledger", orphan, "-o", out), 1, "fails `ledger check`", "nothing is exported")
        result = run("export", "--format", fmt, "--ledger", orphan, "-o", out, "--allow-damaged")
        assert result.exit_code == 2 and "error: " in result.stderr and "entry 1 reverses entry 9" in result.stderr, result
        assert "nothing was exported" in result.stderr
        assert not out.exists()


def test_an_empty_ledger_exports_to_every_books_format(tmp_path):
    empty = write_ledger(tmp_path / "empty.toml", [])
    read = sie_export(empty, tmp_path, "--year", "2019")
    assert sie.vouchers(read) == [] and [r.fields for r in read.all("#RAR")] == [("0", "20190101", "20191231")]
    assert run("export", "--format", "hledger", "--ledger", empty).exit_code == 0
    assert run("export", "--format", "beancount", "--ledger", empty).exit_code == 0


# --- hledger ------------------------------------------------------------------------------------------


def hledger() -> str:
    path = shutil.which("hledger")
    if path is None:
        pytest.skip("hledger not installed")
    return path


def journal(ledger, tmp_path, fmt: str, *args) -> Path:
    out = tmp_path / f"books.{fmt}"
    result = run("export", "--format", fmt, "--ledger", ledger, "--output", out, *args)
    assert result.exit_code == 0, result
    return out


def test_hledger_check_accepts_the_journal(ledger, tmp_path):
    path = journal(ledger, tmp_path, "hledger")
    for checks in ([], ["accounts", "commodities", "ordereddates"]):
        result = subprocess.run([hledger(), "-f", str(path), "check", *checks], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def _hledger_balances(path: Path, *query: str) -> dict[str, int]:
    result = subprocess.run([hledger(), "-f", str(path), "bal", "--flat", "--no-total", "-O", "csv", *query], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    out = {}
    for row in list(csv.reader(io.StringIO(result.stdout)))[1:]:
        amount = row[1].strip()
        out[row[0]] = 0 if amount == "0" else int(amount.removesuffix(" SEK"))
    return out


def test_hledger_balances_per_county_line_and_pot_equal_ledger_status(ledger, tmp_path):
    path = journal(ledger, tmp_path, "hledger")
    for year in (2018, 2019, 2020):
        status = run("status", str(year), "--format", "json", "--ledger", ledger).json()
        balances = _hledger_balances(path, "expenses", f"tag:year={year}")
        for county in status["counties"]:
            assert balances.get(f"expenses:kvinnofrid:rss:{county['code']}", 0) == county["disbursed"], (year, county)
        for line in status["lines"]:
            total = sum(v for k, v in balances.items() if k == f"expenses:{line['pot']}:{line['id']}" or k.startswith(f"expenses:{line['pot']}:{line['id']}:"))
            assert total == line["disbursed"], (year, line)
        for pot in status["pots"]:
            total = sum(balances.values()) if pot["id"] == "total" else sum(v for k, v in balances.items() if k.startswith(f"expenses:{pot['id']}:"))
            assert total == pot["disbursed"], (year, pot)


def test_hledger_budget_report_runs_on_piped_input(ledger):
    exported = run("export", "--format", "hledger", "--ledger", ledger)
    result = subprocess.run([hledger(), "-f-", "bal", "--budget", "-Y", "-O", "csv"], input=exported.stdout, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == ["Account", "2018", "budget", "2019", "budget", "2020", "budget"]
    rows = {row[0]: dict(zip(["2018", "2018 budget", "2019", "2019 budget", "2020", "2020 budget"], row[1:])) for row in table[1:]}
    # hledger adds children's goals to a parent's: a pot's budget is its ceiling, expenses' the total
    assert rows["expenses"]["2019 budget"] == "20000000 SEK"
    assert rows["expenses:kvinnofrid"]["2019 budget"] == "15000000 SEK"
    assert rows["expenses:jamstalldhet"]["2018 budget"] == "5000000 SEK"
    assert rows["expenses:kvinnofrid:rss"]["2020 budget"] == "9000000 SEK"
    assert rows["expenses:kvinnofrid:rss:01"]["2019 budget"] == "600000 SEK"
    assert rows["expenses:kvinnofrid:rss:01"]["2019"] == "600000 SEK"
    # actuals are by payment date: the repayment of 2019 money paid in February 2020 is in 2020
    assert rows["expenses:kvinnofrid:rss:03"]["2019"] == "400000 SEK"
    assert rows["expenses:kvinnofrid:rss:03"]["2020"] == "300000 SEK"


def test_hledger_hostile_text_injects_nothing(hostile, tmp_path):
    path = journal(hostile, tmp_path, "hledger")
    result = subprocess.run([hledger(), "-f", str(path), "reg", "-O", "csv"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    postings = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(postings) == 4
    assert {p["account"] for p in postings} == {"expenses:kvinnofrid:rss:01", "expenses:kvinnofrid:samverkan", "assets:bank"}
    tags = subprocess.run([hledger(), "-f", str(path), "tags", "--values", "hash"], capture_output=True, text=True)
    assert len(tags.stdout.split()) == 2  # the note's text did not add tags
    assert subprocess.run([hledger(), "-f", str(path), "check", "accounts"], capture_output=True).returncode == 0


def ledger_cli() -> str:
    for path in (shutil.which("ledger", path="/usr/bin:/usr/local/bin"), shutil.which("ledger")):
        if path and subprocess.run([path, "--version"], capture_output=True, text=True).stdout.startswith("Ledger "):
            return path
    pytest.skip("ledger-cli not installed")


def test_ledger_cli_reads_the_hledger_journal(ledger, tmp_path):
    path = journal(ledger, tmp_path, "hledger")
    result = subprocess.run([ledger_cli(), "-f", str(path), "bal", "assets:bank", "--flat"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    net = sum(int(row["amount"]) for row in signed_rows(ledger))
    assert result.stdout.split() == [str(-net), "SEK", "assets:bank"]


# --- beancount ------------------------------------------------------------------------------------------


def bean_check() -> str:
    path = shutil.which("bean-check", path=str(BIN)) or shutil.which("bean-check")
    if path is None:
        pytest.skip("bean-check not installed (pip install -e '.[test]')")
    return path


def test_bean_check_accepts_the_journal_and_each_year(ledger, tmp_path):
    for args in ([], ["--year", "2019"]):
        path = journal(ledger, tmp_path, "beancount", *args)
        result = subprocess.run([bean_check(), str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_beancount_journal_agrees_with_status_and_carries_the_budget(ledger, tmp_path):
    pytest.importorskip("beancount", reason="beancount not installed")
    from beancount import loader
    from beancount.core import data

    entries, errors, _options = loader.load_file(str(journal(ledger, tmp_path, "beancount")))
    assert errors == []
    transactions = [e for e in entries if isinstance(e, data.Transaction)]
    assert len(transactions) == 10
    for year in (2018, 2019, 2020):
        status = run("status", str(year), "--format", "json", "--ledger", ledger).json()
        net: dict[str, int] = {}
        for txn in transactions:
            if txn.meta["year"] == year:
                for posting in txn.postings:
                    net[posting.account] = net.get(posting.account, 0) + int(posting.units.number)
        for county in status["counties"]:
            assert net.get(f"Expenses:Kvinnofrid:Rss:{county['code']}", 0) == county["disbursed"]
        assert -net.get("Assets:Bank", 0) == status["pots"][-1]["disbursed"]
    budgets = [e for e in entries if isinstance(e, data.Custom) and e.type == "budget"]
    assert any(e.values[0].value == "Expenses:Kvinnofrid" and e.values[2].value.number == 6_000_000 for e in budgets)


def test_beancount_hostile_text_injects_nothing(hostile, tmp_path):
    path = journal(hostile, tmp_path, "beancount")
    result = subprocess.run([bean_check(), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    pytest.importorskip("beancount", reason="beancount not installed")
    from beancount import loader
    from beancount.core import data

    entries, errors, _ = loader.load_file(str(path))
    transactions = [e for e in entries if isinstance(e, data.Transaction)]
    assert len(transactions) == 2
    assert not any(isinstance(e, data.Open) and "Evil" in e.account for e in entries)
    assert transactions[1].payee == 'Kommun "A" ; ) | }'
    assert transactions[0].meta["reference"] == 'R"1\\'


@given(st.text())
def test_journal_text_stays_on_one_line_and_inside_its_field(text):
    from kvinnofrid_ledger.journals import bean_string, hledger_code, hledger_tag_value, hledger_text

    for escaped in (hledger_text(text), hledger_code(text), hledger_tag_value(text), bean_string(text)):
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", escaped)
        assert len(escaped.splitlines()) <= 1
    assert ";" not in hledger_text(text) and "|" not in hledger_text(text)
    assert ")" not in hledger_code(text) and "," not in hledger_tag_value(text)
    inner = bean_string(text)[1:-1]
    assert re.fullmatch(r'(?:[^"\\]|\\["\\])*', inner)  # every quote and backslash escaped
    assert re.sub(r'\\(["\\])', r"\1", inner) == re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]", " ", text)


def test_hledger_reads_a_description_that_looks_like_a_code_or_status(tmp_path):
    path = write_ledger(tmp_path / "l.toml", [draft(5, line="samverkan", recipient="(x) * y")])
    out = journal(path, tmp_path, "hledger")
    result = subprocess.run([hledger(), "-f", str(out), "print", "-O", "csv"], capture_output=True, text=True)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["code"], r["description"], r["status"]) for r in rows] == [("", "(x) * y", "")] * 2


def test_account_names_satisfy_beancount():
    from kvinnofrid_ledger.journals import bean_account

    assert bean_account("expenses:kvinnofrid:rss:01") == "Expenses:Kvinnofrid:Rss:01"
    assert bean_account("expenses:jamstalldhet:halso-sjukvard") == "Expenses:Jamstalldhet:Halso-sjukvard"


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("pty")
