"""A JSON API for officers' automation (django-ninja), with its OpenAPI schema.

Mounted at ``/api/``; the schema is ``/api/openapi.json``. Every endpoint needs
an officer (a member of the ``officer`` group, or a superuser), by either

* the **session** of an officer logged in to the site (unsafe methods then
  need Django's CSRF token, as any form post does), or
* a **bearer token** (``Authorization: Bearer <token>``) that an officer gets
  from ``POST /api/token``. The token is signed with the site's secret key and
  names the user and their password hash's digest, so it stops working when
  the password changes, the user is deactivated or leaves the officer group.
  It is valid for :data:`TOKEN_MAX_AGE` seconds.

Scrutineers (group ``scrutineer``) may call the read-only endpoints (list,
detail, result, exports), not the nominations or code-reissue endpoints.
Every refusal of a step states why, as ``detail`` with HTTP 409 (conflict
with the contest's state, or with the organisation's rulebook when creating a
contest: ``POST /api/organisations/{slug}/contests``, which answers a request's
own mistakes with 400 and every field's message). Voters do not use this API.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from selectorate.rulebooks import RulebookError
from selectorate.web.elections import (
    counting,
    exports,
    lifecycle,
    nominations,
    register_import,
    voting,
)
from selectorate.web.elections.contest_plan import PlanError, check_new, create_contest
from selectorate.web.elections.models import (
    CastBallot,
    Contest,
    Credential,
    Elector,
    Nomination,
    Organisation,
    Result,
)

#: How long an API token lasts (seconds): 30 days.
TOKEN_MAX_AGE = 30 * 24 * 3600
_TOKEN_SALT = "selectorate.web.api.token"
OFFICER, SCRUTINEER = "officer", "scrutineer"


# ------------------------------------------------------------------ who may call


def _in_group(user: Any, group: str) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.groups.filter(name=group).exists())
    )


def is_officer(user: Any) -> bool:
    """An active officer (group ``officer``) or superuser."""
    return _in_group(user, OFFICER)


def may_read(user: Any) -> bool:
    """An officer or a scrutineer (read-only)."""
    return is_officer(user) or _in_group(user, SCRUTINEER)


def make_token(user: AbstractBaseUser) -> str:
    """A signed API token for ``user`` (tied to their current password)."""
    return signing.dumps(
        {"u": user.pk, "h": user.get_session_auth_hash()}, salt=_TOKEN_SALT, compress=True
    )


def user_from_token(token: str) -> Any:
    """The active user a token names, or None if it is forged, expired or stale."""
    try:
        payload = signing.loads(token, salt=_TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    user = get_user_model().objects.filter(pk=payload.get("u"), is_active=True).first()
    if user is None or user.get_session_auth_hash() != payload.get("h"):
        return None
    return user


class _Bearer(HttpBearer):
    def __init__(self, check: Any) -> None:
        super().__init__()
        self.check = check

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_from_token(token)
        if user is not None and self.check(user):
            request.user = user
            return user
        return None


class _Session(SessionAuth):
    def __init__(self, check: Any) -> None:
        super().__init__()
        self.check = check

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and self.check(user) else None


OFFICERS = [_Bearer(is_officer), _Session(is_officer)]
READERS = [_Bearer(may_read), _Session(may_read)]

api = NinjaAPI(
    title="selectorate",
    version="1",
    description="Officers' automation: contests, their life, credentials, counts and results.",
    urls_namespace="selectorate-api",
    docs_url=None,
    auth=OFFICERS,
)


def _actor(request: HttpRequest) -> str:
    return request.user.get_username()


# ------------------------------------------------------------------ schemas


class Message(Schema):
    """A refusal or error: one clear sentence."""

    detail: str


class FieldErrors(Schema):
    """The request's mistakes: nothing was created. ``errors`` maps each field to a sentence."""

    detail: str
    errors: dict[str, str]


class ValidationErrors(Schema):
    """A body that is not JSON of the declared shape (django-ninja's validation report)."""

    detail: list[dict[str, Any]]


class TokenOut(Schema):
    """An API token and how long it lasts."""

    token: str
    max_age_seconds: int


class CandidateOut(Schema):
    """A choice on the ballot, by position."""

    position: int
    name: str


class ContestOut(Schema):
    """A contest as listed."""

    id: int
    organisation: str
    title: str
    kind: str
    state: str
    method: str
    seats: int
    next_states: list[str]


class LeadershipCaseOut(Schema):
    """Which leadership election a contest is (fixed when it was created)."""

    office: str
    #: ``vacancy`` or ``challenge``.
    case: str
    #: The sitting holder in a challenge ("" for a vacancy).
    incumbent: str
    #: In words, e.g. "challenge to the sitting leader, Ash".
    label: str


