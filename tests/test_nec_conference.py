"""NEC constituency section and annual conference, against the published record.

Expected values come from shared/facts/labour_history.json:

* ``labour_nec_elections``: the CLP section's bloc-vote results of 2012
  (LabourList 2012-06), 2014 (LabourList 2014-08), 2016 (LabourList 2016-08)
  and January 2018 (City AM mirror / Guardian 15 Jan 2018), and the 2020 STV
  quota 12,954.9 (LabourList 2020-11);
* ``labour_conference_card_votes``: 2021 card votes 1 and 2 (LabourList
  2021-10, "every rule change at Labour conference 2021"), whose CLP and
  affiliate components and weighted totals are printed to two places.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import msgspec
import pytest

from selectorate.ballots.model import Ballot, Candidate, Election
from selectorate.procedures import conference as conf
from selectorate.procedures import nec
from selectorate.procedures.numbers import format_exact

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
HISTORY = SHARED / "facts" / "labour_history.json"


@pytest.fixture(scope="module")
def history() -> dict[str, object]:
    if not HISTORY.is_file():
        pytest.skip(f"{HISTORY} is missing (the shared facts folder is not checked out)")
    return json.loads(HISTORY.read_text(encoding="utf-8"))


def nec_params(**over: object) -> nec.Params:
    data: dict[str, object] = {"source": "test", "seats": 6, "method": "block"}
    data.update(over)
    return msgspec.convert(data, nec.Params)


# --------------------------------------------------------------------------- NEC


BLOC_YEARS = ["nec-clp-2012", "nec-clp-2014", "nec-clp-2016", "nec-clp-2018-01-additional"]


@pytest.mark.parametrize("record_id", BLOC_YEARS)
def test_bloc_vote_elects_the_published_set(history: dict, record_id: str) -> None:
    record = next(r for r in history["labour_nec_elections"] if r["id"] == record_id)
    assert record["method"] == "FPTP_BLOC"
    params = nec_params(seats=record["seats"])
    out = nec.elect_by_totals(params, record["results"], rulebook="test")
    elected = [d.subject for d in out.details if d.decision == "elected"]
    assert set(elected) == set(record["elected"])
    assert len(elected) == record["seats"]
    assert out.decision == "elected"
    # in order of votes, as the record lists them
    assert elected == sorted(record["elected"], key=lambda n: -record["results"][n])


def test_bloc_2012_wheeler_over_osamor(history: dict) -> None:
    """2012: Wheeler (17,721) took the sixth seat over Osamor (17,598) — a pure top six."""
    record = next(r for r in history["labour_nec_elections"] if r["id"] == "nec-clp-2012")
    out = nec.elect_by_totals(nec_params(), record["results"])
    places = {d.subject: d for d in out.details}
    assert places["Peter Wheeler"].decision == "elected"
    assert places["Kate Osamor"].decision == "not elected"
    assert places["Kate Osamor"].summary.startswith("7. Kate Osamor: 17598")


def test_bloc_2016_under_nine_seats(history: dict) -> None:
    """What-if: the 2016 totals with nine seats (as from 2018) add the next three."""
    record = next(r for r in history["labour_nec_elections"] if r["id"] == "nec-clp-2016")
    out = nec.elect_by_totals(nec_params(seats=9), record["results"])
    elected = [d.subject for d in out.details if d.decision == "elected"]
    assert elected[6:] == ["Ellie Reeves", "Eddie Izzard", "Bex Bailey"]


def test_gender_minimum_without_genders_is_reported_not_applied(history: dict) -> None:
    record = next(r for r in history["labour_nec_elections"] if r["id"] == "nec-clp-2014")
    out = nec.elect_by_totals(nec_params(women_minimum="50%"), record["results"])
    assert set(d.subject for d in out.details if d.decision == "elected") == set(record["elected"])
    assert "not applied" in out.reasons[0]


def test_gender_minimum_passes_over_men_when_seats_are_needed_for_women() -> None:
    params = nec_params(seats=3, women_minimum="50%")  # ceil(1.5) = 2 women
    totals = {"Max": 100, "Mo": 90, "Wendy": 80, "Win": 70, "Mick": 60}
    out = nec.elect_by_totals(params, totals, women={"Wendy", "Win"})
    elected = [d.subject for d in out.details if d.decision == "elected"]
    assert elected == ["Max", "Wendy", "Win"]
    assert any("Mo (90) passed over" in r for r in out.reasons)
    figures = {f.name: f.value for f in out.figures}
    assert figures["women needed"] == "2" and figures["women elected"] == "2"


def test_gender_minimum_with_too_few_women_leaves_seats_unfilled() -> None:
    params = nec_params(seats=3, women_minimum="50%")
    out = nec.elect_by_totals(params, {"A": 5, "B": 4, "W": 3}, women={"W"})
    assert [d.subject for d in out.details if d.decision == "elected"] == ["A", "W"]
    assert any("1 seat(s) unfilled" in r for r in out.reasons)


def test_tie_for_last_seat_is_reported() -> None:
    out = nec.elect_by_totals(nec_params(seats=2), {"A": 10, "B": 7, "C": 7})
    assert out.decision == "tie"
    assert "B and C tie on 7" in out.reasons[0]


@pytest.mark.parametrize(("seats", "women"), [(6, 3), (9, 5), (3, 2)])
def test_women_seats_rounded_up(seats: int, women: int) -> None:
    assert nec.women_seats(nec_params(seats=seats, women_minimum="50%")) == women


def test_stv_2020_quota_is_a_tenth_of_the_valid_votes(history: dict) -> None:
    record = next(r for r in history["labour_nec_elections"] if r["id"] == "nec-clp-2020")
    assert record["method"] == "STV" and record["seats"] == 9
    params = nec_params(seats=9, method="stv", quota="hagenbach-bischoff")
    q = nec.quota(params, record["valid_votes_inferred"])
    assert q == Fraction(129549, 10)
    assert format_exact(q) == str(record["quota"])  # "12954.9": unrounded
    droop = nec.quota(nec_params(seats=9, method="stv", quota="droop"), 129549)
    assert droop == 12955  # the Droop quota would have been a whole number


def test_stv_replay_from_totals_is_refused() -> None:
    with pytest.raises(ValueError, match="count the ballots"):
        nec.elect_by_totals(nec_params(method="stv"), {"A": 1})


def _election(names: list[str], profile: list[tuple[int, list[str]]], seats: int) -> Election:
    cands = tuple(Candidate(n) for n in names)
    index = {n: i for i, n in enumerate(names)}
    ballots = [Ballot(tuple((index[n],) for n in ranking), weight) for weight, ranking in profile]
    return Election(candidates=cands, ballots=ballots, seats=seats)


def test_stv_count_with_women_minimum() -> None:
    names = ["Adam", "Bill", "Carl", "Dora", "Eve"]
    profile = [(40, ["Adam", "Bill"]), (30, ["Bill", "Carl"]), (20, ["Carl", "Adam"]),
               (6, ["Dora", "Eve"]), (4, ["Eve", "Dora"])]  # fmt: skip
    election = _election(names, profile, 3)
    params = nec_params(seats=3, method="stv", stv_options={"arithmetic": "rational"},
                        quota="hagenbach-bischoff")  # fmt: skip
    plain, _ = nec.count_ballots(params, election)
    assert "Dora" not in plain.summary and "Eve" not in plain.summary
    balanced = nec_params(seats=3, method="stv", stv_options={"arithmetic": "rational"},
                          women_minimum="1/3", quota="hagenbach-bischoff")  # fmt: skip
    out, result = nec.count_ballots(balanced, election, women={"Dora", "Eve"})
    assert "Dora" in result.elected
    assert len(result.elected) == 3
    figures = {f.name: f.value for f in out.figures}
    assert figures["quota (as stated)"] == "25"  # 100 votes / (3 + 1)


def test_block_count_from_ballots_applies_the_minimum() -> None:
    names = ["Max", "Mo", "Wendy"]
    profile = [(5, ["Max", "Mo"]), (3, ["Wendy"])]
    election = _election(names, profile, 2)
    out, result = nec.count_ballots(nec_params(seats=2, women_minimum="50%"), election,
                                    women={"Wendy"})  # fmt: skip
    assert result.elected == ["Max", "Wendy"]


def test_nominations_needed() -> None:
    out = nec.check_nominations(nec_params(nominations_required=5), {"A": 5, "B": 4})
    assert [d.decision for d in out.details] == ["nominated", "not nominated"]


# --------------------------------------------------------------------------- card votes


def conf_params(**over: object) -> conf.Params:
    data: dict[str, object] = {"source": "test"}
    data.update(over)
    return msgspec.convert(data, conf.Params)


@pytest.mark.parametrize(
    "record_id", ["conf-2021-cv1-equalities-structures", "conf-2021-cv2-student-structures"]
)
def test_card_votes_2021_reproduce_published_percentages(history: dict, record_id: str) -> None:
    """The 50/50 weighting reproduces LabourList's printed figures to two places."""
    record = next(r for r in history["labour_conference_card_votes"] if r["id"] == record_id)
    out = conf.card_vote(
        conf_params(),
        clp_for=record["clp_for"], clp_against=record["clp_against"],
        affiliate_for=record["affiliate_for"], affiliate_against=record["affiliate_against"],
    )  # fmt: skip
    figures = {f.name: f.value for f in out.figures}
    assert figures["CLP component"] == f"{record['clp_component_pct']:.2f}"
    assert figures["affiliate component"] == f"{record['affiliate_component_pct']:.2f}"
    published = record.get("published_total_for_pct", record["weighted_for_pct_computed"])
    assert figures["for"] == f"{published:.2f}"
    assert out.decision == "carried"


