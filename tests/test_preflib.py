"""PrefLib reader: the 2010 Labour MPs' ballots (PrefLib 00030), ties, legacy layout, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selectorate.ballots.model import Ballot
from selectorate.formats.detect import read_ballots
from selectorate.formats.errors import BallotFileError
from selectorate.formats.preflib import parse_preflib, read_preflib

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
HISTORY = SHARED / "facts" / "labour_history.json"
needs_shared = pytest.mark.skipif(not HISTORY.is_file(), reason="../shared/facts is missing")


def labour_2010_profile() -> dict:
    data = json.loads(HISTORY.read_text(encoding="utf-8"))
    return data["ballot_profiles"][0]


def labour_2010_soi() -> str:
    """The profile written as PrefLib 2.0 ``.soi``, header as in PrefLib's 00030-00000001.soi."""
    profile = labour_2010_profile()
    names = profile["candidates"]
    lines = [
        "# FILE NAME: 00030-00000001.soi",
        "# TITLE: 2010 UK Labor Leadership",
        "# DESCRIPTION: ",
        "# DATA TYPE: soi",
        "# MODIFICATION TYPE: original",
        "# RELATES TO: ",
        "# RELATED FILES: 00030-00000001.toc",
        f"# NUMBER ALTERNATIVES: {len(names)}",
        f"# NUMBER VOTERS: {profile['n_voters']}",
        f"# NUMBER UNIQUE ORDERS: {profile['n_unique']}",
    ]
    lines += [f"# ALTERNATIVE NAME {k}: {names[str(k)]}" for k in range(1, len(names) + 1)]
    lines += [f"{b['count']}: {','.join(map(str, b['ranking']))}" for b in profile["ballots"]]
    return "\n".join(lines) + "\n"


@needs_shared
def test_labour_2010_mps_ballots():
    profile = labour_2010_profile()
    election = parse_preflib(labour_2010_soi(), path="00030-00000001.soi")
    assert election.names == [
        "Diane Abbott", "Ed Balls", "Andy Burnham", "David Miliband", "Ed Miliband",
    ]
    assert election.title == "2010 UK Labor Leadership"
    assert election.total_weight() == 266
    assert len(election.ballots) == 76
    assert election.ballots[0] == Ballot(((3,),), 34)
    assert election.ballots[2] == Ballot(((3,), (4,), (1,), (2,), (0,)), 13)
    assert [b.weight for b in election.ballots] == [b["count"] for b in profile["ballots"]]
    firsts = {n: 0 for n in election.names}
    for b in election.ballots:
        firsts[election.names[b.rankings[0][0]]] += b.weight
    # rulebooks.md §9: round 1 D.Miliband 111, E.Miliband 84, Balls 40, Burnham 24, Abbott 7.
    assert firsts == {
        "Diane Abbott": 7, "Ed Balls": 40, "Andy Burnham": 24,
        "David Miliband": 111, "Ed Miliband": 84,
    }
    assert election.metadata["preflib.data_type"] == "soi"
    assert election.metadata["preflib.number_voters"] == "266"


@needs_shared
def test_read_from_file_and_through_detect(tmp_path):
    path = tmp_path / "00030-00000001.soi"
    path.write_text(labour_2010_soi(), encoding="utf-8")
    election = read_preflib(path, seats=1)
    assert election == read_ballots(path)
    assert read_ballots(path, seats=2).seats == 2


def test_ties_in_toc_and_toi():
    text = (
        "# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 4\n# NUMBER VOTERS: 5\n"
        "# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n"
        "# ALTERNATIVE NAME 3: C\n# ALTERNATIVE NAME 4: D\n"
        "3: 1,{2,3}\n2: {4, 1}, 2\n"
    )
    election = parse_preflib(text)
    assert election.ballots == [Ballot(((0,), (1, 2)), 3), Ballot(((3, 0), (1,)), 2)]


