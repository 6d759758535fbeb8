"""The real spreadsheet: exports opened and saved again by LibreOffice Calc (headless) come back
into an empty ledger identical, or with every changed row named. Skipped when soffice is missing.

LibreOffice starts slowly (seconds), so the conversions run once for the module, several files
per run, with a profile and HOME in a temporary folder so that the real home is never touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import run
from ledgerkit import spreadsheet_drafts, write_ledger

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CSV_COMMA = "Text - txt - csv (StarCalc):44,34,76,1"  # comma, double quote, UTF-8, from line 1
CSV_SEMICOLON = "Text - txt - csv (StarCalc):59,34,76,1"

pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")


def soffice(home: Path, outdir: Path, target: str, *files: Path, infilter: str | None = None) -> None:
    command = [SOFFICE, f"-env:UserInstallation=file://{home / 'profile'}", "--headless", "--norestore"]
    if infilter:
        command.append(f"--infilter={infilter}")
    command += ["--convert-to", target, "--outdir", str(outdir), *map(str, files)]
    env = {**os.environ, "HOME": str(home)}
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    for file in files:
        assert (outdir / file.with_suffix("." + target.split(":")[0]).name).exists(), (command, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """The ledger, its CSV and .xlsx exports, and what LibreOffice saved of them."""
    folder = tmp_path_factory.mktemp("libreoffice")
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("KVINNOFRID_LEDGER")]:
            patch.delenv(name)
        patch.setenv("KVINNOFRID_LEDGER_CACHE", str(folder / "cache"))
        ledger = write_ledger(folder / "ledger.toml", spreadsheet_drafts())
        assert run("export", "--ledger", ledger, "--output", folder / "export.csv").exit_code == 0
        assert run("export", "--format", "xlsx", "--ledger", ledger, "--output", folder / "export.xlsx").exit_code == 0
        original = run("export", "--format", "json", "--ledger", ledger).stdout
    home = folder / "home"
    home.mkdir()
    out = {name: folder / name for name in ("csv", "ods", "xlsx", "semicolon", "sheet")}
    for path in out.values():
        path.mkdir()
    soffice(home, out["csv"], f"csv:{CSV_COMMA}", folder / "export.csv", infilter=CSV_COMMA)  # CSV opened and saved as CSV
    soffice(home, out["sheet"], "xlsx", folder / "export.csv", infilter=CSV_COMMA)  # CSV opened and saved as .xlsx
    soffice(home, out["ods"], "ods", folder / "export.xlsx")  # .xlsx to .ods and back
    soffice(home, out["xlsx"], "xlsx", out["ods"] / "export.ods")
    soffice(home, out["semicolon"], f"csv:{CSV_SEMICOLON}", out["xlsx"] / "export.xlsx")  # .xlsx saved as CSV with ;
    return {
        "folder": folder,
        "original": original,
        "export.xlsx": folder / "export.xlsx",
        "csv → csv": out["csv"] / "export.csv",
        "csv → xlsx": out["sheet"] / "export.xlsx",
        "xlsx → ods → xlsx": out["xlsx"] / "export.xlsx",
        "xlsx → ods → xlsx → csv (;)": out["semicolon"] / "export.csv",
    }


def formulas(path: Path) -> list[str]:
    import openpyxl

    found = [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in openpyxl.load_workbook(path).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/") and re.search(r"<f[ >]", archive.read(member).decode("utf-8")):
                found.append(member)
    return found


@pytest.mark.parametrize("name", ["export.xlsx", "csv → xlsx", "xlsx → ods → xlsx"])
def test_no_cell_is_a_formula(converted, name):
    assert formulas(converted[name]) == []


@pytest.mark.parametrize("name", ["csv → csv", "csv → xlsx", "xlsx → ods → xlsx", "xlsx → ods → xlsx → csv (;)"])
def test_what_libreoffice_saved_imports_identical_or_every_change_is_named(converted, name, tmp_path):
    assert run("init", "--empty", tmp_path / "new").exit_code == 0
    target = tmp_path / "new" / "ledger.toml"
    result = run("import", converted[name], "--ledger", target)
    if result.exit_code == 0:
        assert run("export", "--format", "json", "--ledger", target).stdout == converted["original"]
        for line in result.stderr.splitlines():  # every bend that was undone is said
            assert line.startswith("note: ") and "changed since export" in line, line
        return
    # not repairable: every row that differs must have been named, by its entry
    assert result.exit_code == 1, result
    named = {int(n) for n in re.findall(r"entry (\d+): changed since export", result.stderr)}
    assert run("import", converted[name], "--accept-changes", "--ledger", target).exit_code == 0
    before = json.loads(converted["original"])["entries"]
    after = json.loads(run("export", "--format", "json", "--ledger", target).stdout)["entries"]
    differ = {b["id"] for b, a in zip(before, after) if {k: v for k, v in a.items() if k != "hash"} != {k: v for k, v in b.items() if k != "hash"}}
    assert differ <= named, (differ, named, result.stderr)


def test_the_bends_libreoffice_makes_are_named_when_undone(converted, tmp_path):
    """LibreOffice reads 007 as 7, 1e5 as 100000, 01 as 1 (restored as a county code), and a CR as LF."""
    assert run("init", "--empty", tmp_path / "new").exit_code == 0
    result = run("import", converted["csv → csv"], "--ledger", tmp_path / "new" / "ledger.toml")
    assert result.exit_code == 0, result
    assert "entry 1: reference changed since export ('007' → '7'" in result.stderr
    assert "entry 1: note changed since export ('1e5' → " in result.stderr
    assert "entry 2: note changed since export ('rad ett\\rrad två' → 'rad ett\\nrad två'" in result.stderr
