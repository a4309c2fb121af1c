"""The Labour versions labour-2010, labour-2020 and labour-2022 against the facts.

labour-2010 (before the Collins reforms) derives by amendment from the later
labour-2014; labour-2020 (the NEC's STV decision of 30 June 2020) sits between
labour-2018 and labour-2021; labour-2022 reinstates the one-year rule.
Expected values: shared/facts/rulebooks.md §1.1, §1.3, §3, §4 and
labour_history.json (ballot_profiles[0]).
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from selectorate.ballots import Ballot, Candidate, Election
from selectorate.procedures import conference, leadership
from selectorate.procedures.numbers import parse_rate, threshold
from selectorate.rulebooks import diff, list_rulebooks, load_rulebook
from selectorate.rulebooks.document import RULEBOOK_FILE, shipped_folder

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT.parent / "shared" / "facts" / "labour_history.json"


@pytest.fixture(scope="module")
def facts() -> dict:
    """labour_history.json."""
    if not FACTS.is_file():
        pytest.skip("shared/facts/labour_history.json is missing")
    return json.loads(FACTS.read_text("utf-8"))


def _2010_mps_section(facts: dict) -> Election:
    profile = facts["ballot_profiles"][0]
    names = [profile["candidates"][k] for k in sorted(profile["candidates"], key=int)]
    return Election(
        tuple(Candidate(n) for n in names),
        [
            Ballot(tuple((int(c) - 1,) for c in b["ranking"]), b["count"])
            for b in profile["ballots"]
        ],
    )


def in_force(on: date) -> str:
    """The adopted Labour rulebook in force on a day (effective_from ≤ day ≤ effective_to)."""
    found = [
        b.id
        for b in list_rulebooks()
        if b.organisation == "Labour Party (UK)"
        and b.status == "adopted"
        and b.effective_from <= on
        and (b.effective_to is None or on <= b.effective_to)
    ]
    assert len(found) == 1, (on, found)
    return found[0]


# --------------------------------------------------------------------------- labour-2010


def test_labour_2010_derives_from_the_later_2014_base():
    book = load_rulebook("labour-2010")
    assert book.lineage == ("labour-2014", "labour-2010")
    assert load_rulebook("labour-2014").meta.derived_from is None
    assert book.meta.effective_to < load_rulebook("labour-2014").meta.effective_from


def test_labour_2010_thresholds_and_college():
    """rulebooks.md §1.1: 12.5% (vacancy, ⚠ note a) and 20% (challenge) of the Commons PLP;
    §1.3: an electoral college of three equal sections."""
    params = load_rulebook("labour-2010").procedure("leadership")
    assert params.vacancy.parliamentary.pool == "mps"
    assert parse_rate(params.vacancy.parliamentary.rate) == Fraction(1, 8)
    assert parse_rate(params.challenge.parliamentary.rate) == Fraction(1, 5)
    assert params.ballot.method == "electoral-college"
    assert [parse_rate(s.share) for s in params.ballot.sections] == [Fraction(1, 3)] * 3
    assert load_rulebook("labour-2010").procedure("eligibility").categories == ["member"]


def test_2010_threshold_of_33_mps():
    """rulebooks.md §1.1: '12.5% of Commons PLP (2010: 33 MPs)'. The facts give no 2010 PLP
    size, so the test checks which sizes the rulebook's rate maps to 33 (rounded up):
    257-264 (Labour won 258 seats in 2010 — from memory, not in the facts)."""
    params = load_rulebook("labour-2010").procedure("leadership")
    rate = parse_rate(params.vacancy.parliamentary.rate)
    sizes = [n for n in range(200, 300) if threshold(rate, n, params.rounding) == 33]
    assert sizes == list(range(257, 265))


def test_2010_mps_section_replayed_through_the_labour_2010_college(facts):
    """ballot_profiles[0] (PrefLib 00030): the MPs' and MEPs' section under labour-2010's
    ballot rule: round 1 D. Miliband 111, E. Miliband 84, Balls 40, Burnham 24, Abbott 7;
    final 140-122 with 4 exhausted. Only this section's ballots are in the facts, so the
    same ballots stand in for the members' and affiliates' sections; the section figures
    of the MPs' section are checked, and the college (three equal thirds) elects as AV."""
    params = load_rulebook("labour-2010").procedure("leadership")
    election = _2010_mps_section(facts)
    names = [s.name for s in params.ballot.sections]
    result = leadership.count_ballot(params, election, sections={n: election for n in names})
    mps = names[0]
    assert mps == "MPs and MEPs"
    first = {k: int(v) for k, v in result.rounds[0].sections[mps].items()}
    assert first == {
        "Diane Abbott": 7,
        "Ed Balls": 40,
        "Andy Burnham": 24,
        "David Miliband": 111,
        "Ed Miliband": 84,
        "exhausted": 0,
    }
    last = {k: int(v) for k, v in result.rounds[-1].sections[mps].items()}
    assert last == {"David Miliband": 140, "Ed Miliband": 122, "exhausted": 4}
    assert result.elected == ["David Miliband"]
    outcome = leadership.ballot_outcome(
        params, election, rulebook="labour-2010", sections={n: election for n in names}
    )
    assert outcome.decision == "elected" and outcome.subject == "David Miliband"


# --------------------------------------------------------------------------- labour-2020


