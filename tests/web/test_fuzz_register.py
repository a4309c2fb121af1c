"""Fuzzing the web register import: a clear refusal or a whole import, never a crash or a part.

Inputs are register CSV texts: the seeds below (every column, the service's
``email`` and ``unit`` extras, quoted cells, a BOM, blank lines) and their
mutations (:mod:`fuzz_strategies`: bytes flipped, dropped or repeated; cells,
words and numbers replaced by awkward values such as NUL, lone surrogates,
5,000-digit numbers, over-long names; rows dropped, repeated or blanked),
decoded as the API decodes JSON text (invalid bytes become lone surrogates).

Each text is checked (``register_import.check``) and, when the check finds no
problem, saved (``register_import.save``), under a 10 s alarm:

* the check never raises; a refused file has a one-line problem and leaves
  the database as it was (members, units, audit entries);
* a saved file adds exactly ``report.new`` members and one audit entry, and
  every importable row is stored with its name and email (no row takes
  another row's email: the extras stay aligned);
* through the API (``POST /api/organisations/{slug}/register``), any text
  gets 200 or 400, never 5xx, and a 400 changes nothing.

Run on SQLite and on PostgreSQL (``DATABASE_URL``): PostgreSQL refuses NUL
characters and over-long values, which SQLite stores.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st
from web_factories import organisation

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared fuzz helpers

from fuzz_strategies import fuzz_settings, inputs  # noqa: E402
from fuzz_targets import Hang, deadline  # noqa: E402

from selectorate.web.elections import register_import  # noqa: E402
from selectorate.web.elections.api import make_token  # noqa: E402
from selectorate.web.elections.models import AuditEntry, Member, Unit  # noqa: E402

pytestmark = pytest.mark.django_db

HEADER = (
    "member_id,name,category,status,joined,paid_up_to,supporter_registered_on,"
    "fee_paid,fee_paid_on,email,unit"
)
SEEDS = [
    (
        f"{HEADER}\n"
        "M0001,Member One Renamed,member,active,2020-01-01,2030-01-01,,,,m1@example.org,\n"
        "N1,New Person,member,expelled,2021-05-01,2030-01-01,,,,n1@example.org,Ward 1\n"
        "\n"
        'N2,"Smith, Jo",affiliated_supporter,active,2019-01-01,,2019-02-01,,,,Unite\n'
        "N3,Reg Supporter,registered_supporter,active,,,2016-07-19,£25,2016-07-19,r@x.org,\n"
    ).encode(),
    (
        "\ufeffemail,member_id,name,category,status,joined\r\n"
        "a@example.org,A1,Ann,member,active,2001-01-31\r\n"
        ",A2,Ben,member,resigned,2002-02-28\r\n"
    ).encode(),
    b"member_id,name,category,status,joined\nX1,Only Core,member,lapsed,1999-12-31\n",
]

register_texts = inputs("csv", SEEDS).map(lambda b: b.decode("utf-8", "surrogateescape"))


def _counts() -> tuple[int, int, int]:
    return Member.objects.count(), Unit.objects.count(), AuditEntry.objects.count()


@pytest.fixture
def org():
    """An organisation with members M0001.., a branch and an affiliate."""
    o = organisation()
    Unit.objects.create(organisation=o, kind=Unit.BRANCH, name="Ward 1")
    Unit.objects.create(organisation=o, kind=Unit.AFFILIATE, name="Unite", affiliate_type="union")
    return o


def _emails_in(text: str) -> dict[str, str]:
    """member_id -> the email cell of its row, read straight from the CSV text."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    if not rows:
        return {}
    header = [c.strip() for c in rows[0]]
    if "member_id" not in header or "email" not in header:
        return {}
    k, e = header.index("member_id"), header.index("email")
    return {r[k].strip(): r[e].strip() for r in rows[1:] if len(r) == len(header)}


