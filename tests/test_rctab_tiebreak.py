"""RCTab tie-break modes."""

from __future__ import annotations

from fractions import Fraction

import pytest

from selectorate.ballots import Ballot, Candidate, Election
from selectorate.counting import registry
from selectorate.counting.java_random import JavaRandom
from selectorate.counting.tiebreak import TieBreakDecisionRequired, TieBreaker


def test_candidate_order_loser_is_listed_last_winner_first():
    tb = TieBreaker("useCandidateOrder", ["A", "B", "C"])
    assert tb.choose(selecting_winner=False, tied=["A", "C"], round_number=1)[0] == "C"
    assert tb.choose(selecting_winner=True, tied=["C", "B"], round_number=1)[0] == "B"


def test_random_sorts_names_then_draws_from_java_random():
    tb = TieBreaker("random", ["Z", "A", "M"], seed=0)
    chosen, record = tb.choose(selecting_winner=False, tied=["Z", "M", "A"], round_number=2)
    index = JavaRandom(0).next_index(3)
    assert chosen == ["A", "M", "Z"][index]
    assert record.method == "random" and "seed 0" in record.detail


def test_generate_permutation_shuffles_sorted_names():
    tb = TieBreaker("generatePermutation", ["b", "c", "a"], seed=5)
    assert sorted(tb.permutation) == ["a", "b", "c"]


def test_ask_mode_needs_a_decision():
    tb = TieBreaker("stopCountingAndAsk", ["A", "B"])
    with pytest.raises(TieBreakDecisionRequired, match="round 3"):
        tb.choose(selecting_winner=False, tied=["A", "B"], round_number=3)
    tb = TieBreaker("stopCountingAndAsk", ["A", "B"], decisions=["B"])
    assert tb.choose(selecting_winner=False, tied=["A", "B"], round_number=3)[0] == "B"


def test_previous_round_counts_then_random():
    tallies = [{"A": Fraction(3), "B": Fraction(2), "C": Fraction(9)}]
    tb = TieBreaker("previousRoundCountsThenRandom", ["A", "B", "C"], seed=1)
    chosen, record = tb.choose(
        selecting_winner=False, tied=["A", "B"], round_number=2, previous_tallies=tallies
    )
    assert chosen == "B" and record.method == "previous round counts"


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="unknown tiebreak mode"):
        TieBreaker("coin", ["A"])


def test_irv_asks_and_then_uses_the_decision():
    cands = (Candidate("A"), Candidate("B"), Candidate("C"))
    ballots = [Ballot(((0,),), 3), Ballot(((1,),), 2), Ballot(((2,),), 2)]
    election = Election(cands, ballots)
    with pytest.raises(TieBreakDecisionRequired):
        registry.count("irv", election, tiebreak_mode="stopCountingAndAsk")
    result = registry.count(
        "irv", election, tiebreak_mode="stopCountingAndAsk", tiebreak_decisions=["C"]
    )
    assert result.rounds[0].actions[0].candidate == "C"
    assert result.tie_breaks[0].chosen == "C"
