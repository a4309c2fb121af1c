"""Shared machinery of the paper-based STV rules (ERS97 and the Irish Dáil rules).

Both rules move physical voting papers in parcels and batches, and both break
ties by looking *forward* from the first stage for the earliest point at which
the tied candidates had unequal votes, then by lot. This module holds what the
two have in common and nothing rule-specific:

* :func:`prepare` turns an :class:`~selectorate.ballots.model.Election` into
  papers (candidate indices in preference order), with the contract options
  checked by :func:`~selectorate.counting.stv_rules.stv_options`;
* :class:`PaperCount`, the state both counts keep (candidates' status and
  votes, history, stages) and the decisions they take alike: forced
  exclusions, the lowest candidates and the largest surplus with their ties,
  the stage record and the :class:`CountResult`; :func:`count_papers` runs one;
* :func:`order_groups` and :func:`earliest_difference` order tied candidates by
  the earliest point of difference;
* :func:`lot` draws a lot from the published seed (or refuses without one);
* :func:`protected` says which candidates a group minimum forbids excluding.

Private to :mod:`selectorate.counting.ers97` and :mod:`selectorate.counting.irish`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import ClassVar

from selectorate.ballots.model import OVERVOTE, Election
from selectorate.counting.result import INACTIVE_CAUSES, Action, CountResult, Round, TieBreak
from selectorate.counting.stv_rules import CountRules, StvOptions, apply_ron, draw_lot

#: One point of the count's history: its label and every candidate's vote then.
HistoryPoint = tuple[str, dict[int, Fraction]]

#: A candidate's status in a paper count.
CONT, ELECTED, EXCLUDED, OUT = "continuing", "elected", "excluded", "not standing"


@dataclass
class Prepared:
    """An election made ready for a paper count: papers and the checked contract options."""

    names: list[str]
    #: Indices of the candidates standing at the start of the count.
    standing: list[int]
    #: (preferences, weight, ballot number from 1) per non-blank ballot, in file order.
    papers: list[tuple[tuple[int, ...], Fraction, int]]
    total: Fraction
    undervotes: Fraction
    opts: StvOptions
    notes: list[str] = field(default_factory=list)


def prepare(election: Election, *, method: str, opts: StvOptions, whole_papers: bool) -> Prepared:
    """Read the ballots into papers, the contract options ``opts`` being checked already.

    A rank holding several candidates (or an unnamed overvote) raises
    :class:`ValueError` naming the ballot: neither rule counts equal rankings.
    A skipped rank is passed over. ``whole_papers`` requires whole-number weights
    (a weight-``k`` ballot is ``k`` identical papers).
    """
    names = election.names
    if len(set(names)) != len(names):
        raise ValueError("candidate names must be unique")
    standing = [i for i, c in enumerate(election.candidates) if not c.excluded]
    papers: list[tuple[tuple[int, ...], Fraction, int]] = []
    total = Fraction(0)
    undervotes = Fraction(0)
    for number, ballot in enumerate(election.ballots, start=1):
        weight = Fraction(ballot.weight)
        if weight <= 0:
            raise ValueError(
                f"ballot {_ballot_name(ballot.label, number)}: weight must be positive"
            )
        if whole_papers and weight.denominator != 1:
            raise ValueError(
                f"ballot {_ballot_name(ballot.label, number)}: {method} moves whole papers, "
                f"so a ballot's weight must be a whole number, not {weight}"
            )
        total += weight
        prefs: list[int] = []
        for rank in ballot.rankings:
            if not rank:
                continue
            if len(rank) > 1 or rank[0] == OVERVOTE:
                raise ValueError(
                    f"ballot {_ballot_name(ballot.label, number)} has several candidates at one "
                    f"rank: {method} counts no equal rankings"
                )
            prefs.append(rank[0])
        if not prefs:
            undervotes += weight
            continue
        papers.append((tuple(prefs), weight, number))

    notes = opts.notes()
    withdrawn = [
        election.candidates[i].name for i, c in enumerate(election.candidates) if c.excluded
    ]
    if withdrawn:
        notes.append(
            "withdrawn before the count (preferences for them are passed over): "
            + ", ".join(withdrawn)
        )
    return Prepared(names, standing, papers, total, undervotes, opts, notes)


def _ballot_name(label: str | None, number: int) -> str:
    """``#number`` or ``#number (label)`` for error messages."""
    return f"#{number}" if label is None else f"#{number} ({label})"


