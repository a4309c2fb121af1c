"""Fuzz targets: every ballot, register and rulebook reader, fed bytes through its public function.

Shared by the hypothesis tests (``tests/test_fuzz_readers.py``, in CI) and the
atheris harness (``fuzz/fuzz_readers.py``, not in CI). A :class:`Target` knows

* its **seeds**: real files (from ``../shared/conformance``, the shipped
  rulebooks) or small documents written here, each one read without error, so
  mutations start from near-valid input;
* how to **run** one input: write the bytes where the reader expects its file
  (a folder with the contest config and the other files beside it, where the
  format needs them) and call the public reading function;
* the **error type** the reader documents: :class:`BallotFileError` for ballot
  files and RCTab contests, :class:`RulebookError` for registers and rulebooks.

:func:`check_clear` says whether an exception is such a clear error (names the
file, says the problem on one line); anything else is a crash.
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import shutil
import signal
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from selectorate.formats.errors import BallotFileError
from selectorate.rulebooks.errors import RulebookError

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
RCTAB = SHARED / "conformance" / "rctab"
STV = SHARED / "conformance" / "stv"
RULEBOOKS = ROOT / "selectorate" / "data" / "rulebooks"

Runner = Callable[[bytes], object]


@dataclass(frozen=True)
class Target:
    """One reader under fuzzing."""

    name: str
    #: Structure of the input, for the structured mutators: text, csv, json, xml, toml, zip.
    kind: str
    #: The reader's documented error type.
    error: type[Exception]
    #: () -> seed documents (each read without error by ``setup``'s runner).
    seeds: Callable[[], list[bytes]]
    #: workdir -> runner; the runner writes one input and reads it.
    setup: Callable[[Path], Runner]
    #: What must exist for the target to run (else it is skipped).
    needs: tuple[Path, ...] = ()

    def available(self) -> bool:
        """True when the shared data this target needs is present."""
        return all(p.exists() for p in self.needs)


# ------------------------------------------------------------------ checking


def check_clear(target: Target, exc: BaseException) -> str | None:
    """``None`` when ``exc`` is a clear error of ``target``'s reader, else what is wrong."""
    if not isinstance(exc, target.error):
        return f"not a {target.error.__name__}: {type(exc).__name__}: {exc}"
    if isinstance(exc, BallotFileError):
        if not exc.path:
            return f"BallotFileError without a file: {exc}"
        if not exc.problem.strip():
            return f"BallotFileError without a problem: {exc!r}"
    if isinstance(exc, RulebookError):
        if not exc.path or not exc.key or not exc.problem.strip():
            return f"RulebookError without file, key or problem: {exc!r}"
    text = str(exc)
    if len(text.splitlines()) > 1:
        return f"error message is not one line: {text!r}"
    return None


class Hang(BaseException):
    """Raised by :func:`deadline` when a call runs too long (a BaseException: no reader eats it)."""


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Raise :class:`Hang` if the block runs longer than ``seconds`` (SIGALRM; main thread)."""

    def alarm(signum: int, frame: object) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def memory_cap(extra_bytes: int) -> Iterator[None]:
    """Let the block grow the address space by at most ``extra_bytes`` (MemoryError beyond)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
        limit = pages * resource.getpagesize() + extra_bytes
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError):  # no /proc or a hard limit already lower: no cap
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# ------------------------------------------------------------------ helpers


def _write_runner(path: Path, read: Callable[[Path], object]) -> Runner:
    def run(data: bytes) -> object:
        path.write_bytes(data)
        return read(path)

    return run


def _small(path: Path, limit: int = 8000) -> list[bytes]:
    if path.is_file() and path.stat().st_size <= limit:
        return [path.read_bytes()]
    return []


def _config_with_source(config: Path, source: dict[str, object]) -> dict[str, object]:
    """A conformance config whose one CVR source is ``source`` (others dropped)."""
    raw = json.loads(config.read_text(encoding="utf-8-sig"))
    raw["cvrFileSources"] = [source]
    raw["outputSettings"]["tabulateByPrecinct"] = False
    raw["outputSettings"]["tabulateByBatch"] = False
    return raw


