"""Who may vote: a membership register checked against a rulebook on a freeze date.

Labour's rule book leaves "the timetable and exact eligibility to vote" in a
leadership contest to the NEC (Commons Library, quoted in
shared/facts/rulebooks.md §1.3); the rule book itself fixes the categories of
voter (members, affiliated supporters, registered supporters: Collins reforms,
2014) and, from 2021, a six-month membership rule. This module encodes both
layers: :class:`Params` holds what the rulebook version says, and
:class:`Contest` entries hold what the NEC decided for one contest (freeze date,
six-month rule, registered supporters' window and fee, affiliated supporters'
deadline).

A person is checked along every route they have into the ballot (their
category, plus the registered-supporter route when they paid a supporter fee)
and is eligible when any route succeeds. Every exclusion carries its reason;
a person excluded on several counts gets every reason, not just the first.

Rules, each with its source (facts file §1.3 unless said otherwise):

* **Freeze date.** Members must have joined on or before it (2015: one month
  before the close; 2020: 17:00 on 20 Jan 2020). Joining *on* the freeze date
  counts ("join by 17:00 on 20 Jan 2020"). Times of day are not modelled:
  every date is a whole day.
* **Minimum membership** (six-month rule). ``minimum_membership = "6 months"``
  means continuous membership of six calendar months at the freeze date:
  joined on or before the freeze date less six months (2016: freeze 12 July
  2016, "became a member on or before 12 January 2016", Rayleigh & Wickford
  CLP guidance, 18 Jul 2016; from 2021 a rule-book requirement). A month is
  a calendar month; the day is clamped to the month's end (31 Aug less six
  months is 28 or 29 Feb). ``joined`` is the start of the *current*
  continuous membership: a lapsed member who rejoined counts from rejoining.
* **Arrears.** A member must be paid up: ``paid_up_to`` on or after the
  arrears date, which is the contest's ``arrears_deadline`` when the NEC set
  one (2016: arrears could be paid until 8 Aug 2016, Southend Labour's 2016
  guidance) and otherwise the freeze date.
* **Status.** Only an ``active`` person votes; ``lapsed``, ``suspended``,
  ``expelled`` and ``resigned`` are excluded with that reason.
* **Affiliated supporters** must have belonged to their affiliated union or
  society by the same date as members (2016: "the freeze also applies to
  affiliate members", New Statesman 14 Jul 2016) and have signed up as
  supporters by the contest's deadline (2016: 8 Aug 2016), or by the freeze
  date when none was set.
* **Registered supporters** must have registered inside the window and paid
  the fee in full inside it (2015: £3, closing 12 Aug 2015; 2016: £25, 18–20
  July 2016; 2020: £25, 14–16 Jan 2020). The category was abolished in 2021.

Example ``eligibility.toml`` (Labour, Collins rules, with two contests)::

    source = "Labour Rule Book 2014 Ch.4 Cl.II (Collins reforms); NEC procedural guidelines"
    categories = ["member", "affiliated_supporter", "registered_supporter"]
    uncertain = ["times of day (e.g. 17:00 on the freeze date) are not modelled"]

    [members]
    minimum_membership = ""
    paid_up = true
    source = "Labour Rule Book 2014 Ch.2; NEC guidelines"

    [affiliated_supporters]
    same_minimum_as_members = true
    source = "New Statesman, 14 Jul 2016"

    [registered_supporters]
    fee = "£3"
    source = "Collins Review 2014: '£3'"

    [[contests]]
    id = "lab-leader-2016"
    freeze_date = 2016-07-12
    minimum_membership = "6 months"
    arrears_deadline = 2016-08-08
    affiliated_supporter_deadline = 2016-08-08
    registered_supporter_fee = "£25"
    registered_supporter_window = [2016-07-18, 2016-07-20]
    source = "Evangelou v McNicol [2016] EWCA Civ 817; Labour NEC, 12 Jul 2016"
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import msgspec

from selectorate.procedures.outcome import Figure, Outcome

__all__ = [
    "CATEGORIES",
    "STATUSES",
    "Contest",
    "Params",
    "Registrant",
    "check_person",
    "check_register",
    "format_money",
    "months_before",
    "parse_money",
    "parse_period",
    "subtract_period",
]

PROCEDURE = "eligibility"

#: The categories of voter a register row may have.
CATEGORIES = ("member", "affiliated_supporter", "registered_supporter")
#: The membership statuses a register row may have; only "active" votes.
STATUSES = ("active", "lapsed", "suspended", "expelled", "resigned")

_CATEGORY_WORDS = {
    "member": "member",
    "affiliated_supporter": "affiliated supporter",
    "registered_supporter": "registered supporter",
}


# --------------------------------------------------------------------------- rulebook data


class MemberRules(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What the rulebook requires of a member."""

    #: Continuous membership needed at the freeze date, e.g. "6 months"; "" for none.
    minimum_membership: str = ""
    #: Members in arrears at the arrears date are excluded.
    paid_up: bool = True
    source: str = ""