def test_labour_2020_carries_the_nec_stv_decision():
    """rulebooks.md §3: STV for the nine CLP seats from the NEC's decision of 30 June 2020;
    the 2020 quota was a tenth of the votes (Hagenbach-Bischoff, unrounded)."""
    book = load_rulebook("labour-2020")
    assert book.meta.effective_from == date(2020, 6, 30)
    nec = book.procedure("nec")
    assert (nec.method, nec.quota, nec.seats) == ("stv", "hagenbach-bischoff", 9)
    assert load_rulebook("labour-2018").procedure("nec").method == "block"
    assert [
        c.key
        for c in diff("labour-2018", "labour-2020")
        if c.section != "nec" or c.key not in ("source", "uncertain")
    ] == ["method", "quota", "stv_options.arithmetic"]
    assert book.origin("nec", "method").version == "labour-2020"


def test_labour_2021_is_unchanged_by_the_new_parent(tmp_path: Path):
    """labour-2021 now derives from labour-2020: rebuild it as it was (derived from
    labour-2018, carrying labour-2020's NEC amendments itself) and compare every rule and
    the organisation: moving the amendments into labour-2020 changes nothing. (Separately,
    the NEC ``uncertain`` note's first item was reworded to name labour-2020 as the first
    version with STV.)"""
    folder = shipped_folder()
    now_text = (folder / "labour-2021" / RULEBOOK_FILE).read_text("utf-8")
    own = tomllib.loads(now_text)["amendments"]
    moved = tomllib.loads((folder / "labour-2020" / RULEBOOK_FILE).read_text("utf-8"))
    assert {a["procedure"] for a in moved["amendments"]} == {"nec"}
    assert "organisation" not in moved
    old = tmp_path / "labour-2021"
    old.mkdir()
    nec_source = [a for a in own if a["procedure"] == "nec"]
    assert [a["key"] for a in nec_source] == ["source"]
    rebuilt = (
        [a for a in own if a["procedure"] != "nec"]
        + nec_source
        + [a for a in moved["amendments"] if a["key"] != "source"]
    )
    body = now_text.split("[[amendments]]", 1)[0].replace(
        'derived_from = "labour-2020"', 'derived_from = "labour-2018"'
    )
    (old / RULEBOOK_FILE).write_text(body + "".join(_toml_amendment(a) for a in rebuilt), "utf-8")
    changes = diff(load_rulebook(old), load_rulebook("labour-2021"))
    assert changes == []
    assert load_rulebook(old).params == load_rulebook("labour-2021").params


def _toml_amendment(a: dict) -> str:
    lines = ["\n[[amendments]]\n"]
    for key in ("procedure", "key", "value", "source", "note"):
        if key in a:
            lines.append(f"{key} = {_toml(a[key])}\n")
    return "".join(lines)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


# --------------------------------------------------------------------------- labour-2022


def test_labour_2022_conference_rules():
    """rulebooks.md §4: one-year rule reinstated at the 2022 conference, delegations capped
    at six, the three-year rule counted in conferences."""
    rc = load_rulebook("labour-2022").procedure("conference")
    assert rc.rule_changes.one_year_rule is True
    assert rc.rule_changes.three_year_unit == "conferences"
    assert rc.delegates.cap == 6
    assert [
        (c.section, c.key)
        for c in diff("labour-2021", "labour-2022")
        if c.key not in ("source", "uncertain")
    ] == [
        ("conference", "delegates.cap"),
        ("conference", "rule_changes.one_year_rule"),
        ("conference", "rule_changes.three_year_unit"),
    ]


@pytest.mark.parametrize(
    ("submitted_on", "rulebook", "expected"),
    [
        (date(2017, 3, 1), "labour-2015", 2018),  # one-year rule: debated the following year
        (date(2019, 3, 1), "labour-2018", 2019),  # abolished at the 2018 conference
        (date(2021, 3, 1), "labour-2020", 2021),  # no 2020 conference; 2021 debates 2021's
        (date(2022, 3, 1), "labour-2021", 2022),
        (date(2023, 3, 1), "labour-2022", 2024),  # reinstated at the 2022 conference
    ],
)
def test_rule_change_timetable_by_the_rulebook_in_force(submitted_on, rulebook, expected):
    """The rulebook in force on the day a proposal is submitted sets its conference."""
    assert in_force(submitted_on) == rulebook
    params = load_rulebook(rulebook).procedure("conference")
    out = conference.rule_change_timetable(params, submitted=submitted_on.year, rulebook=rulebook)
    assert out.decision == "scheduled"
    assert {f.name: f.value for f in out.figures}["conference"] == str(expected)


def test_delegate_cap_of_six_under_labour_2022():
    """Ch.3 Cl.I.1.B-C: one delegate for the first 749 members, one per further 250; no more
    than six from 2022. 3,000 members give 1 + ceil(2,251/250) = 11 before the cap."""
    for rid, expected in (("labour-2021", 11), ("labour-2022", 6)):
        out = conference.delegates(load_rulebook(rid).procedure("conference"), 3000)
        figures = {f.name: f.value for f in out.figures}
        assert str(expected) in " ".join(str(v) for v in figures.values()), (rid, figures)


def test_the_labour_timeline_has_no_gaps_or_overlaps():
    books = sorted(
        (
            b
            for b in list_rulebooks()
            if b.organisation == "Labour Party (UK)" and b.status == "adopted"
        ),
        key=lambda b: b.effective_from,
    )
    assert [b.id for b in books] == [
        "labour-2010",
        "labour-2014",
        "labour-2015",
        "labour-2017",
        "labour-2018",
        "labour-2020",
        "labour-2021",
        "labour-2022",
    ]
    for a, b in zip(books, books[1:], strict=False):
        assert (b.effective_from - a.effective_to).days == 1, (a.id, b.id)
    assert books[-1].effective_to is None
