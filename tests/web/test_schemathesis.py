"""schemathesis against the officers' API: every operation, generated requests, the default checks.

The OpenAPI schema is loaded in-process from the Django WSGI application
(``/api/openapi.json``, ``schemathesis.openapi.from_wsgi``); requests go through the
same application, authenticated as an officer with a bearer token
(:func:`~selectorate.web.elections.api.make_token`), against a seeded
organisation (``test-clp``), a draft contest and a published one (driven there
through the API, with votes). Two thirds of the generated ``contest_id`` and half
of the ``slug`` path parameters are replaced by the seeded ones, so the operations
run against real contests in two states as well as against missing ones.

Two tests:

* ``test_api_never_answers_5xx``: schemathesis's own pytest flow (explicit,
  coverage and generated phases, valid and invalid requests), check
  ``not_a_server_error``: no 5xx on any operation;
* ``test_api_conformance_inventory``: for every operation, valid and invalid
  requests, the four default checks ``not_a_server_error``,
  ``status_code_conformance``, ``content_type_conformance``,
  ``response_schema_conformance``, collecting every failure rather than the first;
  no 5xx and no mismatch (``KNOWN_MISMATCHES`` is empty since api.py declares
  every status and body it answers with).

A bounded number of examples per operation keeps both under a minute.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
import schemathesis
from django.contrib.auth.models import Group, User
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from web_factories import contest, organisation

from selectorate.web.elections import exports, voting
from selectorate.web.elections.api import make_token
from selectorate.web.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Examples per API operation (and generation mode, in the inventory).
EXAMPLES = 12


REGISTER = """member_id,name,category,status,joined,paid_up_to,email
A1,Ann Example,member,active,2020-01-01,2030-01-01,ann@example.org
A2,Ben Example,member,active,2021-05-01,2030-01-01,ben@example.org
"""


def _post(client: Client, path: str, headers: dict, body: dict | None = None) -> dict:
    response = client.post(path, json.dumps(body or {}), content_type="application/json",
                           **headers)  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def seeded(db):
    """An organisation, a draft contest, a published one, and an officer's bearer token.

    The published contest is driven through the API itself (register, freeze,
    credentials, open, votes, close, count, publish), so exports, the record and
    the result have something to return.
    """
    org = organisation()
    draft = contest(org)
    officer = User.objects.create_user("st-officer", password="a-long-test-password-1")
    officer.groups.add(Group.objects.get_or_create(name="officer")[0])
    headers = {"Authorization": f"Bearer {make_token(officer)}"}
    client, h = Client(), {"HTTP_AUTHORIZATION": headers["Authorization"]}
    done = contest(org, names=("Ash", "Birch", "Cedar"))
    _post(client, f"/api/organisations/{org.slug}/register", h, {"csv": REGISTER})
    _post(client, f"/api/contests/{done.pk}/transition", h, {"to_state": "frozen"})
    codes = [x["code"] for x in _post(client, f"/api/contests/{done.pk}/credentials", h)["codes"]]
    _post(client, f"/api/contests/{done.pk}/transition", h, {"to_state": "open"})
    done.refresh_from_db()
    for n, code in enumerate(codes):
        voting.cast(done, code, [1 + n % 3])
    _post(client, f"/api/contests/{done.pk}/transition", h, {"to_state": "closed"})
    _post(client, f"/api/contests/{done.pk}/count", h)
    _post(client, f"/api/contests/{done.pk}/transition", h, {"to_state": "published"})
    return {"org": org, "contests": (draft.pk, done.pk), "headers": headers}


@pytest.fixture
def api_schema(seeded):
    """The schema, served by the WSGI application itself.

    Requests go straight to the WSGI application (not through Django's test
    client), so the end of each request would close the test's database
    connection (``close_old_connections``); as the test client does, keep it open.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _aim(case, seeded) -> None:
    """Point two thirds of the cases at the seeded contests (and formats), half at the org."""
    params = case.path_parameters
    if not params:
        return
    number = str(params.get("contest_id", ""))
    if number.isdigit() and int(number) % 3 < 2:  # a third stay as generated (mostly 404)
        params["contest_id"] = seeded["contests"][int(number) % 3]
        if "fmt" in params:
            params["fmt"] = sorted(exports.FORMATS)[int(number) % len(exports.FORMATS)]
    if "slug" in params and len(str(params["slug"])) % 2 == 0:
        params["slug"] = seeded["org"].slug


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_api_never_answers_5xx(case, seeded):
    """schemathesis's generated requests (valid and invalid): no server error, ever."""
    _aim(case, seeded)
    case.call_and_validate(headers=seeded["headers"], checks=[not_a_server_error])


#: Schema mismatches tolerated, as (operation, status received, check). Empty: the 27
#: found on 2026-11-27 (404 and 422 undocumented, 400 bodies off-schema, the token's 403,
#: the record's and exports' 200) were fixed in api.py (notes/rel_H4.md, "schemathesis");
#: any mismatch now fails the inventory test.
KNOWN_MISMATCHES: set[tuple[str, int, str]] = set()

_CHECK_OF = {
    "UndefinedStatusCode": "status_code_conformance",
    "JsonSchemaError": "response_schema_conformance",
    "UndefinedContentType": "content_type_conformance",
    "MalformedMediaType": "content_type_conformance",
    "MissingContentType": "content_type_conformance",
}


def test_api_conformance_inventory(api_schema, seeded):
    """Every operation, valid and invalid requests, all four checks: only known mismatches.

    Runs each operation's positive and negative strategies (``EXAMPLES`` each) and
    collects every failing check instead of stopping at the first, so the list of
    mismatches is complete; then no 5xx, and nothing outside KNOWN_MISMATCHES.
    """
    found: dict[tuple[str, int, str], str] = {}
    statuses: Counter[int] = Counter()
    for result in api_schema.get_all_operations():
        op = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            @given(case=op.as_strategy(generation_mode=mode))
            def run(case):
                _aim(case, seeded)
                response = case.call(headers=seeded["headers"])
                statuses[response.status_code] += 1
                try:
                    case.validate_response(response, checks=CHECKS)
                except FailureGroup as group:
                    for failure in group.exceptions:
                        name = _CHECK_OF.get(type(failure).__name__, type(failure).__name__)
                        key = (case.operation.label, response.status_code, name)
                        found.setdefault(key, str(failure).splitlines()[0])

            run()
    assert not [s for s in statuses if s >= 500], statuses
    assert sum(statuses.values()) >= 2 * EXAMPLES * 10
    unknown = {k: v for k, v in found.items() if k not in KNOWN_MISMATCHES}
    assert not unknown, "schema mismatches: " + "; ".join(
        f"{k}: {v}" for k, v in unknown.items()
    )
