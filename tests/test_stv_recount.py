"""A saved STV result, read back, verifies: ``selectorate verify`` recounts it identically.

``selectorate verify RESULT.json BALLOTS`` counts the ballots again by the method
and the options the result records (``CountResult.options``). So every STV
method must record the keyword arguments in force (given or defaulted) in a form
that survives the JSON result (``render_native_json`` / ``load_result_json``)
and that the method takes back as it is: ``registry.count(name, election,
**options)``. Descriptions of the rule belong in the notes, not the options.

Ballots: Droop's reference BLT files (``shared/conformance/stv/droop_reference``;
``42t.blt`` has a ``[tie]`` line, ``SCw.blt`` a withdrawn candidate), and one
made here from ``SC.blt`` with names containing ", ".
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selectorate.cli import app
from selectorate.counting import registry
from selectorate.counting.result import CountResult
from selectorate.counting.stv_rules import GroupMinimum
from selectorate.formats.detect import read_ballots
from selectorate.reports.native_json import load_result_json, render_native_json

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BLT = SHARED / "conformance" / "stv" / "droop_reference" / "blt"
FILES = ("42t.blt", "SCw.blt")
STV_METHODS = (
    "scottish-stv",
    "wigm",
    "ers97",
    "irish",
    "meek",
    "meek-nz",
    "meek-droop",
    "warren",
)
SEED = "published seed 2026"

pytestmark = pytest.mark.skipif(not BLT.is_dir(), reason=f"{BLT} is missing")


def _saved_and_verified(
    method: str, ballots: Path, tmp_path: Path, **options: object
) -> CountResult:
    """Count, save as JSON, read back, recount from the options read back, and verify."""
    result = registry.count(method, read_ballots(ballots), **options)
    text = render_native_json(result)
    saved = tmp_path / f"{method}-{ballots.stem}.json"
    saved.write_text(text, encoding="utf-8")
    back = load_result_json(saved)
    assert back == result
    params = inspect.signature(registry.get(method).function).parameters
    assert set(back.options) <= set(params), "options records only the method's own arguments"
    again = registry.count(method, read_ballots(ballots), **back.options)
    assert render_native_json(again) == text
    out = CliRunner().invoke(app, ["verify", str(saved), str(ballots)])
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith(f"verified: {method}, ")
    return back


@pytest.mark.parametrize("blt", FILES)
@pytest.mark.parametrize("method", STV_METHODS)
def test_saved_result_verifies(method, blt, tmp_path):
    back = _saved_and_verified(method, BLT / blt, tmp_path, seed=SEED)
    assert back.options["seed"] == SEED
    assert back.options["seats"] == back.seats


RULEBOOK = {
    "seed": 7,
    "ron": "Steve Kramer",
    "minimums": (
        GroupMinimum("left", frozenset({"Kristen Olsen", "Jason Jones", "Michael Piacsek"}), 2),
        {"name": "write-ins", "minimum": 0, "members": ["Write-In 1", "Write-In 2"]},
    ),
    "withdrawals": {3: ("Tom Sevigny",), 2: ["Jimmy Leas"]},
}


@pytest.mark.parametrize("method", STV_METHODS)
def test_rulebook_options_survive_the_json_result(method, tmp_path):
    back = _saved_and_verified(method, BLT / "SCw.blt", tmp_path, **RULEBOOK)
    assert back.options["ron"] == "Steve Kramer"
    assert back.options["seed"] == 7
    assert back.options["minimums"] == [
        {
            "name": "left",
            "minimum": 2,
            "members": ["Jason Jones", "Kristen Olsen", "Michael Piacsek"],
        },
        {"name": "write-ins", "minimum": 0, "members": ["Write-In 1", "Write-In 2"]},
    ]
    assert back.options["withdrawals"] == {2: ["Jimmy Leas"], 3: ["Tom Sevigny"]}
    assert "Steve Kramer" not in back.elected


#: Each method's own options, away from their defaults (``lot_order``: Droop's [tie] order).
VARIANTS = {
    "scottish-stv": {"lot_order": ["Helen", "Pollux", "Castor"]},
    "wigm": {"batch_defeat": True},
    "meek": {"lot_order": ["Helen", "Pollux", "Castor"]},
    "meek-nz": {"tiebreak": "lot", "prng": "hill", "exclude_at_first_step": True, "seed": 1},
    "meek-droop": {"arithmetic": "rational", "omega": 8, "batch_defeat": False, "seed": 1},
    "warren": {"arithmetic": "fixed", "precision": 6, "lot_order": ["Helen", "Pollux", "Castor"]},
}


@pytest.mark.parametrize("method", sorted(VARIANTS))
def test_variant_options_are_recorded_as_given_or_defaulted(method, tmp_path):
    back = _saved_and_verified(method, BLT / "42t.blt", tmp_path, **VARIANTS[method])
    for key, value in VARIANTS[method].items():
        assert back.options[key] == value


def test_droop_parametric_defaults_are_recorded_resolved(tmp_path):
    back = _saved_and_verified("warren", BLT / "42t.blt", tmp_path, seed=1)
    assert back.options == {
        "seats": 2,
        "seed": 1,
        "arithmetic": "guarded",
        "precision": 18,
        "guard": 9,
        "omega": 9,
        "batch_defeat": True,
    }
    assert any("guarded fixed-point decimal arithmetic (18+9 places)" in n for n in back.notes)


@pytest.mark.parametrize("method", STV_METHODS)
def test_minimums_with_names_containing_comma_space(method, tmp_path):
    """The minimums are recorded as lists of names, so "Sevigny, Tom" stays one name."""
    source = BLT / "SC.blt"
    if not source.exists():
        pytest.skip(f"{source} is missing")
    lines = source.read_text(encoding="utf-8").splitlines()
    names_at = [i for i, ln in enumerate(lines) if re.fullmatch(r'"[^"]+ [^"]+"', ln)][:-1]
    for i in names_at:
        first, _, last = lines[i].strip('"').rpartition(" ")
        lines[i] = f'"{last}, {first}"'
    ballots = tmp_path / "commas.blt"
    ballots.write_text("\n".join(lines) + "\n", encoding="utf-8")
    group = {"name": "group", "minimum": 2, "members": ["Sevigny, Tom", "Olsen, Kristen"]}
    back = _saved_and_verified(method, ballots, tmp_path, seed=SEED, minimums=[group])
    assert back.options["minimums"] == [
        {"name": "group", "minimum": 2, "members": ["Olsen, Kristen", "Sevigny, Tom"]}
    ]
