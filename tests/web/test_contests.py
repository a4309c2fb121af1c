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


# -- the leadership case: vacancy, challenge, deputy ---------------------------------------
# labour-2014 leadership.toml: a vacancy needs 15% of the 232 Commons members of the PLP
# (Ch.4 Cl.II.2.B(i): ceil(34.8) = 35); a challenge 20% (Ch.4 Cl.II.2.B(ii): ceil(46.4) = 47),
# and the challenged leader is on the ballot without nominations (NEC ruling of 12 July 2016).
VACANCY_RULE = "Ch.4 Cl.II.2.B(i)"
CHALLENGE_RULE = "Ch.4 Cl.II.2.B(ii)"


def _rulebook(org, rulebook_id):
    org.rulebook_id = rulebook_id
    org.save()
    return org


def _leader_contest(client, org, case, mps, incumbent="", office="leader"):
    """A leadership contest created on the page for ``case``, at nominations, with ``mps``."""
    names = "\n".join(mps)
    r = _create(client, org, "leadership", candidates=names, case=case, office=office,
                incumbent=incumbent, title=f"{office} {case}")
    assert r.status_code == 302, r.content.decode()[:3000]
    c = Contest.objects.get(title=f"{office} {case}")
    lifecycle.transition(c, Contest.NOMINATIONS, "officer")
    for cand in c.candidates.order_by("position"):
        for i in range(mps[cand.name]):
            nominations.record_nomination(c, cand, "mp", f"MP {i}", "officer")
    return c


def test_the_page_offers_the_cases_the_rulebook_defines():
    org = organisation()
    client = _officer_client()
    page = client.get(NEW, {"organisation": org.pk, "kind": "leadership"}).content.decode()
    for control in ('id="office-leader"', 'id="office-deputy"', 'id="case-vacancy"',
                    'id="case-challenge"', 'id="incumbent"'):
        assert control in page, control
    assert "35 (ceil(15% × 232 = 34.8) = 35" in page and VACANCY_RULE in page
    challenge = client.get(NEW, {"organisation": org.pk, "kind": "leadership",
                                 "case": "challenge"}).content.decode()
    assert "47 (ceil(20% × 232 = 46.4) = 47" in challenge and CHALLENGE_RULE in challenge
    assert "on the ballot without nominations" in challenge
    # The Conservatives' 2019 rules (leadership.toml) have no challenge and no deputy.
    _rulebook(org, "conservative-2019")
    tory = client.get(NEW, {"organisation": org.pk, "kind": "leadership"}).content.decode()
    assert 'id="case-vacancy"' in tory and 'id="case-challenge"' not in tory
    assert 'id="office-deputy"' not in tory and "provides no challenge" in tory
    refused = _create(client, org, "leadership", case="challenge", incumbent="Ash")
    text = refused.content.decode()
    assert refused.status_code == 400 and 'href="#case-vacancy"' in text
    assert "conservative-2019 provides no challenge to a sitting leader" in text
    assert not Contest.objects.exists()


def test_challenge_needs_the_sitting_leader_among_the_candidates():
    org = organisation()
    client = _officer_client()
    for extra, message in (
        ({"case": "challenge"}, "Name the sitting leader"),
        ({"case": "challenge", "incumbent": "Oak"}, "must be one of the candidates"),
        ({"case": "vacancy", "incumbent": "Ash"}, "A vacancy has no sitting leader"),
        ({"case": "challenge", "incumbent": "Ash", "candidates": "Ash"},
         "at least one challenger"),
        ({"case": "overthrow"}, "Choose a vacancy or a challenge"),
        ({"office": "treasurer"}, "elects no &#x27;treasurer&#x27;"),
    ):
        r = _create(client, org, "leadership", **extra)
        assert r.status_code == 400, extra
        assert message in r.content.decode(), (extra, r.content.decode()[:3000])
    assert not Contest.objects.exists()


