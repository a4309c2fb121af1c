'''Motions: simple or qualified majority, quorum, binding or record-only.

A rulebook names kinds of motion (``kinds``), each with its rule
(:class:`MotionRule`):

* ``majority`` (a rate) and ``comparison``: a simple majority is more than
  ``"1/2"``; a qualified majority is, e.g., at least ``"2/3"`` ("a majority of
  not less than two-thirds of the votes recorded", Labour's party programme);
* ``base``: what the share is of — "votes_cast" (for + against; abstentions
  do not count), "voting" (for + against + recorded abstentions), "present"
  or "members" (the whole body);
* ``quorum`` (a number present) and/or ``quorum_rate`` (a share of the
  members, rounded as ``rounding`` says): an inquorate meeting decides
  nothing;
* ``binding``: false for a motion that "carries no official force" — a CLP
  motion of no confidence in its MP (BBC, 8 Feb 2019) or the PLP's 172–40
  vote of no confidence in its leader on 28 June 2016, "not constitutionally
  binding" (rulebooks.md §1.2, §6).

Votes may be whole numbers or exact fractions (weighted or card votes).

Example ``motion.toml``::

    source = "Labour Party Rule Book 2014 (model procedural rules)"
    default = "ordinary"

    [kinds.ordinary]
    majority = "1/2"
    comparison = "more_than"
    base = "votes_cast"
    source = "simple majority of those voting"

    [kinds.no_confidence_in_mp]
    majority = "1/2"
    comparison = "more_than"
    binding = false
    source = "BBC, 8 Feb 2019: such motions 'carry no official force within the Labour Party'"

    [kinds.party_programme]
    majority = "2/3"
    comparison = "at_least"
    source = "Rule Book Ch.1 Cl.V.2: not less than two-thirds of the votes recorded on a card vote"
'''

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import msgspec

from selectorate.procedures._common import check_choice, check_rate
from selectorate.procedures.numbers import (
    ROUNDING_RULES,
    Rounding,
    explain_required,
    format_exact,
    format_rate,
    parse_rate,
    required,
)
from selectorate.procedures.outcome import Figure, Outcome

__all__ = ["MotionRule", "MotionVotes", "Params", "motion_outcome"]

PROCEDURE = "motion"

BASES = ("votes_cast", "voting", "present", "members")


