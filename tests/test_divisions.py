"""The whip record (issue 7): readers, whips and rebels, against the 29 January 2019 divisions.

Expected figures come from ``shared/facts/divisions.md`` (cited per test, with the source
that note cites) and from the official records in ``shared/conformance/divisions/``
("Contains Parliamentary information licensed under the Open Parliament Licence v3.0").
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import selectorate
from selectorate.divisions import (
    Basis,
    Direction,
    Division,
    DivisionFileError,
    MemberVote,
    PartyMap,
    Vote,
    Whip,
    match_key,
    member_history,
    party_record,
    read_division,
    read_divisions,
    read_whips,
)
from selectorate.divisions.readers import combine, lobby_votes
from selectorate.divisions.record import Standing, division_record, standing
from selectorate.divisions.whips import DeclaredWhip, WhipBook, infer_whip

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DIVISIONS = SHARED / "conformance" / "divisions"
LDA = DIVISIONS / "lda_2019"
CV = DIVISIONS / "commonsvotes_2019"
needs_data = pytest.mark.skipif(
    not LDA.is_dir() or not CV.is_dir(), reason="shared/conformance/divisions is missing"
)
WHIPS = Path(selectorate.__file__).parent / "data" / "whips" / "2019-01-29.csv"
DAY = date(2019, 1, 29)

# facts/divisions.md §4, table "The 29 January 2019 divisions": division → (LDA id, amendment,
# ayes, noes). The totals are the LDA counts, which the note says agree with parliament.uk
# news (29 Jan 2019), BrexitCentral, talkRADIO and inews.
JAN29 = {
    307: ("1050638", "(a) - Corbyn", 296, 327),
    308: ("1050639", "(o) - Blackford", 39, 327),
    309: ("1050640", "(g) - Grieve", 301, 321),
    310: ("1050641", "(b) - Cooper", 298, 321),
    311: ("1050642", "(j) - Reeves", 290, 322),
    312: ("1050644", "(i) - Spelman", 318, 310),
    313: ("1050712", "(n) - Brady", 317, 301),
}

# The seven Labour MPs who voted for the Brady amendment (n), as printed in LDA 1050712.
# facts/divisions.md §4 row 313: "seven Labour MPs … defying their party" (ConservativeHome,
# reproduced by 24plusnews.co.uk).
BRADY_LABOUR = {
    "Ian Austin", "Sir Kevin Barron", "Jim Fitzpatrick", "Mr Roger Godsiff", "Kate Hoey",
    "John Mann", "Graham Stringer",
}  # fmt: skip

# The Labour MPs who voted against the Cooper amendment (b), as printed in LDA 1050641
# (Gareth Snell printed "Labour (Co-op)"). facts/divisions.md §3 pitfall 2 and §4 row 310:
# Labour whipped for it [LabourList, labourlist.org/2019/01/key-brexit-amendments-voted-
# down-as-14-labour-mps-defy-whip: "14 Labour MPs defy whip"].
COOPER_LABOUR_NOES = {
    "Ian Austin", "Sir Kevin Barron", "Mr Ronnie Campbell", "Rosie Cooper", "Jim Fitzpatrick",
    "Caroline Flint", "Mr Roger Godsiff", "Mr Stephen Hepburn", "Kate Hoey", "John Mann",
    "Mr Dennis Skinner", "Laura Smith", "Gareth Snell", "Graham Stringer",
}  # fmt: skip


@pytest.fixture(scope="module")
def jan29() -> dict[int, Division]:
    if not LDA.is_dir():
        pytest.skip("shared/conformance/divisions is missing")
    return {d.number: d for d in read_divisions(LDA / f"{v[0]}.csv" for v in JAN29.values())}


@pytest.fixture(scope="module")
def whips():
    return read_whips(WHIPS)


def _names(votes) -> set[str]:
    return {v.name for v in votes}


# --------------------------------------------------------------------------- the facts


@needs_data
def test_totals_of_every_29_january_division(jan29):
    """facts/divisions.md §4: the ayes and noes of divisions 307–313 (LDA counts, no tellers)."""
    assert sorted(jan29) == sorted(JAN29)
    for number, (_, amendment, ayes, noes) in JAN29.items():
        d = jan29[number]
        assert d.date == DAY and d.title.endswith(amendment)
        assert (d.ayes, d.noes) == (ayes, noes), number
        assert (d.ayes_printed, d.noes_printed) == (ayes, noes), number
        assert not d.lists_non_voters and d.export == "linked-data"


@needs_data
def test_the_seven_labour_mps_who_backed_the_brady_amendment(jan29, whips):
    """facts/divisions.md §4 row 313: Labour whipped against (n); seven Labour MPs defied it."""
    rec = division_record(jan29[313], "Labour", whips)
    assert rec.whip is not None
    assert (rec.whip.direction, rec.whip.basis) == (Direction.NO, Basis.DECLARED)
    assert "24plusnews" in rec.whip.source
    assert _names(rec.rebels) == BRADY_LABOUR and len(rec.rebels) == 7
    assert all(v.vote is Vote.AYE for v in rec.rebels)
    assert rec.absent is None  # linked data lists no non-voters
    # The party majority says the same (7 aye, 239 no), marked inferred.
    inferred = division_record(jan29[313], "Labour")
    assert inferred.whip is not None and inferred.whip.basis is Basis.INFERRED
    assert inferred.whip.direction is Direction.NO and "7 aye, 239 no" in inferred.whip.source
    assert _names(inferred.rebels) == BRADY_LABOUR


@needs_data
def test_the_labour_mps_who_voted_against_the_cooper_amendment(jan29, whips):
    """facts/divisions.md §4 row 310 (LabourList: Labour whipped for (b); 14 defied the whip)."""
    rec = division_record(jan29[310], "Labour", whips)
    assert rec.whip is not None and rec.whip.direction is Direction.AYE
    assert rec.whip.basis is Basis.DECLARED and "labourlist.org" in rec.whip.source
    assert _names(rec.rebels) == COOPER_LABOUR_NOES and len(rec.rebels) == 14
    assert all(v.vote is Vote.NO for v in rec.rebels)
    snell = next(v for v in rec.rebels if v.name == "Gareth Snell")
    assert snell.party == "Labour (Co-op)"  # grouped with Labour by the default party map


@needs_data
def test_the_abstain_whip_on_the_snp_amendment_is_an_abstain_whip(jan29, whips):
    """facts/divisions.md §3 pitfall 1 and §4 row 308 (BrexitCentral, brexitcentral.com/
    mps-voted-brexit-amendments): Labour was whipped to abstain on (o); all four Labour MPs
    who voted rebelled, where majority inference would find only Paul Farrelly."""
    rec = division_record(jan29[308], "Labour", whips)
    assert rec.whip is not None
    assert (rec.whip.direction, rec.whip.basis) == (Direction.ABSTAIN, Basis.DECLARED)
    assert {(v.name, v.vote) for v in rec.rebels} == {
        ("Paul Farrelly", Vote.AYE),
        ("Graham Stringer", Vote.NO),
        ("Jim Fitzpatrick", Vote.NO),
        ("Kate Hoey", Vote.NO),
    }
    inferred = division_record(jan29[308], "Labour")
    assert inferred.whip is not None and inferred.whip.basis is Basis.INFERRED
    assert inferred.whip.direction is Direction.NO
    assert _names(inferred.rebels) == {"Paul Farrelly"}


@needs_data
def test_seventeen_conservatives_rebelled_on_the_cooper_amendment(jan29, whips):
    """facts/divisions.md §4 row 310: the Government whipped against (b); "17 Tories
    rebelled" (order-order.com)."""
    rec = division_record(jan29[310], "Conservative", whips)
    assert rec.whip is not None and rec.whip.direction is Direction.NO
    assert rec.whip.basis is Basis.DECLARED
    assert len(rec.rebels) == 17 and all(v.vote is Vote.AYE for v in rec.rebels)


