"""`ledger record` and `ledger reverse` through the CLI: what is written, and what is refused."""

import pytest

from conftest import assert_one_line_error, run
from ledgerkit import read


@pytest.fixture
def ledger(tmp_path):
    """A ledger as `ledger init` writes it: entry 1 pins the terms, so money entries start at 2."""
    path = tmp_path / "ledger.toml"
    assert run("init", tmp_path).exit_code == 0
    return path


def amend(ledger, data_dir):
    """Pin edited terms, as a user must before recording under them."""
    result = run("amend", "--source", "test terms", "--ledger", ledger, "--data-dir", data_dir)
    assert result.exit_code == 0, result


def rec(ledger, *args, data_dir=None):
    extra = ["--data-dir", data_dir] if data_dir else []
    return run("record", "--ledger", ledger, *args, *extra)


def test_record_an_rss_disbursement(ledger):
    result = rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "600 000 kr", "--reference", "R-1", "--note", "first")
    assert result.exit_code == 0, result
    entries = read(ledger).entries
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.id, entry.kind, entry.year, entry.county, entry.amount, entry.reference, entry.note) == (2, "disbursement", 2019, "01", 600_000, "R-1", "first")
    assert result.stdout == f"recorded entry 2: hash {entry.hash}\n"
    assert run("check", "--ledger", ledger).exit_code == 0


def test_record_json_and_year_and_recipient(ledger):
    result = rec(ledger, "--date", "2019-12-20", "--year", "2020", "--line", "skola", "--recipient", "Lunds kommun", "--amount", "50000", "--format", "json")
    assert result.exit_code == 0, result
    entry = read(ledger).entries[0]
    assert result.json() == {"id": 2, "hash": entry.hash, "recorded": True}
    assert (entry.year, entry.recipient, entry.county) == (2020, "Lunds kommun", None)


@pytest.mark.parametrize(("name", "code"), [("Skåne", "12"), ("skane lan", "12"), ("STOCKHOLMS LÄN", "01"), ("gotland", "09"), ("1", "01"), ("västra götaland", "14")])
def test_county_by_name(ledger, name, code):
    assert rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", name, "--amount", "1").exit_code == 0
    assert read(ledger).entries[0].county == code


def test_repayment_reduces_the_net(ledger):
    assert rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "03", "--amount", "400000").exit_code == 0
    assert rec(ledger, "--date", "2019-06-01", "--line", "rss", "--county", "03", "--amount", "100000", "--kind", "repayment").exit_code == 0
    # 100 000 kr of the allocation is free again
    assert rec(ledger, "--date", "2019-07-01", "--line", "rss", "--county", "03", "--amount", "100000").exit_code == 0
    assert rec(ledger, "--date", "2019-07-01", "--line", "rss", "--county", "03", "--amount", "1").exit_code == 1


def test_dry_run_writes_nothing(ledger):
    before = ledger.read_bytes()
    result = rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "1", "--dry-run")
    assert result.exit_code == 0 and result.stdout.startswith("would record entry 2: hash ")
    assert ledger.read_bytes() == before


def test_a_year_of_requisitions_for_all_21_counties_then_one_krona_more(ledger):
    allocation = run("allocate", "2019", "--format", "json").json()
    for county in allocation["counties"]:
        result = rec(ledger, "--date", "2019-04-01", "--line", "rss", "--county", county["code"], "--amount", str(county["amount"]), "--reference", f"RSS-2019-{county['code']}")
        assert result.exit_code == 0, result
    assert run("check", "--ledger", ledger).exit_code == 0
    before = ledger.read_bytes()
    for code in ("01", "25"):
        result = rec(ledger, "--date", "2019-04-02", "--line", "rss", "--county", code, "--amount", "1")
        assert_one_line_error(result, 1, "rule allocation", "1 kr over its allocation", "nothing was recorded")
        assert ledger.read_bytes() == before


