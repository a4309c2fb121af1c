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
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from selectorate.ballots.model import OVERVOTE, Ballot, Candidate, Election, Weight
from selectorate.formats._weights import decimal_text, parse_weight
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
    """
    if not equal_sep:
        raise ValueError("equal_sep must not be empty")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            # An empty line is not a ballot; a blank ballot is a row of empty
            # cells (",," or, in a one-column file, '""').
            blank_line = not row or (len(row) == 1 and not row[0].strip())
            if not row or (blank_line and (not rows or len(rows[0][1]) > 1)):
                continue
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise BallotFileError(path, reader.line_num, f"unreadable CSV: {exc}") from None
    if not rows:
        raise BallotFileError(path, None, "empty file: expected a header row")
    header_line, header = rows[0]
    header = [h.strip() for h in header]
    roles = _column_roles(header, path, header_line)
    body = rows[1:]
    if layout is None:
        layout = _detect_layout(header, roles, body)
    if layout not in ("ranks", "grid"):
        raise ValueError(f"layout must be 'ranks' or 'grid', not {layout!r}")
    if layout == "ranks":
        cands, ballots = _read_ranks(header, roles, body, candidates, equal_sep, path)
    else:
        cands, ballots = _read_grid(header, roles, body, candidates, path)
    return Election(
        candidates=tuple(Candidate(n) for n in cands), ballots=ballots, seats=seats, title=title
    )


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


def _detect_layout(
    header: list[str], roles: list[str], body: list[tuple[int, list[str]]]
) -> Layout:
    """``grid`` when the data cells are all rank numbers under non-rank headings."""
    data_cols = [k for k, r in enumerate(roles) if r == "data"]
    if any(_RANK_HEADER.fullmatch(header[k]) for k in data_cols):
        return "ranks"
    for _, row in body:
        for k in data_cols:
            cell = row[k].strip() if k < len(row) else ""
            if cell and not _INT.fullmatch(cell):
                return "ranks"
    return "grid"


def _row_extras(
    row: list[str], header: list[str], roles: list[str], line: int, path: str | Path | None
) -> tuple[Weight, str | None]:
    """The weight and label of one row, checking its width."""
    if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
        raise BallotFileError(
            path, line, f"row has {len(row)} cells but the header has {len(header)}"
        )
    weight: Weight = 1
    label = None
    for k, role in enumerate(roles):
        cell = row[k].strip() if k < len(row) else ""
        if role == "weight":
            weight = _weight(cell, header[k], line, path)
        elif role == "id" and cell:
            label = cell
    return weight, label


def _weight(cell: str, column: str, line: int, path: str | Path | None) -> Weight:
    """A positive whole or exact decimal weight."""
    w = parse_weight(cell)
    if w is None:
        raise BallotFileError(
            path, line, f"column {column!r}: weight {cell!r} is not a whole or decimal number"
        )
    if w == 0:
        raise BallotFileError(path, line, f"column {column!r}: weight is 0")
    return w


def _read_ranks(
    header: list[str],
    roles: list[str],
    body: list[tuple[int, list[str]]],
    candidates: Sequence[str] | None,
    equal_sep: str,
    path: str | Path | None,
) -> tuple[list[str], list[Ballot]]:
    """Rank columns holding names."""
    known: dict[str, int] = {}
    fixed = candidates is not None
    for name in candidates or ():
        if name in known:
            raise ValueError(f"candidate {name!r} is listed twice")
        known[name] = len(known)
    data_cols = [k for k, r in enumerate(roles) if r == "data"]
    ballots = []
    for line, row in body:
        weight, label = _row_extras(row, header, roles, line, path)
        ranks = []
        for k in data_cols:
            cell = row[k].strip() if k < len(row) else ""
            marks = []
            for name in (p.strip() for p in cell.split(equal_sep)) if cell else ():
                if not name:
                    raise BallotFileError(
                        path, line, f"column {header[k]!r}: empty name in {cell!r}"
                    )
                if name not in known:
                    if fixed:
                        raise BallotFileError(
                            path, line, f"column {header[k]!r}: unknown candidate {name!r}"
                        )
                    known[name] = len(known)
                marks.append(known[name])
            ranks.append(tuple(marks))
        while ranks and not ranks[-1]:
            ranks.pop()  # empty trailing cells are unused ranks, not skips
        ballots.append(Ballot(rankings=tuple(ranks), weight=weight, label=label))
    return list(known), ballots


def _read_grid(
    header: list[str],
    roles: list[str],
    body: list[tuple[int, list[str]]],
    candidates: Sequence[str] | None,
    path: str | Path | None,
) -> tuple[list[str], list[Ballot]]:
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
    ballots = []
    for line, row in body:
        weight, label = _row_extras(row, header, roles, line, path)
        by_rank: dict[int, list[int]] = {}
        for k in data_cols:
            cell = row[k].strip() if k < len(row) else ""
            if not cell:
                continue
            if not _INT.fullmatch(cell) or int(cell) == 0:
                raise BallotFileError(
                    path, line, f"column {header[k]!r}: rank {cell!r} is not a positive number"
                )
            by_rank.setdefault(int(cell), []).append(index[header[k]])
        top = max(by_rank, default=0)
        ranks = tuple(tuple(sorted(by_rank.get(r, ()))) for r in range(1, top + 1))
        ballots.append(Ballot(rankings=ranks, weight=weight, label=label))
    return order, ballots


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
    writer = csv.writer(out, lineterminator="\n")
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


def _weight_text(weight: Weight, n: int, path: str | Path | None) -> str:
    """A weight as a whole number or an exact decimal."""
    text = decimal_text(weight)
    if text is None or weight <= 0:
        raise BallotFileError(
            path, None, f"ballot {n}: weight {weight} is not a positive whole or decimal number"
        )
    return text
