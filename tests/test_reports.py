"""status, export, import and schema: figures recomputed independently, formats read back."""

from __future__ import annotations

import csv
import io

import jsonschema
import pytest

from conftest import assert_one_line_error, run
from ledgerkit import draft, read, write_ledger

ALLOCATION = {code: (600_000 if code in {"01", "12", "14"} else 400_000) for code in
              ["01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18", "19", "20", "21", "22", "23", "24", "25"]}


@pytest.fixture
def ledger(tmp_path):
    return write_ledger(
        tmp_path / "ledger.toml",
        [
            draft(600_000, county="01", reference="R-01", date="2019-03-01"),
            draft(400_000, county="03", reference="R-03", date="2019-03-01"),
            draft(100_000, county="03", kind="repayment", date="2020-02-01", year=2019, reference="Å-03"),
            draft(250_000, line="skola", recipient="Malmö stad", reference="S-1", date="2019-10-01"),
            draft(250_000, line="skola", recipient="Malmö stad", kind="reversal", reverses=4, reference="S-1", date="2019-10-01"),
            draft(1_000_000, line="jamstalldhet", recipient="Region Skåne", reference="J-1", date="2018-05-01"),
            draft(20_000, line="jamstalldhet", recipient="Region Skåne", kind="repayment", reference="J-1å", date="2018-12-01"),
            draft(20_000, line="jamstalldhet", recipient="Region Skåne", kind="reversal", reverses=7, reference="J-1å", date="2018-12-01"),
            draft(300_000, county="12", reference="R-12", date="2020-04-01", note="=HYPERLINK(\"http://x\")"),
        ],
    )


def exported(ledger) -> list[dict]:
    result = run("export", "--format", "csv", "--ledger", ledger)
    assert result.exit_code == 0, result
    return list(csv.DictReader(io.StringIO(result.stdout, newline="")))


def test_status_figures_match_sums_of_the_export(ledger):
    rows = exported(ledger)
    for year in (2018, 2019, 2020):
        doc = run("status", str(year), "--format", "json", "--ledger", ledger).json()
        assert doc["year"] == year and doc["ledger_ok"] is True
        mine = [r for r in rows if int(r["year"]) == year]
        counties = {c["code"]: c for c in doc["counties"]}
        for code, allocated in ALLOCATION.items():
            disbursed = sum(int(r["amount"]) for r in mine if r["line"] == "rss" and r["county"] == code)
            assert counties[code]["allocated"] == allocated
            assert counties[code]["disbursed"] == disbursed
            assert counties[code]["remaining"] == allocated - disbursed
        pots = {p["id"]: p for p in doc["pots"]}
        jam = sum(int(r["amount"]) for r in mine if r["line"] == "jamstalldhet")
        assert pots["jamstalldhet"]["disbursed"] == jam
        assert pots["kvinnofrid"]["disbursed"] == sum(int(r["amount"]) for r in mine) - jam
        assert pots["total"]["disbursed"] == sum(int(r["amount"]) for r in mine)
        assert pots["total"]["remaining"] == 20_000_000 - pots["total"]["disbursed"]
        lines = {l["id"]: l["disbursed"] for l in doc["lines"]}
        assert lines["skola"] == sum(int(r["amount"]) for r in mine if r["line"] == "skola")
    # hand-computed too, for good measure
    y2019 = run("status", "2019", "--format", "json", "--ledger", ledger).json()
    assert {c["code"]: c["disbursed"] for c in y2019["counties"] if c["disbursed"]} == {"01": 600_000, "03": 300_000}
    assert {c["code"]: c["percent_used"] for c in y2019["counties"] if c["disbursed"]} == {"01": 100.0, "03": 75.0}
    y2018 = run("status", "2018", "--format", "json", "--ledger", ledger).json()
    assert {p["id"]: p["disbursed"] for p in y2018["pots"]} == {"kvinnofrid": 0, "jamstalldhet": 1_000_000, "total": 1_000_000}


