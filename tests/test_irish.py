"""Irish Dáil STV ("irish"): the 2002 e-voting counts and hand-worked cases.

Oracle for the real data: ``shared/conformance/stv/ireland_2002_evoting/official_results.json``
(elected sets, quotas and first preferences of Dublin North, Dublin West and
Meath, from the official results; no official count-by-count sheet is stored, so
stage figures are not checked against one). Hand-worked cases cite the section of
the Electoral Act 1992 they check.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest

from selectorate.ballots import Ballot, Candidate, Election
from selectorate.ballots.packed import PackedBallots
from selectorate.counting import registry
from selectorate.counting.irish import count_irish, irish_quota
from selectorate.counting.result import EXHAUSTED, CountResult
from selectorate.counting.stv_rules import draw_lot
from selectorate.formats.errors import BallotFileError
from selectorate.formats.irish_evote import read_evote_json, read_evote_text, read_irish_evote

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATA = SHARED / "conformance" / "stv" / "ireland_2002_evoting"

needs_data = pytest.mark.skipif(
    not (DATA / "official_results.json").exists(), reason=f"{DATA} is not available"
)


def plain(name: str) -> str:
    """A name without accents ("Seán" in the ballot file, "Sean" in the results)."""
    return "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))


def official(constituency: str) -> dict:
    data = json.loads((DATA / "official_results.json").read_text(encoding="utf-8"))
    (entry,) = [e for e in data["elections"] if e["constituency"] == constituency]
    return entry


@cache
def real(json_file: str) -> tuple[Election, CountResult]:
    """A 2002 constituency read from its JSON form, and its count (read and counted once)."""
    e = read_evote_json(DATA / json_file)
    return e, count_irish(e)


def conserved(result: CountResult) -> None:
    valid = result.total_ballots - result.undervotes
    for rnd in result.rounds:
        assert rnd.active + rnd.inactive_total + rnd.residual_surplus == valid, rnd.number
        assert rnd.residual_surplus == 0
        assert all(v.denominator == 1 for v in rnd.tally.values())


CASES = [
    ("Dublin North", "DublinNorth2002.json", "dnorth.txt"),
    ("Dublin West", "DublinWest2002.json", "DublinWest.txt"),
    ("Meath", "Meath2002.json", None),
]


@needs_data
@pytest.mark.parametrize(("constituency", "json_file", "_text"), CASES)
def test_official_2002_results(constituency, json_file, _text):
    path = DATA / json_file
    if not path.exists():
        pytest.skip(f"{json_file} is not in the stored data (see SOURCE_README / official_results)")
    want = official(constituency)
    e, result = real(json_file)
    assert e.seats == want["seats"]
    conserved(result)
    assert result.total_ballots == want["valid_poll"]
    assert result.rounds[0].threshold == want["quota"] == irish_quota(want["valid_poll"], e.seats)
    first = {plain(k): int(v) for k, v in result.rounds[0].tally.items()}
    assert first == want["first_preferences"]
    assert sorted(plain(n) for n in result.elected) == sorted(want["elected"])
    assert result.decimal_places is None
    # Deterministic for a given order: the same count twice gives the same sheet.
    assert count_irish(e).rounds == result.rounds


@needs_data
def test_text_and_json_forms_hold_the_same_ballots_in_the_same_order():
    from_json, counted = real("DublinNorth2002.json")
    codes = [(c.aliases[0], c.name) for c in from_json.candidates]
    from_text = read_evote_text(DATA / "dnorth.txt", candidates=codes, seats=4)
    assert from_text.names == from_json.names
    assert [b.rankings for b in from_text.ballots] == [b.rankings for b in from_json.ballots]
    assert read_irish_evote(DATA / "dnorth.txt", candidates=codes, seats=4).names == from_json.names
    assert count_irish(from_text).rounds == counted.rounds


@needs_data
def test_dublin_north_counts_as_the_rules_say():
    _, result = real("DublinNorth2002.json")
    # Count 1: Walshe (247) and Quinn (285) together, 532 being below Goulding's 914.
    assert [(a.kind, a.candidate) for a in result.rounds[0].actions] == [
        ("eliminated", "David Walshe"),
        ("eliminated", "Eamon Quinn"),
    ]
    # Sargent reaches the quota on Owen's papers at count 6; his surplus comes
    # from that last sub-parcel (s.121), and Kennedy is excluded after count 7,
    # as the official record has it ("Kennedy reached the 7th count").
    assert [(a.kind, a.candidate) for a in result.rounds[5].actions] == [
        ("elected", "Trevor Sargent"),
        ("surplus", "Trevor Sargent"),
    ]
    assert ("eliminated", "Michael Kennedy") in [
        (a.kind, a.candidate) for a in result.rounds[6].actions
    ]
    assert len(result.rounds) == 8


@needs_data
def test_packed_ballots_count_the_same():
    e, result = real("DublinWest2002.json")
    packed = replace(e, ballots=PackedBallots.from_ballots(e.ballots))
    assert count_irish(packed).rounds == result.rounds


def election(names: str, seats: int, *ballots: tuple[int, str]) -> Election:
    index = {n: i for i, n in enumerate(names)}
    out = [Ballot(tuple((index[m],) for m in p.split()), 1) for k, p in ballots for _ in range(k)]
    return Election(tuple(Candidate(n) for n in names), out, seats=seats)


def test_quota_s120():
    assert irish_quota(43942, 4) == 8789
    assert irish_quota(29988, 3) == 7498
    assert irish_quota(64081, 5) == 10681
    assert irish_quota(12, 2) == 5


def test_surplus_papers_are_those_last_filed_s121():
    # Quota 12 // 3 + 1 = 5. A's 7 papers: 2 "A B C" then 3 "A B D", 2 "A".
    # Surplus 2 < 5 transferable: the 2 papers last filed in B's sub-parcel move,
    # both "A B D". B (2) ties C (2) and had fewer at count 1, so B is excluded;
    # its papers go to D, who reaches 5.
    ballots = [(2, "A B C"), (3, "A B D"), (2, "A"), (2, "C"), (3, "D")]
    e = election("ABCD", 2, *ballots)
    result = count_irish(e)
    conserved(result)
    assert result.rounds[0].threshold == 5
    assert result.rounds[0].actions[1].transfers == {"B": Fraction(2)}
    assert result.rounds[1].tally == {"A": 5, "B": 2, "C": 2, "D": 3}
    assert [(a.kind, a.candidate) for a in result.rounds[1].actions] == [("eliminated", "B")]
    assert result.rounds[1].actions[0].transfers == {"D": Fraction(2)}
    assert result.rounds[1].tie_breaks[0].method == "earliest stage"
    assert result.elected == ["A", "D"]
    # The same papers filed in the other order: the last two are "A B C", and C
    # wins the last seat (s.124(1A): D's 3 is below C's 4).
    reordered = election("ABCD", 2, (3, "A B D"), (2, "A B C"), (2, "A"), (2, "C"), (3, "D"))
    other = count_irish(reordered)
    conserved(other)
    assert other.elected == ["A", "C"]


def test_surplus_shared_by_largest_remainders_s121():
    # Quota 19 // 3 + 1 = 7; A's surplus 3 from 10 transferable papers, 5/3/2 for
    # B/C/D: 1.5, 0.9, 0.6 -> 1, 0, 0 and two more to the largest remainders (C, D).
    e = election("ABCD", 2, (5, "A B"), (3, "A C"), (2, "A D"), (3, "B"), (4, "C"), (2, "D"))
    result = count_irish(e)
    conserved(result)
    assert result.rounds[0].threshold == 7
    assert result.rounds[0].actions[1].transfers == {
        "B": Fraction(1),
        "C": Fraction(1),
        "D": Fraction(1),
    }


def test_equal_remainders_are_decided_by_lot_s118():
    # Quota 7 // 3 + 1 = 3; A's surplus 1 from 2 + 2 papers: equal halves.
    e = election("ABCD", 2, (2, "A B"), (2, "A C"), (1, "B"), (1, "C"), (1, "D"))
    with pytest.raises(ValueError, match="needs a lot: give --seed"):
        count_irish(e)
    result = count_irish(e, seed=7)
    winner = draw_lot(7, "fraction", 2, ["B", "C"]).chosen
    assert result.rounds[0].actions[1].transfers == {winner: Fraction(1)}
    assert result.rounds[1].tie_breaks[0].method == "lot"


def test_surplus_not_more_than_transferable_papers_s121():
    # Quota 13 // 3 + 1 = 5; A has 8 papers of which 2 are transferable: both move
    # and the other 1 of the surplus is non-transferable.
    e = election("ABC", 2, (2, "A B"), (6, "A"), (3, "B"), (2, "C"))
    result = count_irish(e)
    conserved(result)
    assert result.rounds[0].actions[1].transfers == {"B": Fraction(2), EXHAUSTED: Fraction(1)}
    assert result.elected == ["A", "B"]


def test_one_vacancy_left_and_an_unbeatable_lead_s124_2():
    # Quota 21 // 3 + 1 = 8: A elected. One vacancy: B's 7 exceed C 3 + D 2 plus
    # A's surplus 1 (nothing could overtake B), so B is elected at once.
    e = election("ABCD", 2, (9, "A"), (7, "B"), (3, "C"), (2, "D"))
    result = count_irish(e)
    assert result.elected == ["A", "B"]
    assert len(result.rounds) == 1
    assert any("s.124(2)" in n for n in result.notes)


def test_withdrawal_and_ron():
    e = election("ABCD", 2, (9, "A"), (5, "B C"), (4, "C"), (3, "D"))
    result = count_irish(e, withdrawals={2: ["B"]})
    conserved(result)
    assert ("excluded", "B") in [(a.kind, a.candidate) for a in result.rounds[0].actions]
    assert "B" not in result.elected
    ron = count_irish(e, ron="B")
    assert "B" not in ron.elected


def test_fractional_weights_are_refused():
    e = Election((Candidate("A"), Candidate("B")), [Ballot(((0,),), Fraction(1, 2))], seats=1)
    with pytest.raises(ValueError, match="whole papers"):
        count_irish(e)


def test_registered():
    e = election("ABC", 1, (4, "A"), (3, "B C"), (2, "C B"))
    result = registry.count("irish", e)
    # Quota 9 // 2 + 1 = 5: C is excluded and B reaches 5.
    assert result.method == "irish" and result.elected == ["B"]


def test_text_reader_errors(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text('"Aaaa" "XXXXX" "Bbbb"\n', encoding="utf-8")
    with pytest.raises(BallotFileError, match=r"bad.txt:1: preference 'Bbbb' follows the blank"):
        read_evote_text(bad)
    bad.write_text('"Aaaa" Bbbb\n', encoding="utf-8")
    with pytest.raises(BallotFileError, match="expected double-quoted candidate codes"):
        read_evote_text(bad)
    bad.write_text('"Aaaa" "Cccc"\n', encoding="utf-8")
    with pytest.raises(BallotFileError, match="unknown candidate code 'Cccc'"):
        read_evote_text(bad, candidates=["Aaaa", "Bbbb"])
    ok = read_evote_text(bad, seats=1)
    assert ok.names == ["Aaaa", "Cccc"] and ok.ballots[0].rankings == ((0,), (1,))


def test_json_reader_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"Candidate": [], "Ballot": [], "Number of Seats": 1}', encoding="utf-8")
    with pytest.raises(BallotFileError, match="non-empty list"):
        read_evote_json(bad)
    doc = {
        "Constituency": "Test",
        "Number of Seats": 1,
        "Candidate": [
            {"Ref": "Aa", "Name": "A", "Index": 0},
            {"Ref": "Bb", "Name": "B", "Index": 1},
        ],
        "Ballot": [[1, 2], [0, 1], [1]],
    }
    bad.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(BallotFileError, match="ballot 3: expected 2 preference numbers"):
        read_evote_json(bad)
    doc["Ballot"] = [[1, 2], [0, 1], [2, 0]]
    bad.write_text(json.dumps(doc), encoding="utf-8")
    e = read_evote_json(bad)
    assert [b.rankings for b in e.ballots] == [((0,), (1,)), ((1,),), ((), (0,))]
    assert e.title == "Test" and e.candidates[0].aliases == ("Aa",)
