"""Shared machinery of the RCTab CVR readers: candidate lookup and rankings.

Every RCTab reader turns a vendor's record into ``(rank, candidate)`` marks
(RCTab's ``CastVoteRecord`` holds the same pairs) and then into
``Ballot.rankings``. What is shared lives here:

* :class:`CandidateIndex` maps a name or alias (vendor code) to a candidate
  index, the way RCTab's ``ContestConfig.getNameForCandidate`` does, and keeps
  count of names the config does not know: RCTab refuses to tabulate a source
  that names an unknown candidate (``TabulatorSession`` raises
  ``UnrecognizedCandidatesException``), and so do we, naming each one;
* :func:`rankings_from_marks` groups marks by rank without cleaning anything
  (overvotes, duplicates and skipped ranks stay as cast);
* :class:`RankChecker` enforces ``maxRankingsAllowed`` where RCTab rejects a
  CVR at read time (``BaseCvrReader.runAdditionalValidations``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from selectorate.ballots.model import OVERVOTE, Ballot, Candidate, Election
from selectorate.formats._weights import whole
from selectorate.formats.errors import BallotFileError

#: Result of :meth:`CandidateIndex.resolve` for a name the config does not know.
UNKNOWN = -2
#: Highest rank read. A ballot's rankings are as long as its highest rank, so a rank
#: of 10**9 (allowed by a vendor manifest's NumOfRanks or a config's maxRankingsAllowed)
#: would hang the reader; RCTab's own bound on column indexes (MAX_COLUMN_INDEX) is 1,000.
MAX_RANK = 1000

_UNSAFE = re.compile(r"[^a-zA-Z0-9_\-.]")
_WHOLE = re.compile(r"[+-]?[0-9]+")


def parse_whole(text: str) -> int | None:
    """A whole number written with ASCII digits (and an optional sign), else ``None``.

    More than :data:`~selectorate.formats._weights.MAX_DIGITS` digits is ``None`` too.
    """
    text = text.strip()
    return whole(text) if _WHOLE.fullmatch(text) else None


def sanitize(text: str | None) -> str:
    """RCTab's ``sanitizeStringForOutput``: anything but ``[A-Za-z0-9_.-]`` becomes ``_``."""
    return "" if text is None else _UNSAFE.sub("_", text)


def java_trim(text: str) -> str:
    """Java's ``String.trim``: strip characters up to U+0020 at both ends."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def java_split(text: str, delimiter: str) -> list[str]:
    """Java's ``String.split(Pattern.quote(delimiter))``: trailing empty parts are dropped."""
    parts = text.split(delimiter)
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return parts


@dataclass(slots=True)
class _Unknown:
    count: int
    first_line: int | None
    first_path: Path


class CandidateIndex:
    """Name or alias -> position in the election's candidate list.

    ``uwi`` is the index of the "Undeclared Write-ins" pseudo-candidate, or
    ``None`` when the config enables no write-in label (RCTab then treats a
    write-in as an unknown candidate).
    """

    def __init__(self, candidates: Sequence[Candidate], uwi: int | None) -> None:
        self.candidates = tuple(candidates)
        self.uwi = uwi
        self._index: dict[str, int] = {}
        for i, c in enumerate(candidates):
            if c.write_in:
                # RCTab also accepts its own write-in label as a name (a CDF file it wrote)
                self._index[c.name] = i
                continue
            self._index[c.name] = i
            for alias in c.aliases:
                self._index.setdefault(alias, i)
        self._unknown: dict[str, _Unknown] = {}

    def lookup(self, name: str) -> int | None:
        """Index of ``name`` (a candidate name or alias), ``None`` when unknown (not recorded)."""
        return self._index.get(name)

    def record_unknown(self, name: str, path: Path, line: int | None, count: int = 1) -> None:
        """Note ``count`` uses of an unknown name, first met at ``path:line``."""
        seen = self._unknown.get(name)
        if seen is None:
            self._unknown[name] = _Unknown(count, line, path)
        else:
            seen.count += count

    def resolve(self, name: str, path: Path, line: int | None) -> int:
        """Index of ``name`` (a candidate name or alias), or :data:`UNKNOWN` (recorded)."""
        index = self._index.get(name)
        if index is not None:
            return index
        self.record_unknown(name, path, line)
        return UNKNOWN

    def write_in(self, path: Path, line: int | None, what: str) -> int:
        """Index of the undeclared write-in pseudo-candidate; unknown if none is configured."""
        if self.uwi is not None:
            return self.uwi
        return self.resolve(what, path, line)

    def raise_unknown(self) -> None:
        """Raise one :class:`BallotFileError` naming every unknown candidate met so far."""
        if not self._unknown:
            return
        items = sorted(
            self._unknown.items(), key=lambda kv: (str(kv[1].first_path), kv[1].first_line or 0)
        )
        first = items[0][1]
        described = ", ".join(
            f"{name!r} ({u.count} time{'s' if u.count != 1 else ''}"
            + (f", first at {u.first_path.name}:{u.first_line}" if u.first_line is not None else "")
            + ")"
            for name, u in items
        )
        raise BallotFileError(
            first.first_path,
            first.first_line,
            f"unrecognized candidate(s) not in the contest config: {described}; add each as a "
            "candidate name or alias, or check the source's column/row indexes and labels",
        )


