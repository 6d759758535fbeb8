"""Terms validated once are built without pydantic later, and only for the very same bytes."""

import os
import subprocess
import sys

import pytest

from conftest import assert_one_line_error, run
from kvinnofrid_ledger import validation
from kvinnofrid_ledger.models import AgreementFile, CountiesFile, construct
from kvinnofrid_ledger.terms import _read_toml, load_terms, shipped_data_dir

AMENDED = """
[[amendment]]
year = 2019
source = "SKR"
ceilings = { total = 25_000_000, kvinnofrid = 20_000_000 }
allocation = { county = 450_000, metropolitan_reading = "on-top", counties = { "09" = 1 } }
"""


@pytest.mark.parametrize("extra", ["", AMENDED, "\n"])
def test_construct_builds_what_pydantic_validates(data_dir, extra):
    (data_dir / "agreement.toml").write_text((data_dir / "agreement.toml").read_text(encoding="utf-8").replace("# final_payment_date = 2021-06-30", "final_payment_date = 2021-06-30") + extra, encoding="utf-8")
    _, raw = _read_toml(data_dir / "agreement.toml")
    _, counties = _read_toml(shipped_data_dir() / "counties.toml")
    problems: list[str] = []
    assert construct(AgreementFile, raw) == validation.validate(AgreementFile, raw, "a", problems)
    assert construct(CountiesFile, counties) == validation.validate(CountiesFile, counties, "c", problems)
    assert problems == []


def test_the_same_terms_either_way(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("KVINNOFRID_LEDGER_CACHE", str(tmp_path / "fresh"))
    first = load_terms(data_dir)  # validated by pydantic, marker left
    assert list((tmp_path / "fresh").iterdir())
    second = load_terms(data_dir)  # built from the marker
    assert first == second
    monkeypatch.setenv("KVINNOFRID_LEDGER_CACHE", "off")
    assert load_terms(data_dir) == first
    assert not (tmp_path / "off").exists()


def test_a_second_run_does_not_import_pydantic(tmp_path):
    env = {**os.environ, "KVINNOFRID_LEDGER_CACHE": str(tmp_path / "cache")}
    code = "import sys; from kvinnofrid_ledger.terms import load_terms; load_terms(); print('pydantic' in sys.modules)"
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True) for _ in range(2)]
    assert [r.stdout.strip() for r in runs] == ["True", "False"], runs


def test_changed_bytes_are_validated_again(data_dir):
    assert run("allocate", "2019", "--data-dir", data_dir).exit_code == 0  # leaves a marker
    path = data_dir / "agreement.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("total = 20_000_000", "total = 2.0e7"), encoding="utf-8")
    assert_one_line_error(run("allocate", "2019", "--data-dir", data_dir), 2, "ceilings.total")


def test_whole_file_rules_run_even_with_a_marker(data_dir):
    assert run("allocate", "2019", "--data-dir", data_dir).exit_code == 0
    path = data_dir / "agreement.toml"
    # valid field by field, so a marker for these bytes may exist after one run ...
    path.write_text(path.read_text(encoding="utf-8").replace("county = 400_000 ", "county = 1_000_000 "), encoding="utf-8")
    first = run("allocate", "2019", "--data-dir", data_dir)
    second = run("allocate", "2019", "--data-dir", data_dir)
    # ... and the allocation over the pot is refused both times
    assert_one_line_error(first, 2, "over the kvinnofrid pot's ceiling")
    assert_one_line_error(second, 2, "over the kvinnofrid pot's ceiling")


def test_an_unwritable_cache_is_only_slower(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("KVINNOFRID_LEDGER_CACHE", str(blocker / "sub"))
    assert run("allocate", "2019", "--format", "json").json()["total"] == 9_000_000