def _contest_runner(
    workdir: Path,
    config: Path,
    fuzzed: str,
    prepare: Callable[[Path], None] | None = None,
    source_path: str | None = None,
) -> Runner:
    """Load an RCTab contest whose one CVR source is ``source_path`` (default: ``fuzzed``).

    Each input is written to ``workdir/fuzzed`` (a file of the source folder, for
    the providers whose source is a folder).
    """
    from selectorate.formats.rctab import load_contest

    raw = json.loads(config.read_text(encoding="utf-8-sig"))
    source = dict(raw["cvrFileSources"][0])
    source["filePath"] = source_path or fuzzed
    doc = _config_with_source(config, source)
    config_path = workdir / "contest_config.json"
    config_path.write_text(json.dumps(doc), encoding="utf-8")
    if prepare is not None:
        prepare(workdir)
    target = workdir / fuzzed

    def run(data: bytes) -> object:
        target.write_bytes(data)
        return load_contest(config_path)

    return run


# ------------------------------------------------------------------ plain formats

_BLT_SEEDS = [
    b'3 2\n4 1 2 0\n2 3 0\n1 2 3 1 0\n0\n"Adam"\n"Basil"\n"Charlotte"\n"Title"\n',
    b'4 2\n-2\n3 1 3 4 0\n1 2 0\n0\n"Adam"\n"Basil"\n"Charlotte"\n"Donald"\n"Title"\n',
    b"# comment\n3 1 /* inline */\n[nick a b c]\n[withdrawn c]\n[tie b a c]\n"
    b"[droop meek arithmetic=fixed]\n[undeclared c]\n(b1) 1 a b 0\n(b2) 1 b - a 0\n"
    b'2.5 a=b c 0\n0\n"A" "B" "C"\n"T" "source" "comment"\ntrailer text\n',
    b'2 1\n1 1 0\n0\n"Lab ""JEAN"" "\n"B"\n"T"\n',
    b"3 1,,\n1 1 2 0,,\n0,,\nA,,\nB,,\nC,,\nTitle,,\n",
    b'\xef\xbb\xbf2 1\r\n1 2 1 0\r\n0\r\n"x"\r\n"y"\r\n"t"\r\n',
]


def _blt_seeds() -> list[bytes]:
    droop = STV / "droop_reference" / "blt"
    files = sorted(droop.glob("*.blt")) if droop.is_dir() else []
    scot = STV / "scotland" / "ballots_blt_mggg_scot_elex" / "blt_files"
    extra = [scot / "5_cands" / "perth_kinross_2016_by_election_ward9.blt"]
    found = [s for p in [*files, *extra] for s in _small(p, 4000)]
    return _BLT_SEEDS + found


def _blt_setup(workdir: Path) -> Runner:
    from selectorate.formats.blt import read_blt

    path = workdir / "ballots.blt"

    def run(data: bytes) -> object:
        path.write_bytes(data)
        try:
            read_blt(path)
        except BallotFileError:
            pass
        return read_blt(path, allow_equal=True)

    return run


_PREFLIB_SEEDS = [
    b"# FILE NAME: 00030-00000001.soi\n# TITLE: Leader\n# DATA TYPE: soi\n"
    b"# NUMBER ALTERNATIVES: 3\n# NUMBER VOTERS: 6\n# NUMBER UNIQUE ORDERS: 3\n"
    b"# ALTERNATIVE NAME 1: Abbott\n# ALTERNATIVE NAME 2: Burnham\n# ALTERNATIVE NAME 3: Cooper\n"
    b"3: 1,2,3\n2: 2\n1: 3,1\n",
    b"# DATA TYPE: toc\n# NUMBER ALTERNATIVES: 3\n# ALTERNATIVE NAME 1: a\n"
    b"# ALTERNATIVE NAME 2: b\n# ALTERNATIVE NAME 3: c\n2: {1,2},3\n1: 3,{2,1}\n",
    b"# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 2\n# ALTERNATIVE NAME 1: a\n"
    b"# ALTERNATIVE NAME 2: b\n5: {1,2}\n1: 2\n",
    b"3\n1,Alice\n2,Bob\n3,Carol\n5,5,2\n3,1,2,3\n2,3,2,1\n",
]


def _preflib_setup(workdir: Path) -> Runner:
    from selectorate.formats.preflib import read_preflib

    return _write_runner(workdir / "ballots.toi", read_preflib)


