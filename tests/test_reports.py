"""Tests of the result renderings: numbers, text, selectorate JSON, RCTab CSV, HTML.

The RCTab CSV renderer is checked twice against RCTab's own regression files
(``shared/conformance/rctab``, MPL-2.0, RCTab 2.0.0): once from results rebuilt
out of RCTab's expected JSON (so it tests the renderer alone), and once end to
end, from the contest config through our readers and RCTab-rule methods.
"""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from selectorate.counting.result import (
    EXHAUSTED,
    RESIDUAL_SURPLUS,
    Action,
    CountResult,
    Round,
    TieBreak,
)
from selectorate.formats.errors import BallotFileError
from selectorate.reports import numbers
from selectorate.reports.html import render_html
from selectorate.reports.native_json import load_result_json, render_native_json
from selectorate.reports.rctab_csv import (
    java_hashmap_order,
    java_string_hash,
    render_rctab_csv,
    render_rctab_csv_passes,
)
from selectorate.reports.text import render_text

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RCTAB = SHARED / "conformance" / "rctab"
needs_rctab = pytest.mark.skipif(not RCTAB.is_dir(), reason="shared/conformance/rctab is missing")

# ----------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (6, 14, "42.85%"),  # the examples of facts/rctab_conformance.md
        (1, 4, "25.0%"),
        (2, 27, "7.4%"),
        (0, 5, "0.0%"),
        (10, 10, "100.0%"),
        (342, 59463, "0.57%"),  # 2013 Minneapolis park board, write-ins
        (Fraction("8.0000"), 29, "27.58%"),
        (3, 0, ""),
    ],
)
def test_rctab_percent(part, whole, expected):
    assert numbers.rctab_percent(part, whole) == expected


def _java_percent(part: Fraction, whole: Fraction) -> str:
    """An independent model of RCTab's cell, with the decimal module playing BigDecimal."""
    ctx = Context(prec=7, rounding=ROUND_HALF_EVEN)
    quotient = ctx.divide(
        Decimal(part.numerator) * Decimal(whole.denominator),
        Decimal(part.denominator) * Decimal(whole.numerator),
    )
    hundredths = int(quotient.scaleb(4))  # int() truncates toward zero, like intValue()
    return repr(hundredths / 100.0) + "%"  # float only here, as Java's double


@given(
    st.integers(min_value=0, max_value=10**7),
    st.integers(min_value=1, max_value=10**7),
    st.sampled_from([1, 10_000]),
)
def test_rctab_percent_matches_a_bigdecimal_model(part, whole, scale):
    part = Fraction(min(part, whole * 3), scale)
    whole = Fraction(whole, scale)
    assert numbers.rctab_percent(part, whole) == _java_percent(part, whole)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(8), 4, "8"),
        (Fraction(22501, 10000), 4, "2.2501"),
        (Fraction(81, 20), 4, "4.0500"),
        (Fraction(1, 3), None, "0.3333"),
        (Fraction(2, 3), None, "0.6667"),
        (Fraction(5, 100000), None, "0.0000"),  # half to even: 0.00005 -> 0.0000
        (Fraction(15, 100000), None, "0.0002"),  # 0.00015 -> 0.0002
        (Fraction(-7, 2), None, "-3.5000"),
        (Fraction(12, 1), None, "12"),
    ],
)
def test_format_value(value, places, expected):
    assert numbers.format_value(value, places) == expected


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(6, 14, "42.85%"), (1, 4, "25.00%"), (2, 3, "66.66%"), (0, 9, "0.00%"), (1, 0, "")],
)
def test_percent_truncates(part, whole, expected):
    assert numbers.percent(part, whole) == expected


fractions_st = st.builds(
    Fraction, st.integers(min_value=-(10**9), max_value=10**9), st.integers(1, 10**6)
)


@given(fractions_st)
def test_exact_string_round_trips(value):
    text = numbers.exact_string(value)
    assert Fraction(text) == value
    assert ("/" in text) == (not numbers.is_finite_decimal(value))


