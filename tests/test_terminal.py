"""Tables on a terminal fit its width (the real script, in a pseudo-terminal of 80 and 120
columns), piped tables are never cut, and the fitting rule keeps its promises (hypothesis)."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import BIN, run
from ledgerkit import draft, write_ledger
from kvinnofrid_ledger.terminal import (
    BAR, BAR_MIN, FIXED, NAME, NAME_MIN, NOTE, OPTIONAL, PlainTable, UsageBar, cell_width, crop, fit_widths, table_width,
)

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
LONG_NOTE = "Rekvisition enligt beslut " + "och så vidare " * 12 + "slut"


@pytest.fixture
def ledger(tmp_path):
    return write_ledger(
        tmp_path / "ledger.toml",
        [
            draft(600_000, county="14", reference="RSS-2019-14", date="2019-03-15", note=LONG_NOTE),
            draft(280_000, county="03", reference="RSS-2019-03", date="2019-03-15"),
            draft(150_000, line="halso-sjukvard", recipient="Västra Götalandsregionen, hälso- och sjukvårdsförvaltningen",
                  reference="HS-2019-001", date="2019-11-20"),
            draft(150_000, line="halso-sjukvard", recipient="Västra Götalandsregionen, hälso- och sjukvårdsförvaltningen",
                  kind="reversal", reverses=3, reference="HS-2019-001", date="2019-11-20", note="fel belopp"),
            draft(1_250_000, line="jamstalldhet", recipient="Region Skåne", reference="J-2020-1", date="2020-05-01"),
        ],
    )


def on_terminal(columns: int, *args, colour: bool = False) -> str:
    """Run the installed script with stdout on a pseudo-terminal `columns` wide; its output."""
    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "LINES")}
    env.update(COLUMNS=str(columns), TERM="xterm-256color")
    if not colour:
        env["NO_COLOR"] = "1"
    proc = subprocess.Popen([str(BIN / "ledger"), *map(str, args)], stdout=secondary, stderr=subprocess.PIPE, env=env)
    os.close(secondary)
    chunks = []
    while True:
        ready, _, _ = select.select([primary], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def figures(doc) -> set[str]:
    """Every amount in a JSON document, as the tables write it."""
    found = set()

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, int) and not isinstance(value, bool) and key in ("ceiling", "disbursed", "remaining", "allocated", "amount", "total", "left"):
            sign = "-" if value < 0 else ""
            found.add(sign + f"{abs(value):,}".replace(",", " "))

    walk(doc)
    return found


def assert_fits(text: str, columns: int) -> list[str]:
    lines = ANSI.sub("", text).splitlines()
    too_wide = [line for line in lines if cell_width(line) > columns]
    assert not too_wide, too_wide
    return lines


def assert_whole(figure: str, text: str) -> None:
    """The figure stands whole on one line, not cut or wrapped at a space."""
    assert re.search(rf"(?<!\d)(?<!\d ){re.escape(figure)}(?!\d)(?! \d)", text), figure


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("args", [("status", "2019"), ("status",), ("allocate", "2019"), ("allocate",)])
def test_status_and_allocate_fit_the_terminal_and_keep_every_figure(ledger, columns, args):
    text = on_terminal(columns, *args, "--ledger", ledger) if args[0] == "status" else on_terminal(columns, *args)
    assert_fits(text, columns)
    doc = run(*args, "--format", "json", *(["--ledger", ledger] if args[0] == "status" else [])).json()
    # a year's every figure; for the period, its own (per-year columns may be left out at 80)
    shown = doc if "year" in doc else doc["period"] if args[0] == "status" else {"total": doc["total"], "counties": doc["counties"]}
    assert figures(shown)
    for figure in figures(shown):
        assert_whole(figure, text)
    for line in ANSI.sub("", text).splitlines():  # a cut name ends in "…"; a figure never does
        assert not re.search(r"\d…", line), line


@pytest.mark.parametrize("columns", [80, 120])
def test_the_register_fits_the_terminal_and_keeps_dates_amounts_and_references(ledger, columns):
    lines = assert_fits(on_terminal(columns, "list", "--ledger", ledger), columns)
    text = "\n".join(lines)
    for row in run("list", "--format", "json", "--ledger", ledger).json()["entries"]:
        line = next(line for line in lines if re.match(rf"\s*{row['id']}\s", line))
        assert row["date"] in line and row["reference"] in line
        assert_whole(f"{row['amount']:,}".replace(",", " "), line)
    if columns == 80:  # even the names cannot fit beside the line "halso-sjukvard": the table says so
        assert LONG_NOTE[:30] not in text and "Västra Göt" not in text
        assert "(left out at 80 columns: Year, County / recipient, Note; pipe to see all)" in text
    else:  # at 120 the names are cut, the notes too
        assert "Västra Götalandsregionen, hälso- och sjukvårdsförvaltningen" not in text and "Västra Göt" in text
        assert LONG_NOTE not in text and LONG_NOTE[:10] in text and "…" in text


def test_bars_keep_their_proportion_at_any_width():
    for width in range(BAR_MIN, 23):
        seventy, full = UsageBar(70, 100).cells(width), UsageBar(100, 100).cells(width)
        assert len("".join(seventy)) == len("".join(full)) == width
        assert len(seventy[0]) == round(0.7 * (width - 2)) and len(full[0]) == width - 2
        assert seventy[0] != full[0]
    assert UsageBar(101, 100).cells(10)[2] == " !"


def test_colour_on_a_terminal_and_none_with_no_color(ledger):
    assert "\x1b[" in on_terminal(100, "status", "2019", "--ledger", ledger, colour=True)
    assert "\x1b[" not in on_terminal(100, "status", "2019", "--ledger", ledger)


def test_piped_tables_are_never_cut(ledger):
    listed = run("list", "--ledger", ledger).stdout
    assert LONG_NOTE in listed and "Västra Götalandsregionen, hälso- och sjukvårdsförvaltningen" in listed
    assert "…" not in listed and "\x1b" not in listed
    assert "…" not in run("status", "--ledger", ledger).stdout


# --- the fitting rule ----------------------------------------------------------------------------

ROLES = st.sampled_from([FIXED, FIXED, NAME, BAR, OPTIONAL, NOTE])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40), ROLES), min_size=1, max_size=12), st.integers(20, 200))
def test_fit_widths_cuts_only_what_may_be_cut(columns, available):
    naturals = [22 if role == BAR else width for width, role in columns]
    roles = [role for _, role in columns]
    fitted = fit_widths(naturals, roles, available)
    for natural, role, width in zip(naturals, roles, fitted.widths):
        if role == FIXED:
            assert width == natural  # never cut, never left out
        elif width is not None:
            assert width <= natural
            if role in (NAME, NOTE):
                assert width >= min(NAME_MIN, natural)
            if role == BAR:
                assert width >= BAR_MIN
    if table_width(naturals, False) <= available:
        assert fitted.widths == tuple(naturals) and not fitted.compact
    elif table_width(fitted.widths, fitted.compact) > available:
        # it could not fit: everything that may give way has given way
        assert all(fitted.widths[i] is None for i, role in enumerate(roles) if role in (BAR, OPTIONAL, NOTE, NAME))
        assert fitted.compact


def test_crop_ends_in_an_ellipsis_and_respects_wide_characters():
    assert crop("Stockholms län", 20) == "Stockholms län"
    assert crop("Stockholms län", 8) == "Stockho…"
    assert cell_width(crop("日本語の名前", 5)) <= 5 and crop("日本語の名前", 5).endswith("…")


def test_a_plain_table_is_laid_out_as_rich_lays_out_the_same_table():
    from rich import box
    from rich.console import Console
    from rich.table import Table

    headers, justify = ("Id", "Name", "Amount"), ("right", "left", "right")
    rows, footer = [("1", "Stockholms län", "600 000"), ("12", "Gotlands län", "-50 000")], [("", "Net", "550 000")]
    plain = PlainTable("Ledger: 2 entries", headers, justify, (FIXED, NAME, FIXED), rows=list(rows), footer=list(footer))
    table = Table(title="Ledger: 2 entries", box=box.SIMPLE_HEAD, title_justify="left")
    for header, side in zip(headers, justify):
        table.add_column(header, justify=side)
    for row in rows:
        table.add_row(*row)
    table.add_section()
    table.add_row(*footer[0])
    console = Console(width=200, color_system=None, force_terminal=False)
    with console.capture() as captured:
        console.print(table)
    assert [line.rstrip() for line in plain.lines()] == [line.rstrip() for line in captured.get().splitlines()]
    narrow = list(plain.lines(available=28))
    assert max(map(cell_width, narrow)) <= 28 and narrow[4] == "  1  Stockholms…   600 000"
    assert list(plain.lines(available=24))[-1] == "(left out at 24 columns: Name; pipe to see all)"


# --- the terms and their history: a digest is never cut ----------------------------------------------


@pytest.fixture
def amended(tmp_path):
    """A ledger with two terms entries, the second with a long source."""
    assert run("init", tmp_path, "--date", "2018-01-10", "--source", "Regeringsbeslut S2018/01234").exit_code == 0
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(agreement.read_text(encoding="utf-8").replace("total = 20_000_000", "total = 21_000_000"), encoding="utf-8")
    source = "SKR, December 2019 and March 2021: the restated figures of the agreement, all years"
    assert len(source) == 83  # whole beside the id, date and "In force" at 120 columns, not at 80
    assert run("amend", "--source", source, "--date", "2021-03-15", "--ledger", tmp_path / "ledger.toml").exit_code == 0
    return tmp_path / "ledger.toml"


def _digests(ledger) -> list[str]:
    return [pin["digest"] for pin in run("terms", "--history", "--format", "json", "--ledger", ledger).json()["terms"]]


@pytest.mark.parametrize("columns", [80, 120])
def test_terms_history_fits_the_terminal_and_never_cuts_a_digest(amended, columns):
    shown = on_terminal(columns, "terms", "--history", "--ledger", amended)
    lines = shown.splitlines()
    assert all(cell_width(line) <= columns for line in lines), shown
    header = next(line for line in lines if line.lstrip().startswith("Id"))
    assert all(name in header for name in ("Id", "Date", "Source", "In force")), shown
    for digest in _digests(amended):
        assert f"digest {digest}" in shown, shown
    assert "2018-01-10" in shown and "2021-03-15" in shown and "yes" in shown
    assert "SKR, December 2019" in shown and ("all years" in shown) == (columns == 120), shown
    assert "left out" not in shown


@pytest.mark.parametrize("columns", [80, 120])
def test_terms_fit_the_terminal_and_never_cut_their_digest(amended, columns):
    shown = on_terminal(columns, "terms", "--ledger", amended)
    assert all(cell_width(line) <= columns for line in shown.splitlines()), shown
    assert f"Digest {_digests(amended)[-1]}" in shown, shown


def test_a_piped_terms_history_of_no_entries_keeps_its_title_on_one_line(tmp_path):
    assert run("init", "--empty", tmp_path).exit_code == 0
    piped = run("terms", "--history", "--ledger", tmp_path / "ledger.toml")
    assert piped.exit_code == 0 and piped.stdout.splitlines()[0] == "Terms pinned in the ledger: 0 terms entries", piped
