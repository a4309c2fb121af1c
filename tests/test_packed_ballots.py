"""PackedBallots: the numpy-backed ballot sequence, the BLT fast path, and counts on it.

* round trips between ``list[Ballot]`` and :class:`PackedBallots`, equality both ways,
  slicing, grouping and total weight against the list form;
* the BLT fast path: every BLT file in ``shared/`` and a set of irregular texts read
  with and without it give equal elections, or the same error message;
* counts: packed and list ballots give identical results (and identical reports), on
  the RCTab conformance contests (their simple ballots) and on hypothesis profiles.
"""

from __future__ import annotations

import pickle
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selectorate.ballots.model import OVERVOTE, Ballot, Candidate, Election
from selectorate.ballots.packed import PackedBallots
from selectorate.counting import rctab_engine, registry
from selectorate.formats import blt, csv_ballots
from selectorate.formats.errors import BallotFileError
from selectorate.reports.native_json import render_native_json
from selectorate.reports.rctab_json import render_rctab_json_passes

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RCTAB = SHARED / "conformance" / "rctab"

SAMPLE = [
    Ballot(((2,), (0,), (1,)), 3),
    Ballot(((1,),), 1),
    Ballot((), 2),
    Ballot(((2,), (0,), (1,)), 4),
    Ballot(((0,), (0,)), 1),  # a duplicate ranking is a ballot as cast
]


def _packed(ballots: list[Ballot]) -> PackedBallots:
    return PackedBallots.from_ballots(ballots)


# --------------------------------------------------------------------------- the sequence


def test_round_trip_and_equality_with_the_list() -> None:
    packed = _packed(SAMPLE)
    assert len(packed) == len(SAMPLE)
    assert list(packed) == SAMPLE
    assert packed == SAMPLE and SAMPLE == packed
    assert not packed != SAMPLE
    assert packed == tuple(SAMPLE)
    assert [packed[i] for i in range(len(SAMPLE))] == SAMPLE
    assert packed[-1] == SAMPLE[-1]
    assert packed != SAMPLE[:-1]
    assert packed != [*SAMPLE[:-1], Ballot(((0,), (0,)), 2)]
    assert packed != [*SAMPLE[:-1], Ballot(((0,), (0,)), 1, label="x")]
    assert packed.__eq__(3) is NotImplemented
    assert packed != "abc"
    assert packed == _packed(SAMPLE)
    assert packed != _packed(SAMPLE[::-1])
    with pytest.raises(IndexError):
        packed[len(SAMPLE)]
    with pytest.raises(TypeError):
        hash(packed)
    assert repr(packed) == "PackedBallots(5 ballots, 9 marks)"


def test_slices_and_take() -> None:
    packed = _packed(SAMPLE)
    for sl in (slice(1, 4), slice(None, None, -1), slice(0, 5, 2), slice(4, 1), slice(-2, None)):
        part = packed[sl]
        assert isinstance(part, PackedBallots)
        assert part == SAMPLE[sl] and list(part) == SAMPLE[sl]
    assert packed.take(np.array([3, 0, 0])) == [SAMPLE[3], SAMPLE[0], SAMPLE[0]]
    assert list(PackedBallots([], [0], [])) == []


def test_arrays_are_read_only_and_describe_the_ballots() -> None:
    packed = _packed(SAMPLE)
    assert packed.weights.tolist() == [3, 1, 2, 4, 1]
    assert packed.offsets.tolist() == [0, 3, 4, 4, 7, 9]
    assert packed.marks.tolist() == [2, 0, 1, 1, 2, 0, 1, 0, 0]
    assert packed.lengths.tolist() == [3, 1, 0, 3, 2]
    assert packed.dense().tolist()[1] == [1, -1, -1]
    for array in (packed.weights, packed.offsets, packed.marks):
        with pytest.raises(ValueError):
            array[0] = 7
    source = np.array([1, 2])
    kept = PackedBallots(source, [0, 1, 2], [0, 1])
    source[0] = 9  # the default copies: the ballots do not change
    assert kept[0].weight == 1
    assert pickle.loads(pickle.dumps(packed)) == packed


def test_grouping_and_total_weight_match_the_list_form() -> None:
    election = Election(tuple(Candidate(n) for n in "ABC"), list(SAMPLE))
    packed = replace(election, ballots=_packed(SAMPLE))
    assert packed.total_weight() == election.total_weight() == 11
    assert isinstance(packed.grouped().ballots, PackedBallots)
    assert packed.grouped() == election.grouped()
    assert packed.grouped().ballots == [
        Ballot(((2,), (0,), (1,)), 7),
        Ballot(((1,),), 1),
        Ballot((), 2),
        Ballot(((0,), (0,)), 1),
    ]
    first, inverse = _packed(SAMPLE).group_index()
    assert first.tolist() == [0, 1, 2, 4] and inverse.tolist() == [0, 1, 2, 0, 3]