class AffiliatedSupporterRules(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What the rulebook requires of an affiliated supporter."""

    #: The affiliate membership must date from the members' cut-off (freeze date less
    #: any minimum membership), as the NEC ruled in 2016.
    same_minimum_as_members: bool = True
    source: str = ""


class RegisteredSupporterRules(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What the rulebook says of registered supporters (a contest may override fee and window)."""

    #: The fee, e.g. "£3" or "25.00" (pounds).
    fee: str = ""
    #: Registration window, inclusive, when the rulebook fixes one (usually the NEC does).
    window_opens: date | None = None
    window_closes: date | None = None
    source: str = ""


class Contest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The NEC's eligibility decisions for one contest (they override the rulebook's defaults)."""

    id: str
    #: Other contests run under the same decisions (2015 and 2020: the deputy contest).
    also: list[str] = []
    freeze_date: date
    #: Overrides ``members.minimum_membership`` when given (2016: "6 months").
    minimum_membership: str | None = None
    #: Arrears paid by this date still count (2016: 8 Aug); default the freeze date.
    arrears_deadline: date | None = None
    #: Affiliated supporters must sign up by this date; default the freeze date.
    affiliated_supporter_deadline: date | None = None
    registered_supporter_fee: str | None = None
    #: [opens, closes], inclusive; ``[closes]`` alone when only the close is known.
    registered_supporter_window: list[date] = []
    source: str = ""
    notes: list[str] = []


class Params(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a rulebook version says about eligibility to vote in a members' ballot."""

    #: Citation of the rulebook clause(s) and fact sources.
    source: str
    #: Categories of voter who vote at all, from :data:`CATEGORIES`.
    categories: list[str] = msgspec.field(default_factory=lambda: ["member"])
    members: MemberRules = msgspec.field(default_factory=MemberRules)
    affiliated_supporters: AffiliatedSupporterRules = msgspec.field(
        default_factory=AffiliatedSupporterRules
    )
    registered_supporters: RegisteredSupporterRules = msgspec.field(
        default_factory=RegisteredSupporterRules
    )
    #: The NEC's decisions for particular contests.
    contests: list[Contest] = []
    notes: list[str] = []
    uncertain: list[str] = []

    def __post_init__(self) -> None:
        """Check what the type alone cannot: categories, periods, fees, windows."""
        for c in self.categories:
            if c not in CATEGORIES:
                raise ValueError(
                    f"categories: {c!r} is not a category ({', '.join(CATEGORIES)})"
                )
        parse_period(self.members.minimum_membership)
        if self.registered_supporters.fee:
            parse_money(self.registered_supporters.fee)
        seen: set[str] = set()
        for i, contest in enumerate(self.contests, start=1):
            for name in (contest.id, *contest.also):
                if name in seen:
                    raise ValueError(f"contests[{i}]: contest {name!r} appears twice")
                seen.add(name)
            if contest.minimum_membership is not None:
                parse_period(contest.minimum_membership)
            if contest.registered_supporter_fee is not None:
                parse_money(contest.registered_supporter_fee)
            window = contest.registered_supporter_window
            if len(window) > 2 or (len(window) == 2 and window[0] > window[1]):
                raise ValueError(
                    f"contests[{i}].registered_supporter_window: expected [opens, closes] "
                    "with opens on or before closes"
                )

    def contest(self, contest_id: str) -> Contest:
        """The contest called ``contest_id``; KeyError naming the known ones otherwise."""
        for c in self.contests:
            if c.id == contest_id or contest_id in c.also:
                return c
        known = ", ".join(c.id for c in self.contests) or "none"
        raise KeyError(f"no contest {contest_id!r} in this rulebook; known contests: {known}")


