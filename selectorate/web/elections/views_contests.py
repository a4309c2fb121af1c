"""Officer pages: a new contest from the rulebook's procedure, and its nominations.

"New contest" takes the kind of contest — and for a leadership election the
office and the case (a vacancy, or a challenge to the sitting holder) among
those the rulebook version defines; the organisation's rulebook
(:mod:`.contest_plan`) supplies the counting method, seats and options and the
rules are shown with the file that says each one and its source. The contest
is created in ``draft`` with one audit entry recording the plan (and the case).

"Nominations" records one nomination per nominator while nominations are
open, shows the procedure's explained outcome (:mod:`.nominations`: the
leadership case, the thresholds, how they were computed, who qualifies and
why) and withdraws the candidates who do not qualify, each with an audit
entry giving the reasons.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods

from selectorate.rulebooks import RulebookError
from selectorate.web.elections import nominations
from selectorate.web.elections.contest_plan import (
    PlanError,
    case_label,
    check_new,
    create_contest,
    plan,
)
from selectorate.web.elections.models import Contest, Nomination, Organisation
from selectorate.web.elections.views_officer import OFFICER, SCRUTINEER, _actor, _page, requires

_FIELDS = ("organisation", "kind", "office", "case", "incumbent", "title", "freeze_date",
           "subject", "candidates")


def _form_page(
    request: HttpRequest, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> HttpResponse:
    organisations = list(Organisation.objects.order_by("name"))
    org = next((o for o in organisations if str(o.pk) == values.get("organisation")), None)
    org = org or (organisations[0] if organisations else None)
    the_plan = None
    kind = values.get("kind", "")
    if org is not None and kind in dict(Contest.KINDS):
        try:
            the_plan = plan(org.rulebook_id, kind, office=values.get("office", ""),
                            case=values.get("case", ""))
        except PlanError as exc:
            errors.setdefault(exc.field, str(exc))
            if exc.field != "kind":
                # Show the rulebook's offices and cases so the officer can choose again.
                try:
                    the_plan = plan(org.rulebook_id, kind)
                except (PlanError, RulebookError):
                    the_plan = None
        except RulebookError as exc:
            errors.setdefault("kind", str(exc))
    cases = []
    if the_plan is not None and the_plan.kind == "leadership":
        office = the_plan.office
        cases = [{"value": c, "label": case_label(office, c)} for c in the_plan.cases]
    context = {
        "organisations": organisations,
        "selected_org": org.pk if org else None,
        "rulebook_id": org.rulebook_id if org else "",
        "kinds": Contest.KINDS,
        "values": values,
        "errors": errors,
        "form_errors": [{"field": _anchor(k, the_plan), "message": v} for k, v in errors.items()],
        "plan": the_plan,
        "cases": cases,
    }
    return _page(request, "elections/officer/contest_new.html", context,
                 400 if errors and status == 200 else status)


def _anchor(field: str, the_plan: Any) -> str:
    """The id of the control the error summary links to (radio groups: their first button)."""
    if field == "office" and the_plan is not None and the_plan.offices:
        return f"office-{the_plan.offices[0]}"
    if field == "case":
        return "case-vacancy" if the_plan is not None and the_plan.cases else "kind"
    return field


@require_http_methods(["GET", "POST"])
@requires(OFFICER)
def new_contest(request: HttpRequest) -> HttpResponse:
    """Choose the kind (and a leadership case); see the rulebook's rules; create it in draft."""
    source = request.POST if request.method == "POST" else request.GET
    values = {f: source.get(f, "").strip() for f in _FIELDS}
    if values["kind"] != "leadership":
        values.update(office="", case="", incumbent="")
    if request.method == "GET" or request.POST.get("action") != "create":
        return _form_page(request, values, {})
    org = Organisation.objects.filter(pk=values["organisation"] or 0).first() \
        if values["organisation"].isdigit() else None
    if org is None:
        return _form_page(request, values, {"organisation": "Choose the organisation."})
    try:
        new, errors = check_new(
            org, values["kind"], values["title"], values["freeze_date"], values["subject"],
            values["candidates"].splitlines(), office=values["office"], case=values["case"],
            incumbent=values["incumbent"],
        )
    except PlanError as exc:
        return _form_page(request, values, {exc.field: str(exc)})
    except RulebookError as exc:
        return _form_page(request, values, {"kind": str(exc)})
    if new is None:
        return _form_page(request, values, errors)
    contest = create_contest(new, _actor(request))
    messages.success(request, f"“{contest.title}” was created as a draft.")
    return redirect("elections:officer_contest", pk=contest.pk)


