"""Ties in the simple methods (FPTP, block vote, electoral college): a published order or stop.

These rules leave a tie to "lot". Counting software must not draw that lot
itself behind the scrutineers' backs, so a method takes ``tiebreak_order``: an
order of the candidates drawn by lot *before* the count and published. The
earliest-listed tied candidate wins a tie for election; the latest-listed loses
a tie for elimination. Without an order a tie stops the count with
:class:`TieUnresolved`, which names the tied candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from selectorate.counting.result import TieBreak

__all__ = ["TieUnresolved", "break_tie", "check_tiebreak_order"]

Purpose = Literal["election", "elimination"]

#: The ``TieBreak.method`` recorded for a decision taken by a published order.
ORDER_METHOD = "published order drawn by lot"


class TieUnresolved(Exception):
    """A tie the count cannot decide without a tie-break order drawn by lot."""

    def __init__(self, round_number: int, purpose: Purpose, tied: Sequence[str]) -> None:
        self.round_number = round_number
        self.purpose = purpose
        self.tied = tuple(tied)
        super().__init__(
            f"round {round_number}: tie for {purpose} between {', '.join(self.tied)}; "
            "draw lots and give the result as the tiebreak_order option"
        )


def check_tiebreak_order(order: Sequence[str] | None, standing: Sequence[str]) -> None:
    """Raise :class:`ValueError` unless ``order`` lists each standing candidate exactly once.

    ``standing`` are the candidates in the count (excluded ones may be listed or not).
    """
    if order is None:
        return
    if isinstance(order, str):
        raise ValueError("tiebreak_order must be a list of candidate names, not a string")
    seen: set[str] = set()
    for name in order:
        if name in seen:
            raise ValueError(f"tiebreak_order lists {name!r} twice")
        seen.add(name)
    missing = [n for n in standing if n not in seen]
    if missing:
        raise ValueError(f"tiebreak_order does not list {', '.join(missing)}")


def break_tie(
    tied: Sequence[str], purpose: Purpose, order: Sequence[str] | None, round_number: int
) -> TieBreak:
    """Decide a tie among ``tied`` (in candidate order) by ``order``, or raise.

    Returns the :class:`TieBreak` to record; ``chosen`` is the winner of a tie
    for election or the candidate eliminated in a tie for elimination.
    """
    if order is None:
        raise TieUnresolved(round_number, purpose, tied)
    position = {name: k for k, name in enumerate(order)}
    ranked = sorted(tied, key=lambda n: position[n])
    chosen = ranked[0] if purpose == "election" else ranked[-1]
    return TieBreak(
        purpose=purpose,
        tied=tuple(tied),
        chosen=chosen,
        method=ORDER_METHOD,
        detail="order: " + ", ".join(ranked),
    )
