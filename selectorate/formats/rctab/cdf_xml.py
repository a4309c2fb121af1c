"""NIST SP 1500-103 Common Data Format cast vote records, XML form (RCTab provider ``cdf``).

Also the form Unisyn exports. The rules are those of the JSON form
(:mod:`selectorate.formats.rctab.cdf_json`) as RCTab applies them to XML
(``CommonDataFormatReader.parseXml``, snapshot 2167c240):

* the report must have ``GpUnit``, ``CVR``, ``Election``,
  ``ReportGeneratingDeviceIds``, ``ReportingDevice`` and ``Party`` elements;
* the contest is the ``Election/Contest`` whose ``Name`` is the source's
  ``contestId``; object ids are ``ObjectId`` attributes; element names are
  matched without their namespace (files use ``cdf:`` prefixes or a default
  namespace);
* a CVR whose current snapshot lacks the contest is skipped; RCTab's CVR id is
  ``<file name>(<n>)`` counting only the CVRs read, the vendor id ``UniqueId``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from selectorate.ballots.model import OVERVOTE, Ballot, Election
from selectorate.formats.errors import BallotFileError
from selectorate.formats.rctab.cdf_json import NEEDS_ADJUDICATION, WRITE_IN, mark_index
from selectorate.formats.rctab.config import CvrSourceConfig, RctabConfig
from selectorate.formats.rctab.records import (
    CandidateIndex,
    RankChecker,
    SourceBallots,
    parse_whole,
    rankings_from_marks,
    standalone_election,
)

REQUIRED = ("CVR", "Election", "ReportGeneratingDeviceIds", "ReportingDevice", "Party")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    for child in element:
        if _local(child.tag) == name:
            yield child


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next(_children(element, name), None)


def _text(element: ET.Element, name: str) -> str | None:
    child = _child(element, name)
    if child is None:
        return None
    return child.text or ""


def parse_xml(path: Path, what: str) -> ET.Element:
    """Parse an XML file, turning every failure into a :class:`BallotFileError`."""
    try:
        return ET.parse(path).getroot()
    except FileNotFoundError:
        raise BallotFileError(path, None, f"{what} not found") from None
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise BallotFileError(path, line, f"{what} is not well-formed XML: {exc}") from None
    except (LookupError, ValueError) as exc:  # e.g. an unknown encoding in the XML declaration
        raise BallotFileError(path, None, f"{what} cannot be read as XML: {exc}") from None
    except OSError as exc:
        raise BallotFileError(path, None, f"cannot read {what}: {exc.strerror}") from None


def read_cdf_xml(
    source: CvrSourceConfig, config: RctabConfig, index: CandidateIndex
) -> SourceBallots:
    """Read the ballots of one contest from a CDF XML CVR report."""
    path = source.path
    root = parse_xml(path, "CDF cast vote record file")

    def fail(problem: str) -> BallotFileError:
        return BallotFileError(path, None, problem)

    if _child(root, "GpUnit") is None:
        raise fail('element "GpUnit" is missing; this is common with older, unsupported formats')
    missing = [name for name in REQUIRED if _child(root, name) is None]
    if missing:
        raise fail(f"required elements missing from the CDF report: {', '.join(missing)}")

    gp_units: dict[str, str | None] = {}
    for unit in _children(root, "GpUnit"):
        unit_id = unit.get("ObjectId", "")
        if unit_id in gp_units:
            raise fail(f"GpUnit id {unit_id!r} appears more than once")
        gp_units[unit_id] = _text(unit, "Name")

    candidates: dict[str, str] = {}
    contest: ET.Element | None = None
    for election in _children(root, "Election"):
        for cand in _children(election, "Candidate"):
            cand_id = cand.get("ObjectId", "")
            if cand_id in candidates:
                raise fail(f"Candidate id {cand_id!r} appears more than once")
            candidates[cand_id] = _text(cand, "Name") or ""
        for item in _children(election, "Contest"):
            if contest is None and _text(item, "Name") == source.contest_id:
                contest = item
    if contest is None:
        raise fail(f"contest {source.contest_id!r} (the source's contestId) is not in the file")
    contest_id = contest.get("ObjectId", "")

    selections: dict[str, str | int] = {}
    for sel in _children(contest, "ContestSelection"):
        sel_id = sel.get("ObjectId", "")
        if sel_id in selections:
            raise fail(f"ContestSelection id {sel_id!r} appears more than once")
        if (_text(sel, "IsWriteIn") or "").strip().lower() == "true":
            selections[sel_id] = WRITE_IN
            continue
        ids = [c.text or "" for c in _children(sel, "CandidateIds")]
        if not ids:
            raise fail(f"CandidateSelection {sel_id!r} has no CandidateIds")
        first = ids[0].split()[0] if ids[0].split() else ""
        if first not in candidates:
            raise fail(
                f"candidate id {first!r} of selection {sel_id!r} is not in the candidate list"
            )
        name = candidates[first]
        selections[sel_id] = (
            OVERVOTE if source.overvote_label and name == source.overvote_label else name
        )

    checker = RankChecker(config.max_rankings, config.max_rankings_name)
    result = SourceBallots(vendor_ids=[])
    assert result.vendor_ids is not None
    number = 0
    for c, cvr in enumerate(_children(root, "CVR")):
        where = f"CVR[{c}]"
        current = _text(cvr, "CurrentSnapshotId")
        snapshot = next(
            (s for s in _children(cvr, "CVRSnapshot") if s.get("ObjectId") == current), None
        )
        if snapshot is None:
            continue
        cvr_contest = next(
            (x for x in _children(snapshot, "CVRContest") if _text(x, "ContestId") == contest_id),
            None,
        )
        if cvr_contest is None:
            continue  # this CVR has no votes in the contest
        number += 1
        cvr_id = f"{path.name}({number})"
        marks: list[tuple[int, int]] = []
        for sel in _children(cvr_contest, "CVRContestSelection"):
            if _text(sel, "Status") == NEEDS_ADJUDICATION:
                continue
            sel_id = _text(sel, "ContestSelectionId")
            if sel_id is None or sel_id not in selections:
                raise fail(
                    f"{where}: ContestSelection {sel_id!r} is not a selection of the contest"
                )
            candidate = mark_index(selections[sel_id], index, path)
            rank_text = _text(sel, "Rank")
            if rank_text is not None:
                marks.append((_rank(rank_text, path, where), candidate))
                continue
            for pos in _children(sel, "SelectionPosition"):
                if _child(pos, "CVRWriteIn") is not None:
                    candidate = mark_index(WRITE_IN, index, path)
                if _text(pos, "HasIndication") == "no" or _text(pos, "IsAllocable") == "no":
                    continue
                rank_text = _text(pos, "Rank")
                if rank_text is None:
                    raise fail(f"{where}: no Rank on a selection of contest {contest_id!r}")
                marks.append((_rank(rank_text, path, where), candidate))
        for rank, _ in marks:
            checker.check(rank, path, None, cvr_id)
        precinct = None
        unit = _text(cvr, "BallotStyleUnitId")
        if unit is not None:
            if unit not in gp_units:
                raise fail(f"{where}: GpUnit {unit!r} (BallotStyleUnitId) is not in the file")
            precinct = gp_units[unit]
        result.vendor_ids.append(_text(cvr, "UniqueId"))
        result.ballots.append(Ballot(rankings_from_marks(marks), 1, cvr_id, precinct))
    return result


def _rank(text: str, path: Path, where: str) -> int:
    number = parse_whole(text)
    if number is None:
        raise BallotFileError(path, None, f"{where}: rank {text!r} is not a whole number")
    return number


def read_election(path: str | Path, contest: str | None = None) -> Election:
    """Read a CDF XML CVR file on its own (no RCTab config): one contest's ballots.

    The contest is the one whose ``Name`` is ``contest``, or the file's only
    contest; its candidates are the file's, in the order of its selections.
    """
    path = Path(path)
    root = parse_xml(path, "CDF cast vote record file")
    names_by_id: dict[str, str] = {}
    contests: dict[str, tuple[list[str], bool]] = {}
    for election in _children(root, "Election"):
        for cand in _children(election, "Candidate"):
            names_by_id[cand.get("ObjectId", "")] = _text(cand, "Name") or ""
        for item in _children(election, "Contest"):
            names: list[str] = []
            write_ins = False
            for sel in _children(item, "ContestSelection"):
                ids = [(c.text or "").strip() for c in _children(sel, "CandidateIds")]
                if (_text(sel, "IsWriteIn") or "").strip().lower() == "true":
                    write_ins = True
                elif ids and ids[0].split() and ids[0].split()[0] in names_by_id:
                    names.append(names_by_id[ids[0].split()[0]])
            name = _text(item, "Name")
            if name is not None:
                contests.setdefault(name, (list(dict.fromkeys(names)), write_ins))
    return standalone_election(path, "cdf-xml", contests, contest, read_cdf_xml)
