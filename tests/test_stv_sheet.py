"""Tests of the STV renderings: the classic stage sheet (text and HTML), RCTab JSON
of an STV count (one result per stage), and selectorate's JSON round trip."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest
from stv_toy import TOY_BALLOTS, TOY_NAMES, election_of, toy_stv

from selectorate.counting import registry
from selectorate.counting.result import Action
from selectorate.counting.stv_rules import GroupMinimum
from selectorate.formats.detect import read_ballots
from selectorate.reports.html import render_html
from selectorate.reports.native_json import load_result_json, render_native_json
from selectorate.reports.rctab_json import rctab_json_document, render_rctab_json
from selectorate.reports.stv_sheet import (
    is_stv_result,
    render_stv_sheet,
    stage_heading,
    stv_sheet_lines,
)
from selectorate.reports.text import render_text

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
WARD = (
    SHARED / "conformance" / "stv" / "scotland" / "ballots_blt_mggg_scot_elex" / "blt_files"
    / "5_cands" / "edinburgh_2017_ward3.blt"
)  # fmt: skip
STV_METHODS = ["scottish-stv", "wigm", "ers97", "irish", "meek", "meek-nz", "warren", "meek-droop"]


def _toy():
    return toy_stv(election_of(TOY_NAMES, TOY_BALLOTS, 3))


def _row(lines: list[str], label: str) -> list[str]:
    line = next(line for line in lines if line.startswith(label))
    return line[len(label) :].split()


# ----------------------------------------------------------------------------- text


def test_the_sheet_has_stages_transfers_totals_and_quota():
    lines = stv_sheet_lines(_toy(), width=200)
    assert lines[0].split() == [
        "Stage",
        "1",
        "Stage",
        "2",
        "Stage",
        "3",
        "Stage",
        "4",
        "Stage",
        "5",
    ]
    heads = " ".join(lines[1].split())
    assert heads == (
        "First preferences Surplus of Ann Surplus of Bob Exclusion of Eve Exclusion of Dee"
    )
    assert lines[2].split() == ["Candidate", "Votes"] + ["Transfer", "Total"] * 4
    assert _row(lines, "Ann") == ["40", "(E)", "-18", "22", "22", "22", "22"]
    assert _row(lines, "Eve") == ["10", "10", "10", "(X)", "-10", "-", "-"]
    assert _row(lines, "Dee") == ["9", "9", "+1.6471", "10.6471", "+6", "16.6471", "(X)",
                                  "-16.6471", "-"]  # fmt: skip
    assert _row(lines, "Non-transferable papers") == [
        "0", "+0.9000", "0.9000", "0.9000", "+4", "4.9000", "+7.6471", "12.5471",
    ]  # fmt: skip
    assert _row(lines, "Totals") == ["85", "0", "85", "0", "85", "0", "85", "0", "85"]
    assert _row(lines, "Quota") == ["22"] * 5


def test_the_sheet_fits_the_width_and_splits_the_stages():
    result = _toy()
    sheet = render_stv_sheet(result, width=100)
    assert all(len(line) <= 100 for line in sheet.splitlines())
    assert "Stages 1-3" in sheet and "Stages 4-5" in sheet
    assert "Blank papers (not valid, not counted): 1" in sheet
    assert "Valid vote: 85" in sheet and "Elected: Ann, Bob, Cy" in sheet
    assert render_stv_sheet(result, width=100) == sheet  # deterministic


def test_render_text_uses_the_stage_sheet_for_stv_rules_only():
    result = _toy()
    assert is_stv_result(result)
    sheet = render_text(result, width=100)
    assert "Votes by stage" in sheet and "Exclusion of Eve" in sheet
    assert "Votes by round" not in sheet
    result.method = "irv"
    assert not is_stv_result(result)
    assert "Votes by round" in render_text(result, width=100)


def test_stage_headings_name_rule_exclusions_and_merged_actions():
    result = _toy()
    result.rounds[2].actions.insert(0, Action("excluded", "Cy", {}))
    assert stage_heading(result, 3) == "Exclusion of Cy (rule); Exclusion of Eve"
    assert stage_heading(result, 0) == "First preferences"


def test_ron_seat_is_marked_unfilled():
    result = _toy()
    last = result.rounds[-1]
    last.actions = [Action("unfilled", "Cy")]
    result.elected.remove("Cy")
    assert _row(stv_sheet_lines(result, 200), "Cy")[-2:] == ["28.4529", "(U)"]


# ----------------------------------------------------------------------------- HTML


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.classes: list[str] = []
        self.colspans: list[str] = []
        self.titles: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.classes.append(a.get("class") or "")
        if tag == "th" and "colspan" in a:
            self.colspans.append(a["colspan"])
        self._in_title = tag == "title"

    def handle_data(self, data):
        if self._in_title:
            self.titles.append(data)
            self._in_title = False


def test_html_has_the_stage_table_and_a_chart_of_the_transfers():
    result = _toy()
    page = render_html(result)
    parser = _Tables()
    parser.feed(page)
    assert "stv-sheet" in parser.classes
    assert parser.colspans.count("2") == 2 * 4  # stage and heading cells of stages 2-5
    assert "Transfers at each stage, by recipient" in parser.titles
    assert "Stage 2: surplus of Ann: Bob 13.5000, Cy 3.6000, non-transferable 0.9000." in page
    assert "Votes at each stage" in page
    assert render_html(result) == page


def test_html_escapes_names_in_the_stage_table():
    names = ["Ann <b>", 'Bob "B"', "Cy & co", "Dee", "Eve"]
    renamed = [(w, [names[TOY_NAMES.index(n)] for n in r]) for w, r in TOY_BALLOTS]
    page = render_html(toy_stv(election_of(names, renamed, 3)))
    assert "Ann <b>" not in page and "Ann &lt;b&gt;" in page
    assert "Surplus of Ann &lt;b&gt;" in page


# ----------------------------------------------------------------------------- RCTab JSON


def test_rctab_json_has_one_result_per_stage_with_every_total():
    result = _toy()
    doc = rctab_json_document(result, {"contestName": "Toy"})
    assert [r["round"] for r in doc["results"]] == [1, 2, 3, 4, 5]
    for entry, rnd in zip(doc["results"], result.rounds, strict=True):
        assert list(entry["tally"]) == list(rnd.tally)
        for name, value in entry["tally"].items():
            assert abs(Decimal(value) - Decimal(rnd.tally[name].numerator)
                       / Decimal(rnd.tally[name].denominator)) < Decimal("0.00005")  # fmt: skip
    first = doc["results"][0]["tallyResults"]
    assert first[0]["elected"] == "Ann"  # elected and surplus at stage 1: one entry
    assert first[0]["transfers"] == {"Bob": "13.5", "Cy": "3.6", "exhausted": "0.9"}
    assert doc["results"][2]["tallyResults"] == [
        {"eliminated": "Eve", "transfers": {"Dee": "6", "exhausted": "4"}}
    ]
    assert render_rctab_json(result, {}).count('"round"') == 5


def test_rctab_json_of_a_real_stv_count_is_exact():
    if "scottish-stv" not in registry.names() or not WARD.exists():
        pytest.skip("scottish-stv or the Edinburgh ward is missing")
    result = registry.count("scottish-stv", read_ballots(WARD))
    doc = json.loads(render_rctab_json(result, {}))
    for entry, rnd in zip(doc["results"], result.rounds, strict=True):
        assert {k: Fraction(v) for k, v in entry["tally"].items()} == rnd.tally
    moved = doc["results"][0]["tallyResults"][0]
    assert moved["elected"] == "Robert Christopher ALDRIDGE (LD)"
    assert moved["transfers"]["residual surplus"] == "0.01016"


# ----------------------------------------------------------------------------- native JSON


def _options(method: str) -> list[dict]:
    rulebook = {
        "seed": "published phrase",
        "ron": "Claire BRIDGMAN (SNP)",
        "minimums": (
            GroupMinimum("left", frozenset({"Karen Ann KEIL (Lab)", "Phyl MEYER (Grn)"}), 1),
        ),
        "withdrawals": {2: ("Mark BROWN (C)",)},
    }
    return [{}, rulebook]


@pytest.mark.parametrize("method", STV_METHODS)
def test_native_json_round_trips_stv_results(method):
    if method not in registry.names():
        pytest.skip(f"{method} is not registered yet")
    if not WARD.exists():
        pytest.skip(f"{WARD} is missing")
    election = read_ballots(WARD)
    for options in _options(method):
        result = registry.count(method, election, **options)
        text = render_native_json(result)
        back = load_result_json(text)
        assert back == result
        assert render_native_json(back) == text


def test_native_json_round_trips_the_toy():
    result = _toy()
    assert load_result_json(render_native_json(result)) == result
