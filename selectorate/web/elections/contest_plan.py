"""What a contest of each kind takes from the organisation's rulebook: method, seats, rules.

:func:`plan` reads the procedure that governs a contest kind from the rulebook
(:func:`selectorate.rulebooks.load_rulebook`) and returns the counting method,
seats and counting options the new :class:`~.models.Contest` gets, plus every
rule shown to the officer with the file or amendment that says it
(:meth:`Rulebook.origin`) and its source:

* **leadership** — ``leadership.toml`` ``ballot.method`` (Labour 2014: "irv")
  and the *leadership case* the officer chooses among those the rulebook
  version defines: an office from ``offices`` (leader, deputy…) and a
  ``vacancy`` or, where the version has a ``[challenge]`` table, a challenge
  to the sitting holder. The case's nomination thresholds are shown with the
  arithmetic on the rulebook's ``[organisation]`` pools (labour-2014: a vacancy
  needs 15% of 232 MPs = 35, a challenge 20% = 47, Ch.4 Cl.II.2.B(i)/(ii)), and
  checked at nominations (:mod:`.nominations`);
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

:func:`check_new` validates an officer's request for a new contest (the page
and the API share it) and :func:`create_contest` creates it in ``draft`` with
one audit entry recording the plan. For a leadership election the case
(office, vacancy or challenge, the sitting holder) is fixed at creation in
``Contest.leadership`` (and in that entry), and
:func:`selectorate.web.elections.nominations.leadership_case` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction

from selectorate.procedures import leadership, trigger_ballot
from selectorate.procedures.numbers import ROUNDING_RULES, format_rate, parse_rate
from selectorate.rulebooks import Rulebook, RulebookError, load_rulebook
from selectorate.web.elections import audit
from selectorate.web.elections.models import Candidate, Contest, Organisation

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
#: The leadership cases a rulebook may define (``leadership.toml`` ``[vacancy]``, ``[challenge]``).
LEADERSHIP_CASES = ("vacancy", "challenge")
#: Most candidates a new contest may list.
MAX_CANDIDATES = 100


class PlanError(ValueError):
    """The rulebook cannot supply this contest (one clear sentence).

    ``field`` names the request field the problem is about (``kind``,
    ``office`` or ``case``).
    """

    def __init__(self, message: str, field: str = "kind") -> None:
        super().__init__(message)
        self.field = field


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
    #: Leadership only: the chosen office and case, and those the rulebook defines.
    office: str = ""
    case: str = ""
    offices: tuple[str, ...] = ()
    cases: tuple[str, ...] = ()
    #: Leadership challenge: the sitting holder is on the ballot without nominations.
    incumbent_on_ballot: bool = False

    @property
    def case_label(self) -> str:
        """"vacancy for leader", "challenge to the sitting deputy" ("" for other kinds)."""
        return case_label(self.office, self.case) if self.case else ""


def case_label(office: str, case: str, incumbent: str = "") -> str:
    """A leadership case in words, e.g. "challenge to the sitting leader, Ash"."""
    office = office.replace("_", " ")
    if case == "challenge":
        return f"challenge to the sitting {office}" + (f", {incumbent}" if incumbent else "")
    return f"vacancy for {office}"


def leadership_pools(
    rb: Rulebook, affiliates: list[leadership.Affiliate] | None = None
) -> leadership.Pools:
    """The nominating pools from the rulebook's ``[organisation]`` (MPs, MEPs, CLPs, affiliates).

    ``affiliates`` (the organisation's affiliated units with their membership)
    lets the affiliates route name its nominators; the whole affiliated
    membership comes from the rulebook when it gives one.
    """
    org = rb.organisation
    group = org.parliamentary_group
    return leadership.Pools(
        mps=group.commons_members if group else None,
        meps=(group.european_members or 0) if group else 0,
        clps=org.constituency_parties.count if org.constituency_parties else None,
        affiliates=list(affiliates or []),
        affiliated_membership=org.affiliates.affiliated_membership if org.affiliates else None,
    )


def _line(rb: Rulebook, procedure: str, key: str, label: str, value: str) -> RuleLine:
    try:
        origin = rb.origin(procedure, key)
    except (KeyError, IndexError):
        origin = rb.origin(procedure)
    return RuleLine(label, value, origin.describe(), origin.source)


def _where(rb: Rulebook, procedure: str, prefix: str) -> str:
    """Every file or amendment that set a value under ``prefix`` (citations left out)."""
    seen: list[str] = []
    for rule in rb.rules(procedure):
        if rule.key != prefix and not rule.key.startswith(prefix + "."):
            continue
        if rule.key.rsplit(".", 1)[-1] in ("source", "notes", "uncertain"):
            continue
        where = rule.origin.describe()
        if where not in seen:
            seen.append(where)
    return "; ".join(seen) or rb.origin(procedure).describe()


#: Which table of a case each threshold figure of ``leadership.thresholds`` comes from.
_FIGURE_TABLE = {
    "parliamentary nominations needed": "parliamentary",
    "CLP nominations needed": "supporting",
    "affiliates needed": "supporting",
    "affiliated membership needed": "supporting",
    "member nominations needed": "members",
}


def _leadership(rb: Rulebook, params: leadership.Params, p: Plan, office: str, case: str) -> None:
    p.method = params.ballot.method
    p.offices = tuple(params.offices)
    p.cases = tuple(c for c in LEADERSHIP_CASES if c == "vacancy" or params.challenge)
    p.incumbent_on_ballot = params.incumbent_on_ballot
    p.office = office or p.offices[0]
    p.case = case or "vacancy"
    if p.office not in p.offices:
        raise PlanError(
            f"rulebook {rb.id} elects no {p.office!r}: its leadership offices are "
            f"{', '.join(p.offices)} (leadership.toml offices)", "office")
    if p.case not in LEADERSHIP_CASES:
        raise PlanError(f"{p.case!r} is not a leadership case (vacancy or challenge)", "case")
    if p.case not in p.cases:
        raise PlanError(
            f"rulebook {rb.id} provides no challenge to a sitting {p.office} (its "
            "leadership.toml has no [challenge] rule): only a vacancy can be run", "case")
    rule = params.challenge if p.case == "challenge" else params.vacancy
    assert rule is not None  # checked above
    proc = "leadership"
    p.rules.append(_line(rb, proc, "ballot.method", "ballot method", p.method))
    p.rules.append(RuleLine("leadership case", p.case_label, _where(rb, proc, p.case),
                            rule.source or params.source))
    record = leadership.NominationRecord(candidates=[], pools=leadership_pools(rb),
                                         office=p.office, contest=p.case)  # type: ignore[arg-type]
    for fig in leadership.thresholds(params, record):
        table = _FIGURE_TABLE.get(fig.name, "")
        part = getattr(rule, table, None) if table else None
        key = f"{p.case}.{table}" if part is not None else p.case
        p.rules.append(RuleLine(
            f"{fig.name} ({p.case})", f"{fig.value} ({fig.how})" if fig.how else fig.value,
            _where(rb, proc, key), (part.source if part is not None else "") or rule.source
            or params.source))
    sup = rule.supporting
    if sup is not None and sup.clps_rate is not None and sup.affiliates_min is not None:
        p.rules.append(RuleLine(f"supporting nominations ({p.case})",
                                "any one route suffices: the CLPs or the affiliates",
                                _where(rb, proc, f"{p.case}.supporting"),
                                sup.source or rule.source or params.source))
    if p.case == "challenge":
        p.rules.append(RuleLine(
            f"the sitting {p.office}",
            "on the ballot without nominations" if params.incumbent_on_ballot
            else "needs nominations like any challenger",
            _where(rb, proc, "incumbent_on_ballot"), params.incumbent_source or params.source))
    p.rules.append(_line(rb, proc, "rounding", "rounding of thresholds",
                         ROUNDING_RULES[params.rounding]))


def _motion_kind(kind: str, params: Any) -> str:
    if kind == "card_vote":
        for name, rule in sorted(params.kinds.items()):
            if rule.card_vote:
                return name
    return params.default


def plan(rulebook_id: str, kind: str, *, office: str = "", case: str = "") -> Plan:
    """The method, seats, options and rules the rulebook gives a ``kind`` contest.

    For a leadership election ``office`` (default: the rulebook's first office)
    and ``case`` ("vacancy", the default, or "challenge") choose the rules
    shown; other kinds ignore them. Raises :class:`PlanError` when the kind is
    unknown, the rulebook defines no procedure for it, or no such office or
    case; :class:`RulebookError` propagates for a broken rulebook.
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
        _leadership(rb, params, p, office, case)
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


# -- creating the contest -------------------------------------------------------------


@dataclass(slots=True)
class NewContest:
    """A checked request for a new contest, ready for :func:`create_contest`."""

    organisation: Organisation
    plan: Plan
    title: str
    freeze_date: date | None
    subject: str
    candidates: list[str]
    #: Leadership challenge: the sitting holder, spelt as among ``candidates``.
    incumbent: str = ""

    def leadership(self) -> dict[str, str] | None:
        """The leadership case to store and audit (None for other kinds)."""
        if self.plan.kind != "leadership":
            return None
        return {"office": self.plan.office, "case": self.plan.case, "incumbent": self.incumbent}


def _check_fields(title: str, freeze_date: str, subject: str) -> tuple[dict[str, str],
                                                                        date | None]:
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Enter the contest's title."
    elif len(title) > 300:
        errors["title"] = "The title must be 300 characters or fewer."
    freeze = None
    if freeze_date:
        try:
            freeze = date.fromisoformat(freeze_date)
        except ValueError:
            errors["freeze_date"] = "Enter the freeze date as YYYY-MM-DD, e.g. 2024-03-01."
    if len(subject) > 200:
        errors["subject"] = "The subject must be 200 characters or fewer."
    return errors, freeze


def _check_candidates(names: list[str], errors: dict[str, str]) -> None:
    if not names:
        errors["candidates"] = "Enter the candidates, one per line."
    elif len({n.casefold() for n in names}) != len(names):
        errors["candidates"] = "Each candidate may appear only once."
    elif len(names) > MAX_CANDIDATES or any(len(n) > 200 for n in names):
        errors["candidates"] = (
            f"At most {MAX_CANDIDATES} candidates, each name 200 characters or fewer."
        )


def _check_incumbent(p: Plan, names: list[str], incumbent: str,
                     errors: dict[str, str]) -> str:
    """The sitting holder as spelt among ``names`` ("" for a vacancy); errors: ``incumbent``."""
    office = p.office.replace("_", " ")
    if p.case != "challenge":
        if incumbent:
            errors["incumbent"] = (f"A vacancy has no sitting {office}: leave this empty, or "
                                   "choose a challenge.")
        return ""
    if not incumbent:
        errors["incumbent"] = f"Name the sitting {office}, who is one of the candidates."
        return ""
    found = [n for n in names if n.casefold() == incumbent.casefold()]
    if not found:
        if "candidates" not in errors:
            errors["incumbent"] = (f"The sitting {office}, {incumbent}, must be one of the "
                                   "candidates listed.")
        return ""
    if len(names) < 2 and "candidates" not in errors:
        errors["candidates"] = (f"A challenge needs at least one challenger besides the sitting "
                                f"{office}.")
    return found[0]


def check_new(
    organisation: Organisation,
    kind: str,
    title: str,
    freeze_date: str = "",
    subject: str = "",
    candidates: list[str] | None = None,
    *,
    office: str = "",
    case: str = "",
    incumbent: str = "",
) -> tuple[NewContest | None, dict[str, str]]:
    """Check a request for a new contest against the organisation's rulebook.

    Returns (the checked request, {}) or (None, {field: one sentence}) for the
    request's own mistakes (title, freeze date, candidates, the sitting holder
    of a challenge…). Raises :class:`PlanError` (its ``field`` says which) or
    :class:`RulebookError` when the rulebook cannot govern the contest asked for
    — no such procedure, office or case. ``candidates`` is ignored for kinds
    with a fixed ballot; ``office``, ``case`` and ``incumbent`` are for a
    leadership election only.
    """
    title, subject, incumbent = title.strip(), subject.strip(), incumbent.strip()
    office, case = office.strip(), case.strip()
    if kind not in dict(Contest.KINDS):
        return None, {"kind": "Choose the kind of contest."}
    if kind != "leadership" and (office or case or incumbent):
        return None, {"case": "An office, a case and a sitting holder are for a leadership "
                              "election only."}
    if case and case not in LEADERSHIP_CASES:
        return None, {"case": f"Choose a vacancy or a challenge (not {case!r})."}
    the_plan = plan(organisation.rulebook_id, kind, office=office, case=case)
    errors, freeze = _check_fields(title, freeze_date, subject)
    names = list(the_plan.fixed_candidates)
    if not the_plan.fixed_candidates:
        names = [n.strip() for n in candidates or [] if n.strip()]
        _check_candidates(names, errors)
    sitting = ""
    if kind == "leadership":
        sitting = _check_incumbent(the_plan, names, incumbent, errors)
        if not subject:
            subject = case_label(the_plan.office, the_plan.case, sitting)[:200]
    if errors:
        return None, errors
    return NewContest(organisation, the_plan, title, freeze, subject, names, sitting), {}


@transaction.atomic
def create_contest(new: NewContest, actor: str) -> Contest:
    """Create the checked contest in draft, with one "contest created" audit entry.

    The entry records the plan (rulebook, procedure, method, seats, options,
    every rule with its source) and, for a leadership election, the case.
    """
    p = new.plan
    case = new.leadership()
    contest = Contest.objects.create(
        organisation=new.organisation, title=new.title, kind=p.kind,
        rulebook_id=p.rulebook_id, method=p.method, seats=p.seats,
        options=p.options, freeze_date=new.freeze_date, subject=new.subject,
        leadership=case or {},
    )
    Candidate.objects.bulk_create(
        [Candidate(contest=contest, name=n, position=i) for i, n in enumerate(new.candidates, 1)]
    )
    details: dict[str, Any] = {
        "kind": contest.kind, "rulebook": p.rulebook_id, "procedure": p.procedure,
        "method": contest.method, "seats": contest.seats, "options": contest.options,
        "candidates": new.candidates, "rules": [r.to_dict() for r in p.rules],
    }
    if case is not None:
        details["leadership"] = case
    audit.record("contest created", actor, contest, details)
    return contest
