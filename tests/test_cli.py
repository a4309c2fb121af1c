"""Tests of the ``selectorate`` command line: counts, formats, errors, atomic output."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selectorate.cli import app, demo_ballots_path, parse_option_value, parse_options

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RCTAB = SHARED / "conformance" / "rctab"
needs_rctab = pytest.mark.skipif(not RCTAB.is_dir(), reason="shared/conformance/rctab is missing")

runner = CliRunner()

# The published section result (facts/labour_history.json, "irv_recount_by_compiler"):
# round tallies of the 266 MPs' and MEPs' ballots, David Miliband ahead in the last round.
LABOUR_ROUNDS = [
    {
        "Diane Abbott": 7,
        "Ed Balls": 40,
        "Andy Burnham": 24,
        "David Miliband": 111,
        "Ed Miliband": 84,
    },
    {"Ed Balls": 41, "Andy Burnham": 24, "David Miliband": 111, "Ed Miliband": 88},
    {"Ed Balls": 43, "David Miliband": 125, "Ed Miliband": 96},
    {"David Miliband": 140, "Ed Miliband": 122},
]


@pytest.fixture
def ballots(tmp_path: Path) -> Path:
    """A copy of the bundled real election, in a scratch folder."""
    target = tmp_path / "labour.blt"
    shutil.copyfile(demo_ballots_path(), target)
    return target


@pytest.fixture
def bad_blt(tmp_path: Path) -> Path:
    """A BLT file whose third line names candidate 4 of 3."""
    path = tmp_path / "bad.blt"
    path.write_text('3 1\n2 1 2 0\n1 2 4 0\n0\n"A"\n"B"\n"C"\n"Title"\n', encoding="utf-8")
    return path


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_demo_count_prints_the_labour_section_result():
    result = runner.invoke(app, ["demo-count"])
    assert result.exit_code == 0, result.output
    assert "Elected     David Miliband" in result.stdout
    assert "Diane Abbott eliminated with 7" in result.stdout
    assert (
        "David Miliband                        111       111       125   140 (E)" in result.stdout
    )


def test_count_json_matches_the_published_rounds(ballots):
    result = runner.invoke(app, ["count", str(ballots), "--method", "irv", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["elected"] == ["David Miliband"]
    tallies = [{k: int(v) for k, v in r["tally"].items()} for r in doc["rounds"]]
    assert tallies == LABOUR_ROUNDS
    assert doc["rounds"][-1]["inactive"]["exhaustedChoices"] == "4"


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [("text", "Votes by round"), ("csv", "Contest Information"), ("html", "<!DOCTYPE html>")],
)
def test_count_formats(ballots, fmt, marker):
    result = runner.invoke(app, ["count", str(ballots), "-m", "irv", "-f", fmt])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(marker) or marker in result.stdout


def test_count_writes_the_output_file_and_leaves_no_temporary_file(ballots, tmp_path):
    out = tmp_path / "result.csv"
    result = runner.invoke(app, ["count", str(ballots), "-m", "irv", "-f", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("Contest Information\n")
    assert _files(tmp_path) == ["labour.blt", "result.csv"]


def test_count_is_deterministic(ballots):
    first = runner.invoke(app, ["count", str(ballots), "-m", "irv", "-f", "json"]).stdout
    second = runner.invoke(app, ["count", str(ballots), "-m", "irv", "-f", "json"]).stdout
    assert first == second


# ----------------------------------------------------------------------------- errors


def test_missing_file_is_one_line_exit_1(tmp_path):
    missing = tmp_path / "nosuch.blt"
    result = runner.invoke(app, ["count", str(missing), "--method", "irv"])
    assert result.exit_code == 1
    assert result.stderr == f"error: {missing}: no such file\n"
    assert result.stdout == ""


def test_malformed_blt_line_is_one_line_exit_1(bad_blt):
    result = runner.invoke(app, ["count", str(bad_blt), "--method", "irv"])
    assert result.exit_code == 1
    assert result.stderr == f"error: {bad_blt}:3: candidate number 4 is out of range 1..3\n"


def test_unknown_method_is_one_line_exit_2(ballots):
    result = runner.invoke(app, ["count", str(ballots), "--method", "nope"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: unknown counting method 'nope'; known methods: ")
    assert "irv" in lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--option", "foo"],
            "error: --option 'foo': expected KEY=VALUE, e.g. tiebreak_mode=random",
        ),
        (["--option", "colour=red"], "error: method 'irv': unexpected option(s): colour"),
        (["--format", "xml"], "error: Invalid value for '--format' / '-f': "),
        (["--bogus"], "error: No such option: --bogus (see 'selectorate count --help')"),
        (["--seats", "x"], "error: Invalid value for '--seats': "),
    ],
)
def test_bad_options_are_one_line_exit_2(ballots, args, message):
    result = runner.invoke(app, ["count", str(ballots), "-m", "irv", *args])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(message)


def test_missing_method_and_missing_input_are_usage_errors(ballots):
    result = runner.invoke(app, ["count", str(ballots)])
    assert (result.exit_code, result.stderr) == (
        2,
        "error: --method is required (run 'selectorate methods' to see them)\n",
    )
    result = runner.invoke(app, ["count", "-m", "irv"])
    assert result.exit_code == 2
    assert result.stderr == "error: give a ballot file to count (or --rctab-config CONFIG.json)\n"


def test_a_failing_run_leaves_no_output_file(bad_blt, tmp_path):
    out = tmp_path / "result.txt"
    result = runner.invoke(app, ["count", str(bad_blt), "-m", "irv", "-o", str(out)])
    assert result.exit_code == 1
    assert not out.exists()
    assert _files(tmp_path) == ["bad.blt"]


def test_a_failing_run_keeps_an_older_output_untouched(bad_blt, tmp_path):
    out = tmp_path / "result.txt"
    out.write_text("previous result\n", encoding="utf-8")
    result = runner.invoke(app, ["count", str(bad_blt), "-m", "irv", "-o", str(out)])
    assert result.exit_code == 1
    assert out.read_text(encoding="utf-8") == "previous result\n"


def test_unwritable_output_is_one_line_exit_1(ballots, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    out = blocker / "folder" / "result.txt"
    result = runner.invoke(app, ["count", str(ballots), "-m", "irv", "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr == f"error: {out.parent}: cannot write: Not a directory\n"
    assert _files(tmp_path) == ["a-file", "labour.blt"]


def test_output_in_a_missing_folder_creates_the_folders(ballots, tmp_path):
    out = tmp_path / "no" / "such" / "folder" / "result.json"
    result = runner.invoke(app, ["count", str(ballots), "-m", "irv", "-f", "json", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["elected"] == ["David Miliband"]


def test_a_failed_write_removes_the_folders_it_created(ballots, tmp_path, monkeypatch):
    import selectorate.cli as cli_module

    def refuse(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli_module.os, "replace", refuse)
    out = tmp_path / "new" / "deeper" / "result.txt"
    result = runner.invoke(app, ["count", str(ballots), "-m", "irv", "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr == f"error: {out}: cannot write: No space left on device\n"
    assert _files(tmp_path) == ["labour.blt"]


def test_seed_for_a_method_without_random_ties(ballots):
    result = runner.invoke(app, ["count", str(ballots), "-m", "fptp", "--seed", "7"])
    if "unknown counting method" in result.stderr:
        pytest.skip("fptp is not registered in this build")
    assert result.exit_code == 2
    assert (
        result.stderr
        == "error: method 'fptp' does not break ties at random, so --seed has no use\n"
    )


# ----------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True), ("False", False), ("none", None), ("12", 12), ("-3", -3),
        ("0.15", Fraction(3, 20)), ("3/20", Fraction(3, 20)), ("random", "random"),
        ("[A,B]", ["A", "B"]), ("[]", []), ("1e3x", "1e3x"),
    ],
)  # fmt: skip
def test_parse_option_value(text, value):
    parsed = parse_option_value(text)
    assert parsed == value and type(parsed) is type(value)


def test_parse_options_normalises_keys():
    assert parse_options(["tiebreak-mode=random", "seats=2"]) == {
        "tiebreak_mode": "random",
        "seats": 2,
    }


# ----------------------------------------------------------------------------- other commands


def test_methods_lists_the_registry():
    result = runner.invoke(app, ["methods"])
    assert result.exit_code == 0
    assert any(line.startswith("irv ") for line in result.stdout.splitlines())


def test_help_speaks_plainly():
    result = runner.invoke(app, ["count", "--help"])
    assert result.exit_code == 0
    assert "How many seats to fill" in result.stdout
    assert "Seed for a random tie-break" in result.stdout


def test_convert_blt_to_csv_and_back_counts_the_same(ballots, tmp_path):
    as_csv = tmp_path / "labour.csv"
    result = runner.invoke(app, ["convert", str(ballots), str(as_csv)])
    assert result.exit_code == 0, result.output
    again = tmp_path / "again.blt"
    assert runner.invoke(app, ["convert", str(as_csv), str(again)]).exit_code == 0
    docs = [
        json.loads(runner.invoke(app, ["count", str(p), "-m", "irv", "-f", "json"]).stdout)
        for p in (ballots, as_csv, again)
    ]
    # CSV keeps the ballots but not the candidate order or the title: compare the counts.
    for doc in docs:
        assert [{k: int(v) for k, v in r["tally"].items()} for r in doc["rounds"]] == LABOUR_ROUNDS
        assert doc["elected"] == ["David Miliband"]


def test_convert_to_an_unknown_extension(ballots, tmp_path):
    result = runner.invoke(app, ["convert", str(ballots), str(tmp_path / "out.xyz")])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"error: {tmp_path / 'out.xyz'}: cannot write .xyz (known: .blt, .csv, .json)\n"
    )
    assert not (tmp_path / "out.xyz").exists()


# ----------------------------------------------------------------------------- RCTab configs


@needs_rctab
def test_rctab_config_to_rctab_csv():
    config = RCTAB / "test_set_1_exhaust_at_overvote" / "test_set_1_exhaust_at_overvote_config.json"
    expected = config.parent / "test_set_1_exhaust_at_overvote_expected_detailed_report.csv"
    result = runner.invoke(app, ["count", "--rctab-config", str(config), "--format", "csv"])
    assert result.exit_code == 0, result.output
    ours = result.stdout.splitlines()
    theirs = expected.read_text(encoding="utf-8").splitlines()
    assert ours[1].startswith("Generated By,selectorate ")
    assert ours[:1] + ours[2:] == theirs[:1] + theirs[2:]


@needs_rctab
def test_multi_pass_rctab_outputs_one_file_per_pass(tmp_path):
    pytest.importorskip("selectorate.reports.rctab_json")
    config = RCTAB / "sequential_with_batch" / "sequential_with_batch_config.json"
    out = tmp_path / "report.json"
    result = runner.invoke(
        app, ["count", "--rctab-config", str(config), "-f", "rctab-json", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert _files(tmp_path) == ["report_1.json", "report_2.json", "report_3.json"]
    for n in (1, 2, 3):
        ours = json.loads((tmp_path / f"report_{n}.json").read_text(encoding="utf-8"))
        expected = config.parent / f"sequential_with_batch_{n}_expected_detailed_report.json"
        theirs = json.loads(expected.read_text(encoding="utf-8"))
        assert [r["tally"] for r in ours["results"]] == [r["tally"] for r in theirs["results"]]


@needs_rctab
def test_an_rctab_config_given_as_the_ballot_file():
    config = RCTAB / "test_set_1_exhaust_at_overvote" / "test_set_1_exhaust_at_overvote_config.json"
    result = runner.invoke(app, ["count", str(config), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["elected"] == ["Candidate B Name"]


# ----------------------------------------------------------------------------- the real command


def _installed_command() -> list[str]:
    exe = shutil.which("selectorate")
    if exe is None:
        pytest.skip("the selectorate command is not installed (pip install -e .)")
    return [exe]


def test_installed_command_counts_and_fails_cleanly(ballots, bad_blt, tmp_path):
    command = _installed_command()
    done = subprocess.run(
        [*command, "count", str(ballots), "--method", "irv", "--format", "json"],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["elected"] == ["David Miliband"]

    out = tmp_path / "out.txt"
    done = subprocess.run(
        [*command, "count", str(bad_blt), "--method", "irv", "-o", str(out)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.decode() == f"error: {bad_blt}:3: candidate number 4 is out of range 1..3\n"
    assert b"Traceback" not in done.stderr
    assert not out.exists()


def test_module_is_importable_without_side_effects():
    done = subprocess.run(
        [sys.executable, "-c", "import selectorate.cli"], capture_output=True, check=False
    )
    assert done.returncode == 0 and done.stdout == b""


def test_electoral_college_sections_from_the_command_line(tmp_path):
    # Three equal sections holding the same 266 ballots: the college total is that
    # section's percentage of continuing votes. Final round: 140 and 122 of 262.
    demo = demo_ballots_path()
    args = ["count", "--method", "electoral-college", "--format", "json"]
    for name in ("MPs", "Members", "Affiliates"):
        args += ["--section", f"{name}=1/3:{demo}"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["elected"] == ["David Miliband"]
    final = doc["rounds"][-1]["tally"]
    assert Fraction(final["David Miliband"]) == Fraction(140 * 100, 262)
    assert Fraction(final["Ed Miliband"]) == Fraction(122 * 100, 262)


def test_electoral_college_section_with_a_bad_share_is_a_usage_error():
    result = runner.invoke(
        app, ["count", "-m", "electoral-college", "--section", f"MPs=x:{demo_ballots_path()}"]
    )
    assert result.exit_code == 2
    assert "the share 'x' is not an exact number such as 1/3" in result.output


# ============================================================================= STV options, verify
# (selectorate verify; --seed / --ron / --minimum / --withdraw for the STV rules)

STV_BLT = (
    "5 3\n30 1 2 3 0\n8 1 3 0\n2 1 0\n12 2 1 4 0\n14 3 4 0\n9 4 5 3 0\n6 5 4 0\n4 5 0\n0\n"
    '"Ann"\n"Bob"\n"Cy"\n"Dee"\n"Eve"\n"Toy STV"\n'
)
#: Ann and Bob tie on first preferences and Cy's papers are split evenly: a lot decides.
TIED_BLT = '3 1\n4 1 0\n4 2 0\n1 3 0\n0\n"Ann"\n"Bob"\n"Cy"\n"Tied"\n'


def _stv_method(name: str = "scottish-stv") -> str:
    from selectorate.counting import registry

    if name not in registry.names():
        pytest.skip(f"{name} is not registered yet")
    return name


@pytest.fixture
def stv_ballots(tmp_path: Path) -> Path:
    path = tmp_path / "toy.blt"
    path.write_text(STV_BLT, encoding="utf-8")
    return path


def _saved(ballots: Path, tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["count", str(ballots), "-f", "json", "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def test_verify_a_saved_irv_result(ballots, tmp_path):
    saved = _saved(ballots, tmp_path, "-m", "irv")
    result = runner.invoke(app, ["verify", str(saved), str(ballots)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "verified: irv, 4 stages, elected David Miliband; every check holds and a recount "
        "gives the identical result\n"
    )


def test_verify_reports_a_tampered_tally_one_line_per_problem(ballots, tmp_path):
    saved = _saved(ballots, tmp_path, "-m", "irv")
    doc = json.loads(saved.read_text(encoding="utf-8"))
    doc["rounds"][0]["tally"]["Ed Balls"] = "41"
    saved.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(app, ["verify", str(saved), str(ballots)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    first = "stage 1: first preferences of Ed Balls recomputed from the ballots"
    assert f"{first}: expected 40, found 41" in lines
    assert any(line.startswith("stage 1: value not conserved") for line in lines)
    recount = "recount differs at rounds[0].tally.Ed Balls"
    assert f'{recount}: the result says "41", the recount "40"' in lines
    assert "verified" not in result.stdout


def test_verify_with_another_method_recounts_by_it(ballots, tmp_path):
    saved = _saved(ballots, tmp_path, "-m", "irv")
    result = runner.invoke(app, ["verify", str(saved), str(ballots), "--method", "fptp"])
    assert result.exit_code == 1
    assert "recount differs at rounds (how many): the result says 4, the recount 1" in result.stdout


def test_verify_a_file_that_is_not_a_result(ballots, tmp_path):
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"format": "other"}', encoding="utf-8")
    result = runner.invoke(app, ["verify", str(bogus), str(ballots)])
    assert result.exit_code == 1
    assert result.stderr == (
        f'error: {bogus}: not a selectorate result (no "format": "selectorate-result")\n'
    )


@needs_rctab
def test_verify_an_rctab_result_against_its_config(tmp_path):
    config = RCTAB / "test_set_multi_winner_whole_threshold"
    config = config / "test_set_multi_winner_whole_threshold_config.json"
    saved = _saved(config, tmp_path)
    result = runner.invoke(app, ["verify", str(saved), str(config)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("verified: stv-rctab, ")


def test_count_and_verify_an_stv_result(stv_ballots, tmp_path):
    method = _stv_method()
    text = runner.invoke(app, ["count", str(stv_ballots), "-m", method])
    assert text.exit_code == 0, text.output
    assert "Votes by stage" in text.stdout and "Surplus of Ann" in text.stdout
    saved = _saved(stv_ballots, tmp_path, "-m", method)
    result = runner.invoke(app, ["verify", str(saved), str(stv_ballots)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"verified: {method}, ")


def test_seed_reaches_an_stv_rule_as_its_lot(tmp_path):
    method = _stv_method()
    path = tmp_path / "tied.blt"
    path.write_text(TIED_BLT, encoding="utf-8")
    without = runner.invoke(app, ["count", str(path), "-m", method])
    assert without.exit_code == 2
    assert "needs a lot: give --seed" in without.stderr
    args = ["count", str(path), "-m", method, "-f", "json", "--seed"]
    with_seed = runner.invoke(app, [*args, "2026 draw"])
    assert with_seed.exit_code == 0, with_seed.output
    doc = json.loads(with_seed.stdout)
    assert doc["options"]["seed"] == "2026 draw"
    assert [t["method"] for r in doc["rounds"] for t in r["tie_breaks"]] == ["lot"]
    number = runner.invoke(app, [*args, "7"])
    assert json.loads(number.stdout)["options"]["seed"] == 7


def test_seed_for_rctab_rules_must_be_a_whole_number(ballots):
    result = runner.invoke(app, ["count", str(ballots), "-m", "irv", "--seed", "abc"])
    assert result.exit_code == 2
    assert result.stderr == "error: --seed 'abc': method 'irv' needs a whole number\n"


def test_ron_minimum_and_withdraw_reach_an_stv_rule(stv_ballots, tmp_path):
    method = _stv_method()
    args = ["-m", method, "--ron", "Bob", "--minimum", "women=1:Dee,Eve", "--withdraw", "2:Cy"]
    saved = _saved(stv_ballots, tmp_path, *args)
    doc = json.loads(saved.read_text(encoding="utf-8"))
    assert doc["options"]["ron"] == "Bob"
    assert doc["options"]["withdrawals"] == {"2": ["Cy"]}
    assert "Bob" not in doc["elected"]
    kinds = {(a["kind"], a["candidate"]) for r in doc["rounds"] for a in r["actions"]}
    assert ("unfilled", "Bob") in kinds and ("excluded", "Cy") in kinds
    assert any("Cy" in note and "withdrew" in note for note in doc["notes"])
    result = runner.invoke(app, ["verify", str(saved), str(stv_ballots)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--minimum", "women:Ann"], "error: --minimum 'women:Ann': expected GROUP=N:NAME,"),
        (["--minimum", "women=x:Ann"], "error: --minimum 'women=x:Ann': 'x' is not a number"),
        (["--minimum", "women=1:Zoe"], "error: --minimum 'women=1:Zoe': no candidate called Zoe"),
        (["--withdraw", "Ann"], "error: --withdraw 'Ann': expected STAGE:NAME, e.g. 3:Ann Smith"),
        (["--withdraw", "0:Ann"], "error: --withdraw '0:Ann': expected STAGE:NAME"),
        (["--ron", "Zoe"], "error: --ron 'Zoe': no candidate called Zoe"),
    ],
)
def test_bad_stv_options_are_one_line_exit_2(stv_ballots, args, message):
    method = _stv_method()
    result = runner.invoke(app, ["count", str(stv_ballots), "-m", method, *args])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(message)


def test_stv_options_are_refused_by_other_rules(ballots):
    result = runner.invoke(app, ["count", str(ballots), "-m", "irv", "--ron", "Ed Balls"])
    assert result.exit_code == 2
    assert result.stderr == "error: --ron is for STV rules; method 'irv' does not take it\n"


def test_stv_help_speaks_plainly():
    result = runner.invoke(app, ["count", "--help"])
    text = " ".join(result.stdout.split())
    assert "re-open nominations" in text
    assert "a seat it wins is left unfilled" in text
    assert "withdrew during the count" in text
    help_verify = " ".join(runner.invoke(app, ["verify", "--help"]).stdout.split())
    assert "counted again by the rule and options the result records" in help_verify
