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
    assert set(result["median_seconds"]) >= {
        'python -c "import typer"', "check", "status --format json", "export --format csv", "check (hand-edited)", "record",
        "import N rows", "check of the import's result", "allocate 2019 --format json", "--help",
    }
    assert "| check " in proc.stdout and "| check ÷ import typer " in proc.stdout
    # every start-up target is judged, each either met or given its gap and measured cause
    verdicts = [line for line in report["targets"] if line.startswith(("allocate", "--help", "check at", "status", "export"))]
    assert len(verdicts) == 5 and all(line in proc.stdout for line in verdicts)
    for line in verdicts:
        assert line.endswith(": met") or ("NOT MET" in line and report["causes"][line.split(" at N")[0]].startswith("in-process"))


def test_generated_ledgers_agree(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import write_all

    from kvinnofrid_ledger.checks import run_checks
    from kvinnofrid_ledger.ledger import read_ledger
    from kvinnofrid_ledger.terms import load_terms

    write_all(300, tmp_path)
    ledger = read_ledger(tmp_path / "ledger.toml")
    assert ledger.count == 301 and len(ledger.pins) == 1 and run_checks(ledger, load_terms()) == []  # the terms entry, as init writes it
    assert (tmp_path / "journal.ledger").read_text().count("Assets:SKL") == 300
    assert (tmp_path / "ledger.beancount").read_text().count(" * ") == 300
    assert len((tmp_path / "ledger.csv").read_text().splitlines()) == 301
