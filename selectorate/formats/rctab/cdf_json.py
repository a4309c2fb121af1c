"""NIST SP 1500-103 Common Data Format cast vote records, JSON form (RCTab provider ``cdf``).

How RCTab reads a CDF CVR report (``CommonDataFormatReader.java``, snapshot 2167c240):

* the contest to count is the ``Election[].Contest[]`` whose ``Name`` equals the
  source's ``contestId``; its ``ContestSelection``s map selection ids to
  candidates (``CandidateIds[0]`` -> ``Candidate[].Name``), or to an undeclared
  write-in when ``IsWriteIn`` is true;
* each ``CVR`` is read from its current snapshot (``CurrentSnapshotId``); its
  ``CVRContest`` with that contest's ``@id`` gives the marks. A CVR without that
  contest is not a ballot of this contest and is skipped;
* a selection's rank is on the ``CVRContestSelection`` (``Rank``) or on each of
  its ``SelectionPosition``s; a position with ``HasIndication: "no"`` or
  ``IsAllocable: "no"`` is ignored, one carrying a ``CVRWriteIn`` is an
  undeclared write-in; a selection with ``Status: "needs-adjudication"`` is
  ignored;
* a candidate whose CDF name equals the source's ``overvoteLabel`` is an
  explicit overvote; other names go through the config's names and aliases;
* ``BallotStyleUnitId`` names a ``GpUnit`` whose ``Name`` is the precinct;
* RCTab's CVR id is ``<file name>(<n>)``; ``BallotPrePrintedId`` is the vendor id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from selectorate.ballots.model import OVERVOTE, Ballot, Election
from selectorate.formats.errors import BallotFileError
from selectorate.formats.rctab.config import UNDECLARED_WRITE_INS, CvrSourceConfig, RctabConfig
from selectorate.formats.rctab.records import (
    CandidateIndex,
    RankChecker,
    SourceBallots,
    parse_whole,
    rankings_from_marks,
    standalone_election,
)

NEEDS_ADJUDICATION = "needs-adjudication"
#: Marker for an undeclared write-in selection (resolved by :func:`mark_index`).
WRITE_IN = -3


def mark_index(selection: str | int, index: CandidateIndex, path: Path) -> int:
    """Candidate index of a selection: a CDF candidate name, :data:`WRITE_IN` or OVERVOTE."""
    if isinstance(selection, str):
        return index.resolve(selection, path, None)
    if selection == WRITE_IN:
        return index.write_in(path, None, UNDECLARED_WRITE_INS)
    return selection


def load_json(path: Path, what: str) -> object:
    """Parse a JSON file, turning every failure into a :class:`BallotFileError`."""
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise BallotFileError(path, None, f"{what} not found") from None
    except IsADirectoryError:
        raise BallotFileError(path, None, f"{what} is a folder, not a file") from None
    except json.JSONDecodeError as exc:
        raise BallotFileError(
            path, exc.lineno, f"{what} is not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None
    except UnicodeDecodeError as exc:
        raise BallotFileError(path, None, f"{what} is not UTF-8 text ({exc.reason})") from None
    except RecursionError:
        raise BallotFileError(path, None, f"{what} is nested too deeply") from None
    except ValueError as exc:  # a number too long for int() (more than 4,300 digits)
        raise BallotFileError(path, None, f"{what} is not usable JSON: {exc}") from None
    except OSError as exc:
        raise BallotFileError(path, None, f"cannot read {what}: {exc.strerror}") from None


class _Json:
    """Typed access to parsed JSON with errors that name the path inside the document."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> BallotFileError:
        return BallotFileError(self.path, None, f"{where}: {problem}")

    def obj(self, value: object, where: str) -> Mapping[str, object]:
        if not isinstance(value, dict):
            raise self.fail(where, "expected a JSON object")
        return value

    def array(self, value: object, where: str, required: bool = True) -> list[object]:
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self.fail(where, "expected a JSON array" if value is not None else "is missing")
        return value

    def text(self, value: object, where: str) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.fail(where, "expected a text value" if value is not None else "is missing")
        return str(value)

    def rank(self, value: object, where: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        number = parse_whole(value) if isinstance(value, str) else None
        if number is None:
            problem = "has no Rank" if value is None else f"rank {value!r} is not a whole number"
            raise self.fail(where, problem)
        return number


def read_cdf_json(
    source: CvrSourceConfig, config: RctabConfig, index: CandidateIndex
) -> SourceBallots:
    """Read the ballots of one contest from a CDF JSON CVR report."""
    path = source.path
    j = _Json(path)
    report = j.obj(load_json(path, "CDF cast vote record file"), "CastVoteRecordReport")

    gp_units: dict[str, str | None] = {}
    for n, unit in enumerate(j.array(report.get("GpUnit"), "GpUnit", required=False)):
        unit = j.obj(unit, f"GpUnit[{n}]")
        unit_id = j.text(unit.get("@id"), f"GpUnit[{n}].@id")
        if unit_id in gp_units:
            raise j.fail(f"GpUnit[{n}]", f"id {unit_id!r} appears more than once")
        name = unit.get("Name")
        gp_units[unit_id] = name if isinstance(name, str) else None

    candidates: dict[str, str] = {}
    contest: Mapping[str, object] | None = None
    for e, election in enumerate(j.array(report.get("Election"), "Election")):
        election = j.obj(election, f"Election[{e}]")
        for n, cand in enumerate(
            j.array(election.get("Candidate"), f"Election[{e}].Candidate", False)
        ):
            cand = j.obj(cand, f"Election[{e}].Candidate[{n}]")
            cand_id = j.text(cand.get("@id"), f"Election[{e}].Candidate[{n}].@id")
            if cand_id in candidates:
                raise j.fail(
                    f"Election[{e}].Candidate[{n}]", f"id {cand_id!r} appears more than once"
                )
            candidates[cand_id] = j.text(cand.get("Name"), f"Election[{e}].Candidate[{n}].Name")
        for n, item in enumerate(j.array(election.get("Contest"), f"Election[{e}].Contest", False)):
            item = j.obj(item, f"Election[{e}].Contest[{n}]")
            if contest is None and item.get("Name") == source.contest_id:
                contest = item
    if contest is None:
        raise BallotFileError(
            path, None, f"contest {source.contest_id!r} (the source's contestId) is not in the file"
        )
    contest_id = j.text(contest.get("@id"), "Contest.@id")

    # selection id -> candidate name, or OVERVOTE / WRITE_IN; names are resolved when a
    # ballot marks them, so an unmarked candidate missing from the config is no error
    selections: dict[str, str | int] = {}
    for n, sel in enumerate(j.array(contest.get("ContestSelection"), "Contest.ContestSelection")):
        where = f"Contest[{contest_id}].ContestSelection[{n}]"
        sel = j.obj(sel, where)
        sel_id = j.text(sel.get("@id"), f"{where}.@id")
        if sel_id in selections:
            raise j.fail(where, f"selection id {sel_id!r} appears more than once")
        if str(sel.get("IsWriteIn", "")).lower() == "true":
            selections[sel_id] = WRITE_IN
            continue
        ids = sel.get("CandidateIds")
        if not isinstance(ids, list) or not ids:
            raise j.fail(where, f"CandidateSelection {sel_id!r} has no CandidateIds")
        cand_id = j.text(ids[0], f"{where}.CandidateIds[0]")
        if cand_id not in candidates:
            raise j.fail(
                where,
                f"candidate id {cand_id!r} of selection {sel_id!r} is not in the candidate list",
            )
        name = candidates[cand_id]
        if source.overvote_label and name == source.overvote_label:
            selections[sel_id] = OVERVOTE
        else:
            selections[sel_id] = name

    checker = RankChecker(config.max_rankings, config.max_rankings_name)
    file_name = path.name
    result = SourceBallots(vendor_ids=[])
    assert result.vendor_ids is not None
    number = 0
    for c, cvr in enumerate(j.array(report.get("CVR"), "CVR")):
        where = f"CVR[{c}]"
        cvr = j.obj(cvr, where)
        cvr_contest = _current_contest(j, cvr, contest_id, where)
        if cvr_contest is None:
            continue
        number += 1
        cvr_id = f"{file_name}({number})"
        marks: list[tuple[int, int]] = []
        entries = j.array(
            cvr_contest.get("CVRContestSelection"), f"{where}.CVRContestSelection", False
        )
        for s, sel in enumerate(entries):
            swhere = f"{where}.CVRContestSelection[{s}]"
            sel = j.obj(sel, swhere)
            if sel.get("Status") == NEEDS_ADJUDICATION:
                continue
            sel_id = j.text(sel.get("ContestSelectionId"), f"{swhere}.ContestSelectionId")
            if sel_id not in selections:
                raise j.fail(
                    swhere, f"ContestSelection {sel_id!r} is not a selection of the contest"
                )
            candidate = mark_index(selections[sel_id], index, path)
            if "Rank" in sel:
                marks.append((j.rank(sel["Rank"], swhere), candidate))
                continue
            positions = j.array(sel.get("SelectionPosition"), f"{swhere}.SelectionPosition", False)
            for p, pos in enumerate(positions):
                pwhere = f"{swhere}.SelectionPosition[{p}]"
                pos = j.obj(pos, pwhere)
                if "CVRWriteIn" in pos:
                    candidate = mark_index(WRITE_IN, index, path)
                if pos.get("HasIndication") == "no" or pos.get("IsAllocable") == "no":
                    continue
                marks.append((j.rank(pos.get("Rank"), pwhere), candidate))
        for rank, _ in marks:
            checker.check(rank, path, None, cvr_id)
        precinct = None
        unit = cvr.get("BallotStyleUnitId")
        if unit is not None:
            if not isinstance(unit, str) or unit not in gp_units:
                raise j.fail(where, f"GpUnit {unit!r} (BallotStyleUnitId) is not in the file")
            precinct = gp_units[unit]
        supplied = cvr.get("BallotPrePrintedId")
        result.vendor_ids.append(None if supplied is None else str(supplied))
        result.ballots.append(Ballot(rankings_from_marks(marks), 1, cvr_id, precinct))
    return result


def _current_contest(
    j: _Json, cvr: Mapping[str, object], contest_id: str, where: str
) -> Mapping[str, object] | None:
    current = cvr.get("CurrentSnapshotId")
    snapshot = None
    for n, snap in enumerate(j.array(cvr.get("CVRSnapshot"), f"{where}.CVRSnapshot")):
        snap = j.obj(snap, f"{where}.CVRSnapshot[{n}]")
        if snap.get("@id") == current:
            snapshot = snap
            break
    if snapshot is None:
        raise j.fail(where, f"no CVRSnapshot has the CurrentSnapshotId {current!r}")
    for n, item in enumerate(j.array(snapshot.get("CVRContest"), f"{where}.CVRContest", False)):
        item = j.obj(item, f"{where}.CVRContest[{n}]")
        if item.get("ContestId") == contest_id:
            return item
    return None


def read_election(path: str | Path, contest: str | None = None) -> Election:
    """Read a CDF JSON CVR file on its own (no RCTab config): one contest's ballots.

    The contest is the one whose ``Name`` is ``contest``, or the file's only
    contest; its candidates are the file's, in the order of its selections.
    """
    path = Path(path)
    j = _Json(path)
    report = j.obj(load_json(path, "CDF cast vote record file"), "CastVoteRecordReport")
    names_by_id: dict[str, str] = {}
    contests: dict[str, tuple[list[str], bool]] = {}
    for e, election in enumerate(j.array(report.get("Election"), "Election")):
        election = j.obj(election, f"Election[{e}]")
        for cand in j.array(election.get("Candidate"), "Candidate", False):
            cand = j.obj(cand, "Candidate")
            names_by_id[j.text(cand.get("@id"), "Candidate.@id")] = j.text(cand.get("Name"), "Name")
        for item in j.array(election.get("Contest"), "Contest", False):
            item = j.obj(item, "Contest")
            names: list[str] = []
            write_ins = False
            for sel in j.array(item.get("ContestSelection"), "ContestSelection", False):
                sel = j.obj(sel, "ContestSelection")
                ids = sel.get("CandidateIds")
                if str(sel.get("IsWriteIn", "")).lower() == "true":
                    write_ins = True
                elif isinstance(ids, list) and ids and names_by_id.get(str(ids[0])) is not None:
                    names.append(names_by_id[str(ids[0])])
            name = item.get("Name")
            if isinstance(name, str):
                contests.setdefault(name, (list(dict.fromkeys(names)), write_ins))
    return standalone_election(path, "cdf-json", contests, contest, read_cdf_json)
