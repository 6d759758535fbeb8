"""Spreadsheet-grade exchange: .xlsx export and import, Swedish Excel CSV, one parser for people's
input, every problem in one run, and imports that compare each row with its exported hash."""

from __future__ import annotations

import codecs
import io
import json
import zipfile

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import assert_one_line_error, run
from ledgerkit import draft, spreadsheet_drafts, write_ledger

HEADER = "id,kind,date,year,line,county,recipient,amount,reference,note,reverses,hash,agreement,digest,source"


@pytest.fixture
def ledger(tmp_path):
    return write_ledger(tmp_path / "ledger.toml", spreadsheet_drafts())


def empty_ledger(tmp_path, name="new"):
    assert run("init", "--empty", tmp_path / name).exit_code == 0
    return tmp_path / name / "ledger.toml"


def json_export(ledger) -> str:
    result = run("export", "--format", "json", "--ledger", ledger)
    assert result.exit_code == 0, result
    return result.stdout


def export_csv(ledger, tmp_path, *options) -> str:
    result = run("export", "--ledger", ledger, *options)
    assert result.exit_code == 0, result
    return result.stdout


# --- one parser for people's input --------------------------------------------------------------


@pytest.mark.parametrize("amount", ["600000", "600 000", "600 000 kr", "600\u00a0000", "600\u202f000", "600000,00", "600 000,00", "600,000"])
def test_import_accepts_every_amount_record_accepts(tmp_path, amount):
    target = empty_ledger(tmp_path)
    (tmp_path / "in.csv").write_text(f"kind,date,year,line,county,amount\ndisbursement,2019-03-01,2019,rss,12,\"{amount}\"\n", encoding="utf-8")
    result = run("import", tmp_path / "in.csv", "--ledger", target)
    assert result.exit_code == 0, result
    assert '"amount": 600000' in json_export(target)
    recorded = run("record", "--date", "2019-03-02", "--line", "rss", "--county", "01", "--amount", amount, "--ledger", target)
    assert recorded.exit_code == 0, recorded


@pytest.mark.parametrize("amount", ["600000,50", "6e5", "600.000,00", "600,000,00", "fyra"])
def test_import_and_record_refuse_the_same_amounts_with_the_same_message(tmp_path, amount):
    target = empty_ledger(tmp_path)
    before = target.read_bytes()
    (tmp_path / "in.csv").write_text(f"kind,date,year,line,county,amount\ndisbursement,2019-03-01,2019,rss,12,\"{amount}\"\n", encoding="utf-8")
    imported = run("import", tmp_path / "in.csv", "--ledger", target)
    recorded = run("record", "--date", "2019-03-01", "--line", "rss", "--county", "12", "--amount", amount, "--ledger", target)
    assert_one_line_error(imported, 2, "in.csv:2: amount:")
    assert_one_line_error(recorded, 2)
    assert recorded.stderr.removeprefix("error: ") in imported.stderr
    assert target.read_bytes() == before


@pytest.mark.parametrize(("county", "code"), [("1", "01"), ("01", "01"), ("Skåne", "12"), ("skane lan", "12"), ("Stockholms län", "01")])
def test_import_reads_a_county_as_record_does(tmp_path, county, code):
    target = empty_ledger(tmp_path)
    (tmp_path / "in.csv").write_text(f"kind,date,year,line,county,amount\ndisbursement,2019-03-01,2019,rss,{county},5\n", encoding="utf-8")
    assert run("import", tmp_path / "in.csv", "--ledger", target).exit_code == 0
    assert json.loads(json_export(target))["entries"][0]["county"] == code


# --- CSV dialects ---------------------------------------------------------------------------------


def test_excel_csv_has_a_bom_semicolons_and_crlf_and_imports_back(ledger, tmp_path):
    out = tmp_path / "excel.csv"
    assert run("export", "--excel", "--output", out, "--ledger", ledger).exit_code == 0
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8 + HEADER.replace(",", ";").encode() + b"\r\n")
    assert "Återbetalning".encode() in data and b"'=HYPERLINK(" in data
    target = empty_ledger(tmp_path)
    result = run("import", out, "--ledger", target)
    assert result.exit_code == 0 and result.stderr == "", result
    assert json_export(target) == json_export(ledger)


