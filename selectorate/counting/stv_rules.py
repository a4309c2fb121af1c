"""What party and union rulebooks add to an STV count, shared by every STV method.

Statutory STV rules (Scottish, Irish, NZ Meek) know nothing of these; rulebooks
of parties, unions and students' unions add them on top:

* **RON** ("re-open nominations") stands as a candidate. It is counted like any
  other, but a seat it wins is declared *unfilled* (:func:`apply_ron`).
* **A group minimum** (e.g. gender balance: "at least 2 of the 4 seats go to
  women"): once the candidates outside the group have taken every seat the
  minimum leaves them, the rest of them are excluded (:class:`CountRules`).
* **Withdrawals during the count**: a candidate who withdraws after the count
  has started is excluded at the next stage, their papers transferred as in an
  exclusion. (Withdrawals before the count are ``Candidate.excluded``.)
* **Ties by lot from a published seed** (:func:`draw_lot`): anybody holding the
  seed can repeat the draw with a few lines of any language.

A method calls :meth:`CountRules.forced_exclusions` at the start of every
stage and excludes whoever it returns before doing anything else, recording
the reason it gives.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from selectorate.counting.result import Action, CountResult, TieBreak


@dataclass(frozen=True, slots=True)
class GroupMinimum:
    """At least ``minimum`` of the seats must go to candidates in ``members``."""

    name: str  # e.g. "women"
    members: frozenset[str]
    minimum: int


@dataclass(frozen=True, slots=True)
class CountRules:
    """Rulebook additions for one STV count: group minimums and in-count withdrawals.

    ``withdrawals`` maps a stage number to the candidates who withdraw before
    that stage is counted.
    """

    seats: int
    minimums: tuple[GroupMinimum, ...] = ()
    withdrawals: Mapping[int, tuple[str, ...]] = field(default_factory=dict)

    def forced_exclusions(
        self, stage: int, elected: Iterable[str], continuing: Iterable[str]
    ) -> list[tuple[str, str]]:
        """Candidates who must be excluded at the start of ``stage``, each with the reason.

        A candidate outside a group is excluded when the seats already won by
        candidates outside it reach ``seats - minimum``. Names come back in the
        order of ``continuing``, so the result is deterministic.
        """
        elected = list(elected)
        continuing = list(continuing)
        out: dict[str, str] = {}
        for name in self.withdrawals.get(stage, ()):
            if name in continuing:
                out[name] = f"withdrew before stage {stage}"
        for group in self.minimums:
            outside_elected = sum(1 for n in elected if n not in group.members)
            if outside_elected >= self.seats - group.minimum:
                for name in continuing:
                    if name not in group.members and name not in out:
                        out[name] = (
                            f"at least {group.minimum} of {self.seats} seats must go to "
                            f"{group.name}, and candidates outside it have won "
                            f"{outside_elected}"
                        )
        return [(n, out[n]) for n in continuing if n in out]


def apply_ron(result: CountResult, ron: str) -> CountResult:
    """Declare any seat won by the RON candidate ``ron`` unfilled (in place; returned).

    RON's "elected" actions become "unfilled" actions and RON leaves
    ``result.elected``; a note on the sheet says how many seats stay empty.
    """
    if ron not in result.candidates:
        raise ValueError(f"RON candidate {ron!r} is not standing")
    unfilled = 0
    for rnd in result.rounds:
        new_actions: list[Action] = []
        for action in rnd.actions:
            if action.kind == "elected" and action.candidate == ron:
                action = Action("unfilled", ron, dict(action.transfers))
                unfilled += 1
            new_actions.append(action)
        rnd.actions = new_actions
    if ron in result.elected:
        result.elected = [n for n in result.elected if n != ron]
        unfilled = max(unfilled, 1)
    if unfilled:
        result.notes.append(
            f"{ron} (re-open nominations) won {unfilled} seat(s): "
            f"{'it stays' if unfilled == 1 else 'they stay'} unfilled and nominations re-open."
        )
    return result


def draw_lot(seed: int | str, purpose: str, stage: int, tied: Sequence[str]) -> TieBreak:
    """Break a tie by lot, reproducibly, from a published ``seed``.

    The procedure, which a scrutineer can repeat by hand or in any language:
    sort the tied names (Unicode code points); for each name compute
    ``SHA-256("<seed>|<purpose>|<stage>|<name>")`` as a hexadecimal string;
    the name with the smallest digest is chosen.
    """
    if len(tied) < 2:
        raise ValueError("a lot needs at least two tied candidates")
    names = sorted(tied)
    digests = {
        n: hashlib.sha256(f"{seed}|{purpose}|{stage}|{n}".encode()).hexdigest() for n in names
    }
    chosen = min(names, key=lambda n: digests[n])
    detail = f"seed {seed}; SHA-256 of 'seed|{purpose}|{stage}|name', smallest digest chosen: " + (
        ", ".join(f"{n} {digests[n][:12]}…" for n in names)
    )
    return TieBreak(purpose=purpose, tied=tuple(names), chosen=chosen, method="lot", detail=detail)
