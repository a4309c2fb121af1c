"""ES&S cast vote records: an Excel workbook, one row per ballot (RCTab provider ``ess``).

How RCTab reads these files (``StreamingCvrReader.java``, snapshot 2167c240):

* only the first worksheet is read; rows before ``firstVoteRowIndex`` (1-based)
  are headers; every later row is one cast vote record;
* rank *k* is the cell in column ``firstVoteColumnIndex + k - 1``; only
  ``maxRankingsAllowed`` rank columns are read (with ``"max"``, as many as there
  are declared candidates), so trailing columns such as Minneapolis's ``COUNT``
  are ignored;
* each rank cell is trimmed; the ``skippedRankLabel`` (e.g. ``undervote``) means
  no mark at that rank; the ``overvoteLabel`` is an overvote that names no
  candidate; the ``undeclaredWriteInLabel`` is an undeclared write-in; with an
  ``overvoteDelimiter`` a cell may name several candidates (an overvote) and none
  of its parts may be blank or the skipped-rank label;
* a blank rank cell is no mark, or an undeclared write-in when
  ``treatBlankAsUndeclaredWriteIn`` is set;
* a row without an id cell when ``idColumnIndex`` is set is an error; a row
  without a precinct cell gets the precinct ``missing_precinct_id``;
* RCTab's own CVR id is ``<file name>-<n>`` (n counts records from 1).

RCTab streams the sheet XML and makes a record of every ``<row>`` element from
``firstVoteRowIndex`` on, even one with no cells (a blank ballot), while a row
missing from the XML is nothing. python-calamine returns a rectangle ending at the
last non-empty cell, in which a missing row and an empty one look alike; so when
the rectangle has all-blank rows, or the sheet's ``<dimension>`` reaches beyond
it, the row elements are listed from the sheet XML itself
(``first_round_determines_threshold_test`` ends with three empty ``<row>``
elements that RCTab counts as blank ballots).

Speed: the whole sheet is fetched in one call (``to_python``) and processed
column-wise; each distinct tuple of rank cells is interpreted once and cached,
and the cache is shared by the files of one contest (the 1.04 million rows of
``2013_minneapolis_mayor_scale`` hold about seven thousand distinct tuples).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from pathlib import Path

from python_calamine import CalamineWorkbook

from selectorate.ballots.model import OVERVOTE, Ballot
from selectorate.formats._weights import whole
from selectorate.formats.errors import BallotFileError
from selectorate.formats.rctab.config import CvrSourceConfig, RctabConfig
from selectorate.formats.rctab.records import (
    MAX_RANK,
    UNKNOWN,
    CandidateIndex,
    SourceBallots,
    java_split,
    java_trim,
    sanitize,
)

MISSING_PRECINCT_ID = "missing_precinct_id"
MISSING_BATCH_ID = "missing_batch_id"


def cell_text(value: object) -> str:
    """A cell as the text Excel shows in General format (``1.0`` -> ``"1"``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def _read_rows(source: CvrSourceConfig) -> list[list[object]]:
    path = source.path
    try:
        _check_extent(path)
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise BallotFileError(path, None, "the workbook has no worksheet")
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except BallotFileError:
        raise
    except FileNotFoundError:
        raise BallotFileError(path, None, "cast vote record file not found") from None
    except Exception as exc:  # calamine raises several exception types for bad files
        raise BallotFileError(
            path, None, f"cannot read as an Excel .xlsx workbook ({type(exc).__name__}: {exc})"
        ) from None
    except BaseException as exc:  # a panic in calamine's Rust code (pyo3 PanicException)
        if type(exc).__name__ != "PanicException":
            raise
        raise BallotFileError(
            path, None, f"cannot read as an Excel .xlsx workbook (calamine failed: {exc})"
        ) from None


#: Excel's largest sheet: 1,048,576 rows by 16,384 columns (A1 to XFD1048576).
_MAX_ROW, _MAX_COL = 1_048_576, 16_384
#: Empty cells calamine may have to add to make the sheet's cells a rectangle.
_MAX_FILLED = 10_000_000
#: Largest worksheet XML (uncompressed) read.
_MAX_SHEET_BYTES = 2**30
_BAD_REF = re.compile(rb'\sr="(?![A-Z]{0,3}[1-9][0-9]{0,6}")([^"]{0,20})')
_REF_LETTERS = re.compile(rb'\sr="([A-Z]+)')
_CELL_ROW = re.compile(rb'\sr="[A-Z]+([0-9]+)"')
_ROW_ROW = re.compile(rb'\sr="([0-9]+)"')
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_UNIQUE_COUNT = re.compile(rb'\suniqueCount="([0-9]+)"')
_SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _check_extent(path: Path) -> None:
    """Refuse a worksheet calamine would turn into an impossible rectangle.

    calamine makes the sheet's cells one dense rectangle, from the first cell to
    the last; a cell reference beyond Excel's limits, or two cells far apart
    (``A1`` and ``XFD1048576``), make it allocate terabytes and abort the whole
    process (found by fuzzing), and so does a shared-string table promising
    billions of strings. Both are checked here first.
    """
    sheet = _first_sheet_xml(path)
    if sheet is not None:
        archive, members = sheet[0], [sheet[1]]
    else:  # the workbook does not say which sheet is first: check every worksheet
        try:
            archive = zipfile.ZipFile(path)
        except _ZIP_ERRORS:
            return  # not a zip: calamine says what is wrong
        members = [n for n in archive.namelist() if n.lower().startswith("xl/worksheets/")]
    with archive:
        for member in archive.namelist():
            if member.lower().endswith("sharedstrings.xml"):
                _check_shared_strings(path, member, _read_member(path, archive, member))
        for member in members:
            _check_refs(path, member, _read_member(path, archive, member))


def _read_member(path: Path, archive: zipfile.ZipFile, member: str) -> bytes:
    """One member of the workbook, or a BallotFileError saying why it cannot be read."""
    if archive.getinfo(member).file_size > _MAX_SHEET_BYTES:
        raise BallotFileError(path, None, f"{member} is larger than 1 GiB")
    try:
        return archive.read(member)
    except _ZIP_ERRORS as exc:
        raise BallotFileError(
            path, None, f"cannot read {member} ({type(exc).__name__}: {exc})"
        ) from None


def _check_shared_strings(path: Path, member: str, data: bytes) -> None:
    """``uniqueCount`` must not promise far more strings than the table holds.

    calamine reserves room for ``uniqueCount`` strings up front: ``2000000000``
    aborts the process (found by fuzzing).
    """
    match = _UNIQUE_COUNT.search(data)
    if match is None:
        return
    promised = whole(match.group(1).decode())
    held = len(_SHARED_STRING.findall(data))
    if promised is None or promised > held + _MAX_FILLED:
        raise BallotFileError(
            path,
            None,
            f"{member}: uniqueCount {match.group(1)[:20].decode()} but {held} strings",
        )


def _check_refs(path: Path, member: str, data: bytes) -> None:
    """The row and cell references of worksheet XML ``data`` fit a sheet calamine can build."""
    bad = _BAD_REF.search(data)
    if bad:
        shown = bad.group(1).decode("utf-8", "replace")
        raise BallotFileError(
            path,
            None,
            f"worksheet {member}: {shown!r} is not a row or cell of an Excel sheet "
            "(A1 to XFD1048576)",
        )
    columns = max(map(_column_number, set(_REF_LETTERS.findall(data))), default=0)
    cell_rows = _CELL_ROW.findall(data)
    rows = max(map(int, set(cell_rows)), default=0)
    cells = len(_CELL.findall(data))
    if cells > len(cell_rows):  # a cell without a reference sits in its <row r="...">
        rows = max(rows, max(map(int, set(_ROW_ROW.findall(data))), default=0))
    if columns > _MAX_COL or rows > _MAX_ROW or rows * columns > cells + _MAX_FILLED:
        raise BallotFileError(
            path,
            None,
            f"worksheet {member}: its {cells} cells reach row {rows} and column {columns}; "
            "a sheet that sparse is not a cast vote record export",
        )


class _Interpreter:
    """Turns a tuple of rank cells into ``Ballot.rankings`` under one source's labels.

    Results are cached by cell tuple; the cache may be shared by sources whose
    labels are the same (:func:`interpretation_key`), which matters when one
    contest is split over many files.
    """

    def __init__(self, source: CvrSourceConfig, width: int, index: CandidateIndex) -> None:
        self.width = width
        self.index = index
        self.skipped = source.skipped_rank_label
        self.overvote = source.overvote_label
        self.uwi_label = source.undeclared_write_in_label
        self.delimiter = source.overvote_delimiter
        self.blank_uwi = source.treat_blank_as_undeclared_write_in
        self.cache: dict[tuple[object, ...], tuple[tuple[int, ...], ...]] = {}

    def interpret(
        self, cells: tuple[object, ...], path: Path, line: Callable[[], int]
    ) -> tuple[tuple[tuple[int, ...], ...], list[str]]:
        """Rankings of one row's rank cells and the unknown names met (never cached)."""
        index = self.index
        ranks: list[tuple[int, ...]] = []
        unknown: list[str] = []
        for k in range(self.width):
            text = java_trim(cell_text(cells[k])) if k < len(cells) else ""
            if text == "":
                ranks.append((self._write_in(path, line),) if self.blank_uwi else ())
                continue
            parts = java_split(text, self.delimiter) if self.delimiter else [text]
            marks: list[int] = []
            for part in parts:
                part = java_trim(part)
                if len(parts) > 1 and (part == "" or part == self.skipped):
                    raise BallotFileError(
                        path,
                        line(),
                        f"rank {k + 1} cell {text!r}: when a cell lists several candidates split "
                        f"by the overvote delimiter {self.delimiter!r}, none may be blank or the "
                        "skipped-rank label",
                    )
                if self.skipped and part == self.skipped:
                    continue
                if self.overvote and part == self.overvote:
                    marks.append(OVERVOTE)
                elif self.uwi_label and part == self.uwi_label:
                    marks.append(self._write_in(path, line))
                else:
                    i = index.lookup(part)
                    if i is None:
                        unknown.append(part)
                        i = UNKNOWN
                    marks.append(i)
            ranks.append(tuple(marks))
        while ranks and not ranks[-1]:
            ranks.pop()
        return tuple(ranks), unknown

    def _write_in(self, path: Path, line: Callable[[], int]) -> int:
        if self.index.uwi is None:  # cannot happen: a write-in label enables the pseudo-candidate
            raise BallotFileError(path, line(), "undeclared write-in found but none is configured")
        return self.index.uwi


def interpretation_key(source: CvrSourceConfig, width: int) -> tuple[object, ...]:
    """Sources with equal keys read rank cells identically and may share a cache."""
    return (
        source.first_vote_column,
        width,
        source.skipped_rank_label,
        source.overvote_label,
        source.undeclared_write_in_label,
        source.overvote_delimiter,
        source.treat_blank_as_undeclared_write_in,
    )


def read_ess(
    source: CvrSourceConfig,
    config: RctabConfig,
    index: CandidateIndex,
    shared: dict[tuple[object, ...], _Interpreter] | None = None,
) -> SourceBallots:
    """Read one ES&S xlsx source into ballots (see the module docstring for the rules).

    ``shared`` lets a caller reading several sources of one contest reuse the
    interpretation of identical rank cells across files.
    """
    path = source.path
    rows = _read_rows(source)
    assert source.first_vote_column is not None and source.first_vote_row is not None
    c0 = source.first_vote_column - 1
    width = config.max_rankings
    if not source.treat_blank_as_undeclared_write_in:
        # Rank columns beyond the sheet are blank, i.e. trailing unused ranks: reading
        # them changes no ballot, and a huge maxRankingsAllowed must not cost memory.
        width = min(width, max(len(rows[0]) - c0 if rows else 0, 0))
    elif width > MAX_RANK:
        # RCTab would give every ballot `width` write-in ranks (blank cells up to the limit).
        raise BallotFileError(
            path,
            None,
            f"maxRankingsAllowed {width} with treatBlankAsUndeclaredWriteIn would give every "
            f"ballot {width} write-in ranks; at most {MAX_RANK} are read",
        )
    key = interpretation_key(source, width)
    interpreter = shared.get(key) if shared is not None else None
    if interpreter is None:
        interpreter = _Interpreter(source, width, index)
        if shared is not None:
            shared[key] = interpreter

    first = source.first_vote_row - 1
    record_rows = _record_rows(source, rows)
    if isinstance(record_rows, range):
        records = rows[record_rows.start : record_rows.stop]
    else:
        records = [rows[r] if r < len(rows) else [] for r in record_rows]
    count = len(records)
    if count == 0:
        return SourceBallots()
    # calamine returns a rectangle; rows taken from the XML beyond it are blank
    ncols = len(rows[0]) if rows else 0
    if not isinstance(record_rows, range):
        records = [r if r else [""] * ncols for r in records]

    def line_of(n: int) -> int:
        return (record_rows[n] if not isinstance(record_rows, range) else first + n) + 1

    # Column-wise: transposing in C is far cheaper than slicing a million rows in Python.
    columns = list(zip(*records, strict=True))
    blank_column = ("",) * count
    rank_columns = [columns[c] if c < ncols else blank_column for c in range(c0, c0 + width)]
    keys = list(zip(*rank_columns, strict=True))

    cache = interpreter.cache
    unknown_keys: dict[tuple[object, ...], list[str]] = {}
    for cells in dict.fromkeys(keys):
        if cells in cache:
            continue
        rankings, unknown = interpreter.interpret(
            cells, path, lambda cells=cells: line_of(keys.index(cells))
        )
        if unknown:
            unknown_keys[cells] = unknown
        else:
            cache[cells] = rankings
    if unknown_keys:
        _record_unknown(index, path, keys, unknown_keys, line_of)
        return SourceBallots()  # the caller reports the unknown candidates
    all_rankings = list(map(cache.__getitem__, keys))

    text_cache: dict[object, str] = {}

    def column(col: int | None, missing: str) -> list[str]:
        assert col is not None
        values = columns[col] if col < ncols else blank_column
        return [_text(v, text_cache) or missing for v in values]

    precincts: Iterable[str | None] = repeat(None, count)
    batches: Iterable[str | None] = repeat(None, count)
    if source.precinct_column is not None:
        precincts = column(source.precinct_column - 1, MISSING_PRECINCT_ID)
    if source.batch_column is not None:
        batches = column(source.batch_column - 1, MISSING_BATCH_ID)
    vendor_ids: list[str | None] | None = None
    if source.id_column is not None:
        ids = column(source.id_column - 1, "")
        if "" in ids:
            raise BallotFileError(
                path,
                line_of(ids.index("")),
                f"cast vote record identifier missing (idColumnIndex {source.id_column}); if the "
                "file looks right, copy the data into a new .xlsx file",
            )
        vendor_ids = list(ids)
    prefix = sanitize(path.name) + "-"
    labels = list(map((prefix + "{}").format, range(1, count + 1)))
    ballots = list(map(Ballot, all_rankings, repeat(1, count), labels, precincts, batches))
    return SourceBallots(ballots, vendor_ids=vendor_ids)


def _record_unknown(
    index: CandidateIndex,
    path: Path,
    keys: list[tuple[object, ...]],
    unknown_keys: dict[tuple[object, ...], list[str]],
    line_of: Callable[[int], int],
) -> None:
    occurrences = Counter(k for k in keys if k in unknown_keys)
    for cells, names in unknown_keys.items():
        line = line_of(keys.index(cells))
        for name in names:
            index.record_unknown(name, path, line, occurrences[cells])


def _record_rows(source: CvrSourceConfig, rows: list[list[object]]) -> Sequence[int]:
    """0-based indexes of the sheet rows RCTab reads as cast vote records.

    RCTab sees exactly the ``<row>`` elements of the sheet XML from
    ``firstVoteRowIndex`` on, including empty ones (a row element with no cells is a
    blank ballot; a row missing from the XML is nothing). calamine shows neither
    kind, so when the sheet has all-blank rows in its range or its ``<dimension>``
    reaches past calamine's last row, the row elements are listed from the XML.
    """
    first = source.first_vote_row - 1  # type: ignore[operator]
    height = len(rows)
    blank_inside = bool(rows) and [""] * len(rows[0]) in rows[first:]
    sheet = _first_sheet_xml(source.path)
    if sheet is None:
        return range(first, height)
    archive, member = sheet
    try:
        with archive:
            if not blank_inside:
                with archive.open(member) as handle:
                    head = handle.read(4096)
                match = _DIMENSION.search(head)
                last = whole(match.group(1).decode()) if match and match.group(1) else None
                if last is not None and last <= height:
                    return range(first, height)
            data = archive.read(member)
    except _ZIP_ERRORS as exc:
        raise BallotFileError(
            source.path, None, f"cannot read the worksheet {member} ({type(exc).__name__}: {exc})"
        ) from None
    present: list[int] = []
    previous = -1
    for match in _ROW.finditer(data):
        number = _ROW_NUMBER.search(match.group(1))
        row = whole(number.group(1).decode()) if number else previous + 2
        if row is None:
            raise BallotFileError(
                source.path, None, f"worksheet {member}: a <row> has an impossible row number"
            )
        previous = row - 1
        if previous >= first:
            present.append(previous)
    return present


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s[^>]*?ref="[A-Za-z]*\d*(?::[A-Za-z]*(\d+))?"')
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_REL_ID = re.compile(rb'\br:id="([^"]+)"|\b\w+:id="([^"]+)"')
#: What reading a damaged zip member can raise (bad CRC, bad deflate data, truncation...).
_ZIP_ERRORS = (
    KeyError,
    OSError,
    EOFError,
    RuntimeError,
    NotImplementedError,
    ValueError,
    zipfile.BadZipFile,
    zlib.error,
)


def _first_sheet_xml(path: Path) -> tuple[zipfile.ZipFile, str] | None:
    """The workbook archive and the member name of its first worksheet, if found."""
    try:
        archive = zipfile.ZipFile(path)
    except _ZIP_ERRORS:
        return None
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
        sheet = _SHEET.search(workbook)
        if sheet is None:
            raise KeyError("no sheet")
        rel = _REL_ID.search(sheet.group(1))
        if rel is None:
            raise KeyError("no relationship id")
        rel_id = (rel.group(1) or rel.group(2)).decode()
        for item in re.finditer(rb"<(?:\w+:)?Relationship\b([^>]*)>", rels):
            attrs = item.group(1).decode("utf-8", "replace")
            if f'Id="{rel_id}"' in attrs:
                target = re.search(r'Target="([^"]+)"', attrs)
                if target:
                    name = target.group(1)
                    name = name[1:] if name.startswith("/") else f"xl/{name}"
                    if name in archive.namelist():
                        return archive, name
        raise KeyError("no target")
    except _ZIP_ERRORS:
        archive.close()
        return None


def _text(value: object, cache: dict[object, str]) -> str:
    if isinstance(value, str):
        return value
    text = cache.get(value)
    if text is None:
        text = cache[value] = cell_text(value)
    return text
