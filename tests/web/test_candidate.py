"""The candidate role: their own contests' state, nominations and (once published) result link."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from web_factories import contest, organisation

from selectorate.web.elections import counting, lifecycle, voting
from selectorate.web.elections.models import Contest, Nomination

pytestmark = pytest.mark.django_db


def _user(name, group="candidate"):
    user = User.objects.create_user(name, password="pw-for-tests-1234")
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    client = Client()
    client.force_login(user)
    return user, client


def _text(response):
    return response.content.decode()


def _setup():
    org = organisation()
    mine = contest(org, names=("Ash", "Birch", "Cedar"))
    other = contest(org, names=("Elm", "Fir"), kind="leadership")
    other.title = "another contest"
    other.save()
    ash_user, ash = _user("ash")
    ash_cand = mine.candidates.get(name="Ash")
    ash_cand.user = ash_user
    ash_cand.save()
    elm_user, elm = _user("elm")
    elm_cand = other.candidates.get(name="Elm")
    elm_cand.user = elm_user
    elm_cand.save()
    Nomination.objects.create(contest=mine, candidate=ash_cand, nominator_kind="branch",
                              nominator_name="Northside branch")
    Nomination.objects.create(contest=mine, candidate=mine.candidates.get(name="Cedar"),
                              nominator_kind="branch", nominator_name="Southside branch")
    return mine, other, ash, elm


def test_anonymous_is_sent_to_sign_in():
    mine, _, _, _ = _setup()
    for url in ("/candidate/", f"/candidate/contests/{mine.pk}/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_users_without_the_candidate_role_are_refused():
    mine, _, _, _ = _setup()
    _, member = _user("someone", group=None)
    _, scrutineer = _user("scrut", group="scrutineer")
    for client in (member, scrutineer):
        assert client.get("/candidate/").status_code == 403
        assert client.get(f"/candidate/contests/{mine.pk}/").status_code == 403


def test_a_candidate_sees_only_their_own_contests_and_nominations():
    mine, other, ash, elm = _setup()
    page = _text(ash.get("/candidate/"))
    assert mine.title in page and "another contest" not in page
    assert "Northside branch" in page and "Southside branch" not in page  # Cedar's, not Ash's
    assert "draft" in page
    assert ash.get(f"/candidate/contests/{other.pk}/").status_code == 404
    assert elm.get(f"/candidate/contests/{mine.pk}/").status_code == 404
    assert ash.get(f"/candidate/contests/{mine.pk}/").status_code == 200
    assert mine.title not in _text(elm.get("/candidate/"))


def test_no_figures_while_open_and_the_result_link_once_published():
    mine, _, ash, _ = _setup()
    lifecycle.transition(mine, Contest.FROZEN, "officer")
    codes = [i.code for i in voting.issue_credentials(mine, "officer")]
    lifecycle.transition(mine, Contest.OPEN, "officer")
    for n, code in enumerate(codes):
        voting.cast(mine, code, [1 + n % 2])
    for url in ("/candidate/", f"/candidate/contests/{mine.pk}/"):
        page = _text(ash.get(url))
        assert "open for voting" in page
        assert f"/results/{mine.pk}/" not in page
        assert "Birch" not in page and "Cedar" not in page  # no other candidate, no figure
        assert "Member 1" not in page and "M0001" not in page  # never the electorate
        assert "First preferences" not in page and "<table" not in page.split("Nominations")[-1]
    lifecycle.transition(mine, Contest.CLOSED, "officer")
    counting.count_contest(mine, "officer")
    mine.refresh_from_db()
    assert f"/results/{mine.pk}/" not in _text(ash.get("/candidate/"))  # counted, unpublished
    lifecycle.transition(mine, Contest.PUBLISHED, "officer")
    page = _text(ash.get(f"/candidate/contests/{mine.pk}/"))
    assert f'href="/results/{mine.pk}/"' in page
    assert "Member 1" not in page and "M0001" not in page


def test_sign_in_takes_a_candidate_to_their_contests():
    User.objects.create_user("cand", password="pw-for-tests-1234").groups.add(
        Group.objects.get_or_create(name="candidate")[0]
    )
    response = Client().post("/accounts/login/", {"username": "cand",
                                                  "password": "pw-for-tests-1234"})
    assert response.status_code == 302 and response["Location"] == "/candidate/"


def test_a_candidate_in_a_leadership_challenge_sees_the_case():
    from selectorate.web.elections.contest_plan import check_new, create_contest

    org = organisation()
    new, errors = check_new(org, "leadership", "Leader 2016", "2016-06-24", "",
                            ["Sitting Leader", "Challenger"], case="challenge",
                            incumbent="Sitting Leader")
    assert not errors
    c = create_contest(new, "officer")
    user, client = _user("challenger")
    cand = c.candidates.get(name="Challenger")
    cand.user = user
    cand.save()
    page = _text(client.get(f"/candidate/contests/{c.pk}/"))
    assert "Leadership case: challenge to the sitting leader, Sitting Leader" in page
    assert "rulebook labour-2014" in page
