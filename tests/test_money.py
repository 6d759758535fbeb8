import pytest
from hypothesis import given
from hypothesis import strategies as st

from kvinnofrid_ledger.money import AmountError, format_kronor, parse_kronor


@pytest.mark.parametrize(("text", "value"), [("400000", 400_000), ("400 000", 400_000), ("400 000 kr", 400_000), ("1 000 000kr", 1_000_000), (" 7 SEK", 7), ("400\u00a0000", 400_000)])
def test_whole_kronor_are_accepted(text, value):
    assert parse_kronor(text) == value


@pytest.mark.parametrize("text", ["", "0", "0 kr", "-5", "+5", "400000,50", "400000.50", "400000.0", "4e5", "1E3", "abc", "400  000", "40 00", "400_000", "kr", "5 öre", "0x10", "١٢"])
def test_everything_else_is_refused(text):
    with pytest.raises(AmountError):
        parse_kronor(text)


def test_format_groups_thousands_with_spaces():
    assert format_kronor(9_000_000) == "9 000 000"
    assert format_kronor(0) == "0"
    assert format_kronor(-1_500) == "-1 500"


@given(st.integers(min_value=1, max_value=10**15))
def test_formatted_amounts_parse_back(amount):
    assert parse_kronor(format_kronor(amount)) == amount
    assert parse_kronor(f"{format_kronor(amount)} kr") == amount