class ContestDetail(ContestOut):
    """A contest with its candidates and electorate figures."""

    rulebook_id: str
    subject: str
    freeze_date: date | None
    #: A leadership election's case; None for other kinds.
    leadership: LeadershipCaseOut | None = None
    candidates: list[CandidateOut]
    electors: int
    eligible: int
    credentials: int
    #: Ballots cast: only once voting is closed (turnout is not shown while it is open).
    ballots_cast: int | None


class TransitionIn(Schema):
    """The state to move a contest to."""

    to_state: str


class RegisterIn(Schema):
    """A register as CSV text (the columns ``selectorate eligibility`` reads, plus
    optional ``email`` and ``unit``)."""

    filename: str = "register.csv"
    csv: str
    #: Check only; save nothing.
    dry_run: bool = False


class RegisterReport(Schema):
    """What the import did (or would do); nothing is saved when ``problem`` is set."""

    saved: bool
    problem: str
    total: int
    new: int
    updated: int
    unchanged: int
    skipped: list[str]
    notes: list[str]
    sha256: str


class IssuedCodeOut(Schema):
    """One voter's code for the mail merge — returned once, stored only as a hash."""

    member_no: str
    name: str
    email: str
    code: str


class CredentialsOut(Schema):
    """Codes issued by one call (never returned again)."""

    issued: int
    codes: list[IssuedCodeOut]


class ResultOut(Schema):
    """A stored count: selectorate's native result JSON, and whether it is published."""

    contest: int
    state: str
    published_at: str | None
    result: dict[str, Any]


# ------------------------------------------------------------------ helpers


def _contest(contest_id: int) -> Contest:
    return get_object_or_404(Contest.objects.select_related("organisation"), pk=contest_id)


def _contest_out(contest: Contest) -> dict[str, Any]:
    return {
        "id": contest.pk,
        "organisation": contest.organisation.slug,
        "title": contest.title,
        "kind": contest.kind,
        "state": contest.state,
        "method": contest.method,
        "seats": contest.seats,
        "next_states": list(lifecycle.allowed_targets(contest)),
    }


def _leadership_out(contest: Contest) -> dict[str, str] | None:
    lc = nominations.leadership_case(contest)
    if lc is None:
        return None
    return {"office": lc.office, "case": lc.case, "incumbent": lc.incumbent, "label": lc.label}


def _detail(contest: Contest) -> dict[str, Any]:
    closed = contest.state in exports.EXPORTABLE_STATES
    electors = Elector.objects.filter(contest=contest)
    return {
        **_contest_out(contest),
        "rulebook_id": contest.rulebook_id,
        "subject": contest.subject,
        "freeze_date": contest.freeze_date,
        "leadership": _leadership_out(contest),
        "candidates": [
            {"position": c.position, "name": c.name}
            for c in contest.candidates.order_by("position")
        ],
        "electors": electors.count(),
        "eligible": electors.filter(eligible=True).count(),
        "credentials": Credential.objects.filter(contest=contest).count(),
        "ballots_cast": CastBallot.objects.filter(contest=contest).count() if closed else None,
    }


def _refused(exc: Exception) -> HttpError:
    return HttpError(409, str(exc))


# ------------------------------------------------------------------ endpoints


@api.post("/token", response={200: TokenOut, 401: Message, 403: Message},
          auth=[_Session(is_officer)])
def token(request: HttpRequest) -> dict[str, Any]:
    """A bearer token for the logged-in officer (session login, CSRF token required)."""
    return {"token": make_token(request.user), "max_age_seconds": TOKEN_MAX_AGE}


@api.get("/contests", response=list[ContestOut], auth=READERS)
def list_contests(request: HttpRequest, organisation: str | None = None) -> list[dict[str, Any]]:
    """Every contest (optionally of one organisation, by slug), oldest first."""
    contests = Contest.objects.select_related("organisation").order_by("created_at", "id")
    if organisation:
        contests = contests.filter(organisation__slug=organisation)
    return [_contest_out(c) for c in contests]


@api.get(
    "/contests/{contest_id}",
    response={200: ContestDetail, 404: Message, 422: ValidationErrors},
    auth=READERS,
)
def contest_detail(request: HttpRequest, contest_id: int) -> dict[str, Any]:
    """One contest: its state, candidates and electorate figures."""
    return _detail(_contest(contest_id))


# ------------------------------------------------------------------ a new contest


