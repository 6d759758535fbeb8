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
