"""First past the post (plurality, "fptp"): one seat, the most first preferences wins.

The rule of UK parliamentary elections (Representation of the People Act 1983,
Sch. 1, Parliamentary Elections Rules: r. 18 "the candidate to whom the majority
of votes have been given shall be declared to have been elected"; r. 49 an
equality of votes is decided by lot) and of many internal ballots for one post.

Reading a ranked ballot as a single X vote:

* the vote is the ballot's **first marked rank** (earlier empty ranks are passed
  over; later ranks are ignored);
* two or more candidates at that rank, or an unnamed overvote, make the ballot
  invalid: it is counted under ``inactive["overvotes"]``;
* a vote for a candidate excluded before the count is **void**, not passed on
  to the next preference (an X vote has no next preference): it is counted
  under ``inactive["exhaustedChoices"]``;
* a ballot with no mark at all is an undervote (``CountResult.undervotes``).

An equality for first place is decided by ``tiebreak_order`` (an order drawn by
lot before the count, see :mod:`selectorate.counting.simple_ties`) or stops the
count with :class:`~selectorate.counting.simple_ties.TieUnresolved`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from selectorate.ballots.model import OVERVOTE, Election
from selectorate.counting import registry
from selectorate.counting.result import INACTIVE_CAUSES, Action, CountResult, Round
from selectorate.counting.simple_ties import break_tie, check_tiebreak_order

__all__ = ["count_fptp"]


def count_fptp(election: Election, *, tiebreak_order: Sequence[str] | None = None) -> CountResult:
    """Count ``election`` by first past the post (one seat).

    ``tiebreak_order`` lists every standing candidate in an order drawn by lot;
    the earliest-listed of candidates tied for first place wins.
    """
    if election.seats != 1:
        raise ValueError(
            f"first past the post fills one seat; this election has {election.seats} "
            "(count it with 'block')"
        )
    cands = election.candidates
    standing = [i for i, c in enumerate(cands) if not c.excluded]
    if not standing:
        raise ValueError("every candidate is excluded: there is no one to elect")
    names = [cands[i].name for i in standing]
    check_tiebreak_order(tiebreak_order, names)

    votes = {i: Fraction(0) for i in standing}
    inactive = dict.fromkeys(INACTIVE_CAUSES, Fraction(0))
    undervotes = Fraction(0)
    total = Fraction(0)
    for ballot in election.ballots:
        weight = Fraction(ballot.weight)
        total += weight
        first = next((rank for rank in ballot.rankings if rank), None)
        if first is None:
            undervotes += weight
        elif OVERVOTE in first or len(set(first)) > 1:
            inactive["overvotes"] += weight
        elif cands[first[0]].excluded:
            inactive["exhaustedChoices"] += weight
        else:
            votes[first[0]] += weight

    tally = {cands[i].name: votes[i] for i in standing}
    top = max(tally.values())
    tied = [n for n in names if tally[n] == top]
    rnd = Round(number=1, tally=tally, inactive=inactive)
    if len(tied) > 1:
        decision = break_tie(tied, "election", tiebreak_order, 1)
        rnd.tie_breaks.append(decision)
        winner = decision.chosen
    else:
        winner = tied[0]
    rnd.actions.append(Action("elected", winner))

    notes = ["first past the post: each ballot's first marked rank is its vote"]
    excluded = [c.name for c in cands if c.excluded]
    if excluded:
        notes.append(f"excluded before the count (votes for them are void): {', '.join(excluded)}")
    options: dict[str, object] = {}
    if tiebreak_order is not None:
        options["tiebreak_order"] = list(tiebreak_order)
    return CountResult(
        method="fptp",
        candidates=election.names,
        seats=1,
        elected=[winner],
        rounds=[rnd],
        total_ballots=total,
        undervotes=undervotes,
        title=election.title,
        options=options,
        notes=notes,
    )


registry.register(
    registry.Method(
        name="fptp",
        summary="First past the post: one seat, most first preferences wins",
        function=count_fptp,
    )
)