class ContestIn(Schema):
    """A new contest from the organisation's rulebook procedure (as on the "New contest" page).

    The rulebook supplies the counting method, seats and options. Motions, card
    votes and trigger ballots have a fixed ballot (``candidates`` is ignored).
    """

    #: ``motion``, ``trigger_ballot``, ``selection``, ``leadership``, ``stv_executive``
    #: or ``card_vote``.
    kind: str = ""
    title: str = ""
    #: YYYY-MM-DD; may be set later, but the electorate cannot be frozen without it.
    freeze_date: str = ""
    subject: str = ""
    #: Names in ballot order (kinds without a fixed ballot).
    candidates: list[str] = []
    #: Leadership only: one of the rulebook's offices (default: its first, e.g. "leader").
    office: str = ""
    #: Leadership only: ``vacancy`` (default) or ``challenge`` where the rulebook has one.
    case: str = ""
    #: Leadership challenge only: the sitting holder, one of ``candidates``.
    incumbent: str = ""


class RuleOut(Schema):
    """One rule the contest follows: its value, the file or amendment that says it, the source."""

    label: str
    value: str
    where: str
    source: str


class CreatedContest(ContestDetail):
    """The new contest (in draft) and the rulebook's rules it follows."""

    procedure: str
    rules: list[RuleOut]


class PlanRefused(Schema):
    """The organisation's rulebook cannot govern the contest asked for; ``field`` says which
    part of the request (``kind``, ``office`` or ``case``)."""

    detail: str
    field: str


#: Request fields in the order their mistakes are reported.
_FIELD_ORDER = ("organisation", "kind", "office", "case", "incumbent", "title", "freeze_date",
                "subject", "candidates")


@api.post(
    "/organisations/{slug}/contests",
    response={200: CreatedContest, 400: FieldErrors | Message, 401: Message, 404: Message,
              409: PlanRefused, 422: ValidationErrors},
)
def create_contest_endpoint(request: HttpRequest, slug: str, body: ContestIn) -> Any:
    """Create a contest in draft from the organisation's rulebook procedure (officers only).

    The same checks and audit entry as the officers' "New contest" page: 400
    with every field's mistake; 409 when the rulebook has no procedure for the
    kind, no such office, or no challenge to a sitting holder.
    """
    organisation = get_object_or_404(Organisation, slug=slug)
    try:
        new, errors = check_new(
            organisation, body.kind.strip(), body.title, body.freeze_date, body.subject,
            body.candidates, office=body.office, case=body.case, incumbent=body.incumbent,
        )
    except PlanError as exc:
        return JsonResponse({"detail": f"{exc}.", "field": exc.field}, status=409)
    except RulebookError as exc:
        return JsonResponse({"detail": str(exc), "field": "kind"}, status=409)
    if new is None:
        detail = " ".join(errors[k] for k in sorted(errors, key=_FIELD_ORDER.index))
        return JsonResponse({"detail": detail, "errors": errors}, status=400)
    contest = create_contest(new, _actor(request))
    return {
        **_detail(_contest(contest.pk)),
        "procedure": new.plan.procedure,
        "rules": [r.to_dict() for r in new.plan.rules],
    }


@api.post(
    "/contests/{contest_id}/transition",
    response={200: ContestDetail, 400: Message, 409: Message, 404: Message, 422: ValidationErrors},
)
def transition(request: HttpRequest, contest_id: int, body: TransitionIn) -> dict[str, Any]:
    """Move a contest to its next state; 409 with the reason when a precondition fails.

    Issuing credentials and counting have their own endpoints (they do the work
    the step needs); this one does every other step.
    """
    contest = _contest(contest_id)
    if body.to_state == Contest.CREDENTIALS and contest.state == Contest.FROZEN:
        raise HttpError(409, "Issue credentials with POST /api/contests/{id}/credentials.")
    if body.to_state == Contest.COUNTED and contest.state == Contest.CLOSED:
        raise HttpError(409, "Count the contest with POST /api/contests/{id}/count.")
    try:
        lifecycle.transition(contest, body.to_state, _actor(request))
    except lifecycle.TransitionRefused as exc:
        raise _refused(exc) from None
    return _detail(_contest(contest_id))


@api.post(
    "/organisations/{slug}/register",
    response={200: RegisterReport, 400: RegisterReport | Message, 404: Message,
              422: ValidationErrors},
)
def import_register(request: HttpRequest, slug: str, body: RegisterIn) -> Any:
    """Check a register (CSV text) and, unless ``dry_run``, save it: all rows or none."""
    organisation = get_object_or_404(Organisation, slug=slug)
    report = register_import.check(organisation, body.filename, body.csv)
    saved = False
    if not report.problem and not body.dry_run:
        register_import.save(report, _actor(request))
        saved = True
    out = {
        "saved": saved,
        "problem": report.problem,
        "total": report.total,
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped": report.skipped,
        "notes": report.notes,
        "sha256": report.digest,
    }
    return JsonResponse(out, status=400) if report.problem else out


