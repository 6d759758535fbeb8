"""A refusal's problems: how many are printed, and where each is located (`line`, `column`)."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from conftest import assert_one_line_error, run
from kvinnofrid_ledger.errors import SHOWN_PROBLEMS, Reported, RuleBroken, UserError, shown_lines

HEADER = "kind,date,year,line,county,recipient,amount,reference\n"


@pytest.fixture
def ledger(tmp_path) -> Path:
    assert run("init", tmp_path / "p", "--date", "2018-01-10", "--source", "S").exit_code == 0
    return tmp_path / "p" / "ledger.toml"


def rows(count: int, date: str = "2021-04-01", amount: str = "1") -> str:
    return HEADER + "".join(f"disbursement,{date},2019,rss,03,,{amount},R-{i}\n" for i in range(count))


# --- a huge refusal: the first problems and a count on stderr, every one in JSON ---------------------


@pytest.mark.parametrize(("count", "bad", "status"), [(SHOWN_PROBLEMS, "date", 1), (1000, "date", 1), (SHOWN_PROBLEMS + 1, "amount", 2)])
def test_a_refused_import_prints_the_first_problems_and_a_count_of_the_rest(ledger, tmp_path, count, bad, status):
    csv = tmp_path / "rows.csv"
    csv.write_text(rows(count, amount="x") if bad == "amount" else rows(count), encoding="utf-8")
    before = ledger.read_bytes()
    result = run("import", csv, "--ledger", ledger)
    assert_one_line_error(result, status, "rows.csv:2: ")
    lines = result.stderr.splitlines()
    shown = min(count, SHOWN_PROBLEMS)
    assert [line.split(":")[2] for line in lines[:shown]] == [str(n) for n in range(2, 2 + shown)]  # in the order of the file
    rest = count - shown  # below 1 000 here; the grouping of larger counts is tested below
    more = [f"error: ... and {rest} more problem{'s' if rest > 1 else ''}, not shown here (--format json lists every one)"] if rest else []
    assert lines[shown:] == more
    assert ledger.read_bytes() == before
    document = run("import", csv, "--format", "json", "--ledger", ledger)
    assert document.exit_code == status and len(document.json()["problems"]) == count  # the JSON keeps every problem
    assert [p["line"] for p in document.json()["problems"]] == list(range(2, 2 + count))
    jsonschema.validate(document.json(), run("schema", "import").json(), cls=jsonschema.Draft202012Validator)
    assert ledger.read_bytes() == before


def test_the_count_of_the_rest_is_grouped_and_only_refusals_with_problems_are_cut():
    problems = tuple(Reported(n, None, "period", "dated 2021-04-01", f"f.csv:{n}: rule period: dated 2021-04-01") for n in range(2, 100_002))
    lines = shown_lines(RuleBroken(problems=problems))
    assert lines[:SHOWN_PROBLEMS] == tuple(p.text for p in problems[:SHOWN_PROBLEMS])
    assert lines[SHOWN_PROBLEMS:] == ("... and 99 980 more problems, not shown here (--format json lists every one)",)
    assert shown_lines(UserError(problems=problems[:SHOWN_PROBLEMS + 1]))[-1].startswith("... and 1 more problem, not shown")
    terms_lines = tuple(f"agreement.toml: key{n}: wrong" for n in range(30))  # no --format json lists these: all are shown
    assert shown_lines(UserError(*terms_lines)) == terms_lines


# --- where a problem is: `line` of the input file, `column` of the one value at fault -----------------


def test_import_problems_name_the_row_and_the_column_of_a_rule_that_judges_one_field(ledger, tmp_path):
    csv = tmp_path / "rows.csv"
    csv.write_text(
        HEADER
        + "disbursement,2019-04-01,2019,rss,03,,5,A-1\n"  # 2: fine
        + "disbursement,2019-04-01,2019,nope,,x,5,A-2\n"  # 3: an unknown line
        + "disbursement,2019-04-01,2019,skola,,,5,A-3\n"  # 4: no recipient
        + "disbursement,2019-04-01,2019,rss,03,,5,a-1\n"  # 5: A-1 again
        + "disbursement,2019-04-01,2019,rss,12,,600001,A-5\n"  # 6: over Skåne's allocation
        + "disbursement,2021-04-01,2019,rss,04,,5,A-6\n"  # 7: after the payment dates
        + "disbursement,2019-04-01,2019,rss,04,,x,A-7\n",  # 8: a cell that cannot be read
        encoding="utf-8",
    )
    before = ledger.read_bytes()
    result = run("import", csv, "--format", "json", "--ledger", ledger)
    assert_one_line_error(result, 2, "rows.csv:3: rule line: unknown budget line 'nope'")  # the messages are as they were
    assert ledger.read_bytes() == before
    located = [(p["line"], p["column"], p["rule"]) for p in result.json()["problems"]]
    assert located == [
        (3, "line", "line"), (4, "recipient", "recipient"), (5, "reference", "reference"),
        (6, None, "allocation"), (7, None, "period"), (8, "amount", "cell"),
    ]
    jsonschema.validate(result.json(), run("schema", "import").json(), cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize(("args", "status", "column", "rule"), [
    (["--line", "nope", "--recipient", "x", "--amount", "5"], 2, "--line", "line"),
    (["--line", "skola", "--amount", "5"], 2, "--recipient", "recipient"),
    (["--line", "skola", "--county", "03", "--recipient", "x", "--amount", "5"], 2, "--county", "county"),
    (["--line", "rss", "--county", "03", "--amount", "5", "--reference", "r-1"], 1, "--reference", "reference"),
    (["--line", "rss", "--county", "03", "--amount", "400000"], 1, None, "allocation"),
    (["--line", "rss", "--county", "03", "--amount", "5", "--year", "2021"], 1, None, "period"),
])
def test_record_problems_name_the_option_of_a_rule_that_judges_one_field(ledger, args, status, column, rule):
    assert run("record", "--date", "2019-03-01", "--line", "rss", "--county", "03", "--amount", "5", "--reference", "R-1", "--ledger", ledger).exit_code == 0
    before = ledger.read_bytes()
    result = run("record", "--date", "2019-03-02", *args, "--format", "json", "--ledger", ledger)
    assert_one_line_error(result, status, f"error: rule {rule}: ")
    assert len(result.stderr.splitlines()) == 1 and ledger.read_bytes() == before
    assert [(p["line"], p["column"], p["rule"]) for p in result.json()["problems"]] == [(None, column, rule)]
    jsonschema.validate(result.json(), run("schema", "record").json(), cls=jsonschema.Draft202012Validator)


def test_the_schema_says_when_line_and_column_are_null():
    description = run("schema", "import").json()["$defs"]["ProblemItem"]["description"]
    for words in ("null for `record`, `reverse` and `amend`", "a rule that judges one field", "of totals over many rows"):
        assert words in " ".join(description.split())
