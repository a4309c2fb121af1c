"""Hart Verity cast vote records: a folder of XML files, one per ballot sheet (RCTab ``hart``).

How RCTab reads them (``HartCvrReader.java``, snapshot 2167c240):

* every file in the source folder whose name ends in ``xml`` (but not
  ``.sig.xml``, the detached signatures) is one ``Cvr``; we read them in file
  name order (RCTab takes the directory's listing order, which the OS decides);
* each ``Contests/Contest`` whose ``Id`` is the source's ``contestId`` is one
  ballot; a sheet without that contest is not;
* each ``Options/Option`` is a candidate, identified by its ``Id`` (the config
  maps ids to names through aliases); an ``Id`` equal to the
  ``undeclaredWriteInLabel`` is a write-in. Its ``Value`` is a string of digits
  read left to right, one per rank: ``0100`` means rank 2, ``0101`` ranks 2
  and 4;
* one ``Id`` must always carry the same ``Name``;
* the precinct is ``PrecinctSplit/Name``, the batch ``BatchNumber``; the CVR id
  is ``CvrGuid``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from selectorate.ballots.model import Ballot
from selectorate.formats.errors import BallotFileError
from selectorate.formats.rctab.cdf_xml import parse_xml
from selectorate.formats.rctab.config import UNDECLARED_WRITE_INS, CvrSourceConfig, RctabConfig
from selectorate.formats.rctab.records import (
    CandidateIndex,
    RankChecker,
    SourceBallots,
    rankings_from_marks,
)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _text(element: ET.Element | None, name: str) -> str | None:
    if element is None:
        return None
    child = _child(element, name)
    return None if child is None else (child.text or "")


def ballot_files(folder: Path) -> list[Path]:
    """The CVR files of a Hart export folder, in name order."""
    if not folder.is_dir():
        raise BallotFileError(folder, None, "a Hart source must be a folder of XML files")
    files = [
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.name.lower().endswith("xml")
        and not p.name.lower().endswith(".sig.xml")
    ]
    if not files:
        raise BallotFileError(folder, None, "no Hart XML cast vote record files in the folder")
    return sorted(files, key=lambda p: p.name)


def read_hart(source: CvrSourceConfig, config: RctabConfig, index: CandidateIndex) -> SourceBallots:
    """Read the ballots of one contest from a folder of Hart XML CVRs."""
    checker = RankChecker(config.max_rankings)
    uwi_label = source.undeclared_write_in_label
    names_by_id: dict[str, tuple[str | None, Path]] = {}
    result = SourceBallots(vendor_ids=[])
    assert result.vendor_ids is not None
    for path in ballot_files(source.path):
        root = parse_xml(path, "Hart cast vote record")
        contests = _child(root, "Contests")
        guid = _text(root, "CvrGuid")
        cvr_id = guid or path.name
        split = _child(root, "PrecinctSplit")
        precinct = _text(split, "Name")
        batch = _text(root, "BatchNumber")
        for contest in contests if contests is not None else ():
            if _local(contest.tag) != "Contest" or _text(contest, "Id") != source.contest_id:
                continue
            marks: list[tuple[int, int]] = []
            options = _child(contest, "Options")
            for option in options if options is not None else ():
                if _local(option.tag) != "Option":
                    continue
                code = _text(option, "Id") or ""
                name = _text(option, "Name")
                candidate: int | None = None  # resolved only if the option is marked
                value = (_text(option, "Value") or "").strip()
                if uwi_label and code == uwi_label:
                    candidate = index.write_in(path, None, UNDECLARED_WRITE_INS)
                else:
                    known = names_by_id.setdefault(code, (name, path))
                    if known[0] != name:
                        raise BallotFileError(
                            path,
                            None,
                            f"candidate id {code} is named {name!r} here but {known[0]!r} in "
                            f"{known[1].name}",
                        )
                for rank, digit in enumerate(value, start=1):
                    if digit == "1":
                        checker.check(rank, path, None, cvr_id)
                        if candidate is None:
                            candidate = index.resolve(code, path, None)
                        marks.append((rank, candidate))
                    elif digit != "0":
                        raise BallotFileError(
                            path, None, f"option {code}: Value {value!r} must be 0s and 1s"
                        )
            result.vendor_ids.append(guid)
            result.ballots.append(Ballot(rankings_from_marks(marks), 1, cvr_id, precinct, batch))
    return result