# --------------------------------------------------------------------------- the register


@dataclass(frozen=True, slots=True)
class Registrant:
    """One person on the register (one row of the register file).

    ``joined`` is the start of the current continuous membership (for an
    affiliated supporter: of membership of the affiliated union or society).
    ``supporter_registered_on`` is when the person signed up as an affiliated
    or registered supporter; ``fee_paid`` (pounds) and ``fee_paid_on`` record a
    registered-supporter fee. A member who also paid a registered-supporter fee
    is checked on both routes.
    """

    member_id: str
    name: str
    category: str
    status: str = "active"
    joined: date | None = None
    paid_up_to: date | None = None
    supporter_registered_on: date | None = None
    fee_paid: Fraction | None = None
    fee_paid_on: date | None = None
    #: Row of the register file (for messages); None when not read from a file.
    row: int | None = None


# --------------------------------------------------------------------------- small parsers

_PERIOD = re.compile(r"^\s*(\d+)\s*(day|week|month|year)s?\s*$")


def parse_period(text: str) -> tuple[int, str] | None:
    """``"6 months"`` → ``(6, "month")``; ``""`` → None. ValueError naming the text otherwise."""
    if not text.strip():
        return None
    m = _PERIOD.match(text.lower())
    if not m:
        raise ValueError(f"{text!r} is not a period like \"6 months\", \"8 weeks\" or \"1 year\"")
    return int(m.group(1)), m.group(2)


def months_before(day: date, months: int) -> date:
    """``day`` less ``months`` calendar months, the day clamped to the month's length."""
    index = day.year * 12 + (day.month - 1) - months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def subtract_period(day: date, period: str) -> date:
    """``day`` less ``period`` ("6 months", "8 weeks", "1 year", "" = none)."""
    parsed = parse_period(period)
    if parsed is None:
        return day
    n, unit = parsed
    if unit == "day":
        return day - timedelta(days=n)
    if unit == "week":
        return day - timedelta(weeks=n)
    return months_before(day, n * 12 if unit == "year" else n)


def parse_money(text: str) -> Fraction:
    """``"£25"``, ``"25.00"``, ``"3"`` → pounds as an exact Fraction; ValueError otherwise."""
    cleaned = text.strip().removeprefix("£").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0 or not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned):
        raise ValueError(f"{text!r} is not an amount of money like \"£25\" or \"3.00\"")
    return Fraction(value)


def format_money(value: Fraction) -> str:
    """Pounds as printed: ``£25``, ``£3.50``."""
    if value.denominator == 1:
        return f"£{value.numerator}"
    pence = value * 100
    if pence.denominator != 1:
        return f"£{value}"
    whole, part = divmod(pence.numerator, 100)
    return f"£{whole}.{part:02d}"


# --------------------------------------------------------------------------- the rules in force


@dataclass(frozen=True, slots=True)
class _Rules:
    """The rules in force for one check: rulebook defaults with the contest's overrides."""

    freeze: date
    categories: tuple[str, ...]
    minimum_membership: str
    cutoff: date  # joined on or before this
    paid_up: bool
    arrears_date: date
    affiliate_same_minimum: bool
    affiliate_deadline: date
    fee: Fraction | None
    window_opens: date | None
    window_closes: date | None
    source: str