class MotionRule(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """How one kind of motion is decided."""

    #: The share of ``base`` the votes for must reach: "1/2" simple, "2/3" qualified.
    majority: str = "1/2"
    #: "more_than" (a majority) or "at_least" ("not less than two-thirds").
    comparison: str = "more_than"
    base: str = "votes_cast"
    #: Fewest members present for the meeting to decide (0: no quorum).
    quorum: int = 0
    #: Or a share of the members, rounded as ``Params.rounding`` says.
    quorum_rate: str | None = None
    #: False: the vote is recorded but has no constitutional effect.
    binding: bool = True
    #: Decided on a card vote (the conference procedure weighs the cards).
    card_vote: bool = False
    source: str = ""
    notes: list[str] = []
    uncertain: list[str] = []

    def __post_init__(self) -> None:
        check_rate("majority", self.majority)
        check_choice("comparison", self.comparison, ("at_least", "more_than"))
        check_choice("base", self.base, BASES)
        check_rate("quorum_rate", self.quorum_rate)
        if self.quorum < 0:
            raise ValueError(f"quorum: cannot be negative ({self.quorum})")


class Params(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a rulebook says about motions (``motion.toml``): named kinds and a default."""

    source: str
    default: str = "ordinary"
    rounding: str = "up"
    kinds: dict[str, MotionRule] = msgspec.field(default_factory=dict)
    notes: list[str] = []
    uncertain: list[str] = []

    def __post_init__(self) -> None:
        check_choice("rounding", self.rounding, tuple(ROUNDING_RULES))
        if self.default not in self.kinds:
            known = ", ".join(sorted(self.kinds)) or "none"
            raise ValueError(f"default: {self.default!r} is not a kind of motion here ({known})")


@dataclass(slots=True)
class MotionVotes:
    """A vote on a motion. ``present`` and ``members`` are needed only by some rules."""

    for_: int | Fraction
    against: int | Fraction
    abstain: int | Fraction = 0
    present: int | None = None
    members: int | None = None


def _base(rule: MotionRule, votes: MotionVotes) -> Fraction | None:
    if rule.base == "votes_cast":
        return Fraction(votes.for_) + Fraction(votes.against)
    if rule.base == "voting":
        return Fraction(votes.for_) + Fraction(votes.against) + Fraction(votes.abstain)
    if rule.base == "present":
        return None if votes.present is None else Fraction(votes.present)
    return None if votes.members is None else Fraction(votes.members)


def _quorum(
    rule: MotionRule, votes: MotionVotes, rounding: Rounding, figures: list[Figure],
    reasons: list[str],
) -> bool | None:
    """Whether the meeting was quorate (True when no quorum applies)."""
    needs: list[int] = []
    hows: list[str] = []
    if rule.quorum:
        needs.append(rule.quorum)
        hows.append(f"{rule.quorum} members")
    if rule.quorum_rate is not None:
        if votes.members is None:
            reasons.append("the quorum is a share of the members, but the membership is not given")
            return None
        rate = parse_rate(rule.quorum_rate)
        needs.append(required(rate, votes.members, "at_least", rounding))
        hows.append(explain_required(rate, votes.members, "at_least", rounding))
    if not needs:
        return True
    need = max(needs)
    present = votes.present
    if present is None:
        reasons.append(f"a quorum of {need} applies, but attendance is not given")
        return None
    figures.append(Figure("quorum", str(need), "; ".join(hows)))
    figures.append(Figure("present", str(present)))
    ok = present >= need
    reasons.append(f"{present} present; quorum {need} — {'quorate' if ok else 'inquorate'}")
    return ok


def motion_outcome(
    params: Params, votes: MotionVotes, *, kind: str | None = None, rulebook: str = ""
) -> Outcome:
    """Whether a motion of ``kind`` (default: ``params.default``) passed, and its effect.

    ``decision``: "passed", "failed", "inquorate" or "undetermined" (a figure
    the rule needs is missing). A non-binding motion has ``binding=False``
    and says that it has no constitutional effect.
    """
    name = kind or params.default
    try:
        rule = params.kinds[name]
    except KeyError:
        known = ", ".join(sorted(params.kinds))
        raise KeyError(f"unknown kind of motion {name!r}; known: {known}") from None
    rounding: Rounding = params.rounding  # type: ignore[assignment]
    figures: list[Figure] = [Figure("for", format_exact(Fraction(votes.for_))),
                             Figure("against", format_exact(Fraction(votes.against)))]
    if votes.abstain:
        figures.append(Figure("abstentions", format_exact(Fraction(votes.abstain))))
    reasons: list[str] = []
    cite = rule.source or params.source
    effect = "" if rule.binding else " It has no constitutional effect (record only)."
    quorate = _quorum(rule, votes, rounding, figures, reasons)
    extra = [f"⚠ {u}" for u in (*params.uncertain, *rule.uncertain)]
    if quorate is False:
        return Outcome(PROCEDURE, "inquorate", "The meeting was inquorate: no decision.",
                       rulebook, cite, params.source, rule.binding, figures, reasons + extra,
                       subject=name)
    base = _base(rule, votes)
    rate = parse_rate(rule.majority)
    if quorate is None or base is None:
        if base is None:
            reasons.append(f"the majority is a share of the {rule.base}, which is not given")
        return Outcome(PROCEDURE, "undetermined", "The record does not establish the result.",
                       rulebook, cite, params.source, rule.binding, figures, reasons + extra,
                       subject=name)
    needed = rate * base
    for_ = Fraction(votes.for_)
    # A motion nobody voted for never passes, whatever the comparison.
    passed = for_ > 0 and (for_ > needed if rule.comparison == "more_than" else for_ >= needed)
    words = "more than" if rule.comparison == "more_than" else "at least"
    of = f"{format_rate(rate)} of {format_exact(base)} ({rule.base.replace('_', ' ')})"
    figures.append(Figure("needed", f"{words} {format_exact(needed)}", of))
    if base:
        reasons.append(f"for: {format_exact(for_)} of {format_exact(base)} "
                       f"= {format_exact(for_ / base)}; needed {words} {format_rate(rate)}")
    else:
        reasons.append("no votes were cast")
    reasons += extra
    decision = "passed" if passed else "failed"
    return Outcome(PROCEDURE, decision, f"The motion {decision}.{effect}", rulebook, cite,
                   params.source, rule.binding, figures, reasons, subject=name)