@needs_data
def test_labour_co_op_counts_as_labour(jan29):
    """facts/divisions.md §3 pitfall 3: LDA prints "Labour (Co-op)" apart; it is Labour."""
    brady = jan29[313]
    rec = division_record(brady, "Labour")
    printed = {v.party for v in rec.members}
    assert printed == {"Labour", "Labour (Co-op)"}
    assert len(rec.members) == 7 + 203 + 36  # aye, Labour no, Labour (Co-op) no in 1050712
    # Without the grouping, Labour (Co-op) is a party of its own.
    bare = PartyMap(aliases={})
    assert len(division_record(brady, "Labour", party_map=bare).members) == 7 + 203


@needs_data
def test_party_record_over_the_day(jan29, whips):
    record = party_record(jan29.values(), "Labour", whips)
    assert [r.division.number for r in record.divisions] == sorted(JAN29)
    top = {m.name: m for m in record.members[:3]}
    assert set(top) == {"Graham Stringer", "Jim Fitzpatrick", "Kate Hoey"}
    assert all(m.rebellions == 6 for m in top.values())
    assert top["Jim Fitzpatrick"].votes_cast == 7
    assert record.rank("Kate Hoey") == (1, len(record.members), True)
    assert record.median_rebellions() == 0
    farrelly = record.member("Paul Farrelly")
    assert farrelly is not None and farrelly.rebellions == 1  # the SNP amendment only
    history = member_history(list(jan29.values()), "Roger Godsiff", whips)
    assert history is not None and history.name == "Mr Roger Godsiff"
    assert [r.standing for r in history.rows if r.division.number == 313] == [Standing.REBEL]


