"""RCTab's generic CSV: a column per candidate, each cell a rank (provider ``genericCsv``).

How RCTab reads it (``CsvCvrReader.java``, snapshot 2167c240):

* the first row is the header; from ``firstVoteColumnIndex`` on, each header cell
  is a candidate name (none may be blank); a column headed by the
  ``undeclaredWriteInLabel`` collects undeclared write-ins;
* data rows start at ``firstVoteRowIndex`` (1-based, the header being row 1);
  every data row is one ballot, even one with no rank at all;
* a blank cell is no mark; any other cell must be a whole number, the rank the
  voter gave that candidate (two candidates with one rank are an overvote, one
  candidate with two ranks a duplicate); a rank above ``maxRankingsAllowed``
  makes RCTab reject the file (case ``max_ranking_enforcement``);
* optional ``idColumnIndex``, ``precinctColumnIndex`` and ``batchColumnIndex``
  give the vendor id, precinct and batch; RCTab's CVR id is the row's ordinal.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from selectorate.ballots.model import Ballot
from selectorate.formats._weights import whole
from selectorate.formats.errors import BallotFileError
from selectorate.formats.rctab.config import UNDECLARED_WRITE_INS, CvrSourceConfig, RctabConfig
from selectorate.formats.rctab.records import (
    CandidateIndex,
    RankChecker,
    SourceBallots,
    java_trim,
    rankings_from_marks,
)

_INT = re.compile(r"[+-]?[0-9]+")
# RCTab's generic CSV reader labels ballots without an id so (CsvCvrReader.java).
MISSING_PRECINCT_ID = "no precinct id"
MISSING_BATCH_ID = "no batch id"


def open_csv(path: Path) -> io.StringIO:
    """The whole file as text (UTF-8, optional BOM), errors as :class:`BallotFileError`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BallotFileError(path, None, "cast vote record file not found") from None
    except IsADirectoryError:
        raise BallotFileError(path, None, "expected a CSV file, found a folder") from None
    except OSError as exc:
        raise BallotFileError(path, None, f"cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BallotFileError(path, line, f"not UTF-8 text ({exc.reason})") from None
    return io.StringIO(text, newline="")


def read_generic_csv(
    source: CvrSourceConfig, config: RctabConfig, index: CandidateIndex
) -> SourceBallots:
    """Read an RCTab generic CSV source into ballots."""
    path = source.path
    assert source.first_vote_column is not None and source.first_vote_row is not None
    first_col = source.first_vote_column - 1
    checker = RankChecker(config.max_rankings)
    id_col = None if source.id_column is None else source.id_column - 1
    precinct_col = None if source.precinct_column is None else source.precinct_column - 1
    batch_col = None if source.batch_column is None else source.batch_column - 1
    result = SourceBallots(vendor_ids=[] if id_col is not None else None)

    with open_csv(path) as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise BallotFileError(path, 1, "the file is empty: no header row")
            names = header[first_col:]
            if not names:
                raise BallotFileError(
                    path, 1, f"no candidate columns from firstVoteColumnIndex {first_col + 1} on"
                )
            for k, name in enumerate(names):
                if name.strip() == "":
                    raise BallotFileError(
                        path, 1, f"candidate name in column {first_col + k + 1} is blank"
                    )
            uwi_label = source.undeclared_write_in_label
            resolved: list[int | None] = [None] * len(names)
            number = 0
            for row in reader:
                line = reader.line_num
                if line < source.first_vote_row:
                    continue
                number += 1
                cvr_id = str(number)
                vendor_id = _cell(row, id_col)
                where_id = vendor_id or cvr_id
                marks: list[tuple[int, int]] = []
                for k, cell in enumerate(row[first_col:]):
                    text = java_trim(cell)
                    if text == "":
                        continue
                    if k >= len(names):
                        raise BallotFileError(
                            path, line, f"column {first_col + k + 1} has a value but no header"
                        )
                    rank = whole(text) if _INT.fullmatch(text) else None
                    if rank is None:
                        raise BallotFileError(
                            path,
                            line,
                            f"column {first_col + k + 1} ({names[k]}): expected a rank number, "
                            f"got {text!r}",
                        )
                    checker.check(rank, path, line, where_id)
                    candidate = resolved[k]
                    if candidate is None:
                        if uwi_label and names[k] == uwi_label:
                            candidate = index.write_in(path, line, UNDECLARED_WRITE_INS)
                        else:
                            candidate = index.resolve(names[k], path, line)
                        if candidate >= 0:
                            resolved[k] = candidate
                    marks.append((rank, candidate))
                marks.sort(key=lambda m: m[0])
                if result.vendor_ids is not None:
                    result.vendor_ids.append(vendor_id)
                result.ballots.append(
                    Ballot(
                        rankings_from_marks(marks),
                        1,
                        cvr_id,
                        _cell(row, precinct_col, MISSING_PRECINCT_ID),
                        _cell(row, batch_col, MISSING_BATCH_ID),
                    )
                )
        except csv.Error as exc:
            raise BallotFileError(path, reader.line_num, f"malformed CSV: {exc}") from None
    return result


def _cell(row: list[str], col: int | None, missing: str | None = None) -> str | None:
    if col is None:
        return None
    value = row[col] if col < len(row) else ""
    return value or missing