def _rules(params: Params, freeze_date: date, contest: Contest | None) -> _Rules:
    minimum = params.members.minimum_membership
    if contest is not None and contest.minimum_membership is not None:
        minimum = contest.minimum_membership
    fee_text = params.registered_supporters.fee
    opens = params.registered_supporters.window_opens
    closes = params.registered_supporters.window_closes
    arrears = freeze_date
    affiliate_deadline = freeze_date
    source = params.source
    if contest is not None:
        if contest.registered_supporter_fee is not None:
            fee_text = contest.registered_supporter_fee
        window = contest.registered_supporter_window
        if len(window) == 2:
            opens, closes = window
        elif len(window) == 1:
            opens, closes = None, window[0]
        arrears = contest.arrears_deadline or freeze_date
        affiliate_deadline = contest.affiliated_supporter_deadline or freeze_date
        if contest.source:
            source = f"{params.source}; contest {contest.id}: {contest.source}"
    return _Rules(
        freeze=freeze_date,
        categories=tuple(params.categories),
        minimum_membership=minimum,
        cutoff=subtract_period(freeze_date, minimum),
        paid_up=params.members.paid_up,
        arrears_date=arrears,
        affiliate_same_minimum=params.affiliated_supporters.same_minimum_as_members,
        affiliate_deadline=affiliate_deadline,
        fee=parse_money(fee_text) if fee_text else None,
        window_opens=opens,
        window_closes=closes,
        source=source,
    )


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True, slots=True)
class _Reason:
    kind: str  # a short stable key, for the summary: "joined after freeze date", ...
    text: str


def _status(person: Registrant) -> list[_Reason]:
    if person.status == "active":
        return []
    return [_Reason(f"status {person.status}", f"membership status is {person.status}")]


def _joined_reasons(person: Registrant, rules: _Rules, what: str) -> list[_Reason]:
    """Freeze date and minimum membership, for a member or an affiliate's member."""
    if person.joined is None:
        return [_Reason("no join date", f"no {what} join date on the register")]
    if person.joined > rules.freeze:
        return [
            _Reason(
                "joined after freeze date",
                f"{what} joined {person.joined}, after the freeze date {rules.freeze}",
            )
        ]
    if person.joined > rules.cutoff:
        return [
            _Reason(
                "minimum membership",
                f"{what} joined {person.joined}: less than {rules.minimum_membership} of "
                f"continuous membership at the freeze date {rules.freeze} "
                f"(needed to have joined on or before {rules.cutoff})",
            )
        ]
    return []


def _member_route(person: Registrant, rules: _Rules) -> list[_Reason]:
    reasons = _status(person) + _joined_reasons(person, rules, "member")
    if rules.paid_up:
        if person.paid_up_to is None:
            reasons.append(_Reason("arrears", "no paid-up-to date on the register"))
        elif person.paid_up_to < rules.arrears_date:
            reasons.append(
                _Reason(
                    "arrears",
                    f"in arrears: subscription paid up to {person.paid_up_to}, "
                    f"needed to {rules.arrears_date}",
                )
            )
    return reasons


def _affiliated_route(person: Registrant, rules: _Rules) -> list[_Reason]:
    reasons = _status(person)
    if rules.affiliate_same_minimum:
        reasons += _joined_reasons(person, rules, "affiliate")
    elif person.joined is not None and person.joined > rules.freeze:
        reasons.append(
            _Reason(
                "joined after freeze date",
                f"affiliate joined {person.joined}, after the freeze date {rules.freeze}",
            )
        )
    signed = person.supporter_registered_on
    if signed is None:
        reasons.append(
            _Reason("not signed up", "never signed up as an affiliated supporter")
        )
    elif signed > rules.affiliate_deadline:
        reasons.append(
            _Reason(
                "signed up after deadline",
                f"signed up as an affiliated supporter on {signed}, after the deadline "
                f"{rules.affiliate_deadline}",
            )
        )
    return reasons


