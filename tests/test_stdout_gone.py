"""The exit status when stdout cannot take the output (a new user's walkthrough, items 1-3):
a writer that has durably written exits 0 with one warning; a reader exits 2 with one error
line (not 1, which says a rule is broken), and never a traceback."""

from __future__ import annotations

import os
import subprocess

import pytest

from conftest import BIN, run


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KVINNOFRID_LEDGER")}
    env["KVINNOFRID_LEDGER_CACHE"] = os.environ["KVINNOFRID_LEDGER_CACHE"]
    return env


def _run_without_stdout(how: str, *args: str, cwd) -> tuple[int, str]:
    """Run `ledger ARGS` with stdout closed (`>&-`) or with a pipe whose reader has already
    exited (`| head -c0`, deterministically); the exit status and stderr."""
    command = [str(BIN / "ledger"), *map(str, args)]
    if how == "closed":
        proc = subprocess.run(["sh", "-c", '"$@" >&-; echo "status $?" >&2', "sh", *command], cwd=cwd, env=_env(), capture_output=True, text=True)
        lines = proc.stderr.strip().splitlines()
        return int(lines[-1].split()[-1]), "\n".join(lines[:-1])
    reader = subprocess.Popen(["true"], stdin=subprocess.PIPE)
    reader.wait()
    proc = subprocess.run(command, cwd=cwd, env=_env(), stdout=reader.stdin, stderr=subprocess.PIPE, text=True)
    reader.stdin.close()
    return proc.returncode, proc.stderr


@pytest.fixture
def folder(tmp_path):
    assert run("init", tmp_path).exit_code == 0
    return tmp_path


@pytest.mark.parametrize("how", ["closed", "reader gone"])
def test_amend_that_has_written_exits_0_with_one_warning(folder, how):
    agreement = folder / "agreement.toml"
    agreement.write_text(agreement.read_text(encoding="utf-8").replace("total = 20_000_000", "total = 21_000_000"), encoding="utf-8")
    status, stderr = _run_without_stdout(how, "amend", "--source", "Regeringsbeslut S2019/1", cwd=folder)
    assert status == 0, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert stderr.startswith("warning: terms entry 2 was recorded") and len(stderr.strip().splitlines()) == 1
    history = run("terms", "--history", "--format", "json", "--ledger", folder / "ledger.toml").json()
    assert [pin["source"] for pin in history["terms"]][-1] == "Regeringsbeslut S2019/1"


@pytest.mark.parametrize("how", ["closed", "reader gone"])
@pytest.mark.parametrize("args", [
    ["check"], ["check", "--format", "json"], ["export"], ["export", "--format", "xlsx"], ["allocate"],
    ["allocate", "--format", "json"], ["list"], ["status"], ["terms"], ["terms", "--history"], ["schema"],
])
def test_a_reader_whose_output_cannot_be_written_exits_2_with_one_error_line(folder, how, args):
    before = (folder / "ledger.toml").read_bytes()
    status, stderr = _run_without_stdout(how, *args, cwd=folder)
    assert status == 2, stderr
    assert stderr.strip().splitlines() == ["error: stdout closed before the output was written"]
    assert (folder / "ledger.toml").read_bytes() == before


@pytest.mark.parametrize("how", ["closed", "reader gone"])
def test_a_json_refusal_that_cannot_be_written_still_exits_with_the_refusals_status(folder, how):
    before = (folder / "ledger.toml").read_bytes()
    status, stderr = _run_without_stdout(how, "reverse", "99", "--reason", "x", "--format", "json", cwd=folder)
    assert status == 1, stderr
    assert stderr.strip().splitlines() == ["error: rule reversal: there is no entry 99 to reverse (the ledger has 1 entry); nothing was recorded"]
    assert (folder / "ledger.toml").read_bytes() == before
