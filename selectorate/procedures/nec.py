"""The NEC's constituency (CLP) section: seats, bloc vote or STV, gender balance.

Facts (shared/facts/rulebooks.md §3; results in labour_history.json
``labour_nec_elections``):

* **Seats.** Six CLP representatives until the 2017 conference; three more
  were agreed there and elected on 15 Jan 2018, making nine (LabourList
  2017-10; Guardian 15 Jan 2018).
* **Method.** A bloc vote until 2018: each member votes for up to as many
  candidates as there are seats and the top N are elected (LabourList 2016-08;
  results 2012, 2014, 2016, Jan 2018). On 30 Jun 2020 the NEC voted 19–12 to
  use STV for the nine seats (an NEC guidance decision, not a rule change).
  The 2020 quota was 12,954.9, "a tenth of the total votes": valid votes ÷
  (seats + 1), fractional and unrounded. ⚠ The STV variant was not found; the
  unrounded quota fits Meek with exact arithmetic (``meek-droop`` counted
  ``arithmetic="rational"``), which is what ``stv_method`` names by default.
* **Gender balance.** ⚠ The minimum number of women among the CLP
  representatives was not found. The rule book's general principle is "50 per
  cent of any delegation shall be women" (Ch.15 model rules, quoted by
  peterneal.co.uk 2017); the elected sets of 2012–2018 all have at least half
  women. ``women_minimum = "50%"`` is read as *at least half the seats,
  rounded up* (3 of 6, 5 of 9, 2 of 3), and marked uncertain.
* **Nominations.** At least five CLP nominations (since Sept 2017 not
  necessarily one's own CLP's; Ann Black, NEC report 2017); in 2018 each CLP
  could nominate up to nine, and candidates needed 12 months' membership
  (labour.org.uk NEC ballot FAQs 2018).
* **Other organisations.** A students' union executive fits the same
  table: NUS reserved "50% (rounded down)" of its NEC block for women
  (``women_rounding = "down"``) and puts "re-open nominations" on every
  ballot (``ron = "RON"``; a seat RON wins stays unfilled).
* **Casual vacancies.** In 2018 the next-highest unelected candidate took a
  vacated seat (Izzard replaced Shawcroft); by 2020 by-elections were used.

With a bloc vote, the gender minimum is applied as a rulebook would apply it
to a list: walk down the candidates from the most votes, and once the seats
left are all needed for women, skip the men. With STV it is the shared
:class:`~selectorate.counting.stv_rules.GroupMinimum` rule: once candidates
outside the group hold every seat the minimum leaves them, the rest are
excluded. Other reserved groups (``[[reserved]]``) work the same way. Each
minimum is checked on its own, in both methods: two disjoint groups whose
needs together take every seat left are not enforced jointly (a known limit,
shared with the counting core).

Example ``nec.toml`` (Labour 2014–2017: six seats, bloc vote)::

    source = "Labour Rule Book 2014 Ch.1 Cl.VIII; LabourList 2016-08 (bloc vote)"
    seats = 6
    method = "block"
    women_minimum = "50%"
    nominations_required = 5
    casual_vacancy = "next_highest"
    uncertain = ["women minimum not found in the rule text; read as half, rounded up"]

and for 2020 (nine seats, STV)::

    seats = 9
    method = "stv"
    stv_method = "meek-droop"
    stv_options = {arithmetic = "rational"}
    quota = "hagenbach-bischoff"
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import msgspec

from selectorate.ballots import Election
from selectorate.counting import registry
from selectorate.counting.result import CountResult
from selectorate.counting.stv_rules import GroupMinimum
from selectorate.procedures.numbers import format_exact, format_rate, parse_rate
from selectorate.procedures.outcome import Figure, Outcome

__all__ = [
    "Params",
    "Reserved",
    "check_nominations",
    "count_ballots",
    "elect_by_totals",
    "quota",
    "reserved_seats",
    "women_seats",
]

PROCEDURE = "nec"

Quota = Literal["", "hagenbach-bischoff", "droop", "hare"]


class Reserved(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Seats reserved for a group other than women (NUS: 5 of 15 for further education)."""

    name: str
    #: A fixed number of seats ...
    seats: int = 0
    #: ... or a share of them ("50%"), rounded as ``rounding`` says.
    share: str = ""
    rounding: Literal["up", "down"] = "up"
    source: str = ""


