"""Properties of the paper-and-parcel STV rules: ERS97 ("ers97") and the Irish Dáil ("irish").

* conservation at every stage, exactly: tally + non-transferable + loss by
  fractions == the valid vote;
* as many elected as seats unless candidates run out, never more, none twice;
* ERS97 does not depend on the order of the ballots; the Irish count does (its
  surplus papers are the last filed), so for it: the same order, the same count;
* renaming the candidates renames the result (when no lot was drawn);
* a group minimum is honoured; a RON candidate's seat stays unfilled.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from selectorate.ballots import Ballot, Candidate, Election
from selectorate.counting.ers97 import count_ers97
from selectorate.counting.irish import count_irish
from selectorate.counting.result import CountResult
from selectorate.counting.stv_rules import GroupMinimum

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
METHODS = {"ers97": count_ers97, "irish": count_irish}
SEED = "property-seed"


@st.composite
def elections(draw, min_candidates=2, max_candidates=6):
    n = draw(st.integers(min_candidates, max_candidates))
    seats = draw(st.integers(1, min(3, n)))
    prefs = st.permutations(range(n)).flatmap(
        lambda p: st.integers(1, n).map(lambda k: tuple(p[:k]))
    )
    ranking = prefs.flatmap(
        lambda p: st.lists(st.booleans(), min_size=len(p), max_size=len(p)).map(
            lambda gaps: _with_gaps(p, gaps)
        )
    )
    ballots = draw(st.lists(st.builds(Ballot, ranking, st.integers(1, 3)), min_size=1, max_size=30))
    names = tuple(Candidate(f"Cand {chr(65 + i)}") for i in range(n))
    return Election(names, ballots, seats=seats)


def _with_gaps(prefs: tuple[int, ...], gaps: list[bool]) -> tuple[tuple[int, ...], ...]:
    """A ranking with a skipped rank before each preference whose flag is set."""
    out: list[tuple[int, ...]] = []
    for c, gap in zip(prefs, gaps, strict=True):
        if gap:
            out.append(())
        out.append((c,))
    return tuple(out)


def run(method: str, election: Election, **options) -> CountResult:
    return METHODS[method](election, seed=SEED, **options)


def conserved(result: CountResult) -> None:
    valid = result.total_ballots - result.undervotes
    for rnd in result.rounds:
        assert rnd.active + rnd.inactive_total + rnd.residual_surplus == valid, rnd.number
        assert all(v >= 0 for v in rnd.tally.values())


def lots(result: CountResult) -> bool:
    return any(t.method == "lot" for t in result.tie_breaks)


method_names = st.sampled_from(sorted(METHODS))


@SETTINGS
@given(method_names, elections())
def test_conservation_and_seat_count(method, election):
    result = run(method, election)
    conserved(result)
    standing = len(election.candidates)
    assert len(result.elected) == min(election.seats, standing)
    assert len(set(result.elected)) == len(result.elected)
    places = 2 if method == "ers97" else None
    assert result.decimal_places == places
    for rnd in result.rounds:
        if places is not None:
            assert all((v * 100).denominator == 1 for v in rnd.tally.values())
        else:
            assert all(v.denominator == 1 for v in rnd.tally.values())


@SETTINGS
@given(elections(), st.randoms(use_true_random=False))
def test_ers97_does_not_depend_on_ballot_order(election, rnd):
    result = run("ers97", election)
    shuffled = list(election.ballots)
    rnd.shuffle(shuffled)
    other = run("ers97", Election(election.candidates, shuffled, seats=election.seats))
    assert other.elected == result.elected
    assert other.rounds == result.rounds


@SETTINGS
@given(elections())
def test_irish_is_deterministic_for_a_given_order(election):
    first = run("irish", election)
    again = run("irish", Election(election.candidates, list(election.ballots), election.seats))
    assert again.rounds == first.rounds
    assert again.elected == first.elected
    assert again.notes == first.notes


@SETTINGS
@given(method_names, elections())
def test_renaming_candidates_renames_the_result(method, election):
    result = run(method, election)
    assume(not lots(result))
    rename = {c.name: f"Z{len(election.candidates) - i}" for i, c in enumerate(election.candidates)}
    renamed = Election(
        tuple(Candidate(rename[c.name]) for c in election.candidates),
        list(election.ballots),
        seats=election.seats,
    )
    other = run(method, renamed)
    assert other.elected == [rename[n] for n in result.elected]
    assert [{rename[k]: v for k, v in r.tally.items()} for r in result.rounds] == [
        r.tally for r in other.rounds
    ]


@SETTINGS
@given(elections(), st.randoms(use_true_random=False))
def test_ers97_candidate_order_does_not_matter(election, rnd):
    result = run("ers97", election)
    assume(not lots(result))
    order = list(range(len(election.candidates)))
    rnd.shuffle(order)
    where = {old: new for new, old in enumerate(order)}
    moved = Election(
        tuple(election.candidates[i] for i in order),
        [
            Ballot(tuple(tuple(where[c] for c in r) for r in b.rankings), b.weight)
            for b in election.ballots
        ],
        seats=election.seats,
    )
    other = run("ers97", moved)
    # Candidates equal at every point are listed in candidate order: compare sets.
    assert sorted(other.elected) == sorted(result.elected)
    assert [dict(sorted(r.tally.items())) for r in other.rounds] == [
        dict(sorted(r.tally.items())) for r in result.rounds
    ]


@SETTINGS
@given(method_names, elections(min_candidates=3), st.data())
def test_group_minimum_is_honoured(method, election, data):
    names = election.names
    members = data.draw(st.sets(st.sampled_from(names), min_size=1, max_size=len(names) - 1))
    minimum = data.draw(st.integers(1, min(election.seats, len(members))))
    group = GroupMinimum("group", frozenset(members), minimum)
    result = run(method, election, minimums=[group])
    conserved(result)
    assert len(result.elected) <= election.seats
    assert sum(1 for n in result.elected if n in members) >= minimum
    assert len(result.elected) == election.seats


@SETTINGS
@given(method_names, elections(), st.data())
def test_ron_seats_stay_unfilled(method, election, data):
    ron = data.draw(st.sampled_from(election.names))
    plain = run(method, election)
    result = run(method, election, ron=ron)
    conserved(result)
    assert ron not in result.elected
    assert result.elected == [n for n in plain.elected if n != ron]
    unfilled = [a for r in result.rounds for a in r.actions if a.kind == "unfilled"]
    assert len(unfilled) == (1 if ron in plain.elected else 0)


@SETTINGS
@given(method_names, elections(min_candidates=3), st.data())
def test_withdrawal_during_the_count(method, election, data):
    who = data.draw(st.sampled_from(election.names))
    stage = data.draw(st.integers(2, 4))
    result = run(method, election, withdrawals={stage: [who]})
    conserved(result)
    assert len(result.elected) <= election.seats
    if len(result.rounds) >= stage:
        kinds = [(a.kind, a.candidate) for r in result.rounds for a in r.actions]
        if ("excluded", who) in kinds:
            assert who not in result.elected


class Packed(Sequence):
    """A read-only ballot sequence that is not a list (as a packed store would be)."""

    def __init__(self, ballots):
        self._ballots = tuple(ballots)

    def __getitem__(self, i):
        return self._ballots[i]

    def __len__(self):
        return len(self._ballots)


@SETTINGS
@given(method_names, elections())
def test_any_ballot_sequence_is_accepted(method, election):
    packed = Election(election.candidates, Packed(election.ballots), seats=election.seats)
    assert run(method, packed).rounds == run(method, election).rounds


def test_weights_count_as_papers():
    # ERS97 accepts fractional weights (a share of a paper), the Irish rule does not.
    cands = (Candidate("A"), Candidate("B"))
    e = Election(cands, [Ballot(((0,),), Fraction(3, 2)), Ballot(((1,),), 1)], seats=1)
    result = count_ers97(e)
    conserved(result)
    assert result.elected == ["A"]