_CSV_SEEDS = [
    b"Weight,Rank 1,Rank 2,Rank 3\n3,Alice,Bob,\n1,Bob,,Carol\n1,Alice=Bob,Carol,\n",
    b"Count,Alice,Bob,Carol\n3,1,2,\n1,,1,3\n1,1,1,2\n",
    b'Ballot ID,Weight,Choice 1,Choice 2\nb1,1.5,"Smith, J",Jones\nb2,2,Jones,\n\nb3,1,,Jones\n',
    b"\xef\xbb\xbfRank 1;Rank 2\r\nA;B\r\nB;A\r\n",
    b"A,B,C\n1,2,3\n3,2,1\n1,2,3\n,,\n",
]


def _csv_setup(workdir: Path) -> Runner:
    from selectorate.formats.csv_ballots import read_csv

    path = workdir / "ballots.csv"

    def run(data: bytes) -> object:
        path.write_bytes(data)
        if data[:1] == b";":  # also the delimiter option, now and then
            return read_csv(path, delimiter=";")
        return read_csv(path)

    return run


_IRISH = STV / "ireland_2002_evoting"


def _irish_text_seeds() -> list[bytes]:
    seeds = [b'"Wrig" "Glen" "XXXXX"\n"Glen" "XXXXX" "XXXXX"\n\n"Burt" "Wrig" "Glen"\r\n']
    path = _IRISH / "DublinWest.txt"
    if path.is_file():
        with path.open("rb") as f:
            seeds.append(b"".join(f.readline() for _ in range(30)))
    return seeds


def _irish_json_seeds() -> list[bytes]:
    seeds = [
        json.dumps(
            {
                "Constituency": "Test",
                "Number of Seats": 2,
                "Date": {"Year": 2002, "Month": 5, "Day": 17},
                "Candidate": [
                    {"Ref": "Aaaa", "Name": "A", "Party": "X", "Index": 0},
                    {"Ref": "Bbbb", "Name": "B", "Party": "Y", "Index": 1},
                    {"Ref": "Cccc", "Name": "C", "Index": 2},
                ],
                "Ballot": [[1, 2, 0], [0, 1, 1], [3, 0, 1]],
            }
        ).encode()
    ]
    path = _IRISH / "DublinWest2002.json"
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        data["Ballot"] = data["Ballot"][:15]
        seeds.append(json.dumps(data).encode())
    return seeds


def _irish_setup(suffix: str) -> Callable[[Path], Runner]:
    def setup(workdir: Path) -> Runner:
        from selectorate.formats.irish_evote import read_irish_evote

        return _write_runner(workdir / f"ballots{suffix}", read_irish_evote)

    return setup


# ------------------------------------------------------------------ NIST CDF files on their own


def _cdf_json_seeds() -> list[bytes]:
    path = RCTAB / "test_set_8_multi_cdf" / "test_set_8_multi_cdf_cvr_1.json"
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    data["CVR"] = data["CVR"][:6]
    return [json.dumps(data, indent=1).encode()]


def _cdf_xml_seeds() -> list[bytes]:
    import xml.etree.ElementTree as ET

    path = RCTAB / "nist_xml_cdf_2" / "nist_xml_cdf_2.xml"
    if not path.is_file():
        return []
    tree = ET.parse(path)
    root = tree.getroot()
    cvrs = [c for c in root if c.tag.rsplit("}", 1)[-1] == "CVR"]
    for cvr in cvrs[6:]:
        root.remove(cvr)
    # One contest, so that the file can be read on its own (no contest named).
    for election in (e for e in root if e.tag.endswith("Election")):
        contests = [c for c in election if c.tag.endswith("}Contest") or c.tag == "Contest"]
        for contest in contests[1:]:
            election.remove(contest)
    out = io.BytesIO()
    tree.write(out, encoding="utf-8", xml_declaration=True)
    return [out.getvalue()]


def _detect_setup(name: str) -> Callable[[Path], Runner]:
    def setup(workdir: Path) -> Runner:
        from selectorate.formats.detect import read_ballots

        return _write_runner(workdir / name, read_ballots)

    return setup


# ------------------------------------------------------------------ RCTab contests

_GENERIC = RCTAB / "generic_csv_test"
_CLEAR = RCTAB / "clear_ballot_kansas_primary"
_CDF8 = RCTAB / "test_set_8_multi_cdf"
_XML2 = RCTAB / "nist_xml_cdf_2"
_HART = RCTAB / "hart_cedar_park_school_board"
_HART_FILES = RCTAB / "_shared" / "hart_cvr_archive"
_DOMINION = RCTAB / "tabulate_by_precinct_without_precincts"
_DOMINION_DATA = _DOMINION / "tabulate_by_precinct_without_precincts_input_data"
_ESS = RCTAB / "test_set_overvote_delimiter"
_ESS_BLANK = RCTAB / "test_set_treat_blank_as_undeclared_write_in"

