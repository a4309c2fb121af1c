"""Electoral college counted by the alternative vote ("electoral-college").

Labour elected its leader and deputy this way until the Collins reforms of
March 2014, which "abolished the electoral college (one third each for unions,
members and MPs/MEPs)" (shared/facts/rulebooks.md §1.3). The 2010 leadership
election was the last leadership contest held under it; the 266 ranked ballots
of its MPs/MEPs section are PrefLib dataset 00030 (rulebooks.md §9, "2010
ballot-level fixture"). The same arithmetic, with two halves, is Labour's
conference card vote (CLP and affiliate totals each normalised to percentages
and weighted 50%, rulebooks.md §4).

The rule, round by round:

1. in each section, every ballot counts for its highest-ranked continuing
   candidate (see :func:`av_tally` for how marks are read);
2. each candidate's votes in a section become a percentage of that section's
   *continuing* votes (exhausted ballots leave the base), multiplied by the
   section's share of the college (one third each in 2010), and the sections
   are added: the **college total**;
3. a candidate with **more than half** of the college total is elected;
4. otherwise the candidate lowest in the college total is eliminated and the
   next round begins. An equality for elimination is decided by
   ``tiebreak_order`` (drawn by lot before the count) or stops the count.

Every figure is an exact :class:`~fractions.Fraction`. ``Round.tally`` holds the
college totals **in percentage points** (a section of share 1/3 contributes up
to 100/3), ``Round.threshold`` half the round's college total (a winner needs
strictly more), and ``Round.sections`` each section's raw votes per continuing
candidate plus ``"exhausted"``, its ballots no longer counting.
``Round.inactive["exhaustedChoices"]`` holds the percentage points of any
section left with no continuing vote at all. Eliminations record no transfers:
a percentage does not move from one candidate to another; the section figures
show where the ballots went.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from selectorate.ballots.model import OVERVOTE, Election
from selectorate.counting import registry
from selectorate.counting.result import (
    EXHAUSTED,
    INACTIVE_CAUSES,
    Action,
    CountResult,
    Round,
)
from selectorate.counting.simple_ties import break_tie, check_tiebreak_order

__all__ = ["AvTally", "av_tally", "count_electoral_college"]

Section = tuple[str, Fraction, Election]


class AvTally:
    """One section's count in one round: votes per candidate index and inactive ballots."""

    __slots__ = ("inactive", "undervotes", "votes")

    def __init__(self, ncand: int) -> None:
        self.votes = [Fraction(0)] * ncand
        self.inactive = dict.fromkeys(INACTIVE_CAUSES, Fraction(0))
        self.undervotes = Fraction(0)

    @property
    def continuing(self) -> Fraction:
        """Votes held by continuing candidates."""
        return sum(self.votes, Fraction(0))


def av_tally(election: Election, continuing: frozenset[int]) -> AvTally:
    """Count ``election``'s ballots for the candidates (indices) in ``continuing``.

    A ballot is read rank by rank: an empty rank is passed over; a rank with
    two or more candidates (or an unnamed overvote) makes the ballot inactive
    (``overvotes``); a single candidate who is not continuing (eliminated or
    excluded, or a repeat) is passed over; the first continuing candidate gets
    the ballot. A ballot that runs out is ``exhaustedChoices``; a ballot with no
    mark at all is an undervote, never inactive.
    """
    result = AvTally(len(election.candidates))
    votes = result.votes
    for ballot in election.ballots:
        weight = Fraction(ballot.weight)
        if ballot.is_blank():
            result.undervotes += weight
            continue
        cause = "exhaustedChoices"
        for rank in ballot.rankings:
            if not rank:
                continue
            if len(rank) > 1 and (OVERVOTE in rank or len(set(rank)) > 1):
                cause = "overvotes"
                break
            choice = rank[0]
            if choice == OVERVOTE:
                cause = "overvotes"
                break
            if choice in continuing:
                votes[choice] += weight
                cause = ""
                break
        if cause:
            result.inactive[cause] += weight
    return result