def test_excel_is_an_option_of_csv_only(ledger):
    assert_one_line_error(run("export", "--excel", "--format", "json", "--ledger", ledger), 2, "--excel")


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_import_detects_the_separator(tmp_path, separator):
    target = empty_ledger(tmp_path)
    rows = [["kind", "date", "year", "line", "county", "amount", "note"], ["disbursement", "2019-03-01", "2019", "rss", "12", "600 000", "a, b; c"]]
    text = "\r\n".join(separator.join(f'"{c}"' if c == "a, b; c" else c for c in row) for row in rows) + "\r\n"
    (tmp_path / "in.csv").write_text(text, encoding="utf-8")
    assert run("import", tmp_path / "in.csv", "--ledger", target).exit_code == 0
    assert json.loads(json_export(target))["entries"][0]["note"] == "a, b; c"


def test_a_swedish_excel_file_by_hand_imports(tmp_path):
    """As Swedish Excel saves "CSV UTF-8": a BOM, semicolons, amounts with zero öre, codes without their zero."""
    target = empty_ledger(tmp_path)
    text = (
        "kind;date;year;line;county;recipient;amount;reference;note\r\n"
        "disbursement;2019-03-15;2019;rss;1;;600 000,00;RSS-2019-01;Rekvisition\r\n"
        "disbursement;2019-03-15;2019;rss;Skåne;;400\u00a0000,00 kr;RSS-2019-12;\r\n"
        "repayment;2020-03-31;2019;rss;12;;-50 000,00;ÅB-2019-12;Återbetalning\r\n"
    )
    (tmp_path / "excel.csv").write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    result = run("import", tmp_path / "excel.csv", "--ledger", target)
    assert result.exit_code == 0, result
    entries = json.loads(json_export(target))["entries"]
    assert [(e["county"], e["amount"], e["note"]) for e in entries] == [("01", 600000, "Rekvisition"), ("12", 400000, ""), ("12", -50000, "Återbetalning")]


def test_utf16_text_as_excel_saves_unicode_text_imports(tmp_path):
    target = empty_ledger(tmp_path)
    text = "kind\tdate\tyear\tline\tcounty\tamount\tnote\r\ndisbursement\t2019-03-15\t2019\trss\t12\t600000\tÅterbetalning\r\n"
    (tmp_path / "u.txt").write_bytes(text.encode("utf-16"))
    assert run("import", tmp_path / "u.txt", "--ledger", target).exit_code == 0


def test_windows_1252_is_refused_with_the_line_and_how_to_save_it(tmp_path):
    target = empty_ledger(tmp_path)
    before = target.read_bytes()
    text = "kind;date;year;line;county;amount;note\r\ndisbursement;2019-03-15;2019;rss;12;600000;ok\r\ndisbursement;2019-03-15;2019;rss;01;5;Återbetalning\r\n"
    (tmp_path / "ansi.csv").write_bytes(text.encode("cp1252"))
    result = run("import", tmp_path / "ansi.csv", "--ledger", target)
    assert_one_line_error(result, 2, "ansi.csv:3: not UTF-8", "'Å' in Windows-1252", "CSV UTF-8")
    assert len(result.stderr.splitlines()) == 1
    assert target.read_bytes() == before


def test_a_cut_off_file_is_refused_at_the_line_its_open_quote_began(tmp_path):
    """Issue 8 item 9: the last quote never closed must not swallow the rest of the file into one note."""
    target = empty_ledger(tmp_path)
    before = target.read_bytes()
    (tmp_path / "cut.csv").write_text(
        "kind,date,year,line,county,amount,note\n"
        'disbursement,2019-03-01,2019,rss,12,5,"closed, ""quoted"""\n'
        'disbursement,2019-03-01,2019,rss,12,5,"opened here\n'
        "disbursement,2019-03-01,2019,rss,12,5,swallowed\n"
        "disbursement,2019-03-01,2019,rss,12,5,swallowed too\n",
        encoding="utf-8",
    )
    result = run("import", tmp_path / "cut.csv", "--ledger", target)
    assert_one_line_error(result, 2, "cut.csv:3:", "never closed", "cut off")
    assert target.read_bytes() == before