#: Config seeds: (case folder, config file name); their CVR files are copied beside them.
_CONFIG_CASES = [
    ("generic_csv_test", "generic_csv_test_config.json"),
    ("test_set_overvote_delimiter", "test_set_overvote_delimiter_config.json"),
    ("test_set_8_multi_cdf", "test_set_8_multi_cdf_config.json"),
    ("clear_ballot_kansas_primary", "clear_ballot_kansas_primary_config.json"),
    ("nist_xml_cdf_2", "nist_xml_cdf_2_config.json"),
]


def _config_seeds() -> list[bytes]:
    seeds = []
    for case, name in _CONFIG_CASES:
        path = RCTAB / case / name
        if not path.is_file():
            continue
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
        for source in raw.get("cvrFileSources", []):
            source["filePath"] = Path(str(source.get("filePath", ""))).name
        seeds.append(json.dumps(raw, indent=2).encode())
    return seeds


def _config_setup(workdir: Path) -> Runner:
    from selectorate.formats.rctab import load_contest

    for case, name in _CONFIG_CASES:
        raw = json.loads((RCTAB / case / name).read_text(encoding="utf-8-sig"))
        for source in raw.get("cvrFileSources", []):
            file = RCTAB / case / str(source.get("filePath", ""))
            if file.is_file() and not (workdir / file.name).exists():
                shutil.copy(file, workdir / file.name)
    return _write_runner(workdir / "contest_config.json", load_contest)


def _generic_seeds() -> list[bytes]:
    return [
        *_small(_GENERIC / "generic_csv_test_cvr.csv"),
        b"id,precinct,batch,Lettuce,Broccoli,Cucumber,Cauliflower,Write-In\n"
        b"1,P1,B1,1,2,,,\n2,P1,B2,,1,1,,3\n3,,,,,,,\n",
    ]


def _clear_seeds() -> list[bytes]:
    path = _CLEAR / "clear_ballot_kansas_primary.cvr.csv"
    if not path.is_file():
        return []
    lines = path.read_bytes().splitlines(keepends=True)
    return [b"".join(lines[:12])]


def _hart_setup(workdir: Path) -> Runner:
    folder = workdir / "hart"

    def prepare(_: Path) -> None:
        folder.mkdir()
        for file in sorted(_HART_FILES.glob("*.xml"))[:6]:
            shutil.copy(file, folder / file.name)

    config = _HART / "hart_cedar_park_school_board_config.json"
    return _contest_runner(workdir, config, "hart/zz_fuzzed.xml", prepare, "hart")


def _hart_seeds() -> list[bytes]:
    if not _HART_FILES.is_dir():
        return []
    files = sorted(_HART_FILES.glob("*.xml"))
    return [p.read_bytes() for p in files if b"b651b997" in p.read_bytes()][:4]


def _dominion_seeds() -> list[bytes]:
    path = _DOMINION_DATA / "CvrExport.json"
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    data["Sessions"] = data["Sessions"][:5]
    return [json.dumps(data, indent=1).encode()]


def _dominion_setup(workdir: Path) -> Runner:
    def prepare(_: Path) -> None:
        folder = workdir / "dominion"
        folder.mkdir()
        for file in _DOMINION_DATA.glob("*Manifest.json"):
            shutil.copy(file, folder / file.name)

    config = _DOMINION / "tabulate_by_precinct_without_precincts_config.json"
    return _contest_runner(workdir, config, "dominion/CvrExport.json", prepare, "dominion")


def _sheet_of(xlsx: bytes) -> tuple[str, bytes]:
    """The first worksheet's member name and XML in an xlsx archive."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
        return names[0], archive.read(names[0])


def xlsx_with_sheet(template: bytes, sheet_xml: bytes) -> bytes:
    """``template`` (an xlsx) with its first worksheet's XML replaced by ``sheet_xml``."""
    member, _ = _sheet_of(template)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = sheet_xml if item.filename == member else src.read(item.filename)
            dst.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