def inactive(exhausted: Fraction) -> dict[str, Fraction]:
    """A round's ``inactive`` dict: every cause present, only exhausted choices used."""
    out = dict.fromkeys(INACTIVE_CAUSES, Fraction(0))
    out["exhaustedChoices"] = exhausted
    return out


def order_groups(
    cands: Sequence[int],
    now: Mapping[int, Fraction],
    history: Sequence[HistoryPoint],
    *,
    highest: bool,
) -> list[list[int]]:
    """``cands`` ordered by vote now, ties by the earliest point of difference.

    Highest first when ``highest``, else lowest first. Candidates equal now are
    compared at each point of ``history`` in turn, from the first: at the first
    point where they are not all equal they are split by their vote there, and
    each part is compared again from the next point on. Each returned group
    holds candidates equal at every point (only a lot can part them), in
    candidate-index order.
    """
    by_vote: dict[Fraction, list[int]] = {}
    for c in cands:
        by_vote.setdefault(now[c], []).append(c)
    out: list[list[int]] = []
    for v in sorted(by_vote, reverse=highest):
        out.extend(_refine(sorted(by_vote[v]), history, 0, highest))
    return out


def _refine(
    group: list[int], history: Sequence[HistoryPoint], start: int, highest: bool
) -> list[list[int]]:
    """Split ``group`` at the first point from ``start`` where its votes differ."""
    if len(group) < 2:
        return [group]
    for p in range(start, len(history)):
        votes = history[p][1]
        values = sorted({votes.get(c, Fraction(0)) for c in group}, reverse=highest)
        if len(values) > 1:
            out: list[list[int]] = []
            for v in values:
                part = [c for c in group if votes.get(c, Fraction(0)) == v]
                out.extend(_refine(part, history, p + 1, highest))
            return out
    return [group]


def earliest_difference(
    tied: Sequence[int],
    history: Sequence[HistoryPoint],
    names: Sequence[str],
    fmt: Callable[[Fraction], str],
) -> str:
    """The first history point at which ``tied`` were not all equal, as text."""
    for label, votes in history:
        values = {votes.get(c, Fraction(0)) for c in tied}
        if len(values) > 1:
            return f"{label}: " + ", ".join(
                f"{names[c]} {fmt(votes.get(c, Fraction(0)))}" for c in tied
            )
    return "equal at every point"


def lot(seed: int | str | None, purpose: str, stage: int, tied: Sequence[str]) -> TieBreak:
    """Draw a lot among ``tied`` (see :func:`~selectorate.counting.stv_rules.draw_lot`).

    Without a seed the count cannot go on: :class:`ValueError` asks for one.
    """
    if seed is None:
        raise ValueError(
            f"tie at stage {stage} between {', '.join(sorted(tied))} needs a lot: give --seed"
        )
    return draw_lot(seed, purpose, stage, tied)


def protected(
    rules: CountRules, names: Sequence[str], elected: Sequence[int], continuing: Sequence[int]
) -> set[int]:
    """Continuing candidates whom no ordinary exclusion may touch (group minimums).

    A member of a group is protected when the group's elected and continuing
    members together only just reach its minimum: excluding any of them would
    make the minimum impossible. (The other half of a minimum, excluding those
    outside the group once they have taken every seat left to them, is
    :meth:`CountRules.forced_exclusions`.)
    """
    out: set[int] = set()
    for group in rules.minimums:
        inside_el = sum(1 for c in elected if names[c] in group.members)
        inside_cont = [c for c in continuing if names[c] in group.members]
        if inside_el + len(inside_cont) <= group.minimum:
            out.update(inside_cont)
    return out


def forced(
    rules: CountRules,
    names: Sequence[str],
    stage: int,
    elected: Sequence[int],
    continuing: Sequence[int],
) -> list[tuple[int, str]]:
    """:meth:`CountRules.forced_exclusions` with candidate indices, in continuing order."""
    index = {names[c]: c for c in continuing}
    got = rules.forced_exclusions(
        stage, [names[c] for c in elected], [names[c] for c in continuing]
    )
    return [(index[n], reason) for n, reason in got]


