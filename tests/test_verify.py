"""Tests of :mod:`selectorate.counting.verify`: invariants of a finished count.

* every RCTab conformance case (RCTab's regression suite, counted by our
  RCTab-rule methods) verifies clean, and so does every STV method of the STV
  contract on a handful of real BLT files (methods not registered yet are
  skipped), and first past the post and block vote on the bundled ballots;
* tampered results are caught: one tally digit, a dropped transfer, an extra
  elected candidate, and (hypothesis) any single vote value changed.
"""

from __future__ import annotations

import copy
import json
import os
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stv_toy import TOY_BALLOTS, TOY_NAMES, election_of, toy_stv

from selectorate.ballots.model import Ballot, Candidate, Election
from selectorate.counting import registry
from selectorate.counting.result import EXHAUSTED, Action, CountResult, Round
from selectorate.counting.stv_rules import GroupMinimum
from selectorate.counting.tiebreak import TieBreakDecisionRequired
from selectorate.counting.verify import Problem, method_family, recount_options, verify
from selectorate.formats.detect import read_ballots

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RCTAB = SHARED / "conformance" / "rctab"
STV = SHARED / "conformance" / "stv"
DROOP = STV / "droop_reference" / "blt"
SCOT = STV / "scotland" / "ballots_blt_mggg_scot_elex" / "blt_files"

STV_METHODS = ["scottish-stv", "wigm", "ers97", "irish", "meek", "meek-nz", "warren", "meek-droop"]

#: Real BLT files: party elections, Wichmann's deck, Glasgow 2007, Scotland 2017, ties.
STV_FILES = [
    DROOP / "42.blt",
    DROOP / "513.blt",
    DROOP / "M135.blt",
    DROOP / "SC.blt",
    DROOP / "scotland" / "Calton-2007.blt",
    SCOT / "10_cands" / "aberdeen_2017_ward12.blt",
    SCOT / "5_cands" / "edinburgh_2017_ward3.blt",
    SCOT / "5_cands" / "aberdeenshire_2017_by_election_inverurie.blt",
]


def _rctab_cases() -> list:
    index = RCTAB / "rctab_cases.json"
    if not index.exists():
        return [
            pytest.param(None, marks=pytest.mark.skip(reason="shared/conformance/rctab missing"))
        ]
    params = []
    for case in json.loads(index.read_text())["cases"]:
        marks = []
        if case["cvr_inputs_absent_in_snapshot"]:
            marks.append(pytest.mark.skip(reason="CVR absent from the snapshot"))
        elif case["case"] == "2013_minneapolis_mayor_scale" and not os.environ.get(
            "SELECTORATE_SLOW"
        ):
            marks.append(pytest.mark.skip(reason="1.04 million ballots (set SELECTORATE_SLOW=1)"))
        params.append(pytest.param(case, id=case["case"], marks=marks))
    return params


@pytest.mark.parametrize("case", _rctab_cases())
def test_every_rctab_conformance_case_verifies(case):
    from selectorate.formats.errors import BallotFileError
    from selectorate.formats.rctab import load_contest

    try:
        contest = load_contest(RCTAB / case["configs"][0])
    except (BallotFileError, NotImplementedError) as exc:
        pytest.skip(f"not a countable case: {str(exc)[:100]}")
    try:
        result = registry.count(contest.method, contest.election, **contest.options)
    except TieBreakDecisionRequired as exc:
        pytest.skip(f"needs an operator's decision: {str(exc)[:100]}")
    assert [p.describe() for p in verify(result, contest.election)] == []


def _stv_params() -> list:
    params = []
    for method in STV_METHODS:
        for path in STV_FILES:
            params.append(pytest.param(method, path, id=f"{method}-{path.stem}"))
    return params


@pytest.mark.parametrize(("method", "path"), _stv_params())
def test_every_stv_method_verifies_on_real_ballots(method, path):
    if method not in registry.names():
        pytest.skip(f"{method} is not registered yet")
    if not path.exists():
        pytest.skip(f"{path} is missing")
    election = read_ballots(path)
    try:
        result = registry.count(method, election, seed=2026)
    except ValueError as exc:  # e.g. equal rankings the rule refuses
        pytest.skip(f"{method} does not count this file: {exc}")
    assert [p.describe() for p in verify(result, election)] == []


@pytest.mark.parametrize("method", ["fptp", "block", "irv"])
def test_simple_methods_verify_on_the_bundled_ballots(method):
    from selectorate.cli import demo_ballots_path

    election = read_ballots(demo_ballots_path())
    if method == "block":
        election.seats = 2
    result = registry.count(method, election)
    assert verify(result, election) == []


def test_the_toy_count_verifies():
    election = election_of(TOY_NAMES, TOY_BALLOTS, 3)
    assert verify(toy_stv(election), election) == []


# ----------------------------------------------------------------------------- tampering


def _toy() -> tuple[CountResult, Election]:
    election = election_of(TOY_NAMES, TOY_BALLOTS, 3)
    return toy_stv(election), election


