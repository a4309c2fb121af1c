"""Instant-runoff voting as RCTab counts it (``singleWinnerMajority``).

Source: RCTab ``Tabulator.java`` (BrightSpots/rcv); the rules are described
in :mod:`selectorate.counting.rctab_engine`. One winner: each round the
threshold is ``floor(active / 2) + 1`` (recomputed every round unless
``first_round_determines_threshold``); a candidate reaching it wins, otherwise
the last candidate (or a batch) is eliminated. When two candidates remain and
neither reaches the threshold, the one with more votes wins (a tie there is
broken by the tie-break mode).

RCTab options (keyword → config key → meaning):

- ``overvote_rule`` → ``overvoteRule``: ``exhaustImmediately`` |
  ``alwaysSkipToNextRank`` | ``exhaustIfMultipleContinuing``;
- ``max_skipped_ranks`` → ``maxSkippedRanksAllowed`` (None: unlimited);
- ``max_rankings`` → ``maxRankingsAllowed``: RCTab enforces it when reading CVRs (our
  readers do too); the count itself does not use it;
- ``exhaust_on_duplicate`` → ``exhaustOnDuplicateCandidate``;
- ``tiebreak_mode``/``random_seed``/``tiebreak_order`` → ``tiebreakMode``/``randomSeed``
  (see :mod:`selectorate.counting.tiebreak`); ``tiebreak_decisions`` answers the
  "ask" modes;
- ``batch_elimination`` → ``batchElimination``;
- ``continue_until_two`` → ``continueUntilTwoCandidatesRemain`` (keep eliminating
  after the winner is known until two remain);
- ``first_round_determines_threshold`` → ``doesFirstRoundDetermineThreshold``;
- ``minimum_vote_threshold`` → ``minimumVoteThreshold`` (eliminate everyone below it);
- ``stop_after_round`` → ``stopTabulationEarlyAfterRound``;
- ``seats`` must be 1; ``decimal_places``, ``non_integer_threshold``,
  ``hare_quota``, ``cutoff_elimination`` and ``bottoms_up_percentage`` are
  accepted for a uniform option table.
"""

from __future__ import annotations

from selectorate.ballots import Election
from selectorate.counting import registry
from selectorate.counting.rctab_engine import COMMON_OPTIONS, rctab_count
from selectorate.counting.result import CountResult


def count_irv(election: Election, **options: object) -> CountResult:
    """Count ``election`` by RCTab's single-winner IRV rules."""
    if options.get("seats", 1) != 1:
        raise ValueError("irv elects exactly one candidate (seats=1)")
    return rctab_count(election, options, mode="single", method="irv", allowed=COMMON_OPTIONS)


registry.register(
    registry.Method(
        name="irv",
        summary="Instant-runoff voting, RCTab rules (singleWinnerMajority)",
        function=count_irv,
    )
)