def test_grouping_of_wide_rankings_and_big_weights() -> None:
    # 40 candidates ranked 30 deep do not fit one int64 key: the lexsort fallback.
    rng = np.random.default_rng(5)
    rankings = [tuple((int(c),) for c in rng.permutation(40)[:30]) for _ in range(20)]
    ballots = [Ballot(rankings[int(k)], 2**62) for k in rng.integers(0, 20, 200)]
    election = Election(tuple(Candidate(str(i)) for i in range(40)), ballots)
    packed = replace(election, ballots=_packed(ballots))
    assert packed.grouped() == election.grouped()  # sums beyond int64: Python ints
    assert packed.total_weight() == election.total_weight() == 200 * 2**62


@pytest.mark.parametrize(
    "ballot",
    [
        Ballot(((0,),), 1, label="id"),
        Ballot(((0,),), 1, precinct="P1"),
        Ballot(((0,),), Fraction(1, 2)),
        Ballot(((0,),), 2**63),
        Ballot(((0, 1),)),
        Ballot(((0,), (), (1,))),
        Ballot(((OVERVOTE,),)),
    ],
)
def test_from_ballots_refuses_what_the_packed_form_cannot_hold(ballot: Ballot) -> None:
    with pytest.raises(ValueError):
        PackedBallots.from_ballots([Ballot(((0,),)), ballot])


@pytest.mark.parametrize(
    ("weights", "offsets", "marks"),
    [
        ([1], [0], []),
        ([1], [1, 1], [0]),
        ([1, 1], [0, 2, 1], [0, 1]),
        ([1], [0, 1], [-1]),
        ([1.5], [0, 1], [0]),
        ([1], [0, 1], [2**31]),
        ([[1]], [0, 1], [0]),
    ],
)
def test_constructor_checks_the_arrays(weights: list, offsets: list, marks: list) -> None:
    with pytest.raises(ValueError):
        PackedBallots(weights, offsets, marks)


# --------------------------------------------------------------------------- BLT fast path


def _read_both(text: str) -> tuple[object, object]:
    """``parse_blt`` with and without the fast path: an Election or the error text."""
    out = []
    for fast in (True, False):
        saved = blt._plain_ballots
        if not fast:
            blt._plain_ballots = lambda raw, ncand: None  # type: ignore[assignment]
        try:
            out.append(blt.parse_blt(text, path="x.blt"))
        except BallotFileError as exc:
            out.append(str(exc))
        finally:
            blt._plain_ballots = saved
    return out[0], out[1]