def test_extension_gives_the_type_when_the_header_does_not(tmp_path):
    body = "# NUMBER ALTERNATIVES: 2\n# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n1: {1,2}\n"
    path = tmp_path / "x.soi"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(BallotFileError) as info:
        read_preflib(path)
    assert str(info.value) == f"{path}:4: tie '{{1,2}}' in a strict-order (.soi) file"
    assert read_preflib(path, data_type="toc").ballots == [Ballot(((0, 1),), 1)]


def test_legacy_layout():
    text = "3\n1,Alice\n2,Bob, Jr\n3,Carol\n7,7,3\n4,1,2,3\n2,3,1\n1,{1,2},3\n"
    election = parse_preflib(text, data_type="toi", seats=2)
    assert election.names == ["Alice", "Bob, Jr", "Carol"]
    assert election.seats == 2
    assert election.ballots == [
        Ballot(((0,), (1,), (2,)), 4), Ballot(((2,), (0,)), 2), Ballot(((0, 1), (2,)), 1),
    ]
    assert election.metadata == {"preflib.data_type": "toi", "preflib.format": "1.0"}


HEAD = "# DATA TYPE: {t}\n# NUMBER ALTERNATIVES: 3\n" + "".join(
    f"# ALTERNATIVE NAME {i}: {n}\n" for i, n in enumerate("ABC", start=1)
)

ERRORS = [
    (HEAD.format(t="soi") + "2 1,2\n", "p.soi:6: expected 'count: order', found '2 1,2'"),
    (HEAD.format(t="soi") + "x: 1\n", "p.soi:6: count 'x' is not a positive whole number"),
    (HEAD.format(t="soi") + "0: 1\n", "p.soi:6: count '0' is not a positive whole number"),
    (HEAD.format(t="soi") + "1: 1,4\n", "p.soi:6: alternative '4' is not a number in 1..3"),
    (HEAD.format(t="soi") + "1: 1,1\n", "p.soi:6: alternative 1 appears twice in one order"),
    (HEAD.format(t="soc") + "1: 1,2\n",
     "p.soi:6: a complete (.soc) order must rank all 3 alternatives; this one ranks 2"),
    (HEAD.format(t="toi") + "1: {1,2\n", "p.soi:6: tie '{' is not closed by '}'"),
    (HEAD.format(t="toi") + "1: {},2\n", "p.soi:6: empty tie '{}'"),
    (HEAD.format(t="toi") + "1: 1;2\n", "p.soi:6: alternative '1;2' is not a number in 1..3"),
    (HEAD.format(t="xyz"), "p.soi: data type 'xyz' is not one of soc, soi, toc, toi"),
    ("# NUMBER ALTERNATIVES: 2\n# ALTERNATIVE NAME 1: A\n1: 1\n",
     "p.soi: missing header line '# ALTERNATIVE NAME 2: ...'"),
    ("# TITLE: t\n1: 1\n", "p.soi: missing header line '# NUMBER ALTERNATIVES: n'"),
    (HEAD.format(t="soi").replace("TYPE: soi\n", "TYPE: soi\n# NUMBER VOTERS: 3\n") + "2: 1\n",
     "p.soi: header says NUMBER VOTERS 3 but the orders count 2"),
    ("x\n", "p.soi:1: expected the number of alternatives, found 'x'"),
    ("2\n1,A\n3,B\n1,1,1\n1,1\n", "p.soi:3: expected '2,name' for alternative 2, found '3,B'"),
    ("2\n1,A\n2,B\n1,1\n1,1\n", "p.soi:4: expected 'voters,sum of counts,unique orders', "
     "found '1,1'"),
    ("2\n1,A\n2,B\n2,2,1\n1,1\n", "p.soi: header says NUMBER VOTERS 2 but the orders count 1"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_malformed_input_names_file_line_and_problem(text, message):
    with pytest.raises(BallotFileError) as info:
        parse_preflib(text, path="p.soi")
    assert str(info.value) == message
