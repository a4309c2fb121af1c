"""Clear Ballot ClearVote CVR export, CSV form (RCTab provider ``clearBallot``).

How RCTab reads it (``ClearBallotCvrReader.java``, snapshot 2167c240; Clear
Ballot 2.1 RCV format):

* the first ten columns are ``RowNumber, BoxID, BoxPosition, BallotID,
  PrecinctID, BallotStyleID, PrecinctStyleName, ScanComputerName, Status,
  Remade``; every later column is one (contest, rank, choice) and its header
  has six ``:``-separated fields ``Choice_<n>_<m>:<contest>:<rank>:<vote rule>:
  <choice>:<party>``;
* only columns whose contest is the source's ``contestId`` are read; a choice
  named like the ``undeclaredWriteInLabel`` is a write-in; a rank above
  ``maxRankingsAllowed`` is an error;
* every row after the header is one ballot; a cell equal to ``1`` is a mark
  (we also take a blank cell as no mark, where RCTab would stop with an error);
* the precinct is ``PrecinctID``; the CVR id is ``BallotID``.
"""

from __future__ import annotations

import csv

from selectorate.ballots.model import Ballot
from selectorate.formats.errors import BallotFileError
from selectorate.formats.rctab.config import UNDECLARED_WRITE_INS, CvrSourceConfig, RctabConfig
from selectorate.formats.rctab.generic_csv import open_csv
from selectorate.formats.rctab.records import (
    CandidateIndex,
    RankChecker,
    SourceBallots,
    parse_whole,
    rankings_from_marks,
)

#: Index of the first choice column and of the fixed columns RCTab reads.
CHOICES_BEGIN = 10
BALLOT_ID, PRECINCT_ID, SCAN_COMPUTER = 3, 4, 7


def read_clear_ballot(
    source: CvrSourceConfig, config: RctabConfig, index: CandidateIndex
) -> SourceBallots:
    """Read the ballots of one contest from a Clear Ballot CSV export."""
    path = source.path
    checker = RankChecker(config.max_rankings)
    result = SourceBallots(vendor_ids=[], tabulators=[])
    assert result.vendor_ids is not None and result.tabulators is not None
    with open_csv(path) as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise BallotFileError(path, 1, "no header row")
            if len(header) <= CHOICES_BEGIN:
                raise BallotFileError(path, 1, "no choice columns after the first ten columns")
            columns: list[tuple[int, int, str]] = []  # (column, rank, choice)
            for col in range(CHOICES_BEGIN, len(header)):
                fields = header[col].split(":")
                if len(fields) != 6:
                    raise BallotFileError(
                        path,
                        1,
                        f"column {col + 1} header {header[col]!r} must have 6 ':'-separated fields "
                        "(Choice_n_m:contest:rank:vote rule:choice:party)",
                    )
                if fields[1] != source.contest_id:
                    continue
                rank = parse_whole(fields[2])
                if rank is None:
                    raise BallotFileError(
                        path, 1, f"column {col + 1}: rank {fields[2]!r} is not a number"
                    )
                checker.check(rank, path, 1, f"header column {col + 1}")
                columns.append((col, rank, fields[4]))
            if not columns:
                raise BallotFileError(
                    path, 1, f"no column belongs to contest {source.contest_id!r}"
                )

            resolved: dict[str, int] = {}
            for row in reader:
                line = reader.line_num
                if not row:
                    continue
                if len(row) < len(header):
                    raise BallotFileError(
                        path, line, f"row has {len(row)} fields, the header has {len(header)}"
                    )
                marks: list[tuple[int, int]] = []
                for col, rank, choice in columns:
                    cell = row[col].strip()
                    if cell == "":
                        continue
                    value = parse_whole(cell)
                    if value is None:
                        raise BallotFileError(
                            path, line, f"column {col + 1}: {cell!r} is not 0 or 1"
                        )
                    if value != 1:
                        continue
                    candidate = resolved.get(choice)
                    if candidate is None:
                        if (
                            source.undeclared_write_in_label
                            and choice == source.undeclared_write_in_label
                        ):
                            candidate = index.write_in(path, line, UNDECLARED_WRITE_INS)
                        else:
                            candidate = index.resolve(choice, path, line)
                        if candidate >= -1:
                            resolved[choice] = candidate
                    marks.append((rank, candidate))
                ballot_id = row[BALLOT_ID]
                result.vendor_ids.append(ballot_id)
                result.tabulators.append(row[SCAN_COMPUTER])
                result.ballots.append(
                    Ballot(rankings_from_marks(marks), 1, ballot_id, row[PRECINCT_ID])
                )
        except csv.Error as exc:
            raise BallotFileError(path, reader.line_num, f"malformed CSV: {exc}") from None
    return result
