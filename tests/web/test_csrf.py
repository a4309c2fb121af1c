"""CSRF: every state-changing route refuses a request without a CSRF token.

Driven by the access matrix's table (:data:`test_access_matrix.TABLE`), so a new
route is covered as soon as it is classified. For every route and every unsafe
method (POST, PUT, PATCH, DELETE), a client with ``enforce_csrf_checks=True``
signed in as the most privileged role the table lets in (the voter for the
voting pages) sends the request without a token:

* the site's pages and the admin (Django's ``CsrfViewMiddleware``): **403**,
  for every unsafe method, whether or not the view takes it;
* the JSON API with the **session** (cookie) of a signed-in officer: **403**
  for every operation it serves (django-ninja's ``SessionAuth`` checks the CSRF
  token); a method the API does not serve on that path gets 405 and changes nothing;
* the JSON API with a **bearer token** (``Authorization: Bearer …``) is exempt
  from CSRF by design: a browser never sends that header by itself, so a
  cross-site form cannot forge it. The same POSTs with a bearer token and no CSRF
  token are let in (the officer's outcome in the table).

Then the same POST *with* a valid token gets the outcome the table gives that
role, so the 403 was the CSRF check and nothing else.
"""

from __future__ import annotations

import json

import pytest
from django.middleware.csrf import _get_new_csrf_string
from proof_world import ROLES, build_world
from test_access_matrix import ALLOWED, SECTIONS, TABLE, Probe, _fill, _token, call, section_of

from selectorate.web.elections.api import make_token

pytestmark = pytest.mark.django_db

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
#: Who tries each route: the first role the table lets POST (most privileged first).
PREFERENCE = ("superuser", "officer", "scrutineer", "candidate", "voter", "norole", "anon")


@pytest.fixture
def world(settings):
    """The access matrix's world."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def _post_probe(probes: list[Probe]) -> Probe:
    posts = [p for p in probes if p.method == "POST"]
    return posts[0] if posts else Probe("POST", probes[0].url, " ".join(["405"] * len(ROLES)))


def _role_for(probe: Probe) -> str:
    outcomes = probe.outcomes()
    return next((r for r in PREFERENCE if outcomes[r] in ALLOWED), "superuser")


@pytest.mark.parametrize("section", SECTIONS)
def test_every_unsafe_request_without_a_token_is_refused(world, section):
    ids = world.ids()
    failures = []
    tried = {"html": 0, "api": 0}
    for pattern, probes in TABLE.items():
        if section_of(pattern) != section:
            continue
        probe = _post_probe(probes)
        role = _role_for(probe)
        api = pattern.startswith("api/")
        for method in UNSAFE:
            attempt = Probe(method, probe.url, probe.expect, probe.body, probe.json)
            response = call(world, role, attempt, ids, enforce_csrf_checks=True)
            got = response.status_code
            tried["api" if api else "html"] += 1
            if api:
                served = method == "POST" and probe.outcomes()["officer"] != "405"
                ok = got == 403 if served else got in (403, 405)
            else:
                ok = got == 403
            if not ok:
                failures.append(f"{method} {probe.url} as {role} without CSRF token: {got}")
    assert not failures, "\n".join(failures)
    assert sum(tried.values()) >= 4 * 15 and bool(tried["api"]) == (section == "api")


def _with_token(world, role: str, probe: Probe, ids: dict) -> object:
    """The probe's POST with a valid CSRF token (cookie + header or form field)."""
    secret = _get_new_csrf_string()
    client = world.client(role, enforce_csrf_checks=True)
    client.cookies["csrftoken"] = secret
    body = _fill(probe.body or {}, ids)
    url = probe.url.format(**ids)
    if probe.json:
        return client.post(url, json.dumps(body), content_type="application/json",
                           HTTP_X_CSRFTOKEN=secret)
    if role == "voter":
        body = {"code": world.codes[0], **body}
    return client.post(url, {**body, "csrfmiddlewaretoken": secret})


def test_with_a_token_the_same_posts_get_their_table_outcome(world):
    from django.db import transaction

    ids = world.ids()
    failures = []
    tried = 0
    for probes in TABLE.values():
        for probe in probes:
            if probe.method != "POST":
                continue
            role = _role_for(probe)
            sid = transaction.savepoint()
            try:
                got = _token(_with_token(world, role, probe, ids))
            finally:
                transaction.savepoint_rollback(sid)
            tried += 1
            if got != probe.outcomes()[role]:
                failures.append(f"POST {probe.url} as {role} with token: {got}")
    assert not failures, "\n".join(failures)
    assert tried >= 50


def test_bearer_token_api_calls_are_exempt_from_csrf(world):
    ids = world.ids()
    header = {"HTTP_AUTHORIZATION": f"Bearer {make_token(world.users['officer'])}"}
    tried = 0
    from django.db import transaction
    from django.test import Client

    for pattern, probes in TABLE.items():
        if not pattern.startswith("api/"):
            continue
        for probe in probes:
            if probe.method != "POST" or pattern in ("api/token", "api/openapi.json"):
                continue
            expected = probe.outcomes()["officer"]
            client = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie
            sid = transaction.savepoint()
            try:
                response = client.post(probe.url.format(**ids),
                                       json.dumps(_fill(probe.body or {}, ids)),
                                       content_type="application/json", **header)
            finally:
                transaction.savepoint_rollback(sid)
            tried += 1
            assert _token(response) == expected, (probe.url, response.status_code)
    # POST /api/token takes the session only (a token cannot mint tokens); the schema
    # (/api/openapi.json) is a plain Django view, so a POST to it needs the CSRF token.
    assert Client(enforce_csrf_checks=True).post("/api/token", **header).status_code in (401, 403)
    assert tried >= 8
