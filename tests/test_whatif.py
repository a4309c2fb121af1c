"""What-if replays against the published record (shared/facts/labour_history.json).

The 2015 leadership nominations closed on 15 June 2015 with 232 Labour MPs
and a threshold of 35 (15%, rounded up; New Statesman "who nominated who",
June 2015). Burnham 68 and Corbyn 36 are sourced (New Statesman; Guardian
15 Jun 2015); Cooper 59 and Kendall 41 are flagged UNVERIFIED in the facts
file, but the four sum to 204 = 232 − 28 non-nominators. Under 5/10/15/20%
the thresholds are 12/24/35/47.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selectorate.cli import app
from selectorate.rulebooks import whatif

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
HISTORY = SHARED / "facts" / "labour_history.json"

pytestmark = pytest.mark.skipif(
    not HISTORY.is_file(), reason=f"{HISTORY} is missing (shared facts not checked out)"
)


@pytest.fixture(scope="module")
def records() -> dict[str, whatif.HistoryRecord]:
    return whatif.load_history(HISTORY)


@pytest.fixture(scope="module")
def published() -> dict[str, object]:
    data = json.loads(HISTORY.read_text(encoding="utf-8"))
    return next(e for e in data["labour_leadership_elections"] if e["id"] == "lab-leader-2015")


@pytest.fixture(scope="module")
def nominations_2015(records: dict[str, whatif.HistoryRecord]) -> whatif.WhatIf:
    scenarios = whatif.scenarios_varying(
        "labour-2014", "leadership", "vacancy.parliamentary.rate", ["5%", "10%", "15%", "20%"]
    )
    return whatif.replay(records["lab-leader-2015"], scenarios)


def test_record_matches_published_counts(records: dict, published: dict) -> None:
    rec = records["lab-leader-2015"].record
    counts = {n["candidate"]: n["count"] for n in published["nominations"]["plp"]}
    for nominee in rec.candidates:
        assert nominee.mps == counts[nominee.name]
    assert rec.pools.mps == published["nomination_rule"]["stage1"]["pool_size"] == 232


THRESHOLDS = {"5%": 12, "10%": 24, "15%": 35, "20%": 47}

#: (candidate, nominations, {threshold: on the ballot?})
EXPECTED = [
    ("Andy Burnham", 68, {"5%": True, "10%": True, "15%": True, "20%": True}),
    ("Yvette Cooper", 59, {"5%": True, "10%": True, "15%": True, "20%": True}),
    ("Liz Kendall", 41, {"5%": True, "10%": True, "15%": True, "20%": False}),
    ("Jeremy Corbyn", 36, {"5%": True, "10%": True, "15%": True, "20%": False}),
]


@pytest.mark.parametrize(("name", "count", "on"), EXPECTED)
@pytest.mark.parametrize("rate", list(THRESHOLDS))
def test_2015_nominations_under_thresholds(nominations_2015: whatif.WhatIf, name: str,
                                           count: int, on: dict, rate: str) -> None:  # fmt: skip
    cell = nominations_2015.cell(rate, name)
    assert cell.decision == ("nominated" if on[rate] else "not_nominated")
    assert cell.have == str(count)
    assert cell.needed == str(THRESHOLDS[rate])
    assert cell.margin == count - THRESHOLDS[rate]


def test_2015_published_threshold_is_the_15_percent_column(
    nominations_2015: whatif.WhatIf, published: dict
) -> None:
    headline = dict(nominations_2015.headlines)["MP nominations needed"]
    assert headline == ["12", "24", "35", "47"]
    assert headline[2] == str(published["nomination_rule"]["stage1"]["threshold"])
    # Corbyn cleared the real threshold by one nomination
    assert nominations_2015.cell("15%", "Jeremy Corbyn").margin == 1
    assert dict(nominations_2015.headlines)["on the ballot"] == ["4", "4", "4", "2"]


def test_creagh_withdrew_in_every_scenario(nominations_2015: whatif.WhatIf) -> None:
    assert {nominations_2015.cell(r, "Mary Creagh").decision for r in THRESHOLDS} == {"withdrawn"}


def test_2015_under_rulebook_versions(records: dict) -> None:
    """MEPs join the pool (labour-2015: 15% of 252 = 38) and Corbyn's 36 MPs fall short;
    labour-2021's 20% of MPs (47) leaves Kendall and Corbyn off."""
    ids = ["labour-2014", "labour-2015", "labour-2017", "labour-2021"]
    result = whatif.replay(records["lab-leader-2015"],
                           whatif.scenarios_from_rulebooks(ids, "leadership"))  # fmt: skip
    assert dict(result.headlines)["MP nominations needed"] == ["35", "38", "26", "47"]
    assert result.cell("labour-2015", "Jeremy Corbyn").decision == "not_nominated"
    assert result.cell("labour-2015", "Jeremy Corbyn").margin == -2
    assert result.cell("labour-2017", "Jeremy Corbyn").margin == 10
    assert result.cell("labour-2021", "Liz Kendall").decision == "not_nominated"


