"""The party procedures replayed against history, under the rules then in force.

Every expected value below comes from ``shared/facts/labour_history.json``
(read at test time) or ``shared/facts/rulebooks.md``; each test names its
source. Rulebook versions are the shipped ones (``load_rulebook``):
labour-2014 (Collins, the 2015 contests), labour-2015 (MEPs added: 2016),
labour-2017/2018 (10%, the 2018 second stage and one-third trigger ballot:
2019-2020) and labour-2021.
"""

from __future__ import annotations

import json
import tomllib
from fractions import Fraction
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from selectorate.ballots import Ballot, Candidate, Election
from selectorate.cli import app
from selectorate.counting import registry as counting
from selectorate.procedures import (
    general_secretary,
    leadership,
    motion,
    reselection,
    selection,
    trigger_ballot,
)
from selectorate.procedures.numbers import (
    explain_required,
    format_rate,
    meets,
    parse_rate,
    required,
    threshold,
)
from selectorate.rulebooks import load_rulebook

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FACTS = SHARED / "facts" / "labour_history.json"
EXAMPLES = ROOT / "docs" / "examples"
RULEBOOKS = ROOT / "selectorate" / "data" / "rulebooks"

needs_facts = pytest.mark.skipif(not FACTS.is_file(),
                                 reason="shared/facts/labour_history.json is missing")
runner = CliRunner()


@pytest.fixture(scope="module")
def facts() -> dict:
    """labour_history.json."""
    if not FACTS.is_file():
        pytest.skip("shared/facts/labour_history.json is missing")
    return json.loads(FACTS.read_text(encoding="utf-8"))


def _contest(facts: dict, ident: str) -> dict:
    return next(e for e in facts["labour_leadership_elections"] if e["id"] == ident)


def _params(rulebook: str, procedure: str):  # noqa: ANN202
    return load_rulebook(rulebook).procedure(procedure)


def _nominated(outcome) -> list[str]:  # noqa: ANN001
    return [d.subject for d in outcome.details if d.decision == "nominated"]


def _decisions(outcome) -> dict[str, str]:  # noqa: ANN001
    return {d.subject: d.decision for d in outcome.details}


def _figure(outcome, name: str) -> str:  # noqa: ANN001
    return next(f.value for f in outcome.figures if f.name == name)


# --------------------------------------------------------------------------- numbers


def test_parse_rate_reads_percentages_and_fractions_exactly():
    assert parse_rate("15%") == Fraction(3, 20)
    assert parse_rate("12.5%") == Fraction(1, 8)
    assert parse_rate("1/3") == Fraction(1, 3)
    assert format_rate(Fraction(1, 3)) == "1/3" and format_rate(Fraction(1, 10)) == "10%"
    for bad in ("15", "0.15", 0.15, "150%", "1/0", "", "fifteen"):
        with pytest.raises(ValueError):
            parse_rate(bad)


def test_worked_thresholds_from_the_facts():
    """rulebooks.md §1.1 "Worked thresholds": ceil(rate × pool)."""
    assert threshold(parse_rate("15%"), 232) == 35  # 2015, New Statesman
    assert threshold(parse_rate("20%"), 251) == 51  # 2016, New Statesman
    assert threshold(parse_rate("10%"), 212) == 22  # 2020, LabourList
    assert threshold(parse_rate("5%"), 648) == threshold(parse_rate("5%"), 647) == 33  # CLPs
    assert threshold(parse_rate("15%"), 252) == 38  # MEPs added, Nov 2015 (Rentoul)
    assert threshold(parse_rate("20%"), 199) == 40  # 2021, "40 on current numbers"
    assert explain_required(parse_rate("15%"), 232) == "ceil(15% × 232 = 34.8) = 35"


@given(st.integers(0, 100), st.integers(1, 100), st.integers(0, 5000))
def test_threshold_is_the_smallest_count_reaching_the_share(num, den, pool):
    rate = Fraction(min(num, den), den)
    n = threshold(rate, pool)
    assert n >= rate * pool and (n == 0 or n - 1 < rate * pool)
    strict = required(rate, pool, "more_than")
    assert strict > rate * pool and strict - 1 <= rate * pool


@given(st.integers(0, 100), st.integers(0, 100), st.integers(1, 100), st.integers(0, 5000),
       st.integers(0, 50))
def test_threshold_is_monotone_in_rate_and_pool(a, b, den, pool, extra):
    low, high = sorted((Fraction(min(a, den), den), Fraction(min(b, den), den)))
    assert threshold(low, pool) <= threshold(high, pool)
    assert threshold(low, pool) <= threshold(low, pool + extra)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 100), st.integers(1, 400), st.integers(0, 400), st.integers(0, 40))
def test_more_nominations_never_lose_a_place(percent, pool, count, more):
    """Monotonicity of the whole nomination procedure, not just the arithmetic."""
    count = min(count, pool)
    params = leadership.Params(
        source="test",
        vacancy=leadership.Contest(parliamentary=leadership.Parliamentary(rate=f"{percent}%")),
    )

    def decision(n: int) -> str:
        record = leadership.NominationRecord(candidates=[leadership.Nominee("A", mps=n)],
                                             pools=leadership.Pools(mps=pool))
        return leadership.nominations_outcome(params, record).details[0].decision

    first = decision(count)
    assert first == ("nominated" if meets(count, Fraction(percent, 100), pool) else "not_nominated")
    if first == "nominated":
        assert decision(count + more) == "nominated"


