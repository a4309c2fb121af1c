"""RCTab's multi-winner count: STV with truncating fixed-point surplus transfers.

Source: RCTab ``Tabulator.java``, ``CastVoteRecord.recordCurrentRecipientAsWinner``
and ``ContestConfig.divide``/``multiply`` (BrightSpots/rcv); the rules are set
out in :mod:`selectorate.counting.rctab_engine`. Config
``winnerElectionMode``: ``multiWinnerAllowMultipleWinnersPerRound``
(``one_winner_per_round=False``) or ``multiWinnerAllowOnlyOneWinnerPerRound``
(``one_winner_per_round=True``: when several reach the threshold, only the one
with most votes is elected that round).

Not exact STV: the surplus fraction ``(votes - threshold) / votes`` is
truncated to ``decimal_places`` (``decimalPlacesForVoteArithmetic``), each
ballot's transferred value is truncated again, and what truncation loses is
booked as ``residual surplus``. The threshold is fixed in round 1: Droop
``floor(V/(S+1)) + 1`` or, with ``non_integer_threshold``
(``nonIntegerWinningThreshold``), ``trunc_d(V/(S+1)) + 10**-d``; Hare
(``hare_quota``) ``ceil(V/S)``. After the last seat is filled one more round
shows the winners' surpluses leaving as ``finalRoundSurplus``.

Other options as for :mod:`selectorate.counting.irv` (overvote rule, skipped
ranks, duplicates, tie-breaks, minimum vote threshold, stop after round N).
"""

from __future__ import annotations

from selectorate.ballots import Election
from selectorate.counting import registry
from selectorate.counting.rctab_engine import COMMON_OPTIONS, rctab_count
from selectorate.counting.result import CountResult


def count_stv_rctab(election: Election, **options: object) -> CountResult:
    """Count ``election`` by RCTab's multi-winner rules (truncating fixed-point STV)."""
    allowed = (*COMMON_OPTIONS, "one_winner_per_round")
    return rctab_count(election, options, mode="multi", method="stv-rctab", allowed=allowed)


registry.register(
    registry.Method(
        name="stv-rctab",
        summary="RCTab multi-winner STV, fixed-point truncating surplus transfers",
        function=count_stv_rctab,
        multi_seat=True,
    )
)
