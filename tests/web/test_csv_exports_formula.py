"""CSV formula neutralisation in every CSV the service produces.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is run as a formula by spreadsheets (OWASP, "CSV Injection"); the service
prefixes such a cell with ``'`` (:func:`selectorate.web.elections.exports.neutralise_cell`).

The CSV routes (:data:`CSV_ROUTES`; the access matrix checks that no other
route answers ``text/csv``):

* the mail-merge file of new voting codes (``POST /officer/contests/<pk>/credentials/``,
  ``delivery=csv``; and with ``delivery=email``, the file of those without an email);
* the anonymised ballots (``GET /api/contests/<id>/export/csv``).

There is no CSV register report or result CSV route (the register report is an
HTML page; results are HTML and JSON). Candidate names, member names and
emails and the contest title each start with every prefix; after parsing,
every cell must be free of a formula start, and every such value must come back
as ``'`` + the value.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from web_factories import FREEZE

from selectorate.web.elections import lifecycle, voting
from selectorate.web.elections.exports import FORMULA_PREFIXES
from selectorate.web.elections.models import Candidate, Contest, Member, Organisation

pytestmark = pytest.mark.django_db

#: Route patterns (as the URL resolver spells them) that answer CSV.
CSV_ROUTES = {"officer/contests/<int:pk>/credentials/", "api/contests/<contest_id>/export/<fmt>"}

DANGEROUS = [
    "=HYPERLINK(\"http://x.example/\",\"click\")",
    "+44 20 7946 0000",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]


def _officer() -> Client:
    user = User.objects.create_user("ro", password="x")
    user.groups.add(Group.objects.get_or_create(name="officer")[0])
    client = Client()
    client.force_login(user)
    return client


def _org() -> Organisation:
    org = Organisation.objects.create(name="=Org", slug="csv-org", rulebook_id="labour-2014")
    for i, bad in enumerate(DANGEROUS, start=1):
        Member.objects.create(organisation=org, member_no=f"M{i:03d}", name=bad,
                              email=f"{bad[:1]}m{i}@example.org" if i % 2 else "",
                              joined="2020-01-01", paid_up_to="2030-01-01")
    Member.objects.create(organisation=org, member_no="-007", name="Plain Name",
                          email="@plain@example.org", joined="2020-01-01",
                          paid_up_to="2030-01-01")
    return org


def _contest(org: Organisation, title: str) -> Contest:
    c = Contest.objects.create(organisation=org, title=title, kind="selection",
                               rulebook_id="labour-2014", method="irv", seats=1,
                               freeze_date=FREEZE)
    for pos, name in enumerate(DANGEROUS, start=1):
        Candidate.objects.create(contest=c, name=name, position=pos)
    lifecycle.transition(c, Contest.FROZEN, "officer")
    return c


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _check(rows: list[list[str]], must_contain: list[str]) -> None:
    cells = [cell for row in rows for cell in row]
    bad = [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)]
    assert not bad, bad
    for value in must_contain:
        assert "'" + value in cells, value


def test_mail_merge_csv_is_neutralised():
    org = _org()
    c = _contest(org, "=Title+1")
    response = _officer().post(f"/officer/contests/{c.pk}/credentials/",
                               {"action": "issue", "delivery": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _cells(response.content.decode())
    assert len(rows) == 1 + len(DANGEROUS) + 1
    emails = list(Member.objects.filter(organisation=org).exclude(email="")
                  .values_list("email", flat=True))
    _check(rows, [*DANGEROUS, "=Title+1", "-007", *[e for e in emails
                                                   if e.startswith(FORMULA_PREFIXES)]])
    # The codes themselves are intact (never start with a formula prefix).
    header = rows[0]
    codes = [r[header.index("code")] for r in rows[1:]]
    assert all(voting.normalise_code(code) == code for code in codes)


def test_mail_merge_of_those_without_email_is_neutralised(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    org = _org()
    c = _contest(org, "@Title")
    response = _officer().post(f"/officer/contests/{c.pk}/credentials/",
                               {"action": "issue", "delivery": "email"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _cells(response.content.decode())
    no_email = list(Member.objects.filter(organisation=org, email="")
                    .values_list("name", flat=True))
    assert len(rows) == 1 + len(no_email)
    _check(rows, [*no_email, "@Title"])


def _export(names: list[str]) -> list[list[str]]:
    org = _org()
    c = _contest(org, "Export")
    c.candidates.all().delete()
    for pos, name in enumerate(names, start=1):
        Candidate.objects.create(contest=c, name=name, position=pos)
    codes = [i.code for i in voting.issue_credentials(c, "officer")]
    lifecycle.transition(c, Contest.OPEN, "officer")
    n = len(names)
    for k, code in enumerate(codes[:n]):
        voting.cast(c, code, [(k + j) % n + 1 for j in range(n)])  # every name in every rank
    lifecycle.transition(c, Contest.CLOSED, "officer")
    response = _officer().get(f"/api/contests/{c.pk}/export/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _cells(response.content.decode())
    assert len(rows) == 1 + n, f"{n} ballots exported as {len(rows) - 1} rows"
    return rows


def test_ballot_export_csv_is_neutralised():
    names = [n for n in DANGEROUS if "\r" not in n]
    _check(_export(names), names)


def test_ballot_export_csv_keeps_a_name_with_a_carriage_return_in_its_row():
    _check(_export(DANGEROUS), DANGEROUS)
