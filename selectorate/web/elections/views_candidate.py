"""Pages for candidates (group "candidate"): the contests they stand in.

A candidate user is linked to the :class:`~.models.Candidate` rows they stand
as (``Candidate.user``, set by an officer in the admin). They see, for each of
those contests only, its state, the nominations recorded for *them*
(:class:`~.models.Nomination` rows), for a leadership election its case (a
vacancy, or a challenge to the sitting holder) and, once the result is published, a link
to the public result page. Nothing candidate-level about the vote (no figures,
no turnout) is shown before publication, and nothing of the electorate (no
elector, credential or member of the register) is ever shown. Another
candidate's contest is "not found" (404), so its existence is not confirmed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from selectorate.web.elections.models import Candidate, Contest, Nomination, Result
from selectorate.web.elections.nominations import leadership_case
from selectorate.web.elections.views_officer import role_context

CANDIDATE = "candidate"


def is_candidate(user: Any) -> bool:
    """An active, signed-in member of the ``candidate`` group."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.groups.filter(name=CANDIDATE).exists()
    )


def _refuse_or_login(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("elections:login"))
    if not is_candidate(request.user):
        return render(
            request,
            "elections/vote/refused.html",
            {
                "heading": "You do not have access to this page",
                "message": "This page is for the candidate role.",
                **role_context(request),
            },
            status=403,
        )
    return None


def _entries(request: HttpRequest, contest_pk: int | None = None) -> list[dict[str, Any]]:
    """One entry per contest the user stands in: the contest, their candidacies and nominations."""
    mine = Candidate.objects.filter(user=request.user).select_related("contest")
    if contest_pk is not None:
        mine = mine.filter(contest_id=contest_pk)
    by_contest: dict[int, dict[str, Any]] = {}
    for cand in mine.order_by("contest__created_at", "contest_id", "position"):
        entry = by_contest.setdefault(
            cand.contest_id, {"contest": cand.contest, "candidacies": []}
        )
        entry["candidacies"].append(
            {
                "name": cand.name,
                "position": cand.position,
                "nominations": list(
                    Nomination.objects.filter(candidate=cand).order_by(
                        "nominator_kind", "nominator_name", "id"
                    )
                ),
            }
        )
    for entry in by_contest.values():
        contest: Contest = entry["contest"]
        entry["leadership_case"] = leadership_case(contest)
        entry["published"] = (
            contest.state == Contest.PUBLISHED
            and Result.objects.filter(contest=contest, published_at__isnull=False).exists()
        )
    return list(by_contest.values())


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {**role_context(request), "is_candidate": True, **context})


@require_GET
def my_contests(request: HttpRequest) -> HttpResponse:
    """Every contest the signed-in candidate stands in."""
    refused = _refuse_or_login(request)
    if refused is not None:
        return refused
    return _page(request, "elections/candidate/contests.html", {"entries": _entries(request)})


@require_GET
def my_contest(request: HttpRequest, pk: int) -> HttpResponse:
    """One contest the signed-in candidate stands in; any other contest is not found."""
    refused = _refuse_or_login(request)
    if refused is not None:
        return refused
    entries = _entries(request, pk)
    if not entries:
        raise Http404("No such contest among yours.")
    return _page(request, "elections/candidate/contest.html", {"entry": entries[0]})
