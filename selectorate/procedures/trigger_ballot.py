'''Trigger ballots: does a sitting MP face an open selection?

A sitting MP who wishes to stand again is put to the party branches and the
affiliated branches of the constituency party. Each unit decides by a simple
majority of those voting at its meeting and then counts as one vote, either
for a selection or for the MP. What a rulebook says (``trigger_ballot.toml``,
validated by :class:`Params`):

* ``measure``: what the threshold counts — units wanting a selection
  ("for_selection", Labour 2018: a third or more of branches *or* of
  affiliates triggers a selection), or units backing the MP ("for_mp", before
  2018: the MP needs the support of a simple majority of units and affiliates
  taken together);
* ``threshold`` (a rate, "1/3") and ``comparison`` ("at_least" or
  "more_than");
* ``combinator``: "pooled" (branches and affiliates counted together, pre-2018),
  "any" (either side reaching the threshold is enough, 2018) or "all" (both
  sides must);
* ``base``: "voting" (only units that cast a vote, the 2019 General
  Secretary's FAQ) or "all" (every unit);
* ``tied_unit``: how a unit whose meeting was tied counts; ``unit_quorum``:
  fewest members present for a unit's vote to count (2019: no quorum).

A side on which no unit voted is left out of an "any"/"all" combination (it
cannot be said to indicate anything); if no unit voted at all the outcome is
"no_votes".

Example ``trigger_ballot.toml`` (Labour before the 2018 conference)::

    source = "Labour Party Rule Book 2014, Chapter 5 Clause IV (trigger ballot)"
    measure = "for_mp"
    threshold = "1/2"
    comparison = "more_than"
    combinator = "pooled"
    base = "voting"
    tied_unit = "no_selection"
    unit_quorum = 0
    mp_on_shortlist = true
    nec_endorsement = true
    uncertain = ["'majority' read as: the MP needs MORE than half of the units voting"]

and the 2018 rule (Ch.5 Cl.IV.5.B, quoted in rulebooks.md §2.1)::

    measure = "for_selection"
    threshold = "1/3"
    comparison = "at_least"
    combinator = "any"

Sources: shared/facts/rulebooks.md §2.1, labour_history.json
``labour_trigger_ballots_and_selections`` (Hull North, Barking 2019).
'''

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import msgspec

from selectorate.procedures._common import (
    RecordError,
    check_choice,
    check_keys,
    check_rate,
    get_int,
    get_str,
)
from selectorate.procedures.numbers import (
    Comparison,
    explain_required,
    format_rate,
    parse_rate,
    required,
)
from selectorate.procedures.outcome import Figure, Outcome

__all__ = [
    "Params",
    "Side",
    "TriggerRecord",
    "UnitVote",
    "evaluate",
    "record_from_dict",
    "trigger_ballot_outcome",
]

PROCEDURE = "trigger_ballot"

MEASURES = ("for_selection", "for_mp")
COMBINATORS = ("pooled", "any", "all")
BASES = ("voting", "all")
TIED_UNIT = ("no_selection", "selection", "not_voting")


