"""Write an election's ballots as a NIST SP 1500-103 CDF cast vote record report (JSON).

The document is laid out the way RCTab writes its ``*_cvr_cdf.json`` output
(``ResultsWriter.generateCdfJson``, repository ``BrightSpots/rcv``, snapshot
2167c240), so that RCTab's expected files compare equal:

* one ``Election`` (``election-001``) with one ``CandidateContest``
  (``contest-001``) named after the contest; its candidates are the election's
  candidates (plus ``overvote`` when a source has an overvote label), sorted by
  name in Java string order, with ids ``c-<name>`` and selections ``cs-<name>``
  (``<name>`` lower-cased, every character outside ``[A-Za-z0-9_.-]`` turned
  into ``_``);
* a ``GpUnit`` for the jurisdiction (``gpu-election``) and, when results are
  sliced by precinct, one per precinct (``gpu-1``, ``gpu-2``, ... in the
  iteration order of Java's ``HashMap``, which is emulated here) referenced by
  each CVR's ``BallotStyleUnitId``;
* one ``CVR`` per ballot whose ``BallotPrePrintedId`` is the ballot's CVR id;
  its first snapshot (``Type: original``) lists every ranked candidate (sorted
  by best rank, then name) with ``IsAllocable: unknown``; if round-by-round
  allocations are given, one ``interpreted`` snapshot per round follows, in
  which the candidates the ballot counts for that round are ``IsAllocable:
  yes`` with their ``NumberVotes``/``FractionalVotes`` and all others ``no``;
  ``CurrentSnapshotId`` names the last snapshot;
* keys are sorted and the text is pretty-printed as Jackson's
  ``DefaultPrettyPrinter`` does (``"key" : value``, ``[ {`` ... ``} ]``).

One deliberate difference: RCTab writes each mark under the *raw* name the
vendor file used (a Dominion code such as ``cs-7``, or a candidate alias), which
leaves ``ContestSelectionId`` values that no ``ContestSelection`` defines. We
write the candidate's configured name, so the document is self-consistent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from fractions import Fraction
from pathlib import Path

from selectorate.ballots.model import OVERVOTE, Election

CONTEST_ID = "contest-001"
ELECTION_ID = "election-001"
GPU_ELECTION_ID = "gpu-election"
REPORTING_DEVICE_ID = "rd-001"
#: RCTab's name for an overvote that names no candidate (``EXPLICIT_OVERVOTE_LABEL``).
OVERVOTE_NAME = "overvote"

_UNSAFE = re.compile(r"[^a-zA-Z0-9_\-.]")

#: ``allocations[ballot][round - 1]`` maps candidate index -> value counted that round.
Allocations = Sequence[Sequence[Mapping[int, Fraction]]]


def sanitize(text: str) -> str:
    """RCTab's ``sanitizeStringForOutput``: anything but ``[A-Za-z0-9_.-]`` becomes ``_``."""
    return _UNSAFE.sub("_", text)


def candidate_id(name: str) -> str:
    """The CDF ``Candidate`` id RCTab derives from a name."""
    return "c-" + sanitize(name).lower()


def selection_id(name: str) -> str:
    """The CDF ``ContestSelection`` id RCTab derives from a name."""
    return "cs-" + sanitize(name).lower()


def java_order(text: str) -> bytes:
    """Sort key giving Java's ``String.compareTo`` order (UTF-16 code units)."""
    return text.encode("utf-16-be", "surrogatepass")


def java_hash(text: str) -> int:
    """Java's ``String.hashCode`` as an unsigned 32-bit number."""
    h = 0
    data = java_order(text)
    for i in range(0, len(data), 2):
        h = (31 * h + (data[i] << 8 | data[i + 1])) & 0xFFFFFFFF
    return h


def java_hash_set_order(items: Sequence[str]) -> list[str]:
    """Iteration order of a ``java.util.HashSet`` filled with ``items`` in this order.

    Java 8+ keeps a power-of-two bucket table (16 to start, doubled when more
    than 3/4 full), puts a key in bucket ``(h ^ h >>> 16) & (size - 1)`` and keeps
    insertion order within a bucket, also across resizes. (Bins long enough to
    become trees are not modelled.)
    """
    unique = list(dict.fromkeys(items))
    capacity, threshold = 16, 12
    for count in range(1, len(unique) + 1):
        if count > threshold:
            capacity, threshold = capacity * 2, threshold * 2

    def bucket(key: str) -> int:
        h = java_hash(key)
        return (h ^ (h >> 16)) & (capacity - 1)

    position = {key: n for n, key in enumerate(unique)}
    return sorted(unique, key=lambda k: (bucket(k), position[k]))