def _scottish() -> tuple[CountResult, Election]:
    if "scottish-stv" not in registry.names():
        pytest.skip("scottish-stv is not registered yet")
    path = SCOT / "10_cands" / "aberdeen_2017_ward12.blt"
    if not path.exists():
        pytest.skip(f"{path} is missing")
    election = read_ballots(path)
    return registry.count("scottish-stv", election), election


def _park() -> tuple[CountResult, Election]:
    from selectorate.formats.rctab import load_contest

    config = RCTAB / "2013_minneapolis_park" / "2013_minneapolis_park_config.json"
    if not config.exists():
        pytest.skip("shared/conformance/rctab is missing")
    contest = load_contest(config)
    return registry.count(contest.method, contest.election, **contest.options), contest.election


_CACHE: dict[str, tuple[CountResult, Election]] = {}


def _sample(kind: str) -> tuple[CountResult, Election]:
    """A fresh copy of a verified count: ``toy``, ``scottish`` (Aberdeen 2017) or ``park``."""
    if kind not in _CACHE:
        _CACHE[kind] = {"toy": _toy, "scottish": _scottish, "park": _park}[kind]()
    result, election = _CACHE[kind]
    return copy.deepcopy(result), election


SAMPLES = ["toy", "scottish", "park"]


def _digit_changed(value: Fraction) -> Fraction:
    """``value`` with its last printed digit changed (123 → 124, 0.5 → 0.6)."""
    places = 0
    while (value * 10**places).denominator != 1 and places < 12:
        places += 1
    return value + Fraction(1, 10**places)


@pytest.mark.parametrize("kind", SAMPLES)
def test_one_tally_digit_changed_is_caught(kind):
    result, election = _sample(kind)
    assert verify(result, election) == []
    rnd = result.rounds[len(result.rounds) // 2]
    name = next(iter(rnd.tally))
    rnd.tally[name] = _digit_changed(rnd.tally[name])
    problems = verify(result, election)
    assert problems
    assert any(p.stage == rnd.number and "conserved" in p.what for p in problems)


@pytest.mark.parametrize("kind", SAMPLES)
def test_a_dropped_transfer_is_caught(kind):
    result, election = _sample(kind)
    rnd = next(r for r in result.rounds if any(a.transfers for a in r.actions))
    action = next(a for a in rnd.actions if a.transfers)
    recipient = next(k for k in action.transfers if action.transfers[k])
    del action.transfers[recipient]
    problems = verify(result, election)
    assert any(action.candidate in p.what and "add up" in p.what for p in problems), problems


@pytest.mark.parametrize("kind", SAMPLES)
def test_an_extra_elected_candidate_is_caught(kind):
    result, election = _sample(kind)
    loser = next(c for c in result.candidates if c not in result.elected)
    result.elected.append(loser)
    problems = [p.what for p in verify(result, election)]
    assert "elected differs from the stages' elected decisions" in problems
    assert "more candidates elected than seats" in problems


def test_an_excluded_candidate_coming_back_is_caught():
    result, election = _toy()
    out = next(a.candidate for r in result.rounds for a in r.actions if a.kind == "eliminated")
    result.rounds[-1].actions.append(Action("elected", out))
    result.elected.append(out)
    problems = [p.what for p in verify(result, election)]
    assert any("is elected again" in w or "excluded at stage" in w for w in problems)


def test_elected_twice_and_a_changed_quota_are_caught():
    result, election = _toy()
    winner = result.elected[0]
    result.rounds[-1].actions.append(Action("elected", winner))
    result.rounds[2].threshold = Fraction(23)
    problems = [p.what for p in verify(result, election)]
    assert any(f"{winner} is elected again" in w for w in problems)
    assert any("the quota changed" in w for w in problems)


def test_fewer_elected_than_seats_needs_a_note():
    result, election = _toy()
    last = result.elected.pop()
    result.rounds[-1].actions = [a for a in result.rounds[-1].actions if a.candidate != last]
    assert "fewer elected than seats, and no note says why" in [
        p.what for p in verify(result, election)
    ]
    result.notes.append("1 seat unfilled: the candidates ran out")
    assert verify(result, election) == []


def test_a_result_of_other_ballots_is_refused():
    result, election = _toy()
    other = election_of(["Ann", "Bob"], [(3, ["Ann"])], 1)
    problems = verify(result, other)
    assert problems and problems[0].what == "the result's candidates are not the ballot file's"


def test_problem_lines_are_exact():
    problem = Problem(3, "value not conserved", Fraction(85), Fraction(171, 2))
    assert problem.describe() == "stage 3: value not conserved: expected 85, found 85.5"
    assert str(Problem(None, "x", Fraction(1, 3), None)) == "result: x: expected 1/3, found nothing"


def _value_slots(result: CountResult) -> list[tuple[str, int, str]]:
    """Every vote value of a result: (where, round index, key)."""
    slots: list[tuple[str, int, str]] = []
    for i, rnd in enumerate(result.rounds):
        slots += [("tally", i, k) for k in rnd.tally]
        slots += [("inactive", i, k) for k in rnd.inactive]
        slots.append(("residual", i, ""))
        if i + 1 < len(result.rounds):  # transfers of the last stage feed no stage
            for j, action in enumerate(rnd.actions):
                slots += [("transfer", i, f"{j}\x00{k}") for k in action.transfers]
    slots += [("total", 0, ""), ("blank", 0, "")]
    return slots


def _tamper(result: CountResult, slot: tuple[str, int, str], delta: Fraction) -> None:
    where, i, key = slot
    rnd = result.rounds[i]
    if where == "tally":
        rnd.tally[key] += delta
    elif where == "inactive":
        rnd.inactive[key] += delta
    elif where == "residual":
        rnd.residual_surplus += delta
    elif where == "transfer":
        j, recipient = key.split("\x00")
        rnd.actions[int(j)].transfers[recipient] += delta
    elif where == "total":
        result.total_ballots += delta
    else:
        result.undervotes += delta


_deltas = st.one_of(
    st.integers(-50, 50).filter(bool).map(Fraction),
    st.builds(Fraction, st.integers(-99_999, 99_999).filter(bool), st.just(100_000)),
    st.builds(Fraction, st.integers(1, 7), st.integers(3, 9)),
)


@pytest.mark.parametrize("kind", SAMPLES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), delta=_deltas)
def test_any_single_value_tamper_is_caught(kind, data, delta):
    result, election = _sample(kind)
    slot = data.draw(st.sampled_from(_value_slots(result)))
    _tamper(result, slot, delta)
    assert verify(result, election), f"{slot} changed by {delta} went unnoticed"


