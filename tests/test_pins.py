"""The terms travel with the ledger: found beside it, pinned in its chain by terms entries, and
changed only by `ledger amend` (issue 9)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import assert_one_line_error, run
from kvinnofrid_ledger.checks import run_checks
from kvinnofrid_ledger.errors import UserError
from kvinnofrid_ledger.ledger_text import _fast_parse, _reference_parse, entry_toml
from kvinnofrid_ledger.terms import load_terms, shipped_data_dir, terms_digest
from ledgerkit import draft, read, write_ledger

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
SHIPPED = load_terms()

# SKR's restated figures (SKR's pages of December 2019 and March 2021), as [[amendment]] data.
SKR_RESTATED = '''
[[amendment]]
year = 2018
source = "SKR, December 2019: 25 MSEK for 2018, 20 of them for kvinnofrid"
ceilings = { total = 25_000_000, kvinnofrid = 20_000_000 }

[[amendment]]
year = 2019
source = "SKR, December 2019: 25 MSEK for 2019, 20 of them for kvinnofrid"
ceilings = { total = 25_000_000, kvinnofrid = 20_000_000 }

[[amendment]]
year = 2020
source = "SKR, March 2021: 28 MSEK for 2020"
ceilings = { total = 28_000_000, kvinnofrid = 21_500_000, jamstalldhet = 6_500_000 }
'''


@pytest.fixture
def project(tmp_path) -> Path:
    """A folder as a new user makes it: `ledger init` with the terms entry dated 2018-01-10."""
    folder = tmp_path / "project"
    result = run("init", folder, "--date", "2018-01-10", "--source", "Regeringsbeslut S2018/01234")
    assert result.exit_code == 0, result
    return folder


def ledger_of(folder: Path) -> Path:
    return folder / "ledger.toml"


def append_terms(folder: Path, text: str) -> None:
    agreement = folder / "agreement.toml"
    agreement.write_text(agreement.read_text(encoding="utf-8") + text, encoding="utf-8")


def record(folder: Path, *args: str, data_dir=None):
    extra = ["--data-dir", data_dir] if data_dir else []
    return run("record", "--ledger", ledger_of(folder), *args, *extra)


def ceilings(status_doc: dict) -> dict[int, dict[str, int]]:
    return {year["year"]: {pot["id"]: pot["ceiling"] for pot in year["pots"]} for year in status_doc["years"]}


def unchanged_after(path: Path, result, status: int, *words: str, before: bytes) -> None:
    """The refusal contract: exit status, only `error:` lines, and the ledger byte for byte as it was."""
    assert_one_line_error(result, status, *words)
    assert path.read_bytes() == before


# --- found beside the ledger ---------------------------------------------------------------------


def test_an_edit_beside_the_ledger_is_refused_by_check_until_amended(project):
    ledger = ledger_of(project)
    assert record(project, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "600000").exit_code == 0
    assert run("check", "--ledger", ledger).exit_code == 0
    pinned = read(ledger).pins[0].digest
    append_terms(project, SKR_RESTATED)
    edited = load_terms(project).digest
    result = run("check", "--ledger", ledger)
    assert result.exit_code == 1
    problem = next(line for line in result.stdout.splitlines() if "[terms]" in line)
    assert problem.startswith(f"{ledger}:7: entry 1: [terms]")
    assert edited in problem and pinned in problem and "agreement.toml" in problem and "counties.toml" in problem
    assert "ledger amend" in problem
    amended = run("amend", "--source", "SKR, December 2019 and March 2021", "--date", "2021-03-15", "--ledger", ledger)
    assert amended.exit_code == 0, amended
    pin = read(ledger).pins[-1]
    assert amended.stdout == f"pinned the terms as entry 3: digest {edited}; hash {pin.hash}\n"
    assert (pin.id, str(pin.date), pin.digest, pin.source) == (3, "2021-03-15", edited, "SKR, December 2019 and March 2021")
    assert run("check", "--ledger", ledger).exit_code == 0


def test_after_amend_status_shows_skrs_ceilings_for_exactly_the_years_named(project):
    append_terms(project, SKR_RESTATED)
    assert run("amend", "--source", "SKR", "--ledger", ledger_of(project)).exit_code == 0
    result = run("status", "--format", "json", "--ledger", ledger_of(project))
    assert result.exit_code == 0, result
    assert ceilings(result.json()) == {
        2018: {"kvinnofrid": 20_000_000, "jamstalldhet": 5_000_000, "total": 25_000_000},
        2019: {"kvinnofrid": 20_000_000, "jamstalldhet": 5_000_000, "total": 25_000_000},
        2020: {"kvinnofrid": 21_500_000, "jamstalldhet": 6_500_000, "total": 28_000_000},
    }
    table = run("status", "2020", "--ledger", ledger_of(project)).stdout
    assert re.search(r"kvinnofrid\s+21 500 000", table) and re.search(r"total\s+28 000 000", table)


def test_an_amendment_for_one_year_leaves_the_other_years_as_they_were(project):
    append_terms(project, SKR_RESTATED.split("[[amendment]]")[0] + "[[amendment]]" + SKR_RESTATED.split("[[amendment]]")[2])
    assert run("amend", "--source", "SKR, December 2019", "--ledger", ledger_of(project)).exit_code == 0
    by_year = ceilings(run("status", "--format", "json", "--ledger", ledger_of(project)).json())
    assert by_year[2019]["total"] == 25_000_000
    assert by_year[2018] == by_year[2020] == {"kvinnofrid": 15_000_000, "jamstalldhet": 5_000_000, "total": 20_000_000}
    # and what the amendment allows is allowed for that year only
    assert record(project, "--date", "2019-05-01", "--line", "samverkan", "--recipient", "SKR", "--amount", "20000000").exit_code == 0
    result = record(project, "--date", "2018-05-01", "--line", "samverkan", "--recipient", "SKR", "--amount", "15000001")
    assert_one_line_error(result, 1, "rule ceiling", "15 000 000 kr")


def test_allocate_and_terms_read_the_terms_beside_the_default_ledger(project):
    append_terms(project, '\n[[amendment]]\nyear = 2019\nsource = "test"\nallocation = { counties = { "09" = 450_000 } }\n')
    gotland = {c["code"]: c["amount"] for c in run("allocate", "2019", "--format", "json", "--ledger", ledger_of(project)).json()["counties"]}["09"]
    assert gotland == 450_000
    assert {c["code"]: c["amount"] for c in run("allocate", "2019", "--format", "json").json()["counties"]}["09"] == 400_000
    doc = run("terms", "--format", "json", "--ledger", ledger_of(project)).json()
    assert (doc["found"], doc["digest"]) == ("beside-ledger", load_terms(project).digest)
    table = run("terms", env={"KVINNOFRID_LEDGER_FILE": str(ledger_of(project))}).stdout
    assert "found beside the ledger" in table and load_terms(project).digest in table


def test_precedence_data_dir_then_beside_the_ledger_then_shipped(project, data_dir, tmp_path):
    ledger = ledger_of(project)
    found = lambda *args, env=None: run("check", "--format", "json", "--ledger", ledger, *args, env=env).json()["terms"]  # noqa: E731
    assert found()["found"] == "beside-ledger" and found()["folder"] == str(project.resolve())
    assert found("--data-dir", data_dir)["found"] == "data-dir"
    assert found(env={"KVINNOFRID_LEDGER_DATA": str(data_dir)})["folder"] == str(data_dir.resolve())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(ledger, elsewhere / "ledger.toml")
    shipped = run("check", "--format", "json", "--ledger", elsewhere / "ledger.toml").json()["terms"]
    assert (shipped["found"], shipped["folder"]) == ("shipped", str(shipped_data_dir().resolve()))


def test_half_the_terms_beside_the_ledger_is_an_input_error(project):
    (project / "counties.toml").unlink()
    before = ledger_of(project).read_bytes()
    for command in (["check"], ["status"], ["record", "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5"]):
        result = run(*command, "--ledger", ledger_of(project))
        unchanged_after(ledger_of(project), result, 2, "agreement.toml", "without counties.toml", before=before)


# --- check judges by the pinned terms --------------------------------------------------------------


def test_looser_terms_through_data_dir_fail_check_with_rule_terms(project, data_dir):
    ledger = ledger_of(project)
    assert record(project, "--date", "2019-03-01", "--line", "samverkan", "--recipient", "SKR", "--amount", "15000000").exit_code == 0
    looser = data_dir / "agreement.toml"
    looser.write_text(looser.read_text(encoding="utf-8").replace("kvinnofrid = 15_000_000", "kvinnofrid = 16_000_000"), encoding="utf-8")
    result = run("check", "--format", "json", "--ledger", ledger, "--data-dir", data_dir)
    assert result.exit_code == 1
    doc = result.json()
    (violation,) = doc["violations"]
    assert (violation["rule"], violation["entry"], violation["line"]) == ("terms", 1, 7)
    assert str(data_dir / "agreement.toml") in violation["message"]
    assert doc["terms"] == {"folder": str(data_dir.resolve()), "found": "data-dir", "digest": load_terms(data_dir).digest,
                            "pinned": SHIPPED.digest, "pinned_by": 1}
    jsonschema.validate(doc, run("schema", "check").json(), cls=jsonschema.Draft202012Validator)
    text = run("check", "--ledger", ledger, "--data-dir", data_dir).stdout
    assert "NOT the pinned terms" in text and "FAILED: 1 problem" in text


@pytest.mark.parametrize("writer", ["record", "reverse", "import"])
def test_writers_refuse_under_terms_that_are_not_the_pinned_ones(project, data_dir, writer, tmp_path):
    ledger = ledger_of(project)
    assert record(project, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5").exit_code == 0
    looser = data_dir / "agreement.toml"
    looser.write_text(looser.read_text(encoding="utf-8").replace("total = 20_000_000", "total = 30_000_000"), encoding="utf-8")
    (tmp_path / "in.csv").write_text("kind,date,year,line,county,amount\ndisbursement,2019-04-01,2019,rss,03,5\n", encoding="utf-8")
    args = {
        "record": ["record", "--date", "2019-03-02", "--line", "rss", "--county", "03", "--amount", "5"],
        "reverse": ["reverse", "2", "--reason", "x"],
        "import": ["import", tmp_path / "in.csv"],
    }[writer]
    before = ledger.read_bytes()
    result = run(*args, "--ledger", ledger, "--data-dir", data_dir)
    unchanged_after(ledger, result, 1, "rule terms", SHIPPED.digest, "nothing was recorded", before=before)


def test_every_report_says_which_terms_it_used(project):
    ledger = ledger_of(project)
    assert record(project, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5").exit_code == 0
    used = {"folder": str(project.resolve()), "found": "beside-ledger", "digest": SHIPPED.digest, "pinned": SHIPPED.digest, "pinned_by": 1}
    for name, args in (("check", ["check"]), ("status", ["status", "2019"]), ("status", ["status"])):
        doc = run(*args, "--format", "json", "--ledger", ledger).json()
        assert doc["terms"] == used
        jsonschema.validate(doc, run("schema", name).json(), cls=jsonschema.Draft202012Validator, format_checker=jsonschema.FormatChecker())
    line = f"terms: {project.resolve()} (found beside the ledger); digest {SHIPPED.digest}; pinned by entry 1"
    assert line in run("check", "--ledger", ledger).stdout
    # the status table breaks the same line where an 80-column terminal needs it
    block = f"terms: {project.resolve()} (found beside the ledger)\n  digest {SHIPPED.digest}\n  pinned by entry 1\n"
    assert run("status", "--ledger", ledger).stdout.startswith(block)
    for args in (["export"], ["list"]):
        doc = run(*args, "--format", "json", "--ledger", ledger).json()
        assert [pin["digest"] for pin in doc["terms"]] == [SHIPPED.digest] and [e["id"] for e in doc["entries"]] == [2]
        jsonschema.validate(doc, run("schema", "export").json(), cls=jsonschema.Draft202012Validator, format_checker=jsonschema.FormatChecker())


# --- a ledger written before terms entries existed -----------------------------------------------------


def test_a_ledger_without_terms_entry_is_read_checked_with_a_warning_and_pinned_by_amend(tmp_path):
    ledger = write_ledger(tmp_path / "ledger.toml", [draft(600_000, county="01", reference="R-1")])
    result = run("check", "--ledger", ledger)
    assert result.exit_code == 0, result
    assert result.stderr.startswith("warning: ") and "pins no terms" in result.stderr and "ledger amend --source" in result.stderr
    assert run("check", "--format", "json", "--ledger", ledger).json()["terms"]["pinned"] is None
    assert run("record", "--ledger", ledger, "--date", "2019-04-01", "--line", "rss", "--county", "03", "--amount", "5").exit_code == 0
    pinned = run("amend", "--source", "the shipped terms, pinned on upgrading", "--date", "2020-01-02", "--ledger", ledger)
    assert pinned.exit_code == 0, pinned
    book = read(ledger)
    assert [e.id for e in book.entries] == [1, 2] and [(p.id, p.digest) for p in book.pins] == [(3, SHIPPED.digest)]
    again = run("check", "--ledger", ledger)
    assert again.exit_code == 0 and again.stderr == ""


# --- amend: what is refused ------------------------------------------------------------------------


AMEND_BAD_INPUT = [
    ([], None, "--source is required"),
    (["--source", "   "], None, "--source is empty"),
    (["--source", "SKR", "--date", "2021-02-30"], None, "is not a date"),
    (["--source", "SKR"], "total = 20_000_000.0", "ceilings.total: must be a whole number"),
    (["--source", "SKR"], "total = 20_000_000", "nothing to amend"),
]


@pytest.mark.parametrize(("args", "total", "words"), AMEND_BAD_INPUT)
def test_amend_bad_input_is_exit_2_and_writes_nothing(project, args, total, words):
    ledger = ledger_of(project)
    agreement = project / "agreement.toml"
    agreement.write_text(agreement.read_text(encoding="utf-8").replace("total = 20_000_000", total or "total = 21_000_000"), encoding="utf-8")
    before = ledger.read_bytes()
    unchanged_after(ledger, run("amend", *args, "--ledger", ledger), 2, words, before=before)


def test_amend_that_would_leave_spent_money_over_a_ceiling_is_refused(project):
    ledger = ledger_of(project)
    assert record(project, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "600000").exit_code == 0
    assert record(project, "--date", "2019-03-01", "--line", "samverkan", "--recipient", "SKR", "--amount", "14000000").exit_code == 0
    append_terms(project, '\n[[amendment]]\nyear = 2019\nsource = "lower"\nceilings = { kvinnofrid = 14_000_000 }\nallocation = { metropolitan = 500_000 }\n')
    before = ledger.read_bytes()
    result = run("amend", "--source", "a lower ceiling", "--ledger", ledger)
    unchanged_after(ledger, result, 1, "amendment refused: rule ceiling", "600 000 kr over the ceiling of 14 000 000 kr",
                    "amendment refused: rule allocation", "Stockholms län", before=before)
    assert len(result.stderr.splitlines()) == 2


def test_amend_refuses_a_damaged_record_and_dry_run_writes_nothing(project):
    ledger = ledger_of(project)
    append_terms(project, "\n# a comment changes no value, so it is no amendment\n")
    unchanged_after(ledger, run("amend", "--source", "x", "--ledger", ledger), 2, "nothing to amend", before=ledger.read_bytes())
    append_terms(project, SKR_RESTATED)
    before = ledger.read_bytes()
    dry = run("amend", "--source", "SKR", "--dry-run", "--format", "json", "--ledger", ledger)
    assert dry.exit_code == 0 and dry.json()["recorded"] is False and dry.json()["id"] == 2
    assert ledger.read_bytes() == before
    ledger.write_text(before.decode("utf-8").replace('source = "Regeringsbeslut', 'source = "Regeringsbesked'), encoding="utf-8")
    tampered = ledger.read_bytes()
    unchanged_after(ledger, run("amend", "--source", "SKR", "--ledger", ledger), 1, "amendment refused", "damaged record", before=tampered)


# --- amend --format json: a refusal is a document too, as for record and import ---------------------


AMEND_JSON_REFUSALS = [
    # (args, edit of agreement.toml, status, [(column, rule)])
    ([], "total = 21_000_000", 2, [("--source", "input")]),
    (["--source", " "], "total = 21_000_000", 2, [("--source", "input")]),
    (["--source", "SKR", "--date", "2021-02-30"], "total = 21_000_000", 2, [("--date", "input")]),
    (["--source", "SKR"], "total = 20_000_000", 2, [(None, "input")]),  # nothing to amend
    (["--source", "SKR"], "total = 20_000_000.0", 2, [(None, "input")]),  # terms that do not load
    (["--source", "SKR", "--date", "2018-01-09"], "total = 21_000_000", 1, [("--date", "terms")]),
    (["--source", "SKR", "--date", "2017-01-09"], "total = 21_000_000", 1, [("--date", "period")]),
    (["--source", "SKR"], "kvinnofrid = 15_000_000\n", 1, [(None, "ceiling"), (None, "allocation")]),
]


@pytest.mark.parametrize(("args", "total", "status", "problems"), AMEND_JSON_REFUSALS)
def test_amend_json_refusal_is_a_document_of_its_schema(project, args, total, status, problems):
    import jsonschema

    ledger = ledger_of(project)
    assert record(project, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "600000").exit_code == 0
    assert record(project, "--date", "2019-03-01", "--line", "samverkan", "--recipient", "SKR", "--amount", "14000000").exit_code == 0
    agreement = project / "agreement.toml"
    text = agreement.read_text(encoding="utf-8")
    if total.startswith("kvinnofrid"):  # 2019's kvinnofrid lowered below what is spent, and Stockholm's allocation
        text += '\n[[amendment]]\nyear = 2019\nsource = "lower"\nceilings = { kvinnofrid = 14_000_000 }\nallocation = { metropolitan = 500_000 }\n'
    else:
        text = text.replace("total = 20_000_000", total)
    agreement.write_text(text, encoding="utf-8")
    before = ledger.read_bytes()
    result = run("amend", *args, "--format", "json", "--ledger", ledger)
    unchanged_after(ledger, result, status, before=before)
    document = result.json()
    jsonschema.validate(document, run("schema", "amend").json(), cls=jsonschema.Draft202012Validator)
    assert document["ok"] is False
    assert sorted(((p["column"], p["rule"]) for p in document["problems"]), key=str) == sorted(problems, key=str)
    assert all(p["line"] is None for p in document["problems"])
    assert all(p["message"] in result.stderr for p in document["problems"])
    assert len(result.stderr.splitlines()) == len(problems)


@pytest.mark.parametrize("command", [
    ["record", "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5"], ["import", "rows.csv"], ["amend", "--source", "SKR"],
])
def test_json_refusal_under_terms_that_do_not_load_is_a_document_not_a_traceback(project, command):
    import jsonschema

    ledger = ledger_of(project)
    (project / "rows.csv").write_text("kind,date,year,line,county,amount\ndisbursement,2019-03-02,2019,rss,01,5\n", encoding="utf-8")
    agreement = project / "agreement.toml"
    agreement.write_text(agreement.read_text(encoding="utf-8").replace("total = 20_000_000", "total = 20_000_000.0"), encoding="utf-8")
    before = ledger.read_bytes()
    command = [str(project / part) if part == "rows.csv" else part for part in command]
    result = run(*command, "--format", "json", "--ledger", ledger)
    unchanged_after(ledger, result, 2, "ceilings.total: must be a whole number", before=before)
    problems = result.json()["problems"]
    assert [(p["line"], p["column"], p["rule"]) for p in problems] == [(None, None, "input")] * len(result.stderr.splitlines())
    jsonschema.validate(result.json(), run("schema", command[0]).json(), cls=jsonschema.Draft202012Validator)


def test_amend_json_success_follows_the_same_schema(project):
    import jsonschema

    append_terms(project, SKR_RESTATED)
    result = run("amend", "--source", "SKR", "--format", "json", "--ledger", ledger_of(project))
    assert result.exit_code == 0 and result.json()["id"] == 2 and result.json()["recorded"] is True
    jsonschema.validate(result.json(), run("schema", "amend").json(), cls=jsonschema.Draft202012Validator)


# --- the dates of terms entries: from the period's first day on, in date order ---------------------


def test_init_refuses_a_terms_entry_dated_before_the_period_and_writes_nothing(tmp_path):
    result = run("init", tmp_path / "new", "--date", "2017-12-31", "--source", "SKL")
    assert_one_line_error(result, 1, "rule period", "dated 2017-12-31", "before the agreement's period 2018–2020 begins on 2018-01-01",
                          "give --date 2018-01-01 or later", "nothing was written")
    assert not (tmp_path / "new").exists()
    first_day = run("init", tmp_path / "ok", "--date", "2018-01-01", "--source", "SKL")
    assert first_day.exit_code == 0 and read(tmp_path / "ok" / "ledger.toml").pins[0].date.isoformat() == "2018-01-01"


def test_a_terms_entry_after_the_period_is_pinned_since_terms_are_restated_later(project):
    """SKR restated 2020's amounts in March 2021: the tour's amendment is dated then, and a
    ledger set up today pins its terms today, so the period's last day is no bound for a pin."""
    ledger = ledger_of(project)
    append_terms(project, SKR_RESTATED)
    assert run("amend", "--source", "SKR, March 2021", "--date", "2021-03-15", "--ledger", ledger).exit_code == 0
    assert run("check", "--ledger", ledger).exit_code == 0


