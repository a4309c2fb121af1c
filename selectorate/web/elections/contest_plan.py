"""What a contest of each kind takes from the organisation's rulebook: method, seats, rules.

:func:`plan` reads the procedure that governs a contest kind from the rulebook
(:func:`selectorate.rulebooks.load_rulebook`) and returns the counting method,
seats and counting options the new :class:`~.models.Contest` gets, plus every
rule shown to the officer with the file or amendment that says it
(:meth:`Rulebook.origin`) and its source:

* **leadership** — ``leadership.toml`` ``ballot.method`` (Labour 2014: "irv");
  the vacancy nomination threshold is shown, and checked at nominations;
* **stv_executive** — ``nec.toml``: ``seats``; ``method`` "stv" counts by its
  ``stv_method`` with ``stv_options``, "block" by the bloc vote; the women
  minimum and the CLP nominations needed are shown (the minimum is not a
  counting option, so it is shown and audited, not applied by the count);
* **motion** and **card_vote** — "fptp" over For/Against, one seat; the
  ``motion.toml`` majority, base and quorum of the chosen kind of motion are
  shown (a card vote uses the ``party_programme`` kind when the rulebook has
  one: two-thirds of a card vote, Labour Rule Book Ch.1 Cl.V.2);
* **trigger_ballot** — "fptp" over the two questions, the rule text of
  ``trigger_ballot.toml`` shown;
* **selection** — ``selection.toml`` ``ballot.method`` (preferential "irv").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from selectorate.procedures import trigger_ballot
from selectorate.procedures.numbers import format_rate, parse_rate
from selectorate.rulebooks import Rulebook, RulebookError, load_rulebook

#: The rulebook procedure that governs each contest kind.
PROCEDURE_OF = {
    "motion": "motion",
    "card_vote": "motion",
    "trigger_ballot": "trigger_ballot",
    "selection": "selection",
    "leadership": "leadership",
    "stv_executive": "nec",
}
#: The fixed ballot of a yes/no contest.
FOR_AGAINST = ("For", "Against")
TRIGGER_CHOICES = ("For a selection (open the selection)", "For the sitting MP (reselect)")


class PlanError(ValueError):
    """The rulebook cannot supply a contest of this kind (one clear sentence)."""


@dataclass(slots=True)
class RuleLine:
    """One rule shown to the officer: what it is, its value, and who says so."""

    label: str
    value: str
    where: str  # "labour-2014 leadership.toml" or "labour-2018 amendment 2"
    source: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready (for the audit entry)."""
        return {"label": self.label, "value": self.value, "where": self.where,
                "source": self.source}


@dataclass(slots=True)
class Plan:
    """The rulebook's settings for a new contest of ``kind``."""

    kind: str
    rulebook_id: str
    procedure: str
    method: str
    seats: int = 1
    options: dict[str, Any] = field(default_factory=dict)
    #: Fixed ballot choices (motions, card votes, trigger ballots); empty: officer lists candidates.
    fixed_candidates: tuple[str, ...] = ()
    rules: list[RuleLine] = field(default_factory=list)


def _line(rb: Rulebook, procedure: str, key: str, label: str, value: str) -> RuleLine:
    try:
        origin = rb.origin(procedure, key)
    except (KeyError, IndexError):
        origin = rb.origin(procedure)
    return RuleLine(label, value, origin.describe(), origin.source)


def _motion_kind(kind: str, params: Any) -> str:
    if kind == "card_vote":
        for name, rule in sorted(params.kinds.items()):
            if rule.card_vote:
                return name
    return params.default


def plan(rulebook_id: str, kind: str) -> Plan:
    """The method, seats, options and rules the rulebook gives a ``kind`` contest.

    Raises :class:`PlanError` when the kind is unknown or the rulebook defines
    no procedure for it; :class:`RulebookError` propagates for a broken rulebook.
    """
    if kind not in PROCEDURE_OF:
        raise PlanError(f"{kind!r} is not a kind of contest ({', '.join(PROCEDURE_OF)})")
    procedure = PROCEDURE_OF[kind]
    rb = load_rulebook(rulebook_id)
    try:
        params = rb.procedure(procedure)
    except RulebookError:
        raise PlanError(
            f"rulebook {rb.id} has no {procedure} procedure, so it cannot govern a "
            f"{kind.replace('_', ' ')}"
        ) from None
    p = Plan(kind, rb.id, procedure, "fptp")
    if kind == "leadership":
        p.method = params.ballot.method
        p.rules.append(_line(rb, procedure, "ballot.method", "ballot method", p.method))
        par = params.vacancy.parliamentary
        if par is not None:
            need = par.count if par.count is not None else f"{par.rate} of {par.pool}"
            p.rules.append(_line(rb, procedure, "vacancy.parliamentary",
                                 "parliamentary nominations (vacancy)", str(need)))
        p.rules.append(_line(rb, procedure, "rounding", "rounding of thresholds",
                             params.rounding))
    elif kind == "selection":
        p.method = params.ballot.method
        p.rules.append(_line(rb, procedure, "ballot.method", "ballot method", p.method))
        p.rules.append(_line(rb, procedure, "nominations.min_to_shortlist",
                             "nominations needed to be shortlisted",
                             str(params.nominations.min_to_shortlist)))
    elif kind == "stv_executive":
        p.seats = params.seats
        if params.method == "stv":
            p.method = params.stv_method
            p.options = {k: v for k, v in sorted(params.stv_options.items())}
            p.rules.append(_line(rb, procedure, "stv_method", "STV method", p.method))
        else:
            p.method = "block"
            p.rules.append(_line(rb, procedure, "method", "method", "block (bloc vote)"))
        p.rules.append(_line(rb, procedure, "seats", "seats", str(params.seats)))
        if params.women_minimum:
            rate = format_rate(parse_rate(params.women_minimum))
            p.rules.append(_line(rb, procedure, "women_minimum", "women minimum",
                                 f"{rate} of the seats, rounded {params.women_rounding}"))
        if params.nominations_required:
            p.rules.append(_line(rb, procedure, "nominations_required",
                                 "CLP nominations needed", str(params.nominations_required)))
    elif kind in ("motion", "card_vote"):
        p.fixed_candidates = FOR_AGAINST
        name = _motion_kind(kind, params)
        rule = params.kinds[name]
        base = f"kinds.{name}"
        majority = f"{'more than' if rule.comparison == 'more_than' else 'at least'} " \
                   f"{format_rate(parse_rate(rule.majority))} of {rule.base.replace('_', ' ')}"
        p.rules.append(_line(rb, procedure, base, f"majority ({name.replace('_', ' ')})",
                             majority))
        quorum = rule.quorum_rate or (str(rule.quorum) if rule.quorum else "none")
        p.rules.append(_line(rb, procedure, f"{base}.quorum", "quorum", quorum))
        p.rules.append(_line(rb, procedure, f"{base}.binding", "binding",
                             "yes" if rule.binding else "no (a record of opinion only)"))
    else:  # trigger_ballot
        p.fixed_candidates = TRIGGER_CHOICES
        p.rules.append(_line(rb, procedure, "threshold", "rule",
                             trigger_ballot.rule_text(params)))
    return p
