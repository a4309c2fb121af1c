"""Server-rendered pages: the voter's flow, officers' and scrutineers' pages, public results."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client
from web_factories import contest, organisation

from selectorate.web.elections import lifecycle, voting
from selectorate.web.elections.models import (
    AuditEntry,
    CastBallot,
    Contest,
    Credential,
    Member,
)

pytestmark = pytest.mark.django_db

NAMES = ("Quillon Ash", "Zephyrine Birch", "Marrowby Cedar", "Tamsin Damson")


def _open(kind="selection", method="irv", names=NAMES):
    org = organisation()
    c = contest(org, names=names, method=method, kind=kind)
    lifecycle.transition(c, Contest.FROZEN, "officer")
    codes = [i.code for i in voting.issue_credentials(c, "officer")]
    lifecycle.transition(c, Contest.OPEN, "officer")
    return c, codes


def _user(name, group=None):
    user = User.objects.create_user(name, password="pw-for-tests-1234")
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    client = Client()
    client.force_login(user)
    return client


def _text(response):
    return response.content.decode()


# -- the voter's flow ----------------------------------------------------------------


def test_voter_flow_end_to_end():
    c, codes = _open()
    client = Client()
    page = client.get("/vote/")
    assert page.status_code == 200
    assert '<label for="code">' in _text(page) and 'href="#main"' in _text(page)

    ballot = client.post("/vote/", {"code": codes[0].lower()})  # case is forgiven
    assert ballot.status_code == 200
    body = _text(ballot)
    assert "<legend>Number the candidates in order of your preference</legend>" in body
    for pos, name in enumerate(NAMES, start=1):
        assert f'<label for="rank-{pos}">{name}</label>' in body
    assert "no-store" in ballot["Cache-Control"]

    confirm = client.post("/vote/confirm/", {"code": codes[0], "rank-2": "1", "rank-4": "2"})
    assert confirm.status_code == 200
    body = _text(confirm)
    assert re.search(r"<li>Zephyrine Birch</li>\s*<li>Tamsin Damson</li>", body)
    assert "Cast my vote" in body and "Change my choices" in body
    assert CastBallot.objects.count() == 0  # nothing stored before the cast

    # "Change my choices" comes back to the ballot filled in as left.
    back = client.post("/vote/ballot/", {"code": codes[0], "rank-2": "1", "rank-4": "2"})
    assert 'name="rank-2" value="1"' in _text(back)

    cast = client.post("/vote/cast/", {"code": codes[0], "rank-2": "1", "rank-4": "2"})
    assert cast.status_code == 200
    body = _text(cast)
    assert "Your vote has been cast" in body
    receipt = re.search(r'<code class="receipt-code" id="receipt">([^<]+)</code>', body).group(1)
    assert len(receipt) >= 22
    assert not any(name in body for name in NAMES)  # never the choices after submission
    assert "no-store" in cast["Cache-Control"]
    assert list(CastBallot.objects.values_list("rankings", flat=True)) == [[2, 4]]
    assert Credential.objects.filter(used=True).count() == 1

    # While open, the receipt check says to wait; once closed, "Included".
    assert "still open" in _text(client.post("/receipt/", {"receipt": receipt}))
    lifecycle.transition(c, Contest.CLOSED, "officer")
    answer = client.post("/receipt/", {"receipt": receipt})
    assert "<strong>Included</strong>" in _text(answer)
    assert not any(name in _text(answer) for name in NAMES)
    assert "Not found" in _text(client.post("/receipt/", {"receipt": "nope" + receipt}))
    assert client.post("/receipt/", {"receipt": ""}).status_code == 400


def test_used_code_gets_the_same_answer_every_time():
    c, codes = _open()
    client = Client()
    assert client.post("/vote/cast/", {"code": codes[0], "rank-1": "1"}).status_code == 200
    answers = [
        client.post("/vote/", {"code": codes[0]}),
        client.post("/vote/cast/", {"code": codes[0], "rank-1": "1"}),
        client.post("/vote/confirm/", {"code": codes[0], "rank-3": "1"}),
    ]
    assert {a.status_code for a in answers} == {409}
    assert all(voting.ALREADY_VOTED in _text(a) for a in answers)
    assert CastBallot.objects.count() == 1


def test_unknown_code_and_closed_contest():
    c, codes = _open()
    client = Client()
    bad = client.post("/vote/", {"code": "AAAAA-BBBBB"})
    assert bad.status_code == 400
    body = _text(bad)
    assert 'href="#code"' in body and 'aria-invalid="true"' in body and "<title>Error:" in body
    assert client.post("/vote/", {"code": ""}).status_code == 400
    lifecycle.transition(c, Contest.CLOSED, "officer")
    closed = client.post("/vote/", {"code": codes[1]})
    assert closed.status_code == 409 and "has closed" in _text(closed)


@pytest.mark.parametrize(
    ("marks", "message", "field"),
    [
        ({"rank-1": "1", "rank-2": "1"}, "You gave the number 1 to more than one candidate", 1),
        ({"rank-1": "1", "rank-3": "3"}, "You skipped the number 2", 3),
        ({"rank-2": "2"}, "There is no number 1", 2),
        ({"rank-4": "x"}, "must be a whole number from 1 to 4", 4),
        ({"rank-4": "9"}, "must be a whole number from 1 to 4", 4),
        ({}, "Number at least one candidate", 1),
    ],
)
def test_ranked_ballot_validation(marks, message, field):
    c, codes = _open()
    response = Client().post("/vote/confirm/", {"code": codes[0], **marks})
    assert response.status_code == 400
    body = _text(response)
    assert message in body
    assert f'<a href="#rank-{field}">' in body  # the error summary links to the field
    assert 'id="error-summary"' in body and 'role="alert"' in body
    assert CastBallot.objects.count() == 0
    # The cast route checks again: a tampered form is refused, nothing stored.
    assert Client().post("/vote/cast/", {"code": codes[0], **marks}).status_code == 400
    assert CastBallot.objects.count() == 0


def test_motion_is_for_or_against():
    c, codes = _open(kind="motion", method="fptp", names=("For", "Against"))
    client = Client()
    ballot = _text(client.post("/vote/", {"code": codes[0]}))
    assert 'type="radio" id="choice-1" name="choice" value="1"' in ballot
    assert "How do you vote on this motion?" in ballot
    missing = client.post("/vote/confirm/", {"code": codes[0]})
    assert missing.status_code == 400 and "Choose how you vote on the motion" in _text(missing)
    assert "<strong>Against</strong>" in _text(
        client.post("/vote/confirm/", {"code": codes[0], "choice": "2"})
    )
    cast = client.post("/vote/cast/", {"code": codes[0], "choice": "2"})
    assert "Your vote has been cast" in _text(cast) and "Against" not in _text(cast)
    assert list(CastBallot.objects.values_list("rankings", flat=True)) == [[2]]


# -- CSRF and roles --------------------------------------------------------------------


def test_csrf_required_on_state_changing_routes():
    c, codes = _open()
    officer = User.objects.create_user("ro", password="pw-for-tests-1234")
    officer.groups.add(Group.objects.get_or_create(name="officer")[0])
    client = Client(enforce_csrf_checks=True)
    for url, data in [
        ("/vote/", {"code": codes[0]}),
        ("/vote/confirm/", {"code": codes[0], "rank-1": "1"}),
        ("/vote/cast/", {"code": codes[0], "rank-1": "1"}),
        ("/receipt/", {"receipt": "x"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    client.force_login(officer)
    for url, data in [
        (f"/officer/contests/{c.pk}/transition/", {"to_state": "closed"}),
        (f"/officer/contests/{c.pk}/credentials/", {"action": "reissue", "member_no": "M0001"}),
        ("/officer/register/", {"action": "check"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    c.refresh_from_db()
    assert c.state == Contest.OPEN and CastBallot.objects.count() == 0


def test_officer_pages_require_the_officer_group():
    c, _ = _open()
    urls = [
        "/officer/",
        f"/officer/contests/{c.pk}/",
        f"/officer/contests/{c.pk}/credentials/",
        "/officer/register/",
        "/scrutineer/audit/",
    ]
    anonymous = Client()
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    member = _user("someone")
    for url in urls:
        assert member.get(url).status_code == 403, url
    assert (
        member.post(f"/officer/contests/{c.pk}/transition/", {"to_state": "closed"}).status_code
        == 403
    )
    officer = _user("ro", "officer")
    for url in urls:
        assert officer.get(url).status_code == 200, url
    c.refresh_from_db()
    assert c.state == Contest.OPEN


def test_scrutineer_is_read_only():
    c, _ = _open()
    scrutineer = _user("scrut", "scrutineer")
    assert scrutineer.get("/officer/").status_code == 200
    detail = _text(scrutineer.get(f"/officer/contests/{c.pk}/"))
    assert "Close voting" not in detail and "/transition/" not in detail
    audit_page = scrutineer.get("/scrutineer/audit/")
    assert audit_page.status_code == 200 and "The hash chain is intact" in _text(audit_page)
    for url, data in [
        (f"/officer/contests/{c.pk}/transition/", {"to_state": "closed"}),
        (f"/officer/contests/{c.pk}/credentials/", {"action": "reissue", "member_no": "M0001"}),
        ("/officer/register/", {"action": "check"}),
    ]:
        assert scrutineer.post(url, data).status_code == 403, url
    assert scrutineer.get(f"/officer/contests/{c.pk}/credentials/").status_code == 403
    c.refresh_from_db()
    assert c.state == Contest.OPEN


# -- officers' tasks ----------------------------------------------------------------------


def test_officer_runs_a_contest_from_draft_to_published():
    org = organisation()
    c = contest(org, names=NAMES)
    officer = _user("ro", "officer")
    detail = _text(officer.get(f"/officer/contests/{c.pk}/"))
    assert "Freeze the electorate" in detail

    # A refusal is shown with its message and changes nothing.
    refused = officer.post(f"/officer/contests/{c.pk}/transition/", {"to_state": "published"})
    assert refused.status_code == 409
    assert "Cannot publish the result of" in _text(refused)

    frozen = officer.post(f"/officer/contests/{c.pk}/transition/", {"to_state": "frozen"})
    assert frozen.status_code == 302
    download = officer.post(
        f"/officer/contests/{c.pk}/credentials/", {"action": "issue", "delivery": "csv"}
    )
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert [r["member_no"] for r in rows] == ["M0001", "M0002", "M0003", "M0004", "M0005"]
    assert all(r["vote_url"].endswith("/vote/") for r in rows)
    c.refresh_from_db()
    assert c.state == Contest.CREDENTIALS
    assert (
        officer.post(f"/officer/contests/{c.pk}/transition/", {"to_state": "open"}).status_code
        == 302
    )

    voter = Client()
    for i, row in enumerate(rows[:3]):
        marks = {"rank-1": "1"} if i < 2 else {"rank-3": "1", "rank-1": "2"}
        assert voter.post("/vote/cast/", {"code": row["code"], **marks}).status_code == 200

    # While open: no candidate-level figure anywhere.
    _assert_no_candidate_figures(c, officer)

    for state in ("closed", "counted"):
        assert (
            officer.post(f"/officer/contests/{c.pk}/transition/", {"to_state": state}).status_code
            == 302
        )
    sheet = officer.get(f"/officer/contests/{c.pk}/result/")
    assert sheet.status_code == 200 and "Quillon Ash" in _text(sheet)
    scrutineer = _user("scrut", "scrutineer")
    assert "Quillon Ash" in _text(scrutineer.get(f"/scrutineer/contests/{c.pk}/count/"))
    public = Client().get(f"/results/{c.pk}/")
    assert "has not been published" in _text(public) and "Quillon Ash" not in _text(public)

    assert (
        officer.post(f"/officer/contests/{c.pk}/transition/", {"to_state": "published"}).status_code
        == 302
    )
    public = _text(Client().get(f"/results/{c.pk}/"))
    assert "Quillon Ash" in public and "<h1>Result: " in public
    assert f'href="/results/{c.pk}/"' in _text(Client().get("/results/"))
    assert "contest published" in AuditEntry.objects.values_list("action", flat=True)


def _assert_no_candidate_figures(c, officer):
    scrutineer = _user("scrut-open", "scrutineer")
    anonymous = Client()
    for client in (anonymous, officer, scrutineer):
        for url in ("/", "/results/", f"/results/{c.pk}/"):
            assert not any(name in _text(client.get(url)) for name in NAMES), url
    for client in (officer, scrutineer):
        assert client.get(f"/officer/contests/{c.pk}/result/").status_code in (403, 404)
        assert client.get(f"/scrutineer/contests/{c.pk}/count/").status_code == 404
        audit_page = _text(client.get("/scrutineer/audit/"))
        assert not any(name in audit_page for name in NAMES)
        assert "rankings" not in audit_page
        detail = _text(client.get(f"/officer/contests/{c.pk}/"))
        assert "<table" not in detail and "First preferences" not in detail


def test_credentials_by_email_and_reissue():
    org = organisation()
    c = contest(org, names=NAMES)
    lifecycle.transition(c, Contest.FROZEN, "officer")
    officer = _user("ro", "officer")
    response = officer.post(
        f"/officer/contests/{c.pk}/credentials/", {"action": "issue", "delivery": "email"}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 5
    code = re.search(r"code is:\s+(\S+)", mail.outbox[0].body).group(1)
    assert mail.outbox[0].to == ["m1@example.org"]

    lifecycle.transition(c, Contest.OPEN, "officer")
    reissued = officer.post(
        f"/officer/contests/{c.pk}/credentials/", {"action": "reissue", "member_no": "M0001"}
    )
    assert reissued.status_code == 200
    new_code = re.search(r'<code class="receipt-code">([^<]+)</code>', _text(reissued)).group(1)
    voter = Client()
    assert voter.post("/vote/", {"code": code}).status_code == 400  # the old code is dead
    assert voter.post("/vote/cast/", {"code": new_code, "rank-1": "1"}).status_code == 200
    again = officer.post(
        f"/officer/contests/{c.pk}/credentials/", {"action": "reissue", "member_no": "M0001"}
    )
    assert again.status_code == 400 and voting.ALREADY_VOTED in _text(again)
    unknown = officer.post(
        f"/officer/contests/{c.pk}/credentials/", {"action": "reissue", "member_no": "X1"}
    )
    assert unknown.status_code == 400 and 'href="#member_no"' in _text(unknown)


REGISTER = (
    "member_id,name,category,status,joined,paid_up_to,email\n"
    "N1,New Person,member,active,2021-05-01,2025-01-01,new@example.org\n"
    "M0001,Member One Renamed,member,active,2020-01-01,2025-01-01,m1@example.org\n"
    "N2,Gone Person,member,expelled,2019-01-01,,\n"
)


def _upload(client, org, text, name="register.csv"):
    upload = io.BytesIO(text.encode())
    upload.name = name
    return client.post(
        "/officer/register/", {"organisation": org.pk, "action": "check", "register": upload}
    )


def test_register_import_reports_before_saving():
    org = organisation()
    officer = _user("ro", "officer")
    before = Member.objects.count()
    report = _upload(officer, org, REGISTER)
    assert report.status_code == 200
    body = _text(report)
    assert "Nothing has been saved yet" in body
    assert "<dt>New members</dt><dd>2</dd>" in body
    assert "<dt>Members updated</dt><dd>1</dd>" in body
    assert "stored as &#x27;suspended&#x27;" in body
    assert Member.objects.count() == before
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', body))
    saved = officer.post("/officer/register/", {**fields, "action": "save"})
    assert saved.status_code == 302
    assert Member.objects.count() == before + 2
    assert Member.objects.get(member_no="M0001").name == "Member One Renamed"
    assert Member.objects.get(member_no="N2").status == "suspended"
    assert AuditEntry.objects.filter(action="register imported").count() == 1


def test_register_import_refuses_a_bad_file_whole():
    org = organisation()
    officer = _user("ro", "officer")
    before = list(Member.objects.values_list("member_no", "name"))
    bad = REGISTER + "N3,Bad Date,member,active,2021-13-01,,\n"
    report = _upload(officer, org, bad)
    assert report.status_code == 400
    body = _text(report)
    assert "register.csv: row 5, column &#x27;joined&#x27;" in body
    assert "Nothing has been saved" in body and 'value="save"' not in body
    missing = officer.post("/officer/register/", {"organisation": org.pk, "action": "check"})
    assert missing.status_code == 400 and 'href="#register"' in _text(missing)
    assert list(Member.objects.values_list("member_no", "name")) == before


def test_count_refusal_shown_when_not_closed():
    c, codes = _open()
    officer = _user("ro", "officer")
    response = officer.post(f"/officer/contests/{c.pk}/transition/", {"to_state": "counted"})
    assert response.status_code == 409 and "Cannot mark as counted" in _text(response)


def test_the_audit_page_counts_cast_lines_waiting_to_be_chained(client):
    """A web cast on PostgreSQL leaves its line pending until a batch is chained: the
    scrutineer sees how many, so the log never silently shows fewer casts than ballots."""
    from django.utils import timezone

    from selectorate.web.elections.models import PendingAuditEntry

    org = organisation()
    c = contest(org)
    PendingAuditEntry.objects.create(at=timezone.now(), actor="voter", action="ballot cast",
                                     contest=c)
    user = User.objects.create_user("scrut-pending", password="pw-for-tests-1234", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="scrutineer")[0])
    client.force_login(user)
    page = client.get("/scrutineer/audit/").content.decode()
    assert '1 "ballot cast" line is stored with its ballot and waiting to be chained' in page