def test_a_challenge_is_checked_against_the_challenge_threshold():
    org = organisation()
    client = _officer_client()
    mps = {"Sitting Leader": 0, "Challenger": 46, "Strong": 47}
    challenge = _leader_contest(client, org, "challenge", mps, incumbent="sitting leader")
    vacancy = _leader_contest(client, org, "vacancy", mps)
    entry = AuditEntry.objects.get(contest=challenge, action="contest created")
    assert entry.details["leadership"] == {"office": "leader", "case": "challenge",
                                           "incumbent": "Sitting Leader"}
    assert challenge.subject == "challenge to the sitting leader, Sitting Leader"
    assert any(r["label"] == "parliamentary nominations needed (challenge)"
               and r["value"].startswith("47 ") and CHALLENGE_RULE in r["source"]
               for r in entry.details["rules"])

    out = nominations.check(challenge)
    assert [(f.name, f.value) for f in out.figures] == [("parliamentary nominations needed",
                                                         "47")]
    assert CHALLENGE_RULE in out.rule
    assert {d.subject: d.decision for d in out.details} == {
        "Sitting Leader": "nominated", "Challenger": "not_nominated", "Strong": "nominated"}
    # The same nominations in a vacancy: 35 needed, so 46 is enough and the 0 is not.
    vac = nominations.check(vacancy)
    assert [(f.name, f.value) for f in vac.figures] == [("parliamentary nominations needed",
                                                         "35")]
    assert VACANCY_RULE in vac.rule
    assert {d.subject: d.decision for d in vac.details} == {
        "Sitting Leader": "not_nominated", "Challenger": "nominated", "Strong": "nominated"}

    with pytest.raises(lifecycle.TransitionRefused,
                       match=r"Challenger does not qualify under labour-2014 .*Cl\.II\.2\.B\(ii\)"
                             r".*46 is short of the 47 needed"):
        lifecycle.transition(challenge, Contest.FROZEN, "officer")
    page = client.get(f"/officer/contests/{challenge.pk}/nominations/").content.decode()
    assert "Challenge to the sitting leader, Sitting Leader" in page
    assert "Nominations counted" in page and "MP" in page
    assert "the incumbent is automatically on the ballot" in page
    client.post(f"/officer/contests/{challenge.pk}/nominations/", {"action": "withdraw"})
    assert [c.name for c in challenge.candidates.order_by("position")] == ["Sitting Leader",
                                                                          "Strong"]
    lifecycle.transition(challenge, Contest.FROZEN, "officer")


def test_a_challenge_without_a_valid_challenger_has_no_ballot():
    org = organisation()
    client = _officer_client()
    c = _leader_contest(client, org, "challenge", {"Sitting Leader": 0, "Hopeful": 40},
                        incumbent="Sitting Leader")
    assert nominations.check(c).decision == "no_contest"
    why = nominations.refusal(c)
    assert "Hopeful does not qualify" in why
    assert ("no challenger to Sitting Leader (the sitting leader) is validly nominated, so there "
            "is no ballot: Sitting Leader continues in office") in why
    assert "withdraw them" not in why
    page = client.get(f"/officer/contests/{c.pk}/nominations/").content.decode()
    assert "there is no ballot" in page


def test_labour_2018_second_stage_applies_to_a_vacancy_not_a_challenge():
    # labour-2018: a vacancy needs 10% of 202 MPs + 10 MEPs (22) AND 5% of 648 CLPs (33) or
    # the affiliates route (Rule Book 2018 Ch.4 Cl.II.2.B(i)); a challenge 20% of 212 (43) only.
    org = _rulebook(organisation(), "labour-2018")
    client = _officer_client()
    mps = {"Ash": 43, "Birch": 43}
    vacancy = _leader_contest(client, org, "vacancy", mps)
    challenge = _leader_contest(client, org, "challenge", mps, incumbent="Ash")
    vac = nominations.check(vacancy)
    assert [(f.name, f.value) for f in vac.figures][:2] == [
        ("parliamentary nominations needed", "22"), ("CLP nominations needed", "33")]
    assert {d.decision for d in vac.details} == {"not_nominated"}  # no CLP or affiliate
    chal = nominations.check(challenge)
    assert [(f.name, f.value) for f in chal.figures] == [
        ("parliamentary nominations needed", "43")]
    assert {d.subject: d.decision for d in chal.details} == {"Ash": "nominated",
                                                             "Birch": "nominated"}
    assert nominations.counted_kinds(vacancy) == ["mp", "clp", "affiliate"]
    assert nominations.counted_kinds(challenge) == ["mp"]


def test_a_deputy_vacancy():
    org = organisation()
    client = _officer_client()
    c = _leader_contest(client, org, "vacancy", {"Ash": 35, "Birch": 34}, office="deputy")
    assert nominations.leadership_case(c).label == "vacancy for deputy"
    out = nominations.check(c)
    assert "deputy (vacancy)" in out.summary
    assert {d.subject: d.decision for d in out.details} == {"Ash": "nominated",
                                                            "Birch": "not_nominated"}
    page = client.get(f"/officer/contests/{c.pk}/nominations/").content.decode()
    assert "Vacancy for deputy" in page


def test_a_leadership_contest_made_elsewhere_is_a_vacancy_for_leader():
    c = _leadership(organisation(), {"Ash": 35, "Birch": 0})
    lc = nominations.leadership_case(c)
    assert (lc.office, lc.case, lc.incumbent) == ("leader", "vacancy", "")