def test_status_for_the_period(ledger):
    doc = run("status", "--format", "json", "--ledger", ledger).json()
    assert [y["year"] for y in doc["years"]] == [2018, 2019, 2020]
    period = doc["period"]
    assert (period["first_year"], period["last_year"]) == (2018, 2020)
    pots = {p["id"]: p for p in period["pots"]}
    assert pots["total"]["ceiling"] == 60_000_000
    assert pots["total"]["disbursed"] == sum(int(r["amount"]) for r in exported(ledger))
    counties = {c["code"]: c for c in period["counties"]}
    assert counties["03"]["allocated"] == 1_200_000 and counties["03"]["disbursed"] == 300_000


def test_status_csv_one_row_per_county_and_year(ledger):
    result = run("status", "--format", "csv", "--ledger", ledger)
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert len(rows) == 63 and list(rows[0]) == ["year", "code", "name", "allocated", "disbursed", "remaining", "percent_used"]
    row = next(r for r in rows if r["year"] == "2019" and r["code"] == "03")
    assert (row["allocated"], row["disbursed"], row["remaining"], row["percent_used"]) == ("400000", "300000", "100000", "75.0")


def test_status_table_bars_read_without_colour(ledger):
    result = run("status", "2019", "--ledger", ledger)
    assert result.exit_code == 0
    uppsala = next(line for line in result.stdout.splitlines() if "Uppsala" in line)
    assert "75.0 %" in uppsala and "███████████████░░░░░" in uppsala
    stockholm = next(line for line in result.stdout.splitlines() if "Stockholms" in line)
    assert "█" * 20 in stockholm and "░" not in stockholm
    assert "\x1b" not in result.stdout


def test_status_of_a_failing_ledger_warns_and_still_reports(ledger):
    ledger.write_text(ledger.read_text(encoding="utf-8").replace("amount = 600000", "amount = 700000"), encoding="utf-8")
    result = run("status", "2019", "--ledger", ledger)
    assert result.exit_code == 0
    assert result.stderr.startswith("warning:") and "fails `ledger check`" in result.stderr
    stockholm = next(line for line in result.stdout.splitlines() if "Stockholms" in line)
    assert "116.7 %" in stockholm and "!" in stockholm
    assert run("status", "2019", "--format", "json", "--ledger", ledger).json()["ledger_ok"] is False


def test_status_errors(ledger, tmp_path):
    assert_one_line_error(run("status", "2022", "--ledger", ledger), 2, "outside the agreement's period")
    assert_one_line_error(run("status", "--ledger", tmp_path / "nope.toml"), 2, "no such ledger file")


# --- export --------------------------------------------------------------------------------------


def test_export_csv_is_rfc4180_with_signed_amounts(ledger):
    raw = run("export", "--ledger", ledger).stdout
    assert raw.startswith("id,kind,date,year,line,county,recipient,amount,reference,note,reverses,hash,agreement,digest,source\r\n")
    rows = exported(ledger)
    assert [int(r["amount"]) for r in rows] == [600_000, 400_000, -100_000, 250_000, -250_000, 1_000_000, -20_000, 20_000, 300_000]
    assert sum(int(r["amount"]) for r in rows) == 2_200_000
    assert rows[4]["reverses"] == "4" and rows[0]["reverses"] == "" and rows[0]["recipient"] == ""
    assert [r["hash"] for r in rows] == [raw.table["hash"] for raw in read(ledger).raw]


def test_export_json_and_year_filter(ledger):
    doc = run("export", "--format", "json", "--year", "2018", "--ledger", ledger).json()
    assert [e["id"] for e in doc["entries"]] == [6, 7, 8]
    assert doc["entries"][0]["date"] == "2018-05-01" and doc["entries"][0]["county"] is None


def test_export_toml_is_the_ledgers_own_layout(ledger):
    import tomllib

    text = run("export", "--format", "toml", "--ledger", ledger).stdout
    assert [e["amount"] for e in tomllib.loads(text)["entry"]][:3] == [600_000, 400_000, 100_000]


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'quoted", "=HYPERLINK(\"http://evil\")", "''x", "plain", "a=b"],
)
def test_formula_cells_are_neutralised_and_restored(tmp_path, text):
    path = write_ledger(tmp_path / "l.toml", [draft(5, line="skola", recipient=text, reference=text, note=text)])
    row = exported(path)[0]
    for column in ("recipient", "reference", "note"):
        cell = row[column]
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
        assert cell == (("'" + text) if text.startswith(("=", "+", "-", "@", "\t", "\r", "'")) else text)
    # and the import gives back exactly the text
    target = tmp_path / "t"
    assert run("init", target).exit_code == 0
    csv_file = tmp_path / "e.csv"
    assert run("export", "--ledger", path, "--output", csv_file).exit_code == 0
    assert run("import", csv_file, "--ledger", target / "ledger.toml").exit_code == 0
    assert read(target / "ledger.toml").entries[0].note == text