def rankings_from_marks(marks: Iterable[tuple[int, int]]) -> tuple[tuple[int, ...], ...]:
    """Group ``(rank, candidate index)`` marks into ``Ballot.rankings`` (ranks start at 1).

    Marks at the same rank are kept in the order given (an overvote); ranks with
    no mark become ``()``; nothing is deduplicated.
    """
    by_rank: dict[int, list[int]] = {}
    top = 0
    for rank, index in marks:
        by_rank.setdefault(rank, []).append(index)
        if rank > top:
            top = rank
    return tuple(tuple(by_rank.get(r, ())) for r in range(1, top + 1))


class RankChecker:
    """Refuses ranks outside ``1..max_rankings``, as RCTab does after reading a source."""

    def __init__(self, max_rankings: int, limit_name: str | None = None) -> None:
        self.max_rankings = max_rankings
        self.limit_name = limit_name or "rules.maxRankingsAllowed"

    def check(self, rank: int, path: Path, line: int | None, cvr_id: str) -> None:
        """Raise :class:`BallotFileError` when ``rank`` is not allowed."""
        if rank < 1:
            raise BallotFileError(
                path, line, f"CVR {cvr_id!r} has a ranking {rank}; ranks start at 1"
            )
        if rank > self.max_rankings:
            raise BallotFileError(
                path,
                line,
                f"CVR {cvr_id!r} has a ranking {rank}, but the contest allows at most "
                f"{self.max_rankings} ({self.limit_name})",
            )
        if rank > MAX_RANK:
            raise BallotFileError(
                path, line, f"CVR {cvr_id!r} has a ranking {rank}; at most {MAX_RANK} are read"
            )


@dataclass(slots=True)
class SourceBallots:
    """The ballots read from one ``cvrFileSources`` entry, in file order.

    ``vendor_ids`` (the CVR identifier the vendor wrote, RCTab's "supplied id") and
    ``tabulators`` are filled when the format has them; ``Ballot.label`` holds
    RCTab's own CVR id (the "RCTab CVR Id" of its CVR exports).
    """

    ballots: list[Ballot] = field(default_factory=list)
    vendor_ids: list[str | None] | None = None
    tabulators: list[str | None] | None = None
    precinct_portions: list[str | None] | None = None


def standalone_election(
    path: Path,
    provider_label: str,
    contests: dict[str, tuple[list[str], bool]],
    contest: str | None,
    reader: Callable[..., SourceBallots],
) -> Election:
    """Read one contest of a CDF file that no RCTab config describes.

    ``contests`` maps each contest name in the file to its candidate names (in
    file order) and whether it has a write-in selection. The contest is the one
    named ``contest``, or the file's only contest. Ranks may go up to the number
    of candidates (write-ins included), as with RCTab's ``maxRankingsAllowed:
    "max"``; no label is special except write-ins.
    """
    # imported here: config imports nothing from this module, but keep the graph flat
    from selectorate.formats.rctab.config import (
        UNDECLARED_WRITE_INS,
        CandidateConfig,
        CvrSourceConfig,
        RctabConfig,
    )

    if contest is None:
        if len(contests) != 1:
            listed = ", ".join(repr(name) for name in contests) or "none"
            raise BallotFileError(
                path, None, f"the file has several contests ({listed}); name the one to read"
            )
        contest = next(iter(contests))
    if contest not in contests:
        listed = ", ".join(repr(name) for name in contests) or "none"
        raise BallotFileError(path, None, f"contest {contest!r} is not in the file ({listed})")
    names, write_ins = contests[contest]
    source = CvrSourceConfig(
        file_path=str(path),
        path=path,
        provider="cdf",
        contest_id=contest,
        undeclared_write_in_label=UNDECLARED_WRITE_INS if write_ins else "",
    )
    config = RctabConfig(
        path=path,
        tabulator_version="",
        output={"contestName": contest},
        sources=[source],
        candidates=[CandidateConfig(name) for name in names],
        rules={},
        method="irv",
        options={},
        # a ballot's rankings are as long as its highest rank: bound them (Rank 10**9)
        max_rankings=len(names) + (1 if write_ins else 0),
        undeclared_write_ins=write_ins,
        max_rankings_name="the number of candidates of the contest in the file",
    )
    candidates = [Candidate(name) for name in names]
    if write_ins:
        candidates.append(Candidate(UNDECLARED_WRITE_INS, write_in=True))
    index = CandidateIndex(candidates, len(candidates) - 1 if write_ins else None)
    result = reader(source, config, index)
    index.raise_unknown()
    return Election(
        tuple(candidates),
        result.ballots,
        title=contest,
        metadata={"format": provider_label, "file": str(path), "contest": contest},
    )


__all__ = [
    "OVERVOTE",
    "MAX_RANK",
    "UNKNOWN",
    "CandidateIndex",
    "RankChecker",
    "SourceBallots",
    "java_split",
    "java_trim",
    "rankings_from_marks",
    "sanitize",
    "standalone_election",
]
