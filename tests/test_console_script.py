"""The installed console scripts, run as a user runs them: a subprocess, outside the repository."""

import json
import sys

import pytest

from conftest import run_script


@pytest.mark.parametrize("script", ["ledger", "kvinnofrid-ledger"])
def test_allocate_from_any_directory(tmp_path, script):
    result = run_script("allocate", "2019", "--format", "json", cwd=tmp_path, script=script)
    assert result.exit_code == 0, result
    doc = json.loads(result.stdout)
    assert doc["total"] == 18 * 400_000 + 3 * 600_000
    assert result.stderr == ""


def test_python_dash_m(tmp_path):
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "kvinnofrid_ledger", "allocate", "2018", "--format", "csv"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "year,code,name,metropolitan,amount"


def test_table_piped_and_no_color_has_no_control_codes(tmp_path):
    for env in ({}, {"NO_COLOR": "1"}):
        result = run_script("allocate", "2019", cwd=tmp_path, env=env)
        assert result.exit_code == 0 and "9 000 000" in result.stdout
        assert "\x1b" not in result.stdout


def test_terms_and_init(tmp_path):
    assert run_script("terms", "--format", "json", cwd=tmp_path).exit_code == 0
    result = run_script("init", "here", cwd=tmp_path)
    assert result.exit_code == 0, result
    assert (tmp_path / "here" / "ledger.toml").exists()


def test_user_error_in_a_subprocess_has_no_traceback(tmp_path):
    result = run_script("allocate", "1999", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
