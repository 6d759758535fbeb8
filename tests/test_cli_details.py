"""Smaller things a user tripped on: --version, the help's placeholders and summaries, line ids in
any case, the labels of status, the title of a filtered list, a year outside the period."""

from __future__ import annotations

import re
from importlib.metadata import version

import pytest
import typer.main

from conftest import assert_one_line_error, run
from ledgerkit import draft, write_ledger
from kvinnofrid_ledger.cli import app

COMMANDS = sorted(typer.main.get_command(app).commands)


@pytest.fixture
def ledger(tmp_path):
    return write_ledger(
        tmp_path / "ledger.toml",
        [
            draft(400_000, county="03", reference="R-03", date="2019-03-01"),
            draft(600_000, county="12", reference="R-12", date="2019-03-01"),
            draft(200_000, line="skola", recipient="Malmö stad", reference="S-1", date="2020-10-01"),
        ],
    )


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout == f"kvinnofrid-ledger {version('kvinnofrid-ledger')}\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_help_names_every_value(command):
    """DATE, FILE, ID, [NAME], [table|json]: never typer's <str>, {file} or name:<a|b>."""
    text = run(command, "--help").stdout
    assert not re.search(r"<(str|int|file|directory|path|text|integer)>|\{\w+\}|\w+:<", text), text
    usage = text.splitlines()[0]
    assert not re.search(r"\[[a-z_]+\]|\{", usage), usage


def test_help_placeholders_read_as_names():
    assert "-d, --date DATE " in run("record", "--help").stdout
    assert "-l, --ledger FILE " in run("record", "--help").stdout
    assert "-f, --format [table|json|csv]" in run("status", "--help").stdout
    assert run("reverse", "--help").stdout.startswith("Usage: ledger reverse [OPTIONS] ID\n")
    assert run("import", "--help").stdout.startswith("Usage: ledger import [OPTIONS] FILE\n")
    assert run("schema", "--help").stdout.startswith("Usage: ledger schema [OPTIONS] [NAME]\n")
    assert run("report", "--help").stdout.startswith("Usage: ledger report [OPTIONS] [YEAR]\n")


def test_top_level_help_shows_every_summary_whole():
    text = " ".join(run("--help").stdout.split("Commands:")[1].split())
    assert "..." not in text
    group = typer.main.get_command(app)
    for name in COMMANDS:
        summary = " ".join(group.commands[name].help.split("\n\n")[0].split())
        assert f"{name} {summary}" in text, name


def test_line_ids_are_read_in_any_case(ledger, tmp_path):
    result = run("record", "--date", "2019-05-01", "--line", "RSS", "--county", "01", "--amount", "5", "--ledger", ledger)
    assert result.exit_code == 0, result
    assert run("export", "--format", "json", "--ledger", ledger).json()["entries"][-1]["line"] == "rss"
    assert run("record", "--date", "2019-05-02", "--line", " Skola ", "--recipient", "X", "--amount", "5", "--ledger", ledger).exit_code == 0
    listed = run("list", "--line", "SKOLA", "--format", "json", "--ledger", ledger).json()["entries"]
    assert [row["id"] for row in listed] == [3, 5] and {row["line"] for row in listed} == {"skola"}
    # import too: a CSV written by hand with the line in capitals
    csv = tmp_path / "in.csv"
    csv.write_text("kind,date,year,line,county,amount\r\ndisbursement,2019-06-01,2019,Rss,04,7\r\n", encoding="utf-8")
    assert run("import", csv, "--ledger", ledger).exit_code == 0
    assert run("export", "--format", "json", "--ledger", ledger).json()["entries"][-1]["line"] == "rss"
    assert run("check", "--ledger", ledger).exit_code == 0


def test_an_unknown_line_is_still_refused(ledger):
    before = ledger.read_bytes()
    assert_one_line_error(run("record", "--date", "2019-05-01", "--line", "rs", "--county", "01", "--amount", "5", "--ledger", ledger), 2, "unknown budget line 'rs'")
    assert_one_line_error(run("list", "--line", "RS", "--ledger", ledger), 2, "--line: unknown budget line 'RS'")
    assert ledger.read_bytes() == before


def test_status_labels_the_net_as_net(ledger):
    for args in (("status", "2019"), ("status",)):
        text = run(*args, "--ledger", ledger).stdout
        assert "Net disbursed" in text and "Paid" not in text and not re.search(r"(?<!Net )Disbursed", text)
    assert "Net 2018" in run("status", "--ledger", ledger).stdout


def test_a_filtered_list_says_what_it_is_filtered_by(ledger):
    assert run("list", "--ledger", ledger).stdout.startswith("Ledger: 3 entries (kronor;")
    title = run("list", "--year", "2019", "--county", "skane", "--line", "RSS", "--ledger", ledger).stdout.splitlines()[0]
    assert title == "Ledger: 1 entry of budget year 2019, county 12 Skåne län, line rss (kronor; repayments and reversals negative)"
    assert run("list", "--line", "skola", "--ledger", ledger).stdout.startswith("Ledger: 1 entry of line skola (")


def test_list_of_a_year_outside_the_period_is_a_usage_error(ledger):
    assert_one_line_error(run("list", "--year", "2030", "--ledger", ledger), 2, "year 2030 is outside the agreement's period 2018–2020")
    assert_one_line_error(run("status", "2030", "--ledger", ledger), 2, "year 2030 is outside the agreement's period 2018–2020")


def test_one_entry_is_one_entry_in_check_and_list(tmp_path):
    assert run("init", tmp_path).exit_code == 0  # entry 1: the terms entry
    ledger = tmp_path / "ledger.toml"
    check = run("check", "--ledger", ledger)
    assert check.exit_code == 0 and f"{ledger}: ok: 1 entry; head " in check.stdout, check
    listed = run("list", "--ledger", ledger)
    assert listed.exit_code == 0 and listed.stdout.startswith("Ledger: 1 entry (kronor;"), listed
    assert "ok: 2 entries;" in run("check", "--ledger", _with_a_second_entry(ledger)).stdout


def _with_a_second_entry(ledger):
    assert run("record", "-d", "2019-03-15", "--line", "rss", "-a", "400000", "-c", "03", "--ledger", ledger).exit_code == 0
    return ledger
