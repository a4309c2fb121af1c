"""FPTP, block vote and the AV electoral college: published results, rules and properties."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selectorate.ballots.model import OVERVOTE, Ballot, Candidate, Election
from selectorate.counting import registry
from selectorate.counting.block_vote import count_block
from selectorate.counting.electoral_college import av_tally, count_electoral_college
from selectorate.counting.fptp import count_fptp
from selectorate.counting.simple_ties import TieUnresolved

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
HISTORY = SHARED / "facts" / "labour_history.json"
needs_shared = pytest.mark.skipif(not HISTORY.is_file(), reason="../shared/facts is missing")


def cands(*names: str, excluded: tuple[str, ...] = ()) -> tuple[Candidate, ...]:
    return tuple(Candidate(n, excluded=n in excluded) for n in names)


def ballot(*ranks: int | tuple[int, ...], weight: int | Fraction = 1) -> Ballot:
    return Ballot(tuple(r if isinstance(r, tuple) else (r,) for r in ranks), weight)


def history() -> dict:
    return json.loads(HISTORY.read_text(encoding="utf-8"))


def labour_2010_mps() -> Election:
    """The 266 MPs'/MEPs' ballots of 2010 (PrefLib 00030), from labour_history.json."""
    profile = history()["ballot_profiles"][0]
    names = [profile["candidates"][str(k)] for k in range(1, len(profile["candidates"]) + 1)]
    ballots = [
        Ballot(tuple((c - 1,) for c in b["ranking"]), b["count"]) for b in profile["ballots"]
    ]
    return Election(cands(*names), ballots, title="Labour leader 2010")


# --------------------------------------------------------------------------- FPTP


def test_fptp_reads_first_marked_rank_and_voids_the_rest():
    election = Election(
        cands("A", "B", "C", "D", excluded=("D",)),
        [
            ballot(0, 1, weight=5),
            ballot((), 1, weight=4),  # first rank skipped: the vote is B
            ballot((0, 1), 2, weight=3),  # overvote at the first marked rank
            ballot(OVERVOTE, weight=2),
            ballot(3, 0, weight=2),  # excluded candidate: void, not passed on
            Ballot((), 6),
            ballot(2, weight=1),
        ],
    )
    result = count_fptp(election)
    rnd = result.rounds[0]
    assert rnd.tally == {"A": 5, "B": 4, "C": 1}
    assert rnd.inactive == {
        "overvotes": 5, "skippedRankings": 0, "exhaustedChoices": 2, "repeatedRankings": 0,
    }
    assert result.undervotes == 6 and result.total_ballots == 23
    assert result.elected == ["A"]
    assert [(a.kind, a.candidate) for a in rnd.actions] == [("elected", "A")]
    assert result.method == "fptp" and result.seats == 1
    assert registry.count("fptp", election) == result


def test_fptp_tie_needs_a_published_order():
    election = Election(
        cands("A", "B", "C"), [ballot(0), ballot(1), ballot(2, weight=Fraction(1, 2))]
    )
    with pytest.raises(TieUnresolved) as info:
        count_fptp(election)
    assert str(info.value) == (
        "round 1: tie for election between A, B; draw lots and give the result as the "
        "tiebreak_order option"
    )
    assert info.value.tied == ("A", "B")
    result = count_fptp(election, tiebreak_order=["C", "B", "A"])
    assert result.elected == ["B"]
    (tie,) = result.tie_breaks
    assert (tie.purpose, tie.tied, tie.chosen) == ("election", ("A", "B"), "B")
    assert tie.method == "published order drawn by lot"
    assert tie.detail == "order: B, A"
    assert result.options == {"tiebreak_order": ["C", "B", "A"]}


def test_fptp_bad_options():
    election = Election(cands("A", "B"), [ballot(0)], seats=2)
    with pytest.raises(ValueError) as info:
        count_fptp(election)
    assert str(info.value) == (
        "first past the post fills one seat; this election has 2 (count it with 'block')"
    )
    with pytest.raises(ValueError) as info:
        count_fptp(replace(election, seats=1), tiebreak_order=["A"])
    assert str(info.value) == "tiebreak_order does not list B"
    with pytest.raises(ValueError, match="lists 'A' twice"):
        count_fptp(replace(election, seats=1), tiebreak_order=["A", "A", "B"])
    with pytest.raises(TypeError):
        registry.count("fptp", replace(election, seats=1), seats=1)


# --------------------------------------------------------------------------- block vote


def staircase(results: dict[str, int], seats: int, seed: int) -> Election:
    """Ballots of at most ``seats`` marks whose totals are exactly ``results``.

    Candidates in order of votes are cut into groups of ``seats``; in a group with
    votes v1 >= v2 >= ... the ballot marking the first k has weight v_k - v_(k+1).
    The ballots are shuffled: the count must not depend on their order.
    """
    names = list(results)
    ranked = sorted(names, key=lambda n: -results[n])
    ballots = []
    for start in range(0, len(ranked), seats):
        group = ranked[start : start + seats]
        for k, name in enumerate(group):
            nxt = results[group[k + 1]] if k + 1 < len(group) else 0
            if results[name] > nxt:
                marks = [names.index(m) for m in group[: k + 1]]
                random.Random(seed + k).shuffle(marks)
                ballots.append(Ballot(tuple((m,) for m in marks), results[name] - nxt))
    random.Random(seed).shuffle(ballots)
    return Election(cands(*names), ballots, seats=seats)


@needs_shared
def test_block_vote_reproduces_the_nec_clp_elections():
    """Labour NEC CLP section 2012-2018 (rulebooks.md §3): the top N of the totals won."""
    checked = 0
    for contest in history()["labour_nec_elections"]:
        if contest["method"] != "FPTP_BLOC" or "results" not in contest:
            continue  # 2018-09 has only its top five; 2020 was STV
        results = contest["results"]
        election = staircase(results, contest["seats"], seed=checked)
        result = registry.count("block", election)
        assert result.rounds[0].tally == {n: Fraction(v) for n, v in results.items()}
        assert sorted(result.elected) == sorted(contest["elected"]), contest["id"]
        top = sorted(results, key=lambda n: -results[n])[: contest["seats"]]
        assert result.elected == top, contest["id"]
        checked += 1
    assert checked == 4


def test_block_vote_marks_overvotes_duplicates_and_exclusions():
    election = Election(
        cands("A", "B", "C", "D", excluded=("D",)),
        [
            ballot(0, 1, weight=4),
            ballot((1, 2), weight=3),  # marks in any order, here all at one rank
            ballot(0, 0, weight=2),  # A twice counts once
            ballot(0, 1, 2, weight=5),  # three marks for two seats: invalid
            ballot(3, 2, weight=1),  # the mark for D is void, C still counts
            ballot(3, weight=1),  # only a void mark
            ballot(OVERVOTE, weight=1),
            Ballot((), 2),
        ],
        seats=2,
    )
    result = count_block(election)
    rnd = result.rounds[0]
    assert rnd.tally == {"A": 6, "B": 7, "C": 4}
    assert rnd.inactive == {
        "overvotes": 6, "skippedRankings": 0, "exhaustedChoices": 1, "repeatedRankings": 0,
    }
    assert result.undervotes == 2
    assert result.elected == ["B", "A"]
    truncated = count_block(election, truncate=True)
    assert truncated.rounds[0].tally == {"A": 11, "B": 12, "C": 4}
    assert truncated.rounds[0].inactive["overvotes"] == 1


def test_block_vote_tie_for_the_last_seat():
    election = Election(
        cands("A", "B", "C", "D"), [ballot(0, 1, weight=3), ballot(2, weight=1), ballot(3)],
        seats=3,
    )
    with pytest.raises(TieUnresolved) as info:
        count_block(election)
    assert str(info.value).startswith("round 1: tie for election between C, D;")
    result = count_block(election, tiebreak_order=["D", "C", "B", "A"])
    assert result.elected == ["A", "B", "D"]
    assert [t.chosen for t in result.tie_breaks] == ["D"]
    assert count_block(election, seats=4).elected == ["A", "B", "C", "D"]
    few = count_block(election, seats=6)
    assert few.elected == ["A", "B", "C", "D"]
    assert few.notes[-1] == "2 seat(s) unfilled: too few candidates stand"
    with pytest.raises(ValueError) as err:
        count_block(election, seats=0)
    assert str(err.value) == "seats must be a whole number of at least 1, not 0"


# --------------------------------------------------------------------------- electoral college


@needs_shared
def test_2010_mps_section_alone_recounts_as_published():
    """rulebooks.md §9 "2010 ballot-level fixture": 111/84/40/24/7, final 140-122, 4 exhausted."""
    mps = labour_2010_mps()
    result = count_electoral_college(mps, sections=[("MPs and MEPs", Fraction(1), mps)])
    first, last = result.rounds[0], result.rounds[-1]
    assert first.sections["MPs and MEPs"] == {
        "Diane Abbott": 7, "Ed Balls": 40, "Andy Burnham": 24,
        "David Miliband": 111, "Ed Miliband": 84, "exhausted": 0,
    }
    assert first.tally["David Miliband"] == Fraction(100 * 111, 266)
    assert last.sections["MPs and MEPs"] == {
        "David Miliband": 140, "Ed Miliband": 122, "exhausted": 4,
    }
    assert [a.candidate for r in result.rounds for a in r.actions] == [
        "Diane Abbott", "Andy Burnham", "Ed Balls", "David Miliband",
    ]
    published = history()["ballot_profiles"][0]["irv_recount_by_compiler"]
    for rnd, expected in zip(result.rounds, published, strict=True):
        figures = dict(rnd.sections["MPs and MEPs"])
        assert figures.pop("exhausted") == expected["exhausted"]
        assert figures == expected["tallies"]
    assert result.elected == ["David Miliband"]
    assert result.total_ballots == 266


def three_sections() -> tuple[Election, list]:
    """A college built so that each section's percentages are round numbers.

    MPs 100: A 50, B 30, C 20 (C's go 10 to A, 6 to B, 4 nowhere);
    members 100: A 20, B 45, C 35 (C's: 10 A, 15 B, 10 nowhere);
    affiliates 100: A 40, B 35, C 25 (C's: 5 A, 10 B, 10 nowhere).
    """
    c = cands("A", "B", "C")
    mps = Election(c, [ballot(0, weight=50), ballot(1, weight=30), ballot(2, 0, weight=10),
                       ballot(2, 1, weight=6), ballot(2, weight=4)])
    members = Election(c, [ballot(0, weight=20), ballot(1, weight=45), ballot(2, 0, weight=10),
                           ballot(2, 1, weight=15), ballot(2, weight=10)])
    affiliates = Election(c, [ballot(0, weight=40), ballot(1, weight=35), ballot(2, 0, weight=5),
                              ballot(2, 1, weight=10), ballot(2, weight=10)])
    third = Fraction(1, 3)
    return Election(c, title="college"), [
        ("MPs", third, mps), ("Members", third, members), ("Affiliates", third, affiliates),
    ]


def test_three_section_college():
    election, sections = three_sections()
    result = registry.count("electoral-college", election, sections=sections)
    r1, r2 = result.rounds
    # Round 1: (50 + 20 + 40) / 3, (30 + 45 + 35) / 3, (20 + 35 + 25) / 3 percentage points.
    assert r1.tally == {"A": Fraction(110, 3), "B": Fraction(110, 3), "C": Fraction(80, 3)}
    assert r1.threshold == 50
    assert [(a.kind, a.candidate) for a in r1.actions] == [("eliminated", "C")]
    # Round 2: MPs 60/96 = 62.5% and 37.5%; members 30/90 and 60/90; affiliates 45/90 each.
    assert r2.tally == {
        "A": (Fraction(125, 2) + Fraction(100, 3) + 50) / 3,
        "B": (Fraction(75, 2) + Fraction(200, 3) + 50) / 3,
    }
    assert r2.tally == {"A": Fraction(875, 18), "B": Fraction(925, 18)}
    assert r2.sections == {
        "MPs": {"A": 60, "B": 36, "exhausted": 4},
        "Members": {"A": 30, "B": 60, "exhausted": 10},
        "Affiliates": {"A": 45, "B": 45, "exhausted": 10},
    }
    assert r2.inactive_total == 0 and r2.active == 100
    assert result.elected == ["B"]
    assert result.options == {"sections": {"MPs": "1/3", "Members": "1/3", "Affiliates": "1/3"}}
    assert result.total_ballots == 300


def test_college_section_with_no_continuing_votes_loses_its_share():
    c = cands("A", "B", "C", "D")
    big = Election(c, [ballot(0, weight=5), ballot(1, weight=4), ballot(2)])
    only_d = Election(c, [ballot(3)])
    result = count_electoral_college(
        Election(c), sections=[("big", Fraction(9, 10), big), ("small", Fraction(1, 10), only_d)]
    )
    r1, r2, r3 = result.rounds
    assert r1.tally == {"A": 45, "B": 36, "C": 9, "D": 10}
    assert r2.tally == {"A": 50, "B": 40, "D": 10}  # A has half, not more than half
    assert [a.candidate for a in r2.actions] == ["D"]
    assert r3.tally == {"A": 50, "B": 40}
    assert r3.inactive["exhaustedChoices"] == 10 and r3.threshold == 45
    assert r3.sections["small"] == {"A": 0, "B": 0, "exhausted": 1}
    assert result.elected == ["A"]


def test_college_elimination_tie_and_bad_sections():
    c = cands("A", "B", "C")
    sec = Election(c, [ballot(0, weight=2), ballot(1), ballot(2)])
    with pytest.raises(TieUnresolved) as info:
        count_electoral_college(Election(c), sections=[("s", Fraction(1), sec)])
    assert str(info.value).startswith("round 1: tie for elimination between B, C;")
    result = count_electoral_college(
        Election(c), sections=[("s", 1, sec)], tiebreak_order=["A", "C", "B"]
    )
    assert result.rounds[0].actions[0].candidate == "B"
    assert result.tie_breaks[0].chosen == "B"
    other = Election(cands("A", "B", "D"), [])
    bad = [
        ([("s", Fraction(1, 2), sec)], ValueError, "section shares must add up to 1, not 1/2"),
        ([("s", 0.5, sec), ("t", 0.5, sec)], TypeError,
         "section 's': share must be an int or Fraction, not float"),
        ([("s", Fraction(1), other)], ValueError,
         "section 's' lists candidates ['A', 'B', 'D'], not ['A', 'B', 'C']"),
        ([("s", Fraction(1, 2), sec), ("s", Fraction(1, 2), sec)], ValueError,
         "section 's' appears twice"),
        ([], ValueError, "an electoral college needs at least one section"),
    ]
    for sections, kind, message in bad:
        with pytest.raises(kind) as err:
            count_electoral_college(Election(c), sections=sections)
        assert str(err.value) == message


def test_av_tally_reads_marks_like_the_college():
    election = Election(
        cands("A", "B", "C", excluded=("C",)),
        [ballot((), 2, 1), ballot(2, 0), ballot((0, 1)), ballot(1, 1, 0), Ballot(())],
    )
    t = av_tally(election, frozenset({0}))
    assert t.votes == [2, 0, 0]
    assert t.inactive["overvotes"] == 1 and t.inactive["exhaustedChoices"] == 1
    assert t.undervotes == 1


# --------------------------------------------------------------------------- properties


@st.composite
def elections(draw, max_cands: int = 5):
    n = draw(st.integers(1, max_cands))
    excluded = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    if all(excluded):
        excluded[0] = False
    candidates = tuple(Candidate(f"C{i}", excluded=x) for i, x in enumerate(excluded))
    mark = st.integers(0, n - 1)
    pair = st.lists(mark, min_size=2, max_size=2).map(tuple)
    rank = st.one_of(mark.map(lambda m: (m,)), st.just(()), pair)
    ballots = draw(
        st.lists(
            st.builds(
                Ballot,
                st.lists(rank, max_size=4).map(tuple),
                st.one_of(st.integers(1, 9), st.just(Fraction(1, 2))),
            ),
            max_size=12,
        )
    )
    seats = draw(st.integers(1, n))
    return Election(candidates, ballots, seats=seats)


def explode(election: Election) -> Election:
    """Each whole-number weight w as w ballots of weight 1."""
    out = []
    for b in election.ballots:
        if isinstance(b.weight, int):
            out += [replace(b, weight=1)] * b.weight
        else:
            out.append(b)
    return replace(election, ballots=out)


def shuffled(election: Election, seed: int) -> Election:
    ballots = list(election.ballots)
    random.Random(seed).shuffle(ballots)
    return replace(election, ballots=ballots)


def standing_order(election: Election) -> list[str]:
    return [c.name for c in election.candidates if not c.excluded][::-1]


@settings(max_examples=150, deadline=None)
@given(elections(), st.integers(0, 10**6))
def test_fptp_properties(election, seed):
    election = replace(election, seats=1)
    order = standing_order(election)
    result = count_fptp(election, tiebreak_order=order)
    rnd = result.rounds[0]
    # Every ballot is in the tally, inactive or an undervote.
    assert rnd.active + rnd.inactive_total + result.undervotes == result.total_ballots
    assert len(result.elected) == 1
    assert rnd.tally[result.elected[0]] == max(rnd.tally.values())
    again = count_fptp(shuffled(election, seed), tiebreak_order=order)
    assert again == result
    assert count_fptp(explode(election), tiebreak_order=order).rounds == result.rounds


@settings(max_examples=150, deadline=None)
@given(elections(), st.integers(0, 10**6), st.booleans())
def test_block_properties(election, seed, truncate):
    order = standing_order(election)
    result = count_block(election, tiebreak_order=order, truncate=truncate)
    rnd = result.rounds[0]
    assert len(result.elected) <= election.seats
    assert len(set(result.elected)) == len(result.elected)
    # Votes are conserved: each valid ballot gives its weight to each distinct valid mark.
    expected = Fraction(0)
    for b in election.ballots:
        ranks = b.rankings[: election.seats] if truncate else b.rankings
        marks = {m for r in ranks for m in r}
        if marks and len(marks) <= election.seats:
            expected += b.weight * sum(1 for m in marks if not election.candidates[m].excluded)
    assert rnd.active == expected
    losers = [n for n in rnd.tally if n not in result.elected]
    if result.elected and losers:
        assert min(rnd.tally[n] for n in result.elected) >= max(rnd.tally[n] for n in losers)
    assert count_block(shuffled(election, seed), tiebreak_order=order, truncate=truncate) == result
    exploded = count_block(explode(election), tiebreak_order=order, truncate=truncate)
    assert exploded.rounds == result.rounds


def plain_irv(election: Election, order: list[str]) -> tuple[list[str], str]:
    """A textbook IRV, written independently: eliminations and winner (majority of continuing)."""
    names = election.names
    left = [n for n in names if not election.candidates[names.index(n)].excluded]
    eliminated = []
    while True:
        votes = dict.fromkeys(left, Fraction(0))
        for b in election.ballots:
            for rank in b.rankings:
                if len(set(rank)) > 1:
                    break
                if rank and names[rank[0]] in votes:
                    votes[names[rank[0]]] += b.weight
                    break
        total = sum(votes.values())
        best = max(left, key=lambda n: votes[n])
        if votes[best] * 2 > total or len(left) == 1:
            return eliminated, best
        low = min(votes.values())
        loser = max((n for n in left if votes[n] == low), key=order.index)
        eliminated.append(loser)
        left.remove(loser)


@settings(max_examples=150, deadline=None)
@given(elections(), st.integers(1, 5), st.integers(0, 10**6))
def test_one_section_college_is_plain_irv(election, scale, seed):
    election = replace(election, seats=1)
    order = standing_order(election)
    result = count_electoral_college(
        election, sections=[("all", Fraction(1), election)], tiebreak_order=order
    )
    eliminated = [a.candidate for r in result.rounds for a in r.actions if a.kind == "eliminated"]
    assert (eliminated, result.elected[0]) == plain_irv(election, order)
    for rnd in result.rounds:
        assert rnd.active + rnd.inactive_total == 100
    # Percentages ignore a section's size and its ballot order.
    scaled = replace(
        election, ballots=[replace(b, weight=b.weight * scale) for b in election.ballots]
    )
    again = count_electoral_college(
        election, sections=[("all", Fraction(1), shuffled(scaled, seed))], tiebreak_order=order
    )
    assert [r.tally for r in again.rounds] == [r.tally for r in result.rounds]
    assert again.elected == result.elected
