"""The voter's "lost my code" page: a new code by email, the same reply for everyone.

A member who has lost their voting code enters the email address the register
holds for them. For every ballot whose electorate is frozen with them on it as
eligible, whose codes are issued (``credentials``) or whose voting is open,
and in which they have not voted yet, the service issues a new one-time code
(:func:`.voting.reissue_credential`: the old code stops working, the reissue
is audited) and emails it to that address — the address on the register, never
one typed on the page.

The page answers every well-formed request with the same page, byte for byte
apart from the CSRF token ("If this address is on the register …"), whether
or not the address is on a register, has voted, or was emailed: the reply
tells nobody whether someone is a member or an elector. Only a malformed
address gets a different answer, which depends on what was typed alone.

The codes are emailed only after the reissue has committed, so nobody is sent
a code that was not stored; the email backend is Django's (``EMAIL_BACKEND``).
No rate limit yet: each request costs the member nothing but a fresh code in
their own inbox.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from selectorate.web.elections import voting
from selectorate.web.elections.models import Contest, Credential

#: Who the audit log names as asking for the reissue.
ACTOR = "voter (lost-code page)"
#: States in which a lost code is replaced.
REISSUE_STATES = (Contest.CREDENTIALS, Contest.OPEN)
_TEMPLATE = "elections/vote/lost_code.html"


def _page(request: HttpRequest, email: str = "", error: str = "", sent: bool = False,
          status: int = 200) -> HttpResponse:
    context = {
        "email": email,
        "email_error": error,
        "form_errors": [{"field": "email", "message": error}] if error else [],
        "sent": sent,
    }
    return render(request, _TEMPLATE, context, status=status)


def _message(contest: Contest, name: str, email: str, code: str, vote_url: str) -> EmailMessage:
    body = (
        f"Dear {name},\n\n"
        f"A new voting code was asked for on the \u201clost my code\u201d page for "
        f"\u201c{contest.title}\u201d ({contest.organisation.name}).\n\n"
        f"Your new one-time voting code is:\n\n    {code}\n\n"
        f"Your previous code no longer works. Vote at {vote_url} while voting is open. "
        "The code works once; keep it private.\n"
        "If you did not ask for a new code, you can still vote with this one; tell the "
        "returning officer.\n"
        "Your vote is secret: nobody, including the officers, can see how you voted.\n"
    )
    return EmailMessage(f"Your new voting code: {contest.title}", body, to=[email])


def reissue_by_email(email: str, vote_url: str) -> int:
    """Reissue and email a code for every open ballot of every elector with this address.

    Returns how many codes were emailed (0 when the address is on no such
    roll). The reissues commit before any email is sent.
    """
    credentials = (
        Credential.objects.filter(
            used=False,
            elector__eligible=True,
            elector__member__email__iexact=email,
            contest__state__in=REISSUE_STATES,
        )
        .select_related("contest__organisation", "elector__member")
        .order_by("contest_id", "elector__member__member_no")
    )
    outgoing: list[EmailMessage] = []
    with transaction.atomic():
        for credential in credentials:
            elector = credential.elector
            try:
                code = voting.reissue_credential(credential.contest, elector, ACTOR)
            except voting.VoteRefused:
                continue  # voted (or closed) meanwhile: nothing to send
            member = elector.member
            outgoing.append(_message(credential.contest, member.name, member.email, code,
                                     vote_url))
    if not outgoing:
        return 0
    with get_connection() as connection:
        return connection.send_messages(outgoing) or 0


@transaction.non_atomic_requests  # the reissue commits on its own before the emails go
@never_cache
@require_http_methods(["GET", "POST"])
def lost_code(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: reissue by email if on a roll; the same reply either way."""
    if request.method == "GET":
        return _page(request)
    email = request.POST.get("email", "").strip()
    if not email:
        return _page(request, email, "Enter the email address the register holds for you.",
                     status=400)
    try:
        validate_email(email)
    except ValidationError:
        return _page(request, email, "Enter an email address like name@example.org.",
                     status=400)
    reissue_by_email(email, request.build_absolute_uri(reverse("elections:vote")))
    return _page(request, sent=True)
