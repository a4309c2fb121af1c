"""Freezing a contest's electorate: every member checked against the rulebook, with reasons.

The check itself is :func:`selectorate.procedures.eligibility.check_register`
with the ``eligibility`` procedure of the contest's rulebook
(:func:`selectorate.rulebooks.load_rulebook`); this module only turns
:class:`~.models.Member` rows into :class:`Registrant` s and stores one
:class:`~.models.Elector` per member with the decision and every reason.

How a member row maps onto the rulebook's categories:

* a member whose unit is an affiliate is an *affiliated supporter*, signed up
  on their join date (the register keeps no separate sign-up date);
* a ``registered_supporter`` is a *registered supporter*, registered and paid
  the rulebook's fee on their join date (the register records the fee as paid
  when it records the person as a registered supporter);
* anyone else is a *member*.

Only a leadership ballot is open to supporters (Labour Rule Book 2014 Ch.4
Cl.II, Collins reforms); the constituency ballots — motions, trigger ballots,
selections, executive elections and card votes — are members' ballots, so for
those the categories are narrowed to members. A rulebook without an
``eligibility`` procedure gets the plain default: active members who joined by
the freeze date and are paid up to it.
"""

from __future__ import annotations

from datetime import date

import msgspec

from selectorate.procedures.eligibility import Params, Registrant, check_register, parse_money
from selectorate.rulebooks import RulebookError, load_rulebook
from selectorate.web.elections.models import Contest, Elector, Member

#: Contest kinds whose electorate may include affiliated and registered supporters.
SUPPORTER_KINDS = ("leadership",)


def eligibility_params(contest: Contest) -> tuple[Params, str]:
    """The rulebook's eligibility rules for ``contest`` and the rulebook id used."""
    rulebook_id = contest.rulebook_id or contest.organisation.rulebook_id
    rulebook = load_rulebook(rulebook_id)
    try:
        params: Params = rulebook.procedure("eligibility")
    except RulebookError:
        params = Params(
            source=f"rulebook {rulebook.id} has no eligibility rules: the default applies "
            "(active members who joined by the freeze date and are paid up to it)",
        )
    if contest.kind not in SUPPORTER_KINDS:
        params = msgspec.structs.replace(params, categories=["member"])
    return params, rulebook.id


def registrant(member: Member, params: Params) -> Registrant:
    """The register row the eligibility rules check for ``member``."""
    if member.registered_supporter:
        fee = params.registered_supporters.fee
        return Registrant(
            member_id=member.member_no,
            name=member.name,
            category="registered_supporter",
            status=member.status,
            joined=member.joined,
            paid_up_to=member.paid_up_to,
            supporter_registered_on=member.joined,
            fee_paid=parse_money(fee) if fee else None,
            fee_paid_on=member.joined,
        )
    affiliate = member.unit is not None and member.unit.kind == "affiliate"
    return Registrant(
        member_id=member.member_no,
        name=member.name,
        category="affiliated_supporter" if affiliate else "member",
        status=member.status,
        joined=member.joined,
        paid_up_to=member.paid_up_to,
        supporter_registered_on=member.joined if affiliate else None,
    )


def freeze_electorate(contest: Contest, freeze_date: date | None = None) -> tuple[int, int]:
    """Store the contest's electorate (replacing any earlier one): (eligible, excluded)."""
    day = freeze_date or contest.freeze_date
    if day is None:
        raise ValueError(f"{contest}: no freeze date")
    params, rulebook_id = eligibility_params(contest)
    members = list(
        Member.objects.filter(organisation=contest.organisation_id)
        .select_related("unit")
        .order_by("member_no")
    )
    outcome = check_register(
        params, [registrant(m, params) for m in members], day, rulebook=rulebook_id
    )
    Elector.objects.filter(contest=contest).delete()
    electors = []
    for member, detail in zip(members, outcome.details, strict=True):
        eligible = detail.decision == "eligible"
        reason = "; ".join(detail.reasons) if not eligible else detail.summary
        electors.append(Elector(contest=contest, member=member, eligible=eligible, reason=reason))
    Elector.objects.bulk_create(electors, batch_size=500)
    yes = sum(e.eligible for e in electors)
    return yes, len(electors) - yes