# --------------------------------------------------------------------------- both exports


def _pairs() -> list[tuple[Division, Division]]:
    cv = {d.key: d for d in map(read_division, sorted(CV.glob("*.csv")))}
    pairs = []
    for path in sorted(LDA.glob("*.csv")):
        lda = read_division(path)
        if lda.key in cv:
            pairs.append((cv[lda.key], lda))
    return pairs


@needs_data
def test_the_same_division_from_both_exports_gives_the_same_record():
    """README of shared/conformance/divisions: 15 divisions (MV1, MV2, MV3, the indicative
    votes) are in both folders; matched by date and division number they give the same
    lobby votes and, party by party, the same whip and rebels. The one difference is a
    printed party: Nick Boles is "Conservative" in the Commons Votes exports of 27 March
    and 1 April 2019 and "Independent" in the linked-data ones."""
    pairs = _pairs()
    assert len(pairs) == 15
    party_map = PartyMap()
    relabelled: set[str] = set()
    for cv, lda in pairs:
        assert cv.title == lda.title
        assert lobby_votes(cv) == lobby_votes(lda)
        assert (cv.ayes, cv.noes) == (lda.ayes, lda.noes) == (cv.ayes_printed, cv.noes_printed)
        lda_party = {match_key(v.name): v.party for v in lda.votes}
        moved = {match_key(v.name) for v in cv.votes
                 if v.vote.cast and party_map.canonical(v.party)
                 != party_map.canonical(lda_party[match_key(v.name)])}  # fmt: skip
        relabelled |= moved
        for party in sorted({party_map.canonical(v.party) for v in lda.votes}):
            a, b = division_record(cv, party), division_record(lda, party)
            # (the inferred whip's source states the counts, which Nick Boles's label may shift)
            assert (a.whip is None) == (b.whip is None), (cv.describe(), party)
            if a.whip and b.whip:
                assert (a.whip.direction, a.whip.basis) == (b.whip.direction, b.whip.basis)
            keys_a = {match_key(v.name) for v in a.rebels} - moved
            keys_b = {match_key(v.name) for v in b.rebels} - moved
            assert keys_a == keys_b, (cv.describe(), party)
        merged = combine([lda, cv])
        assert len(merged) == 1 and merged[0] is cv  # the record listing non-voters is kept
    assert relabelled == {"nick boles"}