@api.post(
    "/contests/{contest_id}/credentials",
    response={200: CredentialsOut, 409: Message, 404: Message, 422: ValidationErrors},
)
def issue_credentials(request: HttpRequest, contest_id: int) -> dict[str, Any]:
    """Issue a one-time code to every eligible elector of a frozen contest.

    The codes are in this response only: the service keeps their hashes.
    """
    contest = _contest(contest_id)
    try:
        issued = voting.issue_credentials(contest, _actor(request))
    except (lifecycle.TransitionRefused, voting.VoteRefused) as exc:
        raise _refused(exc) from None
    return {
        "issued": len(issued),
        "codes": [
            {"member_no": c.member_no, "name": c.name, "email": c.email, "code": c.code}
            for c in issued
        ],
    }


def _result_out(contest: Contest, result: Result) -> dict[str, Any]:
    return {
        "contest": contest.pk,
        "state": contest.state,
        "published_at": result.published_at.isoformat() if result.published_at else None,
        "result": json.loads(result.result_json),
    }


@api.post(
    "/contests/{contest_id}/count",
    response={200: ResultOut, 409: Message, 404: Message, 422: ValidationErrors},
)
def count(request: HttpRequest, contest_id: int) -> dict[str, Any]:
    """Count a closed contest through the counting core and store the result."""
    contest = _contest(contest_id)
    try:
        result = counting.count_contest(contest, _actor(request))
    except lifecycle.TransitionRefused as exc:
        raise _refused(exc) from None
    return _result_out(_contest(contest_id), result)


@api.get(
    "/contests/{contest_id}/result",
    response={200: ResultOut, 409: Message, 404: Message, 422: ValidationErrors},
    auth=READERS,
)
def result(request: HttpRequest, contest_id: int) -> dict[str, Any]:
    """The stored result (selectorate's native JSON); 409 until the contest is counted."""
    contest = _contest(contest_id)
    stored = Result.objects.filter(contest=contest).first()
    if stored is None or contest.state not in (Contest.COUNTED, Contest.PUBLISHED):
        raise HttpError(409, f"“{contest.title}” has not been counted.")
    return _result_out(contest, stored)