NAMES = '"A"\n"B"\n"C"\n"T"\n'
IRREGULAR = {
    "plain": "3 1\n2 1 2 0\n1 3 0\n0\n",
    "duplicate candidate": "3 1\n2 1 1 2 0\n1 3 0\n0\n",
    "leading zeros": "3 1\n002 01 2 0\n1 3 0\n0\n",
    "out of range": "3 1\n2 1 4 0\n1 3 0\n0\n",
    "candidate 0": "3 1\n2 1 00 2 0\n1 3 0\n0\n",
    "weight 0": "3 1\n0 1 2 0\n1 3 0\n0\n",
    "weight 00": "3 1\n00 1 2 0\n1 3 0\n0\n",
    "end 00": "3 1\n2 1 2 00\n1 3 0\n0\n",
    "huge weight": "3 1\n99999999999999999999999 1 2 0\n1 3 0\n0\n",
    "19 digits": "3 1\n9999999999999999999 1 2 0\n1 3 0\n0\n",
    "no end": "3 1\n2 1 2\n1 3 0\n0\n",
    "0 inside": "3 1\n2 1 0 2 0\n1 3 0\n0\n",
    "weight only": "3 1\n2\n1 3 0\n0\n",
    "tabs": "3 1\n2\t1  2 0  \n\t1 3\t0\n\t0\t\n",
    "crlf": "3 1\r\n2 1 2 0\r\n1 3 0\r\n0\r\n",
    "blank lines": "3 1\n2 1 2 0\n\n   \n1 3 0\n\n0\n",
    "ballot on the header line": "3 1 2 1 2 0\n1 3 0\n0\n",
    "withdrawn": "3 1\n-2\n2 1 2 0\n1 3 0\n0\n",
    "blank ballot": "3 1\n2 0\n1 3 0\n0\n",
    "no ballots": "3 1\n0\n",
    "no terminator": "3 1\n2 1 2 0\n1 3 0\n",
    "comment": "3 1\n2 1 2 0 # hi\n1 3 0\n0\n",
    "block comment": "3 1\n/* x */\n2 1 2 0\n1 3 0\n0\n",
    "byte order mark": "\ufeff3 1\n2 1 2 0\n1 3 0\n0\n",
    "decimal weight": "3 1\n2.5 1 2 0\n1 3 0\n0\n",
    "skipped rank": "3 1\n2 1 - 2 0\n1 3 0\n0\n",
    "equal ranking": "3 1\n2 1=2 3 0\n1 3 0\n0\n",
    "ballot id": "3 1\n(a) 1 1 2 0\n1 3 0\n0\n",
    "arabic digit": "3 1\n2 1 \u0662 0\n1 3 0\n0\n",
    "plus sign": "3 1\n+2 1 2 0\n1 3 0\n0\n",
    "vertical tab": "3 1\n2 1\x0b2 0\n1 3 0\n0\n",
    "carriage return inside": "3 1\n2 1\r2 0\n1 3 0\n0\n",
    "no-break space": "3 1\n2 1\xa02 0\n1 3 0\n0\n",
    "nicknames": "3 1\n[nick a b c]\n2 a b 0\n1 3 0\n0\n",
    "00 before the end": "3 1\n2 1 2 0\n1 3 0\n00\n0\n",
    "duplicate lines": "3 1\n" + "1 1 2 0\n" * 5 + "2 3 0\n" * 3 + "0\n",
    "spreadsheet export": "3,1,,\n2,1,2,0\n1,3,0,\n0,,,\n",
}


@pytest.mark.parametrize("text", IRREGULAR.values(), ids=IRREGULAR.keys())
def test_fast_path_reads_what_the_line_reader_reads(text: str) -> None:
    fast, slow = _read_both(text + NAMES)
    assert fast == slow
    if isinstance(fast, Election):
        assert isinstance(slow.ballots, list)
        assert fast.ballots == slow.ballots and slow.ballots == fast.ballots


def test_fast_path_is_taken_for_plain_files() -> None:
    fast, _ = _read_both(IRREGULAR["tabs"] + NAMES)
    assert isinstance(fast, Election) and isinstance(fast.ballots, PackedBallots)
    fast, _ = _read_both(IRREGULAR["skipped rank"] + NAMES)
    assert isinstance(fast, Election) and isinstance(fast.ballots, list)


def _shared_blt_files() -> list[Path]:
    return sorted(SHARED.rglob("*.blt")) if SHARED.exists() else []


@pytest.mark.skipif(not SHARED.exists(), reason=f"shared data missing: {SHARED}")
def test_fast_path_on_every_shared_blt_file() -> None:
    files = _shared_blt_files()
    assert files
    packed = 0
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        fast, slow = _read_both(text)
        assert fast == slow, path
        packed += isinstance(fast, Election) and isinstance(fast.ballots, PackedBallots)
    assert packed > len(files) // 2  # most real BLT files are plain


# --------------------------------------------------------------------------- counts


def _same_count(election: Election, method: str, options: dict) -> None:
    """``method`` on the list and the packed form: equal results, equal reports (or errors)."""
    packed = replace(election, ballots=PackedBallots.from_ballots(election.ballots))
    outcomes = []
    for e in (election, packed):
        try:
            result = registry.count(method, e, **options)
        except Exception as exc:  # the same failure both ways (e.g. a tie-break to ask)
            outcomes.append((type(exc), str(exc)))
            continue
        reports = [render_native_json(result), *render_rctab_json_passes(result, {})]
        outcomes.append((result, reports))
    assert outcomes[0] == outcomes[1]


def _contests() -> list:
    index = RCTAB / "rctab_cases.json"
    if not index.exists():
        return []
    import json

    cases = json.loads(index.read_text())["cases"]
    return [
        pytest.param(case, id=case["case"])
        for case in cases
        if case["configs"] and not case["cvr_inputs_absent_in_snapshot"]
    ]


