"""Shared helpers: run the CLI in-process (CliRunner) or as the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

# No test may touch the user's home or cache. Before anything imports the package (test modules
# may load the terms at import time, which leaves a marker in the cache folder), HOME and
# XDG_CACHE_HOME point into a folder of this session's own, for the whole process and every
# process it starts; the autouse fixture below then gives each test the session's cache.
import tempfile as _tempfile

REAL_HOME = os.path.realpath(os.path.expanduser("~"))
_REAL_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path(REAL_HOME) / ".cache") / "kvinnofrid-ledger"
SESSION_HOME = Path(_tempfile.mkdtemp(prefix="kvinnofrid-test-home-")).resolve()


def _home_state() -> list[tuple[str, int]]:
    """What this session must not change: the real cache folder of the tool, file by file."""
    if not _REAL_CACHE.exists():
        return []
    return sorted((str(p), p.stat().st_mtime_ns) for p in [_REAL_CACHE, *_REAL_CACHE.rglob("*")])


HOME_BEFORE = _home_state()
os.environ["HOME"] = str(SESSION_HOME)
os.environ["XDG_CACHE_HOME"] = str(SESSION_HOME / ".cache")
os.environ["KVINNOFRID_LEDGER_CACHE"] = str(SESSION_HOME / ".cache" / "kvinnofrid-ledger")


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if anything was written into the real cache folder meanwhile."""
    if _home_state() != HOME_BEFORE:
        print(f"\nerror: the tests wrote into {_REAL_CACHE}; no test may touch the user's home or cache", file=sys.stderr)
        session.exitstatus = 1

from kvinnofrid_ledger.cli import app
from kvinnofrid_ledger.terms import shipped_data_dir

BIN = Path(sys.executable).parent


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"Result(exit_code={self.exit_code}, stdout={self.stdout[:2000]!r}, stderr={self.stderr[:2000]!r})"


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """Invoke `ledger ARGS` in-process, with stdout and stderr apart."""
    runner = CliRunner()
    result = runner.invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)
    # click normalises \r\n in .stdout; the bytes are what a script would read
    return Result(result.exit_code, result.stdout_bytes.decode("utf-8"), result.stderr_bytes.decode("utf-8"))


def run_script(*args: str, cwd: Path, script: str = "ledger", env: dict[str, str] | None = None, timeout: float = 120) -> Result:
    """Run the installed console script in a subprocess, as a user would."""
    path = shutil.which(script, path=str(BIN))
    assert path, f"console script {script!r} is not installed next to {sys.executable}"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KVINNOFRID_LEDGER")}
    full_env["KVINNOFRID_LEDGER_CACHE"] = os.environ["KVINNOFRID_LEDGER_CACHE"]  # the test's own
    full_env.update(env or {})
    proc = subprocess.run([path, *map(str, args)], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def assert_one_line_error(result: Result, status: int, *fragments: str) -> None:
    """A user error: the given exit status, nothing on stdout, one or more single-line messages
    on stderr each starting 'error:', and no traceback."""
    assert result.exit_code == status, result
    assert "Traceback" not in result.stderr, result
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), result
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory):
    """No test sees the developer's own ledger, data or cache through the environment."""
    for name in list(os.environ):
        if name.startswith("KVINNOFRID_LEDGER"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("KVINNOFRID_LEDGER_CACHE", str(_session_cache(tmp_path_factory)))


_CACHE_DIR: list[Path] = []


def _session_cache(factory) -> Path:
    if not _CACHE_DIR:
        _CACHE_DIR.append(factory.mktemp("cache"))
    return _CACHE_DIR[0]


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A copy of the shipped data files, for a test to edit."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("agreement.toml", "counties.toml"):
        shutil.copy(shipped_data_dir() / name, folder / name)
    return folder
