"""Ballot weights in text formats: whole numbers or exact decimals, never floats."""

from __future__ import annotations

import re
from fractions import Fraction

from selectorate.ballots.model import Weight

_DECIMAL = re.compile(r"\d+\.\d*|\.\d+")


def parse_weight(text: str) -> Weight | None:
    """``int`` for ``"3"``, an exact :class:`Fraction` for ``"2.5"``; ``None`` if neither."""
    if text.isdecimal():  # exactly what the regex \d+ matches (Unicode category Nd)
        return int(text)
    if _DECIMAL.fullmatch(text):
        w = Fraction(text)
        return int(w) if w.denominator == 1 else w
    return None


def decimal_text(weight: Weight) -> str | None:
    """``weight`` as a whole number or the shortest exact decimal; ``None`` if it has none.

    A fraction has a finite decimal form exactly when its reduced denominator
    has no prime factor other than 2 and 5.
    """
    w = Fraction(weight)
    if w.denominator == 1:
        return str(w.numerator)
    den, twos, fives = w.denominator, 0, 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return None
    places = max(twos, fives)
    sign = "-" if w < 0 else ""
    digits = str(abs(w.numerator) * 10**places // w.denominator).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"
