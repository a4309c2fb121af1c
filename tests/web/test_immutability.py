"""Immutability: once a result is published, what happens to members changes no published byte.

After close, count and publish, each of these is done to the register in turn
(the GDPR-style erasures and the register upkeep an officer does):

* anonymise a member who voted (name and email blanked);
* edit a member's email;
* merge duplicates: the duplicate record (added after the freeze) is deleted;
* delete a member who is on the electorate: refused (``Elector.member`` is
  PROTECT), through the ORM and through the Django admin;
* hard erasure of a voter: their elector row (and with it their credential)
  and then the member row deleted;
* delete the whole organisation: refused.

After each step every published thing is compared with what it was: the
stored result (JSON and sheet) byte for byte, the public and officers' result
pages, the API's result, the ballot exports and the published record (the
exports are reshuffled on every download by design, so their ballots are
compared as sorted lines — every other byte exactly), every receipt's answer
and the ballot rows themselves. Finally the recount still gives the stored
result byte for byte and ``selectorate verify`` accepts the published record.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.db.models import ProtectedError, RestrictedError
from django.test import Client
from h2_support import open_contest, organisation
from typer.testing import CliRunner

from selectorate.cli import app
from selectorate.reports.native_json import render_native_json
from selectorate.web.elections import audit, counting, exports, lifecycle, voting
from selectorate.web.elections.models import (
    CastBallot,
    Contest,
    Credential,
    Elector,
    Member,
    Organisation,
    Result,
)

pytestmark = pytest.mark.django_db

NAMES = ("Ash", "Birch", "Cedar", "Damson")
VOTES = [[1, 2], [2, 1], [3], [4, 1, 2], [1], [2, 3], [3, 2, 1], [1, 4], [4], [2]]
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _blt_canonical(text: str) -> str:
    """A BLT file with its ballot lines sorted (the export shuffles them on every download)."""
    lines = text.splitlines()
    header, rest = lines[0], lines[1:]
    end = rest.index("0")
    return "\n".join([header, *sorted(rest[:end]), *rest[end:]])


def _csv_canonical(text: str) -> str:
    lines = text.splitlines()
    return "\n".join([lines[0], *sorted(lines[1:])])


def _cdf_canonical(text: str) -> str:
    report = json.loads(text)
    report.pop("GeneratedDate")  # the day of the download
    cvrs = []
    for cvr in report.pop("CVR"):
        body = json.dumps(cvr, sort_keys=True)
        body = re.sub(r'"(ballot-)?\d+"', '"#"', body)  # the CVR's place in this download
        cvrs.append(body)
    return json.dumps(report, sort_keys=True) + "\n" + "\n".join(sorted(cvrs))


def _page(client: Client, url: str, **data) -> str:
    response = client.post(url, data) if data else client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return _CSRF.sub("csrf", response.content.decode())


def _published(c: Contest, receipts: list[str], clients: dict[str, Client]) -> dict[str, str]:
    """Every published thing about ``c``, as text to compare (see the module docstring)."""
    result = Result.objects.get(contest=c)
    anyone, officer = clients["anyone"], clients["officer"]
    record = exports.published_record(c)
    api_record = officer.get(f"/api/contests/{c.pk}/record")
    with zipfile.ZipFile(io.BytesIO(api_record.content)) as archive:
        zipped = {n: archive.read(n).decode() for n in archive.namelist()}
    snap = {
        "result.json": result.result_json,
        "sheet.html": result.sheet_html,
        "published_at": result.published_at.isoformat(),
        "public page": _page(anyone, f"/results/{c.pk}/"),
        "results list": _page(anyone, "/results/"),
        "officer page": _page(officer, f"/officer/contests/{c.pk}/result/"),
        "scrutineer page": _page(officer, f"/scrutineer/contests/{c.pk}/count/"),
        "api result": officer.get(f"/api/contests/{c.pk}/result").content.decode(),
        "blt": _blt_canonical(exports.export_blt(c)),
        "csv": _csv_canonical(exports.export_csv(c)),
        "cdf": _cdf_canonical(exports.export_cdf_json(c)),
        "record result.json": record["result.json"],
        "record ballots.blt": _blt_canonical(record["ballots.blt"]),
        "api record result.json": zipped["result.json"],
        "api record ballots.blt": _blt_canonical(zipped["ballots.blt"]),
        "ballot rows": repr(
            sorted(CastBallot.objects.filter(contest=c).values_list("id", "rankings",
                                                                     "receipt_hash"))
        ),
    }
    for n, receipt in enumerate(receipts):
        page = _page(anyone, "/receipt/", receipt=receipt)
        snap[f"receipt {n}"] = re.search(r'id="answer">.*?</div>', page, re.S).group(0)
    return snap


@pytest.fixture
def published():
    people = [(f"I{i:03d}", f"Member {i}", f"member{i}@example.org") for i in range(len(VOTES))]
    org = organisation("immutable", people)
    c, issued = open_contest(org, NAMES)
    receipts = [voting.cast(c, i.code, v) for i, v in zip(issued, VOTES, strict=True)]
    lifecycle.transition(c, Contest.CLOSED, "officer")
    counting.count_contest(c, "officer")
    lifecycle.transition(c, Contest.PUBLISHED, "officer")
    dup = Member.objects.create(organisation=org, member_no="I999", name="Member 0",
                                email="member0@example.org", joined=date(2024, 6, 1))
    root = User.objects.create_user("root", password="pw-for-tests-1234", is_staff=True,
                                    is_superuser=True)
    officer = Client()
    officer.force_login(root)
    clients = {"anyone": Client(), "officer": officer}
    return c, org, receipts, dup, clients


def test_no_published_byte_changes_whatever_happens_to_members(published, tmp_path):
    c, org, receipts, dup, clients = published
    before = _published(c, receipts, clients)
    assert "Included" in before["receipt 0"] and "Ash" in before["public page"]
    voters = list(Member.objects.filter(organisation=org).exclude(pk=dup.pk).order_by("member_no"))
    changed: dict[str, list[str]] = {}

    def step(name: str, action) -> None:
        action()
        now = _published(c, receipts, clients)
        diff = [k for k in before if now[k] != before[k]]
        if diff:
            changed[name] = diff

    def anonymise():
        Member.objects.filter(pk=voters[0].pk).update(name="", email="")

    def edit_email():
        m = voters[1]
        m.email = "new-address@example.org"
        m.save()

    def merge_duplicate():
        dup.delete()  # the duplicate, added after the freeze, has no elector row

    def delete_elector_member():
        with pytest.raises(ProtectedError):
            voters[2].delete()
        page = clients["officer"].post(f"/admin/elections/member/{voters[2].pk}/delete/",
                                       {"post": "yes"})
        assert page.status_code == 200 and "Cannot delete" in page.content.decode()
        assert Member.objects.filter(pk=voters[2].pk).exists()

    def hard_erasure():
        m = voters[3]
        assert Credential.objects.filter(elector__member=m, used=True).exists()
        Elector.objects.filter(member=m).delete()  # takes the credential with it
        m.delete()

    def delete_organisation():
        with pytest.raises((ProtectedError, RestrictedError)):
            Organisation.objects.get(pk=org.pk).delete()

    for name, action in [
        ("anonymise", anonymise),
        ("edit email", edit_email),
        ("merge duplicates", merge_duplicate),
        ("delete an elector's member record", delete_elector_member),
        ("hard erasure of a voter", hard_erasure),
        ("delete the organisation", delete_organisation),
    ]:
        step(name, action)
    assert changed == {}
    assert CastBallot.objects.filter(contest=c).count() == len(VOTES)

    # The recount gives the stored result, byte for byte, and `selectorate verify` agrees.
    stored = Result.objects.get(contest=c).result_json
    assert render_native_json(counting.count_election(c)) == stored
    with zipfile.ZipFile(io.BytesIO(exports.published_record_zip(c))) as archive:
        archive.extractall(tmp_path)
    verdict = CliRunner().invoke(
        app, ["verify", str(tmp_path / "result.json"), str(tmp_path / "ballots.blt")]
    )
    assert verdict.exit_code == 0 and "verified" in verdict.output, verdict.output
    assert audit.verify_chain() is None
    print(f"\nFIGURE immutability: {len(before)} published items compared after 6 register "
          f"changes: 0 changed; recount identical; selectorate verify: exit 0")