# --------------------------------------------------------------------------- leadership


@needs_facts
def test_2015_leader_nominations_under_labour_2014(facts):
    """lab-leader-2015: 15% of 232 MPs = 35; Burnham 68, Cooper 59, Kendall 41, Corbyn 36 on
    the ballot, Creagh failed to reach 35 and withdrew (New Statesman, June 2015)."""
    contest = _contest(facts, "lab-leader-2015")
    stage1 = contest["nomination_rule"]["stage1"]
    assert facts["labour_plp_size"][0]["mps"] == stage1["pool_size"] == 232
    record = leadership.NominationRecord(
        title="Labour leadership 2015",
        pools=leadership.Pools(mps=stage1["pool_size"]),
        candidates=[
            leadership.Nominee(n["candidate"], mps=n["count"], withdrawn=n["count"] is None)
            for n in contest["nominations"]["plp"]
        ],
    )
    outcome = leadership.nominations_outcome(_params("labour-2014", "leadership"), record,
                                             rulebook="labour-2014")
    assert _figure(outcome, "parliamentary nominations needed") == str(stage1["threshold"])
    assert _nominated(outcome) == ["Andy Burnham", "Yvette Cooper", "Liz Kendall", "Jeremy Corbyn"]
    assert _decisions(outcome)["Mary Creagh"] == "withdrawn"
    assert outcome.decision == "contest"
    # Corbyn made it by one: 35 would too, 34 would not (the rule rounds 34.8 up).
    corbyn = record.candidates[3]
    for n, expected in ((35, "nominated"), (34, "not_nominated")):
        corbyn.mps = n
        again = leadership.nominations_outcome(_params("labour-2014", "leadership"), record)
        assert _decisions(again)["Jeremy Corbyn"] == expected


@needs_facts
def test_2015_deputy_nominations_under_labour_2014(facts):
    """lab-deputy-2015: Bradshaw's final 37 clears 35; Healey (21) and Ali (24) withdrew short of
    it; at noon on the deadline day Creasy (28) was still short (New Statesman, June 2015)."""
    deputy = _contest(facts, "lab-deputy-2015")
    noms = deputy["nominations"]
    params = _params("labour-2014", "leadership")
    pool = deputy["nomination_rule"]["stage1"]["pool_size"]
    final = leadership.NominationRecord(
        office="deputy", pools=leadership.Pools(mps=pool),
        candidates=[leadership.Nominee(n["candidate"], mps=n["count"]) for n in noms["plp_final"]]
        + [leadership.Nominee(n["candidate"], mps=n["count"]) for n in noms["withdrawn"]],
    )
    decided = _decisions(leadership.nominations_outcome(params, final))
    assert decided == {"Ben Bradshaw": "nominated", "John Healey": "not_nominated",
                       "Rushanara Ali": "not_nominated"}
    noon = leadership.NominationRecord(
        office="deputy", pools=leadership.Pools(mps=232),
        candidates=[leadership.Nominee(n["candidate"], mps=n["count"])
                    for n in noms["plp_at_noon_deadline_day"]],
    )
    assert _decisions(leadership.nominations_outcome(params, noon)) == {
        "Tom Watson": "nominated", "Caroline Flint": "nominated", "Stella Creasy": "not_nominated"}


@needs_facts
def test_2016_challenge_under_labour_2015(facts):
    """lab-leader-2016: a challenge; 20% of 251 MPs and MEPs = 51; Smith's 172 (162 MPs + 10
    MEPs) clear it; the incumbent is on the ballot by the NEC's 18-14 ruling of 12 July 2016."""
    contest = _contest(facts, "lab-leader-2016")
    rule = contest["trigger"]["challenger_threshold"]
    assert facts["labour_plp_size"][2]["mps_plus_meps"] == rule["pool_size"] == 251
    smith = next(n for n in contest["nominations"]["plp_eplp"] if n["count"] == 172)
    mps, meps = (int(x.split()[0]) for x in smith["detail"].split(" + "))
    record = leadership.NominationRecord(
        contest="challenge", incumbent="Jeremy Corbyn",
        # only the sum 251 is sourced; the pool is MPs + MEPs, so the split does not matter
        pools=leadership.Pools(mps=rule["pool_size"] - 20, meps=20),
        candidates=[leadership.Nominee("Jeremy Corbyn"),
                    leadership.Nominee("Owen Smith", mps=mps, meps=meps),
                    leadership.Nominee("Angela Eagle", mps=72, withdrawn=True)],
    )
    params = _params("labour-2015", "leadership")
    outcome = leadership.nominations_outcome(params, record, rulebook="labour-2015")
    assert _figure(outcome, "parliamentary nominations needed") == str(rule["threshold"])
    assert _nominated(outcome) == ["Jeremy Corbyn", "Owen Smith"]
    assert outcome.decision == "contest"
    # Had the rule required the incumbent's nominations too (the reading the NEC rejected),
    # the record could not show that Corbyn was on the ballot.
    strict = msgspec.structs.replace(params, incumbent_on_ballot=False)
    assert _decisions(leadership.nominations_outcome(strict, record))["Jeremy Corbyn"] == \
        "undetermined"
    # Under labour-2014 (MPs only) the pool is 231 and Smith's 162 MPs still clear 47.
    under_2014 = leadership.nominations_outcome(_params("labour-2014", "leadership"), record)
    assert _figure(under_2014, "parliamentary nominations needed") == "47"
    assert _nominated(under_2014) == ["Jeremy Corbyn", "Owen Smith"]


