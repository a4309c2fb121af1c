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
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from pathlib import Path

from python_calamine import CalamineWorkbook

from selectorate.ballots.model import OVERVOTE, Ballot
from selectorate.formats.errors import BallotFileError
from selectorate.formats.rctab.config import CvrSourceConfig, RctabConfig
from selectorate.formats.rctab.records import (
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
    with archive:
        if not blank_inside:
            with archive.open(member) as handle:
                head = handle.read(4096)
            match = _DIMENSION.search(head)
            if match and match.group(1) and int(match.group(1)) <= height:
                return range(first, height)
        data = archive.read(member)
    present: list[int] = []
    previous = -1
    for match in _ROW.finditer(data):
        number = _ROW_NUMBER.search(match.group(1))
        previous = int(number.group(1)) - 1 if number else previous + 1
        if previous >= first:
            present.append(previous)
    return present


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s[^>]*?ref="[A-Za-z]*\d*(?::[A-Za-z]*(\d+))?"')
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_REL_ID = re.compile(rb'\br:id="([^"]+)"|\b\w+:id="([^"]+)"')


def _first_sheet_xml(path: Path) -> tuple[zipfile.ZipFile, str] | None:
    """The workbook archive and the member name of its first worksheet, if found."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
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
    except KeyError:
        archive.close()
        return None


def _text(value: object, cache: dict[object, str]) -> str:
    if isinstance(value, str):
        return value
    text = cache.get(value)
    if text is None:
        text = cache[value] = cell_text(value)
    return text
