"""What a count returns: rounds (stages), decisions, transfers and tie-breaks.

A :class:`CountResult` is the return value of a pure counting function. Every
report (terminal sheet, JSON, RCTab CSV/JSON, HTML) is rendered from it and
nothing else, so whatever a scrutineer reads was decided here.

All vote values are :class:`fractions.Fraction`. A rule that works in fixed
point (RCTab's STV, Scottish STV) produces fractions whose denominators are
powers of ten; ``CountResult.decimal_places`` tells renderers how many places
to print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

#: Keys of :attr:`Round.inactive`: why ballots stopped counting (cumulative).
INACTIVE_CAUSES = ("overvotes", "skippedRankings", "exhaustedChoices", "repeatedRankings")

#: Special transfer recipients besides candidates.
EXHAUSTED = "exhausted"
RESIDUAL_SURPLUS = "residual surplus"

ActionKind = Literal["elected", "eliminated", "excluded", "surplus", "withdrawn", "unfilled"]


@dataclass(slots=True)
class TieBreak:
    """A tie and how it was broken: which candidates, which one was chosen, and why."""

    purpose: str  # what the tie decided: "elimination" or "election"
    tied: tuple[str, ...]
    chosen: str
    method: str  # e.g. "candidate order", "random", "previous round counts", "permutation"
    detail: str = ""  # the numbers behind the choice, e.g. the seed and draw


@dataclass(slots=True)
class Action:
    """A decision taken at the end of a round, and where its votes went.

    ``transfers`` maps each recipient (a candidate name, :data:`EXHAUSTED` or
    :data:`RESIDUAL_SURPLUS`) to the value it received; it is empty for a
    winner whose surplus is not transferred.
    """

    kind: ActionKind
    candidate: str
    transfers: dict[str, Fraction] = field(default_factory=dict)


@dataclass(slots=True)
class Round:
    """One round (stage) of a count.

    ``tally`` holds the votes of every candidate still in the count at the
    start of the round (continuing and already elected), in candidate order.
    ``actions`` are the decisions taken at the end of the round; their
    transfers produce the next round's tally.
    """

    number: int
    tally: dict[str, Fraction]
    threshold: Fraction | None = None
    inactive: dict[str, Fraction] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    tie_breaks: list[TieBreak] = field(default_factory=list)
    #: Value lost to truncation so far (cumulative), for fixed-point rules.
    residual_surplus: Fraction = Fraction(0)
    #: Per-section figures of a weighted count (an electoral college): section name ->
    #: {candidate: that section's votes, ..., EXHAUSTED: its ballots no longer counting}.
    #: Empty for other methods.
    sections: dict[str, dict[str, Fraction]] = field(default_factory=dict)

    @property
    def active(self) -> Fraction:
        """Total value credited to candidates this round."""
        return sum(self.tally.values(), Fraction(0))

    @property
    def inactive_total(self) -> Fraction:
        """Total value no longer counting, all causes together."""
        return sum(self.inactive.values(), Fraction(0))


@dataclass(slots=True)
class CountResult:
    """The complete, explained outcome of a count."""

    method: str
    candidates: list[str]
    seats: int
    elected: list[str]
    rounds: list[Round]
    total_ballots: Fraction
    #: Ballots with no mark at all: part of ``total_ballots``, never in a tally.
    undervotes: Fraction = Fraction(0)
    title: str = ""
    #: Places to print fixed-point values with, or ``None`` for exact values.
    decimal_places: int | None = None
    #: The rule options in force, as given (for the sheet's header).
    options: dict[str, object] = field(default_factory=dict)
    #: Sub-counts of a multi-pass method (one per seat), in order.
    passes: list[CountResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def final_threshold(self) -> Fraction | None:
        """The threshold in force in the last round."""
        for r in reversed(self.rounds):
            if r.threshold is not None:
                return r.threshold
        return None

    @property
    def tie_breaks(self) -> list[TieBreak]:
        """Every tie broken in the count, in order."""
        return [t for r in self.rounds for t in r.tie_breaks]
