"""Properties of the weighted inclusive Gregory counts: Scottish STV and WIGM.

Random small elections (Hypothesis): some withdrawn candidates, skipped ranks,
blank ballots and weighted ballots. Every count passes a ``seed`` so that a tie
needing a lot never stops it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selectorate.ballots import Ballot, Candidate, Election
from selectorate.ballots.packed import PackedBallots
from selectorate.counting import registry
from selectorate.counting.result import CountResult
from selectorate.counting.scottish_stv import count_scottish_stv
from selectorate.counting.stv_rules import GroupMinimum
from selectorate.counting.wigm import count_wigm

METHODS = [
    pytest.param(count_scottish_stv, id="scottish-stv"),
    pytest.param(count_wigm, id="wigm"),
]
SEED = "properties"
PROFILE = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def elections(draw: st.DrawFn, min_cands: int = 2, max_cands: int = 7) -> Election:
    """A small election: 2–7 candidates, up to 40 ballot lines, weights 1–4."""
    n = draw(st.integers(min_cands, max_cands))
    withdrawn = draw(st.sets(st.integers(0, n - 1), max_size=1)) if n > 3 else set()
    cands = tuple(Candidate(f"C{i}", excluded=i in withdrawn) for i in range(n))
    ballots = []
    for _ in range(draw(st.integers(1, 40))):
        order = draw(st.permutations(range(n)))
        ranks: list[tuple[int, ...]] = [(c,) for c in order[: draw(st.integers(0, n))]]
        if ranks and draw(st.integers(0, 9)) == 0:
            ranks.insert(draw(st.integers(0, len(ranks))), ())  # a skipped rank
        ballots.append(Ballot(tuple(ranks), draw(st.integers(1, 4))))
    seats = draw(st.integers(1, n))
    return Election(cands, ballots, seats)


def _valid(result: CountResult) -> Fraction:
    return result.total_ballots - result.undervotes


def _lot_drawn(result: CountResult) -> bool:
    return any(t.method == "lot" for t in result.tie_breaks)


def _standing(election: Election) -> int:
    return sum(not c.excluded for c in election.candidates)


@pytest.mark.parametrize("count", METHODS)
@PROFILE
@given(election=elections())
def test_conservation_at_every_stage(count, election):
    """Votes + non-transferable + loss by fractions = valid papers, at every stage."""
    result = count(election, seed=SEED)
    for rnd in result.rounds:
        assert rnd.active + rnd.inactive_total + rnd.residual_surplus == _valid(result)
        assert all(v >= 0 for v in rnd.tally.values())
        assert rnd.residual_surplus >= 0
        scale = 10**result.decimal_places
        assert all((v * scale).denominator == 1 for v in rnd.tally.values())


@pytest.mark.parametrize("count", METHODS)
@PROFILE
@given(election=elections())
def test_fills_every_seat_unless_candidates_run_out(count, election):
    result = count(election, seed=SEED)
    assert len(result.elected) == min(election.seats, _standing(election))
    assert len(set(result.elected)) == len(result.elected)
    withdrawn = {c.name for c in election.candidates if c.excluded}
    assert not withdrawn & set(result.elected)
    assert len(result.rounds) == result.rounds[-1].number


@pytest.mark.parametrize("count", METHODS)
@PROFILE
@given(election=elections(), shuffle_seed=st.integers(0, 2**32))
def test_ballot_order_does_not_matter(count, election, shuffle_seed):
    result = count(election, seed=SEED)
    ballots = list(election.ballots)
    random.Random(shuffle_seed).shuffle(ballots)
    election.ballots = ballots
    again = count(election, seed=SEED)
    assert again.elected == result.elected
    assert [r.tally for r in again.rounds] == [r.tally for r in result.rounds]
    assert [r.actions for r in again.rounds] == [r.actions for r in result.rounds]


@pytest.mark.parametrize("count", METHODS)
@PROFILE
@given(election=elections(), data=st.data())
def test_candidate_labels_do_not_matter(count, election, data):
    """Renaming and reordering the candidates renames the result (when no lot is drawn)."""
    result = count(election, seed=SEED)
    n = len(election.candidates)
    perm = data.draw(st.permutations(range(n)))  # new position of old candidate i
    new_names = data.draw(
        st.lists(st.text("abcdefghij", min_size=1, max_size=4), min_size=n, max_size=n, unique=True)
    )
    old_at = {perm[i]: i for i in range(n)}
    cands = tuple(
        Candidate(new_names[old_at[j]], excluded=election.candidates[old_at[j]].excluded)
        for j in range(n)
    )
    ballots = [
        Ballot(tuple(tuple(perm[c] for c in rank) for rank in b.rankings), b.weight)
        for b in election.ballots
    ]
    renamed = count(Election(cands, ballots, election.seats), seed=SEED)
    back = {new_names[i]: election.candidates[i].name for i in range(n)}
    if _lot_drawn(result) or _lot_drawn(renamed):
        return  # a lot depends on the names: nothing to compare
    assert {back[x] for x in renamed.elected} == set(result.elected)
    assert len(renamed.rounds) == len(result.rounds)
    for ours, theirs in zip(result.rounds, renamed.rounds, strict=True):
        assert {back[k]: v for k, v in theirs.tally.items()} == ours.tally
        assert theirs.inactive == ours.inactive
        assert theirs.residual_surplus == ours.residual_surplus
        assert sorted((a.kind, back[a.candidate]) for a in theirs.actions) == sorted(
            (a.kind, a.candidate) for a in ours.actions
        )


@pytest.mark.parametrize("count", METHODS)
@PROFILE
@given(election=elections(min_cands=3), data=st.data())
def test_group_minimum_is_honoured(count, election, data):
    """Once candidates outside the group hold the seats the minimum leaves them, no more win.

    So the group gets its minimum unless candidates outside it overshoot at a
    single stage (several reach the quota together, which the rulebook addition
    cannot prevent) or too few group members are left (excluded as lowest).
    """
    names = [c.name for c in election.candidates if not c.excluded]
    members = frozenset(data.draw(st.sets(st.sampled_from(names), min_size=1)))
    minimum = data.draw(st.integers(1, min(len(members), election.seats)))
    limit = election.seats - minimum
    result = count(election, seed=SEED, minimums=[GroupMinimum("group", members, minimum)])

    outside = 0
    limit_reached_at = None
    for rnd in result.rounds:
        for action in rnd.actions:
            if action.kind == "elected" and action.candidate not in members:
                assert limit_reached_at is None or rnd.number == limit_reached_at, (
                    "a candidate outside the group won after its seats were used up"
                )
                outside += 1
            if action.kind == "excluded":
                assert action.candidate not in members
        if outside >= limit and limit_reached_at is None:
            limit_reached_at = rnd.number
    overshoot = outside > limit
    eliminated = {a.candidate for r in result.rounds for a in r.actions if a.kind == "eliminated"}
    if not overshoot and len(members - eliminated) >= minimum:
        assert len(members & set(result.elected)) >= minimum


def test_group_minimum_changes_a_result():
    """4 candidates, 2 seats, at least 1 woman: the second man is excluded, the woman wins."""
    cands = tuple(Candidate(n) for n in ("M1", "M2", "M3", "W1"))
    ballots = [
        Ballot(((0,), (1,)), 40),
        Ballot(((1,), (0,)), 30),
        Ballot(((2,), (1,)), 20),
        Ballot(((3,),), 15),
    ]
    election = Election(cands, ballots, 2)
    women = GroupMinimum("women", frozenset({"W1"}), 1)
    for count in (count_scottish_stv, count_wigm):
        assert set(count(election).elected) == {"M1", "M2"}
        result = count(election, minimums=[women])
        assert set(result.elected) == {"M1", "W1"}
        excluded = [a for r in result.rounds for a in r.actions if a.kind == "excluded"]
        assert {a.candidate for a in excluded} == {"M2", "M3"}
        assert any("excluded: at least 1 of 2 seats must go to women" in n for n in result.notes)


@pytest.mark.parametrize("count", METHODS)
@PROFILE
@given(election=elections(), data=st.data())
def test_ron_seats_stay_unfilled(count, election, data):
    names = [c.name for c in election.candidates if not c.excluded]
    ron = data.draw(st.sampled_from(names))
    plain = count(election, seed=SEED)
    result = count(election, seed=SEED, ron=ron)
    assert ron not in result.elected
    assert result.elected == [n for n in plain.elected if n != ron]
    assert [r.tally for r in result.rounds] == [r.tally for r in plain.rounds]
    unfilled = [a for r in result.rounds for a in r.actions if a.kind == "unfilled"]
    assert len(unfilled) == (ron in plain.elected)
    assert all(a.candidate == ron for a in unfilled)


@pytest.mark.parametrize("count", METHODS)
@PROFILE
@given(election=elections(min_cands=3), data=st.data())
def test_withdrawal_during_the_count(count, election, data):
    """A candidate withdrawing before stage k is excluded at stage k if still continuing."""
    names = [c.name for c in election.candidates if not c.excluded]
    who = data.draw(st.sampled_from(names))
    stage = data.draw(st.integers(2, 4))
    result = count(election, seed=SEED, withdrawals={stage: [who]})
    forced = [
        (r.number, a.candidate) for r in result.rounds for a in r.actions if a.kind == "excluded"
    ]
    if forced:
        assert forced == [(stage - 1, who)]
        assert who not in result.elected
        assert who not in result.rounds[stage - 1].tally
    for rnd in result.rounds:
        assert rnd.active + rnd.inactive_total + rnd.residual_surplus == _valid(result)


@pytest.mark.parametrize("name", ["scottish-stv", "wigm"])
def test_registered(name):
    method = registry.get(name)
    assert method.multi_seat
    election = Election((Candidate("A"), Candidate("B")), [Ballot(((0,),), 3), Ballot(((1,),), 1)])
    assert registry.count(name, election).elected == ["A"]


@pytest.mark.parametrize("count", METHODS)
def test_equal_ranking_is_refused(count):
    election = Election(
        (Candidate("A"), Candidate("B")),
        [Ballot(((0,),)), Ballot(((0, 1),), label="paper 7")],
    )
    with pytest.raises(ValueError, match=r"ballot 2 \(paper 7\) ranks several candidates"):
        count(election)


class _Packed(Sequence[Ballot]):
    """A minimal read-only Sequence[Ballot], standing in for a packed ballot store."""

    def __init__(self, ballots: list[Ballot]) -> None:
        self._ballots = ballots

    def __len__(self) -> int:
        return len(self._ballots)

    def __getitem__(self, i):  # type: ignore[override]
        return self._ballots[i]


@pytest.mark.parametrize("count", METHODS)
def test_accepts_any_sequence_of_ballots(count):
    """election.ballots may be any Sequence[Ballot] (e.g. a packed store): only iterated."""
    ballots = [Ballot(((0,), (1,)), 5), Ballot(((1,),), 4), Ballot(((2,), (0,)), 3)]
    names = (Candidate("A"), Candidate("B"), Candidate("C"))
    as_list = count(Election(names, ballots, 2))
    packed = count(Election(names, _Packed(ballots), 2))  # type: ignore[arg-type]
    assert packed.rounds == as_list.rounds
    assert packed.elected == as_list.elected


@pytest.mark.parametrize("count", METHODS)
@PROFILE
@given(election=elections())
def test_packed_ballots_count_the_same(count, election):
    """The same ballots as a PackedBallots (numpy arrays) give the same count."""
    plain = [b for b in election.ballots if () not in b.rankings]  # packed: no skipped ranks
    election.ballots = plain
    result = count(election, seed=SEED)
    election.ballots = PackedBallots.from_ballots(plain)
    packed = count(election, seed=SEED)
    assert packed.rounds == result.rounds
    assert packed.elected == result.elected
    assert (packed.total_ballots, packed.undervotes) == (result.total_ballots, result.undervotes)


@pytest.mark.parametrize("count", METHODS)
@PROFILE
@given(election=elections(), denominator=st.integers(2, 7))
def test_fractional_weights_are_conserved(count, election, denominator):
    """Weighted ballots (a card vote): votes are weight × value, conserved exactly."""
    election.ballots = [
        Ballot(b.rankings, Fraction(b.weight, denominator)) for b in election.ballots
    ]
    result = count(election, seed=SEED)
    for rnd in result.rounds:
        assert rnd.active + rnd.inactive_total + rnd.residual_surplus == _valid(result)
    assert len(result.elected) == min(election.seats, _standing(election))
