"""New contests from the rulebook's procedure, and nominations checked against its thresholds."""

from datetime import date

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from web_factories import FREEZE, organisation

from selectorate.web.elections import lifecycle, nominations
from selectorate.web.elections.contest_plan import PROCEDURE_OF
from selectorate.web.elections.models import AuditEntry, Contest, Nomination

pytestmark = pytest.mark.django_db

NEW = "/officer/contests/new/"


def _user(name, group=None):
    user = User.objects.create_user(name, password="pw-" + name)
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def _officer_client():
    client = Client()
    client.force_login(_user("officer", "officer"))
    return client


def _create(client, org, kind, candidates="Ash\nBirch\nCedar", **extra):
    data = {"organisation": org.pk, "kind": kind, "title": f"A {kind}", "freeze_date": "2024-03-01",
            "subject": "", "candidates": candidates, "action": "create", **extra}
    return client.post(NEW, data)


# Expected settings from the shipped labour-2014 rulebook (the demo's).
EXPECTED = {
    "motion": ("fptp", 1, ["For", "Against"]),
    "card_vote": ("fptp", 1, ["For", "Against"]),
    "trigger_ballot": ("fptp", 1, None),
    "selection": ("irv", 1, ["Ash", "Birch", "Cedar"]),
    "leadership": ("irv", 1, ["Ash", "Birch", "Cedar"]),
    "stv_executive": ("block", 6, ["Ash", "Birch", "Cedar"]),
}


@pytest.mark.parametrize("kind", sorted(PROCEDURE_OF))
def test_create_each_kind_from_the_demo_rulebook(kind):
    org = organisation()
    client = _officer_client()
    preview = client.post(NEW, {"organisation": org.pk, "kind": kind, "action": "preview"})
    assert preview.status_code == 200
    assert "labour-2014" in preview.content.decode()
    r = _create(client, org, kind)
    assert r.status_code == 302, r.content.decode()[:2000]
    c = Contest.objects.get(kind=kind)
    method, seats, names = EXPECTED[kind]
    assert (c.state, c.method, c.seats, c.rulebook_id) == ("draft", method, seats, "labour-2014")
    assert c.freeze_date == date(2024, 3, 1)
    got = [x.name for x in c.candidates.order_by("position")]
    assert got == names if names else len(got) == 2
    entry = AuditEntry.objects.get(contest=c, action="contest created")
    assert entry.details["rules"] and all(r["source"] for r in entry.details["rules"])


def test_preview_shows_the_rule_and_its_source():
    org = organisation()
    page = _officer_client().get(NEW, {"organisation": org.pk, "kind": "stv_executive"})
    text = page.content.decode()
    assert "labour-2014 nec.toml" in text and "50% of the seats, rounded up" in text


def test_form_errors_are_summarised_and_nothing_is_created():
    org = organisation()
    r = _create(_officer_client(), org, "leadership", candidates="", title="", freeze_date="1 May")
    text = r.content.decode()
    assert r.status_code == 400
    assert 'id="error-summary"' in text and 'href="#title"' in text
    assert 'href="#freeze_date"' in text and 'href="#candidates"' in text
    assert 'aria-invalid="true"' in text
    assert not Contest.objects.exists()


def test_new_contest_is_for_officers_only():
    org = organisation()
    assert Client().get(NEW).status_code == 302  # to the login page
    scrutineer = Client()
    scrutineer.force_login(_user("scrut", "scrutineer"))
    assert scrutineer.get(NEW).status_code == 403
    assert _create(scrutineer, org, "motion").status_code == 403
    assert not Contest.objects.exists()


def test_new_contest_needs_the_csrf_token():
    org = organisation()
    client = Client(enforce_csrf_checks=True)
    client.force_login(_user("officer", "officer"))
    assert _create(client, org, "motion").status_code == 403
    assert not Contest.objects.exists()


def _leadership(org, mps):
    """A leadership contest at nominations with ``mps[name]`` MP nominations each."""
    c = Contest.objects.create(organisation=org, title="Leader 2015", kind="leadership",
                               rulebook_id="labour-2014", method="irv", freeze_date=FREEZE)
    for pos, (name, count) in enumerate(mps.items(), start=1):
        cand = c.candidates.create(name=name, position=pos)
        Nomination.objects.bulk_create(
            Nomination(contest=c, candidate=cand, nominator_kind="mp", nominator_name=f"MP {i}")
            for i in range(count)
        )
    lifecycle.transition(c, Contest.NOMINATIONS, "officer")
    return c


