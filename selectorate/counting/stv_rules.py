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

Every STV method checks its contract options with :func:`stv_options`, which
also gives what the method records in ``CountResult.options``: the keyword
arguments in force, in a JSON-safe form that can be passed straight back to
the method to count again (``selectorate verify`` does).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from selectorate.ballots import Election
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


#: A group minimum as the STV methods take it: a :class:`GroupMinimum`, or its record
#: ``{"name": ..., "minimum": ..., "members": [...]}`` as ``CountResult.options`` holds it.
MinimumSpec = GroupMinimum | Mapping[str, object]


def group_minimum(spec: MinimumSpec) -> GroupMinimum:
    """``spec`` as a :class:`GroupMinimum` (a record ``{"name", "minimum", "members"}`` is read)."""
    if isinstance(spec, GroupMinimum):
        return spec
    try:
        name, minimum, members = spec["name"], spec["minimum"], spec["members"]
    except (KeyError, TypeError):
        raise ValueError(
            f"a group minimum needs a name, a minimum and members, not {spec!r}"
        ) from None
    if isinstance(members, str) or not isinstance(members, Iterable):
        raise ValueError(f"group {name!r}: members must be a list of names, not {members!r}")
    if isinstance(minimum, bool) or not isinstance(minimum, int):
        raise ValueError(f"group {name!r}: the minimum must be a whole number, not {minimum!r}")
    return GroupMinimum(str(name), frozenset(str(m) for m in members), minimum)


def minimum_record(group: GroupMinimum) -> dict[str, object]:
    """How ``CountResult.options`` records ``group``: JSON-safe, members sorted."""
    return {"name": group.name, "minimum": group.minimum, "members": sorted(group.members)}


@dataclass(frozen=True, slots=True)
class StvOptions:
    """The STV contract's options for one count, checked against the election.

    ``record`` is what the method puts in ``CountResult.options``: ``seats``
    (always, as counted), ``seed``, ``ron``, ``minimums`` (records, see
    :func:`minimum_record`), ``withdrawals`` (``{stage: [names]}``) and
    ``lot_order`` when given, then the method's own options as given or
    defaulted. Every value is JSON-safe and, read back, is accepted by the
    method unchanged.
    """

    seats: int
    seed: int | str | None
    ron: str | None
    rules: CountRules
    lot_order: tuple[str, ...] | None
    record: dict[str, object]

    def notes(self) -> list[str]:
        """The group minimums in words, for the head of the result's notes."""
        return [
            f"Group minimum {g.name!r}: at least {g.minimum} of the {self.seats} seats go to "
            f"its members ({'; '.join(sorted(g.members))})."
            for g in self.rules.minimums
        ]


def stv_options(
    election: Election,
    seats: int | None,
    seed: int | str | None,
    ron: str | None,
    minimums: Sequence[MinimumSpec],
    withdrawals: Mapping[int, Sequence[str]] | None,
    lot_order: Sequence[str] | None = None,
    **variant: object,
) -> StvOptions:
    """Check an STV method's contract options against ``election``; see :class:`StvOptions`.

    The arguments are the contract's, in its order (``seats`` ``None``: the
    election's); ``variant`` holds the method's own options, recorded as
    given. Raises :class:`ValueError` for: seats not a whole number of at least
    1; a RON candidate not standing; a minimum naming an unknown candidate or
    outside 0..seats; a withdrawal stage not a whole number of at least 1
    (a string of digits is read as one) or naming an unknown candidate; a
    ``lot_order`` not listing every candidate exactly once.
    """
    n_seats = election.seats if seats is None else seats
    if isinstance(n_seats, bool) or not isinstance(n_seats, int) or n_seats < 1:
        raise ValueError(f"seats must be a whole number of at least 1, not {n_seats!r}")
    names = election.names
    known = set(names)
    if ron is not None and ron not in known:
        raise ValueError(f"RON candidate {ron!r} is not standing")
    groups = tuple(group_minimum(m) for m in minimums)
    for group in groups:
        unknown = sorted(group.members - known)
        if unknown:
            raise ValueError(
                f"group {group.name!r} names unknown candidate(s): {', '.join(unknown)}"
            )
        if not 0 <= group.minimum <= n_seats:
            raise ValueError(f"group {group.name!r}: minimum {group.minimum} is not 0..{n_seats}")
    stages: dict[int, tuple[str, ...]] = {}
    for key, who in (withdrawals or {}).items():
        stage = int(key) if isinstance(key, str) and key.strip().isdecimal() else key
        if isinstance(stage, bool) or not isinstance(stage, int) or stage < 1:
            raise ValueError(f"withdrawal stage must be a whole number of at least 1, not {key!r}")
        names_out = (who,) if isinstance(who, str) else tuple(who)
        unknown = sorted(set(names_out) - known)
        if unknown:
            raise ValueError(
                f"withdrawal at stage {stage} names unknown candidate(s): {', '.join(unknown)}"
            )
        stages[stage] = stages.get(stage, ()) + names_out
    stages = dict(sorted(stages.items()))
    order = None if lot_order is None else tuple(lot_order)
    if order is not None and (sorted(order) != sorted(names) or len(set(order)) != len(order)):
        raise ValueError("lot_order must list every candidate exactly once")
    record: dict[str, object] = {"seats": n_seats}
    for key, value in (("seed", seed), ("ron", ron)):
        if value is not None:
            record[key] = value
    if groups:
        record["minimums"] = [minimum_record(g) for g in groups]
    if stages:
        record["withdrawals"] = {k: list(v) for k, v in stages.items()}
    if order is not None:
        record["lot_order"] = list(order)
    record.update(variant)
    return StvOptions(n_seats, seed, ron, CountRules(n_seats, groups, stages), order, record)


def ballot_with(election: Election, rankings: tuple[tuple[int, ...], ...]) -> str:
    """``ballot N`` or ``ballot N (label)``: the first ballot ranking ``rankings``, for errors.

    Counts that merge identical ballots use it to name the ballot behind a bad group.
    """
    number, label = 0, None
    for number, b in enumerate(election.ballots, start=1):  # noqa: B007
        if b.rankings == rankings:
            label = b.label
            break
    return f"ballot {number}" + (f" ({label})" if label else "")