@needs_facts
def test_2020_leader_nominations_under_labour_2018(facts):
    """lab-leader-2020: 10% of 212 = 22 PLP+EPLP nominations, then 33 CLPs (5% of 648) or the
    affiliate route; Thornberry (30 CLPs on 14 Feb morning, 0 affiliates) did not qualify."""
    contest = _contest(facts, "lab-leader-2020")
    noms = contest["nominations"]
    clps = noms["clp_interim_2020-02-14_morning"]
    affiliates = noms["clp_affiliate_interim_2020-02-11"]
    size = facts["labour_plp_size"][3]
    record = leadership.NominationRecord(
        mps_include_meps=True,
        pools=leadership.Pools(mps=size["mps"], meps=size["meps"],
                               clps=contest["nomination_rule"]["stage2_any_of"][0]["pool_size"]),
        candidates=[
            leadership.Nominee(
                n["candidate"], mps=n["count"], clps=clps.get(n["candidate"]),
                affiliate_count=affiliates.get(n["candidate"], {}).get("affiliates"),
                withdrawn=n["candidate"] in ("Clive Lewis", "Jess Phillips"),
            )
            for n in noms["plp_eplp_final"]
        ],
    )
    outcome = leadership.nominations_outcome(_params("labour-2018", "leadership"), record)
    assert _figure(outcome, "parliamentary nominations needed") == "22"
    assert _figure(outcome, "CLP nominations needed") == "33"
    assert _nominated(outcome) == list(contest["rounds"][0]["tallies"])  # the three on the ballot
    assert _decisions(outcome)["Emily Thornberry"] == "not_nominated"
    # The CLP threshold is 33 whichever CLP count is right (648 or 647).
    record.pools.clps = 647
    assert _figure(leadership.nominations_outcome(_params("labour-2018", "leadership"), record),
                   "CLP nominations needed") == "33"


@needs_facts
def test_2020_deputy_nominations_under_labour_2018(facts):
    """lab-deputy-2020: all five with 22+ PLP/EPLP nominations (Burgon exactly 22) and 33+ CLPs
    (interim 11 Feb) stood; the round-1 tally lists the same five."""
    deputy = _contest(facts, "lab-deputy-2020")
    noms = deputy["nominations"]
    interim = noms["clp_affiliate_interim_2020-02-11"]
    record = leadership.NominationRecord(
        office="deputy", mps_include_meps=True, pools=leadership.Pools(mps=202, meps=10, clps=648),
        candidates=[leadership.Nominee(name, mps=count, clps=interim[name]["clps"],
                                       affiliate_count=interim[name]["affiliates"])
                    for name, count in noms["plp_eplp_final"].items() if isinstance(count, int)],
    )
    outcome = leadership.nominations_outcome(_params("labour-2018", "leadership"), record)
    assert sorted(_nominated(outcome)) == sorted(deputy["rounds"][0]["tallies"])
    # What-if: under the 2015-17 rule (15% of 212 = 32) only Rayner and Murray would have stood.
    what_if = leadership.nominations_outcome(_params("labour-2015", "leadership"), record)
    assert _nominated(what_if) == ["Angela Rayner", "Ian Murray"]


def _profile_from_rounds(rounds: list[dict]) -> Election:
    """A ballot profile that reproduces published IRV rounds exactly.

    Round-1 tallies become first preferences. When a candidate is eliminated,
    their pile is split among the continuing candidates by each one's gain in
    the next round, the remainder exhausting. The split between piles that
    came to the eliminated candidate at different rounds is not published;
    any split gives the same rounds, so this is one of many consistent
    profiles — not the real ballots.
    """
    names = list(rounds[0]["tallies"])
    groups = [[[name], count, True] for name, count in rounds[0]["tallies"].items()]
    for current, following in zip(rounds, rounds[1:], strict=False):
        (out,) = current["eliminated_after"]
        gains = [(c, following["tallies"][c] - current["tallies"][c]) for c in following["tallies"]]
        exhausted = current["tallies"][out] - sum(g for _, g in gains)
        assert exhausted >= 0 and all(g >= 0 for _, g in gains)
        shares = [*gains, (None, exhausted)]
        held = [g for g in groups if g[2] and g[0][-1] == out]
        groups = [g for g in groups if not (g[2] and g[0][-1] == out)]
        for ranking, count, _ in held:
            while count:
                target, need = shares[0]
                take = min(count, need)
                if take:
                    groups.append([ranking + [target], take, True] if target else
                                  [ranking, take, False])
                count -= take
                shares[0] = (target, need - take)
                if shares[0][1] == 0:
                    shares.pop(0)
    index = {n: i for i, n in enumerate(names)}
    ballots = [Ballot(tuple((index[n],) for n in ranking), count) for ranking, count, _ in groups]
    return Election(tuple(Candidate(n) for n in names), ballots)