class Params(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a rulebook version says about electing the NEC's constituency section."""

    #: Citation of the rulebook clause(s) and fact sources.
    source: str
    #: Number of seats in the section (6 until 2017, 9 from Jan 2018).
    seats: int
    #: "block": each voter marks up to ``seats``, top N win; "stv": single transferable vote.
    method: Literal["block", "stv"]
    #: The registered counting method used for an STV count (⚠ Labour's variant unknown).
    stv_method: str = "meek-droop"
    #: Options passed to that method, e.g. {arithmetic = "rational"}.
    stv_options: dict[str, str | int | bool] = {}
    #: How the quota is stated: "hagenbach-bischoff" = votes ÷ (seats + 1), unrounded.
    quota: Quota = ""
    #: Share of the seats that must go to women ("50%"); "" for none.
    women_minimum: str = ""
    #: How that share becomes seats: "up" (Labour reading) or "down" (NUS: "50% (rounded down)").
    women_rounding: Literal["up", "down"] = "up"
    #: Seats reserved for other groups (each at least so many seats).
    reserved: list[Reserved] = []
    #: Name of the "re-open nominations" candidate on the ballot ("" for none); a seat it
    #: wins stays unfilled (STV counts only).
    ron: str = ""
    #: Nominations a candidate needs to stand (Labour: from CLPs; 0: no rule).
    nominations_required: int = 0
    #: Most candidates one CLP may nominate (0: no rule).
    max_nominations_per_clp: int = 0
    #: Membership a candidate needs, e.g. "12 months" ("" for none).
    candidate_membership: str = ""
    #: How a seat vacated between elections is filled.
    casual_vacancy: Literal["", "next_highest", "by_election", "co_option"] = ""
    notes: list[str] = []
    uncertain: list[str] = []

    def __post_init__(self) -> None:
        """Check the values the types alone cannot."""
        if self.seats < 1:
            raise ValueError(f"seats: {self.seats} is not a number of seats (at least 1)")
        if self.women_minimum:
            parse_rate(self.women_minimum)
        for i, r in enumerate(self.reserved, start=1):
            if r.share:
                parse_rate(r.share)
            if (r.seats > 0) == bool(r.share) or r.seats < 0:
                raise ValueError(f"reserved[{i}]: give either seats (a number) or share")
            if reserved_seats(self, r) > self.seats:
                raise ValueError(f"reserved[{i}]: more seats reserved than there are")
        if self.nominations_required < 0 or self.max_nominations_per_clp < 0:
            raise ValueError("nominations cannot be negative")


def women_seats(params: Params) -> int:
    """Seats that must go to women: ``women_minimum × seats`` rounded as the rulebook says
    (Labour reading: up, ``ceil``; NUS: down), 0 without a rule."""
    if not params.women_minimum:
        return 0
    share = parse_rate(params.women_minimum) * params.seats
    return math.ceil(share) if params.women_rounding == "up" else math.floor(share)


def reserved_seats(params: Params, group: Reserved) -> int:
    """Seats reserved for ``group``: a fixed number, or its share rounded as it says."""
    if group.share:
        share = parse_rate(group.share) * params.seats
        return math.ceil(share) if group.rounding == "up" else math.floor(share)
    return group.seats


def quota(params: Params, valid_votes: int | Fraction) -> Fraction:
    """The STV quota for ``valid_votes`` as the rulebook states it.

    ``hagenbach-bischoff``: votes ÷ (seats + 1), unrounded (NEC 2020: 129,549
    votes, nine seats → 12,954.9); ``droop``: ⌊votes ÷ (seats + 1)⌋ + 1;
    ``hare``: votes ÷ seats.
    """
    votes = Fraction(valid_votes)
    if params.quota in ("", "hagenbach-bischoff"):
        return votes / (params.seats + 1)
    if params.quota == "droop":
        return Fraction(math.floor(votes / (params.seats + 1)) + 1)
    return votes / params.seats


@dataclass(frozen=True, slots=True)
class _Group:
    """A minimum in force for one election: at least ``need`` seats go to ``members``."""

    name: str
    need: int
    rule: str  # "at least 3 of 6 seats go to women (50% rounded up)"
    members: frozenset[str] | None  # None: who belongs was not given


def _groups(
    params: Params, women: Collection[str] | None, groups: Mapping[str, Collection[str]] | None
) -> list[_Group]:
    """Every minimum of the rulebook, with its members where the caller named them."""
    given = dict(groups or {})
    if women is not None:
        given["women"] = women
    out: list[_Group] = []
    if params.women_minimum:
        need = women_seats(params)
        rule = (f"at least {need} of {params.seats} seats go to women "
                f"({params.women_minimum} rounded {params.women_rounding})")  # fmt: skip
        members = given.get("women")
        out.append(_Group("women", need, rule, None if members is None else frozenset(members)))
    for r in params.reserved:
        need = reserved_seats(params, r)
        how = f"{r.share} rounded {r.rounding}" if r.share else "reserved"
        rule = f"at least {need} of {params.seats} seats go to {r.name} ({how})"
        members = given.get(r.name)
        out.append(_Group(r.name, need, rule, None if members is None else frozenset(members)))
    return out


def _rule_text(params: Params) -> str:
    return "; ".join(g.rule for g in _groups(params, None, None))


def elect_by_totals(
    params: Params,
    totals: Mapping[str, int | Fraction],
    *,
    women: Collection[str] | None = None,
    groups: Mapping[str, Collection[str]] | None = None,
    rulebook: str = "",
) -> Outcome:
    """Who a bloc vote elects from published vote totals, with the seats reserved for groups.

    Candidates are taken from most votes down; once the seats left are all
    needed for a group's minimum (women, or a ``reserved`` group), candidates
    outside that group are passed over, each with the reason (each group is
    checked on its own, as :class:`~selectorate.counting.stv_rules.CountRules`
    does in an STV count). ``women`` names the women standing and ``groups``
    the members of other reserved groups; a minimum whose members are not
    given cannot be applied, and a reason says so. A tie for the last seat is
    reported (decision ``"tie"``), never broken silently: the rulebook's lot
    decides it.
    """
    if params.method != "block":
        raise ValueError(
            "an STV election cannot be replayed from vote totals; count the ballots "
            "(count_ballots)"
        )
    order = sorted(totals, key=lambda n: -Fraction(totals[n]))  # stable: given order in ties
    reasons: list[str] = []
    active = []
    for g in _groups(params, women, groups):
        if g.members is None:
            reasons.append(f"the rule '{g.rule}' was not applied: the candidates in it were "
                           "not given")  # fmt: skip
        elif g.need:
            active.append(g)
    elected: list[str] = []
    passed_over: dict[str, _Group] = {}
    for name in order:
        if len(elected) == params.seats:
            break
        seats_left = params.seats - len(elected)
        blocking = next(
            (g for g in active
             if g.members is not None and name not in g.members
             and g.need - sum(1 for n in elected if n in g.members) >= seats_left),
            None,
        )  # fmt: skip
        if blocking is not None:
            passed_over[name] = blocking
            continue
        elected.append(name)
    decision = "elected"
    if len(elected) < params.seats:
        reasons.append(
            f"{params.seats - len(elected)} seat(s) unfilled: too few candidates"
            + (" (the seats left were reserved)" if passed_over else "")
        )
    if len(order) > params.seats:
        last = elected[-1] if elected else None
        rivals = [n for n in order if n not in elected and n not in passed_over]
        if last is not None and rivals and Fraction(totals[rivals[0]]) == Fraction(totals[last]):
            decision = "tie"
            reasons.append(
                f"{last} and {rivals[0]} tie on {format_exact(Fraction(totals[last]))} for "
                "the last seat: the rulebook's lot decides it"
            )
    for name, g in passed_over.items():
        reasons.append(
            f"{name} ({format_exact(Fraction(totals[name]))}) passed over: the seats left "
            f"were needed for {g.name} ({g.rule})"
        )
    figures = [Figure("seats", str(params.seats))]
    for g in active:
        figures.append(Figure(f"{g.name} needed", str(g.need), g.rule))
        figures.append(Figure(f"{g.name} elected",
                              str(sum(1 for n in elected if g.members and n in g.members))))
    details = []
    for place, name in enumerate(order, start=1):
        won = name in elected
        details.append(
            Outcome(
                procedure=PROCEDURE,
                decision="elected" if won else "not elected",
                summary=f"{place}. {name}: {format_exact(Fraction(totals[name]))} votes",
                rulebook=rulebook,
                rule=f"bloc vote, top {params.seats}",
                source=params.source,
                figures=[Figure("votes", format_exact(Fraction(totals[name]))),
                         Figure("place", str(place))],  # fmt: skip
                reasons=([f"passed over for the {passed_over[name].name} minimum"]
                         if name in passed_over else []),  # fmt: skip
                subject=name,
            )
        )
    rules = _rule_text(params)
    return Outcome(
        procedure=PROCEDURE,
        decision=decision,
        summary=f"elected ({params.seats} seats, bloc vote): {', '.join(elected)}",
        rulebook=rulebook,
        rule=f"bloc vote: each member votes for up to {params.seats}; the top {params.seats} "
        "are elected" + (f"; {rules}" if rules else ""),
        source=params.source,
        figures=figures,
        reasons=reasons + list(params.uncertain),
        details=details,
    )


def check_nominations(
    params: Params, nominations: Mapping[str, int], *, rulebook: str = ""
) -> Outcome:
    """Which candidates have the CLP nominations the rulebook requires to stand."""
    need = params.nominations_required
    details = []
    for name, count in nominations.items():
        ok = count >= need
        details.append(
            Outcome(
                procedure=PROCEDURE,
                decision="nominated" if ok else "not nominated",
                summary=f"{name}: {count} CLP nominations ({'+' if count >= need else ''}"
                f"{count - need} against the {need} needed)",
                rulebook=rulebook,
                rule=f"at least {need} CLP nominations",
                source=params.source,
                figures=[Figure("nominations", str(count)), Figure("needed", str(need))],
                subject=name,
            )
        )
    standing = [d.subject for d in details if d.decision == "nominated"]
    return Outcome(
        procedure=PROCEDURE,
        decision="nominations",
        summary=f"{len(standing)} of {len(details)} have the {need} CLP nominations needed",
        rulebook=rulebook,
        rule=f"at least {need} CLP nominations",
        source=params.source,
        figures=[Figure("needed", str(need))],
        details=details,
    )


def count_ballots(
    params: Params,
    election: Election,
    *,
    women: Collection[str] | None = None,
    groups: Mapping[str, Collection[str]] | None = None,
    seed: int | str | None = None,
    rulebook: str = "",
) -> tuple[Outcome, CountResult]:
    """Count ballots for the section by the rulebook's method, with its minimums.

    Bloc vote: :mod:`selectorate.counting.block_vote`, then the minimums as in
    :func:`elect_by_totals`. STV: ``params.stv_method`` with one
    :class:`GroupMinimum` per minimum whose members are given (``women``,
    ``groups``), and RON when the rulebook names it. Returns the explained
    outcome and the count itself.
    """
    if params.method == "block":
        result = registry.count("block", election, seats=params.seats)
        outcome = elect_by_totals(params, result.rounds[0].tally, women=women, groups=groups,
                                  rulebook=rulebook)  # fmt: skip
        result.elected = [d.subject for d in outcome.details if d.decision == "elected"]
        return outcome, result
    options: dict[str, object] = dict(params.stv_options)
    options["seats"] = params.seats
    if seed is not None:
        options["seed"] = seed
    if params.ron and params.ron in election.names:
        options["ron"] = params.ron
    reasons: list[str] = []
    minimums = []
    figures = [Figure("seats", str(params.seats)), Figure("method", params.stv_method)]
    for g in _groups(params, women, groups):
        if g.members is None:
            reasons.append(f"the rule '{g.rule}' was not applied: the candidates in it were "
                           "not given")  # fmt: skip
            continue
        standing = frozenset(n for n in election.names if n in g.members)
        if g.need:
            minimums.append(GroupMinimum(g.name, standing, g.need))
            figures.append(Figure(f"{g.name} needed", str(g.need), g.rule))
    if minimums:
        options["minimums"] = tuple(minimums)
    result = registry.count(params.stv_method, election, **options)
    valid = result.rounds[0].active if result.rounds else Fraction(0)
    if params.quota:
        figures.append(
            Figure("quota (as stated)", format_exact(quota(params, valid)),
                   f"{params.quota}: {format_exact(valid)} valid votes")  # fmt: skip
        )
    rules = _rule_text(params)
    outcome = Outcome(
        procedure=PROCEDURE,
        decision="elected",
        summary=f"elected ({params.seats} seats, STV): {', '.join(result.elected)}",
        rulebook=rulebook,
        rule=f"STV ({params.stv_method}) for {params.seats} seats" + (f"; {rules}" if rules
                                                                     else ""),  # fmt: skip
        source=params.source,
        figures=figures,
        reasons=reasons + list(result.notes) + list(params.uncertain),
    )
    return outcome, result


def describe(params: Params) -> str:
    """One line on the section's rules, e.g. for a what-if table."""
    parts = [f"{params.seats} seats", "bloc vote" if params.method == "block" else "STV"]
    if params.women_minimum:
        rate = format_rate(parse_rate(params.women_minimum))
        parts.append(f"women ≥ {rate} (rounded {params.women_rounding})")
    return ", ".join(parts)
