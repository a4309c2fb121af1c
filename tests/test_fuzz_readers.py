"""Fuzzing every ballot, register and rulebook reader: a clear error or a result, nothing else.

Each target of :mod:`fuzz_targets` (BLT, PrefLib, CSV ballots, the Irish e-voting
files, NIST CDF JSON/XML on their own, the RCTab contest config and each RCTab
CVR provider, the membership register, the rulebook loader) is fed

* random bytes;
* byte-level mutations of its seeds (real files from ``../shared/conformance``
  and the shipped rulebooks, plus small documents in :mod:`fuzz_targets`):
  flips, deletions, insertions of format tokens, duplications, truncation;
* token-level mutations: numbers, names and punctuation replaced by awkward
  values (``0``, ``-1``, 5,000-digit numbers, ``1e999``, Arabic-Indic digits,
  NUL, BOM, lone surrogates, line separators, reserved labels);
* structure-aware mutations: JSON trees with nodes replaced by values of the
  wrong type or deep nesting, XML trees with elements dropped, duplicated,
  renamed or given awkward text, CSV cells and rows changed, TOML values
  replaced, xlsx workbooks with their sheet XML mutated.

Each input goes through the reader's public function under a 10 s alarm and a
1.5 GB address-space cap. The outcome must be a result or the reader's
documented error (:class:`BallotFileError` naming the file, or
:class:`RulebookError` naming file and key) on one line; a bare exception, a
MemoryError or a hang fails the test and hypothesis shrinks the input.

``HYPOTHESIS_PROFILE=ci`` (default) tries 200 inputs per reader;
``HYPOTHESIS_PROFILE=long`` 5,000.
"""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest
from fuzz_strategies import fuzz_settings, inputs
from fuzz_targets import TARGETS, Hang, Target, check_clear, deadline, memory_cap
from hypothesis import event, given

FUZZ = fuzz_settings()
#: Seconds one read may take before it counts as a hang.
HANG_SECONDS = 10
#: Address space one read may add (a MemoryError beyond it is a finding).
MEMORY = 1536 * 2**20


# ------------------------------------------------------------------ the tests

NAMES = sorted(TARGETS)


def read_one(target: Target, run: object, data: bytes, seconds: int = HANG_SECONDS) -> str:
    """Read ``data``; ``"read"`` or ``"refused"``, else an AssertionError naming the crash."""
    try:
        with deadline(seconds), memory_cap(MEMORY):
            run(data)  # type: ignore[operator]
    except Hang as exc:
        raise AssertionError(f"{target.name}: hang ({exc}) on a {len(data)}-byte input") from None
    except Exception as exc:
        problem = check_clear(target, exc)
        if problem is not None:
            raise AssertionError(f"{target.name}: {problem}") from exc
        return "refused"
    return "read"


@pytest.fixture(scope="module")
def workdirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One prepared folder and runner per target."""
    out: dict[str, object] = {}
    for name, target in TARGETS.items():
        if target.available():
            out[name] = target.setup(tmp_path_factory.mktemp(f"fuzz-{name}"))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_seeds_are_read(name: str, workdirs: dict[str, object]) -> None:
    """Every seed is a valid document: the mutations start from input that reads."""
    target = TARGETS[name]
    if name not in workdirs:
        pytest.skip(f"{name}: shared conformance data not available")
    seeds = target.seeds()
    assert seeds, f"{name} has no seeds"
    for seed in seeds:
        assert read_one(target, workdirs[name], seed) == "read"


@pytest.mark.parametrize("name", NAMES)
def test_reader_fails_clearly(name: str, workdirs: dict[str, object]) -> None:
    """Mutated and random inputs: only results and clear errors (no crash, hang or MemoryError)."""
    target = TARGETS[name]
    if name not in workdirs:
        pytest.skip(f"{name}: shared conformance data not available")
    run = workdirs[name]
    seeds = target.seeds()

    @FUZZ
    @given(data=inputs(target.kind, seeds))
    def fuzz(data: bytes) -> None:
        event(read_one(target, run, data))

    fuzz()


def _json_edit(name: str, edit: object) -> bytes:
    """The first seed of target ``name`` (JSON) after ``edit(doc)``."""
    doc = json.loads(TARGETS[name].seeds()[0])
    edit(doc)  # type: ignore[operator]
    return json.dumps(doc).encode()


def _seed_replace(name: str, old: bytes, new: bytes) -> bytes:
    seed = TARGETS[name].seeds()[0]
    assert old in seed
    return seed.replace(old, new, 1)


def _xlsx_edit(member: str, old: bytes, new: bytes) -> bytes:
    """The ES&S seed workbook with ``old`` replaced by ``new`` in ``member``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(TARGETS["rctab_ess_xlsx"].seeds()[0])) as src:
        with zipfile.ZipFile(out, "w") as dst:
            for name in src.namelist():
                data = src.read(name)
                if name == member:
                    assert old in data
                    data = data.replace(old, new, 1)
                dst.writestr(name, data)
    return out.getvalue()