@given(fractions_st, st.integers(min_value=0, max_value=8))
def test_fixed_rounds_half_even_like_decimal(value, places):
    ctx = Context(prec=80, rounding=ROUND_HALF_EVEN)
    quotient = ctx.divide(Decimal(value.numerator), Decimal(value.denominator))
    expected = quotient.quantize(Decimal(1).scaleb(-places), context=ctx)
    if expected == 0:
        expected = abs(expected)  # Decimal keeps a sign on zero; we print 0
    assert numbers.fixed(value, places) == format(expected, "f")


@pytest.mark.parametrize(
    ("value", "scale", "expected"),
    [(Fraction(8), 4, "8.0000"), (Fraction(8), 0, "8"), (Fraction(0), 4, "0.0000"),
     (Fraction(-7499, 10000), 4, "-0.7499"), (Fraction(81, 20), None, "4.05")],
)  # fmt: skip
def test_scaled_decimal(value, scale, expected):
    assert numbers.scaled_decimal(value, scale) == expected


# ----------------------------------------------------------------------------- sample results


def _sample_result() -> CountResult:
    """A small hand-made STV-like count with a fraction, a tie-break and a hostile name."""
    names = ["Ann <b>&</b>", 'Bob "B"', "Cy, Jr.", "Dee"]
    r1 = Round(
        number=1,
        tally={names[0]: Fraction(10), names[1]: Fraction(4), names[2]: Fraction(3),
               names[3]: Fraction(3)},
        threshold=Fraction(7),
        inactive={"overvotes": Fraction(0), "skippedRankings": Fraction(0),
                  "exhaustedChoices": Fraction(0), "repeatedRankings": Fraction(0)},
        actions=[Action("elected", names[0], {names[1]: Fraction(2), names[2]: Fraction(1, 3),
                                             EXHAUSTED: Fraction(2, 3)})],
    )  # fmt: skip
    r2 = Round(
        number=2,
        tally={names[0]: Fraction(7), names[1]: Fraction(6), names[2]: Fraction(10, 3),
               names[3]: Fraction(3)},
        threshold=Fraction(7),
        inactive={"overvotes": Fraction(0), "skippedRankings": Fraction(0),
                  "exhaustedChoices": Fraction(2, 3), "repeatedRankings": Fraction(0)},
        actions=[Action("eliminated", names[3], {names[1]: Fraction(1), EXHAUSTED: Fraction(2)})],
        tie_breaks=[TieBreak("elimination", (names[3],), names[3], "candidate order",
                             "Dee is latest in the candidate order")],
    )  # fmt: skip
    r3 = Round(
        number=3,
        tally={names[0]: Fraction(7), names[1]: Fraction(7), names[2]: Fraction(10, 3)},
        threshold=Fraction(7),
        inactive={"overvotes": Fraction(0), "skippedRankings": Fraction(0),
                  "exhaustedChoices": Fraction(8, 3), "repeatedRankings": Fraction(0)},
        actions=[Action("elected", names[1])],
    )  # fmt: skip
    return CountResult(
        method="example-stv",
        candidates=names,
        seats=2,
        elected=[names[0], names[1]],
        rounds=[r1, r2, r3],
        total_ballots=Fraction(21),
        undervotes=Fraction(1),
        title="Committee <election> & vote",
        options={"tiebreak": "candidate order", "share": Fraction(3, 20), "seats": 2},
        notes=["A note with <markup> & an ampersand."],
    )


def _multi_pass_result() -> CountResult:
    first = _sample_result()
    second = _sample_result()
    second.title = "second pass"
    top = CountResult(
        method="multi-pass-example",
        candidates=first.candidates,
        seats=2,
        elected=first.elected,
        rounds=[],
        total_ballots=first.total_ballots,
        passes=[first, second],
        title="Two passes",
    )
    return top


