"""A bit-exact port of ``java.util.Random`` and ``Collections.shuffle``.

RCTab (the Universal RCV Tabulator) breaks "random" ties with
``new java.util.Random(seed)``; reproducing its published results therefore
needs the very same pseudo-random sequence. Everything here follows the
algorithms *documented* in the Java SE API specification (class
``java.util.Random``: ``setSeed``, ``next``, ``nextInt``, ``nextInt(int)``,
``nextDouble``; ``java.util.Collections.shuffle(List, Random)``), written with
Python integers only.

Floating point: ``nextDouble()`` is the one place where Java produces a
``double``; RCTab only uses it to pick an index, as
``(int) Math.floor(nextDouble() * n)``. :meth:`JavaRandom.next_index` computes
that index with integers, emulating the IEEE-754 round-to-nearest-even product
exactly, so no float is ever created. (The simpler ``(k * n) >> 53`` differs
from Java in rare cases where the double product rounds up to an integer.)
"""

from __future__ import annotations

from collections.abc import MutableSequence
from typing import TypeVar

_MULTIPLIER = 0x5DEECE66D
_ADDEND = 0xB
_MASK = (1 << 48) - 1

T = TypeVar("T")


def _to_int32(value: int) -> int:
    """Interpret the low 32 bits of ``value`` as a signed Java ``int``."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


class JavaRandom:
    """``java.util.Random``: the 48-bit linear congruential generator of the Java API spec."""

    def __init__(self, seed: int) -> None:
        self.set_seed(seed)

    def set_seed(self, seed: int) -> None:
        """``setSeed(long)``: scramble the seed with the multiplier (``seed ^ 0x5DEECE66D``)."""
        self._seed = (seed ^ _MULTIPLIER) & _MASK

    def next_bits(self, bits: int) -> int:
        """``next(int bits)``: advance the LCG and return its top ``bits`` bits as a Java int."""
        self._seed = (self._seed * _MULTIPLIER + _ADDEND) & _MASK
        return _to_int32(self._seed >> (48 - bits))

    def next_int(self, bound: int | None = None) -> int:
        """``nextInt()`` or ``nextInt(int bound)`` (uniform in ``[0, bound)``, rejection loop)."""
        if bound is None:
            return self.next_bits(32)
        if bound <= 0:
            raise ValueError("bound must be positive")
        if bound & (bound - 1) == 0:  # a power of two: take the high bits
            return _to_int32((bound * self.next_bits(31)) >> 31)
        while True:
            bits = self.next_bits(31)
            value = bits % bound
            # Java rejects when bits - value + (bound - 1) overflows a signed int.
            if bits - value + (bound - 1) < (1 << 31):
                return value

    def next_double_numerator(self) -> int:
        """The 53-bit integer ``k`` with ``nextDouble() == k / 2**53`` (exactly)."""
        return (self.next_bits(26) << 27) + self.next_bits(27)

    def next_index(self, n: int) -> int:
        """``(int) Math.floor(nextDouble() * n)`` computed with integers only.

        ``nextDouble()`` is exactly ``k / 2**53``; the double product with ``n``
        is the exact value ``k * n / 2**53`` rounded to 53 significant bits
        (round half to even), which is what we reproduce before flooring.
        """
        if n <= 0:
            raise ValueError("n must be positive")
        numerator = self.next_double_numerator() * n
        shift = 53
        extra = numerator.bit_length() - 53
        if extra > 0:  # drop low bits with round-half-to-even, as the FPU does
            half = 1 << (extra - 1)
            kept, rest = numerator >> extra, numerator & ((1 << extra) - 1)
            if rest > half or (rest == half and kept & 1):
                kept += 1
            numerator, shift = kept, shift - extra
        return numerator >> shift if shift >= 0 else numerator << -shift


def java_shuffle(items: MutableSequence[T], rnd: JavaRandom) -> None:
    """``Collections.shuffle(list, rnd)``: swap ``i - 1`` with ``nextInt(i)`` for i = size..2."""
    for i in range(len(items), 1, -1):
        j = rnd.next_int(i)
        items[i - 1], items[j] = items[j], items[i - 1]
