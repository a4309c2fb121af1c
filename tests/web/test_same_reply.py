"""The same reply on and off the register: sign-in and the voter's "lost my code" page.

A page that answers differently for an address or a username that exists tells
an outsider who is a member (or an officer). Both pages are compared byte for
byte after taking out the one part that differs by design, the CSRF token
(and, for sign-in, the username the form echoes back, which is what was typed).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client
from web_factories import contest, organisation

from selectorate.web.elections import lifecycle, voting
from selectorate.web.elections.models import AuditEntry, Contest, Credential, Member

pytestmark = pytest.mark.django_db

_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _normalised(response, *typed: str) -> bytes:
    body = _CSRF.sub(b'name="csrfmiddlewaretoken" value="TOKEN"', response.content)
    for text in typed:
        body = body.replace(text.encode(), b"TYPED")
    return body


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


# -- sign in ---------------------------------------------------------------------------


def test_sign_in_answers_the_same_for_unknown_users_and_wrong_passwords():
    officer = User.objects.create_user("returning-officer", password="right-password-123")
    officer.groups.add(Group.objects.get_or_create(name="officer")[0])
    User.objects.create_user("gone-officer", password="right-password-456", is_active=False)
    attempts = {
        "existing user, wrong password": ("returning-officer", "wrong-password"),
        "no such user": ("nobody-by-this-name", "wrong-password"),
        "inactive user, right password": ("gone-officer", "right-password-456"),
        "existing user, empty password": ("returning-officer", ""),
    }
    pages = {}
    for label, (username, password) in attempts.items():
        response = Client().post("/accounts/login/", {"username": username,
                                                     "password": password})
        assert response.status_code == 200, label
        assert "_auth_user_id" not in Client().session
        # Headers alike too, but for the cookie, the clock (Expires) and the body's length
        # (which follows the length of the username typed).
        pages[label] = (response.status_code, sorted(
            (k, v) for k, v in response.headers.items()
            if k.lower() not in ("set-cookie", "expires", "content-length")
        ), _normalised(response, username))
    first = next(iter(pages.values()))
    differing = [label for label, page in pages.items() if page != first]
    assert not differing, differing
    assert b"did not match" in first[2]
    # The admin's own sign-in page answers alike too (an empty password is refused as
    # "required" there, whoever types it, so that attempt is left out).
    admin_pages = {
        _normalised(Client().post("/admin/login/", {"username": u, "password": p}), u)
        for u, p in attempts.values() if p
    }
    assert len(admin_pages) == 1


# -- lost my code ------------------------------------------------------------------------


def _open_contest():
    org = organisation()
    c = contest(org)
    lifecycle.transition(c, Contest.FROZEN, "officer")
    issued = {i.member_no: i.code for i in voting.issue_credentials(c, "officer")}
    lifecycle.transition(c, Contest.OPEN, "officer")
    return c, issued


def _ask(email: str):
    return Client().post("/vote/lost-code/", {"email": email})


def test_lost_code_page_gives_one_reply_on_and_off_the_register():
    c, issued = _open_contest()
    voted_code = issued["M0002"]
    voting.cast(c, voted_code, [1])
    Member.objects.create(organisation=c.organisation, member_no="M0100", name="Not Eligible",
                          email="late@example.org", joined="2024-06-01",
                          paid_up_to="2025-01-01")
    cases = {
        "on the roll": "m1@example.org",
        "on the roll, other case": "M3@Example.ORG",
        "on the roll, already voted": "m2@example.org",
        "member, not on the roll": "late@example.org",
        "not a member": "stranger@example.org",
    }
    chain = AuditEntry.objects.count()
    replies = {}
    sent = {}
    for label, email in cases.items():
        before = len(mail.outbox)
        response = _ask(email)
        assert response.status_code == 200, label
        replies[label] = (response.status_code, _normalised(response))
        sent[label] = mail.outbox[before:]
    first = replies["on the roll"]
    assert all(r == first for r in replies.values()), [k for k, r in replies.items() if r != first]
    assert b"If this address is on the register, a new code is on its way" in first[1]
    assert b"m1@example.org" not in first[1]  # nothing typed is echoed
    # Email goes only to electors who can still vote, at the register's address.
    assert {k: [m.to for m in v] for k, v in sent.items()} == {
        "on the roll": [["m1@example.org"]],
        "on the roll, other case": [["m3@example.org"]],
        "on the roll, already voted": [],
        "member, not on the roll": [],
        "not a member": [],
    }
    assert AuditEntry.objects.count() == chain + 2
    assert list(AuditEntry.objects.filter(action="credential reissued")
                .values_list("details__member_no", flat=True)) == ["M0001", "M0003"]


def test_the_new_code_works_and_the_old_one_stops():
    c, issued = _open_contest()
    old = issued["M0001"]
    _ask("m1@example.org")
    (message,) = mail.outbox
    new = re.search(r"^    (\S+)$", message.body, re.M).group(1)
    assert new != old and c.title in message.subject
    assert Credential.objects.filter(code_hash=voting.code_hash(old)).count() == 0
    with pytest.raises(voting.VoteRefused, match="not a voting code"):
        voting.cast(c, old, [1])
    assert voting.cast(c, new, [2])
    # Once voted, asking again sends nothing and changes nothing.
    before = Credential.objects.get(elector__member__member_no="M0001").code_hash
    assert _ask("m1@example.org").status_code == 200
    assert len(mail.outbox) == 1
    assert Credential.objects.get(elector__member__member_no="M0001").code_hash == before


def test_no_code_reissued_before_credentials_or_after_close():
    org = organisation()
    c = contest(org)
    lifecycle.transition(c, Contest.FROZEN, "officer")
    assert _ask("m1@example.org").status_code == 200
    codes = {i.member_no: i.code for i in voting.issue_credentials(c, "officer")}
    lifecycle.transition(c, Contest.OPEN, "officer")
    lifecycle.transition(c, Contest.CLOSED, "officer")
    assert _ask("m1@example.org").status_code == 200
    assert mail.outbox == []
    assert Credential.objects.filter(code_hash=voting.code_hash(codes["M0001"])).exists()


def test_a_malformed_address_is_told_so_whoever_asks():
    org = organisation()
    Member.objects.filter(organisation=org, member_no="M0001").update(email="not-an-address")
    for typed in ("", "not-an-address", "x@"):
        response = _ask(typed)
        assert response.status_code == 400
        assert b'href="#email"' in response.content
    assert mail.outbox == []
