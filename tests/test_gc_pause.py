"""Reading and importing pause Python's cycle collector and leave it as they found it."""

import gc

import pytest

from kvinnofrid_ledger.errors import UserError
from kvinnofrid_ledger.gc_pause import gc_paused
from kvinnofrid_ledger.importing import import_file
from kvinnofrid_ledger.ledger import parse_ledger
from kvinnofrid_ledger.terms import load_terms


@pytest.fixture
def collector():
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_left_as_it_was(collector, enabled):
    (gc.enable if enabled else gc.disable)()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled
    with pytest.raises(ZeroDivisionError), gc_paused():
        1 / 0
    assert gc.isenabled() is enabled


def test_reading_a_damaged_ledger_and_a_refused_import_resume_it(collector, tmp_path):
    gc.enable()
    assert parse_ledger(b"[[entry]\nnot toml", "ledger.toml").problems
    assert gc.isenabled()
    bad = tmp_path / "rows.csv"
    bad.write_text("kind,date,year,line,amount\ndisbursement,2019-02-30,2019,rss,5\n")
    ledger = tmp_path / "ledger.toml"
    ledger.write_text("")
    with pytest.raises(UserError):
        import_file(ledger, load_terms(), bad)
    assert gc.isenabled()
    assert ledger.read_bytes() == b""
