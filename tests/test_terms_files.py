"""Every bad data file is one clear line naming the file and the key, exit 2, no traceback."""

import pytest

from conftest import assert_one_line_error, run


def edit(data_dir, name, old, new):
    path = data_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CASES = [
    ("agreement.toml", "total = 20_000_000", "total = 2.0e7", "ceilings.total", "whole number"),
    ("agreement.toml", "total = 20_000_000", 'total = "20000000"', "ceilings.total", "whole number"),
    ("agreement.toml", "total = 20_000_000", "total = true", "ceilings.total", "whole number"),
    ("agreement.toml", "county = 400_000 ", "county = -400_000 ", "allocation.county", "greater than or equal to 0"),
    ("agreement.toml", "last_year = 2020\n", "", "period.last_year", "missing"),
    ("agreement.toml", "total = 20_000_000\n", "", "ceilings.total", "missing"),
    ("agreement.toml", "jamstalldhet = 5_000_000\n", "", "ceilings.jamstalldhet", "every pot needs a ceiling"),
    ("agreement.toml", "last_year = 2020\n", "last_year = 2020\nlast_yaer = 2021\n", "period.last_yaer", "unknown key"),
    ("agreement.toml", 'pot = "kvinnofrid"\nname = "Stronger', 'pot = "kvinnofrd"\nname = "Stronger', "line[samverkan].pot", "unknown pot"),
    ("agreement.toml", "county = 400_000 ", "county = 1_000_000 ", "allocation", "over the kvinnofrid pot's ceiling"),
    ("agreement.toml", 'metropolitan_reading = "instead"', 'metropolitan_reading = "both"', "allocation.metropolitan_reading", "'instead' or 'on-top'"),
    ("agreement.toml", 'line = "rss"\ncounty', 'line = "rsss"\ncounty', "allocation.line", "unknown budget line"),
    ("agreement.toml", "first_year = 2018", "first_year = 2021", "period.last_year", "before first_year"),
    ("agreement.toml", "[period]", "[period\n", "agreement.toml", "not valid TOML"),
    ("counties.toml", 'code = "03"', 'code = "01"', "county[01].code", "duplicate county code"),
    ("counties.toml", 'code = "03"', "code = 3", "county[#2].code", "must be a string"),
    ("counties.toml", 'code = "03"', 'code = "3"', "county[3].code", "two-digit county code"),
    ("counties.toml", "metropolitan = false", 'metropolitan = "no"', "county[03].metropolitan", "true or false"),
    ("counties.toml", 'name = "Uppsala län"\n', "", "county[03].name", "missing"),
]


@pytest.mark.parametrize(("name", "old", "new", "key", "words"), CASES)
def test_bad_data_file(data_dir, name, old, new, key, words):
    edit(data_dir, name, old, new)
    result = run("allocate", "2019", "--data-dir", data_dir)
    assert_one_line_error(result, 2, name, key, words)
    assert result.stdout == ""


def test_amendment_for_a_year_outside_the_period(data_dir):
    (data_dir / "agreement.toml").write_text(
        (data_dir / "agreement.toml").read_text(encoding="utf-8") + "\n[[amendment]]\nyear = 2022\n", encoding="utf-8"
    )
    assert_one_line_error(run("terms", "--data-dir", data_dir), 2, "amendment[1].year", "outside the period")


def test_amendment_naming_an_unknown_county(data_dir):
    (data_dir / "agreement.toml").write_text(
        (data_dir / "agreement.toml").read_text(encoding="utf-8") + '\n[[amendment]]\nyear = 2019\nallocation = { counties = { "99" = 1 } }\n',
        encoding="utf-8",
    )
    assert_one_line_error(run("terms", "--data-dir", data_dir), 2, "amendment[1].allocation.counties.99", "unknown county")


def test_amendment_that_lowers_a_pot_below_the_allocations(data_dir):
    (data_dir / "agreement.toml").write_text(
        (data_dir / "agreement.toml").read_text(encoding="utf-8") + "\n[[amendment]]\nyear = 2020\nceilings = { kvinnofrid = 8_999_999 }\n",
        encoding="utf-8",
    )
    assert_one_line_error(run("allocate", "--data-dir", data_dir), 2, "2020", "1 kr over the kvinnofrid pot's ceiling of 8 999 999 kr")


def test_several_problems_are_all_reported_one_line_each(data_dir):
    edit(data_dir, "agreement.toml", "total = 20_000_000", "total = 2.5")
    edit(data_dir, "counties.toml", 'code = "03"', 'code = "01"')
    result = run("allocate", "--data-dir", data_dir)
    assert_one_line_error(result, 2, "ceilings.total", "duplicate county code")
    assert len(result.stderr.strip().splitlines()) == 2


def test_missing_data_files(tmp_path):
    assert_one_line_error(run("allocate", "--data-dir", tmp_path), 2, "agreement.toml", "no such file")


def test_data_dir_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    assert_one_line_error(run("allocate", "--data-dir", tmp_path / "f"), 2)


def test_not_utf8(data_dir):
    (data_dir / "counties.toml").write_bytes(b'[[county]]\ncode = "01"\nname = "\xe5"\nmetropolitan = true\n')
    assert_one_line_error(run("allocate", "--data-dir", data_dir), 2, "counties.toml", "UTF-8")
