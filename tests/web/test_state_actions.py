"""State × action: every action tried in every state of a contest's life.

The states are generated from the lifecycle's own table
(:data:`selectorate.web.elections.lifecycle.ALLOWED`), and so are the transition
actions (one per target state, through the officer's button and through the
API); the other actions are the service's: issue credentials, reissue a code
(officer page, API, and the voter's "lost my code" page), cast a ballot,
record a nomination (page, API), import a register, count, export the ballots,
the published record, the result pages, and editing candidates in the admin.

What is *expected* to succeed is written out in :data:`EXPECTED`, from the
contract (docs/web.md "A contest's life", notes/web_contract.md and the
preconditions listed in lifecycle's docstring) — not derived from the code
under test. A pair that is not expected must be refused with a clear message
(a 4xx answer whose text names the reason) and change nothing: the contest's
state, the audit chain's length, ballots, credentials, candidates, nominations,
the frozen electorate, the result and the register are compared before and after.

Each action runs inside a savepoint rolled back afterwards, on one contest per
state built through the real lifecycle (two ballots cast once open).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.db import transaction
from django.test import Client
from proof_world import form_fields, page_text
from web_factories import contest, organisation

from selectorate.web.elections import counting, lifecycle, models, register_import, voting
from selectorate.web.elections.models import (
    AuditEntry,
    CastBallot,
    Contest,
    Credential,
    Elector,
    Member,
    Nomination,
    Result,
)

pytestmark = pytest.mark.django_db

#: The states, in order, from the lifecycle's own table.
STATES = list(lifecycle.ALLOWED)
EVERY = frozenset(STATES)
NAMES = ("Ash", "Birch", "Cedar", "Damson")

#: action → the states in which it succeeds. Written from the contract, not the code:
#: draft → nominations → frozen → credentials → open → closed → counted → published,
#: frozen straight from draft allowed (a contest without nominations), nothing back to
#: draft, nothing after published; credentials only once frozen (the officer's "Issue
#: voting credentials" button leads to the issuing page, the API has its own endpoint),
#: counting only once closed (the button counts; the API has its own endpoint), publishing
#: only once counted; codes reissued only while credentials are out or voting is open;
#: ballots cast only while open; nominations recorded only while they are open; a
#: register imported at any time (the frozen electorate does not move); ballots exported
#: once voting is over, the published record and the result sheet once counted, the public
#: result once published; candidates edited only until the electorate is frozen (the
#: nomination thresholds are checked when nominations close, the ballot is fixed after).
EXPECTED: dict[str, frozenset[str]] = {
    "button → draft": frozenset(),
    "button → nominations": frozenset({"draft"}),
    "button → frozen": frozenset({"draft", "nominations"}),
    "button → credentials": frozenset({"frozen"}),
    "button → open": frozenset({"credentials"}),
    "button → closed": frozenset({"open"}),
    "button → counted": frozenset({"closed"}),
    "button → published": frozenset({"counted"}),
    "API → draft": frozenset(),
    "API → nominations": frozenset({"draft"}),
    "API → frozen": frozenset({"draft", "nominations"}),
    "API → credentials": frozenset(),
    "API → open": frozenset({"credentials"}),
    "API → closed": frozenset({"open"}),
    "API → counted": frozenset(),
    "API → published": frozenset({"counted"}),
    "issue credentials (page)": frozenset({"frozen"}),
    "issue credentials (API)": frozenset({"frozen"}),
    "reissue a code (page)": frozenset({"credentials", "open"}),
    "reissue a code (API)": frozenset({"credentials", "open"}),
    "reissue a code (lost-code page)": frozenset({"credentials", "open"}),
    "cast a ballot": frozenset({"open"}),
    "record a nomination (page)": frozenset({"nominations"}),
    "record a nomination (API)": frozenset({"nominations"}),
    "import the register": EVERY,
    "count (API)": frozenset({"closed"}),
    "export ballots (API)": frozenset({"closed", "counted", "published"}),
    "published record (API)": frozenset({"counted", "published"}),
    "result sheet (officer page)": frozenset({"counted", "published"}),
    "result (public page)": frozenset({"published"}),
    "edit candidates (admin)": frozenset({"draft", "nominations"}),
}

REGISTER = (
    "member_id,name,category,status,joined,paid_up_to,email\n"
    "N1,New Person,member,active,2021-05-01,2025-01-01,new@example.org\n"
    "M0001,Member 1,member,suspended,2020-01-01,2020-01-01,m1@example.org\n"
)


# -- the world ------------------------------------------------------------------------


@dataclass
class Ctx:
    """One contest per state, their unused codes by member number, and signed-in clients."""

    contests: dict[str, Contest]
    codes: dict[str, dict[str, str]]
    officer: User
    root: User

    def client(self, user: User | None) -> Client:
        """A client signed in as ``user`` (anonymous for None)."""
        client = Client()
        if user is not None:
            client.force_login(user)
        return client


def _reach(org, state: str) -> tuple[Contest, dict[str, str]]:
    c = contest(org, names=NAMES)
    Contest.objects.filter(pk=c.pk).update(title=f"Contest {state}")
    c.refresh_from_db()
    codes: dict[str, str] = {}
    for step in STATES[1 : STATES.index(state) + 1]:
        if step == Contest.CREDENTIALS:
            codes = {i.member_no: i.code for i in voting.issue_credentials(c, "officer")}
        elif step == Contest.COUNTED:
            counting.count_contest(c, "officer")
        else:
            lifecycle.transition(c, step, "officer")
        if step == Contest.OPEN:
            voting.cast(c, codes.pop("M0001"), [1, 2])
            voting.cast(c, codes.pop("M0002"), [2])
    c.refresh_from_db()
    assert c.state == state
    return c, codes


@pytest.fixture
def ctx(settings) -> Ctx:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    org = organisation(members=6)
    built = {s: _reach(org, s) for s in STATES}
    officer = User.objects.create_user("ro", password="x")
    officer.groups.add(Group.objects.get_or_create(name="officer")[0])
    root = User.objects.create_user("root", password="x", is_staff=True, is_superuser=True)
    return Ctx({s: c for s, (c, _) in built.items()},
               {s: codes for s, (_, codes) in built.items()}, officer, root)


# -- what "changed nothing" compares ------------------------------------------------------


def _audit_length(c: Contest) -> int:
    """Audit lines about this contest or none (other contests' lines are their business)."""
    rows = AuditEntry.objects.filter(contest=c).count() + AuditEntry.objects.filter(
        contest__isnull=True).count()
    pending = getattr(models, "PendingAuditEntry", None)  # lines waiting to be chained
    if pending is not None:
        rows += pending.objects.filter(contest=c).count()
    return rows


def snapshot(c: Contest) -> dict[str, Any]:
    """Everything an action could change about a contest (and the register)."""
    result = Result.objects.filter(contest=c).first()
    return {
        "state": Contest.objects.get(pk=c.pk).state,
        "audit": _audit_length(c),
        "ballots": CastBallot.objects.filter(contest=c).count(),
        "credentials": sorted(Credential.objects.filter(contest=c)
                              .values_list("elector__member__member_no", "code_hash", "used")),
        "candidates": list(c.candidates.order_by("position").values_list("position", "name")),
        "nominations": Nomination.objects.filter(contest=c).count(),
        "electors": sorted(Elector.objects.filter(contest=c)
                           .values_list("member_id", "eligible", "reason")),
        "result": (result is not None, result is not None and result.published_at is not None),
        "register": sorted(Member.objects.filter(organisation=c.organisation)
                           .values_list("member_no", "status")),
    }


def _code_of(before: dict, member_no: str) -> str | None:
    return next((h for m, h, _ in before["credentials"] if m == member_no), None)


# -- the actions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """An action: how to do it, and how to tell it succeeded."""

    name: str
    run: Any  # (ctx, contest, state) -> response
    done: Any  # (before, after, response, contest) -> bool


def _button(target: str) -> Action:
    def run(ctx, c, state):
        return ctx.client(ctx.officer).post(f"/officer/contests/{c.pk}/transition/",
                                            {"to_state": target})

    def done(before, after, response, c):
        if target == Contest.CREDENTIALS:  # the button leads to the issuing page
            return response.status_code == 302 and response["Location"].endswith(
                f"/officer/contests/{c.pk}/credentials/") and after == before
        return response.status_code == 302 and after["state"] == target

    return Action(f"button → {target}", run, done)


def _api(target: str) -> Action:
    def run(ctx, c, state):
        return ctx.client(ctx.officer).post(f"/api/contests/{c.pk}/transition",
                                            json.dumps({"to_state": target}),
                                            content_type="application/json")

    return Action(f"API → {target}", run,
                  lambda b, a, r, c: r.status_code == 200 and a["state"] == target)


def _post(path: str, data: dict | None = None, user: str = "officer", as_json: bool = False):
    def run(ctx, c, state):
        client = ctx.client(getattr(ctx, user) if user else None)
        url = path.format(pk=c.pk)
        body = {k: (v(ctx, c, state) if callable(v) else v) for k, v in (data or {}).items()}
        if as_json:
            return client.post(url, json.dumps(body), content_type="application/json")
        return client.post(url, body)

    return run


def _get(path: str, user: str = "officer"):
    def run(ctx, c, state):
        return ctx.client(getattr(ctx, user) if user else None).get(path.format(pk=c.pk))

    return run


def _unused_code(ctx, c, state):
    return ctx.codes[state].get("M0003", "AAAAA-BBBBB-CCCCC-DDDDD")


def _first_candidate(ctx, c, state):
    return c.candidates.order_by("position").first().pk


def _register_save(ctx, c, state):
    client = ctx.client(ctx.officer)
    text = REGISTER
    return client.post("/officer/register/", {
        "organisation": c.organisation_id, "action": "save", "filename": "register.csv",
        "csv_text": base64.b64encode(text.encode()).decode(),
        "digest": register_import.digest(text)})


def _admin_edit(ctx, c, state):
    client = ctx.client(ctx.root)
    url = f"/admin/elections/contest/{c.pk}/change/"
    page = client.get(url)
    if page.status_code != 200:
        return page
    fields = form_fields(page.content.decode(), "contest_form")
    name_field = next((k for k in fields if re.fullmatch(r"candidates-0-name", k)), None)
    if name_field is None:  # no editable candidate rows: the admin refuses the edit
        return page
    fields[name_field] = "Renamed Candidate"
    return client.post(url, fields)


def _mailed(c):
    return any(c.title in m.subject for m in mail.outbox)


ACTIONS: list[Action] = [
    *(_button(t) for t in STATES),
    *(_api(t) for t in STATES),
    Action("issue credentials (page)",
           _post("/officer/contests/{pk}/credentials/", {"action": "issue"}),
           lambda b, a, r, c: r.status_code == 200 and r["Content-Type"].startswith("text/csv")
           and a["state"] == Contest.CREDENTIALS),
    Action("issue credentials (API)", _post("/api/contests/{pk}/credentials", as_json=True),
           lambda b, a, r, c: r.status_code == 200 and a["state"] == Contest.CREDENTIALS),
    Action("reissue a code (page)",
           _post("/officer/contests/{pk}/credentials/", {"action": "reissue",
                                                          "member_no": "M0004"}),
           lambda b, a, r, c: r.status_code == 200
           and _code_of(a, "M0004") not in (None, _code_of(b, "M0004"))),
    Action("reissue a code (API)",
           _post("/api/contests/{pk}/electors/M0004/reissue", as_json=True),
           lambda b, a, r, c: r.status_code == 200
           and _code_of(a, "M0004") not in (None, _code_of(b, "M0004"))),
    Action("reissue a code (lost-code page)",
           _post("/vote/lost-code/", {"email": "m5@example.org"}, user=""),
           lambda b, a, r, c: r.status_code == 200 and _mailed(c)
           and _code_of(a, "M0005") not in (None, _code_of(b, "M0005"))),
    Action("cast a ballot", _post("/vote/cast/", {"code": _unused_code, "rank-1": "1"}, user=""),
           lambda b, a, r, c: r.status_code == 200 and a["ballots"] == b["ballots"] + 1),
    Action("record a nomination (page)",
           _post("/officer/contests/{pk}/nominations/", {
               "candidate": _first_candidate, "nominator_kind": "member",
               "nominator_name": "Jo Bloggs"}),
           lambda b, a, r, c: r.status_code == 302 and a["nominations"] == b["nominations"] + 1),
    Action("record a nomination (API)",
           _post("/api/contests/{pk}/nominations", {
               "candidate": 1, "nominator_kind": "member", "nominator_name": "Jo Bloggs"},
               as_json=True),
           lambda b, a, r, c: r.status_code == 200 and a["nominations"] == b["nominations"] + 1),
    Action("import the register", _register_save,
           lambda b, a, r, c: r.status_code == 302 and len(a["register"]) == len(b["register"]) + 1
           and a["electors"] == b["electors"]),
    Action("count (API)", _post("/api/contests/{pk}/count", as_json=True),
           lambda b, a, r, c: r.status_code == 200 and a["state"] == Contest.COUNTED),
    Action("export ballots (API)", _get("/api/contests/{pk}/export/csv"),
           lambda b, a, r, c: r.status_code == 200 and b"Rank 1" in r.content),
    Action("published record (API)", _get("/api/contests/{pk}/record"),
           lambda b, a, r, c: r.status_code == 200 and r.content.startswith(b"PK")),
    Action("result sheet (officer page)", _get("/officer/contests/{pk}/result/"),
           lambda b, a, r, c: r.status_code == 200 and b"Votes by round" in r.content),
    Action("result (public page)", _get("/results/{pk}/", user=""),
           lambda b, a, r, c: r.status_code == 200 and b"Votes by round" in r.content),
    Action("edit candidates (admin)", _admin_edit,
           lambda b, a, r, c: ("Renamed Candidate" in [n for _, n in a["candidates"]])),
]

#: Read-only views refuse by not showing (no state to protect); their refusal is the
#: page without the figures (public result, 200) or "not found" (officer sheet, 404).
VIEWS = {"result sheet (officer page)": {404}, "result (public page)": {200}}
#: Refusals whose status is not a 4xx: the lost-code page answers everyone alike (200), and
#: the admin may refuse by showing the fields read-only (a save that changes nothing).
ANY_STATUS = {"reissue a code (lost-code page)", "edit candidates (admin)"}


def _message(response) -> str:
    """The refusal's words: the JSON ``detail`` or the page's visible text."""
    if response["Content-Type"].startswith("application/json"):
        try:
            return str(response.json().get("detail", ""))
        except ValueError:
            return ""
    return page_text(response.content.decode(errors="replace"))


#: What a refusal must say (a regex on its message), by action family.
REASONS = [
    (r"^(button|API) → ", r"Cannot [a-z ]+ “Contest \w+”: (it is|no result|Issue credentials|Count)"
                          r"|Issue credentials with POST|Count the contest with POST"),
    (r"^issue credentials", r"Cannot mark credentials issued for “Contest \w+”: it is"),
    (r"^reissue a code \((page|API)\)",
     r"reissued only while credentials are issued or voting is open|No eligible elector|"
     r"holds no voting code"),
    (r"^reissue a code \(lost-code", r"If this address is on the register"),
    (r"^cast a ballot", r"not a voting code|has not opened yet|has closed"),
    (r"^record a nomination", r"Nominations are recorded only while they are open; "
                              r"“Contest \w+” is"),
    (r"^count", r"Cannot mark as counted “Contest \w+”: it is"),
    (r"^(export|published record)", r"can be exported only once voting is closed|"
                                    r"has not been counted"),
    (r"^result \(public", r"has not been published"),
    (r"^result sheet", r"Not Found"),
    (r"^edit candidates", r"."),
]


def _reason_for(action: str) -> str:
    return next(rx for prefix, rx in REASONS if re.search(prefix, action))


def _try(ctx: Ctx, action: Action, state: str) -> tuple[bool, str]:
    """Do ``action`` on the contest in ``state``; (succeeded, problem or "")."""
    c = ctx.contests[state]
    mail.outbox = []
    sid = transaction.savepoint()
    try:
        before = snapshot(c)
        response = action.run(ctx, c, state)
        after = snapshot(c)
        ok = bool(action.done(before, after, response, c))
    finally:
        transaction.savepoint_rollback(sid)
    if ok:
        return True, ""
    problems = []
    if after != before:
        changed = [k for k in before if before[k] != after[k]]
        problems.append(f"changed {changed}")
    status = response.status_code
    if action.name in VIEWS:
        if status not in VIEWS[action.name]:
            problems.append(f"status {status}")
    elif action.name not in ANY_STATUS and not 400 <= status < 500:
        problems.append(f"status {status}, not a refusal")
    message = _message(response)
    if not re.search(_reason_for(action.name), message):
        problems.append(f"unclear message: {message[:300]!r}")
    return False, "; ".join(problems)


def test_every_action_is_classified():
    assert [a.name for a in ACTIONS] == list(EXPECTED)
    assert set(STATES) == {s for s, _ in Contest.STATES} and len(STATES) == 8
    for name, states in EXPECTED.items():
        assert states <= EVERY, name


ADMIN_EDIT = "edit candidates (admin)"


def _run_pairs(ctx: Ctx, actions: list[Action]) -> tuple[int, list[str]]:
    failures = []
    pairs = 0
    for action in actions:
        for state in STATES:
            pairs += 1
            ok, problem = _try(ctx, action, state)
            expected = state in EXPECTED[action.name]
            if ok != expected:
                failures.append(f"{action.name} in {state}: "
                                f"{'succeeded' if ok else 'refused'}, expected "
                                f"{'success' if expected else 'refusal'}"
                                + (f" ({problem})" if problem else ""))
            elif problem:
                failures.append(f"{action.name} in {state}: refused but {problem}")
    return pairs, failures


def test_state_by_action(ctx):
    actions = [a for a in ACTIONS if a.name != ADMIN_EDIT]
    pairs, failures = _run_pairs(ctx, actions)
    assert pairs == 8 * 30
    assert not failures, f"{len(failures)} of {pairs} pairs:\n" + "\n".join(failures)


def test_admin_candidate_edits_by_state(ctx):
    pairs, failures = _run_pairs(ctx, [a for a in ACTIONS if a.name == ADMIN_EDIT])
    assert pairs == 8
    assert not failures, "\n".join(failures)
