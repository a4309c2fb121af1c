"""How every report prints a number.

Counts are exact (:class:`fractions.Fraction`), so printing is the only place
where a value can be shortened, and the rules for doing so live here, in one
module, so that the terminal sheet, the HTML sheet and the JSON agree.

The sheet rule (:func:`format_value`)
-------------------------------------
* A whole value prints as an integer: ``Fraction(8)`` → ``"8"``.
* A **fixed-point** result (``CountResult.decimal_places`` is an integer, e.g.
  RCTab's STV or Scottish STV, which truncate every value to a number of
  decimal places) already holds values that are exact at that scale, so they
  are printed exactly with that many places: ``Fraction(22501, 10000)`` with 4
  places → ``"2.2501"``. Should a value need more places than that (a
  threshold computed from a percentage, say), all the places it needs are
  printed: nothing is ever cut off a fixed-point value.
* An **exact-Fraction** result (``decimal_places is None``; Meek, Warren, card
  votes) may hold values such as 1/3 that no decimal expresses. The sheets print
  them with **4 decimal places, rounded half to even** (``1/3`` → ``"0.3333"``,
  ``2/3`` → ``"0.6667"``, ``0.00005`` → ``"0.0000"``, ``0.00015`` →
  ``"0.0002"``). This is a display rule only: the JSON result keeps the exact
  value (``"1/3"``), and every decision was taken on the exact value.

Percentages
-----------
:func:`percent` (our sheets) truncates toward zero to two places and always
prints both places: 6/14 → ``"42.85%"``, 1/4 → ``"25.00%"``. Truncation never
shows a share larger than it is (49.999% is never shown as 50.00%).

:func:`rctab_percent` reproduces RCTab's "% of vote" column exactly (see its
docstring): 6/14 → ``"42.85%"``, 1/4 → ``"25.0%"``, 0 → ``"0.0%"``.
"""

from __future__ import annotations

from fractions import Fraction

#: Places used to print values of exact-Fraction results (see the module docstring).
EXACT_DISPLAY_PLACES = 4


def is_finite_decimal(value: Fraction) -> bool:
    """True when ``value`` has a terminating decimal expansion (denominator 2^a·5^b)."""
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def decimal_places_needed(value: Fraction) -> int | None:
    """The fewest decimal places that print ``value`` exactly, or ``None`` if none do."""
    d = value.denominator
    counts = []
    for p in (2, 5):
        n = 0
        while d % p == 0:
            d //= p
            n += 1
        counts.append(n)
    return max(counts) if d == 1 else None


def _round_half_even(value: Fraction, places: int) -> int:
    """``value`` scaled by 10**places and rounded half to even, as an integer."""
    return round(value * 10**places)  # Fraction.__round__ rounds half to even


def _truncate(value: Fraction, places: int) -> int:
    """``value`` scaled by 10**places and truncated toward zero, as an integer."""
    scaled = value * 10**places
    return int(scaled)  # int() of a Fraction truncates toward zero


