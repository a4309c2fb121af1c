"""The voter's pages: code → ballot → confirmation → cast → receipt; and the receipt check.

Nothing a voter chooses is stored before the cast: the choices travel in the
POSTed form (ballot → confirmation → cast), never in the session, the URL or
a cookie, and every page that shows them is sent with ``Cache-Control:
no-store`` so the browser's history cannot show them later. The code itself is
carried the same way (never in a URL, so never in a server log). After the
cast the voter sees the receipt code only; no page ever shows the choices of a
cast ballot. Each page works without JavaScript (plain forms, CSRF-protected).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from selectorate.web.elections import voting
from selectorate.web.elections.ballot_form import BLOCK, RANKED, BallotForm
from selectorate.web.elections.models import CastBallot, Contest, Credential

#: States in which the ballot box is final, so a receipt can be checked against it.
_BOX_FINAL = (Contest.CLOSED, Contest.COUNTED, Contest.PUBLISHED)


def _errors(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"field": f, "message": m} for f, m in pairs]


def _code_page(request: HttpRequest, code: str = "", error: str = "", status: int = 200) -> Any:
    context = {
        "code": code,
        "code_error": error,
        "form_errors": _errors(("code", error)) if error else [],
    }
    return render(request, "elections/vote/code.html", context, status=status)


def _refused(request: HttpRequest, heading: str, message: str, status: int) -> HttpResponse:
    return render(
        request,
        "elections/vote/refused.html",
        {"heading": heading, "message": message},
        status=status,
    )


def _credential_for(
    request: HttpRequest, code: str
) -> tuple[Credential | None, HttpResponse | None]:
    """The credential for ``code``, or the page that explains why the voter cannot go on.

    A used code gets the same "already voted" page every time, whatever the
    state of the contest, so the page never tells anyone more than that.
    """
    if not code.strip():
        return None, _code_page(request, code, "Enter your voting code.", 400)
    credential = (
        Credential.objects.filter(code_hash=voting.code_hash(code))
        .select_related("contest")
        .first()
    )
    if credential is None:
        return None, _code_page(request, code, voting.UNKNOWN_CODE, 400)
    if credential.used:
        return None, _refused(request, "You have already voted", voting.ALREADY_VOTED, 409)
    if credential.contest.state != Contest.OPEN:
        contest = credential.contest
        if contest.state in (
            Contest.DRAFT,
            Contest.NOMINATIONS,
            Contest.FROZEN,
            Contest.CREDENTIALS,
        ):
            message = f"Voting in “{contest.title}” has not opened yet. Keep your code."
        else:
            message = f"Voting in “{contest.title}” has closed."
        return None, _refused(request, "Voting is not open", message, 409)
    return credential, None


def _ballot_page(
    request: HttpRequest, code: str, form: BallotForm, status: int = 200
) -> HttpResponse:
    problems = [{"field": p.field, "message": p.message} for p in form.problems]
    context = {
        "contest": form.contest,
        "code": code,
        "rows": form.rows(),
        "ranked": form.style == RANKED,
        "block_vote": form.style == BLOCK,
        "ballot_error": " ".join(p.message for p in form.problems),
        "form_errors": problems,
    }
    return render(request, "elections/vote/ballot.html", context, status=status)


@transaction.non_atomic_requests  # read-only: no transaction, no write lock
@sensitive_post_parameters()  # codes, choices, receipts: never in error reports
@never_cache
@require_http_methods(["GET", "POST"])
def enter_code(request: HttpRequest) -> HttpResponse:
    """GET: the code form. POST: check the code and show the blank ballot of its contest."""
    if request.method == "GET":
        return _code_page(request)
    code = request.POST.get("code", "")
    credential, refusal = _credential_for(request, code)
    if refusal is not None:
        return refusal
    return _ballot_page(request, code, BallotForm.empty(credential.contest))


@transaction.non_atomic_requests  # read-only: no transaction, no write lock
@sensitive_post_parameters()  # codes, choices, receipts: never in error reports
@never_cache
@require_POST
def ballot(request: HttpRequest) -> HttpResponse:
    """The ballot again, filled in as the voter left it ("Change my choices")."""
    code = request.POST.get("code", "")
    credential, refusal = _credential_for(request, code)
    if refusal is not None:
        return refusal
    form = BallotForm.from_post(credential.contest, request.POST)
    form.problems.clear()
    form.invalid.clear()
    return _ballot_page(request, code, form)


@transaction.non_atomic_requests  # read-only: no transaction, no write lock
@sensitive_post_parameters()  # codes, choices, receipts: never in error reports
@never_cache
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    """Check the marked ballot: back to it with the problems, or show the choices to confirm."""
    code = request.POST.get("code", "")
    credential, refusal = _credential_for(request, code)
    if refusal is not None:
        return refusal
    form = BallotForm.from_post(credential.contest, request.POST)
    if not form.valid:
        return _ballot_page(request, code, form, status=400)
    context = {
        "contest": form.contest,
        "code": code,
        "ranked": form.style == RANKED,
        "choices": form.chosen_names(),
        "unranked": form.unranked_names() if form.style == RANKED else [],
        "hidden": form.hidden_fields(),
    }
    return render(request, "elections/vote/confirm.html", context)


@transaction.non_atomic_requests  # voting.cast commits before the receipt is shown
@sensitive_post_parameters()  # codes, choices, receipts: never in error reports
@never_cache
@require_POST
def cast(request: HttpRequest) -> HttpResponse:
    """Cast the confirmed ballot and show "Your vote has been cast" with the receipt code.

    Not wrapped in the request's transaction: :func:`.voting.cast` is its own
    transaction, so the ballot is committed (and its audit line chained just
    after) before this page with the receipt is rendered.
    """
    code = request.POST.get("code", "")
    credential, refusal = _credential_for(request, code)
    if refusal is not None:
        return refusal
    contest = credential.contest
    form = BallotForm.from_post(contest, request.POST)
    if not form.valid:
        return _ballot_page(request, code, form, status=400)
    try:
        positions = {c.position for c in form.candidates}
        receipt = voting.cast(contest, code, form.rankings, positions)
    except voting.AlreadyVoted:
        return _refused(request, "You have already voted", voting.ALREADY_VOTED, 409)
    except voting.VoteRefused as exc:
        return _refused(request, "Your vote was not cast", str(exc), 409)
    return render(request, "elections/vote/cast.html", {"contest": contest, "receipt": receipt})


@transaction.non_atomic_requests  # read-only: no transaction, no write lock
@sensitive_post_parameters()  # codes, choices, receipts: never in error reports
@never_cache
@require_http_methods(["GET", "POST"])
def receipt(request: HttpRequest) -> HttpResponse:
    """Check that a receipt code is in a closed contest's ballot box (never its choices).

    POST, not GET, so receipt codes stay out of URLs and server logs.
    """
    context: dict[str, Any] = {"receipt": "", "answer": None, "code_error": "", "form_errors": []}
    if request.method == "POST":
        text = request.POST.get("receipt", "").strip()
        context["receipt"] = text
        if not text:
            context["code_error"] = "Enter the receipt code you were given when you voted."
            context["form_errors"] = _errors(("receipt", context["code_error"]))
            return render(request, "elections/receipt.html", context, status=400)
        found = (
            CastBallot.objects.filter(receipt_hash=voting.sha256(text))
            .select_related("contest")
            .first()
        )
        if found is None:
            context["answer"] = {
                "found": False,
                "headline": "Not found",
                "detail": "No ballot has this receipt code. Check that you typed it exactly, "
                "including capital and small letters.",
            }
        elif found.contest.state not in _BOX_FINAL:
            context["answer"] = {
                "found": False,
                "headline": "Voting is still open",
                "detail": f"Receipts for “{found.contest.title}” can be checked once voting "
                "has closed.",
            }
        else:
            total = CastBallot.objects.filter(contest=found.contest).count()
            context["answer"] = {
                "found": True,
                "headline": "Included",
                "detail": f"A ballot with this receipt code is one of the {total} ballots in "
                f"the ballot box of “{found.contest.title}”.",
            }
    return render(request, "elections/receipt.html", context)