@needs_facts
@pytest.mark.parametrize("ident, rulebook", [("lab-deputy-2015", "labour-2014"),
                                             ("lab-deputy-2020", "labour-2018")])
def test_deputy_rounds_replayed_through_the_counting_core(facts, ident, rulebook):
    """lab-deputy-2015 / -2020 rounds: no ballots are published, so a profile consistent with
    the published rounds is built (:func:`_profile_from_rounds`) and counted by the rulebook's
    method ("irv"). What this checks: the published rounds are a valid AV count — the lowest
    candidate was eliminated each round, no one had a majority before the last round, the
    winner had one then — and the counting core reproduces every published tally and the
    winner exactly. It cannot check how individual ballots transferred."""
    deputy = _contest(facts, ident)
    rounds = deputy["rounds"]
    election = _profile_from_rounds(rounds)
    params = _params(rulebook, "leadership")
    result = leadership.count_ballot(params, election)
    assert [{n: int(v) for n, v in r.tally.items()} for r in result.rounds] == \
        [r["tallies"] for r in rounds]
    assert result.elected == [rounds[-1]["elected"]]
    outcome = leadership.ballot_outcome(params, election, rulebook=rulebook)
    assert outcome.decision == "elected" and outcome.subject == rounds[-1]["elected"]
    # The facts give the ballots exhausted at each transfer; RCTab's inactive count is cumulative.
    cumulative = [int(r.inactive_total) for r in result.rounds]
    exhausted = [b - a for a, b in zip(cumulative, cumulative[1:], strict=False)]
    assert exhausted == list(deputy["exhausted_computed"].values())
    if ident == "lab-deputy-2020":  # the rank reversal: Burgon 2nd in rounds 1-2, 3rd in round 3
        ranks = [sorted(r.tally, key=lambda n: -r.tally[n]) for r in result.rounds]
        assert [r.index("Richard Burgon") for r in ranks] == [1, 1, 2]


@needs_facts
def test_2010_mps_section_counted_by_irv(facts):
    """ballot_profiles[0] (PrefLib 00030): the 266 MPs' and MEPs' ranked ballots of 2010,
    counted alone by AV: round 1 D. Miliband 111, E. Miliband 84, Balls 40, Burnham 24,
    Abbott 7; final 140-122 with 4 exhausted. Only the PLP/EPLP third of the electoral college
    is replayed (Ed Miliband won the whole college)."""
    profile = facts["ballot_profiles"][0]
    names = [profile["candidates"][k] for k in sorted(profile["candidates"], key=int)]
    election = Election(
        tuple(Candidate(n) for n in names),
        [Ballot(tuple((int(c) - 1,) for c in b["ranking"]), b["count"])
         for b in profile["ballots"]],
    )
    assert election.total_weight() == 266
    result = leadership.count_ballot(_params("labour-2014", "leadership"), election)
    first = {n: int(v) for n, v in result.rounds[0].tally.items()}
    assert first == {"Diane Abbott": 7, "Ed Balls": 40, "Andy Burnham": 24,
                     "David Miliband": 111, "Ed Miliband": 84}
    last = result.rounds[-1]
    assert {n: int(v) for n, v in last.tally.items()} == {"David Miliband": 140,
                                                          "Ed Miliband": 122}
    assert last.inactive_total == 4 and result.elected == ["David Miliband"]
    # The 2010 rule was an electoral college of three equal sections: with the same ballots in
    # every section it must elect as AV does (checks the college path of count_ballot).
    college = msgspec.structs.replace(
        _params("labour-2014", "leadership"),
        ballot=leadership.BallotRule(method="electoral-college", sections=[
            leadership.Section(name=s, share="1/3") for s in ("MPs", "members", "affiliates")]),
    )
    same = leadership.count_ballot(college, election, sections={
        "MPs": election, "members": election, "affiliates": election})
    assert same.elected == ["David Miliband"]


@needs_facts
def test_conservative_2019_mps_ballots(facts):
    """con-leader-2019: 17 votes to survive ballot 1, 33 ballot 2, then the lowest goes until
    two remain (The Guardian, 4 June 2019); Javid survived ballot 2 on exactly 33."""
    contest = next(c for c in facts["comparators"] if c["id"] == "con-leader-2019")
    params = _params("conservative-2019", "leadership")
    assert params.ballot.mps_stage.minimums == [contest["rules"]["ballot1_min_votes"],
                                                contest["rules"]["ballot2_min_votes"]]
    for rnd in contest["rounds"]:
        outcome = leadership.mps_ballot_outcome(params, rnd["ballot"], rnd["tallies"])
        eliminated = [d.subject for d in outcome.details if d.decision == "eliminated"]
        assert eliminated == rnd["eliminated"], rnd["ballot"]
    assert outcome.decision == "final"
    assert [d.subject for d in outcome.details if d.decision == "final"] == \
        list(contest["members_ballot"]["tallies"])
    members = contest["members_ballot"]["tallies"]
    names = list(members)
    election = Election(tuple(Candidate(n) for n in names),
                        [Ballot(((i,),), members[n]) for i, n in enumerate(names)])
    assert leadership.ballot_outcome(params, election).subject == "Boris Johnson"