def test_export_output_is_atomic_and_only_on_success(ledger, tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("old")
    assert run("export", "--ledger", ledger, "--output", out).exit_code == 0
    assert out.read_bytes().startswith(b"id,kind")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv")] == []
    broken = tmp_path / "broken.toml"
    broken.write_text("[[entry]\n")
    out2 = tmp_path / "never.csv"
    result = run("export", "--ledger", broken, "--output", out2)
    assert_one_line_error(result, 1, "not valid TOML", "nothing is exported", "--allow-damaged")
    assert not out2.exists()


def test_export_into_a_missing_folder(ledger, tmp_path):
    assert_one_line_error(run("export", "--ledger", ledger, "--output", tmp_path / "no" / "x.csv"), 2, "cannot write there")


# --- import --------------------------------------------------------------------------------------


def test_export_import_round_trip_is_exact(ledger, tmp_path):
    csv_file = tmp_path / "export.csv"
    assert run("export", "--ledger", ledger, "--output", csv_file).exit_code == 0
    target = tmp_path / "new"
    assert run("init", target, "--empty").exit_code == 0  # no terms entry of its own: ids and hashes as exported
    result = run("import", csv_file, "--ledger", target / "ledger.toml")
    assert result.exit_code == 0, result
    assert result.stdout.startswith("imported 9 entries (ids 1–9); head ")
    original = run("export", "--format", "json", "--ledger", ledger).stdout
    again = run("export", "--format", "json", "--ledger", target / "ledger.toml").stdout
    assert again == original
    assert run("check", "--ledger", target / "ledger.toml").exit_code == 0


def test_import_is_all_or_nothing_with_a_bad_row_in_the_middle(tmp_path):
    target = tmp_path / "t"
    assert run("init", target).exit_code == 0
    ledger = target / "ledger.toml"
    before = ledger.read_bytes()
    rows = ["kind,date,year,line,county,recipient,amount,reference,note"]
    rows += [f"disbursement,2019-04-01,2019,rss,{code},,100000,R-{code},ok" for code in ("01", "03", "04")]
    rows += ["disbursement,2019-04-01,2019,rss,05,,500000,R-05,too much"]  # line 5: over the allocation
    rows += [f"disbursement,2019-04-01,2019,rss,{code},,100000,R-{code},ok" for code in ("06", "07")]
    (tmp_path / "batch.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run("import", tmp_path / "batch.csv", "--ledger", ledger)
    assert_one_line_error(result, 1, "batch.csv:5", "rule allocation", "100 000 kr over its allocation")
    assert ledger.read_bytes() == before


def test_import_reports_every_malformed_row(tmp_path):
    target = tmp_path / "t"
    assert run("init", target).exit_code == 0
    ledger = target / "ledger.toml"
    before = ledger.read_bytes()
    (tmp_path / "bad.csv").write_text(
        "kind,date,year,line,county,recipient,amount,reference,note\n"
        "disbursement,2019-04-01,2019,rss,01,,100000,A,\n"
        "disbursement,2019-04-31,2019,rss,01,,100000,B,\n"
        "disbursement,2019-04-01,2019,rss,01,,1.5,C,\n"
        "\"disbursement\",2019-04-01,2019,rss,01,,100000,\"multi\nline\",\n"
        "payment,2019-04-01,2019,rss,01,,1,D,\n"
        "disbursement,2019-04-01,2019,rss,01,,-7,E,\n",
        encoding="utf-8",
    )
    result = run("import", tmp_path / "bad.csv", "--ledger", ledger)
    assert_one_line_error(result, 2, "bad.csv:3: date", "bad.csv:4: amount", "bad.csv:7: kind", "bad.csv:8: amount")
    assert len(result.stderr.strip().splitlines()) == 4
    assert ledger.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("", "empty file"),
        ("kind,date\n", "missing columns year, line, amount"),
        ("kind,date,year,line,amount,colour\n", "unknown column colour"),
        ("kind,date,year,line,amount\ndisbursement,2019-01-01,2019,rss\n", "4 cells where the header has 5"),
        ("kind,date,year,line,amount,county\ndisbursement,2019-01-01,2019,rss,5,99\n", "unknown county code '99'"),  # the message of `record --county 99`
    ],
)
def test_import_input_errors(tmp_path, content, words):
    assert run("init", tmp_path / "t").exit_code == 0
    ledger = tmp_path / "t" / "ledger.toml"
    before = ledger.read_bytes()
    (tmp_path / "in.csv").write_text(content, encoding="utf-8")
    assert_one_line_error(run("import", tmp_path / "in.csv", "--ledger", ledger), 2, words)
    assert ledger.read_bytes() == before