def _registered_route(person: Registrant, rules: _Rules) -> list[_Reason]:
    reasons = [] if person.category != "registered_supporter" else _status(person)
    signed = person.supporter_registered_on or person.fee_paid_on
    window = _window_text(rules)
    if signed is None:
        reasons.append(_Reason("not registered", "no registered-supporter registration date"))
    elif not _in_window(signed, rules):
        reasons.append(
            _Reason(
                "outside registration window",
                f"registered as a supporter on {signed}, outside the window {window}",
            )
        )
    if rules.fee is not None:
        paid = person.fee_paid or Fraction(0)
        if paid < rules.fee:
            reasons.append(
                _Reason(
                    "fee not paid",
                    f"paid {format_money(paid)} of the {format_money(rules.fee)} "
                    "registered-supporter fee",
                )
            )
        elif person.fee_paid_on is not None and not _in_window(person.fee_paid_on, rules):
            reasons.append(
                _Reason(
                    "fee paid outside window",
                    f"paid the fee on {person.fee_paid_on}, outside the window {window}",
                )
            )
    return reasons


def _in_window(day: date, rules: _Rules) -> bool:
    if rules.window_opens is not None and day < rules.window_opens:
        return False
    closes = rules.window_closes if rules.window_closes is not None else rules.freeze
    return day <= closes


def _window_text(rules: _Rules) -> str:
    closes = rules.window_closes if rules.window_closes is not None else rules.freeze
    if rules.window_opens is None:
        return f"(closing {closes})"
    return f"{rules.window_opens} to {closes}"


def _routes(person: Registrant, rules: _Rules) -> list[tuple[str, list[_Reason]]]:
    """Every route the person has into the ballot, each with the reasons it fails."""
    routes: list[tuple[str, list[_Reason]]] = []
    cat = person.category
    if cat not in rules.categories:
        why = _Reason(
            "category does not vote",
            f"{_CATEGORY_WORDS.get(cat, cat)}s do not vote under this rulebook",
        )
        routes.append((cat, [why]))
    elif cat == "member":
        routes.append((cat, _member_route(person, rules)))
    elif cat == "affiliated_supporter":
        routes.append((cat, _affiliated_route(person, rules)))
    else:
        routes.append((cat, _registered_route(person, rules)))
    # Someone who is not a registered supporter but paid the fee (a new member in 2016,
    # told to "join as a registered supporter in addition") has a second route.
    if cat != "registered_supporter" and person.fee_paid is not None:
        if "registered_supporter" in rules.categories:
            routes.append(("registered_supporter", _registered_route(person, rules)))
        else:
            routes.append(
                (
                    "registered_supporter",
                    [
                        _Reason(
                            "category does not vote",
                            "registered supporters do not vote under this rulebook",
                        )
                    ],
                )
            )
    return routes


def check_person(
    params: Params,
    person: Registrant,
    freeze_date: date,
    *,
    rulebook: str = "",
    contest: str | None = None,
) -> Outcome:
    """Whether ``person`` may vote, with every reason they may not."""
    rules = _rules(params, freeze_date, params.contest(contest) if contest else None)
    return _check(person, rules, rulebook)


def _check(person: Registrant, rules: _Rules, rulebook: str) -> Outcome:
    routes = _routes(person, rules)
    good = [name for name, reasons in routes if not reasons]
    figures = [Figure("category", person.category), Figure("status", person.status)]
    if person.joined is not None:
        figures.append(Figure("joined", person.joined.isoformat()))
    label = f"{person.name} ({person.member_id})"
    if good:
        route = good[0]
        failed = [(n, r) for n, r in routes if r]
        reasons = [
            f"not as {_CATEGORY_WORDS.get(n, n)}: {r.text}" for n, rs in failed for r in rs
        ]
        figures.append(Figure("route", route))
        return Outcome(
            procedure=PROCEDURE,
            decision="eligible",
            summary=f"{label} may vote as {_CATEGORY_WORDS.get(route, route)}",
            rulebook=rulebook,
            rule=_rule_text(route, rules),
            source=rules.source,
            figures=figures,
            reasons=reasons,
            subject=person.member_id,
        )
    reasons = []
    kinds = []
    for name, rs in routes:
        prefix = f"as {_CATEGORY_WORDS.get(name, name)}: " if len(routes) > 1 else ""
        for r in rs:
            reasons.append(prefix + r.text)
            kinds.append(r.kind)
    figures.append(Figure("exclusions", "; ".join(dict.fromkeys(kinds))))
    return Outcome(
        procedure=PROCEDURE,
        decision="excluded",
        summary=f"{label} may not vote: {reasons[0]}",
        rulebook=rulebook,
        rule=_rule_text(routes[0][0], rules),
        source=rules.source,
        figures=figures,
        reasons=reasons,
        subject=person.member_id,
    )


