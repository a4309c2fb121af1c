"""Plain CSV ballots: both layouts, detection, writing, errors naming file, row and column."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selectorate.ballots.model import OVERVOTE, Ballot, Candidate, Election
from selectorate.formats.csv_ballots import format_csv, parse_csv, read_csv, write_csv
from selectorate.formats.detect import read_ballots
from selectorate.formats.errors import BallotFileError

RANKS = """Weight,Rank 1,Rank 2,Rank 3
3,Alice,Bob,
1,Bob,,Carol
1.5,Alice=Bob,Carol,
2,,,
"""

GRID = """Count,Alice,Bob,Carol
3,1,2,
1,,1,3
1,1,1,2
2,,,
"""


def test_ranks_layout():
    election = parse_csv(RANKS)
    assert election.names == ["Alice", "Bob", "Carol"]
    assert election.ballots == [
        Ballot(((0,), (1,)), 3),
        Ballot(((1,), (), (2,)), 1),
        Ballot(((0, 1), (2,)), Fraction(3, 2)),
        Ballot((), 2),
    ]


def test_grid_layout():
    election = parse_csv(GRID)
    assert election.names == ["Alice", "Bob", "Carol"]
    assert election.ballots == [
        Ballot(((0,), (1,)), 3),
        Ballot(((1,), (), (2,)), 1),
        Ballot(((0, 1), (2,)), 1),
        Ballot((), 2),
    ]


def test_layout_detection_and_explicit_choice():
    numeric_names = "Rank 1,Rank 2\n1,2\n"
    assert parse_csv(numeric_names).names == ["1", "2"]  # rank headings: ranks layout
    assert parse_csv(numeric_names, layout="grid").names == ["Rank 1", "Rank 2"]
    assert parse_csv("1st choice,2nd choice\nA,B\n").names == ["A", "B"]
    assert parse_csv("A,B\n2,1\n").ballots == [Ballot(((1,), (0,)))]


def test_candidates_fix_order_and_reject_unknown_names(tmp_path):
    election = parse_csv("R1,R2\nBob,Alice\n", candidates=["Alice", "Bob", "Carol"], seats=2)
    assert election.names == ["Alice", "Bob", "Carol"]
    assert election.ballots == [Ballot(((1,), (0,)))]
    assert election.seats == 2
    path = tmp_path / "b.csv"
    path.write_text("R1,R2\nBob,Dora\n", encoding="utf-8")
    with pytest.raises(BallotFileError) as info:
        read_csv(path, candidates=["Alice", "Bob"])
    assert str(info.value) == f"{path}:2: column 'R2': unknown candidate 'Dora'"
    grid = parse_csv("C,B,A\n1,2,3\n", candidates=["A", "B", "C"])
    assert grid.names == ["A", "B", "C"]
    assert grid.ballots == [Ballot(((2,), (1,), (0,)))]


def test_ids_and_other_separator():
    election = parse_csv("Ballot ID,Rank 1,Rank 2\nv1,A|B,C\n", equal_sep="|")
    assert election.ballots == [Ballot(((0, 1), (2,)), label="v1")]


def test_detect_dispatches_csv(tmp_path):
    path = tmp_path / "ballots.csv"
    path.write_text(RANKS, encoding="utf-8")
    assert read_ballots(path, seats=3) == parse_csv(RANKS, seats=3)


ERRORS = [
    ("", "b.csv: empty file: expected a header row", {}),
    (
        "Weight,R1\nx,A\n",
        "b.csv:2: column 'Weight': weight 'x' is not a whole or decimal number",
        {},
    ),
    ("Count,R1\n0,A\n", "b.csv:2: column 'Count': weight is 0", {}),
    ("R1,R2\nA,B,C\n", "b.csv:2: row has 3 cells but the header has 2", {}),
    ("R1,R2\nA,=B\n", "b.csv:2: column 'R2': empty name in '=B'", {}),
    ("A,B\n1,x\n", "b.csv:2: column 'B': rank 'x' is not a positive number", {"layout": "grid"}),
    ("A,B\n1,0\n", "b.csv:2: column 'B': rank '0' is not a positive number", {"layout": "grid"}),
    ("Weight,A,weight\n", "b.csv:1: more than one weight column in the header", {}),
    ("A,A\n1,2\n", "b.csv: candidate column 'A' appears twice", {"layout": "grid"}),
]


@pytest.mark.parametrize(("text", "message", "opts"), ERRORS)
def test_malformed_input_names_file_row_and_column(text, message, opts):
    with pytest.raises(BallotFileError) as info:
        parse_csv(text, path="b.csv", **opts)
    assert str(info.value) == message


def test_writer_both_layouts(tmp_path):
    election = parse_csv(RANKS)
    assert format_csv(election) == (
        "Weight,Rank 1,Rank 2,Rank 3\n3,Alice,Bob,\n1,Bob,,Carol\n1.5,Alice=Bob,Carol,\n2,,,\n"
    )
    assert format_csv(election, layout="grid") == (
        "Weight,Alice,Bob,Carol\n3,1,2,\n1,,1,3\n1.5,1,1,2\n2,,,\n"
    )
    write_csv(election, tmp_path / "out.csv", layout="grid")
    assert read_csv(tmp_path / "out.csv") == election


def test_writer_refuses_what_csv_cannot_hold():
    cands = (Candidate("A"), Candidate("B"))
    with pytest.raises(BallotFileError, match="unnamed overvote"):
        format_csv(Election(cands, [Ballot(((OVERVOTE,),))]))
    with pytest.raises(BallotFileError, match="'A' is ranked twice"):
        format_csv(Election(cands, [Ballot(((0,), (0,)))]), layout="grid")
    with pytest.raises(BallotFileError, match="contains '='"):
        format_csv(Election((Candidate("A=B"),), []))
    with pytest.raises(BallotFileError, match="weight 1/3"):
        format_csv(Election(cands, [Ballot(((0,),), Fraction(1, 3))]))


_name = st.from_regex(r"[A-Za-z][A-Za-z ,.'\"-]{0,8}[A-Za-z]", fullmatch=True)


@st.composite
def elections(draw):
    names = draw(st.lists(_name, min_size=1, max_size=5, unique=True))
    n = len(names)
    ballots = []
    for _ in range(draw(st.integers(0, 6))):
        rankings = list(draw(st.lists(st.lists(st.integers(0, n - 1), max_size=2), max_size=4)))
        while rankings and not rankings[-1]:
            rankings.pop()  # CSV cannot keep trailing skipped ranks
        weight = draw(st.one_of(st.integers(1, 50), st.just(Fraction(5, 4))))
        label = draw(st.one_of(st.none(), st.from_regex(r"[a-z0-9]{1,5}", fullmatch=True)))
        ballots.append(Ballot(tuple(tuple(r) for r in rankings), weight, label=label))
    return Election(tuple(Candidate(x) for x in names), ballots)


@settings(max_examples=100, deadline=None)
@given(elections())
def test_ranks_round_trip(election):
    text = format_csv(election)
    assert parse_csv(text, candidates=election.names, layout="ranks") == election


def test_empty_lines_are_skipped_but_blank_ballots_kept():
    assert parse_csv("Rank 1,Rank 2\n\nA,B\n,\n\n").ballots == [
        Ballot(((0,), (1,))), Ballot(()),
    ]
    one_column = Election((Candidate("A"),), [Ballot(((0,),)), Ballot(())])
    text = format_csv(one_column)
    assert text == 'Rank 1\nA\n""\n'
    assert parse_csv(text + "\n") == one_column