def test_import_missing_file_and_dry_run(tmp_path, ledger):
    assert_one_line_error(run("import", tmp_path / "none.csv", "--ledger", ledger), 2, "no such file")
    csv_file = tmp_path / "x.csv"
    csv_file.write_text("kind,date,year,line,amount,recipient,reference\ndisbursement,2019-05-01,2019,samverkan,10,SKL,NEW-1\n", encoding="utf-8")
    before = ledger.read_bytes()
    result = run("import", csv_file, "--dry-run", "--format", "json", "--ledger", ledger)
    assert result.exit_code == 0, result
    assert result.json() == {"imported": 1, "first_id": 10, "last_id": 10, "head": result.json()["head"], "recorded": False}
    assert ledger.read_bytes() == before


def test_import_reversal_sign_must_match_the_export(tmp_path, ledger):
    csv_file = tmp_path / "x.csv"
    csv_file.write_text("kind,date,year,line,amount,county,reverses\nreversal,2019-03-01,2019,rss,600000,01,1\n", encoding="utf-8")
    assert_one_line_error(run("import", csv_file, "--ledger", ledger), 2, "wrong sign for a reversal of a disbursement")
    csv_file.write_text("kind,date,year,line,amount,county,reverses\nreversal,2019-03-01,2019,rss,-600000,01,1\n", encoding="utf-8")
    assert run("import", csv_file, "--ledger", ledger).exit_code == 0


# --- schemas -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("allocate", ["allocate", "2019", "--format", "json"]),
        ("allocate", ["allocate", "--format", "json"]),
        ("check", ["check", "--format", "json"]),
        ("status", ["status", "2019", "--format", "json"]),
        ("status", ["status", "--format", "json"]),
        ("export", ["export", "--format", "json"]),
        ("export", ["list", "--format", "json"]),
    ],
)
def test_outputs_validate_against_their_schemas(ledger, name, args):
    schema = run("schema", name).json()
    jsonschema.Draft202012Validator.check_schema(schema)
    extra = ["--ledger", ledger] if args[0] != "allocate" else []
    document = run(*args, *extra).json()
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator, format_checker=jsonschema.FormatChecker())


def test_a_failing_check_validates_too(ledger):
    ledger.write_text(ledger.read_text(encoding="utf-8").replace("amount = 600000", "amount = 700000"), encoding="utf-8")
    document = run("check", "--format", "json", "--ledger", ledger).json()
    assert document["violations"]
    jsonschema.validate(document, run("schema", "check").json())


def test_schema_without_a_name_gives_all_and_a_wrong_name_is_exit_2():
    everything = run("schema").json()
    assert sorted(everything) == ["allocate", "amend", "check", "export", "import", "record", "status", "terms", "terms-history"]
    assert_one_line_error(run("schema", "ledger"), 2)
    bad = dict(run("allocate", "2019", "--format", "json").json(), total="9000000")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, everything["allocate"])


def test_import_cannot_write_what_check_would_reject(tmp_path, ledger):
    """A disbursement naming an entry it `reverses` is a fields problem for check, so import refuses it."""
    csv_file = tmp_path / "x.csv"
    csv_file.write_text("kind,date,year,line,amount,county,reverses,reference\ndisbursement,2019-03-01,2019,rss,5,04,1,Q-1\n", encoding="utf-8")
    before = ledger.read_bytes()
    assert_one_line_error(run("import", csv_file, "--ledger", ledger), 2, "x.csv:2", "only a reversal")
    assert ledger.read_bytes() == before
