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