def test_2016_challenge_incumbent_on_ballot(records: dict) -> None:
    result = whatif.replay(records["lab-leader-2016"],
                           whatif.scenarios_from_rulebooks(["labour-2015"], "leadership"))
    assert dict(result.headlines)["MP nominations needed"] == ["51"]  # 20% of 251
    smith = result.cell("labour-2015", "Owen Smith")
    assert (smith.decision, smith.have, smith.margin) == ("nominated", "172", 121)
    corbyn = result.cell("labour-2015", "Jeremy Corbyn")
    assert corbyn.decision == "nominated" and corbyn.margin is None


def test_2020_threshold_22(records: dict) -> None:
    """2020: 10% of 212 MPs and MEPs = 22 (LabourList, 'threshold 22 confirmed')."""
    result = whatif.replay(records["lab-leader-2020"],
                           whatif.scenarios_from_rulebooks(["labour-2017"], "leadership"))
    assert dict(result.headlines)["MP nominations needed"] == ["22"]
    assert result.cell("labour-2017", "Emily Thornberry").margin == 1


@pytest.mark.parametrize("record_id", ["tb-2019-hull-north", "tb-2019-barking"])
def test_trigger_ballots_2019(records: dict, record_id: str) -> None:
    """Both MPs were triggered under the 2018 rule (a third); the pre-2018 pooled majority
    would have kept them (6 of 10 and 6 of 11 units backed the MP)."""
    rec = records[record_id]
    result = whatif.replay(rec, whatif.scenarios_from_rulebooks(["labour-2014", "labour-2018"],
                                                                "trigger_ballot"))  # fmt: skip
    mp = rec.record.mp
    assert result.cell("labour-2018", mp).decision == "triggered"
    assert result.cell("labour-2014", mp).decision == "not_triggered"


def test_nec_replay_under_versions(records: dict) -> None:
    result = whatif.replay(records["nec-clp-2016"],
                           whatif.scenarios_from_rulebooks(["labour-2014", "labour-2017"], "nec"))
    elected = {
        lab: [c.subject for c in result.cells if c.scenario == lab and c.decision == "elected"]
        for lab in ("labour-2014", "labour-2017")
    }
    assert set(elected["labour-2014"]) == set(records["nec-clp-2016"].record.elected)
    assert len(elected["labour-2017"]) == 9  # nine seats from 2018


def test_rule_change_timetable_by_rulebook_in_force() -> None:
    rows = {r.submitted: r for r in whatif.rule_change_timetable(range(2016, 2022))}
    assert {y: rows[y].conference for y in rows} == {
        2016: 2017, 2017: 2018, 2018: 2019, 2019: 2019, 2020: 2021, 2021: 2021,
    }
    assert rows[2018].one_year_rule and not rows[2019].one_year_rule


def test_render_text_is_deterministic(nominations_2015: whatif.WhatIf) -> None:
    text = whatif.render_text(nominations_2015)
    assert text == whatif.render_text(nominations_2015)
    assert "Jeremy Corbyn" in text and "off -11" in text and "on +1" in text


def test_thresholds_are_varied_on_the_right_key(records: dict) -> None:
    assert whatif.threshold_key(records["lab-leader-2016"]) == "challenge.parliamentary.rate"
    assert whatif.threshold_key(records["tb-2019-barking"]) == "threshold"
    with pytest.raises(ValueError):
        whatif.threshold_key(records["nec-clp-2012"])