def test_comparator_and_base_files_validate():
    """Every procedure file I own parses into its Params (the rulebook loader does the same)."""
    owned = {"leadership": leadership, "trigger_ballot": trigger_ballot,
             "reselection": reselection, "selection": selection, "motion": motion,
             "general_secretary": general_secretary}
    for folder in ("labour-2014", "conservative-2019", "libdem-2019", "green-ew-2020"):
        for name, module in owned.items():
            path = RULEBOOKS / folder / f"{name}.toml"
            if path.is_file():
                msgspec.convert(tomllib.loads(path.read_text("utf-8")), module.Params)


def test_libdem_others_only_and_members_route():
    """libdem-2019: 10% of the *other* MPs, and 200 members from 20 local parties (art.10.5).
    Illustrative figures (the facts give no per-candidate counts): with 14 MPs the pool is 13,
    ceil(1.3) = 2 proposers."""
    params = _params("libdem-2019", "leadership")
    record = leadership.NominationRecord(
        pools=leadership.Pools(mps=14),
        candidates=[leadership.Nominee("A", mps=2, members=200, local_parties=20),
                    leadership.Nominee("B", mps=2, members=250, local_parties=19),
                    leadership.Nominee("C", mps=1, members=900, local_parties=60)])
    outcome = leadership.nominations_outcome(params, record)
    assert _figure(outcome, "parliamentary nominations needed") == "2"
    assert _decisions(outcome) == {"A": "nominated", "B": "not_nominated", "C": "not_nominated"}
    assert outcome.decision == "elected_unopposed"


def test_2018_affiliate_route_by_name():
    """labour-2018 second stage, affiliates route: at least 3 affiliates, 2 of them unions,
    together 5% of the affiliated membership (rulebooks.md §1.1, Scott Arthur's quotation).
    Illustrative affiliates and memberships."""
    record = leadership.record_from_dict({
        "pools": {"mps": 200, "meps": 0, "clps": 600, "affiliates": [
            {"name": "U1", "kind": "union", "membership": 600},
            {"name": "U2", "kind": "union", "membership": 390},
            {"name": "U3", "kind": "union", "membership": 18000},
            {"name": "S1", "kind": "society", "membership": 10},
            {"name": "S2", "kind": "society", "membership": 1000}]},
        "candidates": [
            {"name": "A", "mps": 20, "clps": 0, "affiliates": ["U1", "U2", "S1"]},  # 1000 = 5%
            {"name": "B", "mps": 20, "clps": 0, "affiliates": ["U1", "U2"]},  # only two
            {"name": "C", "mps": 20, "clps": 0, "affiliates": ["U1", "S1", "S2"]},  # one union
            {"name": "D", "mps": 20, "clps": 0, "affiliates": ["U1", "U2"], "note": "x"},
        ]})
    record.candidates[3].affiliates = ["U2", "S1", "S2"]  # 1400 but one union
    outcome = leadership.nominations_outcome(_params("labour-2018", "leadership"), record)
    assert _figure(outcome, "affiliated membership needed") == "1000"  # 5% of 20000
    assert _decisions(outcome) == {"A": "nominated", "B": "not_nominated",
                                   "C": "not_nominated", "D": "not_nominated"}
    with pytest.raises(ValueError, match="not listed in pools.affiliates"):
        leadership.record_from_dict({"candidates": [{"name": "A", "affiliates": ["Nope"]}]})


# --------------------------------------------------------------------------- trigger ballots


def _tb(facts: dict, ident: str) -> dict:
    return next(t for t in facts["labour_trigger_ballots_and_selections"] if t["id"] == ident)


@needs_facts
def test_2019_trigger_ballots_under_the_2018_rule(facts):
    """tb-2019-hull-north (4 of 10 branches) and tb-2019-barking (5 for selection, 6 against):
    both triggered under 'one third or more of branches' (Ch.5 Cl.IV.5.B, 2018)."""
    params = _params("labour-2018", "trigger_ballot")
    hull = _tb(facts, "tb-2019-hull-north")
    hull_record = trigger_ballot.TriggerRecord(
        mp=hull["mp"], clp=hull["clp"],
        branches=trigger_ballot.Side(hull["branches_for_selection"],
                                     hull["branches_total"] - hull["branches_for_selection"]))
    barking = _tb(facts, "tb-2019-barking")
    barking_record = trigger_ballot.TriggerRecord(
        mp=barking["mp"], clp=barking["clp"],
        branches=trigger_ballot.Side(barking["branches_for_selection"],
                                     barking["branches_for_automatic"]))
    for tb, record in ((hull, hull_record), (barking, barking_record)):
        outcome = trigger_ballot.trigger_ballot_outcome(params, record, rulebook="labour-2018")
        assert outcome.decision == "triggered" == tb["outcome"].split()[0]
    # Hull North is on the edge: ceil(10/3) = 4. The conflicting account ("three branches")
    # could not trigger on branches alone.
    assert _figure(trigger_ballot.trigger_ballot_outcome(params, hull_record),
                   "branches for a selection") == "4 of 10"
    three = trigger_ballot.TriggerRecord(mp=hull["mp"], branches=trigger_ballot.Side(3, 7))
    assert trigger_ballot.trigger_ballot_outcome(params, three).decision == "not_triggered"
    # Under the earlier rule (the MP needs a majority of units) both MPs kept the majority.
    before = _params("labour-2014", "trigger_ballot")
    for record in (hull_record, barking_record):
        assert trigger_ballot.trigger_ballot_outcome(before, record).decision == "not_triggered"
    # Under the 2021 rule (half) neither 4/10 nor 5/11 triggers.
    after = _params("labour-2021", "trigger_ballot")
    assert parse_rate(after.threshold) == Fraction(1, 2)
    assert trigger_ballot.trigger_ballot_outcome(after, barking_record).decision == "not_triggered"


