"""Dominion Democracy Suite CVR exports, JSON form (RCTab provider ``dominion``).

The source ``filePath`` is a folder holding the export's manifests and its
cast vote records. How RCTab reads it (``DominionCvrReader.java``, snapshot
2167c240):

* ``ContestManifest.json`` must list the source's ``contestId``;
  ``CandidateManifest.json`` says which candidate ids belong to which contest
  (a mark for a candidate of another contest is an error);
  ``PrecinctPortionManifest.json`` is required and ``PrecinctManifest.json``
  optional (older exports have no precincts);
* records are in ``CvrExport.json`` or in numbered files ``CvrExport_<n>.json``,
  read in numeric order (numbers may have gaps);
* each ``Sessions[]`` entry is one sheet: its ``Original`` record is used when
  ``IsCurrent``, else its adjudicated ``Modified`` record (a session with neither
  is skipped); a record lists ``Cards[]`` (or is itself the one card), each with
  ``Contests[]``; every occurrence of the contest on a card is one ballot;
* a contest's ``Marks[]`` give ``(Rank, CandidateId)``; ambiguous marks
  (``IsAmbiguous``) are ignored; all other marks count whatever ``IsVote`` says
  (overvotes and repeated candidates are the counting rule's business); a
  ``CandidateId`` equal to the ``undeclaredWriteInLabel`` is a write-in; other
  ids are matched against the config's candidate names and aliases;
* the precinct is the ``PrecinctManifest`` description of ``PrecinctId`` and the
  batch is ``BatchId``; RCTab's CVR id is ``<TabulatorId>-<BatchId>-<RecordId>``
  and the vendor id is ``RecordId``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from selectorate.ballots.model import Ballot
from selectorate.formats.errors import BallotFileError
from selectorate.formats.rctab.cdf_json import load_json
from selectorate.formats.rctab.config import UNDECLARED_WRITE_INS, CvrSourceConfig, RctabConfig
from selectorate.formats.rctab.records import (
    CandidateIndex,
    RankChecker,
    SourceBallots,
    rankings_from_marks,
)

PRECINCT_MANIFEST = "PrecinctManifest.json"
PRECINCT_PORTION_MANIFEST = "PrecinctPortionManifest.json"
CANDIDATE_MANIFEST = "CandidateManifest.json"
CONTEST_MANIFEST = "ContestManifest.json"
CVR_EXPORT = "CvrExport.json"
#: Dominion outstack condition "InvalidContest": the voter was not eligible to vote in
#: the contest (Alaska's partial-count ballots); RCTab drops such contests (PR #910).
INVALID_CONTEST = 7
_NUMBERED_EXPORT = re.compile(r"CvrExport_(\d+)\.json")


def _id(value: object) -> str | None:
    """A Dominion id as RCTab compares it (``Integer.toString``)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, str)):
        return str(value)
    return None


def _manifest(folder: Path, name: str, required: bool = True) -> list[Mapping[str, object]] | None:
    path = folder / name
    if not path.exists():
        if required:
            raise BallotFileError(path, None, f"Dominion manifest {name} not found")
        return None
    data = load_json(path, f"Dominion manifest {name}")
    items = data.get("List") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BallotFileError(path, None, 'expected an object with a "List" array of objects')
    return items


def _descriptions(folder: Path, name: str, required: bool) -> dict[str, str | None] | None:
    items = _manifest(folder, name, required)
    if items is None:
        return None
    result: dict[str, str | None] = {}
    for n, item in enumerate(items):
        key = _id(item.get("Id"))
        if key is None:
            raise BallotFileError(folder / name, None, f"List[{n}] has no Id")
        description = item.get("Description")
        result[key] = description if isinstance(description, str) else None
    return result


def export_files(folder: Path) -> list[Path]:
    """The CVR files of an export folder in RCTab's reading order."""
    single = folder / CVR_EXPORT
    if single.exists():
        return [single]
    numbered = []
    for path in folder.iterdir():
        match = _NUMBERED_EXPORT.fullmatch(path.name)
        if match:
            numbered.append((int(match.group(1)), path))
    if not numbered:
        raise BallotFileError(
            folder, None, f"neither {CVR_EXPORT} nor CvrExport_<n>.json files found"
        )
    return [path for _, path in sorted(numbered)]