def _selections(
    election: Election, rankings: tuple[tuple[int, ...], ...]
) -> list[tuple[str, list[int]]]:
    """``(name, ranks)`` for each candidate a ballot ranks, best rank first, then name."""
    ranks: dict[str, list[int]] = {}
    for rank, marks in enumerate(rankings, start=1):
        for index in marks:
            name = OVERVOTE_NAME if index == OVERVOTE else election.candidates[index].name
            ranks.setdefault(name, []).append(rank)
    for found in ranks.values():
        found.sort()
    return sorted(ranks.items(), key=lambda item: (item[1][0], java_order(item[0])))


def _fraction_digits(value: Fraction, places: int) -> str:
    """``.dddd`` for the fractional part of ``value`` with ``places`` digits (exact)."""
    scaled = value * 10**places
    if scaled.denominator != 1:
        raise ValueError(f"vote value {value} has more than {places} decimal places")
    digits = str(int(scaled) % 10**places).rjust(places, "0")
    return "." + digits


def _snapshot(
    election: Election,
    cvr_id: str,
    round_number: int | None,
    selections: list[tuple[str, list[int]]],
    allocation: Mapping[str, Fraction] | None,
    decimal_places: int,
) -> dict[str, object]:
    contest_selections = []
    for name, ranks in selections:
        allocable = "unknown"
        votes = Fraction(1)
        if allocation is not None:
            if name in allocation:
                allocable, votes = "yes", allocation[name]
            else:
                allocable = "no"
        fractional = None
        if votes != 1 and votes % 1 > 0:
            fractional = _fraction_digits(votes % 1, decimal_places)
        positions = []
        for rank in ranks:
            position: dict[str, object] = {
                "@type": "CVR.SelectionPosition",
                "HasIndication": "yes",
                "IsAllocable": allocable,
                "NumberVotes": int(votes),
                "Rank": rank,
            }
            if fractional is not None:
                position["FractionalVotes"] = fractional
            positions.append(position)
            if allocable == "yes":
                allocable = "no"  # only a candidate's first (best) rank is allocable
        contest_selections.append(
            {
                "@type": "CVR.CVRContestSelection",
                "ContestSelectionId": selection_id(name),
                "SelectionPosition": positions,
            }
        )
    snapshot_id = f"ballot-{cvr_id}" + (f"-round-{round_number}" if round_number else "")
    return {
        "@id": snapshot_id,
        "@type": "CVR.CVRSnapshot",
        "CVRContest": [
            {
                "@type": "CVR.CVRContest",
                "CVRContestSelection": contest_selections,
                "ContestId": CONTEST_ID,
            }
        ],
        "Type": "original" if round_number is None else "interpreted",
    }


