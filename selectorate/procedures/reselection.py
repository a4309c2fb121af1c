'''Mandatory reselection: every sitting MP faces an open selection, unless exempted.

Labour applied mandatory reselection in the 1983 and 1987 cycles (17 and 7
MPs deselected) and replaced it with trigger ballots from 1992
(rulebooks.md §2.1, "Origin"). The Campaign for Labour Party Democracy's
2017–18 proposal, the "66% local support" idea, would have kept a sitting
MP only with the support of two-thirds of the party units and affiliates
(rulebooks.md §2.1, "Proposals from the left"); it was not adopted.

What a rulebook says (``reselection.toml``, validated by :class:`Params`):

* ``mandatory``: whether every sitting MP faces an open selection each
  parliament. When false, the trigger ballot decides
  (:mod:`selectorate.procedures.trigger_ballot`);
* ``exemption_support``: the share of units backing the MP that exempts them
  (``"2/3"`` for the CLPD proposal); absent, no MP is exempt (1983–87);
* how the units are counted: ``comparison``, ``combinator``, ``base``,
  ``tied_unit`` as in the trigger ballot.

The branch and affiliate votes are the same record as a trigger ballot's
(:class:`~selectorate.procedures.trigger_ballot.TriggerRecord`).

Example ``reselection.toml`` (Labour 2014: no mandatory reselection)::

    source = "Labour Party Rule Book 2014, Chapter 5 Clause IV: trigger ballots"
    mandatory = false
    notes = ["Mandatory reselection applied in 1983 and 1987; trigger ballots since 1992."]

and the CLPD proposal, as a derived version would amend it::

    mandatory = true
    exemption_support = "2/3"
    comparison = "at_least"
    combinator = "pooled"
'''

from __future__ import annotations

import msgspec

from selectorate.procedures import trigger_ballot
from selectorate.procedures._common import check_choice, check_rate
from selectorate.procedures.outcome import Outcome
from selectorate.procedures.trigger_ballot import TriggerRecord, tally_units

__all__ = ["Params", "reselection_outcome"]

PROCEDURE = "reselection"


class Params(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a rulebook says about reselecting sitting MPs (``reselection.toml``)."""

    source: str
    #: Every sitting MP faces an open selection (unless exempted below).
    mandatory: bool = False
    #: Share of units backing the MP that exempts them, e.g. "2/3"; None: nobody is exempt.
    exemption_support: str | None = None
    comparison: str = "at_least"
    combinator: str = "pooled"
    base: str = "voting"
    tied_unit: str = "no_selection"
    #: The MP is on the shortlist of the open selection.
    mp_on_shortlist: bool = True
    notes: list[str] = []
    uncertain: list[str] = []

    def __post_init__(self) -> None:
        check_rate("exemption_support", self.exemption_support)
        check_choice("comparison", self.comparison, ("at_least", "more_than"))
        check_choice("combinator", self.combinator, trigger_ballot.COMBINATORS)
        check_choice("base", self.base, trigger_ballot.BASES)
        check_choice("tied_unit", self.tied_unit, trigger_ballot.TIED_UNIT)
        if self.exemption_support is not None and not self.mandatory:
            raise ValueError("exemption_support: only meaningful when mandatory = true")


def reselection_outcome(
    params: Params,
    record: TriggerRecord,
    *,
    trigger: trigger_ballot.Params | None = None,
    rulebook: str = "",
) -> Outcome:
    """Whether ``record``'s MP is reselected or faces an open selection.

    ``decision``: "reselected" (exempt: enough units backed the MP),
    "open_selection", or, when reselection is not mandatory, the trigger
    ballot's outcome under ``trigger`` (``"no_mandatory_reselection"`` if
    ``trigger`` is not given).
    """
    who = record.mp + (f" ({record.clp})" if record.clp else "")
    uncertain = [f"⚠ {u}" for u in params.uncertain]
    if not params.mandatory:
        if trigger is None:
            return Outcome(PROCEDURE, "no_mandatory_reselection",
                           f"{who}: no mandatory reselection; the trigger ballot decides.",
                           rulebook, params.source, params.source, reasons=uncertain,
                           subject=record.mp)
        inner = trigger_ballot.trigger_ballot_outcome(trigger, record, rulebook=rulebook)
        inner.reasons.insert(0, "no mandatory reselection: the trigger ballot decides")
        return inner
    if params.exemption_support is None:
        return Outcome(PROCEDURE, "open_selection",
                       f"{who}: every sitting MP faces an open selection.",
                       rulebook, params.source, params.source,
                       reasons=["mandatory reselection with no exemption", *uncertain],
                       subject=record.mp)
    rule = trigger_ballot.Params(
        source=params.source, measure="for_mp", threshold=params.exemption_support,
        comparison=params.comparison, combinator=params.combinator, base=params.base,
        tied_unit=params.tied_unit,
    )
    branches, affiliates = record.branches, record.affiliates
    lines: list[str] = []
    if record.units:
        branches, affiliates, lines = tally_units(rule, record.units)
    decision, figures, reasons = trigger_ballot.evaluate(rule, branches, affiliates)
    if decision == "not_triggered":
        result = "reselected"
        summary = f"{who}: backed by enough units to be exempt; the MP is reselected."
    else:
        result = "open_selection"
        summary = f"{who}: not backed by {params.exemption_support} of units; open selection"
        summary += " (the MP is on the shortlist)." if params.mp_on_shortlist else "."
    words = params.comparison.replace("_", " ")
    text = (f"mandatory reselection unless units backing the MP are {words} "
            f"{params.exemption_support} ({params.combinator})")
    return Outcome(PROCEDURE, result, summary, rulebook, text, params.source, figures=figures,
                   reasons=lines + reasons + uncertain, subject=record.mp)