def _college_result() -> CountResult:
    """An electoral-college-like count: percentage tallies plus each section's own votes."""
    r1 = Round(
        number=1,
        tally={"Ann": Fraction(100, 3), "Bob": Fraction(200, 3)},
        threshold=Fraction(50),
        inactive={"exhaustedChoices": Fraction(0)},
        actions=[Action("elected", "Bob")],
    )
    r1.sections = {
        "MPs": {"Ann": Fraction(2), "Bob": Fraction(1), EXHAUSTED: Fraction(0)},
        "Members": {"Ann": Fraction(10), "Bob": Fraction(90), EXHAUSTED: Fraction(3)},
    }
    return CountResult(
        method="electoral-college",
        candidates=["Ann", "Bob"],
        seats=1,
        elected=["Bob"],
        rounds=[r1],
        total_ballots=Fraction(106),
    )


def test_weighted_sections_are_shown_and_kept():
    result = _college_result()
    sheet = render_text(result)
    assert "Section: MPs" in sheet and "Section: Members" in sheet
    assert "\n Total" not in sheet  # percentages and ballots are not added up
    page = render_html(result)
    assert "<caption>Section: Members</caption>" in page
    assert load_result_json(render_native_json(result)) == result


# ----------------------------------------------------------------------------- selectorate JSON


def test_native_json_round_trip():
    result = _sample_result()
    text = render_native_json(result)
    back = load_result_json(text)
    assert back == result
    assert render_native_json(back) == text


def test_native_json_round_trip_with_passes_and_path(tmp_path):
    result = _multi_pass_result()
    path = tmp_path / "result.json"
    path.write_text(render_native_json(result), encoding="utf-8")
    assert load_result_json(path) == result


def test_native_json_values_are_exact_strings():
    doc = json.loads(render_native_json(_sample_result()))
    assert doc["format"] == "selectorate-result" and doc["version"] == 1
    assert list(doc)[:2] == ["format", "version"]
    r2 = doc["rounds"][1]
    assert r2["tally"]["Cy, Jr."] == "10/3"  # no finite decimal: an exact fraction
    assert r2["tally"]['Bob "B"'] == "6"
    assert list(r2["tally"]) == ["Ann <b>&</b>", 'Bob "B"', "Cy, Jr.", "Dee"]
    assert doc["options"]["share"] == {"fraction": "0.15"}
    assert doc["total_ballots"] == "21"


def test_native_json_is_deterministic():
    assert render_native_json(_sample_result()) == render_native_json(_sample_result())


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "not JSON"),
        ('{"format": "other"}', "not a selectorate result"),
        ('{"format": "selectorate-result", "version": 9}', "unsupported result version 9"),
        ('{"format": "selectorate-result", "version": 1}', "missing key"),
    ],
)
def test_native_json_rejects_bad_documents(text, problem):
    with pytest.raises(BallotFileError, match=problem):
        load_result_json(text)


def test_native_json_rejects_inexact_numbers():
    doc = json.loads(render_native_json(_sample_result()))
    doc["rounds"][0]["tally"]["Dee"] = 3.5
    with pytest.raises(BallotFileError, match="expected an exact number"):
        load_result_json(json.dumps(doc))


# ----------------------------------------------------------------------------- text


def test_text_sheet_says_everything():
    sheet = render_text(_sample_result(), width=100)
    assert "Committee <election> & vote" in sheet
    assert 'tie for elimination between "Dee"; "Dee" chosen by candidate order' in sheet
    assert "(Dee is latest in the candidate order)" in " ".join(sheet.split())
    assert "Ann <b>&</b> elected with 10 (surplus 3); transferred:" in sheet
    assert "Cy, Jr. +0.3333" in sheet  # exact 1/3 shown to 4 places, half to even
    assert "Inactive: no further preference" in sheet
    assert "A note with <markup> & an ampersand." in sheet
    assert "\x1b[" not in sheet  # no colour codes
    assert all(len(line) <= 100 for line in sheet.splitlines())


def test_text_sheet_totals_account_for_every_ballot():
    sheet = render_text(_sample_result(), width=120)
    total = next(line for line in sheet.splitlines() if line.strip().startswith("Total"))
    assert total.split()[1:] == ["21", "21", "21"]


def test_text_sheet_is_deterministic_and_wraps_rounds():
    result = _sample_result()
    assert render_text(result, width=60) == render_text(result, width=60)
    narrow = render_text(result, width=40)
    assert "rounds 1-" in narrow  # the round table is split to fit the width