class Params(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a rulebook says about the trigger ballot (``trigger_ballot.toml``)."""

    source: str
    #: "for_selection": units wanting a selection are counted; "for_mp": units backing the MP.
    measure: str = "for_selection"
    #: The share, e.g. "1/3"; compared with ``comparison``.
    threshold: str = "1/3"
    comparison: str = "at_least"
    #: "pooled" (branches and affiliates together), "any" (either side), "all" (both sides).
    combinator: str = "any"
    #: "voting": the share is of units that voted; "all": of every unit.
    base: str = "voting"
    #: A unit whose meeting tied: "no_selection" (did not ask for one), "selection", "not_voting".
    tied_unit: str = "no_selection"
    #: Fewest members present for a unit's vote to count (0: no quorum).
    unit_quorum: int = 0
    #: When a selection is triggered, the MP is on the shortlist.
    mp_on_shortlist: bool = True
    #: An MP not triggered is selected subject to NEC endorsement.
    nec_endorsement: bool = True
    notes: list[str] = []
    uncertain: list[str] = []

    def __post_init__(self) -> None:
        check_choice("measure", self.measure, MEASURES)
        check_rate("threshold", self.threshold)
        check_choice("comparison", self.comparison, ("at_least", "more_than"))
        check_choice("combinator", self.combinator, COMBINATORS)
        check_choice("base", self.base, BASES)
        check_choice("tied_unit", self.tied_unit, TIED_UNIT)
        if self.unit_quorum < 0:
            raise ValueError(f"unit_quorum: cannot be negative ({self.unit_quorum})")


# --------------------------------------------------------------------------- the record


@dataclass(slots=True)
class UnitVote:
    """One branch's or affiliate's vote.

    Give ``decision`` ("selection" or "mp") when only the unit's decision is
    known, or the members' votes at its meeting (``for_selection``,
    ``for_mp``, and ``present`` if a quorum applies).
    """

    name: str
    kind: Literal["branch", "affiliate"] = "branch"
    decision: Literal["selection", "mp"] | None = None
    for_selection: int | None = None
    for_mp: int | None = None
    present: int | None = None


@dataclass(slots=True)
class Side:
    """Units of one kind: how many asked for a selection, backed the MP, did not vote."""

    for_selection: int = 0
    for_mp: int = 0
    not_voting: int = 0

    @property
    def voting(self) -> int:
        """Units that cast a vote."""
        return self.for_selection + self.for_mp


@dataclass(slots=True)
class TriggerRecord:
    """A trigger ballot's result: totals per side, and the unit votes behind them if known."""

    mp: str
    branches: Side = field(default_factory=Side)
    affiliates: Side = field(default_factory=Side)
    clp: str = ""
    units: list[UnitVote] = field(default_factory=list)
    title: str = ""
    source: str = ""


def unit_decision(params: Params, unit: UnitVote) -> tuple[str, str]:
    """How ``unit`` counts: ("selection" | "mp" | "not_voting", why)."""
    if unit.decision is not None:
        return unit.decision, f"{unit.name}: {unit.decision} (as recorded)"
    if unit.for_selection is None or unit.for_mp is None:
        return "not_voting", f"{unit.name}: no vote recorded"
    votes = f"{unit.for_selection} for a selection, {unit.for_mp} for the MP"
    present = unit.present if unit.present is not None else unit.for_selection + unit.for_mp
    if present < params.unit_quorum:
        return "not_voting", f"{unit.name}: {votes}; {present} present, below the quorum " \
                             f"of {params.unit_quorum}, so the vote does not count"
    if unit.for_selection > unit.for_mp:
        return "selection", f"{unit.name}: {votes} → selection (simple majority)"
    if unit.for_mp > unit.for_selection:
        return "mp", f"{unit.name}: {votes} → the MP (simple majority)"
    tied = {"no_selection": "mp", "selection": "selection", "not_voting": "not_voting"}
    how = tied[params.tied_unit]
    return how, f"{unit.name}: {votes} → tied; counts as {params.tied_unit.replace('_', ' ')}"


def tally_units(params: Params, units: Sequence[UnitVote]) -> tuple[Side, Side, list[str]]:
    """The two sides' totals from unit votes, with one line per unit."""
    sides = {"branch": Side(), "affiliate": Side()}
    lines: list[str] = []
    for unit in units:
        how, line = unit_decision(params, unit)
        side = sides[unit.kind]
        if how == "selection":
            side.for_selection += 1
        elif how == "mp":
            side.for_mp += 1
        else:
            side.not_voting += 1
        lines.append(line)
    return sides["branch"], sides["affiliate"], lines


# --------------------------------------------------------------------------- the rule


def _measured(params: Params, side: Side) -> int:
    return side.for_selection if params.measure == "for_selection" else side.for_mp


def _base(params: Params, side: Side) -> int:
    return side.voting + (side.not_voting if params.base == "all" else 0)