def _rule_text(route: str, rules: _Rules) -> str:
    if route == "member":
        parts = [f"members who joined on or before {rules.cutoff}"]
        if rules.minimum_membership:
            parts.append(f"({rules.minimum_membership} at the freeze date {rules.freeze})")
        if rules.paid_up:
            parts.append(f"and are paid up to {rules.arrears_date}")
        return " ".join(parts)
    if route == "affiliated_supporter":
        return (
            f"affiliated supporters whose affiliate membership dates from on or before "
            f"{rules.cutoff if rules.affiliate_same_minimum else rules.freeze}, signed up by "
            f"{rules.affiliate_deadline}"
        )
    if route == "registered_supporter":
        fee = f", fee {format_money(rules.fee)}" if rules.fee is not None else ""
        return f"registered supporters registered {_window_text(rules)}{fee}"
    return f"{route}s do not vote"


def check_register(
    params: Params,
    register: Iterable[Registrant],
    freeze_date: date,
    *,
    rulebook: str = "",
    contest: str | None = None,
) -> Outcome:
    """Check every person on ``register``: one detail per person, in register order.

    The returned outcome's figures count the eligible by route and the excluded
    by reason (a person excluded for several reasons counts under each).
    """
    chosen = params.contest(contest) if contest else None
    rules = _rules(params, freeze_date, chosen)
    details = [_check(p, rules, rulebook) for p in register]
    eligible = [d for d in details if d.decision == "eligible"]
    by_route: dict[str, int] = {c: 0 for c in CATEGORIES}
    for d in eligible:
        route = next(f.value for f in d.figures if f.name == "route")
        by_route[route] += 1
    by_reason: dict[str, int] = {}
    for d in details:
        if d.decision == "excluded":
            kinds = next(f.value for f in d.figures if f.name == "exclusions")
            for kind in kinds.split("; "):
                by_reason[kind] = by_reason.get(kind, 0) + 1
    figures = [
        Figure("freeze date", freeze_date.isoformat()),
        Figure("joined on or before", rules.cutoff.isoformat(),
               f"freeze date less {rules.minimum_membership}" if rules.minimum_membership
               else "the freeze date"),  # fmt: skip
        Figure("on register", str(len(details))),
        Figure("eligible", str(len(eligible))),
        Figure("excluded", str(len(details) - len(eligible))),
    ]
    figures += [
        Figure(f"eligible as {_CATEGORY_WORDS[c]}", str(n)) for c, n in by_route.items() if n
    ]
    figures += [Figure(f"excluded: {k}", str(n)) for k, n in sorted(by_reason.items())]
    notes = list(params.uncertain)
    if chosen is not None and chosen.freeze_date != freeze_date:
        notes.insert(
            0,
            f"the NEC's freeze date for {chosen.id} was {chosen.freeze_date}; "
            f"checked at {freeze_date} as asked",
        )
    cats = ", ".join(_CATEGORY_WORDS[c] + "s" for c in rules.categories)
    return Outcome(
        procedure=PROCEDURE,
        decision="checked",
        summary=(
            f"{len(eligible)} of {len(details)} on the register may vote at the freeze date "
            f"{freeze_date}; {len(details) - len(eligible)} excluded"
        ),
        rulebook=rulebook,
        rule=f"who votes: {cats}" + (f"; contest {chosen.id}" if chosen else ""),
        source=rules.source,
        figures=figures,
        reasons=notes,
        details=details,
    )