@pytest.mark.skipif(not (RCTAB / "rctab_cases.json").exists(), reason="RCTab conformance missing")
@pytest.mark.parametrize("case", _contests())
def test_conformance_contests_count_the_same_packed(case: dict) -> None:
    """Each RCTab contest's simple ballots (one candidate per rank), as a list and packed."""
    load_contest = pytest.importorskip("selectorate.formats.rctab").load_contest
    try:
        contest = load_contest(RCTAB / case["configs"][0])
    except (BallotFileError, ValueError) as exc:
        pytest.skip(f"the contest does not load ({type(exc).__name__})")
    simple = [
        Ballot(b.rankings, b.weight)
        for b in contest.election.ballots
        if all(len(r) == 1 and r[0] >= 0 for r in b.rankings) and type(b.weight) is int
    ]
    if not simple:
        pytest.skip("no simple ballots")
    election = replace(contest.election, ballots=simple)
    _same_count(election, contest.method, dict(contest.options))


@st.composite
def _profiles(draw: st.DrawFn) -> tuple[Election, str, dict]:
    ncand = draw(st.integers(2, 6))
    ballots = draw(
        st.lists(
            st.builds(
                Ballot,
                st.lists(st.integers(0, ncand - 1), max_size=ncand + 1).map(
                    lambda marks: tuple((m,) for m in marks)
                ),
                st.integers(1, 5),
            ),
            max_size=25,
        )
    )
    method, options = draw(
        st.sampled_from(
            [
                ("irv", {}),
                ("irv", {"exhaust_on_duplicate": True}),
                ("irv", {"batch_elimination": True}),
                ("irv", {"continue_until_two": True}),
                ("irv", {"tiebreak_mode": "random", "random_seed": 7}),
                ("stv-rctab", {"seats": 2}),
                ("stv-rctab", {"seats": 2, "exhaust_on_duplicate": True}),
                ("bottoms-up", {"seats": 2}),
                ("multi-pass-irv", {"seats": 2}),
            ]
        )
    )
    names = tuple(Candidate(f"C{i}") for i in range(ncand))
    return Election(names, ballots, seats=options.get("seats", 1)), method, options


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_profiles())
def test_packed_and_list_count_identically(profile: tuple[Election, str, dict]) -> None:
    election, method, options = profile
    _same_count(election, method, options)


@st.composite
def _rankings(draw: st.DrawFn) -> tuple[list, dict]:
    ncand = draw(st.integers(1, 5))
    rank = st.one_of(
        st.integers(0, ncand - 1).map(lambda c: (c,)),
        st.just(()),
        st.just((OVERVOTE,)),
        st.lists(st.integers(0, ncand - 1), min_size=2, max_size=3).map(tuple),
    )
    keys = draw(st.lists(st.lists(rank, max_size=5).map(tuple), min_size=1, max_size=12))
    options = {
        "max_skipped_ranks": draw(st.sampled_from([None, 0, 1, 2])),
        "exhaust_on_duplicate": draw(st.booleans()),
        "overvote_rule": draw(st.sampled_from(rctab_engine.OVERVOTE_RULES)),
    }
    return list(dict.fromkeys(keys)), {"ncand": ncand, **options}


@settings(max_examples=300, deadline=None)
@given(_rankings())
def test_one_pass_programs_equal_the_rank_by_rank_walk(case: tuple[list, dict]) -> None:
    """The engine's shortcut for plain rankings builds the programs its general walk builds."""
    keys, options = case
    ncand = options.pop("ncand")
    opts = rctab_engine.make_options(rctab_engine.COMMON_OPTIONS, options)
    outcomes = []
    for shortcut in (True, False):
        saved = rctab_engine._simple_programs
        if not shortcut:
            rctab_engine._simple_programs = lambda dense, by_hand, opts: None
        try:
            steps, blank, multi = rctab_engine._programs(keys, opts, ncand)
            outcomes.append((steps.dtype, steps.tolist(), blank.tolist(), multi))
        except ValueError as exc:
            outcomes.append(str(exc))
        finally:
            rctab_engine._simple_programs = saved
    assert outcomes[0] == outcomes[1]


# --------------------------------------------------------------------------- CSV


def _csv_both(text: str, **options: object) -> tuple[object, object]:
    """``parse_csv`` with its line scanner and with the csv-module reader only."""
    out = []
    for fast in (True, False):
        saved = csv_ballots._scan_lines
        if not fast:
            csv_ballots._scan_lines = lambda text, delimiter: None  # type: ignore[assignment]
        try:
            out.append(csv_ballots.parse_csv(text, path="b.csv", **options))
        except BallotFileError as exc:
            out.append(str(exc))
        finally:
            csv_ballots._scan_lines = saved
    return out[0], out[1]