def test_one_krona_over_the_kvinnofrid_pot(ledger):
    assert rec(ledger, "--date", "2019-03-01", "--line", "samverkan", "--recipient", "SKL", "--amount", "15 000 000").exit_code == 0
    before = ledger.read_bytes()
    result = rec(ledger, "--date", "2019-03-02", "--line", "skola", "--recipient", "Malmö stad", "--amount", "1")
    assert_one_line_error(result, 1, "rule ceiling", "kvinnofrid pot", "1 kr over the ceiling of 15 000 000 kr")
    assert ledger.read_bytes() == before
    # another year has its own ceiling
    assert rec(ledger, "--date", "2020-03-02", "--line", "skola", "--recipient", "Malmö stad", "--amount", "1").exit_code == 0


def test_one_krona_over_the_jamstalldhet_pot(ledger):
    result = rec(ledger, "--date", "2018-03-01", "--line", "jamstalldhet", "--recipient", "Region Skåne", "--amount", "5000001")
    assert_one_line_error(result, 1, "jamstalldhet pot", "1 kr over the ceiling of 5 000 000 kr")


def test_one_krona_over_the_total(ledger, data_dir):
    agreement = data_dir / "agreement.toml"
    agreement.write_text(agreement.read_text(encoding="utf-8").replace("total = 20_000_000", "total = 19_000_000"), encoding="utf-8")
    amend(ledger, data_dir)
    assert rec(ledger, "--date", "2018-03-01", "--line", "samverkan", "--recipient", "SKL", "--amount", "15000000", data_dir=data_dir).exit_code == 0
    assert rec(ledger, "--date", "2018-03-01", "--line", "jamstalldhet", "--recipient", "SKL", "--amount", "4000000", data_dir=data_dir).exit_code == 0
    result = rec(ledger, "--date", "2018-03-01", "--line", "jamstalldhet", "--recipient", "SKL", "--amount", "1", data_dir=data_dir)
    assert_one_line_error(result, 1, "the total", "1 kr over the ceiling of 19 000 000 kr")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--date", "2021-01-04"], "outside the payment dates 2018-01-01 to 2020-12-31"),
        (["--date", "2017-12-31"], "outside the payment dates"),
        (["--date", "2019-03-01", "--year", "2021"], "budget year 2021 is outside"),
    ],
)
def test_dates_and_years_outside_the_period(ledger, args, words):
    before = ledger.read_bytes()
    result = rec(ledger, "--line", "rss", "--county", "01", "--amount", "5", *args)
    assert_one_line_error(result, 1, "rule period", words)
    assert ledger.read_bytes() == before


def test_final_payment_date_allows_later_repayments(ledger, data_dir):
    agreement = data_dir / "agreement.toml"
    agreement.write_text(agreement.read_text(encoding="utf-8").replace("# final_payment_date = 2021-06-30", "final_payment_date = 2021-06-30"), encoding="utf-8")
    amend(ledger, data_dir)
    assert rec(ledger, "--date", "2020-03-01", "--line", "rss", "--county", "01", "--amount", "600000", data_dir=data_dir).exit_code == 0
    assert rec(ledger, "--date", "2021-03-31", "--year", "2020", "--line", "rss", "--county", "01", "--amount", "2000", "--kind", "repayment", data_dir=data_dir).exit_code == 0
    assert rec(ledger, "--date", "2021-07-01", "--year", "2020", "--line", "rss", "--county", "01", "--amount", "2000", "--kind", "repayment", data_dir=data_dir).exit_code == 1


def test_duplicate_reference_is_refused(ledger):
    assert rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5", "--reference", "R-7").exit_code == 0
    result = rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "03", "--amount", "5", "--reference", "R-7")
    assert_one_line_error(result, 1, "rule reference", "already used by entry 2")


def test_repaying_more_than_was_paid_is_refused(ledger):
    assert rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5").exit_code == 0
    result = rec(ledger, "--date", "2019-03-02", "--line", "rss", "--county", "01", "--amount", "6", "--kind", "repayment")
    assert_one_line_error(result, 1, "rule negative", "1 kr more repaid or reversed than was paid out")


# --- bad input: exit 2, one line, file unchanged --------------------------------------------

BASE = {"--date": "2019-03-01", "--line": "rss", "--county": "01", "--amount": "5"}