# --- every problem in one run -------------------------------------------------------------------


def test_malformed_cells_and_broken_rules_are_reported_together(tmp_path):
    target = empty_ledger(tmp_path)
    before = target.read_bytes()
    (tmp_path / "all.csv").write_text(
        "kind,date,year,line,county,recipient,amount,reference\n"
        "disbursement,2019-04-01,2019,rss,01,,100000,A\n"
        "disbursement,2019-04-31,2019,rss,01,,100000,B\n"  # 3: no such date
        "disbursement,2019-04-01,2019,rss,05,,900000,C\n"  # 4: over its allocation
        "disbursement,2019-04-01,2019,rss,99,,5,D\n"  # 5: no such county
        "disbursement,2019-04-01,2019,rss,03,,5,A\n"  # 6: reference used twice
        "disbursement,2019-04-01,2019,skola,,,5,E\n",  # 7: no recipient
        encoding="utf-8",
    )
    result = run("import", tmp_path / "all.csv", "--ledger", target, "--format", "json")
    assert result.exit_code == 2
    assert target.read_bytes() == before
    problems = result.json()["problems"]
    assert [(p["line"], p["rule"]) for p in problems] == [(3, "cell"), (4, "allocation"), (5, "cell"), (6, "reference"), (7, "recipient")]
    assert [p["column"] for p in problems][:3] == ["date", None, "county"]
    stderr = result.stderr.splitlines()
    assert len(stderr) == 5 and all(line.startswith("error: ") for line in stderr)
    assert "all.csv:4: rule allocation" in result.stderr and "all.csv:6: rule reference" in result.stderr
    jsonschema.validate(result.json(), run("schema", "import").json())


def test_a_reversal_after_a_malformed_row_still_names_the_right_entry(tmp_path):
    """A row that cannot be read keeps its id, so the rules see the rows after it as the file meant."""
    target = empty_ledger(tmp_path)
    (tmp_path / "r.csv").write_text(
        "kind,date,year,line,county,amount,reverses\n"
        "disbursement,2019-04-01,2019,rss,01,x,\n"
        "disbursement,2019-04-01,2019,rss,03,100,\n"
        "reversal,2019-04-01,2019,rss,03,-100,2\n",
        encoding="utf-8",
    )
    result = run("import", tmp_path / "r.csv", "--ledger", target)
    assert_one_line_error(result, 2, "r.csv:2: amount")
    assert len(result.stderr.splitlines()) == 1, result


