"""ERS97 STV ("ers97"): hand-worked cases, each checking one paragraph of the rules.

No independent machine oracle was found among the stored sources (OpenSTV's and
eSTV's ERS97 test elections are not in any stored repository, and the ERS
booklet's model election gives its ballots only in narrative), so the expected
values below are worked by hand from the rule text of ERS, *How to conduct an
election by the Single Transferable Vote*, 3rd ed. 1997, §§5–6; the model
election's published figures (§8.1–8.2) are reproduced exactly.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from selectorate.ballots import Ballot, Candidate, Election
from selectorate.counting import registry
from selectorate.counting.ers97 import count_ers97, ers97_quota, truncate_2dp
from selectorate.counting.result import EXHAUSTED, RESIDUAL_SURPLUS, CountResult
from selectorate.counting.stv_rules import GroupMinimum, draw_lot

D = Fraction


def election(names: str | list[str], seats: int, *ballots: tuple[int, str]) -> Election:
    """Candidates named by ``names`` (one letter each, or a list); ballots (count, "A B C")."""
    cands = list(names) if isinstance(names, str) else names
    index = {n: i for i, n in enumerate(cands)}
    out = [Ballot(tuple((index[m],) for m in prefs.split()), weight) for weight, prefs in ballots]
    return Election(tuple(Candidate(n) for n in cands), out, seats=seats)


def conserved(result: CountResult) -> None:
    """Every stage accounts for the whole valid vote exactly (5.3.11, 5.4.15)."""
    valid = result.total_ballots - result.undervotes
    for rnd in result.rounds:
        assert rnd.active + rnd.inactive_total + rnd.residual_surplus == valid, rnd.number
        assert all((v * 100).denominator == 1 for v in rnd.tally.values()), rnd.number


def actions(result: CountResult, stage: int) -> list[tuple[str, str]]:
    return [(a.kind, a.candidate) for a in result.rounds[stage - 1].actions]


def test_quota_two_decimal_places_5_1_6():
    # §8.1: "753/7 = 107.57142  Quota = 107.58"; exact divisions stay exact.
    assert ers97_quota(D(753), 6) == D("107.58")
    assert ers97_quota(D(100), 3) == D(25)
    assert ers97_quota(D(1000), 2) == D("333.34")
    assert ers97_quota(D("10.5"), 1) == D("5.25")
    assert truncate_2dp(D("26.42") / 123) == D("0.21")


def model_election() -> Election:
    """The first two stages of the booklet's model election (§8.1–8.2).

    753 valid votes, 6 places, 11 candidates; Smith has 134 first preferences,
    123 of them transferable; the two lowest have 24 and 23. The other figures
    are ours (the booklet does not give them).
    """
    names = ["Smith", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J"]
    second = {"A": 20, "B": 20, "C": 15, "D": 15, "E": 13, "F": 10, "G": 10, "H": 8, "I": 7, "J": 5}
    first = {"A": 100, "B": 95, "C": 90, "D": 85, "E": 75, "F": 65, "G": 37, "H": 24, "I": 23}
    first["J"] = 25
    ballots = [(k, f"Smith {n}") for n, k in second.items()]
    ballots.append((11, "Smith"))
    ballots += [(k, n) for n, k in first.items()]
    return election(names, 6, *ballots)


def test_model_election_first_surplus_8_2():
    result = count_ers97(model_election())
    conserved(result)
    first, second = result.rounds[0], result.rounds[1]
    assert result.total_ballots == 753
    assert first.threshold == D("107.58")
    assert actions(result, 1) == [("elected", "Smith"), ("surplus", "Smith")]
    surplus = first.actions[1].transfers
    # 26.42 / 123 = 0.21; 123 x 0.21 = 25.83; non-transferable difference 0.59 (§8.2).
    assert sum(v for k, v in surplus.items() if k != RESIDUAL_SURPLUS) == D("25.83")
    assert surplus[RESIDUAL_SURPLUS] == D("0.59")
    assert surplus["A"] == 20 * D("0.21") and surplus["J"] == 5 * D("0.21")
    assert second.tally["Smith"] == D("107.58")
    assert second.residual_surplus == D("0.59")
    assert any("transfer value 0.21" in n for n in result.notes)


def test_surplus_deferred_when_it_cannot_change_the_lowest_5_2_2_a():
    # Quota 27/3 = 9. A's surplus 1 <= C - D = 6 - 3: deferred; D is excluded and
    # C reaches 9. (Transferred, 10 papers x 0.10 would have elected B instead.)
    e = election("ABCD", 2, (10, "A B"), (8, "B"), (6, "C"), (3, "D C"))
    result = count_ers97(e)
    conserved(result)
    assert result.rounds[0].threshold == 9
    assert actions(result, 1) == [("elected", "A"), ("eliminated", "D")]
    assert result.rounds[1].tally == {"A": 10, "B": 8, "C": 9}
    assert result.elected == ["A", "C"]
    assert any("deferred (5.2.2)" in n for n in result.notes)


def test_deferral_and_bulk_exclusion_of_a_group_5_2_2_b_and_5_2_5():
    # Quota 35/3 = 11.67, A's surplus 0.33. The two lowest are equal (no deferral
    # under (a)), but D+E+F = 6, plus 0.33, does not exceed B's 8: the surplus
    # waits and the three are excluded together; C reaches 13.
    e = election("ABCDEF", 2, (12, "A B"), (8, "B"), (9, "C"), (2, "D C"), (2, "E C"), (2, "F B"))
    result = count_ers97(e)
    conserved(result)
    assert result.rounds[0].threshold == D("11.67")
    assert actions(result, 1) == [
        ("elected", "A"),
        ("eliminated", "D"),
        ("eliminated", "E"),
        ("eliminated", "F"),
    ]
    assert result.rounds[1].tally == {"A": 12, "B": 10, "C": 13}
    assert result.elected == ["A", "C"]


def test_later_surplus_comes_from_the_last_batch_only_5_3_2_and_5_3_7():
    # Quota 25/3 = 8.34. D (4) is excluded; A reaches 12 on D's batch. A's surplus
    # 3.66 is taken from that batch only: 4 papers for C at trunc(3.66/4) = 0.91,
    # 0.02 lost to the truncation; A's own papers (next preference B) stay.
    e = election("ABCD", 2, (8, "A B"), (7, "B"), (6, "C"), (4, "D A C"))
    result = count_ers97(e)
    conserved(result)
    assert actions(result, 1) == [("eliminated", "D")]
    assert actions(result, 2)[:2] == [("elected", "A"), ("surplus", "A")]
    assert result.rounds[1].actions[1].transfers == {"C": D("3.64"), RESIDUAL_SURPLUS: D("0.02")}
    assert result.rounds[2].tally == {"A": D("8.34"), "B": 7, "C": D("9.64")}
    assert result.elected == ["A", "C"]


def test_surplus_larger_than_its_transferable_papers_keeps_their_value_5_3_7():
    # Quota 31/3 = 10.34; A's surplus 9.66 but only 2 papers transferable, worth
    # 2.00: they move at their present value and 7.66 is non-transferable.
    e = election("ABC", 2, (2, "A B"), (18, "A"), (5, "B"), (6, "C"))
    result = count_ers97(e)
    conserved(result)
    assert result.rounds[0].actions[1].transfers == {"B": D(2), EXHAUSTED: D("7.66")}
    assert result.rounds[1].tally["B"] == 7
    assert result.rounds[1].inactive["exhaustedChoices"] == D("7.66")
    assert result.elected == ["A", "B"]


def test_exclusion_batch_by_batch_and_no_papers_after_election_5_4():
    # 3 places, quota 47/4 = 11.75. A's surplus 8.25 goes at 0.41 to X and W.
    # X (8.10) is excluded: first the 1.00 batch (4 papers to Y: Y 13, elected),
    # then the 0.41 batch, whose next preference Y is no longer continuing, so it
    # passes to Z (9 + 4.10 = 13.10, elected) (5.4.1, 5.4.2, 5.4.10, 5.4.11).
    e = election("AXYZW", 3, (10, "A X Y Z"), (10, "A W"), (4, "X Y"), (9, "Y"), (9, "Z"), (5, "W"))
    result = count_ers97(e)
    conserved(result)
    assert result.rounds[0].threshold == D("11.75")
    assert result.rounds[0].actions[1].transfers == {
        "X": D("4.10"),
        "W": D("4.10"),
        RESIDUAL_SURPLUS: D("0.05"),
    }
    assert result.rounds[1].tally == {
        "A": D("11.75"),
        "X": D("8.10"),
        "Y": 9,
        "Z": 9,
        "W": D("9.10"),
    }
    assert actions(result, 2) == [("eliminated", "X")]
    assert result.rounds[1].actions[0].transfers == {"Y": D(4), "Z": D("4.10")}
    assert result.rounds[2].tally == {"A": D("11.75"), "Y": 13, "Z": D("13.10"), "W": D("9.10")}
    assert actions(result, 3) == [("elected", "Y"), ("elected", "Z")]
    assert result.elected == ["A", "Y", "Z"]


def test_quota_recalculated_before_anyone_is_elected_5_4_8():
    # Quota 16/3 = 5.34; no one elected at stage 1. D's exclusion makes 2 papers
    # non-transferable: quota from 14 -> 4.67, and A and C (5 each) are elected.
    e = election("ABCD", 2, (5, "A"), (4, "B"), (4, "C"), (2, "D"), (1, "D C"))
    result = count_ers97(e)
    conserved(result)
    assert result.rounds[0].threshold == D("5.34")
    assert result.rounds[1].threshold == D("4.67")
    assert result.elected == ["A", "C"]  # equal 5s: A had more at stage 1
    assert any("(5.4.8)" in n for n in result.notes)


def test_deemed_elected_on_the_total_active_vote_5_1_7_b():
    # Quota 15/3 = 5.00. A's surplus 2 waits (1 + 2 <= 3, 5.2.2) while D is
    # excluded; then it is transferred, but A's papers are all plumpers and it is
    # lost. The active vote is B 4 + C 3 = 7, and 7 / (1 + 1) = 3.5 <= 4: B is
    # elected below the quota at stage 3.
    e = election("ABCD", 2, (7, "A"), (4, "B"), (3, "C"), (1, "D"))
    result = count_ers97(e)
    conserved(result)
    assert actions(result, 1) == [("elected", "A"), ("eliminated", "D")]
    assert actions(result, 2) == [("surplus", "A")]
    assert actions(result, 3) == [("elected", "B")]
    assert result.rounds[2].tally["B"] == 4 < result.rounds[2].threshold
    assert result.elected == ["A", "B"]
    assert any("total active vote" in n and "B" in n for n in result.notes)


def test_exclusion_tie_by_the_earliest_point_of_difference_5_2_5():
    # Quota 15/2 = 7.50. D is excluded alone (D + C = 5 exceeds B's 4), one of its
    # papers going to C: B and C both have 4, but at stage 1 C had fewer (3 < 4),
    # so C is excluded.
    e = election("ABCD", 1, (6, "A"), (4, "B"), (3, "C"), (1, "D C"), (1, "D"))
    result = count_ers97(e)
    conserved(result)
    assert actions(result, 2) == [("eliminated", "C")]
    (tie,) = result.rounds[1].tie_breaks
    assert (tie.purpose, tie.tied, tie.chosen, tie.method) == (
        "exclusion",
        ("B", "C"),
        "C",
        "earliest stage",
    )
    assert tie.detail.endswith("stage 1: B 4.00, C 3.00")
    assert result.elected == ["A"]


def test_exclusion_tie_at_every_point_needs_a_lot_5_2_5():
    e = election("ABC", 1, (5, "A"), (3, "B"), (3, "C"))
    with pytest.raises(ValueError, match="tie at stage 1 between B, C needs a lot: give --seed"):
        count_ers97(e)
    result = count_ers97(e, seed=2024)
    conserved(result)
    (tie,) = result.rounds[0].tie_breaks
    expected = draw_lot(2024, "exclusion", 1, ["B", "C"])
    assert tie == expected
    assert actions(result, 1) == [("eliminated", tie.chosen)]
    assert count_ers97(e, seed=2024).rounds == result.rounds


def test_equal_at_every_point_none_deemed_elected_5_6_2():
    # Quota 10/2 = 5.00: A and B both reach it for one place and were always
    # equal, so neither is deemed elected; a lot excludes one (5.2.5) and the other
    # is elected as the last continuing candidate (5.5.1).
    e = election("AB", 1, (5, "A"), (5, "B"))
    result = count_ers97(e, seed="s")
    conserved(result)
    assert any("(5.6.2)" in n for n in result.notes)
    loser = draw_lot("s", "exclusion", 1, ["A", "B"]).chosen
    assert result.elected == [n for n in "AB" if n != loser]
    assert result.rounds[0].actions == [] or result.rounds[0].actions[0].kind == "elected"


def test_last_places_filled_by_the_remaining_candidates_5_5_1():
    e = election("ABC", 2, (6, "A"), (5, "B"), (2, "C"))
    result = count_ers97(e)
    conserved(result)
    # Quota 13/3 = 4.34: A and B elected at stage 1; C formally excluded.
    assert result.elected == ["A", "B"]
    assert len(result.rounds) == 1
    assert any("formally excluded" in n and "C" in n for n in result.notes)


def test_withdrawal_during_the_count_is_an_exclusion():
    e = election("ABCD", 2, (6, "A"), (5, "B C"), (4, "C"), (3, "D"))
    result = count_ers97(e, withdrawals={2: ["B"]})
    conserved(result)
    # Quota 18/3 = 6: A is elected at stage 1; B withdraws before stage 2.
    assert actions(result, 1) == [("elected", "A"), ("excluded", "B")]
    assert result.rounds[0].actions[1].transfers == {"C": D(5)}
    assert "Stage 2: B excluded: withdrew before stage 2" in result.notes
    assert "B" not in result.elected


def test_group_minimum_is_honoured():
    # Seats 2, at least one of {C, D}: A elected; B would come next, but once A
    # (outside the group) has taken the seat left to outsiders, B is excluded.
    e = election("ABCD", 2, (9, "A"), (6, "B"), (3, "C"), (2, "D C"))
    group = GroupMinimum("group", frozenset({"C", "D"}), 1)
    result = count_ers97(e, minimums=[group])
    conserved(result)
    assert result.elected[0] == "A"
    assert len(result.elected) == 2 and set(result.elected) & {"C", "D"}
    assert any("B excluded: at least 1 of 2 seats must go to group" in n for n in result.notes)


def test_ron_seat_is_unfilled():
    e = election(["Alice", "RON", "Bob"], 2, (6, "Alice"), (5, "RON"), (2, "Bob"))
    result = count_ers97(e, ron="RON")
    assert result.elected == ["Alice"]
    kinds = [a.kind for r in result.rounds for a in r.actions if a.candidate == "RON"]
    assert kinds == ["unfilled"]


def test_equal_rankings_are_refused():
    e = Election((Candidate("A"), Candidate("B")), [Ballot(((0, 1),), 1, label="x")], seats=1)
    with pytest.raises(ValueError, match=r"ballot #1 \(x\) has several candidates at one rank"):
        count_ers97(e)


def test_registered_with_options():
    e = election("ABC", 1, (4, "A"), (3, "B C"), (2, "C B"))
    assert registry.get("ers97").multi_seat
    result = registry.count("ers97", e, seats=1, seed=1)
    assert result.method == "ers97" and result.decimal_places == 2
    assert result.options == {"seats": 1, "seed": 1}
    with pytest.raises(TypeError):
        registry.count("ers97", e, nonsense=True)