# --------------------------------------------------------------------------- CLI

runner = CliRunner()


def test_cli_whatif_thresholds_json() -> None:
    res = runner.invoke(app, ["whatif", "nominations", "--record", "lab-leader-2015",
                              "--thresholds", "5%,10%,15%,20%", "--history", str(HISTORY),
                              "--format", "json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    rows = {r["subject"]: r for r in data["rows"]}
    assert rows["Jeremy Corbyn"]["20%"] == "off -11"
    assert rows["Liz Kendall"]["15%"] == "on +6"


def test_cli_whatif_errors() -> None:
    res = runner.invoke(app, ["whatif", "nominations", "--record", "nope",
                              "--history", str(HISTORY), "--thresholds", "5%"])  # fmt: skip
    assert res.exit_code == 2
    res = runner.invoke(app, ["whatif", "nominations", "--record", "lab-leader-2015",
                              "--history", str(HISTORY), "--thresholds", "5"])  # fmt: skip
    assert res.exit_code == 2
    assert "not a rate" in res.output


def test_cli_eligibility_example_register() -> None:
    example = Path(__file__).resolve().parents[1] / "docs" / "examples" / "register.csv"
    res = runner.invoke(app, ["eligibility", str(example), "--rulebook", "labour-2014",
                              "--freeze-date", "2016-07-12", "--contest", "lab-leader-2016",
                              "--format", "json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    decisions = {d["subject"]: d["decision"] for d in data["details"]}
    assert decisions["L0002"] == "eligible"  # joined 12 Jan 2016
    assert decisions["L0003"] == "excluded"  # joined 13 Jan 2016
    assert decisions["L0009"] == "eligible"  # new member, paid £25 as a registered supporter
    assert decisions["R0003"] == "excluded"  # registered the day after the window


def test_cli_eligibility_bad_register(tmp_path: Path) -> None:
    bad = tmp_path / "r.csv"
    bad.write_text("member_id,name,category,status,joined\nX,Y,member,active,2016-02-30\n")
    res = runner.invoke(app, ["eligibility", str(bad), "--rulebook", "labour-2014",
                              "--freeze-date", "2016-07-12"])  # fmt: skip
    assert res.exit_code == 1
    assert "row 2, column 'joined'" in res.output


def test_cli_whatif_record_file(tmp_path: Path) -> None:
    record = tmp_path / "toy.json"
    record.write_text(json.dumps({"title": "Toy", "pools": {"mps": 100}, "candidates": [
        {"name": "A", "mps": 30}, {"name": "B", "mps": 12}]}))  # fmt: skip
    res = runner.invoke(app, ["whatif", "nominations", "--record", str(record), "--rulebook",
                              "labour-2014", "--thresholds", "10%,15%", "-f", "json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    rows = {r["subject"]: r for r in json.loads(res.stdout)["rows"]}
    assert (rows["B"]["10%"], rows["B"]["15%"]) == ("on +2", "off -3")
    bad = tmp_path / "bad.json"
    bad.write_text('{"mp": 3}')
    res = runner.invoke(app, ["whatif", "trigger", "--record", str(bad), "--rulebooks",
                              "labour-2018"])  # fmt: skip
    assert res.exit_code == 1


def test_cli_folders_given_as_files_are_one_line_errors(tmp_path: Path) -> None:
    folder = tmp_path / "record.json"
    folder.mkdir()
    res = runner.invoke(app, ["whatif", "nominations", "--record", str(folder), "--rulebook",
                              "labour-2014", "--thresholds", "10%"])  # fmt: skip
    assert res.exit_code == 1
    assert res.stderr == f"error: {folder}: file: is a folder, not a file\n"
    res = runner.invoke(app, ["whatif", "nominations", "--record", "lab-leader-2015",
                              "--history", str(folder), "--thresholds", "10%"])  # fmt: skip
    assert res.exit_code == 1
    assert res.stderr == f"error: {folder}: file: is a folder, not a file\n"
    res = runner.invoke(app, ["eligibility", str(folder), "--rulebook", "labour-2014",
                              "--freeze-date", "2016-07-12"])  # fmt: skip
    assert res.exit_code == 1
    assert res.stderr == f"error: {folder}: file: is a folder, not a file\n"
