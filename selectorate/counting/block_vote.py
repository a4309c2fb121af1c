"""Block vote ("block"): each voter marks up to *N* candidates; the top *N* win.

Also called plurality-at-large or bloc FPTP. Labour's NEC elected its CLP
section this way until 2018: "each member could vote for up to the number of
seats, and the top N were elected" (shared/facts/rulebooks.md §3, from
LabourList 2016-08; results of 2012, 2014, 2016 and January 2018 in
labour_history.json ``labour_nec_elections``). STV replaced it from 2020.

Reading a ballot:

* its marks are the candidates named at any rank, in any order (a ranked
  ballot's first ``seats`` ranks, or several marks at one rank); a candidate
  marked twice counts once. With ``truncate=True`` only the first ``seats``
  ranks are read, to count preferential papers as a block vote;
* more distinct marks than seats, or an unnamed overvote, make the ballot
  invalid: ``inactive["overvotes"]``;
* a mark for a candidate excluded before the count is void; the ballot's
  other marks still count. A ballot all of whose marks are void is counted
  under ``inactive["exhaustedChoices"]``;
* a ballot with no mark is an undervote (``CountResult.undervotes``); with
  ``truncate=True`` a ballot whose marks all lie beyond the first ``seats``
  ranks is counted under ``inactive["skippedRankings"]``.

``tally`` counts **votes**, not ballots: a ballot marking three candidates adds
its weight to each. The ``seats`` candidates with most votes are elected; an
equality for the last seat is decided by ``tiebreak_order`` (drawn by lot
before the count) or stops the count (:mod:`selectorate.counting.simple_ties`).
Candidates tied above the last seat are all elected and listed in candidate
order. When no more candidates stand than there are seats, all are elected.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from selectorate.ballots.model import OVERVOTE, Election
from selectorate.counting import registry
from selectorate.counting.result import INACTIVE_CAUSES, Action, CountResult, Round, TieBreak
from selectorate.counting.simple_ties import break_tie, check_tiebreak_order

__all__ = ["count_block"]


def count_block(
    election: Election,
    *,
    seats: int | None = None,
    tiebreak_order: Sequence[str] | None = None,
    truncate: bool = False,
) -> CountResult:
    """Count ``election`` by block vote for ``seats`` seats (default ``election.seats``)."""
    n_seats = election.seats if seats is None else seats
    if not isinstance(n_seats, int) or n_seats < 1:
        raise ValueError(f"seats must be a whole number of at least 1, not {n_seats!r}")
    cands = election.candidates
    standing = [i for i, c in enumerate(cands) if not c.excluded]
    names = [cands[i].name for i in standing]
    check_tiebreak_order(tiebreak_order, names)

    votes = {i: Fraction(0) for i in standing}
    inactive = dict.fromkeys(INACTIVE_CAUSES, Fraction(0))
    undervotes = Fraction(0)
    total = Fraction(0)
    for ballot in election.ballots:
        weight = Fraction(ballot.weight)
        total += weight
        if ballot.is_blank():
            undervotes += weight
            continue
        ranks = ballot.rankings[:n_seats] if truncate else ballot.rankings
        marks = {i for rank in ranks for i in rank}
        if not marks:
            inactive["skippedRankings"] += weight
        elif OVERVOTE in marks or len(marks) > n_seats:
            inactive["overvotes"] += weight
        else:
            valid = [i for i in marks if not cands[i].excluded]
            if not valid:
                inactive["exhaustedChoices"] += weight
            for i in valid:
                votes[i] += weight

    tally = {cands[i].name: votes[i] for i in standing}
    rnd = Round(number=1, tally=tally, inactive=inactive)
    elected = _top(names, tally, n_seats, tiebreak_order, rnd.tie_breaks)
    rnd.actions.extend(Action("elected", n) for n in elected)

    notes = [f"block vote: each voter marks up to {n_seats}; the {n_seats} with most votes win"]
    if truncate:
        notes.append(f"only the first {n_seats} ranks of each ballot were read")
    excluded = [c.name for c in cands if c.excluded]
    if excluded:
        notes.append(f"excluded before the count (marks for them are void): {', '.join(excluded)}")
    if len(elected) < n_seats:
        notes.append(f"{n_seats - len(elected)} seat(s) unfilled: too few candidates stand")
    options: dict[str, object] = {}
    if seats is not None:
        options["seats"] = seats
    if tiebreak_order is not None:
        options["tiebreak_order"] = list(tiebreak_order)
    if truncate:
        options["truncate"] = True
    return CountResult(
        method="block",
        candidates=election.names,
        seats=n_seats,
        elected=elected,
        rounds=[rnd],
        total_ballots=total,
        undervotes=undervotes,
        title=election.title,
        options=options,
        notes=notes,
    )


def _top(
    names: list[str],
    tally: dict[str, Fraction],
    seats: int,
    order: Sequence[str] | None,
    record: list[TieBreak],
) -> list[str]:
    """The ``seats`` names with most votes; a tie for the last places goes to ``order``."""
    if len(names) <= seats:
        return sorted(names, key=lambda n: -tally[n])  # stable: candidate order within ties
    ranked = sorted(names, key=lambda n: -tally[n])
    cutoff = tally[ranked[seats - 1]]
    above = [n for n in ranked if tally[n] > cutoff]
    tied = [n for n in names if tally[n] == cutoff]
    places = seats - len(above)
    if len(tied) == places:
        return above + tied
    chosen: list[str] = []
    remaining = list(tied)
    for _ in range(places):
        decision = break_tie(remaining, "election", order, 1)
        record.append(decision)
        chosen.append(decision.chosen)
        remaining.remove(decision.chosen)
    return above + chosen


registry.register(
    registry.Method(
        name="block",
        summary="Block vote: mark up to N candidates, the N with most votes win",
        function=count_block,
        multi_seat=True,
    )
)
