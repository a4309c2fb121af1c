"""Candidates, ranked ballots and the election that holds them.

A ballot is kept *as cast*: the counting rule, not the reader, decides what an
overvote, a skipped rank or a repeated candidate means. So a reader never
"cleans" a ranking; it only translates the file's marks into this model.

Ranking layout
--------------
``Ballot.rankings[k]`` holds the marks at rank ``k + 1`` as a tuple of
candidate indices (positions in ``Election.candidates``):

* ``()``            — the rank was skipped (an undervote at that rank);
* ``(i,)``          — one candidate at that rank;
* ``(i, j, ...)``   — several candidates at one rank: an overvote, or an
  equal ranking ``a=b`` in formats that allow one;
* ``(OVERVOTE,)``   — the file says "overvote" without naming candidates
  (ES&S exports do this).

Trailing ranks that the voter left empty may be omitted. A candidate may
appear at several ranks (a duplicate ranking); rules decide what that means.

Undeclared write-ins are an ordinary entry of ``Election.candidates`` with
``write_in=True`` so that they can be tallied and eliminated like RCTab does.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selectorate.ballots.packed import PackedBallots

#: Mark meaning "an overvote whose candidates the file does not name".
OVERVOTE = -1

#: A ballot's weight: an integer number of identical papers, or an exact
#: fraction (a card vote's delegate weight, an electoral-college section).
Weight = int | Fraction


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate standing in the election.

    ``excluded`` marks a candidate withdrawn or excluded *before* the count:
    ballots may still name them, but no rule credits them with a vote.
    ``write_in`` marks the pseudo-candidate that collects undeclared write-ins.
    ``aliases`` are other spellings or vendor codes that readers map to ``name``.
    """

    name: str
    aliases: tuple[str, ...] = ()
    excluded: bool = False
    write_in: bool = False


@dataclass(frozen=True, slots=True)
class Ballot:
    """One ranked ballot (or ``weight`` identical ones). See the module docstring."""

    rankings: tuple[tuple[int, ...], ...]
    weight: Weight = 1
    #: Where the ballot came from (e.g. ``"cvr.xlsx:17"``, a CVR id); informative only.
    label: str | None = None
    precinct: str | None = None
    batch: str | None = None

    def is_blank(self) -> bool:
        """True when no rank holds any mark (RCTab's 'undervote' ballot)."""
        return not any(self.rankings)


@dataclass(slots=True)
class Election:
    """Everything a count needs to know: who stands, how many seats, the ballots.

    ``ballots`` keeps the order of the source file, which some rules (the Irish
    Dáil rules' random sample of papers) depend on. It is a ``list[Ballot]`` or,
    when a reader found only simple ballots (one candidate per rank, whole
    weights, no labels), a :class:`~selectorate.ballots.packed.PackedBallots`:
    the same ballots as a read-only sequence backed by numpy arrays, equal to
    the list holding them. Code that only reads ``ballots`` works with both.
    """

    candidates: tuple[Candidate, ...]
    ballots: list[Ballot] | PackedBallots = field(default_factory=list)
    seats: int = 1
    title: str = ""
    #: Free-form provenance: file names, contest ids, jurisdiction, date.
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Candidate names in candidate order."""
        return [c.name for c in self.candidates]

    def index_of(self, name: str) -> int:
        """Position of the candidate called ``name`` (or having it as an alias)."""
        for i, c in enumerate(self.candidates):
            if c.name == name or name in c.aliases:
                return i
        raise KeyError(name)

    def total_weight(self) -> Weight:
        """Sum of all ballot weights, blank ballots included."""
        packed = _packed(self.ballots)
        if packed is not None:
            return packed.total_weight()
        return sum((b.weight for b in self.ballots), 0)

    def grouped(self) -> Election:
        """A copy in which identical rankings are merged into one weighted ballot.

        The first occurrence fixes the position of each group, so the order of
        first appearance is kept. Labels, precincts and batches are dropped.
        Packed ballots stay packed (grouped with numpy).
        """
        packed = _packed(self.ballots)
        if packed is not None:
            try:
                return replace(self, ballots=packed.grouped())
            except OverflowError:
                pass  # a summed weight beyond int64: group as Python ints below
        weights: dict[tuple[tuple[int, ...], ...], Weight] = {}
        for b in self.ballots:
            weights[b.rankings] = weights.get(b.rankings, 0) + b.weight
        return replace(self, ballots=[Ballot(r, w) for r, w in weights.items()])

    def with_excluded(self, names: Iterable[str]) -> Election:
        """A copy in which the named candidates are excluded before the count."""
        wanted = set(names)
        unknown = wanted - set(self.names)
        if unknown:
            raise KeyError(f"unknown candidate(s): {', '.join(sorted(unknown))}")
        cands = tuple(replace(c, excluded=c.excluded or c.name in wanted) for c in self.candidates)
        return replace(self, candidates=cands)


def _packed(ballots: object) -> PackedBallots | None:
    """``ballots`` if it is a :class:`PackedBallots`.

    Looked up in ``sys.modules`` so that lists of ballots never import numpy: a
    ``PackedBallots`` cannot exist unless its module has been imported.
    """
    module = sys.modules.get("selectorate.ballots.packed")
    if module is not None and isinstance(ballots, module.PackedBallots):
        return ballots
    return None


def ranking_from_names(
    ranks: Sequence[Sequence[str]], candidates: Sequence[Candidate]
) -> tuple[tuple[int, ...], ...]:
    """Translate rank-by-rank candidate names into a ``Ballot.rankings`` value."""
    index = {c.name: i for i, c in enumerate(candidates)}
    return tuple(tuple(index[n] for n in rank) for rank in ranks)