def test_cv1_exact_arithmetic() -> None:
    """CV1: 50% × 342921/351644 + 50% × 1810113/1814938, exactly, then printed."""
    exact = Fraction(1, 2) * Fraction(342921, 351644) + Fraction(1, 2) * Fraction(
        1810113, 1814938
    )
    assert conf.percent(exact) == "98.63"
    assert conf.round_half_up(Fraction(98625, 1000), 2) == Fraction(9863, 100)


def test_card_vote_majorities() -> None:
    p = conf_params()
    # CLPs 30% for, affiliates 70% for: exactly 50% is not a majority
    even = conf.card_vote(p, clp_for=30, clp_against=70, affiliate_for=70, affiliate_against=30)
    assert even.decision == "lost"
    # 2018 leadership rule (63.94%) would pass a simple majority but not two-thirds
    prog = conf.card_vote(p, clp_for=30, clp_against=70, affiliate_for=98, affiliate_against=2,
                          programme=True)  # fmt: skip
    assert prog.decision == "lost"
    assert {f.name: f.value for f in prog.figures}["for"] == "64.00"
    assert conf.card_vote(p, clp_for=30, clp_against=70, affiliate_for=98,
                          affiliate_against=2).decision == "carried"  # fmt: skip


def test_card_vote_shares_must_add_up() -> None:
    with pytest.raises(msgspec.ValidationError, match="add up to 100%"):
        conf_params(card_vote={"clp_share": "50%", "affiliate_share": "40%"})