def read_dominion(
    source: CvrSourceConfig, config: RctabConfig, index: CandidateIndex
) -> SourceBallots:
    """Read the ballots of one contest from a Dominion JSON export folder."""
    folder = source.path
    if not folder.is_dir():
        raise BallotFileError(folder, None, "a Dominion source must be the export folder")
    precincts = _descriptions(folder, PRECINCT_MANIFEST, required=False)
    portions = _descriptions(folder, PRECINCT_PORTION_MANIFEST, required=True)
    assert portions is not None
    contest_id = source.contest_id
    contest = next(
        (c for c in _manifest(folder, CONTEST_MANIFEST) or [] if _id(c.get("Id")) == contest_id),
        None,
    )
    if contest is None:
        raise BallotFileError(
            folder / CONTEST_MANIFEST, None, f"contest id {contest_id!r} (contestId) is not listed"
        )
    # RCTab lets each Dominion contest allow as many ranks as its manifest says
    # (BaseCvrReader.isRankingAllowed is per contest); 2024_alaska_dominion has a
    # fifth rank on a contest whose config says "max" (four candidates).
    ranks = contest.get("NumOfRanks")
    limit = ranks if isinstance(ranks, int) and not isinstance(ranks, bool) and ranks > 0 else None
    contest_candidates: set[str] = set()
    for item in _manifest(folder, CANDIDATE_MANIFEST) or []:
        if _id(item.get("ContestId")) == contest_id:
            code = _id(item.get("Id"))
            if code is not None:
                contest_candidates.add(code)

    uwi_label = source.undeclared_write_in_label
    checker = RankChecker(
        limit if limit is not None else config.max_rankings,
        "NumOfRanks of the contest in " + CONTEST_MANIFEST if limit is not None else None,
    )
    result = SourceBallots(vendor_ids=[], tabulators=[], precinct_portions=[])
    # candidate id -> index, resolved once per id (unknown ids are counted per use)
    resolved: dict[str, int] = {}

    for path in export_files(folder):
        data = load_json(path, "Dominion CVR export")
        sessions = data.get("Sessions") if isinstance(data, dict) else None
        if not isinstance(sessions, list):
            raise BallotFileError(path, None, 'expected an object with a "Sessions" array')
        for s, session in enumerate(sessions):
            where = f"Sessions[{s}]"
            if not isinstance(session, dict):
                raise BallotFileError(path, None, f"{where}: expected an object")
            tabulator = _id(session.get("TabulatorId"))
            batch = _id(session.get("BatchId"))
            record_id = _id(session.get("RecordId"))
            if tabulator is None or batch is None or record_id is None:
                raise BallotFileError(
                    path, None, f"{where}: TabulatorId, BatchId and RecordId are required"
                )
            record = session.get("Original")
            if not isinstance(record, dict):
                raise BallotFileError(path, None, f"{where}: no Original record")
            if record.get("IsCurrent") is not True:
                record = session.get("Modified")
                if not isinstance(record, dict):
                    continue  # not current and never adjudicated: RCTab skips it
            cvr_id = f"{tabulator}-{batch}-{record_id}"
            precinct_id = _id(record.get("PrecinctId"))
            if precinct_id is not None and (precincts is None or precinct_id not in precincts):
                raise BallotFileError(
                    path, None, f"{where}: precinct id {precinct_id} is not in {PRECINCT_MANIFEST}"
                )
            portion_id = _id(record.get("PrecinctPortionId"))
            if portion_id is not None and portion_id not in portions:
                raise BallotFileError(
                    path,
                    None,
                    f"{where}: precinct portion id {portion_id} is not in "
                    f"{PRECINCT_PORTION_MANIFEST}",
                )
            precinct = precincts.get(precinct_id) if precincts and precinct_id else None
            portion = portions.get(portion_id) if portion_id is not None else None
            cards = record.get("Cards")
            if cards is None:
                cards = [record]
            if not isinstance(cards, list):
                raise BallotFileError(path, None, f"{where}: Cards must be an array")
            for card in cards:
                for contest in _contests(card, path, where):
                    if _id(contest.get("Id")) != contest_id:
                        continue
                    conditions = contest.get("OutstackConditionIds")
                    if isinstance(conditions, list) and INVALID_CONTEST in conditions:
                        continue  # a "partial count" ballot: not valid in this contest
                    marks = _marks(contest, path, where, cvr_id, uwi_label, contest_candidates)
                    indexed = []
                    for rank, code in marks:
                        checker.check(rank, path, None, cvr_id)
                        if code is None:
                            candidate = index.write_in(path, None, UNDECLARED_WRITE_INS)
                        else:
                            candidate = resolved.get(code)
                            if candidate is None:
                                candidate = index.resolve(code, path, None)
                                if candidate >= 0:
                                    resolved[code] = candidate
                        indexed.append((rank, candidate))
                    result.ballots.append(
                        Ballot(rankings_from_marks(indexed), 1, cvr_id, precinct, batch)
                    )
                    result.vendor_ids.append(record_id)  # type: ignore[union-attr]
                    result.tabulators.append(tabulator)  # type: ignore[union-attr]
                    result.precinct_portions.append(portion)  # type: ignore[union-attr]
    if not result.ballots:
        raise BallotFileError(folder, None, f"no cast vote record has contest {contest_id!r}")
    return result


def _contests(card: object, path: Path, where: str) -> list[Mapping[str, object]]:
    contests = card.get("Contests") if isinstance(card, dict) else None
    if not isinstance(contests, list) or not all(isinstance(c, dict) for c in contests):
        raise BallotFileError(path, None, f"{where}: expected a Contests array of objects")
    return contests


def _marks(
    contest: Mapping[str, object],
    path: Path,
    where: str,
    cvr_id: str,
    uwi_label: str,
    contest_candidates: set[str],
) -> list[tuple[int, str | None]]:
    """``(rank, candidate id)`` of the usable marks; ``None`` marks a write-in."""
    marks = contest.get("Marks")
    if not isinstance(marks, list):
        raise BallotFileError(path, None, f"{where} (CVR {cvr_id}): Marks must be an array")
    result: list[tuple[int, str | None]] = []
    for mark in marks:
        if not isinstance(mark, dict):
            raise BallotFileError(path, None, f"{where} (CVR {cvr_id}): a mark is not an object")
        if mark.get("IsAmbiguous") is True:
            continue
        code = _id(mark.get("CandidateId"))
        rank = mark.get("Rank")
        if code is None or isinstance(rank, bool) or not isinstance(rank, int):
            raise BallotFileError(
                path, None, f"{where} (CVR {cvr_id}): a mark needs a CandidateId and a whole Rank"
            )
        if uwi_label and code == uwi_label:
            result.append((rank, None))
            continue
        if code not in contest_candidates:
            raise BallotFileError(
                path,
                None,
                f"{where} (CVR {cvr_id}): candidate id {code} is not a candidate of the contest "
                f"in {CANDIDATE_MANIFEST}",
            )
        result.append((rank, code))
    return result