_ESS_BOOK = _ESS / "test_set_overvote_delimiter_cvr.xlsx"
_ESS_BLANK_BOOK = _ESS_BLANK / "test_set_treat_blank_as_undeclared_write_in_cvr.xlsx"


def _ess_zip_seeds() -> list[bytes]:
    return [_ESS_BOOK.read_bytes()] if _ESS_BOOK.is_file() else []


def _sheet_seeds(book: Path) -> Callable[[], list[bytes]]:
    return lambda: [_sheet_of(book.read_bytes())[1]] if book.is_file() else []


def _sheet_setup(config: Path, book: Path) -> Callable[[Path], Runner]:
    """Input: the first worksheet's XML, put into the conformance workbook ``book``."""

    def setup(workdir: Path) -> Runner:
        run = _contest_runner(workdir, config, "cvr.xlsx")
        template = book.read_bytes()
        return lambda data: run(xlsx_with_sheet(template, data))

    return setup


# ------------------------------------------------------------------ registers and rulebooks

_REGISTER_SEEDS = [
    b"member_id,name,category,status,joined,paid_up_to,supporter_registered_on,fee_paid,"
    b"fee_paid_on\nL1,Ann,member,active,2015-03-01,2030-01-01,,,\n\n"
    b"L2,Bob,registered_supporter,active,,,2016-07-19,\xc2\xa325,2016-07-19\n"
    b'L3,"Cat, Jr",affiliated_supporter,lapsed,2014-01-01,,2014-02-01,3.00,\n',
    b"\xef\xbb\xbfname,member_id,status,category,joined\r\nAnn,1,expelled,member,2001-01-31\r\n",
]


def _register_setup(workdir: Path) -> Runner:
    from selectorate.rulebooks.register import read_register

    return _write_runner(workdir / "register.csv", read_register)


def _rulebook_setup(folder_name: str, copy_from: str, file: str) -> Callable[[Path], Runner]:
    """Load a copy of shipped rulebook ``copy_from`` named ``folder_name``; input is ``file``."""

    def setup(workdir: Path) -> Runner:
        from selectorate.rulebooks import load_rulebook

        folder = workdir / folder_name
        shutil.copytree(RULEBOOKS / copy_from, folder)
        path = folder / file

        def run(data: bytes) -> object:
            path.write_bytes(data)
            return load_rulebook(folder)

        return run

    return setup


def _toml_seeds(*paths: str) -> Callable[[], list[bytes]]:
    return lambda: [(RULEBOOKS / p).read_bytes() for p in paths if (RULEBOOKS / p).is_file()]


_NOMINATION_SEEDS = [
    {"title": "Toy", "pools": {"mps": 100}, "candidates": [
        {"name": "A", "mps": 30}, {"name": "B", "mps": 12}]},
    {"title": "Leader 2020", "office": "leader", "contest": "vacancy", "mps_include_meps": True,
     "pools": {"mps": 202, "meps": 10, "clps": 648, "affiliated_membership": 3000000,
               "affiliates": [{"name": "Unite", "kind": "union", "membership": 1000000},
                              {"name": "SEA", "kind": "society", "membership": 1000}]},
     "candidates": [{"name": "K", "mps": 88, "clps": 374, "affiliates": ["Unite", "SEA"]},
                    {"name": "R", "mps": 33, "clps": 164, "affiliate_count": 1,
                     "union_count": 1, "affiliated_membership": 1000000, "withdrawn": False}]},
]  # fmt: skip
_TRIGGER_SEEDS = [
    {"mp": "An MP", "clp": "Somewhere", "title": "Trigger", "source": "x",
     "units": [{"name": "Ward 1", "kind": "branch", "decision": "selection"},
               {"name": "Unite", "kind": "affiliate", "for_selection": 1, "for_mp": 0}]},
    {"mp": "An MP", "branches": {"for_selection": 4, "for_mp": 6, "not_voting": 1},
     "affiliates": {"for_selection": 1, "for_mp": 2}},
]  # fmt: skip


def _record_setup(kind: str) -> Callable[[Path], Runner]:
    """A what-if record file (``selectorate whatif nominations|trigger --record FILE``)."""

    def setup(workdir: Path) -> Runner:
        from selectorate.rulebooks.whatif import record_from_file

        return _write_runner(workdir / "record.json", lambda p: record_from_file(p, kind))

    return setup


# ------------------------------------------------------------------ the targets