def test_leadership_threshold_2015_refuses_then_withdraws_with_the_reason():
    # 2015 vacancy: 15% of 232 MPs = 34.8, rounded up to 35 (labour-2014 leadership.toml).
    org = organisation()
    c = _leadership(org, {"Corbyn": 36, "Burnham": 68, "Below": 34})
    outcome = nominations.check(c)
    assert [(f.name, f.value) for f in outcome.figures] == [
        ("parliamentary nominations needed", "35")
    ]
    assert {d.subject: d.decision for d in outcome.details} == {
        "Corbyn": "nominated", "Burnham": "nominated", "Below": "not_nominated"}
    with pytest.raises(lifecycle.TransitionRefused, match="Below does not qualify.*34 is short of "
                                                          "the 35 needed"):
        lifecycle.transition(c, Contest.FROZEN, "officer")
    c.refresh_from_db()
    assert c.state == Contest.NOMINATIONS

    client = _officer_client()
    page = client.get(f"/officer/contests/{c.pk}/nominations/").content.decode()
    assert "35" in page and "Corbyn is validly nominated." in page
    r = client.post(f"/officer/contests/{c.pk}/nominations/", {"action": "withdraw"})
    assert r.status_code == 302
    assert [x.name for x in c.candidates.order_by("position")] == ["Corbyn", "Burnham"]
    entry = AuditEntry.objects.get(contest=c, action="candidate withdrawn")
    assert entry.details["candidate"] == "Below"
    assert "MP nominations: 34 is short of the 35 needed" in entry.details["reasons"]
    lifecycle.transition(c, Contest.FROZEN, "officer")
    assert c.state == Contest.FROZEN


def test_36_qualifies_exactly_as_corbyn_did():
    c = _leadership(organisation(), {"Corbyn": 36, "Kendall": 41})
    assert nominations.refusal(c) == ""
    lifecycle.transition(c, Contest.FROZEN, "officer")


def test_recording_a_nomination_and_its_errors():
    org = organisation()
    c = _leadership(org, {"Ash": 0, "Birch": 0})
    url = f"/officer/contests/{c.pk}/nominations/"
    ash = c.candidates.get(name="Ash")
    client = _officer_client()
    ok = {"action": "add", "candidate": ash.pk, "nominator_kind": "mp", "nominator_name": "MP A"}
    assert client.post(url, ok).status_code == 302
    again = client.post(url, ok)
    assert again.status_code == 400 and "already nominated" in again.content.decode()
    bad = client.post(url, {"action": "add", "candidate": "", "nominator_kind": "x",
                            "nominator_name": ""})
    assert bad.status_code == 400 and 'href="#nominator_name"' in bad.content.decode()
    assert Nomination.objects.filter(contest=c).count() == 1
    assert AuditEntry.objects.filter(contest=c, action="nomination recorded").count() == 1


def test_nominations_officer_only_and_csrf():
    c = _leadership(organisation(), {"Ash": 0, "Birch": 0})
    url = f"/officer/contests/{c.pk}/nominations/"
    data = {"action": "add", "candidate": c.candidates.first().pk, "nominator_kind": "mp",
            "nominator_name": "MP A"}
    scrutineer = Client()
    scrutineer.force_login(_user("scrut", "scrutineer"))
    assert scrutineer.get(url).status_code == 200
    assert scrutineer.post(url, data).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(_user("officer", "officer"))
    assert strict.post(url, data).status_code == 403
    assert not Nomination.objects.exists()


def test_selection_and_nec_thresholds():
    org = organisation()
    sel = Contest.objects.create(organisation=org, title="Selection", kind="selection",
                                 rulebook_id="labour-2014", freeze_date=FREEZE)
    a = sel.candidates.create(name="Ash", position=1)
    sel.candidates.create(name="Birch", position=2)
    sel.candidates.create(name="Cedar", position=3)
    Nomination.objects.create(contest=sel, candidate=a, nominator_kind="branch",
                              nominator_name="Fennick Town")
    lifecycle.transition(sel, Contest.NOMINATIONS, "officer")
    with pytest.raises(lifecycle.TransitionRefused, match="Birch does not qualify"):
        lifecycle.transition(sel, Contest.FROZEN, "officer")
    nec_c = Contest.objects.create(organisation=org, title="NEC", kind="stv_executive",
                                   rulebook_id="labour-2014", method="block", seats=1,
                                   freeze_date=FREEZE)
    names = ["P", "Q", "R"]
    for pos, name in enumerate(names, 1):
        cand = nec_c.candidates.create(name=name, position=pos)
        for i in range(5 if name != "R" else 4):  # 5 CLP nominations needed (nec.toml)
            Nomination.objects.create(contest=nec_c, candidate=cand, nominator_kind="clp",
                                      nominator_name=f"CLP {i}")
    lifecycle.transition(nec_c, Contest.NOMINATIONS, "officer")
    withdrawn = nominations.withdraw_unqualified(nec_c, "officer")
    assert [d.candidate.name for d in withdrawn] == ["R"]
    lifecycle.transition(nec_c, Contest.FROZEN, "officer")