# ----------------------------------------------------------------------------- details


def test_families():
    assert method_family("irv") == "rctab"
    assert method_family("stv-rctab") == "rctab"
    assert method_family("scottish-stv") == "stv"
    assert method_family("meek-droop") == "stv"
    assert method_family("block") == "block"
    assert method_family("electoral-college") == "weighted"


def test_recount_options_read_back_the_rulebook():
    options = recount_options(
        {
            "seats": 3,
            "minimums": [
                "women: at least 2 of Ann, Beth, Cara",
                "men=1:Dan,Ed",
                {"name": "young", "minimum": 1, "members": ["Fay"]},
            ],
            "withdrawals": {"3": ["Ann"], "5": "Ed"},
        }
    )
    assert options["minimums"] == (
        GroupMinimum("women", frozenset({"Ann", "Beth", "Cara"}), 2),
        GroupMinimum("men", frozenset({"Dan", "Ed"}), 1),
        GroupMinimum("young", frozenset({"Fay"}), 1),
    )
    assert options["withdrawals"] == {3: ("Ann",), 5: ("Ed",)}


def test_stv_first_stage_passes_over_skipped_ranks_and_withdrawn_candidates():
    cands = (Candidate("A"), Candidate("B", excluded=True), Candidate("C"))
    election = Election(
        candidates=cands,
        ballots=[
            Ballot(((), (1,), (2,)), 2),  # skipped rank, then a withdrawn candidate: C
            Ballot(((0,),), 3),
            Ballot(((1,),), 1),  # only a withdrawn candidate: non-transferable at once
            Ballot((), 1),  # blank
        ],
        seats=1,
    )
    rnd = Round(
        1,
        {"A": Fraction(3), "C": Fraction(2)},
        Fraction(3),
        {"exhaustedChoices": Fraction(1)},
        [Action("elected", "A")],
    )
    result = CountResult("toy-stv", ["A", "B", "C"], 1, ["A"], [rnd], Fraction(7), Fraction(1))
    assert verify(result, election) == []
    rnd.tally = {"A": Fraction(3), "C": Fraction(3)}
    rnd.inactive = {"exhaustedChoices": Fraction(0)}
    problems = [p.describe() for p in verify(result, election)]
    assert problems == [
        "stage 1: first preferences of C recomputed from the ballots: expected 2, found 3"
    ]


def test_a_transfer_to_nowhere_at_the_last_stage_is_caught():
    result, election = _toy()
    result.rounds[-1].actions.append(
        Action("surplus", result.elected[-1], {EXHAUSTED: Fraction(1)})
    )
    assert any("at the last stage" in p.what for p in verify(result, election))


@pytest.mark.parametrize("method", STV_METHODS)
def test_equal_first_preferences_share_the_paper(method):
    """stv-rs's equal-preference case: '2 1=2 3' gives Apple and Banana one paper each."""
    from selectorate.formats.blt import read_blt

    if method not in registry.names():
        pytest.skip(f"{method} is not registered yet")
    path = STV / "stv_rs_meek_reference" / "numeric" / "equal_preference.blt"
    if not path.exists():
        pytest.skip(f"{path} is missing")
    election = read_blt(path, allow_equal=True)
    try:
        result = registry.count(method, election)
    except ValueError as exc:
        pytest.skip(f"{method} refuses equal rankings: {exc}")
    assert result.rounds[0].tally == {"Apple": 4, "Banana": 1, "Cherry": 1}
    assert verify(result, election) == []