@needs_data
def test_commons_votes_absentees_tellers_and_the_chair():
    """Division 293 (MV1, 15 Jan 2019) in Commons Votes form: 4 tellers, the Speaker and
    3 deputies, "No Vote Recorded" for the rest (printed header: 202 ayes, 432 noes)."""
    d = read_division(CV / "Division562.csv")
    assert (d.number, d.date, d.ayes, d.noes) == (293, date(2019, 1, 15), 202, 432)
    assert d.totals_agree and d.lists_non_voters
    assert sum(v.vote.teller for v in d.votes) == 4
    party_map = PartyMap()
    for party in ("Conservative", "Labour", "Scottish National Party"):
        rec = division_record(d, party)
        assert rec.absent is not None
        assert not _names(rec.rebels) & _names(rec.absent)
        assert all(not v.vote.teller for v in (*rec.rebels, *rec.absent))
        assert all(not party_map.is_chair(v.party) for v in rec.members)
    labour = division_record(d, "Labour")
    assert labour.whip is not None and labour.whip.direction is Direction.NO
    assert _names(labour.rebels) == {"Ian Austin", "Kevin Barron", "John Mann"}
    # The chair is never a rebel or absentee, even under its own printed label.
    assert division_record(d, "Speaker").whip is None


@needs_data
def test_a_vote_in_both_lobbies():
    """LDA 1088670 (Div 360, 14 Mar 2019) lists Lloyd Russell-Moyle in both lobbies; the
    printed totals (85 ayes, 334 noes) count him in each."""
    d = read_division(LDA / "1088670.csv")
    both = [v for v in d.votes if v.vote is Vote.BOTH]
    assert [v.name for v in both] == ["Lloyd Russell-Moyle"]
    assert (d.ayes, d.noes) == (85, 334) and d.totals_agree
    whip = Whip("Labour", Direction.NO, Basis.DECLARED, "test")
    assert standing(Vote.BOTH, whip) is Standing.BOTH
    assert standing(Vote.BOTH, Whip("Labour", Direction.ABSTAIN, Basis.DECLARED, "t")) is (
        Standing.LOYAL
    )


@needs_data
def test_every_record_in_the_folders_reads():
    divisions = read_divisions([LDA, CV])
    assert len(divisions) == 52 + 16 - 15
    assert all(d.totals_agree for d in divisions)
    assert [d.key for d in divisions] == sorted(d.key for d in divisions)


# --------------------------------------------------------------------------- names, map


def test_names_match_across_printings():
    assert match_key("Mr Roger Godsiff") == match_key("Roger Godsiff")
    assert match_key("Sir George Howarth") == match_key("Mr George Howarth")
    assert match_key("Thérèse Coffey") == match_key("Th?r?se Coffey") == "th?r?se coffey"
    assert match_key("  Kate   HOEY ") == "kate hoey"


def test_party_map():
    m = PartyMap()
    assert m.canonical("Labour (Co-op)") == "Labour" and m.same("labour (co-op)", "Labour")
    assert m.canonical("Sinn F?in") == "Sinn Féin" and m.is_unwhipped("Sinn F?in")
    assert m.is_chair("Deputy Speaker") and not m.is_chair("Labour")
    assert m.with_aliases({"Lab Co-op": "Labour"}).canonical("Lab Co-op") == "Labour"


# --------------------------------------------------------------------------- whip file


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_whip_file_cites_a_source_for_every_whip(whips):
    assert len(whips.entries) == 10
    assert all(e.whip.source and e.date == DAY for e in whips.entries)
    assert {(e.number, e.whip.party, e.whip.direction) for e in whips.entries} >= {
        (308, "Labour", Direction.ABSTAIN),
        (313, "Labour", Direction.NO),
        (313, "Conservative", Direction.AYE),
    }