# -- nominations ----------------------------------------------------------------------


def _nominations_page(
    request: HttpRequest, contest: Contest, extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    outcome = nominations.check(contest)
    off: list[nominations.Disqualified] = []
    unsettled: list[str] = []
    if outcome is not None:
        off, unsettled = nominations.unqualified(contest, outcome)
    errors = (extra or {}).get("errors", {})
    kinds = dict(Nomination.KINDS)
    context = {
        "contest": contest,
        "leadership_case": nominations.leadership_case(contest),
        "counted_kinds": [kinds[k] for k in nominations.counted_kinds(contest)],
        "candidates": contest.candidates.order_by("position"),
        "rows": Nomination.objects.filter(contest=contest).select_related("candidate"),
        "nominator_kinds": Nomination.KINDS,
        "can_edit": contest.state == Contest.NOMINATIONS,
        "checked": contest.kind in nominations.CHECKED_KINDS,
        "outcome": outcome,
        "off": off,
        "unsettled": unsettled,
        "values": {},
        "errors": errors,
        "form_errors": [{"field": k, "message": v} for k, v in errors.items()],
        **(extra or {}),
    }
    return _page(request, "elections/officer/nominations.html", context, status)


@require_http_methods(["GET", "POST"])
@requires(OFFICER, SCRUTINEER)
def contest_nominations(request: HttpRequest, pk: int) -> HttpResponse:
    """The nominations, their check against the rulebook, and (officers) record / withdraw."""
    contest = get_object_or_404(Contest, pk=pk)
    if request.method == "GET":
        return _nominations_page(request, contest)
    from selectorate.web.elections.views_officer import roles

    if OFFICER not in roles(request):
        return _page(request, "elections/vote/refused.html", {
            "heading": "You do not have access to this page",
            "message": "Recording nominations is for the officer role.",
        }, status=403)
    if contest.state != Contest.NOMINATIONS:
        return _nominations_page(request, contest, {"errors": {
            "candidate": f"Nominations are recorded only while they are open; “{contest.title}” "
                         f"is {contest.get_state_display()}."}}, status=409)
    actor = _actor(request)
    if request.POST.get("action") == "withdraw":
        withdrawn = nominations.withdraw_unqualified(contest, actor)
        names = ", ".join(d.candidate.name for d in withdrawn) or "nobody"
        messages.success(request, f"Withdrawn from the ballot: {names}.")
        return redirect("elections:officer_nominations", pk=contest.pk)
    values = {k: request.POST.get(k, "").strip()
              for k in ("candidate", "nominator_kind", "nominator_name")}
    errors: dict[str, str] = {}
    candidate = contest.candidates.filter(pk=values["candidate"] or 0).first() \
        if values["candidate"].isdigit() else None
    if candidate is None:
        errors["candidate"] = "Choose the candidate nominated."
    if values["nominator_kind"] not in dict(Nomination.KINDS):
        errors["nominator_kind"] = "Choose who nominates (MP, CLP, affiliate, branch or member)."
    if not values["nominator_name"]:
        errors["nominator_name"] = "Enter the nominator's name."
    elif len(values["nominator_name"]) > 200:
        errors["nominator_name"] = "The nominator's name must be 200 characters or fewer."
    if not errors:
        try:
            nominations.record_nomination(
                contest, candidate, values["nominator_kind"], values["nominator_name"], actor
            )
        except nominations.NominationRefused as exc:
            errors["nominator_name"] = str(exc)
    if errors:
        return _nominations_page(request, contest, {"values": values, "errors": errors},
                                 status=400)
    messages.success(request, f"Nomination of {candidate.name} by {values['nominator_name']} "
                              "recorded.")
    return redirect("elections:officer_nominations", pk=contest.pk)
