"""The officers' JSON API: schema, authentication, and a contest driven end to end."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from web_factories import contest, organisation

from selectorate.web.elections import lifecycle, voting
from selectorate.web.elections.api import api, make_token
from selectorate.web.elections.models import AuditEntry, Contest

pytestmark = pytest.mark.django_db

#: Every endpoint: (method, path with {contest}/{slug} placeholders).
ENDPOINTS = [
    ("post", "/api/token"),
    ("get", "/api/contests"),
    ("get", "/api/contests/{contest}"),
    ("post", "/api/contests/{contest}/transition"),
    ("post", "/api/organisations/{slug}/register"),
    ("post", "/api/organisations/{slug}/contests"),
    ("post", "/api/contests/{contest}/credentials"),
    ("post", "/api/contests/{contest}/count"),
    ("get", "/api/contests/{contest}/result"),
    ("get", "/api/contests/{contest}/export/blt"),
    ("get", "/api/contests/{contest}/record"),
    ("get", "/api/contests/{contest}/nominations"),
    ("post", "/api/contests/{contest}/nominations"),
    ("post", "/api/contests/{contest}/electors/{member_no}/reissue"),
]
#: Endpoints a scrutineer (read-only) may not call either: the officers' actions.
OFFICER_ONLY = [
    ("post", "/api/contests/{contest}/transition"),
    ("post", "/api/organisations/{slug}/register"),
    ("post", "/api/organisations/{slug}/contests"),
    ("post", "/api/contests/{contest}/credentials"),
    ("post", "/api/contests/{contest}/count"),
    ("get", "/api/contests/{contest}/nominations"),
    ("post", "/api/contests/{contest}/nominations"),
    ("post", "/api/contests/{contest}/electors/{member_no}/reissue"),
]


def _user(name, group=None):
    user = User.objects.create_user(name, password="a-long-test-password-1")
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def _bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(user)}"}


def _call(client, method, path, headers=None, body=None):
    kw = dict(headers or {})
    if method == "post":
        return client.post(path, json.dumps(body or {}), content_type="application/json", **kw)
    return client.get(path, **kw)


def test_openapi_schema_loads_and_lists_every_endpoint():
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for _, path in ENDPOINTS:
        template = path.replace("{contest}", "{contest_id}").replace("/blt", "/{fmt}")
        assert any(p.endswith(template) for p in paths), template
    assert "BearerAuth" in json.dumps(schema) or "bearer" in json.dumps(schema).lower()


def test_every_endpoint_refuses_anonymous_and_non_officers():
    org = organisation()
    c = contest(org)
    voter = _user("member")  # logged in, but no role
    scrutineer = _user("scrutineer", "scrutineer")
    routes = {str(r) for r in api.urls[0]}
    assert len(routes) >= len(ENDPOINTS)
    # Every route the API serves is enumerated here (so a new one cannot skip this test).
    listed = {p.split("/api", 1)[1].replace("{contest}", "{contest_id}") for _, p in ENDPOINTS}
    listed = {p.replace("/blt", "/{fmt}") for p in listed}
    served = {"/" + str(u.pattern).rstrip("$").lstrip("^") for u in api.urls[0]}
    served = {s.replace("<int:", "{").replace("<", "{").replace(">", "}") for s in served}
    assert {s for s in served if s != "/" and "openapi" not in s} <= listed, served
    for method, template in ENDPOINTS:
        path = template.format(contest=c.pk, slug=org.slug, member_no="M0001")
        assert _call(Client(), method, path).status_code == 401, path
        bad = {"HTTP_AUTHORIZATION": "Bearer not-a-token"}
        assert _call(Client(), method, path, bad).status_code == 401, path
        assert _call(Client(), method, path, _bearer(voter)).status_code == 401, path
        logged_in = Client()
        logged_in.force_login(voter)
        assert _call(logged_in, method, path).status_code == 401, path
    for method, template in OFFICER_ONLY:
        path = template.format(contest=c.pk, slug=org.slug, member_no="M0001")
        assert _call(Client(), method, path, _bearer(scrutineer)).status_code == 401, path
        as_scrutineer = Client()
        as_scrutineer.force_login(scrutineer)
        assert _call(as_scrutineer, method, path).status_code == 401, path
    assert not AuditEntry.objects.exists()


def test_scrutineer_reads_but_cannot_act():
    org = organisation()
    c = contest(org)
    scrutineer = _user("scrutineer", "scrutineer")
    h = _bearer(scrutineer)
    assert Client().get("/api/contests", **h).status_code == 200
    assert Client().get(f"/api/contests/{c.pk}", **h).status_code == 200
    r = _call(Client(), "post", f"/api/contests/{c.pk}/transition", h, {"to_state": "nominations"})
    assert r.status_code == 401
    c.refresh_from_db()
    assert c.state == Contest.DRAFT


def test_token_stops_working_when_the_password_changes():
    officer = _user("officer", "officer")
    h = _bearer(officer)
    assert Client().get("/api/contests", **h).status_code == 200
    officer.set_password("another-long-password-2")
    officer.save()
    assert Client().get("/api/contests", **h).status_code == 401


def test_session_officer_gets_a_token_with_csrf():
    officer = _user("officer", "officer")
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert client.post("/api/token").status_code == 403  # no CSRF token
    client.get("/api/openapi.json")  # any page; fetch a CSRF cookie the way a form would
    from django.middleware.csrf import _get_new_csrf_string

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = client.post("/api/token", HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 200
    token = response.json()["token"]
    assert Client().get("/api/contests", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


REGISTER = """member_id,name,category,status,joined,paid_up_to,email
A1,Ann Example,member,active,2020-01-01,2030-01-01,ann@example.org
A2,Ben Example,member,active,2021-05-01,2030-01-01,ben@example.org
A3,Cat Example,member,lapsed,2019-01-01,2022-01-01,
"""


def test_a_contest_driven_through_the_api():
    org = organisation()
    c = contest(org, names=("Ash", "Birch", "Cedar"))
    h = _bearer(_user("officer", "officer"))
    client = Client()

    listed = client.get(f"/api/contests?organisation={org.slug}", **h).json()
    assert [x["id"] for x in listed] == [c.pk]
    assert listed[0]["next_states"] == ["nominations", "frozen"]

    report = _call(
        client,
        "post",
        f"/api/organisations/{org.slug}/register",
        h,
        {"csv": REGISTER, "dry_run": True},
    )
    assert report.status_code == 200, report.content
    assert report.json()["saved"] is False and report.json()["new"] == 3
    bad = _call(
        client,
        "post",
        f"/api/organisations/{org.slug}/register",
        h,
        {"csv": "member_id,name\nA1\n"},
    )
    assert bad.status_code == 400 and bad.json()["problem"]
    saved = _call(client, "post", f"/api/organisations/{org.slug}/register", h, {"csv": REGISTER})
    assert saved.json()["saved"] is True

    refused = _call(client, "post", f"/api/contests/{c.pk}/transition", h, {"to_state": "open"})
    assert refused.status_code == 409 and "Cannot open voting" in refused.json()["detail"]
    early = client.get(f"/api/contests/{c.pk}/result", **h)
    assert early.status_code == 409

    r = _call(client, "post", f"/api/contests/{c.pk}/transition", h, {"to_state": "frozen"})
    assert r.status_code == 200 and r.json()["state"] == "frozen"
    assert r.json()["eligible"] >= 1 and r.json()["ballots_cast"] is None

    issued = _call(client, "post", f"/api/contests/{c.pk}/credentials", h).json()
    codes = [x["code"] for x in issued["codes"]]
    assert issued["issued"] == len(codes) == r.json()["eligible"]
    again = _call(client, "post", f"/api/contests/{c.pk}/credentials", h)
    assert again.status_code == 409  # codes are shown once

    r = _call(client, "post", f"/api/contests/{c.pk}/transition", h, {"to_state": "open"})
    assert r.json()["state"] == "open"
    c.refresh_from_db()
    for n, code in enumerate(codes):
        voting.cast(c, code, [1 + n % 3])
    early_export = client.get(f"/api/contests/{c.pk}/export/csv", **h)
    assert early_export.status_code == 409
    _call(client, "post", f"/api/contests/{c.pk}/transition", h, {"to_state": "closed"})

    counted = _call(client, "post", f"/api/contests/{c.pk}/count", h)
    assert counted.status_code == 200, counted.content
    body = counted.json()
    assert body["state"] == "counted" and body["published_at"] is None
    assert body["result"]["format"] == "selectorate-result"
    assert body["result"]["elected"]

    r = _call(client, "post", f"/api/contests/{c.pk}/transition", h, {"to_state": "published"})
    assert r.json()["state"] == "published" and r.json()["ballots_cast"] == len(codes)
    result = client.get(f"/api/contests/{c.pk}/result", **h).json()
    assert result["published_at"] and result["result"] == body["result"]

    blt = client.get(f"/api/contests/{c.pk}/export/blt", **h)
    assert blt.status_code == 200 and blt.content.decode().startswith("3 1\n")
    record = client.get(f"/api/contests/{c.pk}/record", **h)
    assert record.status_code == 200 and record["Content-Type"] == "application/zip"


def test_nominations_recorded_and_checked_through_the_api():
    org = organisation()
    c = contest(org, names=("Ash", "Birch"), kind="stv_executive")
    h = _bearer(_user("officer", "officer"))
    client = Client()
    url = f"/api/contests/{c.pk}/nominations"
    body = {"candidate": 1, "nominator_kind": "clp", "nominator_name": "Test CLP"}
    closed = _call(client, "post", url, h, body)
    assert closed.status_code == 409 and "only while they are open" in closed.json()["detail"]
    lifecycle.transition(c, Contest.NOMINATIONS, "officer")
    r = _call(client, "post", url, h, body)
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["checked"] is True and out["outcome"]["rulebook"]
    assert out["nominations"] == [{"candidate": 1, "candidate_name": "Ash",
                                   "nominator_kind": "clp", "nominator_name": "Test CLP"}]
    # labour-2014 asks for 5 CLP nominations: one is too few, Birch has none.
    assert [d["name"] for d in out["unqualified"]] == ["Ash", "Birch"]
    assert "Birch: 0 CLP nominations" in out["refusal"] and "at least 5" in out["refusal"]
    again = _call(client, "post", url, h, body)
    assert again.status_code == 409 and "already nominated" in again.json()["detail"]
    assert _call(client, "post", url, h, {**body, "candidate": 9}).status_code == 404
    assert _call(client, "post", url, h, {**body, "nominator_kind": "x"}).status_code == 409
    assert client.get(url, **h).json() == {**out, "state": "nominations"}
    assert AuditEntry.objects.filter(action="nomination recorded").count() == 1


def test_reissue_one_code_through_the_api():
    org = organisation()
    c = contest(org)
    h = _bearer(_user("officer", "officer"))
    client = Client()
    url = f"/api/contests/{c.pk}/electors/M0001/reissue"
    assert _call(client, "post", url, h).status_code == 404  # no electorate yet
    lifecycle.transition(c, Contest.FROZEN, "officer")
    old = {i.member_no: i.code for i in voting.issue_credentials(c, "officer")}
    r = _call(client, "post", url, h)
    assert r.status_code == 200, r.content
    new = r.json()
    assert new["member_no"] == "M0001" and new["code"] != old["M0001"]
    assert _call(client, "post", f"/api/contests/{c.pk}/electors/M9999/reissue", h).status_code \
        == 404  # not eligible
    lifecycle.transition(c, Contest.OPEN, "officer")
    c.refresh_from_db()
    with pytest.raises(voting.VoteRefused):
        voting.cast(c, old["M0001"], [1])
    voting.cast(c, new["code"], [1])
    voted = _call(client, "post", url, h)
    assert voted.status_code == 409 and voted.json()["detail"] == voting.ALREADY_VOTED
    assert AuditEntry.objects.filter(action="credential reissued").count() == 1


# -- creating a contest from the rulebook ------------------------------------------------


def _new(client, h, org, **body):
    return _call(client, "post", f"/api/organisations/{org.slug}/contests", h, body)


def test_openapi_declares_the_contest_creation_responses():
    schema = Client().get("/api/openapi.json").json()
    op = schema["paths"]["/api/organisations/{slug}/contests"]["post"]
    def names(schema: dict) -> str:
        options = schema.get("anyOf", [schema])
        return " | ".join(o["$ref"].rsplit("/", 1)[1] for o in options)

    refs = {code: names(r["content"]["application/json"]["schema"])
            for code, r in op["responses"].items()}
    # 400: the request's field mistakes, or django-ninja's "Cannot parse request body".
    assert refs == {"200": "CreatedContest", "400": "FieldErrors | Message", "401": "Message",
                    "404": "Message", "409": "PlanRefused", "422": "ValidationErrors"}
    parts = schema["components"]["schemas"]
    assert {"detail", "errors"} <= set(parts["FieldErrors"]["properties"])
    assert {"detail", "field"} <= set(parts["PlanRefused"]["properties"])
    created = parts["CreatedContest"]["properties"]
    assert {"id", "state", "rules", "procedure", "leadership", "candidates"} <= set(created)
    body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"kind", "title", "candidates", "office", "case", "incumbent"} <= set(
        parts[body]["properties"])


def test_a_leadership_challenge_created_through_the_api():
    # labour-2014 leadership.toml: a challenge needs 20% of 232 MPs = 47 (Ch.4 Cl.II.2.B(ii)).
    org = organisation()
    h = _bearer(_user("officer", "officer"))
    client = Client()
    r = _new(client, h, org, kind="leadership", title="Leader 2016", freeze_date="2016-06-24",
             candidates=["Jeremy Corbyn", "Owen Smith"], case="challenge",
             incumbent="jeremy corbyn")
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["state"] == "draft" and out["method"] == "irv" and out["seats"] == 1
    assert out["leadership"] == {"office": "leader", "case": "challenge",
                                 "incumbent": "Jeremy Corbyn",
                                 "label": "challenge to the sitting leader, Jeremy Corbyn"}
    assert [c["name"] for c in out["candidates"]] == ["Jeremy Corbyn", "Owen Smith"]
    needed = next(x for x in out["rules"]
                  if x["label"] == "parliamentary nominations needed (challenge)")
    assert needed["value"].startswith("47 ") and "Cl.II.2.B(ii)" in needed["source"]
    assert needed["where"] == "labour-2014 leadership.toml"
    entry = AuditEntry.objects.get(action="contest created")
    assert entry.actor == "officer" and entry.contest_id == out["id"]
    assert entry.details["leadership"]["case"] == "challenge"
    assert entry.details["rules"] == out["rules"]
    assert client.get(f"/api/contests/{out['id']}", **h).json()["leadership"] == out["leadership"]

    lifecycle.transition(Contest.objects.get(pk=out["id"]), Contest.NOMINATIONS, "officer")
    url = f"/api/contests/{out['id']}/nominations"
    for i in range(46):
        _call(client, "post", url, h, {"candidate": 2, "nominator_kind": "mp",
                                       "nominator_name": f"MP {i}"})
    checked = client.get(url, **h).json()
    assert checked["leadership"]["case"] == "challenge"
    assert checked["outcome"]["figures"][0]["value"] == "47"
    assert [d["name"] for d in checked["unqualified"]] == ["Owen Smith"]
    assert "46 is short of the 47 needed" in checked["refusal"]


def test_contest_creation_refusals():
    org = organisation()
    h = _bearer(_user("officer", "officer"))
    client = Client()
    bad = _new(client, h, org, kind="leadership", title="", freeze_date="1 May",
               candidates=["Ash", "ash"])
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"title", "freeze_date", "candidates"}
    assert bad.json()["detail"].startswith("Enter the contest's title.")
    assert _new(client, h, org, kind="referendum", title="X").json()["errors"] == {
        "kind": "Choose the kind of contest."}
    missing = _new(client, h, org, kind="leadership", title="X", candidates=["Ash", "Birch"],
                   case="challenge")
    assert missing.status_code == 400 and "incumbent" in missing.json()["errors"]
    assert _new(client, h, org, kind="motion", title="X", case="vacancy").status_code == 400
    office = _new(client, h, org, kind="leadership", title="X", candidates=["Ash", "Birch"],
                  office="treasurer")
    assert office.status_code == 409 and office.json()["field"] == "office"
    org.rulebook_id = "conservative-2019"
    org.save()
    no_challenge = _new(client, h, org, kind="leadership", title="X", candidates=["Ash", "B"],
                        case="challenge", incumbent="Ash")
    assert no_challenge.status_code == 409
    assert no_challenge.json() == {
        "field": "case",
        "detail": "rulebook conservative-2019 provides no challenge to a sitting leader (its "
                  "leadership.toml has no [challenge] rule): only a vacancy can be run."}
    no_procedure = _new(client, h, org, kind="selection", title="X", candidates=["Ash", "B"])
    assert no_procedure.status_code == 409 and no_procedure.json()["field"] == "kind"
    assert "has no selection procedure" in no_procedure.json()["detail"]
    shape = _call(client, "post", f"/api/organisations/{org.slug}/contests", h,
                  {"kind": "motion", "title": "X", "candidates": "Ash"})
    assert shape.status_code == 422 and isinstance(shape.json()["detail"], list)
    assert _call(client, "post", "/api/organisations/nowhere/contests", h,
                 {"kind": "motion", "title": "X"}).status_code == 404
    assert not Contest.objects.exists() and not AuditEntry.objects.exists()


def test_a_motion_created_through_the_api_has_the_fixed_ballot():
    org = organisation()
    h = _bearer(_user("officer", "officer"))
    r = _new(Client(), h, org, kind="motion", title="No confidence", candidates=["ignored"])
    assert r.status_code == 200, r.content
    assert [c["name"] for c in r.json()["candidates"]] == ["For", "Against"]
    assert r.json()["leadership"] is None and r.json()["procedure"] == "motion"
