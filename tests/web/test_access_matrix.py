"""Access: every route of the URL configuration × every role, against a checked-in table.

The routes are generated from ``django.urls.get_resolver()`` (walked recursively:
the app's pages, the django-ninja API under ``/api/`` and the Django admin), so
a route added without being classified here fails :func:`test_every_route_is_classified`
("classify this new route"), and a classified route that is gone fails it too.

The table (:data:`TABLE`) says, for each route, which probe URLs to call (with
objects of the world in :mod:`proof_world`: contests in draft, nominations,
frozen, open — with planted ballots —, closed and published) with which method
and minimal valid parameters, and what each role gets. Outcome tokens:

* ``200``, ``302`` (a redirect that is not to a sign-in page), ``400``, ``409``:
  the role is let in (``400``/``409`` is the page's own answer to the request:
  a missing voting code, a contest in the wrong state);
* ``L``: redirected to the site's sign-in page (``/accounts/login/``);
* ``A``: redirected to the admin's sign-in page (``/admin/login/``);
* ``401`` (the API: no acceptable credentials), ``403`` (signed in, not allowed),
  ``404`` (hidden or absent): denied;
* ``405``: the route does not take this method, for anyone.

Each call runs inside a savepoint that is rolled back, so an allowed POST does
its work (and its audit entry) and then leaves the world as it was.

Roles (:data:`proof_world.ROLES`): anonymous; a voter (anonymous, holding an
unused code of the open contest, which their POSTs carry); a signed-in account
in no group ("norole" — members do not sign in, so this stands for any account
without a role); candidate; scrutineer (staff, no admin permissions); officer
(group ``officer``, staff, no admin model permissions); superuser.

Besides the table: the negative capabilities — no role can add, change or
delete a cast ballot (it is not in the admin at all), see running standings
(every result, count and export route refuses for the open contest, for every
role), or link a voter to a ballot (no response of any probe contains a ballot
id or a receipt hash).
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from proof_world import ROLES, build_world
from test_csv_exports_formula import CSV_ROUTES

from selectorate.web.elections.models import CastBallot

pytestmark = pytest.mark.django_db

DENIED = {"L", "A", "401", "403", "404"}
ALLOWED = {"200", "302", "400", "409"}

REGISTER_CSV = (
    "member_id,name,category,status,joined,paid_up_to,email\n"
    "N1,New Person,member,active,2021-05-01,2025-01-01,new@example.org\n"
)


@dataclass(frozen=True)
class Probe:
    """One call: method, URL template ({open}, {slug}…), body, and the outcome per role."""

    method: str
    url: str
    expect: str
    body: Any = None
    json: bool = False

    def outcomes(self) -> dict[str, str]:
        """The expected outcome token of each role."""
        tokens = self.expect.split()
        assert len(tokens) == len(ROLES), (self.url, tokens)
        assert set(tokens) <= DENIED | ALLOWED | {"405"}, tokens
        return dict(zip(ROLES, tokens, strict=True))


def G(url: str, expect: str) -> Probe:  # noqa: N802 - table shorthand
    """A GET probe."""
    return Probe("GET", url, expect)


def P(url: str, expect: str, body: Any = None, json: bool = False) -> Probe:  # noqa: N802
    """A POST probe (the voter's POSTs also carry their code); ``json``: a JSON body."""
    return Probe("POST", url, expect, body, json)


def _upload() -> io.BytesIO:
    f = io.BytesIO(REGISTER_CSV.encode())
    f.name = "register.csv"
    return f


# Outcomes, in ROLES order:  anon voter norole cand scrut officer super
ALL_200 = "200 200 200 200 200 200 200"
ALL_405 = "405 405 405 405 405 405 405"  # the route does not take this method
#: A voting page POSTed: the voter's code opens the ballot; without one, "Enter your code".
VOTE = "400 200 400 400 400 400 400"
#: Officers' and scrutineers' pages (scrutineers read only).
READERS = "L L 403 403 200 200 200"
#: Officers' pages and actions.
OFFICERS = "L L 403 403 403 200 200"
#: The API: 401 for anyone without an acceptable session or token.
API_READERS = "401 401 401 401 200 200 200"
API_OFFICERS = "401 401 401 401 401 200 200"
#: The admin: staff only (officers and scrutineers are staff without model permissions).
ADMIN_STAFF = "A A A A 200 200 200"

MOTION = {"organisation": "{org}", "kind": "motion", "title": "A motion",
          "freeze_date": "2024-03-01", "action": "create"}
NOMINATION = {"candidate": "{nom_candidate}", "nominator_kind": "member",
              "nominator_name": "Jo Bloggs"}

#: The classification: route pattern (as the resolver spells it) → probes.
TABLE: dict[str, list[Probe]] = {
    # -- public pages and the voter's flow --------------------------------------------------
    "": [G("/", ALL_200), P("/", ALL_405)],
    "vote/": [G("/vote/", ALL_200), P("/vote/", VOTE)],
    "vote/ballot/": [G("/vote/ballot/", ALL_405), P("/vote/ballot/", VOTE, {"rank-1": "1"})],
    "vote/confirm/": [G("/vote/confirm/", ALL_405), P("/vote/confirm/", VOTE, {"rank-1": "1"})],
    "vote/cast/": [G("/vote/cast/", ALL_405), P("/vote/cast/", VOTE, {"rank-1": "1"})],
    # The same reply for everyone (test_same_reply.py).
    "vote/lost-code/": [G("/vote/lost-code/", ALL_200),
                        P("/vote/lost-code/", ALL_200, {"email": "m3@example.org"})],
    "receipt/": [G("/receipt/", ALL_200), P("/receipt/", ALL_200, {"receipt": "not-a-receipt"})],
    "results/": [G("/results/", ALL_200), P("/results/", ALL_405)],
    # An open contest's public page says only its state (no figures: checked below).
    "results/<int:pk>/": [G("/results/{published}/", ALL_200), G("/results/{open}/", ALL_200),
                          P("/results/{published}/", ALL_405)],
    # Signed-in users are sent on from the sign-in page.
    "accounts/login/": [
        G("/accounts/login/", "200 200 302 302 302 302 302"),
        P("/accounts/login/", "200 200 302 302 302 302 302",
          {"username": "root", "password": "wrong"}),
    ],
    "accounts/logout/": [G("/accounts/logout/", ALL_405),
                         P("/accounts/logout/", "302 302 302 302 302 302 302")],
    # -- officers and scrutineers ------------------------------------------------------------
    "officer/": [G("/officer/", READERS), P("/officer/", ALL_405)],
    "officer/contests/new/": [G("/officer/contests/new/", OFFICERS),
                              P("/officer/contests/new/", "L L 403 403 403 302 302", MOTION)],
    "officer/contests/<int:pk>/": [G("/officer/contests/{open}/", READERS),
                                   G("/officer/contests/{published}/", READERS),
                                   P("/officer/contests/{open}/", ALL_405)],
    # Scrutineers read the nominations; only officers record them.
    "officer/contests/<int:pk>/nominations/": [
        G("/officer/contests/{nominations}/nominations/", READERS),
        P("/officer/contests/{nominations}/nominations/", "L L 403 403 403 302 302",
          NOMINATION),
    ],
    "officer/contests/<int:pk>/transition/": [
        G("/officer/contests/{draft}/transition/", ALL_405),
        P("/officer/contests/{draft}/transition/", "L L 403 403 403 302 302",
          {"to_state": "nominations"}),
    ],
    "officer/contests/<int:pk>/credentials/": [
        G("/officer/contests/{open}/credentials/", OFFICERS),
        P("/officer/contests/{open}/credentials/", OFFICERS,
          {"action": "reissue", "member_no": "M0004"}),
        P("/officer/contests/{frozen}/credentials/", OFFICERS, {"action": "issue"}),
    ],
    # Not counted: "not found" even for officers.
    "officer/contests/<int:pk>/result/": [
        G("/officer/contests/{published}/result/", OFFICERS),
        G("/officer/contests/{open}/result/", "L L 403 403 403 404 404"),
        P("/officer/contests/{published}/result/", ALL_405),
    ],
    "officer/register/": [
        G("/officer/register/", OFFICERS),
        P("/officer/register/", OFFICERS,
          {"organisation": "{org}", "action": "check", "register": _upload}),
    ],
    # A candidate sees only the contests they stand in; another one is "not found".
    "candidate/": [G("/candidate/", "L L 403 200 403 403 403"), P("/candidate/", ALL_405)],
    "candidate/contests/<int:pk>/": [
        G("/candidate/contests/{published}/", "L L 403 200 403 403 403"),
        G("/candidate/contests/{draft}/", "L L 403 404 403 403 403"),
        P("/candidate/contests/{published}/", ALL_405),
    ],
    "scrutineer/audit/": [G("/scrutineer/audit/", READERS), P("/scrutineer/audit/", ALL_405)],
    "scrutineer/contests/<int:pk>/count/": [
        G("/scrutineer/contests/{published}/count/", READERS),
        G("/scrutineer/contests/{open}/count/", "L L 403 403 404 404 404"),
        P("/scrutineer/contests/{published}/count/", ALL_405),
    ],
    # -- the JSON API (session auth here; bearer tokens: test_csrf.py, test_api.py) ---------
    "api/": [G("/api/", "404 404 404 404 404 404 404")],  # no docs page
    # The schema is public and answers any method (a POST changes nothing).
    "api/openapi.json": [G("/api/openapi.json", ALL_200), P("/api/openapi.json", ALL_200)],
    "api/token": [G("/api/token", ALL_405), P("/api/token", API_OFFICERS, {}, json=True)],
    "api/contests": [G("/api/contests", API_READERS),
                     P("/api/contests", ALL_405, {}, json=True)],
    "api/contests/<contest_id>": [G("/api/contests/{open}", API_READERS)],
    "api/contests/<contest_id>/transition": [
        G("/api/contests/{draft}/transition", ALL_405),
        P("/api/contests/{draft}/transition", API_OFFICERS, {"to_state": "nominations"},
          json=True),
    ],
    "api/organisations/<slug>/register": [
        P("/api/organisations/{slug}/register", API_OFFICERS,
          {"csv": REGISTER_CSV, "dry_run": True}, json=True),
    ],
    "api/organisations/<slug>/contests": [
        G("/api/organisations/{slug}/contests", ALL_405),
        P("/api/organisations/{slug}/contests", API_OFFICERS,
          {"kind": "motion", "title": "A motion", "freeze_date": "2024-03-01"}, json=True),
    ],
    "api/contests/<contest_id>/credentials": [
        P("/api/contests/{frozen}/credentials", API_OFFICERS, {}, json=True),
    ],
    "api/contests/<contest_id>/count": [
        P("/api/contests/{closed}/count", API_OFFICERS, {}, json=True),
    ],
    # An open contest has no result, export or record for anyone (409).
    "api/contests/<contest_id>/result": [
        G("/api/contests/{published}/result", API_READERS),
        G("/api/contests/{open}/result", "401 401 401 401 409 409 409"),
    ],
    "api/contests/<contest_id>/export/<fmt>": [
        G("/api/contests/{published}/export/csv", API_READERS),
        G("/api/contests/{open}/export/blt", "401 401 401 401 409 409 409"),
    ],
    "api/contests/<contest_id>/record": [
        G("/api/contests/{published}/record", API_READERS),
        G("/api/contests/{open}/record", "401 401 401 401 409 409 409"),
    ],
    "api/contests/<contest_id>/nominations": [
        G("/api/contests/{nominations}/nominations", API_OFFICERS),
        P("/api/contests/{nominations}/nominations", API_OFFICERS,
          {"candidate": 1, "nominator_kind": "member", "nominator_name": "Jo Bloggs"},
          json=True),
    ],
    "api/contests/<contest_id>/electors/<member_no>/reissue": [
        P("/api/contests/{open}/electors/M0004/reissue", API_OFFICERS, {}, json=True),
    ],
    # -- the Django admin: site-wide pages ---------------------------------------------------
    "admin/": [G("/admin/", ADMIN_STAFF), P("/admin/", ADMIN_STAFF)],
    "admin/login/": [G("/admin/login/", "200 200 200 200 302 302 302"),
                     P("/admin/login/", ALL_200, {"username": "root", "password": "wrong"})],
    # Logging out takes a POST; a non-staff visitor is sent to the admin's index (→ sign in).
    "admin/logout/": [G("/admin/logout/", "302 302 302 302 405 405 405"),
                      P("/admin/logout/", "302 302 302 302 200 200 200")],
    "admin/password_change/": [G("/admin/password_change/", ADMIN_STAFF),
                               P("/admin/password_change/", ADMIN_STAFF)],
    "admin/password_change/done/": [G("/admin/password_change/done/", ADMIN_STAFF)],
    "admin/autocomplete/": [G("/admin/autocomplete/", "A A A A 403 403 403")],
    "admin/jsi18n/": [G("/admin/jsi18n/", ADMIN_STAFF)],
    "admin/r/<path:content_type_id>/<path:object_id>/": [
        G("/admin/r/1/1/", "A A A A 404 404 404")],
    # An app's index: only the superuser has any model permission.
    "admin/^(?P<app_label>auth|elections)/$": [G("/admin/elections/", "A A A A 404 404 200"),
                                               G("/admin/auth/", "A A A A 404 404 200")],
    # Anything else under /admin/, e.g. cast ballots, which are not in the admin at all.
    "admin/(?P<url>.*)$": [G("/admin/elections/castballot/", "A A A A 404 404 404"),
                           P("/admin/elections/castballot/", "A A A A 404 404 404")],
}


def _admin_model(path: str, obj: str, profile: dict[str, str], delete_post: str) -> None:
    """Probes of one admin model's six routes (GET, and POST where the view takes it)."""
    base = f"admin/{path}/"
    TABLE[base] = [G(f"/{base}", profile["list"]), P(f"/{base}", profile["list"])]
    TABLE[base + "add/"] = [G(f"/{base}add/", profile["add"]), P(f"/{base}add/", profile["add"])]
    TABLE[base + "<path:object_id>/history/"] = [G(f"/{base}{obj}/history/", profile["list"])]
    TABLE[base + "<path:object_id>/delete/"] = [
        G(f"/{base}{obj}/delete/", profile["delete"]),
        P(f"/{base}{obj}/delete/", delete_post, {"post": "yes"}),
    ]
    TABLE[base + "<path:object_id>/change/"] = [
        G(f"/{base}{obj}/change/", profile["list"]),
        P(f"/{base}{obj}/change/", profile["change_post"]),
    ]
    TABLE[base + "<path:object_id>/"] = [G(f"/{base}{obj}/", "A A A A 302 302 302")]
    if path == "auth/user":
        TABLE[base + "<id>/password/"] = [
            G(f"/{base}{obj}/password/", profile["list"]),
            P(f"/{base}{obj}/password/", profile["list"]),
        ]


#: Admin models a superuser edits (and nobody else: officers and scrutineers are staff
#: without model permissions). A POST of an empty change or add form is let in (200: the
#: form again, with its errors).
EDITABLE = {"list": "A A A A 403 403 200", "add": "A A A A 403 403 200",
            "delete": "A A A A 403 403 200", "change_post": "A A A A 403 403 200"}
#: Read-only admin models (electorate, credentials, results, the audit log): even a
#: superuser may only look.
READ_ONLY = {"list": "A A A A 403 403 200", "add": "A A A A 403 403 403",
             "delete": "A A A A 403 403 403", "change_post": "A A A A 403 403 403"}
#: (admin path, object, profile, what a superuser's confirmed delete does: 302 deleted,
#: 200 refused because protected rows — audit entries, electors — refer to it).
for _path, _obj, _profile, _delete in (
    ("auth/group", "{group}", EDITABLE, "A A A A 403 403 302"),
    ("auth/user", "{user}", EDITABLE, "A A A A 403 403 302"),
    ("elections/organisation", "{org}", EDITABLE, "A A A A 403 403 200"),
    ("elections/unit", "{unit}", EDITABLE, "A A A A 403 403 302"),
    ("elections/member", "{member}", EDITABLE, "A A A A 403 403 200"),
    ("elections/contest", "{draft}", EDITABLE, "A A A A 403 403 302"),
    ("elections/elector", "{elector}", READ_ONLY, "A A A A 403 403 403"),
    ("elections/credential", "{credential}", READ_ONLY, "A A A A 403 403 403"),
    ("elections/result", "{result}", READ_ONLY, "A A A A 403 403 403"),
    ("elections/auditentry", "{audit}", READ_ONLY, "A A A A 403 403 403"),
):
    _admin_model(_path, _obj, _profile, _delete)


def _pattern_key(prefix: str, pattern: Any) -> str:
    return prefix + str(pattern)


def routes() -> dict[str, str]:
    """Every route of the URL configuration: pattern → view, walking includes recursively."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, _pattern_key(prefix, p.pattern))
            elif isinstance(p, URLPattern):
                cb = p.callback
                found.setdefault(
                    _pattern_key(prefix, p.pattern),
                    f"{getattr(cb, '__module__', '?')}.{getattr(cb, '__qualname__', cb)}",
                )

    walk(get_resolver().url_patterns, "")
    return found


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if callable(value):
        return value()
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _token(response: Any) -> str:
    if response.status_code in (301, 302):
        where = response["Location"]
        if where.startswith("/accounts/login/"):
            return "L"
        if where.startswith("/admin/login/"):
            return "A"
        return "302"
    return str(response.status_code)


def call(world: Any, role: str, probe: Probe, ids: dict[str, Any], **client_kw: Any) -> Any:
    """Make one probe's call as ``role`` inside a savepoint that is rolled back."""
    client = world.client(role, **client_kw)
    url = probe.url.format(**ids)
    sid = transaction.savepoint()
    try:
        if probe.method == "GET":
            return client.get(url)
        body = _fill(probe.body or {}, ids)
        if probe.json:
            return client.generic(probe.method, url, json.dumps(body),
                                  content_type="application/json")
        if role == "voter" and isinstance(body, dict):
            body = {"code": world.codes[0], **body}
        if probe.method == "POST":
            return client.post(url, body)
        return client.generic(probe.method, url)
    finally:
        transaction.savepoint_rollback(sid)


#: What a count looks like in a page or a JSON body (the result sheet's chart and
#: table, the native result's rounds): never in an answer about the open contest.
STANDINGS = (b"Votes by round", b"<table", b'"rounds"', b'"tally"')


@pytest.fixture
def world(settings):
    """The world of :mod:`proof_world` (contests in six states, users in every role)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def test_every_route_is_classified():
    served = routes()
    unclassified = sorted(set(served) - set(TABLE))
    stale = sorted(set(TABLE) - set(served))
    assert not unclassified, "classify this new route in TABLE: " + ", ".join(
        f"{r} ({served[r]})" for r in unclassified
    )
    assert not stale, f"TABLE classifies routes that no longer exist: {stale}"
    assert len(served) >= 100


#: The table in parts, so that parallel test workers share the ~1,400 calls.
SECTIONS = ("pages", "api", "admin site and auth", "admin elections")


def section_of(pattern: str) -> str:
    """Which part of the table a route is in."""
    if pattern.startswith("api/"):
        return "api"
    if pattern.startswith("admin/elections/"):
        return "admin elections"
    if pattern.startswith("admin/"):
        return "admin site and auth"
    return "pages"


def test_sections_cover_the_table():
    counts = {name: 0 for name in SECTIONS}
    for pattern, probes in TABLE.items():
        counts[section_of(pattern)] += 7 * len(probes)
    assert sum(counts.values()) == 7 * sum(len(p) for p in TABLE.values()) >= 1300
    assert all(counts.values()), counts
    # The open contest is probed by 12 probes x 7 roles, in the pages and the API.
    opened = sum(7 for probes in TABLE.values() for p in probes if "{open}" in p.url)
    assert opened >= 84


@pytest.mark.parametrize("section", SECTIONS)
def test_role_by_route_matrix(world, section):
    ids = world.ids()
    failures = []
    calls = 0
    secrets_seen = []
    standings = []
    csv_seen = set()
    for pattern, probes in TABLE.items():
        if section_of(pattern) != section:
            continue
        for probe in probes:
            for role, expected in probe.outcomes().items():
                response = call(world, role, probe, ids)
                calls += 1
                got = _token(response)
                if got != expected:
                    failures.append(f"{probe.method} {probe.url} as {role}: {got} ≠ {expected}")
                body = response.content
                if response.get("Content-Type", "").startswith("text/csv"):
                    csv_seen.add(pattern)
                for secret in (*world.ballot_ids, *world.receipt_hashes):
                    if secret.encode() in body:
                        secrets_seen.append(f"{probe.url} as {role}")
                if "{open}" in probe.url:
                    standings += [f"{probe.url} as {role}: {m!r}" for m in STANDINGS if m in body]
    assert not failures, f"{len(failures)} of {calls} calls:\n" + "\n".join(failures)
    assert calls >= 100
    # No role links a voter to a ballot: no ballot id or receipt hash in any answer.
    assert not secrets_seen, secrets_seen
    # No role sees running standings: nothing count-like in any answer about the open contest.
    assert not standings, standings
    # Every route that answers CSV is one test_csv_exports_formula checks (and each is seen).
    assert csv_seen == {r for r in CSV_ROUTES if section_of(r) == section}, csv_seen


def test_cast_ballots_cannot_be_edited_in_the_admin(world):
    assert CastBallot not in admin.site._registry
    root = world.client("superuser")
    for path in ("castballot/", "castballot/add/", f"castballot/{world.ballot_ids[0]}/change/"):
        assert root.get(f"/admin/elections/{path}").status_code == 404
        assert root.post(f"/admin/elections/{path}", {}).status_code == 404
    assert not any(re.search(r"ballot", str(p)) for p in routes() if p.startswith("admin/"))