BAD_INPUT = [
    ({"--line": "rs"}, "unknown budget line 'rs'"),
    ({"--county": "99"}, "unknown county code '99'"),
    ({"--county": "Atlantis"}, "unknown county 'Atlantis'"),
    ({"--county": "väst"}, "ambiguous"),
    ({"--county": None}, "an rss entry names its county"),
    ({"--line": "skola"}, "only rss entries carry a county"),
    ({"--line": "skola", "--county": None}, "names its recipient"),
    ({"--line": "skola", "--county": None, "--recipient": "  "}, "names its recipient"),
    ({"--date": "2019-02-30"}, "is not a date"),
    ({"--date": "1/3/2019"}, "is not a date"),
    ({"--date": "20190301"}, "is not a date"),
    ({"--date": ""}, "is not a date"),
] + [({"--amount": bad}, "not whole kronor") for bad in ("400000,50", "400000.50", "-5", "4e5", "fyra", "1 0000", "", "5 öre")] + [
    ({"--amount": "0"}, "is zero"),
    ({"--kind": "reversal"}, "make it with `ledger reverse ID --reason TEXT`"),
    ({"--kind": "refund"}, "Invalid value for '--kind'"),
    ({"--year": "nästa"}, "Invalid value for '--year'"),
]


@pytest.mark.parametrize(("change", "words"), BAD_INPUT)
def test_bad_input_is_exit_2_and_changes_nothing(ledger, change, words):
    assert rec(ledger, "--date", "2019-01-02", "--line", "rss", "--county", "01", "--amount", "7").exit_code == 0
    before = ledger.read_bytes()
    options = {**BASE, **change}
    args = [part for key, value in options.items() if value is not None for part in (key, value)]
    result = rec(ledger, *args)
    assert_one_line_error(result, 2, words)
    assert ledger.read_bytes() == before


def test_missing_required_option(ledger):
    assert_one_line_error(rec(ledger, "--date", "2019-03-01", "--line", "rss"), 2, "--amount")


def test_no_ledger_file(tmp_path):
    result = run("record", "--ledger", tmp_path / "nope.toml", "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5")
    assert_one_line_error(result, 2, "no such ledger file", "ledger init")
    assert not (tmp_path / "nope.toml").exists()


def test_ledger_from_the_environment(ledger):
    result = run("record", "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5", env={"KVINNOFRID_LEDGER_FILE": str(ledger)})
    assert result.exit_code == 0, result
    assert len(read(ledger).entries) == 1


def test_nothing_is_added_to_a_damaged_ledger(ledger):
    assert rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5").exit_code == 0
    ledger.write_text(ledger.read_text(encoding="utf-8").replace("amount = 5", "amount = 6"), encoding="utf-8")
    before = ledger.read_bytes()
    result = rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5")
    assert_one_line_error(result, 1, "fails `ledger check`", "damaged record")
    assert ledger.read_bytes() == before


# --- reverse -----------------------------------------------------------------------------------


def test_reverse_cancels_in_full_and_frees_the_allocation(ledger):
    assert rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "600000", "--reference", "R-1").exit_code == 0
    assert rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "1").exit_code == 1
    result = run("reverse", "2", "--reason", "paid to the wrong account", "--ledger", ledger)
    assert result.exit_code == 0, result
    reversal = read(ledger).entries[1]
    assert (reversal.kind, reversal.reverses, reversal.amount, reversal.county, reversal.year, reversal.reference) == ("reversal", 2, 600_000, "01", 2019, "R-1")
    assert str(reversal.date) == "2019-03-01" and reversal.note == "paid to the wrong account"
    assert rec(ledger, "--date", "2019-03-05", "--line", "rss", "--county", "01", "--amount", "600000", "--reference", "R-1b").exit_code == 0
    assert run("check", "--ledger", ledger).exit_code == 0


def test_reversing_a_repayment_restores_the_net(ledger):
    assert rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "600000").exit_code == 0
    assert rec(ledger, "--date", "2019-04-01", "--line", "rss", "--county", "01", "--amount", "1000", "--kind", "repayment").exit_code == 0
    assert run("reverse", "3", "--reason", "recorded twice", "--date", "2019-04-02", "--ledger", ledger).exit_code == 0
    assert rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "1").exit_code == 1
    doc = run("list", "--ledger", ledger, "--format", "json").json()
    assert [e["amount"] for e in doc["entries"]] == [600_000, -1000, 1000]