def test_trigger_ballot_unit_votes_and_edges():
    """Units decide by simple majority of those voting (rulebooks.md §2.1); an affiliate side
    alone can trigger under the 2018 rule; a side where nobody voted is left out."""
    params = _params("labour-2018", "trigger_ballot")
    units = [trigger_ballot.UnitVote("W1", for_selection=2, for_mp=0),  # turnout of two
             trigger_ballot.UnitVote("W2", for_selection=1, for_mp=2),
             trigger_ballot.UnitVote("W3", for_selection=3, for_mp=3),  # tied: no selection
             trigger_ballot.UnitVote("U1", kind="affiliate", decision="mp")]
    record = trigger_ballot.TriggerRecord(mp="X", units=units)
    outcome = trigger_ballot.trigger_ballot_outcome(params, record)
    # 1 of 3 branches is exactly one third: "one third or more" triggers.
    assert _figure(outcome, "branches for a selection") == "1 of 3"
    assert outcome.decision == "triggered"
    assert any("tied; counts as no selection" in r for r in outcome.reasons)


def test_exact_third_triggers_and_empty_sides():
    params = _params("labour-2018", "trigger_ballot")
    one_third = trigger_ballot.TriggerRecord(mp="X", branches=trigger_ballot.Side(1, 2))
    assert trigger_ballot.trigger_ballot_outcome(params, one_third).decision == "triggered"
    below = trigger_ballot.TriggerRecord(mp="X", branches=trigger_ballot.Side(3, 7),
                                         affiliates=trigger_ballot.Side(1, 2))
    assert trigger_ballot.trigger_ballot_outcome(params, below).decision == "triggered"
    nobody = trigger_ballot.TriggerRecord(mp="X", branches=trigger_ballot.Side(0, 0, 4))
    assert trigger_ballot.trigger_ballot_outcome(params, nobody).decision == "no_votes"


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 30), st.integers(0, 30), st.integers(0, 10), st.integers(0, 10),
       st.sampled_from(["pooled", "any", "all"]), st.sampled_from(["1/3", "1/2", "2/3"]))
def test_more_units_for_a_selection_never_untrigger(sel, mp, asel, amp, combinator, rate):
    params = trigger_ballot.Params(source="t", threshold=rate, combinator=combinator)

    def decide(b: int, a: int) -> str:
        rec = trigger_ballot.TriggerRecord(mp="X", branches=trigger_ballot.Side(b, mp),
                                           affiliates=trigger_ballot.Side(a, amp))
        return trigger_ballot.trigger_ballot_outcome(params, rec).decision

    if decide(sel, asel) == "triggered":
        assert decide(sel + 1, asel) == "triggered"
        assert decide(sel, asel + 1) == "triggered"


def test_reselection_66_percent_proposal():
    """The CLPD proposal (rulebooks.md §2.1): a sitting MP keeps the seat only with the support
    of two-thirds of units and affiliates. labour-2014 has no mandatory reselection."""
    base = _params("labour-2014", "reselection")
    record = trigger_ballot.TriggerRecord(mp="Margaret Hodge", clp="Barking",
                                          branches=trigger_ballot.Side(5, 6))
    assert reselection.reselection_outcome(base, record).decision == "no_mandatory_reselection"
    via_trigger = reselection.reselection_outcome(
        base, record, trigger=_params("labour-2018", "trigger_ballot"))
    assert via_trigger.decision == "triggered"
    proposal = msgspec.structs.replace(base, mandatory=True, exemption_support="2/3")
    assert reselection.reselection_outcome(proposal, record).decision == "open_selection"
    backed = trigger_ballot.TriggerRecord(mp="Y", branches=trigger_ballot.Side(4, 8))
    assert reselection.reselection_outcome(proposal, backed).decision == "reselected"  # 8/12
    nobody_exempt = msgspec.structs.replace(base, mandatory=True)
    assert reselection.reselection_outcome(nobody_exempt, backed).decision == "open_selection"
    shipped = _params("labour-proposal-66pc-reselection", "reselection")
    assert reselection.reselection_outcome(shipped, record).decision == "open_selection"
    assert reselection.reselection_outcome(shipped, backed).decision == "reselected"


# --------------------------------------------------------------------------- selections


def _first_preferences(tallies: dict[str, int], extra: tuple[str, ...] = ()) -> Election:
    names = [*tallies, *extra]
    return Election(tuple(Candidate(n) for n in names),
                    [Ballot(((i,),), tallies[n]) for i, n in enumerate(tallies)])


