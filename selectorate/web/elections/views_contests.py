"""Officer pages: a new contest from the rulebook's procedure, and its nominations.

"New contest" takes the kind of contest; the organisation's rulebook
(:mod:`.contest_plan`) supplies the counting method, seats and options and the
rules are shown with the file that says each one and its source. The contest
is created in ``draft`` with one audit entry recording the plan.

"Nominations" records one nomination per nominator while nominations are
open, shows the procedure's explained outcome (:mod:`.nominations`: the
thresholds, how they were computed, who qualifies and why) and withdraws the
candidates who do not qualify, each with an audit entry giving the reasons.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods

from selectorate.rulebooks import RulebookError
from selectorate.web.elections import audit, nominations
from selectorate.web.elections.contest_plan import PlanError, plan
from selectorate.web.elections.models import Candidate, Contest, Nomination, Organisation
from selectorate.web.elections.views_officer import OFFICER, SCRUTINEER, _actor, _page, requires

_MAX_CANDIDATES = 100


def _form_page(
    request: HttpRequest, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> HttpResponse:
    organisations = list(Organisation.objects.order_by("name"))
    org = next((o for o in organisations if str(o.pk) == values.get("organisation")), None)
    org = org or (organisations[0] if organisations else None)
    the_plan = None
    kind = values.get("kind", "")
    if org is not None and kind:
        try:
            the_plan = plan(org.rulebook_id, kind)
        except (PlanError, RulebookError) as exc:
            errors.setdefault("kind", str(exc))
    context = {
        "organisations": organisations,
        "selected_org": org.pk if org else None,
        "rulebook_id": org.rulebook_id if org else "",
        "kinds": Contest.KINDS,
        "values": values,
        "errors": errors,
        "form_errors": [{"field": k, "message": v} for k, v in errors.items()],
        "plan": the_plan,
    }
    return _page(request, "elections/officer/contest_new.html", context,
                 400 if errors and status == 200 else status)


def _validate(values: dict[str, str], fixed: tuple[str, ...]) -> tuple[dict[str, str], Any,
                                                                       list[str]]:
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = "Enter the contest's title."
    elif len(values["title"]) > 300:
        errors["title"] = "The title must be 300 characters or fewer."
    freeze = None
    if values["freeze_date"]:
        try:
            freeze = date.fromisoformat(values["freeze_date"])
        except ValueError:
            errors["freeze_date"] = "Enter the freeze date as YYYY-MM-DD, e.g. 2024-03-01."
    if len(values["subject"]) > 200:
        errors["subject"] = "The subject must be 200 characters or fewer."
    names: list[str] = list(fixed)
    if not fixed:
        names = [n.strip() for n in values["candidates"].splitlines() if n.strip()]
        seen = {n.casefold() for n in names}
        if not names:
            errors["candidates"] = "Enter the candidates, one per line."
        elif len(seen) != len(names):
            errors["candidates"] = "Each candidate may appear only once."
        elif len(names) > _MAX_CANDIDATES or any(len(n) > 200 for n in names):
            errors["candidates"] = (
                f"At most {_MAX_CANDIDATES} candidates, each name 200 characters or fewer."
            )
    return errors, freeze, names


@require_http_methods(["GET", "POST"])
@requires(OFFICER)
def new_contest(request: HttpRequest) -> HttpResponse:
    """Choose the kind; see the rulebook's rules; create the contest in draft."""
    fields = ("organisation", "kind", "title", "freeze_date", "subject", "candidates")
    source = request.POST if request.method == "POST" else request.GET
    values = {f: source.get(f, "").strip() for f in fields}
    if request.method == "GET" or request.POST.get("action") != "create":
        return _form_page(request, values, {})
    errors: dict[str, str] = {}
    org = Organisation.objects.filter(pk=values["organisation"] or 0).first()
    if org is None:
        errors["organisation"] = "Choose the organisation."
        return _form_page(request, values, errors)
    if values["kind"] not in dict(Contest.KINDS):
        errors["kind"] = "Choose the kind of contest."
        return _form_page(request, values, errors)
    try:
        the_plan = plan(org.rulebook_id, values["kind"])
    except (PlanError, RulebookError) as exc:
        return _form_page(request, values, {"kind": str(exc)})
    errors, freeze, names = _validate(values, the_plan.fixed_candidates)
    if errors:
        return _form_page(request, values, errors)
    with transaction.atomic():
        contest = Contest.objects.create(
            organisation=org, title=values["title"], kind=values["kind"],
            rulebook_id=the_plan.rulebook_id, method=the_plan.method, seats=the_plan.seats,
            options=the_plan.options, freeze_date=freeze, subject=values["subject"],
        )
        Candidate.objects.bulk_create(
            [Candidate(contest=contest, name=n, position=i) for i, n in enumerate(names, 1)]
        )
        audit.record("contest created", _actor(request), contest, {
            "kind": contest.kind, "rulebook": the_plan.rulebook_id,
            "procedure": the_plan.procedure, "method": contest.method, "seats": contest.seats,
            "options": contest.options, "candidates": names,
            "rules": [r.to_dict() for r in the_plan.rules],
        })
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
    context = {
        "contest": contest,
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