CSV_TEXTS = {
    "ranks": "Rank 1,Rank 2,Rank 3\nA,B,\nB,,C\nA,B,\n",
    "repeated rows": "Rank 1,Rank 2\n" + "A,B\nB,A\n" * 20 + "C,\n",
    "quotes": 'Rank 1,Rank 2\n"A",B\nA,B\n',
    "grid": "A,B,C\n1,2,\n,1,3\n1,2,\n",
    "grid turned ranks": "A,B,C\n1,2,\n,x,3\n",
    "weights": "Weight,Rank 1,Rank 2\n2,A,B\n1.5,B,A\n2,A,B\n",
    "weight 0 late": "Weight,Rank 1,Rank 2\n2,A,B\n2,A,B\n0,B,A\n",
    "ids": "ID,Rank 1,Rank 2\nx,A,B\ny,A,B\nx,A,B\n",
    "too wide": "Rank 1,Rank 2\nA,B\nA,B\nA,B,C\n",
    "too wide but empty": "Rank 1,Rank 2\nA,B,,\n",
    "crlf": "Rank 1,Rank 2\r\nA,B\r\nB,A\r\n",
    "cr": "Rank 1,Rank 2\rA,B\rB,A\r",
    "empty lines": "\n\nRank 1,Rank 2\n\nA,B\n,\n\n",
    "one column": 'Rank 1\nA\n""\n\n  \nB\n',
    "one column no quotes": "Rank 1\nA\n\n  \nB\n",
    "blank-looking lines": "Rank 1,Rank 2\nA,B\n   \n\t\nB,A\n",
    "equal names": "Rank 1,Rank 2\nA=B,C\nA= ,C\n",
    "spaces": "Rank 1,Rank 2\n A , B \nA,B\n",
    "skipped rank": "Rank 1,Rank 2,Rank 3\nA,,B\n",
    "duplicate": "Rank 1,Rank 2,Rank 3\nA,A,B\n",
    "nul": "Rank 1,Rank 2\nA,B\nB,A\x00\n",
    "empty": "",
    "only blank lines": "\n  \n\n",
    "header only": "Rank 1,Rank 2\n",
    "grid 0": "A,B\n1,2\n0,1\n",
    "grid counts": "Count,A,B\n3,1,2\n2,2,1\n3,1,2\n",
    "names as headers": "First,Second\nA,B\nB,A\n",
    "huge weight": "Weight,Rank 1\n99999999999999999999999,A\n1,A\n",
    "unclosed quote": 'Rank 1,Rank 2\nA,B\n"A,B\n',
    "short rows": "Rank 1,Rank 2,Rank 3\nA\nB,C\nA\n",
    "bad cell after good rows": "Rank 1,Rank 2\nA,B\nA,B\nA,=B\n",
}


@pytest.mark.parametrize("text", CSV_TEXTS.values(), ids=CSV_TEXTS.keys())
def test_csv_line_scanner_reads_what_the_csv_reader_reads(text: str) -> None:
    fast, slow = _csv_both(text)
    assert fast == slow
    for options in ({"candidates": ["B", "A", "C"]}, {"layout": "grid"}, {"delimiter": ";"}):
        fast, slow = _csv_both(text, **options)
        assert fast == slow, options


def test_csv_packed_when_simple_shared_otherwise() -> None:
    simple = csv_ballots.parse_csv(CSV_TEXTS["repeated rows"])
    assert isinstance(simple.ballots, PackedBallots) and len(simple.ballots) == 41
    mixed = csv_ballots.parse_csv(CSV_TEXTS["ids"])
    assert isinstance(mixed.ballots, list)
    assert mixed.ballots[0] is not mixed.ballots[2]  # a ballot id: one Ballot per row
    skipped = csv_ballots.parse_csv("Rank 1,Rank 2,Rank 3\nA,,B\nA,,B\n")
    assert isinstance(skipped.ballots, list) and skipped.ballots[0] is skipped.ballots[1]


def test_csv_error_names_the_first_line_of_a_repeated_row() -> None:
    text = "Rank 1,Rank 2\nA,B\n\nA,=B\nB,A\nA,=B\n"
    with pytest.raises(BallotFileError) as info:
        csv_ballots.parse_csv(text, path="b.csv")
    assert str(info.value) == "b.csv:4: column 'Rank 2': empty name in '=B'"


_cell = st.sampled_from(["A", "B", "C", " A", "", " ", "A=B", "2", "1", "x y"])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(_cell, min_size=0, max_size=4), max_size=12),
    st.sampled_from(["Rank 1,Rank 2,Rank 3", "A,B,C", "Weight,Rank 1,Rank 2", "ID,R1,R2"]),
)
def test_csv_scanners_agree_on_generated_files(rows: list, header: str) -> None:
    text = header + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    fast, slow = _csv_both(text)
    assert fast == slow
