"""Pages for returning officers (group "officer") and scrutineers (group "scrutineer", read-only).

Officers see every contest, move it through its life with POST buttons (each
refusal's message shown on the page), import a register (a validation report
before anything is saved), issue voting credentials (a mail-merge CSV and/or
email; codes are shown once and never stored) and read the result sheet once
counted. Scrutineers see the same contest pages without the buttons, the audit
log with its hash chain checked, and the count. While a contest is open no page
shows any candidate-level figure: results exist only after the count.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.mail import get_connection, send_mail
from django.core.mail.message import EmailMessage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from selectorate.web.elections import audit, exports, lifecycle, register_import, voting
from selectorate.web.elections.counting import count_contest
from selectorate.web.elections.models import (
    AuditEntry,
    CastBallot,
    Contest,
    Credential,
    Elector,
    Organisation,
    Result,
)

OFFICER, SCRUTINEER = "officer", "scrutineer"
#: What the button for each target state says.
_BUTTONS = {
    Contest.NOMINATIONS: "Open nominations",
    Contest.FROZEN: "Freeze the electorate",
    Contest.CREDENTIALS: "Issue voting credentials",
    Contest.OPEN: "Open voting",
    Contest.CLOSED: "Close voting",
    Contest.COUNTED: "Count the votes",
    Contest.PUBLISHED: "Publish the result",
}
#: States after which a contest has a result that officers and scrutineers may read.
_COUNTED = (Contest.COUNTED, Contest.PUBLISHED)
_AUDIT_PAGE = 500


def roles(request: HttpRequest) -> set[str]:
    """The roles of the signed-in user among officer and scrutineer (a superuser is both)."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return {OFFICER, SCRUTINEER}
    return set(user.groups.filter(name__in=(OFFICER, SCRUTINEER)).values_list("name", flat=True))


def role_context(request: HttpRequest) -> dict[str, bool]:
    """Template flags for the navigation."""
    mine = roles(request)
    return {"is_officer": OFFICER in mine, "is_scrutineer": SCRUTINEER in mine or OFFICER in mine}