def test_record_json_failure_and_success_follow_the_schema(tmp_path):
    target = empty_ledger(tmp_path)
    schema = run("schema", "record").json()
    jsonschema.Draft202012Validator.check_schema(schema)
    bad = run("record", "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "9000000", "--format", "json", "--ledger", target)
    assert bad.exit_code == 1
    assert bad.json()["ok"] is False and bad.json()["problems"][0]["rule"] == "allocation"
    jsonschema.validate(bad.json(), schema)
    malformed = run("record", "--date", "2019-02-30", "--line", "rss", "--county", "99", "--amount", "5 öre", "--format", "json", "--ledger", target)
    assert malformed.exit_code == 2
    assert [(p["column"], p["rule"]) for p in malformed.json()["problems"]] == [("--date", "input"), ("--amount", "input"), ("--county", "input")]
    assert len(malformed.stderr.splitlines()) == 3
    jsonschema.validate(malformed.json(), schema)
    good = run("record", "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5", "--format", "json", "--ledger", target)
    assert good.exit_code == 0
    jsonschema.validate(good.json(), schema)
    import_schema = run("schema", "import").json()
    missing = run("import", tmp_path / "none.csv", "--format", "json", "--ledger", target)
    assert missing.exit_code == 2 and missing.json()["problems"][0]["rule"] == "input"
    jsonschema.validate(missing.json(), import_schema)
    (tmp_path / "one.csv").write_text("kind,date,year,line,county,amount\ndisbursement,2019-03-02,2019,rss,01,5\n", encoding="utf-8")
    done = run("import", tmp_path / "one.csv", "--format", "json", "--ledger", target)
    assert done.exit_code == 0 and done.json()["imported"] == 1
    jsonschema.validate(done.json(), import_schema)


# --- verify what came back ----------------------------------------------------------------------


def test_a_changed_amount_is_refused_unless_accepted(ledger, tmp_path):
    text = export_csv(ledger, tmp_path).replace(",1000,@SUM", ",1001,@SUM").replace(",1000,'@SUM", ",1001,'@SUM")
    assert ",1001," in text
    (tmp_path / "e.csv").write_text(text, encoding="utf-8", newline="")
    target = empty_ledger(tmp_path)
    before = target.read_bytes()
    result = run("import", tmp_path / "e.csv", "--ledger", target)
    assert_one_line_error(result, 1, "e.csv:5: entry 4: changed since export", "--accept-changes")
    assert len(result.stderr.splitlines()) == 1
    assert target.read_bytes() == before
    accepted = run("import", tmp_path / "e.csv", "--accept-changes", "--ledger", target)
    assert accepted.exit_code == 0, accepted
    assert "note: " in accepted.stderr and "entry 4" in accepted.stderr
    assert json.loads(json_export(target))["entries"][3]["amount"] == 1001


def test_bends_are_repaired_when_the_hash_proves_them_and_named(ledger, tmp_path):
    text = export_csv(ledger, tmp_path)
    bent = text.replace(",007,1e5,", ",7,100000,").replace("rad ett\rrad två", "rad ett\nrad två").replace(",12,,600000,", ',12,,"600 000,00",')
    assert bent.count("7,100000") == 1
    (tmp_path / "bent.csv").write_text(bent, encoding="utf-8", newline="")
    target = empty_ledger(tmp_path)
    result = run("import", tmp_path / "bent.csv", "--ledger", target)
    assert result.exit_code == 0, result
    assert json_export(target) == json_export(ledger)
    assert "bent.csv:2: entry 1: reference changed since export ('007' → '7'" in result.stderr
    assert "bent.csv:2: entry 1: note changed since export ('1e5' → '100000'" in result.stderr
    assert "bent.csv:3: entry 2: note changed since export" in result.stderr


def test_reordered_rows_are_named(ledger, tmp_path):
    lines = export_csv(ledger, tmp_path).split("\r\n")
    lines[1], lines[2] = lines[2], lines[1]
    (tmp_path / "sorted.csv").write_text("\r\n".join(lines), encoding="utf-8", newline="")
    result = run("import", tmp_path / "sorted.csv", "--ledger", empty_ledger(tmp_path))
    assert_one_line_error(result, 1, "sorted.csv:3: id: entry 1 comes after entry 2")


def test_rows_without_a_hash_are_new_rows(ledger, tmp_path):
    text = export_csv(ledger, tmp_path) + ",disbursement,2019-05-01,2019,rss,03,,5,NY-1,ny rad,,,,,\r\n"
    (tmp_path / "more.csv").write_text(text, encoding="utf-8", newline="")
    target = empty_ledger(tmp_path)
    result = run("import", tmp_path / "more.csv", "--ledger", target)
    assert result.exit_code == 0 and result.stderr == "", result
    assert result.stdout.startswith("imported 8 entries")


# --- xlsx ---------------------------------------------------------------------------------------


def _xlsx(ledger, tmp_path, name="e.xlsx", *options):
    out = tmp_path / name
    result = run("export", "--format", "xlsx", "--output", out, "--ledger", ledger, *options)
    assert result.exit_code == 0, result
    return out


def assert_no_formula(path):
    import openpyxl

    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/"):
                xml = archive.read(member).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, member


def test_xlsx_cells_are_typed_and_never_formulas(ledger, tmp_path):
    import openpyxl

    path = _xlsx(ledger, tmp_path)
    assert_no_formula(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["entries", "status"]
    sheet = book["entries"]
    header = [cell.value for cell in sheet[1]]
    assert header == HEADER.split(",")
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:O8"
    row = {name: cell for name, cell in zip(header, sheet[2])}
    assert (row["id"].value, row["id"].data_type) == ("1", "s")
    assert (row["county"].value, row["reference"].value, row["note"].value) == ("12", "007", "1e5")
    assert all(row[name].number_format == "@" for name in ("county", "reference", "note", "hash"))
    assert row["amount"].value == 600000 and row["amount"].data_type == "n" and row["amount"].number_format == "#,##0"
    assert row["date"].is_date and row["date"].value.date().isoformat() == "2019-03-15"
    assert sheet["J4"].value == '=HYPERLINK("http://x","klicka")' and sheet["J4"].data_type == "s"
    assert sheet["G5"].value == "+1" and sheet["I5"].value == "@SUM(A1)"
    status = book["status"]
    assert [cell.value for cell in status[1]] == ["year", "kind", "id", "name", "budget", "disbursed", "remaining", "percent_used"]
    skane_2019 = next(r for r in status.iter_rows(values_only=True) if r[:3] == (2019, "county", "12"))
    assert skane_2019[4:7] == (600000, 550000, 50000)


def test_xlsx_round_trip_is_exact(ledger, tmp_path):
    path = _xlsx(ledger, tmp_path)
    target = empty_ledger(tmp_path)
    result = run("import", path, "--ledger", target)
    assert result.exit_code == 0 and result.stderr == "", result
    assert json_export(target) == json_export(ledger)


def test_xlsx_problems_name_sheet_row_and_column(ledger, tmp_path):
    import openpyxl

    path = _xlsx(ledger, tmp_path)
    book = openpyxl.load_workbook(path)
    book["entries"]["H3"].value = "fyra"
    book["entries"]["C4"].value = "2019-02-30"
    book.save(path)
    target = empty_ledger(tmp_path)
    before = target.read_bytes()
    result = run("import", path, "--ledger", target)
    assert_one_line_error(result, 2, "e.xlsx: sheet 'entries', row 3: amount (column H):", "e.xlsx: sheet 'entries', row 4: date (column C):")
    assert target.read_bytes() == before


def test_xlsx_to_a_terminal_is_refused_and_to_a_pipe_is_a_workbook(ledger, tmp_path):
    import os
    import pty
    import subprocess

    from conftest import BIN

    command = [str(BIN / "ledger"), "export", "--format", "xlsx", "--ledger", str(ledger)]
    proc = subprocess.run(command, capture_output=True)
    assert proc.returncode == 0 and proc.stdout.startswith(b"PK\x03\x04")
    (tmp_path / "piped.xlsx").write_bytes(proc.stdout)
    assert_no_formula(tmp_path / "piped.xlsx")
    main, terminal = pty.openpty()
    try:
        tty = subprocess.run(command, stdout=terminal, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(terminal)
        os.close(main)
    assert tty.returncode == 2
    assert tty.stderr.startswith("error: --format xlsx writes a binary workbook: give --output") and len(tty.stderr.splitlines()) == 1


def test_a_file_that_is_not_a_workbook_is_one_error(tmp_path):
    target = empty_ledger(tmp_path)
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    assert_one_line_error(run("import", tmp_path / "x.xlsx", "--ledger", target), 2, "x.xlsx: not an .xlsx workbook")


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_xlsx_text_survives_any_characters(text):
    """escape/unescape are an exact inverse pair, through openpyxl's writer and reader."""
    import openpyxl

    from kvinnofrid_ledger.xlsx import _text_cell, cell_text, escape, unescape

    assert unescape(escape(text)) == text
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append([_text_cell(sheet, text)])
    buffer = io.BytesIO()
    book.save(buffer)
    read = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()), read_only=True)
    value = next(read.active.iter_rows(values_only=True))[0]
    assert cell_text(value) == text


@settings(max_examples=80, deadline=None)
@given(
    zeros=st.integers(min_value=1, max_value=5),
    digits=st.integers(min_value=1, max_value=10**6),
    note=st.text(alphabet="ab\rå 1", max_size=12),
)
def test_a_bend_is_undone_exactly_when_the_hash_proves_it(zeros, digits, note):
    """Leading zeros stripped and CR read as LF are restored to the very text exported; any other
    change to the same row is named, never repaired."""
    import dataclasses

    from kvinnofrid_ledger.bends import row_hash, verify_rows
    from kvinnofrid_ledger.importing import Row, Table
    from kvinnofrid_ledger.ledger import GENESIS

    original = draft(5, county="01", reference="0" * zeros + str(digits), note=note)
    exported_hash = row_hash(1, original, GENESIS)
    bent = dataclasses.replace(original, reference=str(digits), note=note.replace("\r", "\n"))
    table = Table("t.csv", (), ())
    verified = verify_rows(table, [Row(2, bent, 5, 1, exported_hash)])
    assert verified.rows[0].draft == original and not verified.changed
    assert any("reference changed since export" in item.text for item in verified.repaired)
    tampered = dataclasses.replace(bent, amount=6)
    verified = verify_rows(table, [Row(2, tampered, 6, 1, exported_hash)])
    assert verified.rows[0].draft == tampered and len(verified.changed) == 1 and not verified.repaired


@pytest.mark.parametrize("form", ["csv", "excel", "xlsx"])
def test_a_ledger_with_its_terms_entry_round_trips_through_every_spreadsheet_form(tmp_path, form):
    """The terms entry `init` writes travels in the CSV and the workbook like every row, is
    verified against its exported hash, and comes back with the same id and hash."""
    assert run("init", tmp_path / "kept").exit_code == 0
    ledger = tmp_path / "kept" / "ledger.toml"
    assert run("record", "--date", "2019-03-15", "--line", "rss", "--county", "01", "--amount", "600 000", "--reference", "007", "--ledger", ledger).exit_code == 0
    assert run("reverse", "2", "--reason", "fel", "--ledger", ledger).exit_code == 0
    out = tmp_path / f"export.{'xlsx' if form == 'xlsx' else 'csv'}"
    options = {"csv": [], "excel": ["--excel"], "xlsx": ["--format", "xlsx"]}[form]
    assert run("export", *options, "--output", out, "--ledger", ledger).exit_code == 0
    target = empty_ledger(tmp_path)
    result = run("import", out, "--ledger", target)
    assert result.exit_code == 0 and result.stderr == "", result
    assert json_export(target) == json_export(ledger)
    assert run("export", "--format", "json", "--ledger", target).json()["terms"][0]["id"] == 1


def test_a_terms_row_changed_since_export_is_named(tmp_path):
    assert run("init", tmp_path / "kept").exit_code == 0
    ledger = tmp_path / "kept" / "ledger.toml"
    out = tmp_path / "export.csv"
    assert run("export", "--output", out, "--ledger", ledger).exit_code == 0
    lines = out.read_bytes().split(b"\r\n")
    cells = lines[1].split(b",")
    assert cells[1] == b"terms"
    cells[2] = b"2018-01-02" if cells[2] != b"2018-01-02" else b"2018-01-03"  # the terms entry's date
    lines[1] = b",".join(cells)
    out.write_bytes(b"\r\n".join(lines))
    target = empty_ledger(tmp_path)
    before = target.read_bytes()
    result = run("import", out, "--ledger", target)
    assert_one_line_error(result, 1, "entry 1: changed since export")
    assert target.read_bytes() == before