TARGETS: dict[str, Target] = {
    t.name: t
    for t in [
        Target("blt", "text", BallotFileError, _blt_seeds, _blt_setup),
        Target("preflib", "text", BallotFileError, lambda: list(_PREFLIB_SEEDS), _preflib_setup),
        Target("csv", "csv", BallotFileError,
               lambda: [*_CSV_SEEDS, *_small(_GENERIC / "generic_csv_test_cvr.csv")], _csv_setup),
        Target("irish_text", "text", BallotFileError, _irish_text_seeds, _irish_setup(".txt")),
        Target("irish_json", "json", BallotFileError, _irish_json_seeds, _irish_setup(".json")),
        Target("cdf_json_file", "json", BallotFileError, _cdf_json_seeds,
               _detect_setup("cvr.json"), (_CDF8,)),
        Target("cdf_xml_file", "xml", BallotFileError, _cdf_xml_seeds,
               _detect_setup("cvr.xml"), (_XML2,)),
        Target("rctab_config", "json", BallotFileError, _config_seeds, _config_setup, (RCTAB,)),
        Target("rctab_generic_csv", "csv", BallotFileError, _generic_seeds,
               lambda w: _contest_runner(w, _GENERIC / "generic_csv_test_config.json", "cvr.csv"),
               (_GENERIC,)),
        Target("rctab_clear_ballot", "csv", BallotFileError, _clear_seeds,
               lambda w: _contest_runner(w, _CLEAR / "clear_ballot_kansas_primary_config.json",
                                         "cvr.csv"), (_CLEAR,)),
        Target("rctab_cdf_json", "json", BallotFileError, _cdf_json_seeds,
               lambda w: _contest_runner(w, _CDF8 / "test_set_8_multi_cdf_config.json",
                                         "cvr.json"), (_CDF8,)),
        Target("rctab_cdf_xml", "xml", BallotFileError, _cdf_xml_seeds,
               lambda w: _contest_runner(w, _XML2 / "nist_xml_cdf_2_config.json", "cvr.xml"),
               (_XML2,)),
        Target("rctab_dominion", "json", BallotFileError, _dominion_seeds, _dominion_setup,
               (_DOMINION_DATA,)),
        Target("rctab_hart", "xml", BallotFileError, _hart_seeds, _hart_setup,
               (_HART, _HART_FILES)),
        Target("rctab_ess_sheet", "xml", BallotFileError, _sheet_seeds(_ESS_BOOK),
               _sheet_setup(_ESS / "test_set_overvote_delimiter_config.json", _ESS_BOOK),
               (_ESS,)),
        Target("rctab_ess_blank_sheet", "xml", BallotFileError, _sheet_seeds(_ESS_BLANK_BOOK),
               _sheet_setup(_ESS_BLANK / "test_set_treat_blank_as_undeclared_write_in_config.json",
                            _ESS_BLANK_BOOK), (_ESS_BLANK,)),
        Target("rctab_ess_xlsx", "zip", BallotFileError, _ess_zip_seeds,
               lambda w: _contest_runner(w, _ESS / "test_set_overvote_delimiter_config.json",
                                         "cvr.xlsx"), (_ESS, _ESS_BLANK)),
        Target("register", "csv", RulebookError, lambda: list(_REGISTER_SEEDS), _register_setup),
        Target("rulebook_root", "toml", RulebookError,
               _toml_seeds("students-union-stv/rulebook.toml"),
               _rulebook_setup("students-union-stv", "students-union-stv", "rulebook.toml")),
        Target("rulebook_procedure", "toml", RulebookError,
               _toml_seeds(*(f"{r}/leadership.toml" for r in
                             ("conservative-2019", "green-ew-2020", "libdem-2019"))),
               _rulebook_setup("conservative-2019", "conservative-2019", "leadership.toml")),
        Target("whatif_nominations", "json", RulebookError,
               lambda: [json.dumps(d).encode() for d in _NOMINATION_SEEDS],
               _record_setup("nominations")),
        Target("whatif_trigger", "json", RulebookError,
               lambda: [json.dumps(d).encode() for d in _TRIGGER_SEEDS],
               _record_setup("trigger")),
        Target("rulebook_derived", "toml", RulebookError,
               _toml_seeds("labour-2017/rulebook.toml"),
               _rulebook_setup("labour-2017", "labour-2017", "rulebook.toml")),
    ]
}  # fmt: skip
