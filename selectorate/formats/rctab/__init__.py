"""RCTab (Universal RCV Tabulator) contests: a contest config plus its CVR files.

``load_contest(config_path)`` reads an RCTab ``<contest>_config.json``, checks it
as RCTab does, reads every cast vote record source it lists (ES&S xlsx, NIST
CDF JSON/XML, Dominion JSON, Hart XML, Clear Ballot CSV, RCTab generic CSV) and
returns an :class:`RctabContest`: the election, the counting method and its
options, ready for ``registry.count(contest.method, contest.election,
**contest.options)``. The contract with the counting side is
``notes/rctab_contract.md``; the reading rules of each provider are documented
in its module and follow RCTab's Java readers (repository ``BrightSpots/rcv``,
snapshot 2167c240).

Candidates keep config order; when some source can produce undeclared write-ins
(it has an ``undeclaredWriteInLabel`` or ``treatBlankAsUndeclaredWriteIn``) a
pseudo-candidate ``Candidate("Undeclared Write-ins", write_in=True)`` is
appended, as RCTab does. Ballots keep file order, sources in config order.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from selectorate.ballots.model import Candidate, Election
from selectorate.formats.cdf_writer import Allocations, build_cdf_report
from selectorate.formats.errors import BallotFileError
from selectorate.formats.rctab.cdf_json import read_cdf_json
from selectorate.formats.rctab.cdf_xml import read_cdf_xml
from selectorate.formats.rctab.clear_ballot import read_clear_ballot
from selectorate.formats.rctab.config import (
    UNDECLARED_WRITE_INS,
    CandidateConfig,
    CvrSourceConfig,
    RctabConfig,
    read_config,
)
from selectorate.formats.rctab.dominion import read_dominion
from selectorate.formats.rctab.ess_xlsx import read_ess
from selectorate.formats.rctab.generic_csv import read_generic_csv
from selectorate.formats.rctab.hart import read_hart
from selectorate.formats.rctab.records import CandidateIndex, SourceBallots

Reader = Callable[[CvrSourceConfig, RctabConfig, CandidateIndex], SourceBallots]


def _read_cdf(source: CvrSourceConfig, config: RctabConfig, index: CandidateIndex) -> SourceBallots:
    if source.path.suffix.lower() == ".xml":
        return read_cdf_xml(source, config, index)
    return read_cdf_json(source, config, index)


#: provider label -> reader
READERS: dict[str, Reader] = {
    "ess": read_ess,
    "cdf": _read_cdf,
    "dominion": read_dominion,
    "hart": read_hart,
    "clearBallot": read_clear_ballot,
    "genericCsv": read_generic_csv,
}


@dataclass(slots=True)
class LoadedSource:
    """Where a range of ``election.ballots`` came from (for CVR exports and audits)."""

    config: CvrSourceConfig
    #: ``election.ballots[start:stop]`` are this source's ballots.
    start: int
    stop: int
    vendor_ids: list[str | None] | None = None
    tabulators: list[str | None] | None = None
    precinct_portions: list[str | None] | None = None


@dataclass
class RctabContest:
    """An RCTab contest ready to count (see ``notes/rctab_contract.md``)."""

    election: Election
    method: str
    options: dict[str, object]
    output: dict[str, object]
    config_path: Path
    #: One entry per ``cvrFileSources`` item, in config order (additive field).
    sources: list[LoadedSource] = field(default_factory=list)
    #: Non-fatal remarks about the config (e.g. unknown rule keys RCTab would ignore).
    warnings: list[str] = field(default_factory=list)


def build_candidates(config: RctabConfig) -> tuple[Candidate, ...]:
    """The election's candidates: config order, then the write-in pseudo-candidate if enabled."""
    candidates = [_candidate(c) for c in config.candidates]
    if config.undeclared_write_ins:
        candidates.append(Candidate(UNDECLARED_WRITE_INS, write_in=True))
    return tuple(candidates)


