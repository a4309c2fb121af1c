"""``selectorate whip rebels`` (issue 7): the JSON shape, the 29 January 2019 facts, errors.

Facts: ``shared/facts/divisions.md`` §3–§4 (sources cited per test); records:
``shared/conformance/divisions/`` (Open Parliament Licence v3.0).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import selectorate
from selectorate.cli import app

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
LDA = SHARED / "conformance" / "divisions" / "lda_2019"
CV = SHARED / "conformance" / "divisions" / "commonsvotes_2019"
needs_data = pytest.mark.skipif(
    not LDA.is_dir() or not CV.is_dir(), reason="shared/conformance/divisions is missing"
)
WHIPS = Path(selectorate.__file__).parent / "data" / "whips" / "2019-01-29.csv"
# facts/divisions.md §4: the LDA ids of divisions 307–313 (29 January 2019).
JAN29 = ["1050638", "1050639", "1050640", "1050641", "1050642", "1050644", "1050712"]

runner = CliRunner()


def _files() -> list[str]:
    return [str(LDA / f"{i}.csv") for i in JAN29]


def _run(*args: str):
    return runner.invoke(app, ["whip", "rebels", *args])


@needs_data
def test_json_reproduces_the_29_january_facts():
    """facts/divisions.md §4: Labour's declared whips; seven Labour MPs for Brady (n),
    14 against Cooper (b) (LabourList), four against the abstain whip on (o) (BrexitCentral)."""
    result = _run(*_files(), "--party", "Labour", "--whip", str(WHIPS), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["divisions", "members"]
    divisions = {d["number"]: d for d in data["divisions"]}
    assert [d["number"] for d in data["divisions"]] == [307, 308, 309, 310, 311, 312, 313]
    for d in data["divisions"]:
        assert list(d) == ["number", "date", "title", "whip", "rebels", "absent"]
        assert list(d["whip"]) == ["direction", "basis", "source"]
        assert d["date"] == "2019-01-29" and d["whip"]["basis"] == "declared"
        assert d["absent"] is None  # linked data lists no non-voters
        assert all(list(r) == ["name", "vote"] for r in d["rebels"])
    brady = divisions[313]
    assert brady["whip"]["direction"] == "no"
    assert sorted(r["name"] for r in brady["rebels"]) == [
        "Graham Stringer", "Ian Austin", "Jim Fitzpatrick", "John Mann", "Kate Hoey",
        "Mr Roger Godsiff", "Sir Kevin Barron",
    ]  # fmt: skip
    assert {r["vote"] for r in brady["rebels"]} == {"aye"}
    assert len(divisions[310]["rebels"]) == 14
    snp = divisions[308]
    assert snp["whip"]["direction"] == "abstain"
    assert sorted((r["name"], r["vote"]) for r in snp["rebels"]) == [
        ("Graham Stringer", "no"), ("Jim Fitzpatrick", "no"), ("Kate Hoey", "no"),
        ("Paul Farrelly", "aye"),
    ]  # fmt: skip
    members = data["members"]
    assert all(list(m) == ["name", "rebellions", "votes_cast", "absences"] for m in members)
    assert [m["name"] for m in members[:3]] == ["Graham Stringer", "Jim Fitzpatrick", "Kate Hoey"]
    order = [(-m["rebellions"], m["name"].lower()) for m in members]
    assert order == sorted(order, key=lambda o: o[0])  # rebellions first, most first
    assert sum(m["rebellions"] for m in members) == sum(
        len(d["rebels"]) for d in data["divisions"]
    )


@needs_data
def test_without_a_whip_file_the_whips_are_inferred():
    """facts/divisions.md §3 pitfall 1: majority inference marks only Paul Farrelly on (o)."""
    result = _run(*_files(), "--party", "Labour", "-f", "json")
    data = json.loads(result.output)
    snp = next(d for d in data["divisions"] if d["number"] == 308)
    assert snp["whip"]["basis"] == "inferred" and snp["whip"]["direction"] == "no"
    assert [r["name"] for r in snp["rebels"]] == ["Paul Farrelly"]


@needs_data
def test_output_is_deterministic_and_ignores_file_order():
    args = ("--party", "Labour", "--whip", str(WHIPS), "-f", "json")
    first = _run(*_files(), *args)
    again = _run(*reversed(_files()), *args)
    assert first.exit_code == again.exit_code == 0
    assert first.output == again.output


@needs_data
def test_text_output():
    result = _run(*_files(), "--party", "Labour", "--whip", str(WHIPS))
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Whip record: Labour, 7 divisions, 2019-01-29")
    for heading in ("Divisions", "Rebels", "Members of Labour", "Whips"):
        assert heading in out
    assert "Mr Roger Godsiff" in out and "abstain" in out
    assert "licensed under the Open Parliament Licence v3.0" in out
    assert "0 of 7 records list non-voters" in out


@needs_data
def test_one_division_from_both_exports_is_read_once():
    """Division 386 (27 Mar 2019) in both folders: one record, absentees from Commons Votes."""
    result = _run(str(CV / "Division655.csv"), str(LDA / "1105521.csv"), "-p", "Labour",
                  "-f", "json")  # fmt: skip
    data = json.loads(result.output)
    assert [d["number"] for d in data["divisions"]] == [386]
    assert isinstance(data["divisions"][0]["absent"], list)
    assert all(m["absences"] <= 1 for m in data["members"])


@needs_data
def test_a_folder_stands_for_its_files():
    result = _run(str(CV), "--party", "SNP", "-f", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["divisions"]) == 16


def test_help():
    result = runner.invoke(app, ["whip", "rebels", "--help"])
    assert result.exit_code == 0
    for option in ("--party", "--whip", "--format", "--alias", "FILE"):
        assert option in result.output
    assert "whip" in runner.invoke(app, ["--help"]).output


def test_errors_are_one_line(tmp_path):
    missing = _run(str(tmp_path / "nope.csv"), "--party", "Labour")
    assert missing.exit_code == 1
    assert missing.output.strip() == f"error: {tmp_path / 'nope.csv'}: no such file"

    bad = tmp_path / "bad.csv"
    bad.write_text("Division Number: 1\nDivision Date: 01/02/2019\n\nT\n"
                   "Member,Party,Constituency,Vote\n\"A\",\"Labour\",\"X\",\"Perhaps\"\n",
                   encoding="utf-8")  # fmt: skip
    result = _run(str(bad), "--party", "Labour")
    assert result.exit_code == 1
    assert result.output.strip().startswith(f"error: {bad}:6: vote 'Perhaps' is not Aye")

    good = tmp_path / "good.csv"
    good.write_text("Division Number: 1\nDivision Date: 01/02/2019\n\nT\n"
                    "Member,Party,Constituency,Vote\n\"A\",\"Labour\",\"X\",\"Aye\"\n",
                    encoding="utf-8")  # fmt: skip
    unknown = _run(str(good), "--party", "Whig")
    assert unknown.exit_code == 2 and "no member of that party" in unknown.output
    alias = _run(str(good), "--party", "Labour", "--alias", "nonsense")
    assert alias.exit_code == 2 and "expected LABEL=PARTY" in alias.output

    whips = tmp_path / "whips.csv"
    whips.write_text("date,division,party,whip,source\n2019-02-01,1,Labour,sideways,x\n",
                     encoding="utf-8")  # fmt: skip
    result = _run(str(good), "--party", "Labour", "--whip", str(whips))
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: {whips}:2: whip 'sideways' is not aye, no, abstain or free"
    )
    assert _run(str(good), "--party", "Labour").exit_code == 0