def import_once(org, text: str) -> str:
    """Check and (if clean) save ``text``; assert all-or-nothing. ``"saved"`` or ``"refused"``."""
    before = _counts()
    with transaction.atomic():  # each example starts from the same register
        try:
            with deadline(10):
                report = register_import.check(org, "register.csv", text)
                if report.problem:
                    assert "\n" not in report.problem and report.problem.strip()
                    assert _counts() == before, "a refused register changed the database"
                    outcome = "refused"
                else:
                    register_import.save(report, "fuzz")
                    outcome = "saved"
        except Hang as exc:
            raise AssertionError(f"register import hangs: {exc}") from None
        if outcome == "saved":
            members, units, audit = _counts()
            assert (members, units, audit) == (before[0] + report.new, before[1], before[2] + 1)
            stored = {
                m.member_no: (m.name, m.email) for m in Member.objects.filter(organisation=org)
            }
            own_email = _emails_in(text)
            for row in report.rows:
                assert stored[row.member_no] == (row.fields["name"], row.fields["email"])
                # the email saved is the one on this member's own row of the file
                assert row.fields["email"] == own_email.get(row.member_no, ""), row.member_no
        transaction.set_rollback(True)
    return outcome


def test_seeds_import(org):
    """The seeds are valid registers: the fuzzing starts from files that import."""
    for seed in SEEDS:
        assert import_once(org, seed.decode()) == "saved"


@fuzz_settings(ci=150, long=3000)
@given(text=register_texts)
def test_register_import_is_all_or_nothing(org, text):
    event(import_once(org, text))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (f"{HEADER}\nA1,Ann,member,active,2020-01-01,,,,,a@x.org,\n,,,,,,,,,ghost@x.org,\n"
         "A2,Ben,member,active,2020-01-01,,,,,b@x.org,\n", "row 3: only email/unit given"),
        ("member_id,name,category,status,joined\nA1,Ann\x00,member,active,2020-01-01\n",
         "line 2: a NUL character"),
        ("member_id,name,category,status,joined\nA1,\ud800,member,active,2020-01-01\n",
         "line 2: a lone surrogate"),
        ("member_id,name,category,status,joined\nA1," + "x" * 201 + ",member,active,2020-01-01\n",
         "row 2, column 'name': longer than 200 characters"),
        ("member_id,name,category,status,joined\n" + "7" * 41 + ",Ann,member,active,2020-01-01\n",
         "row 2, column 'member_id': longer than 40 characters"),
        ("member_id,name,category,status,joined,email\nA1,Ann,member,active,2020-01-01,not-mail\n",
         "row 2, column 'email': 'not-mail' is not an email address"),
        ("member_id,name,category,status,joined,email,email\nA1,Ann,member,active,2020-01-01,,\n",
         "column 'email': column named twice"),
    ],
    ids=["email-only-row", "nul", "lone-surrogate", "long-name", "long-member-id", "bad-email",
         "email-twice"],
)  # fmt: skip
def test_found_by_fuzzing(org, text, problem):
    """Each input class the fuzzing found is refused whole, with the row named."""
    before = _counts()
    report = register_import.check(org, "register.csv", text)
    assert problem in report.problem
    assert _counts() == before


def test_save_is_all_or_nothing_when_a_row_fails(org, monkeypatch):
    """A database failure on the last row rolls back every row before it."""
    report = register_import.check(org, "register.csv", SEEDS[0].decode())
    assert not report.problem and report.importable >= 3
    before = _counts()
    real = Member.objects.update_or_create
    calls = []

    def failing(*args, **kwargs):
        calls.append(kwargs["member_no"])
        if len(calls) == report.importable:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(Member.objects, "update_or_create", failing)
    with pytest.raises(RuntimeError):
        register_import.save(report, "fuzz")
    assert len(calls) == report.importable
    assert _counts() == before


@pytest.fixture
def officer_client():
    user = User.objects.create_user("fuzz-officer", password="a-long-test-password-1")
    user.groups.add(Group.objects.get_or_create(name="officer")[0])
    return Client(HTTP_AUTHORIZATION=f"Bearer {make_token(user)}")


@fuzz_settings(ci=40, long=1000)
@given(text=register_texts, dry_run=st.booleans())
def test_register_api_never_fails_with_5xx(org, officer_client, text, dry_run):
    """Through the API: 200 or 400 for any text (lone surrogates included); 400 saves nothing."""
    with transaction.atomic():
        before = _counts()
        body = json.dumps({"csv": text, "filename": "register.csv", "dry_run": dry_run})
        with deadline(10):
            response = officer_client.post(
                f"/api/organisations/{org.slug}/register", body, content_type="application/json"
            )
        assert response.status_code in (200, 400), response.content[:300]
        out = response.json()
        if response.status_code == 400:
            assert out["problem"] and not out["saved"]
            assert _counts() == before
        else:
            assert out["saved"] is (not dry_run)
        event(f"{response.status_code} saved={out['saved']}")
        transaction.set_rollback(True)
