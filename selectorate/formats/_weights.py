"""Ballot weights in text formats: whole numbers or exact decimals, never floats."""

from __future__ import annotations

import re
from fractions import Fraction

from selectorate.ballots.model import Weight

_DECIMAL = re.compile(r"\d+\.\d*|\.\d+")

#: Longest number (in digits) a reader converts. Python's ``int()`` refuses more than
#: 4,300 digits with a bare ValueError (CVE-2020-10735); no count needs a tenth of this.
MAX_DIGITS = 400


def whole(text: str) -> int | None:
    """``int(text)`` for decimal digits (an optional sign) of at most :data:`MAX_DIGITS`; else None.

    ``text`` is one a reader has already matched as a whole number; ``None`` means
    it is too long to be one anyone meant.
    """
    if len(text.lstrip("+-")) > MAX_DIGITS:
        return None
    return int(text)


def parse_weight(text: str) -> Weight | None:
    """``int`` for ``"3"``, an exact :class:`Fraction` for ``"2.5"``; ``None`` if neither.

    A number longer than :data:`MAX_DIGITS` characters is neither.
    """
    if len(text) > MAX_DIGITS:
        return None
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