@api.get(
    "/contests/{contest_id}/export/{fmt}",
    response={409: Message, 404: Message, 422: ValidationErrors},
    auth=READERS,
    openapi_extra={"responses": {"200": {"description": "The ballots", "content": {
        "text/plain": {"schema": {"type": "string"}},
        "text/csv": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "object"}},
    }}}},
)
def export(request: HttpRequest, contest_id: int, fmt: str) -> HttpResponse:
    """The anonymised, shuffled ballots of a closed contest: ``blt``, ``csv`` or ``cdf``."""
    contest = _contest(contest_id)
    if fmt not in exports.FORMATS:
        raise HttpError(404, f"Unknown export format {fmt!r}.")
    try:
        text = exports.export(contest, fmt)
    except exports.ExportRefused as exc:
        raise _refused(exc) from None
    response = HttpResponse(text, content_type=exports.FORMATS[fmt][1])
    name = exports.export_filename(contest, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@api.get(
    "/contests/{contest_id}/record",
    response={409: Message, 404: Message, 422: ValidationErrors},
    auth=READERS,
    openapi_extra={"responses": {"200": {"description": "The published record", "content": {
        "application/zip": {"schema": {"type": "string", "format": "binary"}},
    }}}},
)
def record(request: HttpRequest, contest_id: int) -> HttpResponse:
    """The published record (zip: ``result.json`` + ``ballots.blt``) for ``selectorate verify``."""
    contest = _contest(contest_id)
    try:
        data = exports.published_record_zip(contest)
    except exports.ExportRefused as exc:
        raise _refused(exc) from None
    response = HttpResponse(data, content_type="application/zip")
    name = f"{contest.organisation.slug}-contest-{contest.pk}-record.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ------------------------------------------------------------------ nominations, reissue


class NominationIn(Schema):
    """One nomination: the candidate (ballot position) and who nominates them."""

    candidate: int
    #: ``mp``, ``clp``, ``affiliate``, ``branch`` or ``member``.
    nominator_kind: str
    nominator_name: str


class NominationOut(Schema):
    """A recorded nomination."""

    candidate: int
    candidate_name: str
    nominator_kind: str
    nominator_name: str


class UnqualifiedOut(Schema):
    """A candidate the rulebook keeps off the ballot, and why."""

    candidate: int
    name: str
    decision: str
    summary: str
    reasons: list[str]


class NominationsOut(Schema):
    """A contest's nominations checked against its rulebook's thresholds."""

    contest: int
    state: str
    #: Whether the contest's procedure sets nomination thresholds.
    checked: bool
    nominations: list[NominationOut]
    #: The procedure's explained outcome (selectorate's Outcome as a dict), or None.
    outcome: dict[str, Any] | None
    unqualified: list[UnqualifiedOut]
    unsettled: list[str]
    #: Why the contest may not leave nominations yet ("" when it may).
    refusal: str
    #: A leadership election's case (the thresholds depend on it); None for other kinds.
    leadership: LeadershipCaseOut | None = None


class ReissuedCodeOut(Schema):
    """One elector's new code — returned once, stored only as a hash; the old code stops."""

    member_no: str
    name: str
    email: str
    code: str


def _nominations_out(contest: Contest) -> dict[str, Any]:
    outcome = nominations.check(contest)
    off: list[nominations.Disqualified] = []
    unsettled: list[str] = []
    if outcome is not None:
        off, unsettled = nominations.unqualified(contest, outcome)
    rows = Nomination.objects.filter(contest=contest).select_related("candidate")
    return {
        "contest": contest.pk,
        "state": contest.state,
        "checked": contest.kind in nominations.CHECKED_KINDS,
        "nominations": [
            {
                "candidate": n.candidate.position,
                "candidate_name": n.candidate.name,
                "nominator_kind": n.nominator_kind,
                "nominator_name": n.nominator_name,
            }
            for n in rows
        ],
        "outcome": outcome.to_dict() if outcome is not None else None,
        "unqualified": [
            {
                "candidate": d.candidate.position,
                "name": d.candidate.name,
                "decision": d.decision,
                "summary": d.summary,
                "reasons": d.reasons,
            }
            for d in off
        ],
        "unsettled": unsettled,
        "refusal": nominations.refusal(contest),
        "leadership": _leadership_out(contest),
    }


@api.get(
    "/contests/{contest_id}/nominations",
    response={200: NominationsOut, 404: Message, 422: ValidationErrors},
)
def check_nominations(request: HttpRequest, contest_id: int) -> dict[str, Any]:
    """The contest's nominations and their check against the rulebook (officers only)."""
    return _nominations_out(_contest(contest_id))


@api.post(
    "/contests/{contest_id}/nominations",
    response={200: NominationsOut, 400: Message, 404: Message, 409: Message,
              422: ValidationErrors},
)
def record_nomination(request: HttpRequest, contest_id: int, body: NominationIn) -> Any:
    """Record one nomination while nominations are open; returns the updated check.

    409 with the reason when nominations are not open, the nominator kind or
    name is not acceptable, or this nominator has already nominated the candidate.
    """
    contest = _contest(contest_id)
    candidate = contest.candidates.filter(position=body.candidate).first()
    if candidate is None:
        raise HttpError(404, f"No candidate at position {body.candidate} in “{contest.title}”.")
    try:
        nominations.record_nomination(
            contest, candidate, body.nominator_kind, body.nominator_name, _actor(request)
        )
    except nominations.NominationRefused as exc:
        raise _refused(exc) from None
    return _nominations_out(_contest(contest_id))


@api.post(
    "/contests/{contest_id}/electors/{member_no}/reissue",
    response={200: ReissuedCodeOut, 404: Message, 409: Message, 422: ValidationErrors},
)
def reissue_code(request: HttpRequest, contest_id: int, member_no: str) -> dict[str, Any]:
    """A new one-time code for one elector (the old code stops working).

    The code is in this response only. 409 unless credentials are issued or
    voting is open, or when the elector has already voted.
    """
    contest = _contest(contest_id)
    elector = (
        Elector.objects.filter(contest=contest, member__member_no=member_no, eligible=True)
        .select_related("member")
        .first()
    )
    if elector is None or not Credential.objects.filter(elector=elector).exists():
        raise HttpError(404, f"Member {member_no} holds no voting code in “{contest.title}”.")
    try:
        code = voting.reissue_credential(contest, elector, _actor(request))
    except voting.VoteRefused as exc:
        raise _refused(exc) from None
    m = elector.member
    return {"member_no": m.member_no, "name": m.name, "email": m.email, "code": code}
