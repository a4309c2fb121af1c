"""Properties of the keep-value STV methods (meek, meek-droop, meek-nz, warren).

* conservation: Σ tally + exhausted + residual == valid ballots, exactly, at every stage;
* the seats are filled unless the candidates run out;
* the order of the ballots does not matter;
* renaming and reordering the candidates (with the lot order mapped) changes nothing;
* a group minimum is honoured: candidates outside the group win at most seats − minimum;
* a seat won by RON stays unfilled;
* the int64 fast distribution equals the exact Python one.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selectorate.ballots import Ballot, Candidate, Election
from selectorate.counting import registry
from selectorate.counting.keep_value import (
    ELECTED,
    EXCLUDED,
    HOPEFUL,
    Distributor,
    FixedPoint,
    prepare,
)
from selectorate.counting.stv_rules import GroupMinimum

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
METHODS = [
    ("meek", {}),
    ("meek-nz", {"tiebreak": "lot"}),
    ("meek-droop", {"arithmetic": "fixed"}),
    ("meek-droop", {"arithmetic": "guarded"}),
    ("warren", {"arithmetic": "guarded"}),
]


@st.composite
def elections(draw, max_candidates: int = 6) -> Election:
    ncand = draw(st.integers(2, max_candidates))
    seats = draw(st.integers(1, min(3, ncand)))
    rows = draw(
        st.lists(
            st.tuples(st.permutations(range(ncand)), st.integers(0, ncand), st.integers(1, 5)),
            min_size=1,
            max_size=20,
        )
    )
    ballots = [Ballot(tuple((c,) for c in perm[:length]), weight) for perm, length, weight in rows]
    cands = tuple(Candidate(f"C{i}") for i in range(ncand))
    return Election(cands, ballots, seats)


method_st = st.sampled_from(METHODS)


def count(method: str, opts: dict, election: Election, **more):
    names = [c.name for c in election.candidates]
    return registry.count(method, election, lot_order=more.pop("lot_order", names), **opts, **more)


@SETTINGS
@given(elections(), method_st)
def test_conservation_and_seats(election, method):
    name, opts = method
    r = count(name, opts, election)
    valid = r.total_ballots - r.undervotes
    for rnd in r.rounds:
        assert rnd.active + rnd.inactive_total + rnd.residual_surplus == valid
    standing = len(election.candidates)
    has_votes = any(any(b.rankings) for b in election.ballots)
    if has_votes:
        assert len(r.elected) == min(election.seats, standing)
    assert len(set(r.elected)) == len(r.elected)


@SETTINGS
@given(elections(), method_st, st.randoms(use_true_random=False))
def test_ballot_order_does_not_matter(election, method, rnd):
    name, opts = method
    a = count(name, opts, election)
    shuffled = list(election.ballots)
    rnd.shuffle(shuffled)
    b = count(name, opts, Election(election.candidates, shuffled, election.seats))
    assert a.elected == b.elected
    assert [r.tally for r in a.rounds] == [r.tally for r in b.rounds]


@SETTINGS
@given(elections(), method_st, st.randoms(use_true_random=False))
def test_labels_and_candidate_order_do_not_matter(election, method, rnd):
    name, opts = method
    n = len(election.candidates)
    a = count(name, opts, election)
    perm = list(range(n))
    rnd.shuffle(perm)  # new position of candidate i is perm[i]
    new_names = [f"X{i}" for i in range(n)]
    rename = {f"C{i}": new_names[perm[i]] for i in range(n)}
    cands = [None] * n
    for i in range(n):
        cands[perm[i]] = Candidate(rename[f"C{i}"])
    ballots = [
        Ballot(tuple(tuple(perm[c] for c in rank) for rank in b.rankings), b.weight)
        for b in election.ballots
    ]
    moved = Election(tuple(cands), ballots, election.seats)
    lot = [rename[c.name] for c in election.candidates]
    b = count(name, opts, moved, lot_order=lot)
    assert sorted(rename[x] for x in a.elected) == sorted(b.elected)
    for ra, rb in zip(a.rounds, b.rounds, strict=True):
        assert {rename[k]: v for k, v in ra.tally.items()} == rb.tally


@SETTINGS
@given(elections(), method_st, st.data())
def test_group_minimum_is_honoured(election, method, data):
    name, opts = method
    n = len(election.candidates)
    members = data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n))
    minimum = data.draw(st.integers(1, min(election.seats, len(members))))
    group = GroupMinimum("group", frozenset(f"C{i}" for i in members), minimum)
    r = count(name, opts, election, minimums=[group])
    outside = [x for x in r.elected if x not in group.members]
    assert len(outside) <= election.seats - minimum
    valid = r.total_ballots - r.undervotes
    for rnd in r.rounds:
        assert rnd.active + rnd.inactive_total + rnd.residual_surplus == valid


@SETTINGS
@given(elections(), method_st, st.integers(0, 5))
def test_ron_seat_stays_unfilled(election, method, ron_index):
    name, opts = method
    ron = election.candidates[ron_index % len(election.candidates)].name
    plain = count(name, opts, election)
    r = count(name, opts, election, ron=ron)
    assert ron not in r.elected
    unfilled = [a for rnd in r.rounds for a in rnd.actions if a.kind == "unfilled"]
    assert len(r.elected) + len(unfilled) == len(plain.elected)
    assert [x for x in plain.elected if x != ron] == r.elected


@SETTINGS
@given(
    elections(max_candidates=7),
    st.sampled_from(["keep-up", "both-up", "truncate", "warren"]),
    st.data(),
)
def test_fast_distribution_equals_exact_python(election, split, data):
    n = len(election.candidates)
    prep = prepare(election, "test")
    status = data.draw(
        st.lists(st.sampled_from([HOPEFUL, ELECTED, EXCLUDED]), min_size=n, max_size=n)
    )
    kf = [
        0 if s == EXCLUDED else 10**9 if s == HOPEFUL else data.draw(st.integers(1, 10**9))
        for s in status
    ]
    fast = Distributor(prep, FixedPoint(9), split)
    assert fast._fast is not None
    slow = Distributor(prep, FixedPoint(9), split)
    slow._fast = None
    assert fast.distribute(status, kf) == slow.distribute(status, kf)


def test_large_random_election_is_conserved():
    rng = random.Random(7)
    cands = tuple(Candidate(f"C{i}") for i in range(8))
    ballots = []
    for _ in range(2000):
        perm = rng.sample(range(8), rng.randint(1, 8))
        ballots.append(Ballot(tuple((c,) for c in perm), rng.randint(1, 3)))
    e = Election(cands, ballots, 3)
    for name, opts in METHODS[:3]:
        r = registry.count(name, e, seed="x", **opts)
        valid = r.total_ballots - r.undervotes
        assert all(x.active + x.inactive_total + x.residual_surplus == valid for x in r.rounds)
        assert len(r.elected) == 3