def test_a_whip_row_may_name_the_division_by_title(tmp_path):
    path = _write(tmp_path, "w.csv", "date,title,party,whip,source\n"
                  "2019-01-29,Motion X,Lab,free,a statement\n")  # fmt: skip
    book = read_whips(path)
    d = Division(1, DAY, "motion  x", (MemberVote("A", "Labour", None, Vote.AYE),), True)
    whip = book.declared(d, "Labour (Co-op)")
    assert whip is not None and whip.direction is Direction.FREE
    assert division_record(d, "Labour", book).rebels == ()


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("date,division,party,whip,source\n2019-01-29,1,Labour,maybe,x\n", 2,
         "whip 'maybe' is not aye, no, abstain or free"),
        ("date,division,party,whip,source\n2019-01-29,1,Labour,aye,\n", 2, "no source"),
        ("date,division,party,whip,source\n29/01/2019,1,Labour,aye,x\n", 2, "not YYYY-MM-DD"),
        ("date,division,party,whip,source\n2019-01-29,x,Labour,aye,s\n", 2,
         "division 'x' is not a whole number"),
        ("# c\ndate,division,party,whip,source\n2019-01-29,1,Labour,aye,s\n"
         "2019-01-29,1,Labour (Co-op),no,t\n", 4, "already given on line 3"),
        ("date,division,party,whip\n", 1, "header has no 'source' column"),
        ("date,division,party,whip,source\n2019-01-29,1,Labour\n", 2, "expected 5 fields"),
    ],
)  # fmt: skip
def test_whip_file_errors(tmp_path, text, line, problem):
    path = _write(tmp_path, "whips.csv", text)
    with pytest.raises(DivisionFileError) as err:
        read_whips(path)
    assert err.value.line == line and problem in err.value.problem
    assert str(err.value).startswith(f"{path}:{line}: ")


# --------------------------------------------------------------------------- bad files

CV_HEAD = (
    "Division Number: 5\nDivision Date: 02/03/2019\n\nA motion: with a colon\n\n"
    "Aye Count: 1\nNoes Count: 1\n\nMembers recorded\nMember,Party,Constituency,Vote,Proxy Member\n"
)
LDA_HEAD = '"date","division.number","title","vote...member.party","vote...member.printed","vote...type...uri"\n'  # noqa: E501


def test_a_small_commons_votes_file(tmp_path):
    rows = ('"A B","Labour","X","Aye",""\n"C D","Conservative","Y","No",""\n'
            '"E F","Labour","Z","Teller - Ayes",""\n')
    path = _write(tmp_path, "d.csv", CV_HEAD + rows)
    d = read_division(path)
    assert (d.number, d.date, d.title) == (5, date(2019, 3, 2), "A motion: with a colon")
    assert [v.vote for v in d.votes] == [Vote.AYE, Vote.NO, Vote.TELLER_AYE]
    assert d.votes[0].constituency == "X" and d.totals_agree


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("", None, "empty file"),
        ("hello,world\n1,2\n", 1, "not a division export"),
        (CV_HEAD + '"A B","Labour","X","Maybe",""\n', 11, "vote 'Maybe' is not Aye"),
        (CV_HEAD + '"A B","Labour"\n', 11, "expected 4 fields, found 2"),
        (CV_HEAD + '"","Labour","X","Aye",""\n', 11, "no member name"),
        (CV_HEAD + '"A B","Labour","X","Aye",""\n"A B","Labour","X","Aye",""\n', 12,
         "listed twice (first on line 11)"),
        (CV_HEAD.replace("5", "five", 1) + '"A B","Labour","X","Aye",""\n', 1,
         "division number 'five' is not a whole number"),
        (CV_HEAD.replace("02/03/2019", "2 March"), 2, "date '2 March' is not"),
        (CV_HEAD.replace("Member,Party", "Name,Party"), 10, "no member table"),
        (CV_HEAD, 10, "lists no members"),
        (LDA_HEAD + '"2019-01-29",313,"T","Labour","A B","x#AyeVote"\n'
         '"2019-01-29",312,"T","Labour","C D","x#NoVote"\n', 3, "one division a file"),
        (LDA_HEAD + '"2019-01-29",313,"T","Labour","A B","x#Maybe"\n', 2,
         "vote type 'x#Maybe' is neither AyeVote nor NoVote"),
        (LDA_HEAD + '"2019-01-29",313,"T","Labour","A B","x#AyeVote"\n'
         '"2019-01-29",313,"T","Labour","A B","x#AyeVote"\n', 3, "listed twice"),
        (LDA_HEAD, 1, "no member rows"),
        ('"vote...member.printed","title"\n"A","T"\n', 1, "no 'member party' column"),
    ],
)  # fmt: skip
def test_bad_division_files_name_file_line_and_problem(tmp_path, text, line, problem):
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(DivisionFileError) as err:
        read_division(path)
    assert err.value.line == line and problem in err.value.problem, str(err.value)


