"""RCTab's tie-break modes, each decision recorded as a :class:`TieBreak`.

Source: RCTab ``Tiebreak.java`` and ``Tabulator.java`` (BrightSpots/rcv), the
``tiebreakMode`` setting of its contest config:

``random``
    Sort the tied names (Java string order) and pick index
    ``floor(nextDouble() * n)`` from one ``java.util.Random(randomSeed)``
    shared by every tie of the count.
``stopCountingAndAsk``
    The operator decides. Here: the next entry of ``decisions`` is used, or
    :class:`TieBreakDecisionRequired` is raised naming the round and the tie.
``previousRoundCountsThenRandom`` / ``previousRoundCountsThenAsk``
    Walk back through earlier rounds keeping the tied candidates with the
    fewest (loser) or most (winner) votes; if still tied after round 1, fall
    back to ``random`` / ``stopCountingAndAsk`` among those left. The order of
    those left is the iteration order of the Java ``HashSet`` RCTab uses,
    reproduced by :mod:`selectorate.counting.java_collections`.
``useCandidateOrder``
    The candidate order of the config: a loser is the tied candidate listed
    last, a winner the one listed first.
``generatePermutation``
    As ``useCandidateOrder`` with a permutation made by sorting the config's
    names and applying ``Collections.shuffle(list, new Random(randomSeed))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from selectorate.counting.java_collections import hash_order, java_string_key
from selectorate.counting.java_random import JavaRandom, java_shuffle
from selectorate.counting.result import TieBreak

TIEBREAK_MODES = (
    "random",
    "stopCountingAndAsk",
    "previousRoundCountsThenRandom",
    "previousRoundCountsThenAsk",
    "useCandidateOrder",
    "generatePermutation",
)

_NEEDS_SEED = ("random", "previousRoundCountsThenRandom", "generatePermutation")


class TieBreakDecisionRequired(Exception):
    """A tie that the rules leave to a person ("stop counting and ask").

    Supply the decisions (candidate names, in the order the ties arise) with
    the ``tiebreak_decisions`` option and count again.
    """

    def __init__(self, round_number: int, purpose: str, tied: Sequence[str]) -> None:
        self.round_number = round_number
        self.purpose = purpose
        self.tied = tuple(tied)
        verb = "win" if purpose == "election" else "lose"
        super().__init__(
            f"round {round_number}: tie for {purpose} between {', '.join(self.tied)}; "
            f"the tie-break mode asks a person to choose who should {verb} "
            "(give the choice with the tiebreak_decisions option)"
        )


def _java_hashset_capacity(size: int) -> int:
    """Table size of ``new HashSet<>(collection)`` on Java 21 (``HashMap.newHashMap``)."""
    need = -(-max(size, 12) * 4 // 3)  # ceil(n / 0.75) in integers (load factor 3/4)
    cap = 1
    while cap < need:
        cap <<= 1
    return cap


class TieBreaker:
    """Breaks ties for one count (one pass) under one RCTab tie-break mode."""

    def __init__(
        self,
        mode: str,
        candidate_order: Sequence[str],
        seed: int | None = None,
        decisions: Sequence[str] | None = None,
    ) -> None:
        if mode not in TIEBREAK_MODES:
            raise ValueError(f"unknown tiebreak mode {mode!r}; known: {', '.join(TIEBREAK_MODES)}")
        if mode in _NEEDS_SEED and seed is None:
            raise ValueError(f"tiebreak mode {mode!r} needs a random seed")
        self.mode = mode
        self.seed = seed
        self._decisions = list(decisions or ())
        self._rng = JavaRandom(seed) if mode in _NEEDS_SEED else None
        self.permutation = list(candidate_order)
        if mode == "generatePermutation":
            assert self._rng is not None
            self.permutation.sort(key=java_string_key)
            java_shuffle(self.permutation, self._rng)

    def choose(
        self,
        *,
        selecting_winner: bool,
        tied: Sequence[str],
        round_number: int,
        previous_tallies: Sequence[dict[str, Fraction]] = (),
    ) -> tuple[str, TieBreak]:
        """Pick the winner (or loser) among ``tied``; ``previous_tallies[r-1]`` is round r."""
        purpose = "election" if selecting_winner else "elimination"
        ordered = sorted(tied, key=java_string_key)
        if self.mode == "random":
            chosen, detail = self._random(ordered)
            method = "random"
        elif self.mode == "stopCountingAndAsk":
            chosen, detail = self._ask(ordered, round_number, purpose), "decision supplied"
            method = "operator decision"
        elif self.mode in ("useCandidateOrder", "generatePermutation"):
            chosen = self._by_permutation(ordered, selecting_winner)
            method = "candidate order" if self.mode == "useCandidateOrder" else "permutation"
            detail = (
                f"{'earliest' if selecting_winner else 'latest'} in: {', '.join(self.permutation)}"
            )
            if self.mode == "generatePermutation":
                detail = f"seed {self.seed}; {detail}"
        else:
            chosen, method, detail = self._previous_rounds(
                ordered, selecting_winner, round_number, previous_tallies, purpose
            )
        record = TieBreak(purpose, tuple(ordered), chosen, method, detail)
        return chosen, record

    def _random(self, ordered: Sequence[str]) -> tuple[str, str]:
        assert self._rng is not None
        index = self._rng.next_index(len(ordered))
        return ordered[
            index
        ], f"seed {self.seed}; draw index {index} of {len(ordered)} (sorted names)"

    def _ask(self, ordered: Sequence[str], round_number: int, purpose: str) -> str:
        if not self._decisions:
            raise TieBreakDecisionRequired(round_number, purpose, ordered)
        chosen = self._decisions.pop(0)
        if chosen not in ordered:
            raise ValueError(
                f"round {round_number}: tie-break decision {chosen!r} is not one of the tied "
                f"candidates ({', '.join(ordered)})"
            )
        return chosen

    def _by_permutation(self, ordered: Sequence[str], selecting_winner: bool) -> str:
        wanted = set(ordered)
        search = self.permutation if selecting_winner else reversed(self.permutation)
        for name in search:
            if name in wanted:
                return name
        raise ValueError(
            f"none of the tied candidates {', '.join(ordered)} is in the tie-break order"
        )

    def _previous_rounds(
        self,
        ordered: Sequence[str],
        selecting_winner: bool,
        round_number: int,
        previous_tallies: Sequence[dict[str, Fraction]],
        purpose: str,
    ) -> tuple[str, str, str]:
        contention = list(ordered)
        for earlier in range(round_number - 1, 0, -1):
            tally = previous_tallies[earlier - 1]
            # RCTab regroups the contenders through a HashSet each round.
            contention = hash_order(contention, _java_hashset_capacity(len(contention)))
            values = {name: tally[name] for name in contention}
            best = max(values.values()) if selecting_winner else min(values.values())
            contention = [name for name in contention if values[name] == best]
            if len(contention) == 1:
                word = "most" if selecting_winner else "fewest"
                return (
                    contention[0],
                    "previous round counts",
                    f"{word} votes ({best}) in round {earlier}",
                )
        if self.mode == "previousRoundCountsThenRandom":
            chosen, detail = self._random(contention)
            return chosen, "previous round counts, then random", f"still tied; {detail}"
        chosen = self._ask(contention, round_number, purpose)
        return (
            chosen,
            "previous round counts, then operator decision",
            "still tied; decision supplied",
        )
