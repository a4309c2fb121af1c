"""BLT reader and writer: every shared conformance file, each dialect, each error."""

from __future__ import annotations

import csv
import functools
import json
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selectorate.ballots.model import OVERVOTE, Ballot, Candidate, Election
from selectorate.counting.fptp import count_fptp
from selectorate.formats.blt import format_blt, parse_blt, read_blt, write_blt
from selectorate.formats.errors import BallotFileError

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
STV = SHARED / "conformance" / "stv"
needs_shared = pytest.mark.skipif(not STV.is_dir(), reason="../shared/conformance/stv is missing")


def all_blt_files() -> list[Path]:
    return sorted(STV.rglob("*.blt")) if STV.is_dir() else []


@functools.cache
def read_all() -> dict[Path, Election]:
    """Every shared BLT file, read once: strictly when it has no equal rankings."""
    out = {}
    for path in all_blt_files():
        equal = "=" in path.read_text(encoding="utf-8-sig")
        out[path] = read_blt(path, allow_equal=equal)
    return out


# --------------------------------------------------------------------------- shared data


@needs_shared
def test_reads_every_conformance_blt_file():
    elections = read_all()
    assert len(elections) >= 800
    for path, election in elections.items():
        assert election.candidates, path
        assert election.title, path
        # Names must be distinct, or results keyed by name would merge candidates.
        assert len(set(election.names)) == len(election.names), path
    # Equal rankings are an error unless asked for; few files have any.
    with_equal = [p for p in elections if "=" in p.read_text(encoding="utf-8-sig")]
    assert 0 < len(with_equal) < 40
    with pytest.raises(BallotFileError, match="equal ranking"):
        read_blt(STV / "droop_reference/blt/meek/eq1.blt")