@needs_facts
def test_2019_reselection_ballots_and_lewisham_east(facts):
    """tb-2019-hull-north reselection: OMOV eliminating ballot on an all-women shortlist,
    Johnson 292, Akbar 101; sel-2018-lewisham-east: Daby 288, Sheikh 135, Webbe 35, Daby on
    the first round, Dacres (shortlisted) withdrew before the vote. Only first preferences are
    published, which decide both counts in round 1."""
    params = _params("labour-2018", "selection")
    hull = _tb(facts, "tb-2019-hull-north")
    results = hull["reselection"]["results"]
    record = selection.SelectionRecord(
        clp=hull["clp"], all_women=True, shortlist=list(results),
        applicants=[selection.Applicant("Diana Johnson", "woman", sitting_mp=True),
                    selection.Applicant("Aneesa Akbar", "woman"),
                    selection.Applicant("A. Man", "man")])  # illustrative: excluded by the AWS
    short = selection.shortlist_outcome(params, record)
    assert _decisions(short) == {"Diana Johnson": "automatically_shortlisted",
                                 "Aneesa Akbar": "undetermined", "A. Man": "excluded"}
    assert short.decision == "undetermined"  # Akbar's nominations are not in the record
    won = selection.ballot_outcome(params, _first_preferences(results), shortlist=list(results))
    assert won.decision == "selected" and won.subject == "Diana Johnson"
    lew = _tb(facts, "sel-2018-lewisham-east-byelection")
    election = _first_preferences(lew["results"], extra=("Brenda Dacres",))
    result = selection.count_ballot(params, election, shortlist=list(lew["results"]))
    assert result.elected == ["Janet Daby"] and len(result.rounds) == lew["won_round"]


def test_selection_nomination_limits_and_shortlist_balance():
    """2013 NEC rule: one man and/or one woman per unit (two women in an all-women selection),
    plus one BAME nominee; at least one nomination to be shortlisted; shortlists half women.
    Illustrative applicants."""
    params = _params("labour-2014", "selection")
    applicants = [selection.Applicant("Ann", "woman"), selection.Applicant("Bob", "man"),
                  selection.Applicant("Cal", "man", bame=True), selection.Applicant("Dee", "woman"),
                  selection.Applicant("Eve", "woman")]
    noms = [selection.UnitNomination("Ward 1", nominees=["Ann", "Bob"]),
            selection.UnitNomination("Ward 2", nominees=["Ann", "Bob", "Cal"]),  # BAME extra: ok
            selection.UnitNomination("Ward 3", nominees=["Bob", "Cal", "Dee", "Eve"]),  # too many
            selection.UnitNomination("GMB", kind="affiliate", nominees=["Dee"])]
    record = selection.SelectionRecord(clp="Example", applicants=applicants, nominations=noms,
                                       shortlist=["Ann", "Bob", "Cal", "Dee"])
    outcome = selection.shortlist_outcome(params, record)
    assert _decisions(outcome) == {"Ann": "eligible", "Bob": "eligible", "Cal": "eligible",
                                   "Dee": "eligible", "Eve": "not_eligible"}
    assert any("Ward 3" in r and "disregarded" in r for r in outcome.reasons)
    assert outcome.decision == "valid_shortlist"  # 2 women of 4 = 1/2
    record.shortlist = ["Ann", "Bob", "Cal"]
    assert selection.shortlist_outcome(params, record).decision == "invalid_shortlist"


# --------------------------------------------------------------------------- motions


@needs_facts
def test_plp_no_confidence_2016_passes_without_effect(facts):
    """lab-leader-2016 preceding_plp_confidence_vote: 172-40, 'not constitutionally binding'."""
    vote = _contest(facts, "lab-leader-2016")["preceding_plp_confidence_vote"]
    params = _params("labour-2014", "motion")
    outcome = motion.motion_outcome(
        params, motion.MotionVotes(vote["no_confidence"], vote["confidence"]),
        kind="plp_confidence_in_leader")
    assert outcome.decision == "passed" and outcome.binding is vote["binding"] is False
    ordinary = motion.motion_outcome(params, motion.MotionVotes(172, 40))
    assert ordinary.binding is True


def test_motion_majority_and_quorum_edges():
    params = _params("labour-2014", "motion")
    assert motion.motion_outcome(params, motion.MotionVotes(10, 10)).decision == "failed"
    assert motion.motion_outcome(params, motion.MotionVotes(11, 10)).decision == "passed"
    assert motion.motion_outcome(params, motion.MotionVotes(0, 0)).decision == "failed"
    two_thirds = motion.motion_outcome(params, motion.MotionVotes(20, 10), kind="party_programme")
    assert two_thirds.decision == "passed"  # exactly two-thirds: "not less than"
    assert motion.motion_outcome(params, motion.MotionVotes(19, 10),
                                 kind="party_programme").decision == "failed"
    # A card vote: exact fractions.
    card = motion.MotionVotes(Fraction(200001, 3), Fraction(100000, 3))
    assert motion.motion_outcome(params, card, kind="party_programme").decision == "passed"
    quorate = motion.Params(source="t", kinds={"ordinary": motion.MotionRule(
        quorum=10, quorum_rate="1/10")})
    at = motion.motion_outcome(quorate, motion.MotionVotes(6, 3, present=10, members=95))
    assert at.decision == "passed"  # quorum max(10, ceil(9.5) = 10)
    below = motion.motion_outcome(quorate, motion.MotionVotes(6, 3, present=9, members=95))
    assert below.decision == "inquorate"
    unknown = motion.motion_outcome(quorate, motion.MotionVotes(6, 3, members=95))
    assert unknown.decision == "undetermined"
    bigger = motion.motion_outcome(quorate, motion.MotionVotes(6, 3, present=10, members=101))
    assert bigger.decision == "inquorate"  # ceil(10.1) = 11


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 50))
def test_simple_and_qualified_majorities(yes, no, abstain):
    params = _params("labour-2014", "motion")
    votes = motion.MotionVotes(yes, no, abstain)
    simple = motion.motion_outcome(params, votes).decision
    assert simple == ("passed" if 2 * yes > yes + no else "failed")
    qualified = motion.motion_outcome(params, votes, kind="party_programme").decision
    assert qualified == ("passed" if yes > 0 and 3 * yes >= 2 * (yes + no) else "failed")


