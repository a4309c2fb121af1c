"""Round-by-round conformance with RCTab's own regression suite.

Every tabulation case of ``shared/conformance/rctab/rctab_cases.json`` (RCTab
snapshot 2167c240) is loaded with :func:`selectorate.formats.rctab.load_contest`,
counted through the registry and rendered with :func:`render_rctab_json`; each
pass's detailed report is then compared with RCTab's expected file:

1. as values: every round's tally, tallyResults (who was elected/eliminated,
   in order, and every transfer), threshold and inactive ballots by cause, and
   the summary, all as :class:`~decimal.Decimal`;
2. as RCTab prints them: the same strings ("8" versus "8.0000");
3. byte for byte (Jackson's layout), ``generatedBy`` aside.

Cases that must fail (a CVR breaking the config's limits, invalid configs) are
checked to fail with a clear message. Not covered: the per-precinct and
per-batch "slice" reports (``Tabulate by Precinct/``, ``Tabulate by Batch/``)
and the slice-only failure case ``tabulate_by_precinct_without_precincts``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from selectorate.counting import registry
from selectorate.reports.rctab_json import render_rctab_json_passes

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ROOT = SHARED / "conformance" / "rctab"
INDEX = ROOT / "rctab_cases.json"

#: Counting cases we do not match, with the precise reason (goal: empty).
SKIP: dict[str, str] = {}

#: Cases that RCTab rejects; loading or counting them must raise.
MUST_FAIL = {
    "max_ranking_enforcement": "a CVR ranks a choice above maxRankingsAllowed",
    "invalid_params_test": "the config's rules are invalid",
    "invalid_sources_test": "the config's CVR sources are invalid",
}

#: Not counting cases (or only checking slice reports / conversions).
NOT_COVERED = {
    "tabulate_by_precinct_without_precincts": "slice (tabulate by precinct) reports not covered",
    "sample_interactive_tiebreak": "sample config only; RCTab's tests do not run it",
    "invalid_output_directory": "output-directory security check, no count",
    "conversions_from_cdf": "CVR conversion case, no count",
    "conversions_from_dominion": "CVR conversion case, no count",
    "conversions_from_ess": "CVR conversion case, no count",
}


def _cases() -> list[dict]:
    if not INDEX.exists():
        return []
    return json.loads(INDEX.read_text())["cases"]


def _expected_reports(case: dict) -> list[str]:
    return sorted(
        f
        for f in case["expected_files"]
        if f.endswith("_expected_detailed_report.json") and "Tabulate by" not in f
    )


def _params() -> list:
    params = []
    for case in _cases():
        name = case["case"]
        reports = _expected_reports(case)
        if not reports or name in MUST_FAIL or name in NOT_COVERED:
            continue
        for number, report in enumerate(reports, start=1):
            marks = []
            if name in SKIP:
                marks.append(pytest.mark.skip(reason=SKIP[name]))
            if case["cvr_inputs_absent_in_snapshot"]:
                missing = ", ".join(case["cvr_inputs_absent_in_snapshot"])
                marks.append(pytest.mark.skip(reason=f"CVR absent from the snapshot: {missing}"))
            label = name if len(reports) == 1 else f"{name}-pass{number}"
            params.append(pytest.param(case, number - 1, report, id=label, marks=marks))
    return params


_counted: dict[str, list[str]] = {}


def _reports_for(case: dict) -> list[str]:
    """Load, count and render one case (once per test session)."""
    name = case["case"]
    if name not in _counted:
        load_contest = pytest.importorskip("selectorate.formats.rctab").load_contest
        contest = load_contest(ROOT / case["configs"][0])
        result = registry.count(contest.method, contest.election, **contest.options)
        _counted[name] = render_rctab_json_passes(result, contest.output)
    return _counted[name]


def _decimals(value: object) -> object:
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def _compare_round(got: dict, want: dict) -> list[str]:
    problems = []
    r = want["round"]
    for key in ("tally", "threshold", "inactiveBallots", "tallyResults"):
        g, w = _decimals(got.get(key)), _decimals(want.get(key))
        if g != w:
            problems.append(f"round {r} {key}: got {g}, want {w}")
        elif got.get(key) != want.get(key):
            problems.append(
                f"round {r} {key} printed differently: {got.get(key)} vs {want.get(key)}"
            )
    return problems


@pytest.mark.skipif(not INDEX.exists(), reason=f"conformance data missing: {INDEX}")
@pytest.mark.parametrize(("case", "pass_index", "report"), _params())
def test_matches_rctab_round_by_round(case: dict, pass_index: int, report: str) -> None:
    reports = _reports_for(case)
    assert len(reports) == len(_expected_reports(case)), "wrong number of passes"
    got_text = reports[pass_index]
    want_text = (ROOT / report).read_text(encoding="utf-8")
    got, want = json.loads(got_text), json.loads(want_text)
    problems = []
    if len(got["results"]) != len(want["results"]):
        problems.append(f"{len(got['results'])} rounds, RCTab has {len(want['results'])}")
    for g, w in zip(got["results"], want["results"], strict=False):
        problems.extend(_compare_round(g, w))
    if _decimals(got["summary"]) != _decimals(want["summary"]):
        problems.append(f"summary: got {got['summary']}, want {want['summary']}")
    for key in ("contest", "date", "jurisdiction", "office"):
        if got["config"][key] != want["config"][key]:
            problems.append(
                f"config {key}: got {got['config'][key]!r}, want {want['config'][key]!r}"
            )
    assert not problems, "\n".join(problems[:20])
    # Byte for byte, with the producer's name set aside.
    got_text = got_text.replace(got["config"]["generatedBy"], "<generatedBy>")
    want_text = want_text.replace(want["config"]["generatedBy"], "<generatedBy>")
    assert got_text.rstrip("\n") == want_text.rstrip("\n")


def _must_fail_params() -> list:
    return [pytest.param(case, id=case["case"]) for case in _cases() if case["case"] in MUST_FAIL]


@pytest.mark.skipif(not INDEX.exists(), reason=f"conformance data missing: {INDEX}")
@pytest.mark.parametrize("case", _must_fail_params())
def test_rejected_cases_fail_clearly(case: dict) -> None:
    load_contest = pytest.importorskip("selectorate.formats.rctab").load_contest
    with pytest.raises((ValueError, OSError)) as caught:
        contest = load_contest(ROOT / case["configs"][0])
        registry.count(contest.method, contest.election, **contest.options)
    message = str(caught.value)
    assert message and "\n" not in message.strip(), message
