"""The MP's whip record on trigger-ballot and motion pages (issue 7).

Data: the 29 January 2019 divisions in ``shared/conformance/divisions/lda_2019`` (Open
Parliament Licence v3.0) and the shipped declared whips
(``selectorate/data/whips/2019-01-29.csv``, sources from ``shared/facts/divisions.md`` §4).
Kate Hoey voted for the Brady amendment against the Labour whip, one of the seven Labour
MPs who did (facts §4 row 313); over the seven divisions she rebelled six times.
"""

import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from web_factories import contest, organisation

import selectorate
from selectorate.web.elections import whip_record

pytestmark = pytest.mark.django_db

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
LDA = SHARED / "conformance" / "divisions" / "lda_2019"
WHIPS = Path(selectorate.__file__).parent / "data" / "whips" / "2019-01-29.csv"
JAN29 = ["1050638", "1050639", "1050640", "1050641", "1050642", "1050644", "1050712"]
CREDIT = "Contains Parliamentary information licensed under the Open Parliament Licence v3.0"


@pytest.fixture
def records(tmp_path, monkeypatch):
    """A divisions folder with the seven 29 January 2019 records, and the declared whips."""
    if not LDA.is_dir():
        pytest.skip("shared/conformance/divisions is missing")
    folder = tmp_path / "divisions"
    folder.mkdir()
    for i in JAN29:
        shutil.copyfile(LDA / f"{i}.csv", folder / f"{i}.csv")
    monkeypatch.setenv(whip_record.DIVISIONS_ENV, str(folder))
    monkeypatch.setenv(whip_record.WHIPS_ENV, str(WHIPS))
    whip_record.load.cache_clear()
    yield folder
    whip_record.load.cache_clear()


def _officer() -> Client:
    user = User.objects.create_user("officer-whip", password="pw-for-tests-1234")
    user.groups.add(Group.objects.get_or_create(name="officer")[0])
    client = Client()
    client.force_login(user)
    return client


def _about(subject: str, kind: str = "trigger_ballot"):
    c = contest(organisation(), names=("For", "Against"), method="fptp", kind=kind)
    c.subject = subject
    c.save()
    return c


def test_the_officer_page_of_a_trigger_ballot_shows_the_mps_record(records):
    c = _about("Kate Hoey MP")
    page = _officer().get(f"/officer/contests/{c.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Whip record: Kate Hoey" in text
    assert "<strong>6 votes against the whip</strong>, 6 votes cast" in text
    assert "EU (Withdrawal) Act Section 13 Amdt (n) - Brady" in text
    assert "joint 1st by rebellions" in text  # with Graham Stringer and Jim Fitzpatrick
    assert "abstain (declared)" in text  # the SNP amendment (o)
    assert CREDIT in text


def test_the_public_page_of_a_no_confidence_motion_shows_it_too(records):
    c = _about("Roger Godsiff", kind="motion")  # printed "Mr Roger Godsiff"
    text = Client().get(f"/results/{c.pk}/").content.decode()
    assert "Whip record: Roger Godsiff" in text
    assert "Mr Roger Godsiff" in text and "4 votes against the whip" in text
    assert text.count("<strong>against the whip</strong>") == 4


def test_not_shown_for_other_contests(records):
    c = _about("Kate Hoey", kind="selection")
    text = _officer().get(f"/officer/contests/{c.pk}/").content.decode()
    assert "Whip record" not in text


def test_an_mp_not_in_the_records(records):
    c = _about("Nobody Atall")
    text = Client().get(f"/results/{c.pk}/").content.decode()
    assert "Nobody Atall is not listed in any of the 7 House of Commons divisions" in text


def test_without_division_records(monkeypatch):
    monkeypatch.delenv(whip_record.DIVISIONS_ENV, raising=False)
    c = _about("Kate Hoey")
    text = Client().get(f"/results/{c.pk}/").content.decode()
    assert "No division records are loaded" in text and CREDIT not in text


def test_an_unreadable_record_is_reported_not_raised(records):
    (records / "broken.csv").write_text("not,a,division\n", encoding="utf-8")
    whip_record.load.cache_clear()
    c = _about("Kate Hoey")
    page = Client().get(f"/results/{c.pk}/")
    assert page.status_code == 200
    assert "could not be read: broken.csv:1: not a division export" in page.content.decode()