def _candidate(c: CandidateConfig) -> Candidate:
    return Candidate(c.name, c.aliases, c.excluded)


def load_contest(config_path: str | Path) -> RctabContest:
    """Read an RCTab contest config and all its CVR sources.

    Raises :class:`~selectorate.formats.errors.BallotFileError` (naming the file,
    the row where known, and the problem) for a bad config, an unreadable or
    malformed CVR, a candidate the config does not know, or a ranking beyond
    ``maxRankingsAllowed``.
    """
    config = read_config(config_path)
    # Millions of small tuples and ballots make the cyclic garbage collector rescan a
    # growing heap again and again; nothing here creates cycles, so pause it.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _load(config)
    finally:
        if was_enabled:
            gc.enable()


def _load(config: RctabConfig) -> RctabContest:
    candidates = build_candidates(config)
    uwi = len(candidates) - 1 if config.undeclared_write_ins else None
    index = CandidateIndex(candidates, uwi)

    ballots = []
    loaded: list[LoadedSource] = []
    shared: dict[tuple[object, ...], object] = {}  # ES&S interpretations shared across files
    for source in config.sources:
        if source.provider == "ess":
            result = read_ess(source, config, index, shared)  # type: ignore[arg-type]
        else:
            result = READERS[source.provider](source, config, index)
        index.raise_unknown()
        start = len(ballots)
        ballots.extend(result.ballots)
        loaded.append(
            LoadedSource(
                source,
                start,
                len(ballots),
                result.vendor_ids,
                result.tabulators,
                result.precinct_portions,
            )
        )

    output = config.output
    for slice_name, flag, attribute in (
        ("precinct", "tabulateByPrecinct", "precinct"),
        ("batch", "tabulateByBatch", "batch"),
    ):
        if output.get(flag) is True and not any(getattr(b, attribute) for b in ballots):
            raise BallotFileError(
                config.path,
                None,
                f"outputSettings.{flag} is true but no cast vote record names a {slice_name}",
            )

    metadata = {
        "format": "rctab",
        "config": str(config.path),
        "contest_date": str(output.get("contestDate") or ""),
        "jurisdiction": str(output.get("contestJurisdiction") or ""),
        "office": str(output.get("contestOffice") or ""),
    }
    seats = config.options.get("seats")
    election = Election(
        candidates=candidates,
        ballots=ballots,
        seats=seats if isinstance(seats, int) else 1,
        title=str(output.get("contestName") or ""),
        metadata=metadata,
    )
    return RctabContest(
        election=election,
        method=config.method,
        options=dict(config.options),
        output=dict(output),
        config_path=config.path,
        sources=loaded,
        warnings=list(config.warnings),
    )


def cdf_report(
    contest: RctabContest,
    allocations: Allocations | None = None,
    generated_date: str | None = None,
) -> dict[str, object]:
    """The NIST CDF CVR report RCTab writes for this contest (``generateCdfJson``).

    ``allocations`` (per ballot, per round: candidate index -> value) come from a
    count; without them only the cast ("original") snapshots are written, as in
    RCTab's conversion output. See :mod:`selectorate.formats.cdf_writer`.
    """
    output = contest.output
    return build_cdf_report(
        contest.election,
        contest_name=str(output.get("contestName") or ""),
        jurisdiction=str(output.get("contestJurisdiction") or ""),
        include_overvote=any(s.config.overvote_label for s in contest.sources),
        by_precinct=output.get("tabulateByPrecinct") is True,
        allocations=allocations,
        decimal_places=int(contest.options.get("decimal_places", 4)),  # type: ignore[call-overload]
        generated_date=generated_date,
    )


__all__ = [
    "cdf_report",
    "READERS",
    "LoadedSource",
    "RctabConfig",
    "RctabContest",
    "build_candidates",
    "load_contest",
    "read_config",
]