def _side_test(
    params: Params, label: str, side: Side, figures: list[Figure], reasons: list[str]
) -> bool | None:
    """Whether ``side`` reaches the threshold; None when no unit on it voted."""
    rate = parse_rate(params.threshold)
    comparison: Comparison = params.comparison  # type: ignore[assignment]
    what = "for a selection" if params.measure == "for_selection" else "backing the MP"
    if side.voting == 0:
        if side.not_voting:
            reasons.append(f"{label}: none of {side.not_voting} voted; left out")
        return None
    base = _base(params, side)
    have = _measured(params, side)
    need = required(rate, base, comparison)
    ok = have >= need
    figures.append(Figure(f"{label} {what}", f"{have} of {base}",
                          f"needed {explain_required(rate, base, comparison)}"))
    reasons.append(f"{label}: {have} of {base} {what}; {need} needed — "
                   + ("reached" if ok else "not reached"))
    return ok


def evaluate(params: Params, branches: Side, affiliates: Side) -> tuple[str, list[Figure],
                                                                          list[str]]:
    """The bare rule: ("triggered" | "not_triggered" | "no_votes", figures, reasons).

    Shared with :mod:`selectorate.procedures.reselection`.
    """
    figures: list[Figure] = []
    reasons: list[str] = []
    rate = parse_rate(params.threshold)
    comparison: Comparison = params.comparison  # type: ignore[assignment]
    if branches.voting + affiliates.voting == 0:
        return "no_votes", figures, ["no branch or affiliate voted"]
    if params.combinator == "pooled":
        pooled = Side(branches.for_selection + affiliates.for_selection,
                      branches.for_mp + affiliates.for_mp,
                      branches.not_voting + affiliates.not_voting)
        met = _side_test(params, "branches and affiliates together", pooled, figures, reasons)
    else:
        tests = [t for t in (_side_test(params, "branches", branches, figures, reasons),
                             _side_test(params, "affiliates", affiliates, figures, reasons))
                 if t is not None]
        met = any(tests) if params.combinator == "any" else all(tests)
        reasons.append(f"combined: {'either side' if params.combinator == 'any' else 'both sides'}"
                       f" must reach {format_rate(rate)} ({comparison.replace('_', ' ')})")
    if params.measure == "for_selection":
        decision = "triggered" if met else "not_triggered"
    else:
        decision = "not_triggered" if met else "triggered"
    return decision, figures, reasons


def rule_text(params: Params) -> str:
    """The rule in one sentence, e.g. "a selection proceeds when at least 1/3 of the branches
    voting, or of the affiliates voting, ask for one"."""
    words = "at least" if params.comparison == "at_least" else "more than"
    voting = " voting" if params.base == "voting" else ""
    scope = {
        "pooled": f"the branches and affiliates{voting}, taken together",
        "any": f"the branches{voting}, or of the affiliates{voting}",
        "all": f"the branches{voting} and of the affiliates{voting}",
    }[params.combinator]
    if params.measure == "for_selection":
        return f"a selection proceeds when {words} {params.threshold} of {scope} ask for one"
    return f"the MP is selected when {words} {params.threshold} of {scope} back the MP"


def trigger_ballot_outcome(
    params: Params, record: TriggerRecord, *, rulebook: str = ""
) -> Outcome:
    """Whether ``record``'s trigger ballot opens a selection under ``params``.

    ``decision``: "triggered" (a selection proceeds; the MP is on the
    shortlist if ``mp_on_shortlist``), "not_triggered" (the MP is selected,
    subject to NEC endorsement if ``nec_endorsement``) or "no_votes".
    Unit votes in ``record.units``, when given, are tallied by
    :func:`tally_units` (each unit by simple majority of those voting) and
    replace the side totals; each appears as a reason.
    """
    branches, affiliates = record.branches, record.affiliates
    unit_lines: list[str] = []
    if record.units:
        branches, affiliates, unit_lines = tally_units(params, record.units)
    decision, figures, reasons = evaluate(params, branches, affiliates)
    who = record.mp + (f" ({record.clp})" if record.clp else "")
    if decision == "triggered":
        summary = f"{who}: a selection is triggered"
        summary += "; the MP is on the shortlist." if params.mp_on_shortlist else "."
    elif decision == "not_triggered":
        summary = f"{who}: not triggered; the MP is selected"
        summary += ", subject to NEC endorsement." if params.nec_endorsement else "."
    else:
        summary = f"{who}: no branch or affiliate voted."
    rule = rule_text(params)
    reasons = unit_lines + reasons + [f"⚠ {u}" for u in params.uncertain]
    return Outcome(PROCEDURE, decision, summary, rulebook, rule, params.source,
                   figures=figures, reasons=reasons, subject=record.mp)