def _digits(units: int, places: int) -> str:
    """``units`` (a value times 10^places) printed as a decimal with ``places`` places."""
    sign = "-" if units < 0 else ""
    units = abs(units)
    if places == 0:
        return f"{sign}{units}"
    whole, frac = divmod(units, 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"


def fixed(value: Fraction | int, places: int) -> str:
    """``value`` with exactly ``places`` places, rounded half to even when it is not exact."""
    return _digits(_round_half_even(Fraction(value), places), places)


def exact_decimal(value: Fraction | int) -> str | None:
    """The shortest exact decimal for ``value`` (``"4.05"``, ``"-3"``), or ``None``."""
    value = Fraction(value)
    places = decimal_places_needed(value)
    if places is None:
        return None
    return _digits(int(value * 10**places), places)


def format_fraction(value: Fraction | int) -> str:
    """``"p/q"`` (or ``"p"`` when whole): the exact value, always."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def exact_string(value: Fraction | int) -> str:
    """An exact text form: the decimal when it terminates, else ``"p/q"``.

    ``Fraction(exact_string(v)) == v`` for every value (``Fraction`` parses both).
    """
    text = exact_decimal(value)
    return text if text is not None else format_fraction(value)


def format_value(value: Fraction | int, decimal_places: int | None) -> str:
    """The sheet rule for one value (see the module docstring)."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    if decimal_places is None:
        return fixed(value, EXACT_DISPLAY_PLACES)
    needed = decimal_places_needed(value)
    if needed is None:  # cannot happen for a true fixed-point value; never hide digits silently
        return fixed(value, max(decimal_places, EXACT_DISPLAY_PLACES))
    return _digits(int(value * 10 ** max(needed, decimal_places)), max(needed, decimal_places))


def scaled_decimal(value: Fraction | int, scale: int | None, fallback_places: int = 4) -> str:
    """Print ``value`` the way Java's ``BigDecimal.toString`` prints it at ``scale``.

    ``scale`` is the number of places the reference tool carries (``8`` vs
    ``8.0000``). With no scale, the shortest exact decimal is printed, and a
    value with no finite decimal gets ``fallback_places`` places rounded half
    to even. A value that needs more places than ``scale`` keeps them all.
    """
    value = Fraction(value)
    needed = decimal_places_needed(value)
    if needed is None:
        return fixed(value, max(scale or 0, fallback_places))
    places = needed if scale is None else max(scale, needed)
    return _digits(int(value * 10**places), places)


def percent(part: Fraction | int, whole: Fraction | int, places: int = 2) -> str:
    """``part/whole`` in percent, truncated toward zero: ``"42.85%"``; ``""`` when whole is 0."""
    whole = Fraction(whole)
    if whole == 0:
        return ""
    return _digits(_truncate(Fraction(part) * 100 / whole, places), places) + "%"


def _round_significant_half_even(value: Fraction, digits: int) -> Fraction:
    """``value`` rounded to ``digits`` significant digits, half to even (Java ``MathContext``)."""
    if value == 0:
        return Fraction(0)
    magnitude = abs(value)
    # exponent e with 10**e <= magnitude < 10**(e+1)
    e = len(str(magnitude.numerator // magnitude.denominator)) - 1 if magnitude >= 1 else -1
    if magnitude < 1:
        while magnitude * 10 ** (-e) < 1:
            e -= 1
    scale = digits - 1 - e
    return Fraction(round(value * Fraction(10) ** scale)) / Fraction(10) ** scale


def rctab_percent(part: Fraction | int, whole: Fraction | int) -> str:
    """RCTab's "% of vote" cell, digit for digit.

    RCTab (``ResultsWriter.generateSummarySpreadsheet``) divides with
    ``MathContext.DECIMAL32`` (7 significant digits, half to even), keeps
    ``intValue()`` of the quotient times 10^4 (truncation toward zero) and
    prints that number divided by 100.0 as a Java ``double`` followed by
    ``%``: so 6/14 → ``"42.85%"``, 1/4 → ``"25.0%"``, 2/27 → ``"7.4%"``. A
    zero denominator gives an empty cell.
    """
    whole = Fraction(whole)
    if whole == 0:
        return ""
    quotient = _round_significant_half_even(Fraction(part) / whole, 7)
    hundredths = int(quotient * 10**4)
    # Java prints the double n/100.0 with its shortest digits and keeps ".0" on
    # whole numbers; done here on the integer, without a float.
    sign = "-" if hundredths < 0 else ""
    whole_part, cents = divmod(abs(hundredths), 100)
    if cents == 0:
        digits = f"{whole_part}.0"
    elif cents % 10 == 0:
        digits = f"{whole_part}.{cents // 10}"
    else:
        digits = f"{whole_part}.{cents:02d}"
    return f"{sign}{digits}%"