@pytest.mark.parametrize(("date", "rule", "words"), [
    ("2017-06-30", "period", "before the agreement's period 2018–2020 begins on 2018-01-01, the earliest date of any entry the terms judge; give --date 2018-01-01 or later"),
    ("2018-01-09", "terms", "before the last terms entry, entry 1 of 2018-01-10; terms entries are in date order"),
])
def test_amend_refuses_a_date_before_the_period_or_the_last_terms_entry(project, date, rule, words):
    ledger = ledger_of(project)
    append_terms(project, SKR_RESTATED)
    before = ledger.read_bytes()
    result = run("amend", "--source", "SKR", "--date", date, "--ledger", ledger)
    unchanged_after(ledger, result, 1, f"amendment refused: rule {rule}: the terms entry would be dated {date}", words, before=before)
    assert len(result.stderr.splitlines()) == 1
    same_day = run("amend", "--source", "SKR", "--date", "2018-01-10", "--ledger", ledger)  # the last pin's own day is in order
    assert same_day.exit_code == 0, same_day
    assert [pin.date.isoformat() for pin in read(ledger).pins] == ["2018-01-10", "2018-01-10"]


# --- the terms entry in the file, the verifiers, list and history ------------------------------------


def test_readme_verifier_and_digest_recipe_hold_for_terms_entries(project, tmp_path):
    ledger = ledger_of(project)
    assert record(project, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5").exit_code == 0
    append_terms(project, SKR_RESTATED)
    assert run("amend", "--source", "SKR \"restated\" \\ ä", "--ledger", ledger).exit_code == 0
    verifier = tmp_path / "verify.py"
    verifier.write_text(re.search(r"```python\n(import hashlib.*?)```", README, re.S).group(1), encoding="utf-8")
    out = subprocess.run([sys.executable, str(verifier), str(ledger)], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"head {read(ledger).head}", out
    recipe = tmp_path / "digest.py"
    recipe.write_text(re.search(r"```python\n(# The digest of the terms.*?)```", README, re.S).group(1), encoding="utf-8")
    out = subprocess.run([sys.executable, str(recipe), str(project)], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == read(ledger).pins[-1].digest, out


def test_the_digest_covers_every_value_and_nothing_else(data_dir):
    agreement = data_dir / "agreement.toml"
    original = agreement.read_text(encoding="utf-8")
    assert load_terms(data_dir).digest == SHIPPED.digest
    agreement.write_bytes(("# another comment\n" + original).replace("\n", "\r\n").encode("utf-8"))
    assert load_terms(data_dir).digest == SHIPPED.digest  # comments and line ends change no verdict
    agreement.write_text(original.replace("county = 400_000", "county = 400_001"), encoding="utf-8")
    assert load_terms(data_dir).digest != SHIPPED.digest
    counties = data_dir / "counties.toml"
    agreement.write_text(original, encoding="utf-8")
    counties.write_text(counties.read_text(encoding="utf-8").replace('name = "Gotlands län"', 'name = "Gotland"'), encoding="utf-8")
    assert load_terms(data_dir).digest != SHIPPED.digest
    raw = tomllib.loads(original), tomllib.loads((shipped_data_dir() / "counties.toml").read_text(encoding="utf-8"))
    assert terms_digest(*raw) == SHIPPED.digest


def test_list_and_history_show_the_terms_entries(project):
    ledger = ledger_of(project)
    assert record(project, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5").exit_code == 0
    append_terms(project, SKR_RESTATED)
    assert run("amend", "--source", "SKR, March 2021", "--date", "2021-03-15", "--ledger", ledger).exit_code == 0
    listing = run("list", "--ledger", ledger).stdout
    rows = [line.split() for line in listing.splitlines() if re.match(r"\s+\d+\s+\d{4}-", line)]
    assert [(row[0], row[2]) for row in rows] == [("1", "terms"), ("2", "2019"), ("3", "terms")]
    history = run("terms", "--history", "--format", "json", "--ledger", ledger)
    assert history.exit_code == 0, history
    doc = history.json()
    assert doc["in_force"] == load_terms(project).digest
    assert [(p["id"], p["date"], p["source"]) for p in doc["terms"]] == [(1, "2018-01-10", "Regeringsbeslut S2018/01234"), (3, "2021-03-15", "SKR, March 2021")]
    assert [p["digest"] for p in doc["terms"]] == [SHIPPED.digest, doc["in_force"]]
    schema = run("schema", "terms-history").json()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator, format_checker=jsonschema.FormatChecker())
    table = run("terms", "--history", "--ledger", ledger).stdout
    assert "SKR, March 2021" in table and "yes" in table
    assert_one_line_error(run("terms", "--history", "--ledger", project / "none.toml"), 2, "no such ledger file")


def test_a_malformed_terms_entry_is_a_fields_problem(project):
    ledger = ledger_of(project)
    ledger.write_text(ledger.read_text(encoding="utf-8").replace('digest = "', 'digest = "x'), encoding="utf-8")
    rules = {v["rule"] for v in run("check", "--format", "json", "--ledger", ledger).json()["violations"]}
    assert "fields" in rules
    before = ledger.read_bytes()
    unchanged_after(ledger, record(project, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5"), 1, "damaged record", before=before)


# --- exports and the round trip -----------------------------------------------------------------------


def test_exports_carry_the_terms_entries_and_round_trip_exactly(project, tmp_path):
    ledger = ledger_of(project)
    assert record(project, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "600000", "--reference", "=R-1").exit_code == 0
    append_terms(project, SKR_RESTATED)
    assert run("amend", "--source", "=SKR, March 2021", "--date", "2021-03-15", "--ledger", ledger).exit_code == 0
    assert record(project, "--date", "2019-06-01", "--line", "samverkan", "--recipient", "SKR", "--amount", "19400000").exit_code == 0
    csv_text = run("export", "--ledger", ledger).stdout
    rows = list(csv.DictReader(io.StringIO(csv_text, newline="")))
    assert [(r["id"], r["kind"]) for r in rows] == [("1", "terms"), ("2", "disbursement"), ("3", "terms"), ("4", "disbursement")]
    assert rows[2]["source"] == "'=SKR, March 2021" and rows[2]["amount"] == "" and rows[1]["digest"] == ""
    toml_doc = tomllib.loads(run("export", "--format", "toml", "--ledger", ledger).stdout)
    assert [e["kind"] for e in toml_doc["entry"]] == ["terms", "disbursement", "terms", "disbursement"]
    assert toml_doc["entry"] == tomllib.loads(ledger.read_text(encoding="utf-8"))["entry"]
    assert [(r["id"], r["kind"]) for r in csv.DictReader(io.StringIO(run("export", "--year", "2020", "--ledger", ledger).stdout))] == [("1", "terms"), ("3", "terms")]
    # into a fresh folder holding the same terms, and a ledger with no entry of its own
    (tmp_path / "export.csv").write_text(csv_text, encoding="utf-8", newline="")
    copy = tmp_path / "copy"
    assert run("init", copy, "--empty", "--data-dir", project).exit_code == 0
    assert ledger_of(copy).read_text(encoding="utf-8").count("[[entry]]") == 0
    result = run("import", tmp_path / "export.csv", "--ledger", ledger_of(copy))
    assert result.exit_code == 0, result
    assert result.stdout == f"imported 4 entries (ids 1–4); head {read(ledger).head}\n"
    assert run("export", "--format", "json", "--ledger", ledger_of(copy)).stdout == run("export", "--format", "json", "--ledger", ledger).stdout
    assert run("check", "--ledger", ledger_of(copy)).exit_code == 0
    assert ledger_of(copy).read_bytes().split(b"\n\n", 1)[1] == ledger.read_bytes().split(b"\n\n", 1)[1]


@pytest.mark.parametrize(
    ("row", "status", "words"),
    [
        ("1,terms,2019-01-01,,,,,,,,,,Ö,xyz,S", 2, "digest: 'xyz' is not a SHA-256"),
        ("1,terms,2019-01-01,2019,,,,,,,,,Ö,{digest},S", 2, "year: a terms row leaves it empty"),
        ("1,terms,2019-01-01,,,,,,,,,,Ö,{digest},", 2, "source: is empty"),
        ("1,disbursement,2019-01-01,2019,rss,01,,5,,,,,,{digest},", 2, "only a terms row fills"),
        ("1,terms,2019-01-01,,,,,,,,,,Ö,{other},S", 1, "rule terms"),
    ],
)
def test_import_of_bad_terms_rows(project, tmp_path, row, status, words):
    header = "id,kind,date,year,line,county,recipient,amount,reference,note,reverses,hash,agreement,digest,source"
    (tmp_path / "in.csv").write_text(header + "\n" + row.format(digest=SHIPPED.digest, other="ab" * 32) + "\n", encoding="utf-8")
    ledger = ledger_of(project)
    before = ledger.read_bytes()
    unchanged_after(ledger, run("import", tmp_path / "in.csv", "--ledger", ledger), status, words, before=before)


# --- an export's terms rows imported into a ledger that pins terms already -----------------------------


def _exported(folder: Path, tmp_path: Path, name: str, *args: str) -> Path:
    out = tmp_path / name
    assert run("export", *args, "--output", out, "--ledger", ledger_of(folder)).exit_code == 0
    return out


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_an_exported_pin_of_the_terms_in_force_is_not_imported_again(project, tmp_path, format):
    source = tmp_path / "source"
    assert run("init", source, "--date", "2018-02-01", "--source", "another copy of the shipped terms").exit_code == 0
    assert record(source, "--date", "2019-03-01", "--line", "rss", "--county", "12", "--amount", "600000", "--reference", "S-1").exit_code == 0
    exported = _exported(source, tmp_path, f"source.{format}", "--format", format)
    ledger = ledger_of(project)
    assert record(project, "--date", "2019-03-01", "--line", "rss", "--county", "03", "--amount", "400000", "--reference", "P-1").exit_code == 0
    result = run("import", exported, "--ledger", ledger)
    assert result.exit_code == 0, result
    assert result.stdout.startswith("imported 1 entry (ids 3–3)")
    assert "is no change of terms; it was left out" in result.stderr and "entry 1, digest " + SHIPPED.digest in result.stderr
    book = read(ledger)
    assert [pin.id for pin in book.pins] == [1] and [(e.id, e.reference) for e in book.entries] == [(2, "P-1"), (3, "S-1")]
    assert run("check", "--ledger", ledger).exit_code == 0
    again = run("import", exported, "--dry-run", "--format", "json", "--ledger", ledger)  # the pin left out again; the row refused
    assert again.exit_code == 1 and [(p["line"], p["rule"]) for p in again.json()["problems"]] == [(3, "reference"), (3, "allocation")]


def test_an_exported_pin_of_other_terms_is_refused_naming_its_row(project, tmp_path):
    source = tmp_path / "source"
    assert run("init", source, "--date", "2018-02-01", "--source", "S").exit_code == 0
    append_terms(source, SKR_RESTATED)
    assert run("amend", "--source", "SKR", "--date", "2021-03-15", "--ledger", ledger_of(source)).exit_code == 0
    assert record(source, "--date", "2019-03-01", "--line", "rss", "--county", "12", "--amount", "600000").exit_code == 0
    exported = _exported(source, tmp_path, "source.csv")
    amended = load_terms(source).digest
    ledger = ledger_of(project)
    before = ledger.read_bytes()
    result = run("import", exported, "--ledger", ledger)
    unchanged_after(ledger, result, 1, f"source.csv:3: rule terms: a terms row pinning other terms (digest {amended})",
                    f"(digest {SHIPPED.digest}, pinned by entry 1)", "leave the row out, or record new terms with `ledger amend`", before=before)
    assert len(result.stderr.splitlines()) == 1  # row 2, the pin of the terms in force, is left out: only row 3 is named
    document = run("import", exported, "--format", "json", "--ledger", ledger).json()
    assert [(p["line"], p["column"], p["rule"]) for p in document["problems"]] == [(3, "digest", "terms")]
    jsonschema.validate(document, run("schema", "import").json(), cls=jsonschema.Draft202012Validator)
    assert ledger.read_bytes() == before
    # without its terms rows the export's entries are judged by this ledger's terms, and go in
    rows = exported.read_text(encoding="utf-8").splitlines(keepends=True)
    exported.write_text("".join(row for row in rows if ",terms," not in row), encoding="utf-8", newline="")
    assert run("import", exported, "--ledger", ledger).exit_code == 0
    assert [pin.id for pin in read(ledger).pins] == [1] and run("check", "--ledger", ledger).exit_code == 0


# --- the fast reader reads terms entries as tomllib does ------------------------------------------------

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
pins = st.fixed_dictionaries({"id": st.integers(0, 10**6), "kind": st.just("terms"), "date": st.dates(), "agreement": texts,
                              "digest": texts, "source": texts, "hash": texts})
money = st.fixed_dictionaries({"id": st.integers(0, 10**6), "kind": texts, "date": st.dates(), "year": st.integers(0, 9999), "line": texts,
                               "amount": st.integers(0, 10**12), "reference": texts, "note": texts, "hash": texts})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(pins, money), max_size=6))
def test_fast_reader_reads_terms_entries_as_tomllib_does(tables):
    text = "".join(entry_toml(table) for table in tables)
    fast = _fast_parse(text)
    assert fast is not None, "the writer's own layout must take the fast path"
    assert [raw.table for raw in fast] == tomllib.loads(text).get("entry", [])
    assert [raw.lineno for raw in fast] == [raw.lineno for raw in _reference_parse(text)[0]]


def test_import_json_lines_of_the_terms_entry_do_not_break_schema_of_list_for_an_unpinned_ledger(tmp_path):
    ledger = write_ledger(tmp_path / "ledger.toml", [draft(5)])
    doc = run("list", "--format", "json", "--ledger", ledger).json()
    assert doc["terms"] == []
    jsonschema.validate(doc, run("schema", "export").json(), cls=jsonschema.Draft202012Validator)
    assert json.loads(run("export", "--format", "json", "--ledger", ledger).stdout)["terms"] == []


@pytest.mark.parametrize(("args", "words"), [(["--date", "2018-02-30"], "is not a date"), (["--source", " "], "--source is empty")])
def test_init_with_a_bad_date_or_source_writes_nothing(tmp_path, args, words):
    assert_one_line_error(run("init", tmp_path / "new", *args), 2, words)
    assert not (tmp_path / "new").exists()


# --- property: an amendment is accepted exactly when every year's spending fits under it ------------

SPENT = {2018: 3_000_000, 2019: 14_000_000, 2020: 9_000_000}  # on samverkan, a kvinnofrid line


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.sampled_from([2018, 2019, 2020]), st.sampled_from([2_999_999, 3_000_000, 9_000_000, 13_999_999, 14_000_000, 16_000_000]), max_size=3))
def test_amend_is_accepted_exactly_when_the_spent_money_fits_every_year(kvinnofrid_by_year):
    import tempfile

    from kvinnofrid_ledger.errors import RuleBroken
    from kvinnofrid_ledger.pins import amend_terms
    from kvinnofrid_ledger.record import append_drafts
    from kvinnofrid_ledger.terms import terms_from_data

    raw_agreement = tomllib.loads((shipped_data_dir() / "agreement.toml").read_text(encoding="utf-8"))
    raw_counties = tomllib.loads((shipped_data_dir() / "counties.toml").read_text(encoding="utf-8"))
    raw_agreement["amendment"] = [{"year": year, "source": "test", "ceilings": {"kvinnofrid": amount}} for year, amount in kvinnofrid_by_year.items()]
    try:
        amended = terms_from_data(raw_agreement, raw_counties)
    except UserError:  # an RSS plan of 9 000 000 that no longer fits the pot: not valid terms at all
        assert any(amount < 9_000_000 for amount in kvinnofrid_by_year.values())
        return
    fits = all(SPENT[year] <= amended.years[year].ceilings["kvinnofrid"] for year in SPENT)
    with tempfile.TemporaryDirectory() as folder:
        ledger = Path(folder) / "ledger.toml"
        write_ledger(ledger, [])
        amend_terms(ledger, SHIPPED, "pinned", None)
        append_drafts(ledger, SHIPPED, lambda _l: [draft(amount, line="samverkan", recipient="SKR", date=f"{year}-05-01") for year, amount in SPENT.items()])
        before = ledger.read_bytes()
        try:
            amend_terms(ledger, amended, "amended", None)
            accepted = True
        except RuleBroken:
            accepted = False
        assert accepted == fits
        if accepted:
            assert read(ledger).pins[-1].digest == amended.digest and run_checks(read(ledger), amended) == []
        else:
            assert ledger.read_bytes() == before


# --- an import is no way around the dates init and amend keep ------------------------------------

TERMS_HEADER = "id,kind,date,year,line,county,recipient,amount,reference,note,reverses,hash,agreement,digest,source"


@pytest.mark.parametrize(
    ("dates", "rule", "words"),
    [
        (["2015-01-01"], "period", "a terms row dated 2015-01-01, before the agreement's period begins on 2018-01-01"),
        (["2019-06-01", "2018-03-01"], "terms", "a terms row dated 2018-03-01, before the terms row before it, of 2019-06-01"),
    ],
)
def test_terms_rows_imported_into_an_empty_ledger_keep_the_dates_amend_keeps(tmp_path, dates, rule, words):
    folder = tmp_path / "empty"
    assert run("init", folder, "--empty").exit_code == 0
    rows = [f"{i},terms,{day},,,,,,,,,,Ö,{SHIPPED.digest},S{i}" for i, day in enumerate(dates, 1)]
    (tmp_path / "in.csv").write_text(TERMS_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    ledger = ledger_of(folder)
    before = ledger.read_bytes()
    result = run("import", tmp_path / "in.csv", "--ledger", ledger)
    unchanged_after(ledger, result, 1, f"in.csv:{len(dates) + 1}: rule {rule}: {words}", before=before)
    doc = run("import", tmp_path / "in.csv", "--ledger", ledger, "--format", "json").json()
    assert [(p["line"], p["column"], p["rule"]) for p in doc["problems"]] == [(len(dates) + 1, "date", rule)]
    assert ledger.read_bytes() == before


def test_terms_rows_in_date_order_from_the_periods_first_day_are_imported(tmp_path):
    folder = tmp_path / "empty"
    assert run("init", folder, "--empty").exit_code == 0
    rows = [f"1,terms,2018-01-01,,,,,,,,,,Ö,{SHIPPED.digest},S1", f"2,terms,2018-01-01,,,,,,,,,,Ö,{SHIPPED.digest},S2"]
    (tmp_path / "in.csv").write_text(TERMS_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = run("import", tmp_path / "in.csv", "--ledger", ledger_of(folder))
    assert result.exit_code == 0, result
    assert [pin.date.isoformat() for pin in read(ledger_of(folder)).pins] == ["2018-01-01", "2018-01-01"]


@pytest.mark.parametrize("args", [["--date", "2019-01-01"], ["--source", "x"]])
def test_init_empty_takes_no_date_or_source(tmp_path, args):
    assert_one_line_error(run("init", tmp_path / "new", "--empty", *args), 2, "--empty writes no terms entry")
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("format", ["csv", "json", "toml"])
def test_export_of_a_year_outside_the_period_is_refused_in_every_format(project, format):
    result = run("export", "--format", format, "--year", "2021", "--ledger", ledger_of(project))
    assert_one_line_error(result, 2, "year 2021 is outside the agreement's period")
    assert result.stdout == ""
