"""RCTab's bottoms-up multi-winner counts (no surplus transfers).

Source: RCTab ``Tabulator.java`` (BrightSpots/rcv); rules in
:mod:`selectorate.counting.rctab_engine`.

``bottoms-up`` (``winnerElectionMode`` ``bottomsUp``)
    Eliminate one candidate (or a batch) at a time, as in IRV, until only
    ``seats`` candidates remain; they are all elected. No threshold decides.
``bottoms-up-percentage`` (``bottomsUpUsingPercentageThreshold``, ``seats`` 0)
    Eliminate until every remaining candidate holds strictly more than
    ``bottoms_up_percentage`` (``multiSeatBottomsUpPercentageThreshold``, given
    as a fraction: 15 % is ``Fraction(15, 100)``) of the round's active votes
    (of round 1's with ``first_round_determines_threshold``); they are all
    elected. ``cutoff_elimination`` (``cutoffElimination``) first eliminates, in
    round 1, everyone below that threshold at once.
"""

from __future__ import annotations

from selectorate.ballots import Election
from selectorate.counting import registry
from selectorate.counting.rctab_engine import COMMON_OPTIONS, rctab_count
from selectorate.counting.result import CountResult


def count_bottoms_up(election: Election, **options: object) -> CountResult:
    """Eliminate until ``seats`` candidates remain (RCTab ``bottomsUp``)."""
    return rctab_count(
        election, options, mode="bottoms_up", method="bottoms-up", allowed=COMMON_OPTIONS
    )


def count_bottoms_up_percentage(election: Election, **options: object) -> CountResult:
    """Eliminate until everyone left exceeds a share of the vote (RCTab percentage mode)."""
    options = {"seats": 0, **options}
    return rctab_count(
        election,
        options,
        mode="bottoms_up_percentage",
        method="bottoms-up-percentage",
        allowed=COMMON_OPTIONS,
    )


registry.register(
    registry.Method(
        name="bottoms-up",
        summary="RCTab bottoms-up: eliminate until the seats' number of candidates remain",
        function=count_bottoms_up,
        multi_seat=True,
    )
)
registry.register(
    registry.Method(
        name="bottoms-up-percentage",
        summary="RCTab bottoms-up until every remaining candidate passes a vote share",
        function=count_bottoms_up_percentage,
        multi_seat=True,
    )
)
