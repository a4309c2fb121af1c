"""Shared machinery of the paper-based STV rules (ERS97 and the Irish Dáil rules).

Both rules move physical voting papers in parcels and batches, and both break
ties by looking *forward* from the first stage for the earliest point at which
the tied candidates had unequal votes, then by lot. This module holds what the
two have in common and nothing rule-specific:

* :func:`prepare` turns an :class:`~selectorate.ballots.model.Election` into
  papers (candidate indices in preference order), checks the options of the
  STV contract and builds the :class:`~selectorate.counting.stv_rules.CountRules`;
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

from selectorate.ballots.model import OVERVOTE, Election
from selectorate.counting.result import INACTIVE_CAUSES, TieBreak
from selectorate.counting.stv_rules import CountRules, GroupMinimum, draw_lot

#: One point of the count's history: its label and every candidate's vote then.
HistoryPoint = tuple[str, dict[int, Fraction]]


@dataclass
class Prepared:
    """An election made ready for a paper count: papers, seats, rulebook additions."""

    names: list[str]
    #: Indices of the candidates standing at the start of the count.
    standing: list[int]
    seats: int
    #: (preferences, weight, ballot number from 1) per non-blank ballot, in file order.
    papers: list[tuple[tuple[int, ...], Fraction, int]]
    total: Fraction
    undervotes: Fraction
    rules: CountRules
    seed: int | str | None
    ron: str | None
    options: dict[str, object]
    notes: list[str] = field(default_factory=list)


def prepare(
    election: Election,
    *,
    method: str,
    seats: int | None,
    seed: int | str | None,
    ron: str | None,
    minimums: Sequence[GroupMinimum],
    withdrawals: Mapping[int, Sequence[str]] | None,
    whole_papers: bool,
) -> Prepared:
    """Check the options and read the ballots into papers.

    A rank holding several candidates (or an unnamed overvote) raises
    :class:`ValueError` naming the ballot: neither rule counts equal rankings.
    A skipped rank is passed over. ``whole_papers`` requires whole-number weights
    (a weight-``k`` ballot is ``k`` identical papers).
    """
    n_seats = election.seats if seats is None else seats
    if not isinstance(n_seats, int) or isinstance(n_seats, bool) or n_seats < 1:
        raise ValueError(f"seats must be a whole number of at least 1, not {n_seats!r}")
    names = election.names
    if len(set(names)) != len(names):
        raise ValueError("candidate names must be unique")
    standing = [i for i, c in enumerate(election.candidates) if not c.excluded]
    if ron is not None and ron not in names:
        raise ValueError(f"RON candidate {ron!r} is not standing")
    wd: dict[int, tuple[str, ...]] = {}
    for stage, who in (withdrawals or {}).items():
        if not isinstance(stage, int) or stage < 1:
            raise ValueError(
                f"withdrawal stage must be a whole number of at least 1, not {stage!r}"
            )
        unknown = [n for n in who if n not in names]
        if unknown:
            raise ValueError(f"unknown candidate(s) withdrawing: {', '.join(unknown)}")
        wd[stage] = tuple(who)
    for group in minimums:
        unknown = sorted(set(group.members) - set(names))
        if unknown:
            raise ValueError(
                f"group {group.name!r} names unknown candidate(s): {', '.join(unknown)}"
            )
        if not 0 <= group.minimum <= n_seats:
            raise ValueError(f"group {group.name!r}: minimum {group.minimum} is not 0..{n_seats}")
    rules = CountRules(n_seats, tuple(minimums), wd)

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

    options: dict[str, object] = {}
    if seats is not None:
        options["seats"] = seats
    if seed is not None:
        options["seed"] = seed
    if ron is not None:
        options["ron"] = ron
    if minimums:
        options["minimums"] = [
            {"name": g.name, "members": sorted(g.members), "minimum": g.minimum} for g in minimums
        ]
    if wd:
        options["withdrawals"] = {str(k): list(v) for k, v in sorted(wd.items())}
    notes = []
    withdrawn = [
        election.candidates[i].name for i, c in enumerate(election.candidates) if c.excluded
    ]
    if withdrawn:
        notes.append(
            "withdrawn before the count (preferences for them are passed over): "
            + ", ".join(withdrawn)
        )
    return Prepared(
        names, standing, n_seats, papers, total, undervotes, rules, seed, ron, options, notes
    )


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