def test_card_vote_empty_section_is_refused() -> None:
    with pytest.raises(ValueError, match="no votes"):
        conf.card_vote(conf_params(), clp_for=0, clp_against=0, affiliate_for=1,
                       affiliate_against=0)  # fmt: skip


# --------------------------------------------------------------------------- delegates


@pytest.mark.parametrize(
    ("members", "cap", "expected"),
    [(1, 0, 1), (749, 0, 1), (750, 0, 2), (999, 0, 2), (1000, 0, 3), (2749, 0, 9),
     (2749, 6, 6)],
)  # fmt: skip
def test_delegate_entitlement(members: int, cap: int, expected: int) -> None:
    p = conf_params(delegates={"cap": cap})
    out = conf.delegates(p, members)
    assert {f.name: f.value for f in out.figures}["delegates"] == str(expected)


def test_extra_woman_and_youth_delegates() -> None:
    p = conf_params(delegates={"extra_woman_if_women_at_least": 100,
                               "extra_youth_if_young_at_least": 30, "cap": 6})  # fmt: skip
    out = conf.delegates(p, 3000, women=99, young=30)
    assert {f.name: f.value for f in out.figures}["delegates"] == "7"  # 6 (capped) + youth
    out = conf.delegates(p, 500, women=100, young=29)
    assert {f.name: f.value for f in out.figures}["delegates"] == "2"


