"""Plain CSV ballots, one ballot (or one weighted group) per row, in two layouts.

``ranks`` — one column per rank, cells hold candidate names::

    Weight,Rank 1,Rank 2,Rank 3
    3,Alice,Bob,
    1,Bob,,Carol          <- empty cell: a skipped rank
    1,Alice=Bob,Carol,    <- two names at one rank: an overvote (``=`` by default)

``grid`` — one column per candidate, cells hold the rank the voter gave::

    Count,Alice,Bob,Carol
    3,1,2,
    1,,1,3                <- no rank 2: a skipped rank
    1,1,1,2               <- two candidates at rank 1: an overvote

A column headed ``Weight`` or ``Count`` (any case) holds the number of identical
ballots, whole or an exact decimal (read as a Fraction, never a float); a
column headed ``Ballot ID`` or ``ID`` holds a label. Every other column is a rank
column (``ranks``) or a candidate (``grid``). Rows keep file order; nothing is
"cleaned": ``Ballot.rankings`` is what the row says (see
:mod:`selectorate.ballots.model`).

The layout is detected unless given: ``grid`` when no header cell looks like a
rank heading (``Rank 1``, ``Choice 2``, ``1st``, ``Preference 3``, a bare number)
and every non-empty cell under the other columns is a whole number; else
``ranks``.

Rows are not kept: each distinct row is read and interpreted once, identical rows
share its ``Ballot`` (unless they carry an id), and when every ballot has one
candidate per rank, a whole weight and no id the ballots come as
:class:`~selectorate.ballots.packed.PackedBallots` (the 1M-row benchmark file:
~1 s and ~250 MB instead of ~18 s and ~1 GB).
"""

from __future__ import annotations

import csv
import io
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Literal

import numpy as np

from selectorate.ballots.model import OVERVOTE, Ballot, Candidate, Election, Weight
from selectorate.ballots.packed import PackedBallots
from selectorate.formats._weights import decimal_text, parse_weight, whole
from selectorate.formats.errors import BallotFileError

__all__ = ["format_csv", "parse_csv", "read_csv", "write_csv"]

Layout = Literal["ranks", "grid"]

_WEIGHT_HEADERS = ("weight", "count")
_ID_HEADERS = ("ballot id", "ballotid", "id")
_RANK_HEADER = re.compile(
    r"\s*(?:(?:rank|choice|preference|pref)\s*#?\s*\d+|\d+(?:st|nd|rd|th)?"
    r"(?:\s+(?:choice|preference|pref|rank))?)\s*",
    re.IGNORECASE,
)
_INT = re.compile(r"\d+")


