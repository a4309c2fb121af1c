"""Public pages: the home page, sign in and out, and published results.

A result page shows candidate-level figures only once the result is
published; before that it says only the contest's state.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from selectorate.web.elections.models import AuditEntry, Contest, Organisation, Result
from selectorate.web.elections.views_officer import role_context, sheet_fragment

#: Ballot exports offered on a published result: (label, URL name of the exports module).
EXPORTS = (
    ("Ballots as BLT", "elections:export_blt"),
    ("Ballots as CSV", "elections:export_csv"),
    ("Ballots as NIST cast vote records (JSON)", "elections:export_cdf"),
    ("The published record (native JSON, for selectorate verify)", "elections:export_result"),
)


def _exports(contest: Contest) -> list[tuple[str, str]]:
    """Links to the ballot exports that this installation serves."""
    links = []
    for label, name in EXPORTS:
        try:
            links.append((label, reverse(name, args=[contest.pk])))
        except NoReverseMatch:
            continue
    return links


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where to vote, check a receipt and read results."""
    names = ", ".join(Organisation.objects.order_by("name").values_list("name", flat=True))
    return render(
        request, "elections/home.html", {"organisation_names": names, **role_context(request)}
    )


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """Every contest with a published result."""
    contests = (
        Contest.objects.filter(state=Contest.PUBLISHED, result__published_at__isnull=False)
        .select_related("organisation")
        .order_by("created_at", "id")
    )
    return render(
        request, "elections/public/results.html", {"contests": contests, **role_context(request)}
    )


@require_GET
def result(request: HttpRequest, pk: int) -> HttpResponse:
    """A contest's published result sheet and ballot exports; nothing of it before publication."""
    contest = get_object_or_404(Contest, pk=pk)
    stored = Result.objects.filter(contest=contest, published_at__isnull=False).first()
    published = contest.state == Contest.PUBLISHED and stored is not None
    context = {"contest": contest, "published": published, **role_context(request)}
    if published:
        context.update(
            result=stored,
            sheet=sheet_fragment(stored.sheet_html),
            exports=_exports(contest),
            anchor=AuditEntry.objects.filter(contest=contest, action="contest published")
            .order_by("-seq")
            .values("seq", "hash")
            .first(),
        )
    return render(request, "elections/public/result.html", context)


class LoginView(auth_views.LoginView):
    """Sign in for officers and scrutineers."""

    template_name = "elections/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """After sign-in: the contest list (a candidate only: their own contests)."""
        user = self.request.user
        if not user.is_superuser and set(
            user.groups.values_list("name", flat=True)
        ) & {"officer", "scrutineer", "candidate"} == {"candidate"}:
            return reverse("elections:candidate_contests")
        return reverse("elections:officer_contests")


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only, as Django requires), back to the home page."""

    next_page = "elections:home"