@pytest.mark.parametrize(("target", "words"), [("9", "there is no entry 9"), ("3", "is itself a reversal"), ("2", "already reversed by entry 3"), ("1", "is a terms entry")])
def test_reverse_refusals(ledger, target, words):
    assert rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5").exit_code == 0
    assert run("reverse", "2", "--reason", "x", "--ledger", ledger).exit_code == 0
    before = ledger.read_bytes()
    assert_one_line_error(run("reverse", target, "--reason", "again", "--ledger", ledger), 1, words)
    assert ledger.read_bytes() == before


@pytest.mark.parametrize(("args", "words"), [(["1", "--reason", " "], "--reason"), (["1"], "--reason"), (["one", "--reason", "x"], "ID"), (["1", "--reason", "x", "--date", "2019-13-01"], "is not a date")])
def test_reverse_bad_input(ledger, args, words):
    assert rec(ledger, "--date", "2019-03-01", "--line", "rss", "--county", "01", "--amount", "5").exit_code == 0
    before = ledger.read_bytes()
    assert_one_line_error(run("reverse", *args, "--ledger", ledger), 2, words)
    assert ledger.read_bytes() == before


@pytest.mark.parametrize("option", ["--note", "--reference", "--recipient", "--line"])
def test_text_that_is_not_utf8_is_refused_cleanly(tmp_path, option):
    from conftest import run_script

    assert run("init", tmp_path).exit_code == 0
    before = (tmp_path / "ledger.toml").read_bytes()
    options = {"--date": "2019-03-01", "--line": "skola", "--recipient": "x", "--amount": "5", option: "bad \udcff byte"}
    args = [part for pair in options.items() for part in pair]
    result = run_script("record", *args, cwd=tmp_path)  # argv bytes \xff arrive as a lone surrogate
    assert_one_line_error(result, 2, option, "not valid UTF-8")
    assert (tmp_path / "ledger.toml").read_bytes() == before
    reverse = run_script("reverse", "1", "--reason", "bad \udcff", cwd=tmp_path)
    assert reverse.exit_code in (1, 2) and "Traceback" not in reverse.stderr


# --- a new user's walkthrough: every JSON refusal names its rule -----------------------------------


@pytest.mark.parametrize("target, words", [
    ("99", "there is no entry 99"), ("1", "is a terms entry"), ("3", "is itself a reversal"), ("2", "already reversed by entry 3"),
])
def test_json_refusals_of_reverse_name_the_reversal_rule(tmp_path, target, words):
    import jsonschema

    assert run("init", tmp_path).exit_code == 0
    ledger = tmp_path / "ledger.toml"
    assert run("record", "-d", "2019-03-15", "--line", "rss", "-a", "400000", "-c", "03", "--ledger", ledger).exit_code == 0
    assert run("reverse", "2", "--reason", "fel", "--ledger", ledger).exit_code == 0
    before = ledger.read_bytes()
    result = run("reverse", target, "--reason", "x", "--format", "json", "--ledger", ledger)
    assert_one_line_error(result, 1, "rule reversal: ", words)
    document = result.json()
    jsonschema.validate(document, run("schema", "record").json())
    assert document["problems"] == [{"line": None, "column": None, "rule": "reversal", "message": document["problems"][0]["message"]}]
    message = document["problems"][0]["message"]
    assert words in message and not message.startswith("rule")
    assert ledger.read_bytes() == before


def test_the_refusal_schema_names_every_rule_a_refusal_can_name():
    from typing import get_args

    from kvinnofrid_ledger.outcomes import ProblemRule
    from kvinnofrid_ledger.reports import RuleName

    rules = run("schema", "record").json()["$defs"]["ProblemItem"]["properties"]["rule"]["enum"]
    assert set(rules) == set(get_args(ProblemRule)) == {"cell", "file", "changed", "input", *get_args(RuleName)}
    assert "rule" not in rules