def build_cdf_report(
    election: Election,
    *,
    contest_name: str,
    jurisdiction: str = "",
    cvr_ids: Sequence[str] | None = None,
    include_overvote: bool = False,
    by_precinct: bool = False,
    allocations: Allocations | None = None,
    decimal_places: int = 4,
    generated_date: str | None = None,
) -> dict[str, object]:
    """The CDF CVR report of ``election`` as a JSON-ready dict (see the module docstring).

    ``cvr_ids`` default to each ballot's ``label`` (RCTab's CVR id for ballots read
    by :mod:`selectorate.formats.rctab`), else its position from 1.
    ``allocations[b][r]`` is what ballot ``b`` counts for in round ``r + 1``
    (candidate index -> value; empty when inactive); a ballot with fewer rounds
    than the longest keeps its last allocation, as RCTab does. Values with a
    fractional part are written with ``decimal_places`` digits.
    """
    ballots = election.ballots
    if cvr_ids is None:
        cvr_ids = [b.label if b.label is not None else str(n) for n, b in enumerate(ballots, 1)]
    if len(cvr_ids) != len(ballots):
        raise ValueError("cvr_ids must give one id per ballot")
    rounds = 0
    if allocations is not None:
        if len(allocations) != len(ballots):
            raise ValueError("allocations must give one entry per ballot")
        rounds = max((len(a) for a in allocations), default=0)

    names = [c.name for c in election.candidates]
    if include_overvote:
        names.append(OVERVOTE_NAME)
    names = sorted(dict.fromkeys(names), key=java_order)
    seen: dict[str, str] = {}
    for name in names:
        other = seen.setdefault(selection_id(name), name)
        if other != name:
            raise ValueError(
                f"candidates {other!r} and {name!r} get the same CDF id {selection_id(name)!r}"
            )

    gpu_ids: dict[str, str] = {}
    if by_precinct:
        precincts = [b.precinct for b in ballots if b.precinct is not None]
        for n, precinct in enumerate(java_hash_set_order(precincts), start=1):
            gpu_ids[precinct] = f"gpu-{n}"

    cvrs = []
    for n, ballot in enumerate(ballots):
        cvr_id = sanitize(cvr_ids[n])
        selections = _selections(election, ballot.rankings)
        snapshots = [_snapshot(election, cvr_id, None, selections, None, decimal_places)]
        if rounds:
            assert allocations is not None
            per_round = allocations[n]
            if not per_round:
                raise ValueError(f"ballot {cvr_ids[n]!r} has no allocation for round 1")
            for r in range(1, rounds + 1):
                given = per_round[min(r, len(per_round)) - 1]
                allocation = {election.candidates[i].name: v for i, v in given.items()}
                snapshots.append(
                    _snapshot(election, cvr_id, r, selections, allocation, decimal_places)
                )
        cvr: dict[str, object] = {
            "@type": "CVR",
            "BallotPrePrintedId": cvr_id,
            "CVRSnapshot": snapshots,
            "CurrentSnapshotId": snapshots[-1]["@id"],
            "ElectionId": ELECTION_ID,
        }
        if by_precinct:
            cvr["BallotStyleUnitId"] = gpu_ids.get(ballot.precinct) if ballot.precinct else None
        cvrs.append(cvr)

    gp_units: list[dict[str, object]] = [
        {
            "@id": GPU_ELECTION_ID,
            "@type": "GpUnit",
            "Name": jurisdiction,
            "OtherType": "Election Scope Jurisdiction",
            "Type": "other",
        }
    ]
    for precinct, unit_id in gpu_ids.items():
        gp_units.append({"@id": unit_id, "@type": "GpUnit", "Name": precinct, "Type": "precinct"})

    election_map = {
        "@id": ELECTION_ID,
        "@type": "Election",
        "Candidate": [{"@id": candidate_id(name), "Name": name} for name in names],
        "Contest": [
            {
                "@id": CONTEST_ID,
                "@type": "CandidateContest",
                "ContestSelection": [
                    {
                        "@id": selection_id(name),
                        "@type": "ContestSelection",
                        "CandidateIds": [candidate_id(name)],
                    }
                    for name in names
                ],
                "Name": contest_name,
            }
        ],
        "ElectionScopeId": GPU_ELECTION_ID,
    }
    if generated_date is None:
        generated_date = datetime.now().astimezone().isoformat(timespec="seconds")
    return {
        "@type": "CVR.CastVoteRecordReport",
        "CVR": cvrs,
        "Election": [election_map],
        "GeneratedDate": generated_date,
        "GpUnit": gp_units,
        "ReportGeneratingDeviceIds": [REPORTING_DEVICE_ID],
        "ReportingDevice": [
            {
                "@id": REPORTING_DEVICE_ID,
                "@type": "CVR.ReportingDevice",
                "Application": "RCTab",
                "Manufacturer": "Bright Spots",
            }
        ],
        "Version": "1.0.0",
    }


def jackson_dumps(value: object) -> str:
    """JSON text laid out like Jackson's ``DefaultPrettyPrinter`` with sorted keys."""
    parts: list[str] = []
    _emit(value, 0, parts)
    return "".join(parts)


def _emit(value: object, depth: int, out: list[str]) -> None:
    if isinstance(value, Mapping):
        if not value:
            out.append("{ }")
            return
        out.append("{")
        inner = "\n" + "  " * (depth + 1)
        for n, key in enumerate(sorted(value, key=java_order)):
            out.append(("," if n else "") + inner + json.dumps(key, ensure_ascii=False) + " : ")
            _emit(value[key], depth + 1, out)
        out.append("\n" + "  " * depth + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[ ]")
            return
        out.append("[ ")
        for n, item in enumerate(value):
            if n:
                out.append(", ")
            _emit(item, depth, out)
        out.append(" ]")
    elif isinstance(value, Fraction):
        raise TypeError("write vote values as decimal strings, not Fraction")
    else:
        out.append(json.dumps(value, ensure_ascii=False))


def write_cdf_json(path: str | Path, report: Mapping[str, object]) -> None:
    """Write ``report`` (from :func:`build_cdf_report`) as UTF-8 JSON text."""
    Path(path).write_text(jackson_dumps(report), encoding="utf-8")