def test_unreadable_inputs(tmp_path):
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"Division Number: 1\nDivision Date: 01/01/2019\nTh\xe9r\n")
    with pytest.raises(DivisionFileError, match=r"latin1.csv:3: not UTF-8 text"):
        read_division(bad)
    with pytest.raises(DivisionFileError, match="no such file"):
        read_divisions([tmp_path / "missing.csv"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(DivisionFileError, match="folder holds no .csv"):
        read_divisions([tmp_path / "empty"])


def test_two_exports_of_one_division_that_disagree(tmp_path):
    cv = _write(tmp_path, "a.csv", CV_HEAD + '"A B","Labour","X","Aye",""\n'
                '"C D","Labour","Y","No",""\n')  # fmt: skip
    rows = ('"2019-03-02",5,"A motion","Labour","A B","#AyeVote"\n'
            '"2019-03-02",5,"A motion","Labour","Mr C D","#AyeVote"\n')
    lda = _write(tmp_path, "b.csv", LDA_HEAD + rows)
    with pytest.raises(DivisionFileError, match=r"b.csv: Division 5 \(2019-03-02\) differs .*C D"):
        read_divisions([cv, lda])


# --------------------------------------------------------------------------- properties

PARTIES = ["Labour", "Labour (Co-op)", "Conservative", "Independent", "Speaker", "Deputy Speaker"]
_member = st.tuples(st.sampled_from(PARTIES), st.sampled_from(list(Vote)))
_whip = st.one_of(st.none(), st.sampled_from(list(Direction)))


@st.composite
def divisions(draw: st.DrawFn) -> Division:
    entries = draw(st.lists(_member, min_size=1, max_size=30))
    votes = tuple(MemberVote(f"Member {i}", party, f"Seat {i}", vote)
                  for i, (party, vote) in enumerate(entries))  # fmt: skip
    return Division(draw(st.integers(1, 500)), DAY, "Motion", votes, True)


def _book(direction: Direction | None, d: Division):
    if direction is None:
        return None
    whip = Whip("Labour", direction, Basis.DECLARED, "test")
    return WhipBook((DeclaredWhip(d.date, d.number, None, whip, 2),))


@given(divisions(), _whip)
@settings(max_examples=150, deadline=None)
def test_rebels_are_members_who_cast_a_vote(d, direction):
    rec = division_record(d, "Labour", _book(direction, d))
    voters = {v for v in rec.members if v.vote.cast}
    assert set(rec.rebels) <= voters
    assert rec.absent is not None and not set(rec.rebels) & set(rec.absent)
    party_map = PartyMap()
    for v in (*rec.rebels, *rec.absent):
        assert not v.vote.teller and not party_map.is_chair(v.party)
        assert party_map.canonical(v.party) == "Labour"
    if rec.whip is not None and rec.whip.direction is Direction.ABSTAIN:
        assert set(rec.rebels) == {v for v in voters if v.vote is not Vote.BOTH}


@given(divisions())
@settings(max_examples=100, deadline=None)
def test_a_free_vote_has_no_rebels(d):
    rec = division_record(d, "Labour", _book(Direction.FREE, d))
    assert rec.whip is not None and rec.whip.direction is Direction.FREE
    assert rec.rebels == () and rec.absent == ()
    members = party_record([d], "Labour", _book(Direction.FREE, d)).members
    assert all(m.rebellions == 0 and m.absences == 0 for m in members)


@given(divisions())
@settings(max_examples=100, deadline=None)
def test_inferred_whip_is_the_majority(d):
    whip = infer_whip(d, "Labour")
    labour = [v for v in d.votes if v.party in ("Labour", "Labour (Co-op)")]
    ayes = sum(v.vote is Vote.AYE for v in labour)
    noes = sum(v.vote is Vote.NO for v in labour)
    if ayes == noes:
        assert whip is None
    else:
        assert whip is not None and whip.basis is Basis.INFERRED
        assert whip.direction is (Direction.AYE if ayes > noes else Direction.NO)
        assert len(division_record(d, "Labour").rebels) == min(ayes, noes)


def _as_commons_votes(d: Division) -> str:
    out = io.StringIO()
    out.write(f"Division Number: {d.number}\nDivision Date: {d.date:%d/%m/%Y}\n\n{d.title}\n\n"
              f"Aye Count: {d.ayes}\nNoes Count: {d.noes}\n\nMembers recorded\n")  # fmt: skip
    w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(["Member", "Party", "Constituency", "Vote", "Proxy Member"])
    words = {Vote.AYE: "Aye", Vote.NO: "No", Vote.NO_VOTE: "No Vote Recorded",
             Vote.TELLER_AYE: "Teller - Ayes", Vote.TELLER_NO: "Teller - Noes"}  # fmt: skip
    for v in d.votes:
        for vote in ([Vote.AYE, Vote.NO] if v.vote is Vote.BOTH else [v.vote]):
            w.writerow([v.name, v.party, v.constituency, words[vote], ""])
    return out.getvalue()


def _as_linked_data(d: Division) -> str:
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(["uri", "ayes.count", "date", "division.number", "noesvotecount", "title",
                "vote...member.party", "vote...member.printed", "vote...type",
                "vote...type...uri"])  # fmt: skip
    lobby = "http://data.parliament.uk/schema/parl#"
    for v in d.votes:
        types = {Vote.AYE: ["AyeVote"], Vote.NO: ["NoVote"], Vote.BOTH: ["AyeVote", "NoVote"]}
        for t in types.get(v.vote, []):
            w.writerow(["x", d.ayes, d.date.isoformat(), d.number, d.noes, d.title, v.party,
                        f"Mr {v.name}", "NA", lobby + t])  # fmt: skip
    return out.getvalue()


@given(divisions(), _whip)
@settings(max_examples=60, deadline=None)
def test_both_exports_of_a_division_give_the_same_record(tmp_path_factory, d, direction):
    if not any(v.vote.cast for v in d.votes):
        return  # a linked-data export of a division nobody voted in has no rows
    folder = tmp_path_factory.mktemp("pair")
    cv_path, lda_path = folder / "cv.csv", folder / "lda.csv"
    cv_path.write_text(_as_commons_votes(d), encoding="utf-8")
    lda_path.write_text(_as_linked_data(d), encoding="utf-8")
    cv, lda = read_division(cv_path), read_division(lda_path)
    assert (cv.key, cv.title, cv.ayes, cv.noes) == (lda.key, lda.title, lda.ayes, lda.noes)
    assert lobby_votes(cv) == lobby_votes(lda)
    for party in ("Labour", "Conservative"):
        a = division_record(cv, party, _book(direction, cv))
        b = division_record(lda, party, _book(direction, lda))
        assert a.whip == b.whip
        assert [match_key(v.name) for v in a.rebels] == [match_key(v.name) for v in b.rebels]
        assert b.absent is None
    assert read_divisions([lda_path, cv_path]) == [cv]