@needs_shared
def test_index_counts_match_for_every_indexed_blt_file():
    """INDEX.csv records seats, candidates and ballots of each BLT election."""
    with (STV / "INDEX.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["ballot_format"] == "blt"]
    assert len(rows) == 776
    elections = read_all()
    for row in rows:
        election = elections[STV / row["ballot_file"]]
        assert election.seats == int(row["seats"]), row["ballot_file"]
        assert len(election.candidates) == int(row["candidates"]), row["ballot_file"]
        assert election.total_weight() == int(row["ballots"]), row["ballot_file"]


@needs_shared
def test_first_preferences_match_official_scottish_2017_stage_one():
    """Stage 1 of each official 2017 count is the first preferences, in file order."""
    files = sorted((STV / "scotland" / "expected_official_normalized" / "2017").glob("*.json"))
    assert len(files) == 351
    for path in files:
        expected = json.loads(path.read_text(encoding="utf-8"))
        election = read_all()[STV / expected["ballot_file"]]
        result = count_fptp(replace(election, seats=1), tiebreak_order=election.names)
        official = [Fraction(Decimal(v)) for v in expected["stages_total_votes"][0]]
        assert list(result.rounds[0].tally.values()) == official, path.name
        # (valid_poll is not checked: the source's own figure is off by one in a ward.)
        assert result.rounds[0].inactive_total == 0 and result.undervotes == 0, path.name


@needs_shared
def test_glasgow_2007_names_come_from_alternative_name_comments():
    path = STV / "scotland/ballots_blt_mggg_scot_elex/blt_files/11_cands/glasgow_2007_govan.blt"
    election = read_blt(path)
    assert election.title == "govan"
    assert election.names[0] == "Shaukat Butt (Lab)"
    assert election.names[-1] == "Carolina Perez (Soc)"
    assert election.seats == 4


@needs_shared
def test_spreadsheet_export_with_trailing_commas():
    path = STV / (
        "scotland/ballots_blt_mggg_scot_elex/blt_files/5_cands/"
        "perth_kinross_2016_by_election_ward9.blt"
    )
    election = read_blt(path)
    assert election.names == [
        "Kathleen BAIRD", "Denise BAYKAL", "George HAYTON", "Wilma LUMSDEN", "Dave MACKENZIE",
    ]
    assert election.title == "Ward 9 - Almond and Earn"
    assert election.ballots[0] == Ballot(((0,),), 786)


@needs_shared
def test_doubled_quotes_inside_names_are_kept_verbatim():
    path = STV / "scotland/ballots_blt_mggg_scot_elex/blt_files/11_cands/aberdeen_2012_ward8.blt"
    election = read_blt(path)
    assert election.names[0] == 'Grn "Richie BRIAN"'
    assert election.names[2] == 'Con "Brian George DAVIDSON" '


@needs_shared
def test_wichmann_source_comment_and_trailing_text():
    election = read_blt(STV / "droop_reference/blt/M135.blt")
    assert election.title == "M135: Gen v1.1 1 3 45"
    assert election.metadata["blt.source"] == "Brian Wichmann, email: brian.wichmann@bcs.org.uk"
    assert election.metadata["blt.comment"].startswith("The validation of the STV programs")
    assert election.metadata["blt.trailer"].startswith("First Prefs\n")
    assert len(election.candidates) == 25 and election.seats == 7


@needs_shared
def test_droop_options_nicknames_withdrawn_tie_undeclared_bom():
    veg = read_blt(STV / "stv_rs_meek_reference/ballots/vegetables.blt")
    assert [c.name for c in veg.candidates if c.excluded] == ["Banana", "Fig"]
    assert veg.candidates[0].aliases == ("apple",)
    assert veg.ballots[0] == Ballot(((0,), (1,)), 1)
    numeric = read_blt(STV / "stv_rs_meek_reference/numeric/vegetables.keep_withdrawn.blt")
    assert [c.excluded for c in numeric.candidates] == [c.excluded for c in veg.candidates]
    assert numeric.ballots == veg.ballots
    assert read_blt(STV / "droop_reference/blt/42t.blt").metadata == {"blt.tie": "3 2 1"}
    undeclared = read_blt(STV / "droop_reference/blt/mpls/undeclared.blt")
    assert [c.write_in for c in undeclared.candidates] == [False, False, False, True]
    loser = read_blt(STV / "droop_reference/blt/mpls/loser.blt")
    assert loser.metadata == {"blt.droop": "prexision=5"}
    assert read_blt(STV / "droop_reference/blt/42ubom.blt") == read_blt(
        STV / "droop_reference/blt/42u.blt"
    )
    scw = read_blt(STV / "droop_reference/blt/SCw.blt")
    assert [i for i, c in enumerate(scw.candidates) if c.excluded] == [3]
    assert scw == read_blt(STV / "droop_reference/blt/SCwopt.blt")


@needs_shared
def test_equal_rankings_become_one_rank():
    election = read_blt(STV / "droop_reference/blt/meek/eq2.blt", allow_equal=True)
    assert election.ballots[0] == Ballot(((0,), (1, 2), (3,)), 5)


@needs_shared
def test_ballot_order_is_file_order():
    path = STV / "scotland/ballots_blt_mggg_scot_elex/blt_files/11_cands/glasgow_2007_govan.blt"
    election = read_blt(path)
    assert election.ballots[:2] == [Ballot(((5,),), 982), Ballot(((3,),), 466)]
    assert election.ballots[-1] == Ballot(((6,), (4,)), 1)


# --------------------------------------------------------------------------- extensions


def test_skipped_ranks_ids_decimal_weights_and_comments():
    text = """# a comment line
3 2   # three candidates, two seats
-3
(a-1) 1 1 - 2 0
(b 2) 1 2 0
2.5 2 1 0   # a decimal weight
4 0
0
"Ann"  # the first
"Bo ""B"" Smith"
"Cy"
"An election" "its source"
"""
    election = parse_blt(text)
    assert election.ballots == [
        Ballot(((0,), (), (1,)), 1, label="a-1"),
        Ballot(((1,),), 1, label="b 2"),
        Ballot(((1,), (0,)), Fraction(5, 2)),
        Ballot((), 4),
    ]
    assert election.names == ["Ann", 'Bo "B" Smith', "Cy"]
    assert [c.excluded for c in election.candidates] == [False, False, True]
    assert election.title == "An election"
    assert election.metadata == {"blt.source": "its source"}
    assert isinstance(election.ballots[0].weight, int)


def test_c_style_comments_and_unquoted_names():
    text = "2 1\n/* two\nballots */ 3 1 2 0\n1 2 0\n0\nAnn Smith (Lab)\nBo Jones\nWard 1\n"
    election = parse_blt(text)
    assert election.ballots == [Ballot(((0,), (1,)), 3), Ballot(((1,),), 1)]
    assert election.names == ["Ann Smith (Lab)", "Bo Jones"]
    assert election.title == "Ward 1"


# --------------------------------------------------------------------------- errors

ERRORS = [
    ("x 2\n", "f.blt:1: expected 'candidates seats' (two whole numbers), found 'x 2'"),
    ("", "f.blt: empty file: expected 'candidates seats' on the first line"),
    ("2 1\n1 3 0\n0\n", "f.blt:2: candidate number 3 is out of range 1..2"),
    ("2 1\n1 0 1 0\n0\n", "f.blt:2: 0 in the middle of a ballot line (one ballot per line)"),
    ("2 1\n1 1 2\n0\n", "f.blt:2: ballot line does not end with 0"),
    ("2 1\nx 1 0\n0\n", "f.blt:2: ballot weight 'x' is not a whole or decimal number"),
    ("2 1\n1,5 1 0\n0\n", "f.blt:2: ballot weight '1,5' is not a whole or decimal number"),
    (
        "2 1\n1 1=2 0\n0\n",
        "f.blt:2: equal ranking '1=2' is not allowed (read with allow_equal=True)",
    ),
    ("2 1\n1 1 0\n", "f.blt:2: missing the line '0' that ends the ballots"),
    ("2 1\n1 1 0\n0\n\"A\"\n", "f.blt:4: expected 2 candidate names after the ballots, found 1"),
    ('2 1\n1 1 0\n0\n"A"\n"B"\n', "f.blt:5: missing the election title after the names"),
    ('2 1\n1 1 0\n0\n"A\n"B"\n"T"\n', "f.blt:4: quoted string is not closed on its line"),
    ("2 1\n1 a 0\n0\n", "f.blt:2: unknown candidate 'a'"),
    (
        '2 1\n1 1 0\n"A"\n"B"\n"T"\n',
        "f.blt:3: missing the line '0' between the ballots and the names",
    ),
    ("2 1\n-3\n1 1 0\n0\n", "f.blt:2: candidate number 3 is out of range 1..2"),
    ("2 1\n-1 2\n1 1 0\n0\n", "f.blt:2: withdrawn candidates are written -N; found '2'"),
    ("2 1\n[foo 1]\n0\n", "f.blt:2: unknown option [foo]; known: [nick], [withdrawn], [tie], "
     "[droop], [undeclared]"),
    ("2 1\n[nick a]\n0\n", "f.blt:2: [nick] lists 1 nicknames for 2 candidates"),
    ("2 1\n[tie 1 1]\n0\n", "f.blt:2: [tie] must list every candidate exactly once"),
    ("2 1\n[nick a b\n", "f.blt:2: option is missing its closing ']'"),
    ("2 1\n(x) 1 1 0\n(x) 1 2 0\n0\n", "f.blt:3: ballot id (x) is used twice"),
    ("2 1\n(x) 2 1 0\n0\n", "f.blt:2: a ballot with an id must have weight 1, not 2"),
    ("2 1\n0 1 0\n0\n", "f.blt:2: ballot weight is 0 (a lone 0 ends the ballots)"),
    ("2 1\n1 1== 0\n0\n", "f.blt:2: malformed ranking '1=='"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_malformed_input_names_file_line_and_problem(text, message):
    with pytest.raises(BallotFileError) as info:
        parse_blt(text, path="f.blt", allow_equal="==" in text)
    assert str(info.value) == message


def test_invalid_utf8_names_the_line(tmp_path):
    path = tmp_path / "bad.blt"
    path.write_bytes(b'1 1\n1 1 0\n0\n"Caf\xe9"\n"T"\n')
    with pytest.raises(BallotFileError) as info:
        read_blt(path)
    assert str(info.value) == f"{path}:4: not valid utf-8 text (byte 0xe9)"
    assert read_blt(path, encoding="cp1252").names == ["Café"]


def test_writer_refuses_what_blt_cannot_hold():
    cands = (Candidate("A"), Candidate("B"))
    with pytest.raises(BallotFileError, match="overvote that names no candidates"):
        format_blt(Election(cands, [Ballot(((OVERVOTE,),))]))
    with pytest.raises(BallotFileError, match="weight 1/3 has no exact decimal form"):
        format_blt(Election(cands, [Ballot(((0,),), Fraction(1, 3))]))
    with pytest.raises(BallotFileError, match="holds a line break"):
        format_blt(Election((Candidate("A\nB"),), []))


def test_writer_output_is_plain_blt(tmp_path):
    election = Election(
        (Candidate("Ann", excluded=True), Candidate('Bo "B"'), Candidate("Cy", write_in=True)),
        [Ballot(((1,), (), (0, 2)), 3), Ballot((), Fraction(1, 8)), Ballot(((2,),), label="v7")],
        seats=2,
        title="T",
    )
    text = format_blt(election)
    assert text == (
        '3 2\n-1\n[undeclared 3]\n3 2 - 1=3 0\n0.125 0\n(v7) 1 3 0\n0\n'
        '"Ann"\n"Bo ""B"""\n"Cy"\n"T"\n'
    )
    write_blt(election, tmp_path / "out.blt")
    assert read_blt(tmp_path / "out.blt", allow_equal=True) == election


# --------------------------------------------------------------------------- round trip

_names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
    max_size=12,
)
_nick = st.from_regex(r"[a-z_][a-z0-9_.\-]{0,6}", fullmatch=True)
_label = st.from_regex(r"[A-Za-z0-9_:.\-]{1,8}( [A-Za-z0-9]{1,4})?", fullmatch=True)
_weight = st.one_of(
    st.integers(1, 10**20),
    st.builds(lambda n, k: Fraction(n, 10**k), st.integers(1, 10**6), st.integers(1, 4)),
)


@st.composite
def elections(draw):
    n = draw(st.integers(0, 6))
    names = draw(st.lists(_names, min_size=n, max_size=n, unique=True))
    nicks = draw(st.one_of(st.none(), st.lists(_nick, min_size=n, max_size=n, unique=True)))
    cands = tuple(
        Candidate(
            name,
            aliases=(nicks[i],) if nicks else (),
            excluded=draw(st.booleans()),
            write_in=draw(st.booleans()),
        )
        for i, name in enumerate(names)
    )
    rank = st.lists(st.integers(0, n - 1), max_size=3).map(tuple) if n else st.just(())
    ballots = []
    for _ in range(draw(st.integers(0, 8))):
        rankings = tuple(draw(st.lists(rank, max_size=5)))
        if draw(st.booleans()):
            ballots.append(Ballot(rankings, 1, label=draw(_label)))
        else:
            ballots.append(Ballot(rankings, draw(_weight)))
    labels = [b.label for b in ballots if b.label is not None]
    if len(set(labels)) != len(labels):
        ballots = [replace(b, label=None) for b in ballots]
    meta = {}
    if draw(st.booleans()):
        meta["blt.source"] = draw(_names)
        meta["blt.comment"] = draw(_names)
    if n and draw(st.booleans()):
        meta["blt.tie"] = " ".join(str(i + 1) for i in draw(st.permutations(range(n))))
    return Election(
        cands, ballots, seats=draw(st.integers(0, 5)), title=draw(_names), metadata=meta
    )


@settings(max_examples=150, deadline=None)
@given(elections())
def test_round_trip(election):
    assert parse_blt(format_blt(election), allow_equal=True) == election


# --------------------------------------------------------------------------- detect


def test_read_ballots_dispatches_by_extension(tmp_path):
    from selectorate.formats.detect import detect_format, read_ballots

    path = tmp_path / "e.blt"
    path.write_text('2 1\n1 1=2 0\n0\n"A"\n"B"\n"T"\n', encoding="utf-8")
    assert read_ballots(path, allow_equal=True) == read_blt(path, allow_equal=True)
    assert read_ballots(path, format="blt", allow_equal=True).title == "T"
    with pytest.raises(TypeError):
        read_ballots(path, seats=2)
    unknown = tmp_path / "e.txt"
    with pytest.raises(BallotFileError) as info:
        read_ballots(unknown)
    assert str(info.value).startswith(f"{unknown}: unknown ballot file extension '.txt'; known: ")
    with pytest.raises(ValueError, match="unknown ballot format 'doc'"):
        read_ballots(path, format="doc")
    config = tmp_path / "contest.json"
    config.write_text('{"tabulatorVersion": "1.3.2", "cvrFileSources": []}', encoding="utf-8")
    assert detect_format(config) == "rctab"
    cvr = tmp_path / "cvr.json"
    cvr.write_text('{"CVR": []}', encoding="utf-8")
    assert detect_format(cvr) == "cdf-json"
    assert detect_format(tmp_path / "cvr.XML") == "cdf-xml"