# --------------------------------------------------------------------------- general secretary


@needs_facts
def test_general_secretary_appointments(facts):
    """labour_appointments: Formby 35-2 (2018); Evans 20 to 16 for the others (2020), also
    'just over half of the 38-strong NEC'."""
    params = _params("labour-2014", "general_secretary")
    formby, evans = facts["labour_appointments"]
    first = general_secretary.appointment_outcome(params, formby["results"])
    assert first.decision == "appointed" and first.subject == "Jennie Formby"
    second = general_secretary.appointment_outcome(params, evans["results"])
    assert second.decision == "appointed" and second.subject == "David Evans"
    whole_nec = msgspec.structs.replace(params, nec_base="nec_members", nec_members=38)
    assert general_secretary.appointment_outcome(whole_nec, evans["results"]).decision == \
        "appointed"
    assert general_secretary.appointment_outcome(params, {"A": 18, "B": 18}).decision == \
        "no_majority"
    proposal = msgspec.structs.replace(params, method="member_ballot",
                                       member_ballot=general_secretary.MemberBallot())
    votes = {"A": 9, "B": 8, "C": 7, "D": 6, "E": 5}
    short = general_secretary.shortlist_outcome(proposal, votes)
    assert short.decision == "shortlisted"
    assert [d.subject for d in short.details if d.decision == "shortlisted"] == ["A", "B", "C", "D"]
    tie = general_secretary.shortlist_outcome(proposal, {**votes, "E": 6})
    assert tie.decision == "tie"


# --------------------------------------------------------------------------- the CLI


def test_cli_nominations_text_and_json():
    path = EXAMPLES / "nominations_2015_leader.csv"
    text = runner.invoke(app, ["nominations", str(path), "--rulebook", "labour-2014"])
    assert text.exit_code == 0, text.output
    assert "ceil(15% × 232 = 34.8) = 35" in text.output
    data = json.loads(runner.invoke(app, ["nominations", str(path), "-r", "labour-2014",
                                          "--format", "json"]).output)
    assert data["decision"] == "contest"
    assert [d["subject"] for d in data["details"] if d["decision"] == "nominated"] == \
        ["Andy Burnham", "Yvette Cooper", "Liz Kendall", "Jeremy Corbyn"]
    again = runner.invoke(app, ["nominations", str(path), "-r", "labour-2014", "-f", "json"])
    assert again.output == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    for name, rulebook in (("nominations_2020_leader.json", "labour-2018"),
                           ("nominations_2016_challenge.json", "labour-2015")):
        result = runner.invoke(app, ["nominations", str(EXAMPLES / name), "-r", rulebook,
                                     "-f", "json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["decision"] == "contest"


def test_cli_trigger_ballot_text_and_json():
    barking = EXAMPLES / "trigger_ballot_barking_2019.json"
    for rulebook, expected in (("labour-2014", "not_triggered"), ("labour-2018", "triggered")):
        result = runner.invoke(app, ["trigger-ballot", str(barking), "-r", rulebook, "-f", "json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["decision"] == expected
    units = EXAMPLES / "trigger_ballot_units.csv"
    result = runner.invoke(app, ["trigger-ballot", str(units), "-r", "labour-2018", "--mp", "X"])
    assert result.exit_code == 0, result.output
    assert "a selection is triggered" in result.output
    assert "affiliates for a selection: 1 of 3" in result.output


def test_cli_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("candidate,mps\nA,x3\n", encoding="utf-8")
    result = runner.invoke(app, ["nominations", str(bad), "-r", "labour-2014"])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {bad}:2: mps: 'x3' is not a whole number"
    unknown = runner.invoke(app, ["nominations", str(bad), "-r", "no-such-rulebook"])
    assert unknown.exit_code == 2 and unknown.output.startswith("error: no rulebook called")
    units = tmp_path / "units.csv"
    units.write_text("unit,kind\nW,ward\n", encoding="utf-8")
    result = runner.invoke(app, ["trigger-ballot", str(units), "-r", "labour-2018", "--mp", "X"])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {units}:2: kind 'ward' is not branch or affiliate"
    missing = runner.invoke(app, ["trigger-ballot", str(units), "-r", "labour-2018"])
    assert missing.exit_code == 2


def test_counting_registry_has_the_methods_the_rulebooks_name():
    for folder in ("labour-2014", "conservative-2019", "libdem-2019", "green-ew-2020"):
        params = msgspec.convert(
            tomllib.loads((RULEBOOKS / folder / "leadership.toml").read_text("utf-8")),
            leadership.Params)
        counting.get(params.ballot.method)
