"""Meek STV: "meek" (PRF reference rule), "meek-droop" (Droop parametric), "meek-nz" (NZ Sch.1A).

Oracles:
* Droop's transcripts (``droop_reference/ref/dump``): ``*-meek-prf-o6-fixed-p9-d9``
  for "meek", ``*-meek-o9-guarded-p18-g9-d18`` and ``*-meek-o10-rational-d12``
  for "meek-droop" — every decision line's quota, every candidate's vote,
  residual and surplus at the transcript's precision, the elected and
  defeated candidates in order.
* stv-rs's ``meek/**.fixed9.log`` (Droop parametric Meek, fixed 9 places,
  omega 10⁻⁶, no batch defeat): each round's decision totals and quota, and the
  elected candidates in order.
* meek-nz: small counts worked by hand from Schedule 1A's clauses.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from droop_dump import (
    DROOP,
    STV_RS,
    conserved,
    droop_cases,
    droop_problems,
    log_elected,
    log_stage_actions,
    read_dump,
    read_log,
    tie_order,
)

from selectorate.ballots import Ballot, Candidate, Election
from selectorate.counting import registry
from selectorate.counting.keep_value import FixedPoint, decimal_text, split_meek_both_up
from selectorate.counting.meek_nz import nz_prns
from selectorate.formats.blt import read_blt

pytestmark = pytest.mark.skipif(not DROOP.exists(), reason="shared/ conformance data not found")


# --------------------------------------------------------------------------- Droop


@pytest.mark.parametrize(
    ("case", "blt", "dump"),
    [pytest.param(*c, id=c[0]) for c in droop_cases("meek-prf-o6-fixed-p9-d9")],
)
def test_meek_prf_matches_droop(case, blt, dump):
    election = read_blt(blt)
    result = registry.count("meek", election, lot_order=tie_order(election))
    assert droop_problems(result, read_dump(dump), clamp=True, final_rows=False) == []
    assert conserved(result)
    assert result.decimal_places == 9


@pytest.mark.parametrize(
    ("case", "blt", "dump", "arithmetic"),
    [
        pytest.param(*c, "guarded", id=f"{c[0]}-guarded")
        for c in droop_cases("meek-o9-guarded-p18-g9-d18")
    ]
    + [
        pytest.param(*c, "rational", id=f"{c[0]}-rational")
        for c in droop_cases("meek-o10-rational-d12")
    ],
)
def test_meek_droop_matches_droop(case, blt, dump, arithmetic):
    election = read_blt(blt, allow_equal=True)
    result = registry.count(
        "meek-droop", election, arithmetic=arithmetic, lot_order=tie_order(election)
    )
    assert droop_problems(result, read_dump(dump), clamp=True, final_rows=True) == []
    assert conserved(result)


def test_meek_prf_tie_needs_a_seed():
    # SC.blt has four candidates on 0 votes to defeat: the rule leaves the tie to lot.
    election = read_blt(DROOP / "blt" / "SC.blt")
    with pytest.raises(ValueError, match="needs a lot: give --seed"):
        registry.count("meek", election)
    result = registry.count("meek", election, seed="2024")
    assert len(result.elected) == 4
    assert any(t.method == "lot" and "seed 2024" in t.detail for t in result.tie_breaks)


def test_meek_rejects_equal_rankings_but_droop_variant_accepts():
    election = read_blt(DROOP / "blt" / "meek" / "eq1.blt", allow_equal=True)
    with pytest.raises(ValueError, match="one candidate per preference"):
        registry.count("meek", election)
    assert registry.count("meek-droop", election).elected


# --------------------------------------------------------------------------- stv-rs

#: stv-rs logs we cannot follow, and why.
STV_RS_SKIP = {
    "force_positive_surplus": "stv-rs's non-default --force-positive-surplus option",
}
#: stages known to differ, with the reason (the elected candidates agree).
STV_RS_KNOWN = {
    "crashes/rand_geometric.fixed9.log": (
        11,
        "stv-rs declares a stable state at round 11 although the surplus fell "
        "(0.000010592 -> 0.000010135); the rule it follows iterates on to omega",
    ),
}


def stv_rs_logs() -> list:
    out = []
    for log in sorted((STV_RS / "meek").rglob("*.log")):
        rel = str(log.relative_to(STV_RS / "meek"))
        if ".equalize." in log.name or ".approx." in log.name or log.stat().st_size == 0:
            continue  # equalized counting / approximate arithmetic: stv-rs options, not the rule
        if any(k in rel for k in STV_RS_SKIP):
            continue
        err = log.with_suffix(".err")
        if err.exists() and err.stat().st_size:
            continue  # stv-rs failed here (overflow): its bigfixed9 log is the oracle
        base = log.name.split(".")[0]
        blt = STV_RS / "ballots" / log.parent.relative_to(STV_RS / "meek") / f"{base}.blt"
        out.append(pytest.param(rel, blt, log, id=rel))
    return out


@pytest.mark.skipif(not STV_RS.exists(), reason="stv-rs reference data not found")
@pytest.mark.parametrize(("rel", "blt", "log"), stv_rs_logs())
def test_meek_droop_fixed_matches_stv_rs(rel, blt, log):
    election = read_blt(blt, allow_equal=True)
    result = registry.count(
        "meek-droop",
        election,
        arithmetic="fixed",
        batch_defeat=False,
        lot_order=tie_order(election),
    )
    actions = read_log(log)
    upto, _why = STV_RS_KNOWN.get(rel, (10**9, ""))
    # stv-rs counted the ballots in a machine word that overflowed in this file:
    # its quota (and ballot total) is wrong there, its votes are not.
    check_quota = "ballot_sum_overflows" not in rel
    problems = []
    for i, a in enumerate(log_stage_actions(actions), start=1):
        if i >= upto:
            break
        rnd = result.rounds[i - 1]
        if check_quota and decimal_text(rnd.threshold, 9) != a.stats["Quota"]:
            problems.append(
                f"stage {i} quota {decimal_text(rnd.threshold, 9)} != {a.stats['Quota']}"
            )
        for name, vote in a.votes.items():
            if decimal_text(rnd.tally.get(name, Fraction(0)), 9) != vote:
                problems.append(f"stage {i} {name}")
        if check_quota:
            rest = rnd.inactive["exhaustedChoices"] + rnd.residual_surplus
            assert decimal_text(rest, 9) == a.stats["Residual"], f"stage {i} residual"
    assert problems == []
    assert result.elected == log_elected(actions)
    assert conserved(result)


# --------------------------------------------------------------------------- meek-nz


def election_of(rows: list[tuple[int, str]], names: str, seats: int) -> Election:
    """An election from ``(count, "ABC")`` rows over one-letter candidate names."""
    cands = tuple(Candidate(n) for n in names)
    ballots = [Ballot(tuple((names.index(ch),) for ch in prefs), weight=k) for k, prefs in rows]
    return Election(cands, ballots, seats)


def test_nz_hand_count_sure_loser():
    # 5 A B, 1 B, 3 C; 2 vacancies; v = 9.
    e = election_of([(5, "AB"), (1, "B"), (3, "C")], "ABC", 2)
    r = registry.count("meek-nz", e)
    one = r.rounds[0]
    # [cl.5] q = (9 - 0) / 3 + 0.000000001; [cl.6] A (5) is successful.
    assert one.threshold == Fraction(3_000_000_001, 10**9)
    assert [a.kind for a in one.actions][:1] == ["elected"]
    # [cl.17] kA = 3.000000001 x 1 / 5 = 0.6000000002 -> 0.600000001 (rounded up).
    # [cl.10] step 2: each A B paper gives A 0.600000001 and B 0.399999999.
    two = r.rounds[1]
    assert two.tally == {
        "A": Fraction(3_000_000_005, 10**9),
        "B": Fraction(2_999_999_995, 10**9),
        "C": Fraction(3),
    }
    assert two.threshold == Fraction(3_000_000_001, 10**9)  # [cl.11] Σ = 9, vnt = 0
    # [cl.13] B + total surplus 0.000000004 = 2.999999999 < 3 (C): B is excluded.
    assert [(a.kind, a.candidate) for a in two.actions][0] == ("eliminated", "B")
    # [cl.3] A and C fill the 2 vacancies; the A B papers are now exhausted.
    assert r.elected == ["A", "C"]
    last = r.rounds[-1]  # the B paper and the A B papers' 0.399999999 are exhausted
    assert last.inactive["exhaustedChoices"] == 1 + 5 * Fraction(399_999_999, 10**9)
    assert conserved(r)


def test_nz_split_rounds_both_products_up():
    # [cl.10] "the product of each multiplication ... rounded up if not exact":
    # w = 0.399999999, k = 0.333333333: kept 0.133333332867 -> 0.133333333,
    # passed 0.399999999 x 0.666666667 = 0.266666666733 -> 0.266666667.
    nums = FixedPoint(9)
    keep, rest = split_meek_both_up(nums, 399_999_999, 333_333_333)
    assert (keep, rest) == (133_333_333, 266_666_667)
    assert keep + rest == 400_000_000  # one unit more than w: a rounding gain


def test_nz_sure_loser_and_quota_fall():
    # 4 A, 3 B, 2 C, 1 D; 2 vacancies: q1 = 10/3 + 1e-9 = 3.333333334 [cl.5]; A elected [cl.6].
    # kA = 3.333333334 / 4 -> 0.833333334 [cl.7/17]; at step 2 A keeps 3.333333336 and
    # 0.666666664 is non-transferable, so q = 9.333333336/3 + 1e-9 = 3.111111113 [cl.11].
    # D (1) + total surplus (0.222222223) < C (2): D is excluded [cl.13]. As A's
    # surplus exhausts, the quota falls towards 2.5 and B (3) reaches it [cl.12].
    e = election_of([(4, "A"), (3, "B"), (2, "C"), (1, "D")], "ABCD", 2)
    r = registry.count("meek-nz", e)
    assert r.rounds[1].threshold == Fraction(3_111_111_113, 10**9)
    excluded = [a.candidate for rnd in r.rounds for a in rnd.actions if a.kind == "eliminated"]
    assert excluded == ["D"]
    assert r.elected == ["A", "B"]
    assert conserved(r)


def test_nz_no_exclusion_at_step_1_unless_asked():
    e = election_of([(4, "A"), (3, "B"), (2, "C"), (1, "D")], "ABCD", 2)
    legal = registry.count("meek-nz", e)
    assert [a.kind for a in legal.rounds[0].actions if a.kind != "surplus"] == ["elected"]
    calc = registry.count("meek-nz", e, exclude_at_first_step=True)
    assert [a.kind for a in calc.rounds[0].actions] == ["elected", "eliminated"]


def test_nz_prng_by_hand():
    # [cl.42] c = 3, n = 2, v = 9: x = 8, y = 2, z = (9 + 1000 x 9) rem 30323 = 9009.
    # [cl.43] first draw: x = 1368, y = 344, z = 1531530 rem 30323 = 15380;
    #   rc = 13680000 div 30269 + 3440000 div 30307 + 153800000 div 30323
    #      = 451 + 113 + 5072 = 5636.
    # Draws 2-4: 19054, 15794, 16567 [cl.44: the first 4 are discarded];
    # draws 5-7 go to the candidates in order [cl.45-47].
    assert nz_prns(3, 2, 9) == [9698, 24692, 19825]


def test_nz_tie_by_aafd_then_prn():
    # A elected at step 1; B and C equal at every step (1 each): cl.13 needs
    # the lowest; AAFD (cl.40) cannot separate them, so the lowest PRN decides.
    e = election_of([(6, "A"), (1, "B"), (1, "C"), (2, "D")], "ABCD", 2)
    r = registry.count("meek-nz", e)
    tb = r.tie_breaks[0]
    assert tb.method == "NZ PRN (Sch.1A cl.41-48)"
    assert set(tb.tied) == {"B", "C"}
    # The surplus falls below 0.0001 [cl.13] at some step s; c = 4, n = 2, v = 10;
    # at even steps the PRNs are 10 000 - PRN (cl.48).
    step = int(tb.detail.split("lowest PRN at step ")[1].split(":")[0])
    prns = nz_prns(4, 2, 10)
    if step % 2 == 0:
        prns = [10_000 - p for p in prns]
    assert tb.chosen == ("B" if prns[1] < prns[2] else "C")
    assert any("less than 0.0001" in note for note in r.notes)
    # with the contract's lot instead
    lot = registry.count("meek-nz", e, tiebreak="lot", lot_order=["C", "B", "A", "D"])
    assert lot.tie_breaks[0].chosen == "C"


def test_nz_aafd_uses_earliest_difference():
    # B and C tie at step 2 but differed at step 1 (C had fewer first preferences).
    e = election_of([(6, "A"), (2, "B"), (1, "C"), (1, "AC"), (2, "D")], "ABCD", 2)
    r = registry.count("meek-nz", e)
    ties = [t for t in r.tie_breaks if t.method == "earliest stage"]
    if ties:  # the tie arises only if A's surplus evens B and C out exactly
        assert ties[0].chosen == "C"
    assert conserved(r)


def test_meek_prf_hand_count_42():
    # Droop's 42.blt by hand: 4 Castor Pollux, 2 Helen; 2 seats.
    # [B.2.b] q = 6/3 + 0.000000001; [B.2.c] Castor elected at the first iteration.
    e = election_of([(4, "CP"), (2, "H")], "CPH", 2)
    r = registry.count("meek", e)
    assert r.rounds[0].threshold == Fraction(2_000_000_001, 10**9)
    assert r.elected == ["C", "H"]
    assert [a.kind for a in r.rounds[1].actions] == ["eliminated"]