def requires(*allowed: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Only signed-in users in one of the ``allowed`` groups; others sign in or get 403."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("elections:login"))
            if not roles(request) & set(allowed):
                return render(
                    request,
                    "elections/vote/refused.html",
                    {
                        "heading": "You do not have access to this page",
                        "message": f"This page is for the {' or '.join(allowed)} role.",
                        **role_context(request),
                    },
                    status=403,
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> Any:
    return render(request, template, {**role_context(request), **context}, status=status)


def _actor(request: HttpRequest) -> str:
    return request.user.get_username()


# -- contests -------------------------------------------------------------------


@require_GET
@requires(OFFICER, SCRUTINEER)
def contest_list(request: HttpRequest) -> HttpResponse:
    """Every contest with its state."""
    contests = Contest.objects.select_related("organisation").order_by("created_at", "id")
    return _page(request, "elections/officer/contest_list.html", {"contests": contests})


def _detail(
    request: HttpRequest, contest: Contest, refusal: str = "", status: int = 200
) -> HttpResponse:
    electors = Elector.objects.filter(contest=contest)
    credentials = Credential.objects.filter(contest=contest)
    transitions = [
        {"state": s, "label": _BUTTONS.get(s, s)} for s in lifecycle.allowed_targets(contest)
    ]
    context = {
        "contest": contest,
        "candidates": contest.candidates.order_by("position"),
        "electors": electors.count(),
        "eligible": electors.filter(eligible=True).count(),
        "credentials": credentials.count(),
        # Turnout (not a candidate-level figure) once voting has started.
        "show_turnout": contest.state not in (Contest.DRAFT, Contest.NOMINATIONS, Contest.FROZEN),
        "used": credentials.filter(used=True).count(),
        "ballots": CastBallot.objects.filter(contest=contest).count(),
        "transitions": transitions,
        "refusal": refusal,
        "has_result": contest.state in _COUNTED and Result.objects.filter(contest=contest).exists(),
    }
    return _page(request, "elections/officer/contest_detail.html", context, status)


@require_GET
@requires(OFFICER, SCRUTINEER)
def contest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One contest: its state, electorate, turnout and (for officers) the next steps."""
    return _detail(request, get_object_or_404(Contest, pk=pk))


@require_POST
@requires(OFFICER)
def contest_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a contest to the POSTed state; the refusal's message is shown when it may not."""
    contest = get_object_or_404(Contest, pk=pk)
    to_state = request.POST.get("to_state", "")
    actor = _actor(request)
    try:
        if to_state == Contest.CREDENTIALS:
            if contest.state != Contest.FROZEN:
                lifecycle.check(contest, to_state)
            return redirect("elections:officer_credentials", pk=contest.pk)
        if to_state == Contest.COUNTED and contest.state == Contest.CLOSED:
            count_contest(contest, actor)
        else:
            lifecycle.transition(contest, to_state, actor)
    except lifecycle.TransitionRefused as exc:
        return _detail(request, contest, str(exc), status=409)
    messages.success(request, f"“{contest.title}” is now {lifecycle.STATE_NAMES[to_state]}.")
    return redirect("elections:officer_contest", pk=contest.pk)


# -- credentials ------------------------------------------------------------------


def _mail_merge(contest: Contest, vote_url: str, issued: list[voting.IssuedCode]) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["member_no", "name", "email", "code", "contest", "vote_url"])
    for row in issued:
        # Names, emails and titles come from the register and officers: a cell that a
        # spreadsheet would run as a formula is neutralised, as in the ballot exports.
        cells = [row.member_no, row.name, row.email, row.code, contest.title, vote_url]
        writer.writerow([exports.neutralise_cell(cell) for cell in cells])
    slug = re.sub(r"[^a-z0-9]+", "-", contest.title.lower()).strip("-") or "contest"
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credentials-{contest.pk}-{slug}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _message(contest: Contest, vote_url: str, row: voting.IssuedCode) -> EmailMessage:
    body = (
        f"Dear {row.name},\n\n"
        f"You can vote in “{contest.title}” ({contest.organisation.name}).\n\n"
        f"Your one-time voting code is:\n\n    {row.code}\n\n"
        f"Vote at {vote_url} once voting opens. The code works once; keep it private.\n"
        "Your vote is secret: nobody, including the officers, can see how you voted.\n"
    )
    return EmailMessage(f"Your voting code: {contest.title}", body, to=[row.email])


def _credentials_page(
    request: HttpRequest, contest: Contest, extra: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    eligible = Elector.objects.filter(contest=contest, eligible=True)
    issued = Credential.objects.filter(contest=contest).count()
    context = {
        "contest": contest,
        "eligible": eligible.count(),
        "issued": issued,
        "missing": eligible.filter(credential__isnull=True).count(),
        "no_email": eligible.filter(member__email="").count(),
        "can_issue": contest.state == Contest.FROZEN,
        "can_reissue": contest.state in (Contest.CREDENTIALS, Contest.OPEN),
        "shown_codes": [],
        "member_no": "",
        "member_error": "",
        "form_errors": [],
        **(extra or {}),
    }
    return _page(request, "elections/officer/credentials.html", context, status)


@never_cache
@require_http_methods(["GET", "POST"])
@requires(OFFICER)
def credentials(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue every eligible elector a code (mail-merge CSV and/or email), or reissue one code."""
    contest = get_object_or_404(Contest, pk=pk)
    if request.method == "GET":
        return _credentials_page(request, contest)
    action = request.POST.get("action", "")
    vote_url = request.build_absolute_uri(reverse("elections:vote"))
    actor = _actor(request)
    if action == "issue":
        try:
            issued = voting.issue_credentials(contest, actor)
        except lifecycle.TransitionRefused as exc:
            return _detail(request, contest, str(exc), status=409)
        if request.POST.get("delivery") == "email":
            to_mail = [row for row in issued if row.email]
            with get_connection() as connection:
                sent = connection.send_messages([_message(contest, vote_url, r) for r in to_mail])
            audit.record("credentials emailed", actor, contest, {"emails": sent or 0})
            rest = [row for row in issued if not row.email]
            if not rest:
                messages.success(
                    request, f"{len(issued)} credentials issued and {sent or 0} emails sent."
                )
                return redirect("elections:officer_contest", pk=contest.pk)
            return _mail_merge(contest, vote_url, rest)
        return _mail_merge(contest, vote_url, issued)
    if action == "reissue":
        member_no = request.POST.get("member_no", "").strip()
        elector = (
            Elector.objects.filter(contest=contest, eligible=True, member__member_no=member_no)
            .select_related("member")
            .first()
            if member_no
            else None
        )
        error = ""
        code = ""
        if not member_no:
            error = "Enter the elector's membership number."
        elif elector is None:
            error = f"No eligible elector in this contest has membership number {member_no}."
        else:
            try:
                code = voting.reissue_credential(contest, elector, actor)
            except Credential.DoesNotExist:
                error = f"Elector {member_no} has no credential to reissue."
            except voting.VoteRefused as exc:
                error = str(exc)
        if error:
            return _credentials_page(
                request,
                contest,
                {
                    "member_no": member_no,
                    "member_error": error,
                    "form_errors": [{"field": "member_no", "message": error}],
                },
                status=400,
            )
        row = voting.IssuedCode(
            elector.member.member_no, elector.member.name, elector.member.email, code
        )
        if request.POST.get("email") and row.email:
            send_mail(
                f"Your new voting code: {contest.title}",
                _message(contest, vote_url, row).body,
                None,
                [row.email],
            )
            messages.success(request, f"The new code was emailed to {row.email}.")
        return _credentials_page(request, contest, {"shown_codes": [row]})
    return _credentials_page(request, contest, status=400)


# -- register import ---------------------------------------------------------------


def _register_page(
    request: HttpRequest, extra: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    organisations = list(Organisation.objects.order_by("name"))
    context = {
        "organisations": organisations,
        "selected_org": organisations[0].pk if organisations else None,
        "required": register_import.REQUIRED_COLUMNS,
        "optional": [
            c for c in register_import.COLUMNS if c not in register_import.REQUIRED_COLUMNS
        ]
        + list(register_import.EXTRA_COLUMNS),
        "report": None,
        "form_errors": [],
        **(extra or {}),
    }
    return _page(request, "elections/officer/register_import.html", context, status)


@require_http_methods(["GET", "POST"])
@requires(OFFICER)
def register(request: HttpRequest) -> HttpResponse:
    """Upload a register CSV: "check" shows the validation report; "save" writes it."""
    if request.method == "GET":
        return _register_page(request)
    organisation = Organisation.objects.filter(pk=request.POST.get("organisation") or 0).first()
    if organisation is None:
        error = "Choose the organisation whose register this is."
        return _register_page(
            request,
            {
                "organisation_error": error,
                "form_errors": [{"field": "organisation", "message": error}],
            },
            status=400,
        )
    if request.POST.get("action") == "save":
        try:
            text = base64.b64decode(request.POST.get("csv_text", ""), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            text = ""
        filename = request.POST.get("filename", "register.csv")
        if not text or register_import.digest(text) != request.POST.get("digest"):
            messages.error(request, "The checked file did not come back intact; upload it again.")
            return redirect("elections:officer_register")
        report = register_import.check(organisation, filename, text)
        if report.problem:
            return _register_page(request, {"report": _report_view(report)}, status=400)
        saved = register_import.save(report, _actor(request))
        messages.success(request, f"{saved} people saved to the register of {organisation.name}.")
        return redirect("elections:officer_register")
    upload = request.FILES.get("register")
    if upload is None:
        error = "Choose a register file (CSV) to upload."
        return _register_page(
            request,
            {
                "file_error": error,
                "selected_org": organisation.pk,
                "form_errors": [{"field": "register", "message": error}],
            },
            status=400,
        )
    filename = upload.name or "register.csv"
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        error = f"{filename} is not UTF-8 text ({exc.reason}). Save it as “CSV UTF-8”."
        return _register_page(
            request,
            {
                "file_error": error,
                "selected_org": organisation.pk,
                "form_errors": [{"field": "register", "message": error}],
            },
            status=400,
        )
    report = register_import.check(organisation, filename, text)
    return _register_page(
        request,
        {"report": _report_view(report), "selected_org": organisation.pk},
        status=400 if report.problem else 200,
    )


def _report_view(report: register_import.Report) -> register_import.Report:
    """The report with its text base64-encoded for the hidden field of the save form."""
    report.text = base64.b64encode(report.text.encode("utf-8")).decode("ascii")
    return report


# -- results and audit ----------------------------------------------------------------


def sheet_fragment(sheet_html: str) -> SafeString:
    """The inside of a result sheet's ``<main>`` without its ``<h1>``, to embed in a page.

    The sheet is rendered by :func:`selectorate.reports.html.render_html`, which
    escapes every name, so its markup is trusted here.
    """
    match = re.search(r"<main>(.*)</main>", sheet_html, re.S)
    inner = match.group(1) if match else ""
    inner = re.sub(r"<h1>.*?</h1>", "", inner, count=1, flags=re.S)
    return mark_safe(inner)  # generated and escaped by our own renderer


def _result_page(request: HttpRequest, pk: int) -> HttpResponse:
    contest = get_object_or_404(Contest, pk=pk)
    result = Result.objects.filter(contest=contest).first()
    if contest.state not in _COUNTED or result is None:
        raise Http404("This contest has not been counted.")
    return _page(
        request,
        "elections/officer/results.html",
        {"contest": contest, "result": result, "sheet": sheet_fragment(result.sheet_html)},
    )


@require_GET
@requires(OFFICER)
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """The result sheet after the count (before and after publication)."""
    return _result_page(request, pk)


@require_GET
@requires(SCRUTINEER, OFFICER)
def scrutineer_count(request: HttpRequest, pk: int) -> HttpResponse:
    """The count, for scrutineers (read-only)."""
    return _result_page(request, pk)


@require_GET
@requires(SCRUTINEER, OFFICER)
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, with the whole hash chain verified; ``?contest=ID`` filters it."""
    entries = AuditEntry.objects.order_by("seq")
    contest = None
    if request.GET.get("contest", "").isdigit():
        contest = get_object_or_404(Contest, pk=int(request.GET["contest"]))
        entries = entries.filter(contest=contest)
    total = AuditEntry.objects.count()
    shown = entries.count()
    rows = list(entries[max(0, shown - _AUDIT_PAGE) :])
    for row in rows:
        row.details_text = json.dumps(row.details, sort_keys=True, ensure_ascii=False)
    bad = audit.verify_chain()
    return _page(
        request,
        "elections/scrutineer/audit.html",
        {
            "entries": rows,
            "contest": contest,
            "chain_ok": bad is None,
            "bad_seq": bad,
            "total": total,
            "truncated": shown > _AUDIT_PAGE,
            "pending": audit.pending_count(),
        },
    )
