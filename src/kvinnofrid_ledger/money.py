"""Whole kronor in and out: the only place amounts are parsed from or formatted as text."""

from __future__ import annotations

import re

# Digits, optionally grouped by single spaces in threes ("400 000"), optionally followed by
# "kr", "kr." or "SEK". No sign, no decimals, no exponent: a grant is paid in whole kronor and
# the kind of entry, not a minus sign, says which way the money goes.
_KRONOR = re.compile(r"(?P<digits>[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+|[0-9]+)(?:\s*(?:kr\.?|sek))?", re.I)


class AmountError(ValueError):
    """Text that is not a positive whole number of kronor."""


def parse_kronor(text: str) -> int:
    """Parse "400000", "400 000" or "400 000 kr" into 400000; refuse anything else.

    Refused: zero, negative amounts, öre ("400000,50", "400000.50"), exponents ("4e5"), text.
    """
    stripped = text.strip()
    match = _KRONOR.fullmatch(stripped)
    if match is None:
        raise AmountError(
            f"amount {text!r} is not whole kronor: write digits, optionally grouped by spaces "
            "and followed by 'kr' (400000, 400 000, 400 000 kr); no öre, sign or exponent"
        )
    digits = re.sub(r"\D", "", match["digits"])
    if len(digits) > 18:  # a billion billion kronor: a typing error; int() refuses 4 300 digits and more
        raise AmountError(f"amount {text[:40]!r}{'...' if len(text) > 40 else ''} has {len(digits)} digits; no grant is that large")
    value = int(digits)
    if value == 0:
        raise AmountError(f"amount {text!r} is zero; an entry moves at least 1 kr")
    return value


def format_kronor(amount: int) -> str:
    """9000000 -> "9 000 000"; a space groups the thousands, as Swedish usage has it."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(amount):,}".replace(",", " ")
