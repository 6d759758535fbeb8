import csv
import io

import pytest

from conftest import assert_one_line_error, run
from kvinnofrid_ledger.allocation import allocate, allocate_period
from kvinnofrid_ledger.terms import load_terms

METROPOLITAN = {"01", "12", "14"}
# Derived by hand from the seed page: 18 counties at 400 000 and 3 metropolitan at 600 000.
YEAR_TOTAL = 18 * 400_000 + 3 * 600_000
assert YEAR_TOTAL == 9_000_000


def test_library_allocates_the_seed_figures():
    terms = load_terms()
    report = allocate(terms, 2019)
    assert report.total == YEAR_TOTAL
    assert [c.amount for c in report.counties if c.code in METROPOLITAN] == [600_000] * 3
    assert {c.amount for c in report.counties if c.code not in METROPOLITAN} == {400_000}
    assert len(report.counties) == 21
    pots = {p.id: p for p in report.pots}
    assert (pots["kvinnofrid"].ceiling, pots["kvinnofrid"].allocated, pots["kvinnofrid"].left) == (15_000_000, YEAR_TOTAL, 6_000_000)
    assert (pots["jamstalldhet"].allocated, pots["total"].left) == (0, 20_000_000 - YEAR_TOTAL)
    assert allocate_period(terms).total == 3 * YEAR_TOTAL


def test_allocate_json_for_a_year():
    result = run("allocate", "2019", "--format", "json")
    assert result.exit_code == 0, result
    doc = result.json()
    assert doc["year"] == 2019
    assert doc["total"] == YEAR_TOTAL
    codes = [c["code"] for c in doc["counties"]]
    assert codes == sorted(codes) and len(codes) == 21
    assert doc["counties"][0] == {"code": "01", "name": "Stockholms län", "metropolitan": True, "amount": 600_000}
    assert sum(c["amount"] for c in doc["counties"]) == doc["total"]
    assert result.stderr == ""


def test_allocate_json_for_the_period():
    doc = run("allocate", "--format", "json").json()
    assert [y["year"] for y in doc["years"]] == [2018, 2019, 2020]
    assert all(y["total"] == YEAR_TOTAL for y in doc["years"])
    assert doc["total"] == 27_000_000
    by_code = {c["code"]: c["amount"] for c in doc["counties"]}
    assert by_code["14"] == 3 * 600_000 and by_code["25"] == 3 * 400_000


@pytest.mark.parametrize("year", [None, "2020"])
def test_allocate_csv(year):
    args = ["allocate", "--format", "csv"] + ([year] if year else [])
    result = run(*args)
    assert result.exit_code == 0, result
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert list(rows[0]) == ["year", "code", "name", "metropolitan", "amount"]
    assert len(rows) == (21 if year else 63)
    assert {r["metropolitan"] for r in rows} == {"true", "false"}
    assert sum(int(r["amount"]) for r in rows) == (1 if year else 3) * YEAR_TOTAL
    assert all(r["metropolitan"] == ("true" if r["code"] in METROPOLITAN else "false") for r in rows)
    assert "\r\n" in result.stdout  # RFC 4180 line ends


def test_allocate_table_shows_amounts_with_space_separators():
    result = run("allocate", "2019")
    assert result.exit_code == 0, result
    assert "9 000 000" in result.stdout and "600 000" in result.stdout
    assert "Västra Götalands län" in result.stdout
    assert "6 000 000" in result.stdout  # kvinnofrid left for other lines
    assert "\x1b" not in result.stdout  # piped: no control codes


def test_allocate_table_for_the_period_has_a_column_per_year():
    result = run("allocate")
    assert result.exit_code == 0, result
    header = next(line for line in result.stdout.splitlines() if "County" in line)
    assert all(word in header for word in ("2018", "2019", "2020", "Period"))
    assert "27 000 000" in result.stdout


@pytest.mark.parametrize("year", ["2017", "2021"])
def test_year_outside_the_period(year):
    assert_one_line_error(run("allocate", year), 2, "2018–2020", year)


@pytest.mark.parametrize("args", [["allocate", "twenty"], ["allocate", "--format", "xml"], ["allocat"], ["allocate", "2019", "2020"]])
def test_usage_errors_are_one_line(args):
    assert_one_line_error(run(*args), 2)


def test_on_top_reading_is_data(data_dir):
    path = data_dir / "agreement.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('metropolitan_reading = "instead"', 'metropolitan_reading = "on-top"'), encoding="utf-8")
    doc = run("allocate", "2018", "--format", "json", "--data-dir", data_dir).json()
    assert doc["total"] == 18 * 400_000 + 3 * (400_000 + 600_000)
    assert doc["counties"][0]["amount"] == 1_000_000


def test_amendments_change_one_year_only(data_dir):
    path = data_dir / "agreement.toml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\n[[amendment]]\nyear = 2019\nsource = 'test'\nceilings = { total = 25_000_000, kvinnofrid = 20_000_000 }\n"
        + "allocation = { county = 450_000, counties = { \"09\" = 100_000 } }\n",
        encoding="utf-8",
    )
    y2019 = run("allocate", "2019", "--format", "json", "--data-dir", data_dir).json()
    y2020 = run("allocate", "2020", "--format", "json", "--data-dir", data_dir).json()
    assert y2019["total"] == 17 * 450_000 + 100_000 + 3 * 600_000
    assert y2020["total"] == YEAR_TOTAL
    pots = {p["id"]: p for p in y2019["pots"]}
    assert pots["kvinnofrid"]["ceiling"] == 20_000_000 and pots["total"]["ceiling"] == 25_000_000
    terms = run("terms", "--format", "json", "--data-dir", data_dir).json()
    assert [y["ceilings"]["total"] for y in terms["years"]] == [20_000_000, 25_000_000, 20_000_000]


def test_data_dir_from_the_environment(data_dir):
    path = data_dir / "agreement.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("county = 400_000", "county = 300_000"), encoding="utf-8")
    result = run("allocate", "2018", "--format", "json", env={"KVINNOFRID_LEDGER_DATA": str(data_dir)})
    assert result.json()["total"] == 18 * 300_000 + 3 * 600_000


def test_terms_table_and_json():
    table = run("terms")
    assert table.exit_code == 0 and "2018–2020" in table.stdout and "15 000 000" in table.stdout
    doc = run("terms", "--format", "json").json()
    assert doc["period"] == {"first_year": 2018, "last_year": 2020, "first_payment_date": "2018-01-01", "final_payment_date": "2020-12-31"}
    assert [line["id"] for line in doc["lines"]] == ["rss", "samverkan", "uppfoljning", "socialtjanst", "halso-sjukvard", "skola", "jamstalldhet"]
    assert {line["pot"] for line in doc["lines"] if line["id"] != "jamstalldhet"} == {"kvinnofrid"}
    assert doc["allocation"]["metropolitan_reading"] == "instead"
    assert len(doc["counties"]) == 21