def test_text_sheet_of_a_multi_pass_count():
    sheet = render_text(_multi_pass_result())
    assert "Pass 1" in sheet and "Pass 2: second pass" in sheet


# ----------------------------------------------------------------------------- HTML


class _Checker(HTMLParser):
    """Collects tags and checks that non-void elements are balanced."""

    VOID = {"meta", "br", "img", "input", "link", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> after {self.stack[-3:]}"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_self_contained_accessible_and_escaped():
    page = render_html(_sample_result())
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.stack == ["html"] or checker.stack == []
    tags = [t for t, _ in checker.tags]
    assert "script" not in tags and "<b>" not in page  # the hostile name is escaped
    assert "Ann &lt;b&gt;&amp;&lt;/b&gt;" in page
    assert "caption" in tags
    scopes = {a.get("scope") for t, a in checker.tags if t == "th"}
    assert scopes == {"col", "row"}
    svg = next(a for t, a in checker.tags if t == "svg")
    assert svg["role"] == "img" and svg["aria-labelledby"] == "count-title count-desc"
    assert "title" in tags and "desc" in tags
    assert not re.search(r'(src|href)="https?:', page)  # no external assets
    assert 'Round 2: Dee eliminated → Bob "B" +1, no further preference +2' in "".join(checker.text)


def test_html_is_deterministic():
    assert render_html(_sample_result()) == render_html(_sample_result())
    assert render_html(_multi_pass_result()).count("<svg") == 2


# ----------------------------------------------------------------------------- RCTab CSV


def test_java_string_hash():
    assert java_string_hash("hello") == 99162322
    assert java_string_hash("") == 0
    assert java_string_hash("Undeclared Write-ins") == java_string_hash("Undeclared Write-ins")
    # A negative Java int, as unsigned: "polygenelubricants".hashCode() == Integer.MIN_VALUE
    assert java_string_hash("polygenelubricants") == 2**31


def test_java_hashmap_order_keeps_insertion_order_within_a_bucket():
    # "Aa" and "BB" have the same hashCode (2112), so they share a bucket.
    assert java_hashmap_order(["BB", "Aa"]) == ["BB", "Aa"]
    assert java_hashmap_order(["Aa", "BB"]) == ["Aa", "BB"]


@dataclass(slots=True)
class ScaledRound(Round):
    """A round carrying RCTab print scales, as the RCTab-rule methods produce."""

    tally_scale: dict[str, int] = field(default_factory=dict)
    inactive_scale: dict[str, int] = field(default_factory=dict)
    threshold_scale: int = 0


_MODES = {
    "singleWinnerMajority": "irv",
    "multiWinnerAllowMultipleWinnersPerRound": "stv-rctab",
    "multiWinnerAllowOnlyOneWinnerPerRound": "stv-rctab",
    "multiPassIrv": "multi-pass-irv",
    "bottomsUp": "bottoms-up",
    "bottomsUpUsingPercentageThreshold": "bottoms-up-percentage",
}


def _scale(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _result_from_rctab_json(report: Path, config: dict) -> CountResult:
    """A CountResult rebuilt from RCTab's expected JSON (tie marks taken from its CSV)."""
    doc = json.loads(report.read_text(encoding="utf-8"))
    rules = config["rules"]
    sheet = {r[0]: r for r in csv.reader(report.with_suffix(".csv").open(encoding="utf-8")) if r}
    tied: dict[int, list[str]] = {}
    for label in ("Eliminated", "Elected"):
        for i, cell in enumerate(sheet[label][1::3], start=1):
            tied.setdefault(i, []).extend(n[:-1] for n in cell.split("; ") if n.endswith("*"))
    order = [c["name"] for c in config["candidates"]] + ["Undeclared Write-ins"]
    rounds, residual, elected = [], Fraction(0), []
    for r in doc["results"]:
        rnd = ScaledRound(
            number=r["round"],
            tally={k: Fraction(r["tally"][k]) for k in order if k in r["tally"]},
            threshold=Fraction(r["threshold"]),
            inactive={k: Fraction(v) for k, v in r["inactiveBallots"].items()},
            residual_surplus=residual,
            tally_scale={k: _scale(v) for k, v in r["tally"].items()},
            inactive_scale={k: _scale(v) for k, v in r["inactiveBallots"].items()},
            threshold_scale=_scale(r["threshold"]),
        )
        for a in r["tallyResults"]:
            kind = "elected" if "elected" in a else "eliminated"
            transfers = {k: Fraction(v) for k, v in a["transfers"].items()}
            residual += transfers.get(RESIDUAL_SURPLUS, Fraction(0))
            rnd.actions.append(Action(kind, a[kind], transfers))
            if kind == "elected":
                elected.append(a[kind])
        rnd.tie_breaks = [
            TieBreak("?", (n,), n, "as in the expected file") for n in tied[r["round"]]
        ]
        rounds.append(rnd)
    method = _MODES[rules["winnerElectionMode"]]
    options: dict[str, object] = {
        "first_round_determines_threshold": rules.get("doesFirstRoundDetermineThreshold", False)
    }
    if method == "bottoms-up-percentage":
        options["bottoms_up_percentage"] = (
            Fraction(rules["multiSeatBottomsUpPercentageThreshold"]) / 100
        )
    return CountResult(
        method=method,
        candidates=list(rounds[0].tally),
        seats=1 if method == "multi-pass-irv" else int(rules["numberOfWinners"] or 0),
        elected=elected,
        rounds=rounds,
        total_ballots=Fraction(doc["summary"]["totalNumBallots"]),
        undervotes=Fraction(doc["summary"]["undervotes"]),
        decimal_places=int(rules.get("decimalPlacesForVoteArithmetic") or 4),
        options=options,
    )


def _expected_reports() -> list[Path]:
    if not RCTAB.is_dir():
        return []
    return sorted(RCTAB.glob("*/*_expected_detailed_report.csv"))


@needs_rctab
@pytest.mark.parametrize("expected", _expected_reports(), ids=lambda p: p.stem)
def test_rctab_csv_layout_matches_rctab_byte_for_byte(expected):
    config = json.loads(next(expected.parent.glob("*_config.json")).read_text(encoding="utf-8"))
    result = _result_from_rctab_json(expected.with_suffix(".json"), config)
    passes = result.method == "multi-pass-irv"
    text = render_rctab_csv(
        result,
        config["outputSettings"],
        generated_by="RCTab 2.0.0",
        single_winner=False if passes else None,
        uses_surpluses=False if passes else None,
        percent_of_current_round=False if passes else None,
    )
    assert text == expected.read_text(encoding="utf-8")


@needs_rctab
def test_rctab_summary_report_leaves_out_inactive_causes():
    folder = RCTAB / "2024_alaska_dominion"
    config = json.loads((folder / "2024_alaska_dominion_config.json").read_text(encoding="utf-8"))
    report = folder / "2024_alaska_dominion_expected_detailed_report.json"
    result = _result_from_rctab_json(report, config)
    text = render_rctab_csv(
        result, config["outputSettings"], generated_by="RCTab 2.0.0", summary_only=True
    )
    expected = (folder / "2024_alaska_dominion_expected_summary_report.csv").read_text("utf-8")
    assert text == expected


def test_rctab_csv_quotes_like_commons_csv():
    result = _sample_result()
    text = render_rctab_csv(result, {"contestName": '#1, "best"'}, generated_by="x")
    assert 'Contest,"#1, ""best"""\n' in text
    assert '\n"Cy, Jr.",' in text
    assert "\nAnn <b>&</b>," in text


def test_rctab_csv_passes_gives_one_report_per_pass():
    reports = render_rctab_csv_passes(_multi_pass_result(), generated_by="x")
    assert len(reports) == 2 and all("Type of Election,Multi-Winner" in r for r in reports)
    with pytest.raises(ValueError, match="render each of its passes"):
        render_rctab_csv(_multi_pass_result())


# End to end: contest config -> readers -> RCTab-rule method -> CSV. A case we do
# not match yet is listed here with the reason; it is skipped only while it differs.
KNOWN_MISMATCHES = {
    "2024_alaska_dominion": (
        "reading: our Dominion reader finds 197 ballots (38 blank) in partial_cvr where "
        "RCTab counts 124 (8 blank)"
    ),
    "continue_until_two_with_batch_elimination_test": (
        "counting: after the winner is found, continueUntilTwoCandidatesRemain keeps "
        "recomputing the threshold (51, 51, 46, 39) where RCTab keeps 51"
    ),
}
SLOW_CASES = {"2013_minneapolis_mayor_scale": "1.04 million ballots (set SELECTORATE_SLOW=1)"}


def _conformance_cases() -> list[tuple[str, Path, list[Path]]]:
    if not (RCTAB / "rctab_cases.json").is_file():
        return []
    cases = json.loads((RCTAB / "rctab_cases.json").read_text(encoding="utf-8"))["cases"]
    out = []
    for case in cases:
        expected = sorted(
            RCTAB / f
            for f in case["expected_files"]
            if f.endswith("_expected_detailed_report.csv") and "Tabulate by" not in f
        )
        if expected and case["configs"] and not case.get("cvr_inputs_absent_in_snapshot"):
            out.append((case["case"], RCTAB / case["configs"][0], expected))
    return out


@needs_rctab
@pytest.mark.parametrize(
    ("name", "config", "expected"),
    _conformance_cases(),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_rctab_csv_end_to_end(name, config, expected):
    if name in SLOW_CASES and not os.environ.get("SELECTORATE_SLOW"):
        pytest.skip(SLOW_CASES[name])
    rctab = pytest.importorskip("selectorate.formats.rctab")
    from selectorate.counting import registry

    try:
        contest = rctab.load_contest(config)
    except NotImplementedError as exc:
        pytest.skip(f"reader not written yet: {exc}")
    result = registry.count(contest.method, contest.election, **contest.options)
    reports = render_rctab_csv_passes(result, contest.output, generated_by="RCTab 2.0.0")
    wanted = [p.read_text(encoding="utf-8") for p in expected]
    if reports != wanted and name in KNOWN_MISMATCHES:
        pytest.skip(KNOWN_MISMATCHES[name])
    assert reports == wanted


# ----------------------------------------------------------------------------- rules line


def _stv_options_result() -> CountResult:
    result = _sample_result()
    result.method = "scottish-stv"
    result.options = {
        "seats": 2,
        "seed": 42,
        "minimums": [{"name": "women", "minimum": 2, "members": ["Ann", "Beth", "Cara"]}],
        "withdrawals": {10: ["Zed"], 3: ["Dee", "Eve"]},
    }
    return result


def test_rules_line_is_readable_and_leaves_out_defaults():
    sheet = render_text(_stv_options_result(), width=100)
    lines = [" ".join(line.split()) for line in sheet.splitlines()]
    assert "Rules seed=42" in lines
    assert "Minimum women: at least 2 of Ann, Beth, Cara" in lines
    stages = [line for line in lines if line.startswith("Withdrawn")]
    assert stages == ["Withdrawn stage 3: Dee, Eve", "Withdrawn stage 10: Zed"]
    assert "{'name'" not in sheet and "seats=" not in sheet
    assert render_text(_stv_options_result()) == render_text(_stv_options_result())


def test_rules_line_of_an_rctab_count_shows_only_what_differs_from_the_defaults():
    result = _sample_result()
    result.method = "irv"
    result.options = {"seats": 1, "overvote_rule": "exhaustImmediately", "batch_elimination": False,
                      "tiebreak_mode": "random", "random_seed": 7, "max_rankings": None}
    sheet = render_text(result, width=100)
    rules = [" ".join(line.split()) for line in sheet.splitlines() if line.startswith("Rules")]
    assert rules == ["Rules random_seed=7, tiebreak_mode=random"]


def test_html_rules_are_readable():
    page = render_html(_stv_options_result())
    assert "<dt>Minimum</dt><dd>women: at least 2 of Ann, Beth, Cara</dd>" in page
    assert "<dt>Withdrawn</dt><dd>stage 3: Dee, Eve</dd>" in page
    assert "{&#x27;name" not in page and "seats=" not in page
