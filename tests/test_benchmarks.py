"""The benchmark runner works (at N=100, this tool only); its timings are never asserted here."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_runner_smoke(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "100", "--repeat", "1", "--no-peers", "--out", str(out), "--work", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    (result,) = report["results"]
    assert result["n"] == 100
    assert set(result["median_seconds"]) >= {"check", "status --format json", "export --format csv", "check (hand-edited)", "record", "import N rows", "allocate 2019 --format json", "--help"}
    assert "| check " in proc.stdout


def test_generated_ledgers_agree(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import write_all

    from kvinnofrid_ledger.checks import run_checks
    from kvinnofrid_ledger.ledger import read_ledger
    from kvinnofrid_ledger.terms import load_terms

    write_all(300, tmp_path)
    ledger = read_ledger(tmp_path / "ledger.toml")
    assert ledger.count == 300 and run_checks(ledger, load_terms()) == []
    assert (tmp_path / "journal.ledger").read_text().count("Assets:SKL") == 300
    assert (tmp_path / "ledger.beancount").read_text().count(" * ") == 300
    assert len((tmp_path / "ledger.csv").read_text().splitlines()) == 301
