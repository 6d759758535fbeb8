import datetime

from conftest import assert_one_line_error, run
from kvinnofrid_ledger.terms import load_terms, shipped_data_dir
from ledgerkit import read


def test_init_writes_the_terms_and_a_ledger_that_pins_them(tmp_path):
    target = tmp_path / "project"
    result = run("init", target)
    assert result.exit_code == 0, result
    for name in ("agreement.toml", "counties.toml"):
        assert (target / name).read_bytes() == (shipped_data_dir() / name).read_bytes()
    assert (target / "ledger.toml").read_text(encoding="utf-8").startswith("# kvinnofrid-ledger")
    # the terms beside the ledger are found without any flag: no `export KVINNOFRID_LEDGER_DATA` hint
    assert "KVINNOFRID_LEDGER_DATA" not in result.stderr and result.stdout == ""
    assert f"--ledger {target / 'ledger.toml'}" in result.stderr
    book = read(target / "ledger.toml")
    (pin,) = book.pins
    assert (pin.id, pin.kind, pin.digest, pin.date) == (1, "terms", load_terms().digest, datetime.date.today())
    assert "kvinnofrid-ledger" in pin.source and book.entries == ()
    assert run("allocate", "2019", "--format", "json", "--data-dir", target).json()["total"] == 9_000_000


def test_init_overwrites_nothing(tmp_path):
    (tmp_path / "ledger.toml").write_text("# mine\n")
    result = run("init", tmp_path)
    assert_one_line_error(result, 2, "ledger.toml", "nothing was written")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.toml"]
    assert (tmp_path / "ledger.toml").read_text() == "# mine\n"


def test_init_from_a_bad_data_dir_writes_nothing(tmp_path, data_dir):
    (data_dir / "agreement.toml").write_text("name = 1\n")
    target = tmp_path / "new"
    assert run("init", target, "--data-dir", data_dir).exit_code == 2
    assert not target.exists()
