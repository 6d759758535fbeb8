"""Every command has help text and appears in the README (after sqlite-utils' test_docs)."""

from pathlib import Path

import pytest
import typer.main

from conftest import run
from kvinnofrid_ledger.cli import app

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(typer.main.get_command(app).commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_has_help_and_is_documented(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) > 3
    assert f"ledger {command}" in README, f"README does not show `ledger {command}`"


def test_top_level_help_lists_every_command():
    result = run("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_the_readme_verifier_agrees_with_check(tmp_path):
    """The README's standard-library verifier computes the same head as the tool."""
    import re
    import subprocess
    import sys

    from ledgerkit import draft, read, write_ledger

    code = re.search(r"```python\n(import hashlib.*?)```", README, re.S).group(1)
    script = tmp_path / "verify.py"
    script.write_text(code, encoding="utf-8")
    path = write_ledger(tmp_path / "l.toml", [draft(5, note='å "x" \\ \t'), draft(7, line="skola", recipient="Ö"), draft(7, kind="reversal", reverses=2, line="skola", recipient="Ö")])
    out = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"head {read(path).head}"