# --------------------------------------------------------------------------- rule-change timetable

ONE_YEAR = {"one_year_rule": True, "no_conference_years": [2020]}
NONE = {"one_year_rule": False, "no_conference_years": [2020]}

#: (year submitted, one-year rule in force when submitted, conference that debates it).
#: In force: before 2018 and again after the 2022 conference; not between (rulebooks.md §4).
TIMETABLE = [
    (2016, ONE_YEAR, 2017),  # the one-year rule in force in 2017
    (2017, ONE_YEAR, 2018),  # 2018: CLP rule changes "submitted in the previous year"
    (2018, ONE_YEAR, 2019),  # submitted before the 2018 conference abolished it ...
    (2019, NONE, 2019),  # ... and in 2019 proposals of both 2018 and 2019 were debated
    (2021, NONE, 2021),  # 2021: CLPs sent rule changes to that year's conference
    (2022, NONE, 2022),  # the 2022 conference reinstated the rule at its end
    (2023, ONE_YEAR, 2024),
    (2020, NONE, 2021),  # no conference was held in 2020
]


@pytest.mark.parametrize(("submitted", "rules", "expected"), TIMETABLE)
def test_rule_change_timetable_by_year(submitted: int, rules: dict, expected: int) -> None:
    out = conf.rule_change_timetable(conf_params(rule_changes=rules), submitted=submitted)
    assert out.decision == "scheduled"
    assert {f.name: f.value for f in out.figures}["conference"] == str(expected)


def test_nec_amendments_are_exempt_from_the_one_year_rule() -> None:
    out = conf.rule_change_timetable(conf_params(rule_changes=ONE_YEAR), submitted=2017,
                                     proposer="nec")  # fmt: skip
    assert {f.name: f.value for f in out.figures}["conference"] == "2017"


def test_three_year_rule_counted_in_conferences_2022() -> None:
    """LabourList 2022-08: a proposal last decided in 2018 was ruled out in 2022 (no 2020
    conference, so 2019, 2021 and 2022 are the three following conferences)."""
    rules = {"one_year_rule": False, "three_year_unit": "conferences",
             "no_conference_years": [2020]}  # fmt: skip
    out = conf.rule_change_timetable(conf_params(rule_changes=rules), submitted=2022,
                                     last_decided=2018)  # fmt: skip
    assert out.decision == "ruled out"
    assert {f.name: f.value for f in out.figures}["first allowed"] == "2023"
    waived = conf.rule_change_timetable(conf_params(rule_changes=rules), submitted=2022,
                                        last_decided=2018, waived=True)  # fmt: skip
    assert waived.decision == "scheduled"


def test_three_year_rule_counted_in_years_2014_text() -> None:
    """Rule Book 2014 Ch.3 Cl.III.2.H: 'for a period of three years' (read: back at D+3)."""
    p = conf_params(rule_changes={"one_year_rule": False, "three_year_unit": "years"})
    assert conf.rule_change_timetable(p, submitted=2020, last_decided=2018).decision == "ruled out"
    out = conf.rule_change_timetable(p, submitted=2021, last_decided=2018)
    assert out.decision == "scheduled"