DEEP = b"[" * 100000 + b"]" * 100000
#: Each input class the fuzzing found (or review found), pinned: (target, input, message part).
FOUND = [
    ("blt", lambda: b"9" * 5000 + b" 1\n1 1 0\n0\n", "more than 400 digits"),
    ("blt", lambda: b"100000000 1\n(x) 1 1 0\n0\n", "cannot be named in a file"),
    ("blt", lambda: b'2 1\n' + b"9" * 5000 + b' 1 0\n0\n"a"\n"b"\n"t"\n', "not a whole or"),
    ("blt", lambda: b"2 1\n1 " + b"9" * 5000 + b" 0\n0\n", "out of range"),
    ("preflib", lambda: b"# NUMBER ALTERNATIVES: " + b"9" * 5000 + b"\n", "not a whole number"),
    ("preflib", lambda: b"9" * 5000 + b"\n", "expected the number of alternatives"),
    ("csv", lambda: b"A,B\n100000000,1\n", "more than the number of candidates"),
    ("csv", lambda: b"A,B\n" + b"9" * 5000 + b",1\n", "is not a positive number"),
    ("csv", lambda: b"Weight,A\n" + b"9" * 5000 + b",x\n", "not a whole or decimal number"),
    ("irish_json", lambda: DEEP, "nested too deeply"),
    ("irish_json", lambda: _json_edit("irish_json", lambda d: d.update(Ballot=None)), "'Ballot'"),
    ("irish_json", lambda: _json_edit("irish_json", lambda d: d["Ballot"].append([10**12, 0, 0])),
     "preference numbers"),
    ("irish_json", lambda: _json_edit("irish_json", lambda d: d["Candidate"][0].update(Name=[1])),
     "each candidate needs"),
    ("irish_json", lambda: _json_edit("irish_json", lambda d: d["Date"].update(Year="x")),
     "'Date'"),
    ("cdf_json_file", lambda: _seed_replace("cdf_json_file", b'"Rank": 1', b'"Rank": 100000000'),
     "allows at most 4 (the number of candidates"),
    ("cdf_xml_file",
     lambda: _seed_replace("cdf_xml_file", b"encoding='utf-8'", b"encoding='utf-0'"),
     "cannot be read as XML"),
    ("rctab_config", lambda: DEEP, "nested too deeply"),
    ("rctab_config", lambda: b'{"a": ' + b"9" * 5000 + b"}", "not usable JSON"),
    ("rctab_config", lambda: _seed_replace("rctab_config", b'"maxRankingsAllowed": "15"',
                                           b'"maxRankingsAllowed": "99999999999"'),
     "must be at most 2147483647"),
    # found by atheris: a line break in a quoted value made the message two lines
    ("rctab_config",
     lambda: _seed_replace("rctab_config", b'"filePath": "generic_csv_test_cvr.csv"',
                           b'"filePath": "generic_csv_test_cv\\r.csv"'),
     "file not found"),
    ("rctab_cdf_json", lambda: _json_edit("rctab_cdf_json",
                                          lambda d: d["CVR"][0].update(BallotStyleUnitId=[1])),
     "BallotStyleUnitId"),
    ("rctab_cdf_json", lambda: DEEP, "nested too deeply"),
    ("rctab_dominion", lambda: b'{"Sessions": [' + b"9" * 5000 + b"]}", "not usable JSON"),
    ("rctab_generic_csv", lambda: TARGETS["rctab_generic_csv"].seeds()[1].replace(
        b"1,P1,B1,1,", b"1,P1,B1," + b"1" * 5000 + b",", 1), "expected a rank number"),
    ("rctab_clear_ballot", lambda: TARGETS["rctab_clear_ballot"].seeds()[0] + b'"' + b"x" * 200000
     + b'"\n', "malformed CSV"),
    # found by atheris: calamine aborts the process (Rust OOM) building a huge rectangle
    ("rctab_ess_blank_sheet",
     lambda: _seed_replace("rctab_ess_blank_sheet", b'<c r="A9"', b'<c r="cccccccccccccA9"'),
     "is not a row or cell of an Excel sheet"),
    ("rctab_ess_sheet",
     lambda: _seed_replace("rctab_ess_sheet", b'<c r="A2"', b'<c r="XFD1048576"'),
     "a sheet that sparse"),
    ("rctab_ess_xlsx",
     lambda: _xlsx_edit("xl/sharedStrings.xml", b'uniqueCount="', b'uniqueCount="2000000000'),
     "uniqueCount 2000000000"),
    ("rulebook_root", lambda: b"a = " + b"[" * 3000 + b"]" * 3000 + b"\n", "nested too deeply"),
    ("rulebook_procedure", lambda: b"a = " + b"9" * 5000 + b"\n", "bad TOML"),
    ("whatif_nominations", lambda: DEEP, "nested too deeply"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "make", "message"),
    FOUND,
    ids=[f"{n}-{k}" for k, (n, _, _) in enumerate(FOUND)],
)
def test_found_input_classes_fail_clearly(name, make, message, workdirs) -> None:
    """Every crash class found is now a clear error saying what is wrong."""
    target = TARGETS[name]
    if name not in workdirs:
        pytest.skip(f"{name}: shared conformance data not available")
    data = make()
    with pytest.raises(target.error) as info:
        with deadline(HANG_SECONDS), memory_cap(MEMORY):
            workdirs[name](data)  # type: ignore[operator]
    assert check_clear(target, info.value) is None
    assert message in str(info.value), str(info.value)[:300]


