"""Properties of the RCTab-rule counts (irv, stv-rctab, bottoms-up, multi-pass)."""

from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selectorate.ballots import OVERVOTE, Ballot, Candidate, Election
from selectorate.counting import registry
from selectorate.counting.result import CountResult
from selectorate.reports.rctab_json import render_rctab_json_passes

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def elections(draw, min_candidates=2, max_candidates=5):
    n = draw(st.integers(min_candidates, max_candidates))
    allow_overvote_label = draw(st.booleans())
    mark = st.integers(0, n - 1)
    rank = st.one_of(
        st.just(()),
        mark.map(lambda c: (c,)),
        st.tuples(mark, mark),
        st.just((OVERVOTE,)) if allow_overvote_label else st.just(()),
    )
    ranking = st.lists(rank, min_size=0, max_size=n + 1).map(tuple)
    ballots = draw(st.lists(st.builds(Ballot, ranking, st.integers(1, 3)), min_size=1, max_size=25))
    candidates = tuple(Candidate(f"Cand {chr(65 + i)}") for i in range(n))
    return Election(candidates, ballots), allow_overvote_label


@st.composite
def rules(draw, overvote_label: bool):
    ov = ["exhaustImmediately", "alwaysSkipToNextRank"]
    if not overvote_label:
        ov.append("exhaustIfMultipleContinuing")
    return {
        "overvote_rule": draw(st.sampled_from(ov)),
        "max_skipped_ranks": draw(st.sampled_from([None, 0, 1, 2])),
        "exhaust_on_duplicate": draw(st.booleans()),
        "batch_elimination": draw(st.booleans()),
        "tiebreak_mode": draw(st.sampled_from(["useCandidateOrder", "random"])),
        "random_seed": draw(st.integers(0, 1000)),
    }


def _count(method: str, election: Election, options: dict) -> CountResult:
    return registry.count(method, election, **options)


def _check_conservation(result: CountResult) -> None:
    expected = result.total_ballots - result.undervotes
    for rnd in result.rounds:
        total = rnd.active + rnd.inactive_total + rnd.residual_surplus
        assert total == expected, (rnd.number, total, expected)


@st.composite
def counts(draw):
    election, label = draw(elections())
    options = draw(rules(label))
    method = draw(st.sampled_from(["irv", "stv-rctab", "bottoms-up", "multi-pass-irv"]))
    if method != "irv":
        top = 3 if method != "multi-pass-irv" else min(3, len(election.candidates))
        options["seats"] = draw(st.integers(min(2, top), top))
    if method in ("stv-rctab", "bottoms-up"):
        options["batch_elimination"] = False  # RCTab allows it in single-winner counts only
    if method == "irv":
        options["continue_until_two"] = draw(st.booleans())
    return method, election, options


@SETTINGS
@given(counts())
def test_every_round_conserves_votes_and_seats_are_respected(data):
    method, election, options = data
    result = _count(method, election, options)
    for part in result.passes or [result]:
        _check_conservation(part)
    assert len(result.elected) <= max(result.seats, 1)
    assert len(set(result.elected)) == len(result.elected)


@SETTINGS
@given(elections(), st.integers(0, 2**32 - 1))
def test_bottoms_up_percentage_conserves_votes(data, seed):
    election, _ = data
    try:
        result = _count(
            "bottoms-up-percentage", election, {"bottoms_up_percentage": Fraction(15, 100)}
        )
    except ValueError as error:  # everybody eliminated: RCTab cannot proceed either
        assert "no continuing candidate" in str(error)
        return
    _check_conservation(result)


@SETTINGS
@given(counts(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_ballot_order(data, rnd):
    method, election, options = data
    shuffled = list(election.ballots)
    rnd.shuffle(shuffled)
    other = Election(election.candidates, shuffled)
    a = render_rctab_json_passes(_count(method, election, options), {})
    b = render_rctab_json_passes(_count(method, other, options), {})
    assert a == b


@SETTINGS
@given(counts())
def test_result_does_not_depend_on_candidate_labels(data):
    method, election, options = data
    options = {**options, "tiebreak_mode": "useCandidateOrder"}
    rename = {
        c.name: f"Z{len(election.candidates) - i:02d} {c.name[::-1]}"
        for i, c in enumerate(election.candidates)
    }
    renamed = Election(
        tuple(Candidate(rename[c.name]) for c in election.candidates), election.ballots
    )
    a = _count(method, election, options)
    b = _count(method, renamed, options)
    assert [rename[n] for n in a.elected] == b.elected
    for pa, pb in zip(a.passes or [a], b.passes or [b], strict=True):
        assert len(pa.rounds) == len(pb.rounds)
        for ra, rb in zip(pa.rounds, pb.rounds, strict=True):
            assert {rename[k]: v for k, v in ra.tally.items()} == rb.tally
            assert ra.inactive == rb.inactive and ra.threshold == rb.threshold


@SETTINGS
@given(elections(), st.integers(0, 1000))
def test_irv_winner_holds_a_majority_of_the_final_round(data, seed):
    election, label = data
    result = _count("irv", election, {"tiebreak_mode": "random", "random_seed": seed})
    final = result.rounds[-1]
    winner = result.elected[0]
    decided_by_tie = any(t.purpose == "election" for t in final.tie_breaks)
    if final.active and not decided_by_tie and len(final.tally) > 1:
        assert 2 * final.tally[winner] > final.active


@SETTINGS
@given(counts())
def test_a_ballot_of_weight_w_counts_as_w_copies(data):
    method, election, options = data
    copies = [Ballot(b.rankings) for b in election.ballots for _ in range(int(b.weight))]
    expanded = Election(election.candidates, copies)
    a = render_rctab_json_passes(_count(method, election, options), {})
    b = render_rctab_json_passes(_count(method, expanded, options), {})
    assert a == b


def test_seeded_random_is_reproducible():
    rng = random.Random(3)
    cands = tuple(Candidate(n) for n in "ABCD")
    ballots = [Ballot(tuple((rng.randrange(4),) for _ in range(2))) for _ in range(40)]
    e = Election(cands, ballots)
    opts = {"tiebreak_mode": "random", "random_seed": 7}
    assert render_rctab_json_passes(_count("irv", e, opts), {}) == render_rctab_json_passes(
        _count("irv", e, opts), {}
    )


def test_huge_weights_do_not_overflow():
    # Weights past int64 range must count exactly (Python ints), never wrap around.
    from selectorate.ballots import Ballot, Candidate, Election
    from selectorate.counting import registry

    big = 2**62
    election = Election(
        candidates=(Candidate("A"), Candidate("B"), Candidate("C")),
        ballots=[Ballot(((0,),), big), Ballot(((1,),), big - 1), Ballot(((2,), (1,)), 2)],
    )
    result = registry.count("irv", election)
    assert result.elected == ["B"]
    assert result.rounds[0].tally["A"] == big
    assert result.rounds[-1].tally["B"] == big + 1