def test_women_rounded_down_as_nus() -> None:
    """NUS NEC block of 15: '50% (rounded down) for women' → 7 (rulebooks.md §8)."""
    params = nec_params(seats=15, women_minimum="50%", women_rounding="down")
    assert nec.women_seats(params) == 7
    assert nec.women_seats(nec_params(seats=15, women_minimum="50%")) == 8


def test_ron_seat_stays_unfilled() -> None:
    names = ["Ann", "Bob", "RON"]
    profile = [(50, ["Ann"]), (30, ["RON"]), (20, ["Bob"])]
    election = _election(names, profile, 2)
    params = nec_params(seats=2, method="stv", stv_options={"arithmetic": "rational"}, ron="RON")
    out, result = nec.count_ballots(params, election)
    assert "RON" not in result.elected and "Ann" in result.elected


@pytest.mark.parametrize("module_name", ["eligibility", "nec", "conference"])
def test_docstring_examples_validate(module_name: str) -> None:
    """Each procedure module's docstring shows example TOML that its Params accepts."""
    import importlib
    import re
    import textwrap
    import tomllib

    module = importlib.import_module(f"selectorate.procedures.{module_name}")
    blocks = re.findall(r"::\n\n((?:    .*\n|\n)+)", module.__doc__ or "")
    assert blocks
    for block in blocks:
        data = tomllib.loads(textwrap.dedent(block))
        data.setdefault("source", "docstring")
        msgspec.convert(data, module.Params)


def test_reserved_group_in_bloc_vote() -> None:
    params = nec_params(seats=3, reserved=[{"name": "FE", "seats": 1}])
    totals = {"A": 9, "B": 8, "C": 7, "F": 1}
    out = nec.elect_by_totals(params, totals, groups={"FE": {"F"}})
    assert [d.subject for d in out.details if d.decision == "elected"] == ["A", "B", "F"]
    assert any("C (7) passed over" in r and "FE" in r for r in out.reasons)


def test_reserved_needs_seats_or_share() -> None:
    with pytest.raises(msgspec.ValidationError, match="either seats"):
        nec_params(reserved=[{"name": "FE"}])
    with pytest.raises(msgspec.ValidationError, match="more seats reserved"):
        nec_params(seats=3, reserved=[{"name": "FE", "seats": 4}])


def test_students_union_block_of_fifteen() -> None:
    """NUS NEC 'block of 15': 5 places for FE, 50% (rounded down) for women, RON, by STV."""
    from selectorate.rulebooks import load_rulebook

    params = load_rulebook("students-union-stv").procedure("nec")
    assert (params.seats, nec.women_seats(params)) == (15, 7)
    assert nec.reserved_seats(params, params.reserved[0]) == 5
    assert params.ron == "RON" and params.method == "stv"


def test_stv_count_with_two_minimums_and_ron() -> None:
    names = ["Al", "Bo", "Cy", "Di", "Ed", "RON"]
    profile = [(40, ["Al"]), (20, ["Bo", "Cy"]), (15, ["Cy", "Bo"]), (12, ["RON"]),
               (8, ["Di", "Ed"]), (5, ["Ed", "Di"])]  # fmt: skip
    election = _election(names, profile, 3)
    params = nec_params(seats=3, method="stv", stv_method="ers97", women_minimum="1/3",
                        reserved=[{"name": "FE", "seats": 1}], ron="RON")  # fmt: skip
    # Di is a woman and a further-education student: her seat meets both minimums.
    # (Each minimum is enforced on its own, as the counting core's CountRules does; two
    # disjoint groups whose needs together fill the seats left are not enforced jointly.)
    out, result = nec.count_ballots(params, election, women={"Di"}, groups={"FE": {"Di", "Ed"}})
    assert "Di" in result.elected and len(result.elected) == 3
    assert "RON" not in result.elected
    figures = {f.name: f.value for f in out.figures}
    assert figures["women needed"] == "1" and figures["FE needed"] == "1"
