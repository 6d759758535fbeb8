"""Whole kronor in and out: the only place amounts are parsed from or formatted as text."""

from __future__ import annotations

import re

# Digits, optionally grouped in threes by single spaces ("400 000", also the no-break spaces a
# spreadsheet writes) or by commas ("400,000", as an English-language spreadsheet shows it),
# optionally followed by "kr", "kr." or "SEK". No sign, no exponent: a grant is paid in whole
# kronor and the kind of entry, not a minus sign, says which way the money goes. Zero öre
# (",00" or ".00", as a spreadsheet writes whole kronor in a currency column) is whole kronor;
# any other öre is not.
# Compiled where an amount is read (re caches it), not on import: `check`, `status` and `export`
# import this module but read no typed amount.
_KRONOR = (
    r"(?P<digits>[0-9]{1,3}(?P<group>[ \u00a0\u202f,])[0-9]{3}(?:(?P=group)[0-9]{3})*|[0-9]+)"
    r"(?P<ore>[,.]00)?(?:\s*(?:kr\.?|sek))?"
)
_MINUS = ("-", "\u2212")  # a hyphen-minus, or the minus sign a spreadsheet may write


class AmountError(ValueError):
    """Text that is not a positive whole number of kronor."""


def parse_kronor(text: str) -> int:
    """Parse "400000", "400 000", "400 000 kr", "400,000" or "400 000,00" into 400000; refuse anything else.

    Refused: zero, negative amounts, öre ("400000,50", "400000.50"), exponents ("4e5"), text.
    The one parser of an amount a person typed, for `record --amount` and `import` alike.
    """
    stripped = text.strip()
    match = re.compile(_KRONOR, re.I).fullmatch(stripped)
    if match is not None and match["group"] == "," and (match["ore"] or "").startswith(","):
        match = None  # "400,000,00": commas both group and mark the öre
    if match is None:
        raise AmountError(
            f"amount {text!r} is not whole kronor: write digits, optionally grouped by spaces "
            "and followed by 'kr' (400000, 400 000, 400 000 kr, 400 000,00); no öre, sign or exponent"
        )
    digits = re.sub(r"[^0-9]", "", match["digits"])
    if len(digits) > 18:  # a billion billion kronor: a typing error; int() refuses 4 300 digits and more
        raise AmountError(f"amount {text[:40]!r}{'...' if len(text) > 40 else ''} has {len(digits)} digits; no grant is that large")
    value = int(digits)
    if value == 0:
        raise AmountError(f"amount {text!r} is zero; an entry moves at least 1 kr")
    return value


def parse_signed_kronor(text: str) -> int:
    """An amount as `export` writes it, signed by its effect ("-50000", "−50 000 kr"): the sign,
    then whatever `parse_kronor` accepts, with its messages."""
    stripped = text.strip()
    if stripped.startswith(_MINUS):
        return -parse_kronor(stripped[1:])
    return parse_kronor(stripped)


def format_kronor(amount: int) -> str:
    """9000000 -> "9 000 000"; a space groups the thousands, as Swedish usage has it."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(amount):,}".replace(",", " ")