def read_csv(
    path: str | Path,
    *,
    layout: Layout | None = None,
    candidates: Sequence[str] | None = None,
    seats: int = 1,
    title: str = "",
    equal_sep: str = "=",
    delimiter: str = ",",
) -> Election:
    """Read a CSV ballot file (see :func:`parse_csv` for the options)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BallotFileError(path, None, f"not valid UTF-8 text ({exc.reason})") from None
    return parse_csv(
        text,
        path=path,
        layout=layout,
        candidates=candidates,
        seats=seats,
        title=title,
        equal_sep=equal_sep,
        delimiter=delimiter,
    )


def parse_csv(
    text: str,
    *,
    path: str | Path | None = None,
    layout: Layout | None = None,
    candidates: Sequence[str] | None = None,
    seats: int = 1,
    title: str = "",
    equal_sep: str = "=",
    delimiter: str = ",",
) -> Election:
    """Parse CSV ballot ``text``; ``path`` only names it in errors.

    ``layout``: ``"ranks"``, ``"grid"`` or ``None`` to detect it.
    ``candidates``: the candidates in ballot-paper order. In ``ranks`` files a
    name outside the list is an error; without it the candidates are the names
    met, in order of first appearance. In ``grid`` files the header gives the
    candidates; a list, if given, must hold the same names (it fixes the order).
    ``equal_sep`` separates several names in one ``ranks`` cell (an overvote).
    CSV has no place for seats or a title: pass them.

    Each distinct row is interpreted once (identical rows share one ``Ballot``
    unless they carry a ballot id); when every ballot has one candidate per
    rank, a whole weight and no id, the ballots come as
    :class:`~selectorate.ballots.packed.PackedBallots`.
    """
    if not equal_sep:
        raise ValueError("equal_sep must not be empty")
    rows = _scan(text.removeprefix("\ufeff"), delimiter, path)
    if rows is None:
        raise BallotFileError(path, None, "empty file: expected a header row")
    header = [h.strip() for h in rows.header]
    roles = _column_roles(header, path, rows.header_line)
    if layout is None:
        layout = _detect_layout(header, roles, rows.kept)
    if layout not in ("ranks", "grid"):
        raise ValueError(f"layout must be 'ranks' or 'grid', not {layout!r}")
    try:
        if layout == "ranks":
            cands, made = _read_ranks(header, roles, rows, candidates, equal_sep)
        else:
            cands, made = _read_grid(header, roles, rows, candidates, path)
    except _RowProblem as problem:
        raise BallotFileError(path, rows.line_of(problem.row), problem.text) from None
    return Election(
        candidates=tuple(Candidate(n) for n in cands),
        ballots=_assemble(made, rows.ids),
        seats=seats,
        title=title,
    )


class _RowProblem(Exception):
    """A problem with distinct row number ``row`` (its file line is looked up on demand)."""

    def __init__(self, row: int, text: str) -> None:
        super().__init__(text)
        self.row = row
        self.text = text


@dataclass(slots=True)
class _Rows:
    """The header and the distinct body rows of a CSV text, in order of first appearance.

    ``ids[i]`` is the distinct row (index into ``kept``) of the ``i``-th body
    row, or -1 for a row that is not a ballot (an empty line). ``kept`` may be
    iterated more than once; ``line_of(k)`` is the file line of ``kept``'s
    row ``k`` (looked up only for an error message).
    """

    header: list[str]
    header_line: int
    kept: Iterable[list[str]]
    ids: np.ndarray
    line_of: Callable[[int], int]


@dataclass(slots=True)
class _LineRows:
    """Rows parsed again from their lines each time they are iterated (saves memory)."""

    lines: list[str]
    delimiter: str

    def __iter__(self) -> Iterator[list[str]]:
        return csv.reader(self.lines, delimiter=self.delimiter)


def _is_blank_line(row: list[str]) -> bool:
    """An empty line, or one holding a single blank cell."""
    return not row or (len(row) == 1 and not row[0].strip())


def _skipped(row: list[str], header: list[str]) -> bool:
    """Not a ballot: an empty line (a blank ballot is a row of empty cells, or ``""``)."""
    return not row or (len(header) > 1 and _is_blank_line(row))


def _scan(text: str, delimiter: str, path: str | Path | None) -> _Rows | None:
    """Read the rows of ``text``, keeping each distinct row once; ``None`` if there are none."""
    fast = _scan_lines(text, delimiter)
    if fast is not None:
        return fast if fast.header else None
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 0
    index: dict[tuple[str, ...], int] = {}
    kept: list[list[str]] = []
    first_lines: list[int] = []
    ids = array("q")
    try:
        for row in reader:
            if header is None:
                if not _is_blank_line(row):
                    header, header_line = row, reader.line_num
                continue
            key = tuple(row)
            at = index.get(key)
            if at is None:
                at = -1 if _skipped(row, header) else len(kept)
                if at >= 0:
                    kept.append(row)
                    first_lines.append(reader.line_num)
                index[key] = at
            ids.append(at)
    except csv.Error as exc:
        raise BallotFileError(path, reader.line_num, f"unreadable CSV: {exc}") from None
    if header is None:
        return None
    at_line = first_lines.__getitem__
    return _Rows(header, header_line, kept, np.array(ids, dtype=np.int64), at_line)


def _scan_lines(text: str, delimiter: str) -> _Rows | None:
    """:func:`_scan` for texts without quotes: one row per line, each distinct line kept once.

    Without a quote character no cell spans lines, so the rows are the lines
    and :mod:`csv` parses each the same wherever it stands. Returns ``None``
    (use the reader) for quotes, a carriage return not followed by a line feed,
    a NUL or an over-long line, all of which :mod:`csv` itself handles or reports.
    An empty ``header`` means the text has no row.
    """
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        return None
    if '"' in text or "\0" in text:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    lines = text.split("\n")
    if lines and not lines[-1]:
        lines.pop()  # the text's final line feed does not start a row
    limit = csv.field_size_limit()
    start = 0
    header: list[str] = []
    while start < len(lines):
        if len(lines[start]) > limit:
            return None
        row = next(csv.reader([lines[start]], delimiter=delimiter), [])
        start += 1
        if not _is_blank_line(row):
            header = row
            break
    distinct: dict[str, int] = dict.fromkeys(islice(lines, start, None), -1)
    if max(map(len, distinct), default=0) > limit:
        return None
    # What _skipped says of the line's row, from the line itself: without quotes
    # an empty line is the row [], and a line without the delimiter one cell.
    wide = len(header) > 1
    kept: list[str] = []
    for line in distinct:  # the values become each line's distinct row (or -1)
        if not line or (wide and delimiter not in line and not line.strip()):
            distinct[line] = -1
        else:
            distinct[line] = len(kept)
            kept.append(line)
    ids = np.fromiter(
        map(distinct.__getitem__, islice(lines, start, None)),
        dtype=np.int64,
        count=len(lines) - start,
    )
    del lines, distinct  # a million small strings: free them before building ballots

    def line_of(row: int) -> int:
        return text.split("\n").index(kept[row], start) + 1

    return _Rows(header, start, _LineRows(kept, delimiter), ids, line_of)


def _column_roles(header: list[str], path: str | Path | None, line: int) -> list[str]:
    """``weight``, ``id`` or ``data`` for each header cell."""
    roles = []
    for cell in header:
        low = cell.lower()
        if low in _WEIGHT_HEADERS:
            roles.append("weight")
        elif low in _ID_HEADERS:
            roles.append("id")
        else:
            roles.append("data")
    for role in ("weight", "id"):
        if roles.count(role) > 1:
            raise BallotFileError(path, line, f"more than one {role} column in the header")
    return roles


def _detect_layout(header: list[str], roles: list[str], rows: list[list[str]]) -> Layout:
    """``grid`` when the data cells are all rank numbers under non-rank headings."""
    data_cols = [k for k, r in enumerate(roles) if r == "data"]
    if any(_RANK_HEADER.fullmatch(header[k]) for k in data_cols):
        return "ranks"
    for row in rows:
        for k in data_cols:
            cell = row[k].strip() if k < len(row) else ""
            if cell and not _INT.fullmatch(cell):
                return "ranks"
    return "grid"


def _row_extras(
    row: list[str], header: list[str], roles: list[str], at: int
) -> tuple[Weight, str | None]:
    """The weight and label of distinct row ``at``, checking its width."""
    if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
        raise _RowProblem(at, f"row has {len(row)} cells but the header has {len(header)}")
    weight: Weight = 1
    label = None
    for k, role in enumerate(roles):
        if role == "data":
            continue
        cell = row[k].strip() if k < len(row) else ""
        if role == "weight":
            weight = _weight(cell, header[k], at)
        elif cell:
            label = cell
    return weight, label


def _weight(cell: str, column: str, at: int) -> Weight:
    """A positive whole or exact decimal weight."""
    w = parse_weight(cell)
    if w is None:
        raise _RowProblem(
            at, f"column {column!r}: weight {cell!r} is not a whole or decimal number"
        )
    if w == 0:
        raise _RowProblem(at, f"column {column!r}: weight is 0")
    return w


#: What a distinct row says: its rankings, weight and label.
_Made = tuple[tuple[tuple[int, ...], ...], Weight, str | None]


def _read_ranks(
    header: list[str],
    roles: list[str],
    rows: _Rows,
    candidates: Sequence[str] | None,
    equal_sep: str,
) -> tuple[list[str], list[_Made]]:
    """Rank columns holding names."""
    known: dict[str, int] = {}
    fixed = candidates is not None
    for name in candidates or ():
        if name in known:
            raise ValueError(f"candidate {name!r} is listed twice")
        known[name] = len(known)
    data_cols = [k for k, r in enumerate(roles) if r == "data"]
    plain = len(data_cols) == len(header)  # no weight or id column
    width = len(header)
    # The marks of each cell text met so far: rows repeat the same few cells.
    marks_of: dict[str, tuple[int, ...]] = {"": ()}
    known_cell = marks_of.get
    made: list[_Made] = []
    for at, row in enumerate(rows.kept):
        if plain and len(row) == width:
            weight: Weight = 1
            label = None
            ranks = list(map(known_cell, row))  # the usual row: every cell met before
        else:
            weight, label = _row_extras(row, header, roles, at)
            ranks = [marks_of.get(row[k]) if k < len(row) else () for k in data_cols]
        if None in ranks:
            for j, k in enumerate(data_cols):
                if ranks[j] is None:
                    raw = row[k]
                    marks = marks_of.get(raw)
                    if marks is None:
                        marks = _cell_marks(raw, header[k], known, fixed, equal_sep, at)
                        marks_of[raw] = marks
                    ranks[j] = marks
        while ranks and not ranks[-1]:
            ranks.pop()  # empty trailing cells are unused ranks, not skips
        made.append((tuple(ranks), weight, label))
    return list(known), made


def _cell_marks(
    raw: str, column: str, known: dict[str, int], fixed: bool, equal_sep: str, at: int
) -> tuple[int, ...]:
    """The candidates named in one ``ranks`` cell (new names join ``known`` unless ``fixed``)."""
    cell = raw.strip()
    marks = []
    for name in (p.strip() for p in cell.split(equal_sep)) if cell else ():
        if not name:
            raise _RowProblem(at, f"column {column!r}: empty name in {cell!r}")
        if name not in known:
            if fixed:
                raise _RowProblem(at, f"column {column!r}: unknown candidate {name!r}")
            known[name] = len(known)
        marks.append(known[name])
    return tuple(marks)


def _read_grid(
    header: list[str],
    roles: list[str],
    rows: _Rows,
    candidates: Sequence[str] | None,
    path: str | Path | None,
) -> tuple[list[str], list[_Made]]:
    """Candidate columns holding rank numbers."""
    data_cols = [k for k, r in enumerate(roles) if r == "data"]
    names = [header[k] for k in data_cols]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise BallotFileError(path, None, f"candidate column {dup!r} appears twice")
    if candidates is not None:
        if sorted(candidates) != sorted(names):
            raise BallotFileError(
                path, None, "the candidates given do not match the header's candidate columns"
            )
        order = list(candidates)
    else:
        order = names
    index = {n: order.index(n) for n in names}
    made: list[_Made] = []
    for at, row in enumerate(rows.kept):
        weight, label = _row_extras(row, header, roles, at)
        by_rank: dict[int, list[int]] = {}
        for k in data_cols:
            cell = row[k].strip() if k < len(row) else ""
            if not cell:
                continue
            rank = whole(cell) if _INT.fullmatch(cell) else None
            if not rank:
                raise _RowProblem(
                    at, f"column {header[k]!r}: rank {cell!r} is not a positive number"
                )
            if rank > len(names):
                # As RCTab's maxRankingsAllowed "max": no rank beyond the number of
                # candidates (a ballot's rankings are as long as its highest rank).
                raise _RowProblem(
                    at,
                    f"column {header[k]!r}: rank {rank} is more than the number of "
                    f"candidates ({len(names)})",
                )
            by_rank.setdefault(rank, []).append(index[header[k]])
        top = max(by_rank, default=0)
        ranks = tuple(tuple(sorted(by_rank.get(r, ()))) for r in range(1, top + 1))
        made.append((ranks, weight, label))
    return order, made


_INT64_MAX = 2**63 - 1


def _packed(
    lengths: np.ndarray, marks: list[int], weights: list[Weight], ids: np.ndarray
) -> PackedBallots:
    """Packed ballots for rows ``ids`` of the distinct rows (``lengths``, flat ``marks``)."""
    width = int(lengths.max()) if lengths.size else 0
    distinct = np.zeros((lengths.size, width), dtype=np.int32)
    distinct[np.arange(width) < lengths[:, None]] = marks  # row-major: each row's marks in order
    row_lengths = lengths[ids]
    offsets = np.zeros(ids.size + 1, dtype=np.int64)
    np.cumsum(row_lengths, out=offsets[1:])
    used = np.arange(width) < row_lengths[:, None]
    return PackedBallots(
        np.array(weights, dtype=np.int64)[ids], offsets, distinct[ids][used], copy=False
    )


def _assemble(made: list[_Made], ids: np.ndarray) -> list[Ballot] | PackedBallots:
    """The ballots of every body row, in file order, from what each distinct row says.

    Packed when every distinct row is simple (one candidate per rank, a whole
    weight, no id); otherwise a list in which the rows of one distinct row
    without an id share one ``Ballot`` (and equal rankings one tuple).
    """
    if ids.size and (ids < 0).any():
        ids = ids[ids >= 0]
    rankings = [r for r, _, _ in made]
    weights = [w for _, w, _ in made]
    lengths = np.fromiter(map(len, rankings), dtype=np.int64, count=len(made))
    marks = list(chain.from_iterable(chain.from_iterable(rankings)))
    # One mark per rank: no rank is empty and the marks are as many as the ranks.
    simple = (
        len(marks) == int(lengths.sum())
        and not any(() in r for r in rankings)
        and all(label is None for _, _, label in made)
        and all(type(w) is int and w <= _INT64_MAX for w in weights)
    )
    if simple:
        return _packed(lengths, marks, weights, ids)
    interned: dict[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]] = {}
    shared: list[Ballot | None] = []
    for rankings, weight, label in made:
        rankings = interned.setdefault(rankings, rankings)
        shared.append(Ballot(rankings, weight) if label is None else None)
    ballots = []
    for at in ids.tolist():
        ballot = shared[at]
        if ballot is None:
            rankings, weight, label = made[at]
            ballot = Ballot(interned[rankings], weight, label)
        ballots.append(ballot)
    return ballots


def write_csv(
    election: Election, path: str | Path, *, layout: Layout = "ranks", equal_sep: str = "="
) -> None:
    """Write ``election`` to ``path`` as UTF-8 CSV (see :func:`format_csv`)."""
    Path(path).write_text(
        format_csv(election, layout=layout, equal_sep=equal_sep, path=path),
        encoding="utf-8",
        newline="",
    )


def format_csv(
    election: Election,
    *,
    layout: Layout = "ranks",
    equal_sep: str = "=",
    path: str | Path | None = None,
) -> str:
    """The CSV text of ``election``'s ballots in ``layout``.

    A ``Weight`` column is written when some weight is not 1, a ``Ballot ID``
    column when some ballot has a label. Reading the text back with
    ``candidates=election.names`` gives the same ballots, except that trailing
    skipped ranks are dropped. Raises :class:`BallotFileError` for what the
    layout cannot hold: an unnamed overvote; in ``ranks``, a name containing
    ``equal_sep``; in ``grid``, a candidate ranked twice.
    """
    if layout not in ("ranks", "grid"):
        raise ValueError(f"layout must be 'ranks' or 'grid', not {layout!r}")
    names = election.names
    with_weight = any(b.weight != 1 for b in election.ballots)
    with_id = any(b.label is not None for b in election.ballots)
    width = max((len(b.rankings) for b in election.ballots), default=0)
    if layout == "ranks":
        for n in names:
            if equal_sep in n:
                raise BallotFileError(path, None, f"candidate name {n!r} contains {equal_sep!r}")
        data_header = [f"Rank {k}" for k in range(1, max(width, 1) + 1)]
    else:
        if not names:
            raise BallotFileError(path, None, "the grid layout needs at least one candidate")
        data_header = list(names)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=_quoting(names, election))
    writer.writerow(
        (["Ballot ID"] if with_id else []) + (["Weight"] if with_weight else []) + data_header
    )
    for n, b in enumerate(election.ballots, start=1):
        row = ([b.label or ""] if with_id else []) + (
            [_weight_text(b.weight, n, path)] if with_weight else []
        )
        if any(OVERVOTE in rank for rank in b.rankings):
            raise BallotFileError(path, None, f"ballot {n}: an unnamed overvote has no CSV form")
        if layout == "ranks":
            cells = [equal_sep.join(names[i] for i in rank) for rank in b.rankings]
            row += cells + [""] * (len(data_header) - len(cells))
        else:
            given: dict[int, int] = {}
            for r, rank in enumerate(b.rankings, start=1):
                for i in rank:
                    if i in given:
                        raise BallotFileError(
                            path,
                            None,
                            f"ballot {n}: {names[i]!r} is ranked twice; "
                            "the grid layout has one cell per candidate",
                        )
                    given[i] = r
            row += [str(given[i]) if i in given else "" for i in range(len(names))]
        writer.writerow(row)
    return out.getvalue()


def _quoting(names: list[str], election: Election) -> int:
    """Quote every cell when a name or a label holds a carriage return.

    With ``\n`` line ends Python's csv module leaves a lone ``\r`` unquoted, and a
    reader would end the row there; quoting every cell keeps the row whole.
    """
    texts = list(names) + [b.label or "" for b in election.ballots]
    return csv.QUOTE_ALL if any("\r" in t for t in texts) else csv.QUOTE_MINIMAL


def _weight_text(weight: Weight, n: int, path: str | Path | None) -> str:
    """A weight as a whole number or an exact decimal."""
    text = decimal_text(weight)
    if text is None or weight <= 0:
        raise BallotFileError(
            path, None, f"ballot {n}: weight {weight} is not a positive whole or decimal number"
        )
    return text
