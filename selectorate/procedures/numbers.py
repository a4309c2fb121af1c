"""Rates and thresholds as rulebooks write them, in exact arithmetic.

Every rulebook file writes a rate as a string, ``"15%"``, ``"12.5%"`` or
``"1/3"``, and every procedure reads it with :func:`parse_rate` (one parser
for the whole project, so that ``"15%"`` means the same everywhere). A bare
number such as ``"15"`` or ``0.15`` is refused: it is ambiguous (15% or
fifteen?) and a float would not be exact.

A threshold is the smallest whole number of nominations, branches or votes
that satisfies a rule. Rulebooks say "15 per cent of the PLP"; people are not
divisible, so the rulebook (or its custom) also says how the share is rounded:

* ``"up"`` — Labour: ``threshold = ceil(rate × pool)``, the smallest ``n``
  with ``n ≥ rate × pool``. "In Labour's rule book you round up because you
  cannot have 0.1 per cent of an MP or 0.5 of a CLP" (New Statesman, Dec 2019,
  shared/facts/rulebooks.md §1.1 "Rounding"); worked cases: 15% of 232 MPs =
  34.8 → 35 (2015), 20% of 251 = 50.2 → 51 (2016), 10% of 212 = 21.2 → 22
  (2020), 5% of 648 CLPs = 32.4 → 33 (2020).
* ``"down"`` — ``floor(rate × pool)``: a rule that says "rounded down" (the NUS
  "50% (rounded down) for women", rulebooks.md §8).

A *strict* requirement ("more than half") is a different rule from "at least
half" and needs no rounding: the smallest ``n`` with ``n > rate × pool`` is
``floor(rate × pool) + 1``. :func:`required` gives the smallest count for
either comparison, :func:`meets` tests a count directly.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Literal

__all__ = [
    "ROUNDING_RULES",
    "Comparison",
    "Rounding",
    "explain_required",
    "format_exact",
    "format_rate",
    "is_rate",
    "meets",
    "parse_rate",
    "required",
    "share",
    "threshold",
]

#: How a share of a pool becomes a whole number.
Rounding = Literal["up", "down"]

#: How a count is compared with a share: ``count ≥ share`` or ``count > share``.
Comparison = Literal["at_least", "more_than"]

#: The rounding rules by name, with the reason a reader sees.
ROUNDING_RULES: dict[str, str] = {
    "up": (
        "rounded up: threshold = ceil(rate × pool), the smallest whole number not below the "
        "share (Labour: 'you cannot have 0.1 per cent of an MP or 0.5 of a CLP')"
    ),
    "down": "rounded down: threshold = floor(rate × pool)",
}

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_RATIO = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_rate(text: object) -> Fraction:
    """The exact rate written as ``"15%"``, ``"12.5%"`` or ``"1/3"`` (between 0 and 1).

    Raises :class:`ValueError` with a one-line message for anything else,
    e.g. ``'15' is not a rate like "15%" or "3/20"``; the rulebook loader adds
    the file and key.
    """
    if not isinstance(text, str):
        raise ValueError(f'{text!r} is not a rate like "15%" or "3/20" (write it as a string)')
    match = _PERCENT.match(text)
    if match:
        rate = Fraction(match.group(1)) / 100
    else:
        match = _RATIO.match(text)
        if not match:
            raise ValueError(f'{text!r} is not a rate like "15%" or "3/20"')
        if int(match.group(2)) == 0:
            raise ValueError(f"{text!r} divides by zero")
        rate = Fraction(int(match.group(1)), int(match.group(2)))
    if rate > 1:
        raise ValueError(f"{text!r} is more than 100%")
    return rate


def is_rate(text: object) -> bool:
    """True when :func:`parse_rate` accepts ``text``."""
    try:
        parse_rate(text)
    except ValueError:
        return False
    return True


def format_exact(value: Fraction | int) -> str:
    """``35``, ``34.8`` (a terminating decimal) or ``232/3`` (otherwise): exact, never rounded."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    scaled = abs(value) * 10**places
    whole, frac = divmod(int(scaled), 10**places)
    sign = "-" if value < 0 else ""
    return f"{sign}{whole}.{frac:0{places}d}".rstrip("0").rstrip(".")


def format_rate(rate: Fraction) -> str:
    """A rate as a rulebook would write it: ``"15%"``, ``"12.5%"``, else ``"1/3"``."""
    percent = rate * 100
    text = format_exact(percent)
    if "/" in text:
        return f"{rate.numerator}/{rate.denominator}"
    return f"{text}%"


def share(rate: Fraction, pool: int) -> Fraction:
    """``rate × pool``, exactly."""
    return rate * pool


def threshold(rate: Fraction, pool: int, rounding: Rounding = "up") -> int:
    """The whole-number threshold for "``rate`` of ``pool``", rounded as the rulebook says.

    ``"up"`` (Labour): the smallest ``n`` with ``n ≥ rate × pool``, i.e. ``ceil``.
    """
    if pool < 0:
        raise ValueError(f"a pool cannot be negative ({pool})")
    exact = rate * pool
    if rounding == "up":
        return math.ceil(exact)
    if rounding == "down":
        return math.floor(exact)
    raise ValueError(f"unknown rounding {rounding!r}; known: {', '.join(ROUNDING_RULES)}")


def required(
    rate: Fraction, pool: int, comparison: Comparison = "at_least", rounding: Rounding = "up"
) -> int:
    """The smallest whole count that satisfies the rule.

    ``at_least``: :func:`threshold` (rounded as the rulebook says);
    ``more_than``: ``floor(rate × pool) + 1`` (strictly more than the share).
    """
    if comparison == "at_least":
        return threshold(rate, pool, rounding)
    if comparison == "more_than":
        return math.floor(rate * pool) + 1
    raise ValueError(f"unknown comparison {comparison!r}; known: at_least, more_than")


def meets(
    count: int, rate: Fraction, pool: int, comparison: Comparison = "at_least",
    rounding: Rounding = "up",
) -> bool:
    """Whether ``count`` satisfies "``comparison`` ``rate`` of ``pool``"."""
    return count >= required(rate, pool, comparison, rounding)


def explain_required(
    rate: Fraction, pool: int, comparison: Comparison = "at_least", rounding: Rounding = "up"
) -> str:
    """The arithmetic behind :func:`required`, e.g. ``ceil(15% × 232 = 34.8) = 35``."""
    exact = rate * pool
    need = required(rate, pool, comparison, rounding)
    product = f"{format_rate(rate)} × {pool} = {format_exact(exact)}"
    if comparison == "more_than":
        return f"more than {product} → {need}"
    op = "ceil" if rounding == "up" else "floor"
    if exact.denominator == 1:
        return product
    return f"{op}({product}) = {need}"