class PaperCount:
    """What the paper counts (ERS97, Irish) keep and decide alike; a rule subclasses it.

    A subclass names its rule (``METHOD``, ``PLACES``), how it prints a vote
    (``fmt``), the words of its tie-breaks (``LOWEST_TIE``, ``HIGHEST_TIE``:
    "the fewest/greatest votes at ..."), and sets ``votes`` (candidate ->
    value, for every standing candidate) before counting. Stages are closed
    with :meth:`snapshot`; :meth:`result` builds the :class:`CountResult`.
    """

    METHOD: ClassVar[str]
    #: ``CountResult.decimal_places``: ``None`` for whole papers.
    PLACES: ClassVar[int | None]
    LOWEST_TIE: ClassVar[str]
    HIGHEST_TIE: ClassVar[str]
    #: The word for one stage in notes ("stage", "count").
    STAGE_WORD: ClassVar[str] = "stage"
    votes: dict[int, Fraction] | dict[int, int]

    def __init__(self, prep: Prepared, title: str) -> None:
        self.prep = prep
        self.title = title
        self.names = prep.names
        self.seats = prep.opts.seats
        self.rules = prep.opts.rules
        self.seed = prep.opts.seed
        self.status = [OUT] * len(self.names)
        for c in prep.standing:
            self.status[c] = CONT
        self.transferred: set[int] = set()
        self.elected: list[int] = []
        self.exhausted: Fraction | int = 0
        self.residual: Fraction | int = 0
        self.quota: Fraction | int = 0
        self.history: list[HistoryPoint] = []
        self.rounds: list[Round] = []
        self.stage = 0
        self.notes = list(prep.notes)
        # Decisions taken while a stage is being produced, for its Round.
        self.new_actions: list[Action] = []
        self.new_ties: list[TieBreak] = []

    @staticmethod
    def fmt(value: Fraction) -> str:
        """A vote as the rule prints it."""
        return str(value)

    def run(self) -> CountResult:
        """Count every stage; return the result (a RON candidate's seats unfilled)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers

    def continuing(self) -> list[int]:
        """Continuing candidates, in candidate order."""
        return [c for c in self.prep.standing if self.status[c] == CONT]

    def places(self) -> int:
        """Places (vacancies) not yet filled."""
        return self.seats - len(self.elected)

    def fvotes(self) -> dict[int, Fraction]:
        """Every standing candidate's vote now, as fractions."""
        return {c: Fraction(v) for c, v in self.votes.items()}

    def point(self, label: str) -> None:
        """Record every candidate's vote now, for ties decided by the earliest point."""
        self.history.append((label, self.fvotes()))

    def note(self, text: str) -> None:
        """A note for the scrutineer, prefixed with the stage it concerns."""
        self.notes.append(f"Stage {self.stage}: {text}")

    def snapshot(self) -> None:
        """Close the stage just produced: its Round, with what was decided during it."""
        tally = {
            self.names[c]: Fraction(self.votes[c])
            for c in self.prep.standing
            if self.status[c] in (CONT, ELECTED)
        }
        self.rounds.append(
            Round(
                number=self.stage,
                tally=tally,
                threshold=Fraction(self.quota),
                inactive=inactive(Fraction(self.exhausted)),
                actions=self.new_actions,
                tie_breaks=self.new_ties,
                residual_surplus=Fraction(self.residual),
            )
        )
        self.new_actions = []
        self.new_ties = []

    # ------------------------------------------------------------------ rulebook additions

    def withdraw_before_first_stage(self) -> None:
        """Start stage 1: whom the rulebook excludes before it is not standing."""
        self.stage = 1
        for c, reason in forced(self.rules, self.names, 1, [], self.continuing()):
            self.status[c] = OUT
            self.note(f"{self.names[c]} excluded before the first {self.STAGE_WORD}: {reason}")

    def forced_exclusions(self, cont: list[int]) -> dict[int, str]:
        """Candidates the rulebook excludes at the start of the next stage, with reasons."""
        return dict(forced(self.rules, self.names, self.stage + 1, self.elected, cont))

    def blocked(self, cont: list[int], elected: Sequence[int] | None = None) -> set[int]:
        """Continuing candidates the rulebook would exclude now, so not to be elected."""
        chosen = self.elected if elected is None else elected
        return {c for c, _ in forced(self.rules, self.names, self.stage, chosen, cont)}

    # ------------------------------------------------------------------ decisions

    def take_lowest(self, cands: list[int], k: int) -> list[int]:
        """The ``k`` lowest of ``cands``: ties by the earliest point, then lot."""
        groups = order_groups(cands, self.fvotes(), self.history, highest=False)
        chosen: list[int] = []
        lots = False
        for g in groups:
            need = k - len(chosen)
            if need <= 0:
                break
            if len(g) <= need:
                chosen.extend(g)
                continue
            pool = list(g)
            for _ in range(need):
                tb = lot(self.seed, "exclusion", self.stage, [self.names[c] for c in pool])
                pick = self.names.index(tb.chosen)
                pool.remove(pick)
                chosen.append(pick)
                self.rounds[-1].tie_breaks.append(tb)
                lots = True
        boundary = self.votes[chosen[-1]]
        tied = [c for c in cands if self.votes[c] == boundary]
        if not lots and len(tied) > len([c for c in tied if c in chosen]) > 0:
            picked = ", ".join(self.names[c] for c in chosen if c in tied)
            self.rounds[-1].tie_breaks.append(
                self.earliest_tie("exclusion", tied, picked, self.LOWEST_TIE)
            )
        return chosen

    def choose_surplus(self, pending: list[int]) -> int:
        """The largest surplus: ties by the earliest point, then lot."""
        votes = self.fvotes()
        first = order_groups(pending, votes, self.history, highest=True)[0]
        same = [c for c in pending if votes[c] == votes[first[0]]]
        if len(first) > 1:
            tb = lot(self.seed, "surplus", self.stage, [self.names[c] for c in first])
            self.rounds[-1].tie_breaks.append(tb)
            return self.names.index(tb.chosen)
        if len(same) > 1:
            self.rounds[-1].tie_breaks.append(
                self.earliest_tie("surplus", same, self.names[first[0]], self.HIGHEST_TIE)
            )
        return first[0]

    def earliest_tie(self, purpose: str, tied: Sequence[int], chosen: str, why: str) -> TieBreak:
        """A tie settled by the earliest point of difference: ``why`` and the figures there."""
        return TieBreak(
            purpose=purpose,
            tied=tuple(self.names[c] for c in tied),
            chosen=chosen,
            method="earliest stage",
            detail=f"{why}: " + earliest_difference(tied, self.history, self.names, self.fmt),
        )

    def shielded(self, cont: list[int]) -> set[int]:
        """Continuing candidates a group minimum protects from exclusion now."""
        return protected(self.rules, self.names, self.elected, cont)

    def most_together(self, cont: list[int]) -> int:
        """How many candidates one exclusion may take at most.

        With group minimums, one at a time: a group could lose several members at once.
        """
        return 1 if self.rules.minimums else len(cont) - self.places()

    def elect_at_last_stage(self, cands: Sequence[int]) -> None:
        """Deem ``cands`` elected at the latest stage, in that order."""
        for c in cands:
            self.status[c] = ELECTED
            self.elected.append(c)
            self.rounds[-1].actions.append(Action("elected", self.names[c]))

    # ------------------------------------------------------------------ result

    def result(self) -> CountResult:
        """The finished count (a RON candidate's seats declared unfilled)."""
        result = CountResult(
            method=self.METHOD,
            candidates=list(self.names),
            seats=self.seats,
            elected=[self.names[c] for c in self.elected],
            rounds=self.rounds,
            total_ballots=self.prep.total,
            undervotes=self.prep.undervotes,
            title=self.title,
            decimal_places=self.PLACES,
            options=self.prep.opts.record,
            notes=self.notes,
        )
        if self.prep.opts.ron is not None:
            apply_ron(result, self.prep.opts.ron)
        return result


def count_papers(
    count: type[PaperCount], election: Election, opts: StvOptions, *, whole_papers: bool
) -> CountResult:
    """Count ``election`` by the paper rule ``count`` with the checked options ``opts``."""
    prep = prepare(election, method=count.METHOD, opts=opts, whole_papers=whole_papers)
    return count(prep, election.title).run()