# --------------------------------------------------------------------------- reading a record

_RECORD_KEYS = ("mp", "clp", "title", "source", "branches", "affiliates", "units")
_SIDE_KEYS = ("for_selection", "for_mp", "not_voting")
_UNIT_KEYS = ("name", "kind", "decision", "for_selection", "for_mp", "present")


def _side(data: object, where: str) -> Side:
    if data is None:
        return Side()
    if not isinstance(data, Mapping):
        raise RecordError(where, "must be an object with for_selection, for_mp, not_voting")
    check_keys(data, _SIDE_KEYS, where)
    return Side(get_int(data, "for_selection", where) or 0, get_int(data, "for_mp", where) or 0,
                get_int(data, "not_voting", where) or 0)


def unit_from_dict(data: Mapping[str, object], where: str) -> UnitVote:
    """One unit's vote from JSON-like data (keys as :class:`UnitVote`)."""
    check_keys(data, _UNIT_KEYS, where)
    kind = get_str(data, "kind", where, "branch")
    if kind not in ("branch", "affiliate"):
        raise RecordError(where, f"kind {kind!r} is not branch or affiliate")
    decision = data.get("decision")
    if decision == "":
        decision = None
    if decision not in (None, "selection", "mp"):
        raise RecordError(where, f"decision {decision!r} is not selection or mp")
    unit = UnitVote(get_str(data, "name", where), kind,  # type: ignore[arg-type]
                    decision,  # type: ignore[arg-type]
                    get_int(data, "for_selection", where), get_int(data, "for_mp", where),
                    get_int(data, "present", where))
    if decision is None and (unit.for_selection is None) != (unit.for_mp is None):
        raise RecordError(where, "give both for_selection and for_mp (or a decision)")
    return unit


def record_from_dict(data: Mapping[str, object]) -> TriggerRecord:
    """A :class:`TriggerRecord` from JSON-like data (the CLI's JSON format).

    Keys: ``mp`` (required), ``clp``, ``title``, ``source``, and either
    ``units``: [{``name``, ``kind`` (branch/affiliate), ``decision``
    (selection/mp) or ``for_selection`` + ``for_mp`` (+ ``present``)}] or
    side totals ``branches`` / ``affiliates``: {``for_selection``,
    ``for_mp``, ``not_voting``}.
    """
    check_keys(data, _RECORD_KEYS, "")
    units_data = data.get("units") or []
    if not isinstance(units_data, Sequence) or isinstance(units_data, str):
        raise RecordError("units", "must be a list")
    units = []
    for i, u in enumerate(units_data):
        if not isinstance(u, Mapping):
            raise RecordError(f"units[{i + 1}]", "must be an object")
        units.append(unit_from_dict(u, f"units[{i + 1}]"))
    if units and (data.get("branches") is not None or data.get("affiliates") is not None):
        raise RecordError("units", "give unit votes or side totals, not both")
    return TriggerRecord(
        mp=get_str(data, "mp", ""), clp=get_str(data, "clp", "", ""),
        branches=_side(data.get("branches"), "branches"),
        affiliates=_side(data.get("affiliates"), "affiliates"),
        units=units, title=get_str(data, "title", "", ""), source=get_str(data, "source", "", ""),
    )

