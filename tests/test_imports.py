"""A command imports only what it needs: no pydantic or rich where they are not used.
(What this costs in seconds is measured in benchmarks/, not asserted here.)"""

import os
import subprocess
import sys

import pytest

PROBE = """
import sys
sys.argv = ["ledger", *{args!r}]
from kvinnofrid_ledger.cli import main
try:
    main()
except SystemExit:
    pass
print(sorted(m for m in {modules!r} if m in sys.modules), file=sys.stderr)
"""
HEAVY = ("pydantic", "rich", "tomli_w", "openpyxl", "typing_extensions")


def loaded(args, tmp_path, modules=HEAVY, cwd=None) -> str:
    """Which of `modules` the command loads, run in `cwd` (default tmp_path)."""
    env = {**os.environ, "KVINNOFRID_LEDGER_CACHE": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", PROBE.format(args=args, modules=modules)], capture_output=True, text=True, env=env,
                           cwd=cwd or tmp_path) for _ in range(2)]
    return runs[-1].stderr.strip().splitlines()[-1]  # the second run, once the terms are known to be valid


@pytest.mark.parametrize(
    "args",
    [["--help"], ["allocate", "2019", "--format", "json"], ["allocate", "--format", "csv"], ["check"], ["check", "--format", "json"], ["export"],
     ["export", "--format", "json"], ["status", "--format", "json"], ["record", "--dry-run", "--date", "2019-03-01", "--line", "samverkan", "--recipient", "x", "--amount", "1"]],
)
def test_fast_paths_load_neither_pydantic_nor_rich(tmp_path, args):
    """Nor tomli_w (entries are written directly) or typing_extensions (pydantic's TypedDict)."""
    (tmp_path / "ledger.toml").write_text("")
    assert loaded(args, tmp_path) == "[]"


def test_tables_load_rich(tmp_path):
    assert loaded(["allocate", "2019"], tmp_path) == "['rich']"


@pytest.mark.parametrize("args", [["check"], ["allocate", "2019"], ["status"]])
def test_a_small_ledger_is_checked_without_tomllib_openssl_or_json(tmp_path, args):
    """The terms' plain TOML is read by plain_toml.py, a small ledger hashed by CPython's own
    SHA-256, and JSON written only for --format json (README, "Speed, and the cache")."""
    init = subprocess.run([sys.executable, "-m", "kvinnofrid_ledger", "init", str(tmp_path / "book"), "--source", "test"],
                          capture_output=True, text=True, env={**os.environ, "KVINNOFRID_LEDGER_CACHE": str(tmp_path / "cache")})
    assert init.returncode == 0, init.stderr
    modules = ("tomllib", "_hashlib", "json", "csv", "tempfile")
    args = [*args, "--ledger", "ledger.toml"] if args[0] != "allocate" else args
    assert loaded(args, tmp_path, modules, cwd=tmp_path / "book") == "[]"