def test_vendor_rank_limit_cannot_hang_the_reader(tmp_path) -> None:
    """Dominion's NumOfRanks comes from the export itself: 10**9 and a mark at rank 10**8."""
    target = TARGETS["rctab_dominion"]
    if not target.available():
        pytest.skip("rctab_dominion: shared conformance data not available")
    run = target.setup(tmp_path)
    manifest = tmp_path / "dominion" / "ContestManifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8-sig"))
    for contest in data["List"]:
        contest["NumOfRanks"] = 10**9
    manifest.write_text(json.dumps(data), encoding="utf-8")
    cvr = json.loads(target.seeds()[0])
    cvr["Sessions"][0]["Original"]["Cards"][0]["Contests"][0]["Marks"][0]["Rank"] = 10**8
    with pytest.raises(target.error, match="has a ranking 100000000; at most 1000 are read"):
        with deadline(HANG_SECONDS), memory_cap(MEMORY):
            run(json.dumps(cvr).encode())


def test_check_clear_bites() -> None:
    """The oracle refuses bare exceptions, errors without a file, and multi-line messages."""
    from selectorate.formats.errors import BallotFileError
    from selectorate.rulebooks.errors import RulebookError

    blt = TARGETS["blt"]
    assert check_clear(blt, BallotFileError("a.blt", 3, "bad weight")) is None
    assert check_clear(blt, KeyError("x")) is not None
    assert check_clear(blt, ValueError("Exceeds the limit (4300 digits)")) is not None
    assert check_clear(blt, BallotFileError(None, None, "no file")) is not None
    assert check_clear(blt, ValueError("two\nlines")) is not None
    # the message of a BallotFileError stays one line whatever it quotes
    assert str(BallotFileError("a\nb.blt", 1, "cell 'x\r\ny\u2028'")).count("\n") == 0
    assert check_clear(blt, BallotFileError("a.blt", 1, "two\nlines")) is None
    assert check_clear(TARGETS["register"], BallotFileError("r.csv", 1, "x")) is not None
    assert check_clear(TARGETS["register"], RulebookError("r.csv", "row 2", "bad")) is None
    with pytest.raises(AssertionError, match="hang"):
        read_one(blt, lambda data: time.sleep(3), b"", seconds=1)
    with pytest.raises(AssertionError, match="MemoryError"):
        read_one(blt, lambda data: bytearray(2 * MEMORY), b"")