def count_electoral_college(
    election: Election,
    *,
    sections: Sequence[Section],
    tiebreak_order: Sequence[str] | None = None,
) -> CountResult:
    """Count an electoral college of ``sections`` by the alternative vote.

    ``election`` names the candidates (and who is excluded before the count),
    the title, and must have one seat; its own ballots are not counted.
    ``sections`` are ``(name, share, ballots)``: the shares are positive exact
    fractions summing to 1 and each section's election lists the same
    candidate names in the same order. ``tiebreak_order`` lists every standing
    candidate in an order drawn by lot; the latest-listed of candidates tied
    for elimination is eliminated.
    """
    if election.seats != 1:
        raise ValueError(f"an electoral college elects one candidate, not {election.seats}")
    _check_sections(election, sections)
    cands = election.candidates
    names = election.names
    continuing = frozenset(i for i, c in enumerate(cands) if not c.excluded)
    if not continuing:
        raise ValueError("every candidate is excluded: there is no one to elect")
    check_tiebreak_order(tiebreak_order, [names[i] for i in sorted(continuing)])

    rounds: list[Round] = []
    elected: list[str] = []
    first_tallies: list[AvTally] = []
    while not elected:
        number = len(rounds) + 1
        order = sorted(continuing)
        college = {names[i]: Fraction(0) for i in order}
        lost = Fraction(0)
        per_section: dict[str, dict[str, Fraction]] = {}
        for name, share, sec in sections:
            t = av_tally(sec, continuing)
            if number == 1:
                first_tallies.append(t)
            base = t.continuing
            if base:
                for i in order:
                    college[names[i]] += 100 * share * t.votes[i] / base
            else:
                lost += 100 * share
            figures = {names[i]: t.votes[i] for i in order}
            figures[EXHAUSTED] = sum(t.inactive.values(), Fraction(0))
            per_section[name] = figures
        inactive = dict.fromkeys(INACTIVE_CAUSES, Fraction(0))
        inactive["exhaustedChoices"] = lost
        total = sum(college.values(), Fraction(0))
        rnd = Round(
            number=number,
            tally=college,
            threshold=total / 2,
            inactive=inactive,
            sections=per_section,
        )
        rounds.append(rnd)
        leader = max(college, key=lambda n: college[n])
        if college[leader] > total / 2 or len(order) == 1:
            elected.append(leader)
            rnd.actions.append(Action("elected", leader))
            break
        low = min(college.values())
        tied = [n for n in college if college[n] == low]
        if len(tied) > 1:
            decision = break_tie(tied, "elimination", tiebreak_order, number)
            rnd.tie_breaks.append(decision)
            loser = decision.chosen
        else:
            loser = tied[0]
        rnd.actions.append(Action("eliminated", loser))
        continuing = continuing - {names.index(loser)}

    share_text = "; ".join(f"{name} {share}" for name, share, _ in sections)
    notes = [
        "electoral college by the alternative vote: tallies are percentage points of the "
        "college (each section's continuing votes as a percentage, times its share)",
        f"sections and shares: {share_text}",
        "a candidate needs more than the threshold (half the college total) to be elected",
    ]
    excluded = [c.name for c in cands if c.excluded]
    if excluded:
        notes.append(f"excluded before the count: {', '.join(excluded)}")
    options: dict[str, object] = {
        "sections": {name: str(share) for name, share, _ in sections},
    }
    if tiebreak_order is not None:
        options["tiebreak_order"] = list(tiebreak_order)
    return CountResult(
        method="electoral-college",
        candidates=names,
        seats=1,
        elected=elected,
        rounds=rounds,
        total_ballots=sum((Fraction(s.total_weight()) for _, _, s in sections), Fraction(0)),
        undervotes=sum((t.undervotes for t in first_tallies), Fraction(0)),
        title=election.title,
        options=options,
        notes=notes,
    )


def _check_sections(election: Election, sections: Sequence[Section]) -> None:
    """Raise :class:`ValueError` (or :class:`TypeError`) for a malformed college."""
    if not sections:
        raise ValueError("an electoral college needs at least one section")
    if EXHAUSTED in election.names:
        raise ValueError(f"a candidate may not be called {EXHAUSTED!r} in an electoral college")
    seen: set[str] = set()
    total = Fraction(0)
    for entry in sections:
        if not isinstance(entry, tuple | list) or len(entry) != 3:
            raise TypeError("each section must be a (name, share, election) triple")
        name, share, sec = entry
        if not isinstance(name, str) or not name:
            raise ValueError(f"section name {name!r} must be a non-empty string")
        if name in seen:
            raise ValueError(f"section {name!r} appears twice")
        seen.add(name)
        if isinstance(share, bool) or not isinstance(share, int | Fraction):
            raise TypeError(
                f"section {name!r}: share must be an int or Fraction, not {type(share).__name__}"
            )
        if share <= 0:
            raise ValueError(f"section {name!r}: share {share} must be positive")
        total += share
        if not isinstance(sec, Election):
            raise TypeError(f"section {name!r}: ballots must be an Election")
        if sec.names != election.names:
            raise ValueError(f"section {name!r} lists candidates {sec.names}, not {election.names}")
    if total != 1:
        raise ValueError(f"section shares must add up to 1, not {total}")


registry.register(
    registry.Method(
        name="electoral-college",
        summary="Electoral college counted by AV: sections' percentages weighted by their shares",
        function=count_electoral_college,
    )
)
