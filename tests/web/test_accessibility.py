"""WCAG 2.2 AA checks of the main pages with axe-core, in Debian's Chromium against a live server.

axe-core (bundled, as ``axe.min.js``, by the ``axe-playwright-python`` package, so no network is
needed) runs in each page a voter, an officer, a scrutineer and the public see, with the rules
tagged for WCAG 2.0, 2.1 and 2.2 levels A and AA (https://www.deque.com/axe/core-documentation/
api-documentation/#axe-core-tags). Automated rules find only part of what WCAG asks; the keyboard
walk-through in ``test_browser.py`` and a person with a screen reader cover more.

The browser fixture and launch arguments are those of ``test_browser.py``.
"""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from test_browser import CHROMIUM, _open_contest, browser, wait_text  # noqa: F401
from web_factories import contest, organisation

from selectorate.web.elections import counting, lifecycle, voting
from selectorate.web.elections.models import Contest, Organisation

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed (/usr/bin/chromium)"
    ),
    pytest.mark.django_db(transaction=True),
]

REGISTER_CSV = (
    b"member_id,name,category,status,joined\n"
    b"N0001,New Member,member,active,2023-01-01\n"
    b"N0002,Bad Date,member,active,yesterday\n"
)
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@pytest.fixture
def audit():
    """Run axe on a page and collect its violations under a name; ``check()`` asserts none."""
    sync_axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    axe = sync_axe.Axe()
    found: list[str] = []
    seen: list[str] = []

    def run(page, name):
        options = {
            "runOnly": {"type": "tag", "values": WCAG_AA_TAGS},
            "resultTypes": ["violations"],
        }
        # Contrast is only checked if the site's stylesheet was served and applied.
        assert page.evaluate(
            "[...document.styleSheets].some(s => s.href && s.href.endsWith('site.css')"
            " && s.cssRules.length > 0)"
        ), f"{name}: site.css did not load"
        result = axe.run(page, options=options)
        seen.append(name)
        for v in result.response["violations"]:
            targets = "; ".join(", ".join(map(str, n["target"])) for n in v["nodes"])
            found.append(f"{name}: {v['id']} ({v['impact']}) at {targets} - {v['help']}")

    def check():
        assert seen, "no page was checked"
        assert not found, "axe found WCAG 2.2 A/AA violations:\n" + "\n".join(found)

    run.check = check
    return run


def _login(page, live_server, username, group):
    """Sign ``username`` (in ``group``) in by giving the browser a Django session cookie."""
    user = User.objects.create_user(username, password="a-long-test-password-1")
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _enter_code(page, live_server, code):
    page.goto(live_server.url + "/vote/")
    page.fill("#code", code)
    page.click("form button[type=submit]")


def test_voter_pages(live_server, browser, audit):  # noqa: F811
    c, codes = _open_contest()
    page = browser.new_page()
    page.goto(live_server.url + "/vote/")
    audit(page, "vote code entry")
    _enter_code(page, live_server, "AAAAA-BBBBB")
    page.wait_for_selector(".error-message")
    audit(page, "vote code entry with an error")

    _enter_code(page, live_server, codes[0])
    page.wait_for_selector("#rank-1")
    audit(page, "ranked ballot")
    page.fill("#rank-1", "1")
    page.fill("#rank-2", "1")
    page.click("form[data-ranked-ballot] button[type=submit]")
    page.wait_for_selector(".error-message")
    audit(page, "ranked ballot with errors")

    page.fill("#rank-2", "2")
    page.click("form[data-ranked-ballot] button[type=submit]")
    page.wait_for_selector("text=Check your choices")
    audit(page, "confirm")
    page.click("form[data-once] button:not(.secondary)")
    page.wait_for_selector("#receipt")
    audit(page, "cast and receipt")
    receipt = page.locator("#receipt").inner_text().strip()

    lifecycle.transition(c, Contest.CLOSED, "officer")
    page.goto(live_server.url + "/receipt/")
    audit(page, "receipt check")
    page.fill("#receipt", receipt)
    page.click("main form button[type=submit]")
    page.wait_for_selector("#answer")
    audit(page, "receipt check answer")
    page.fill("#receipt", "")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".error-message")
    audit(page, "receipt check with an error")
    page.close()
    audit.check()


def test_motion_ballot(live_server, browser, audit):  # noqa: F811
    org = organisation()
    c = contest(org, names=("For", "Against"), method="fptp", kind="motion")
    lifecycle.transition(c, Contest.FROZEN, "officer")
    codes = [i.code for i in voting.issue_credentials(c, "officer")]
    lifecycle.transition(c, Contest.OPEN, "officer")
    page = browser.new_page()
    _enter_code(page, live_server, codes[0])
    page.wait_for_selector("#choice-1")
    audit(page, "motion ballot")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".error-message")
    audit(page, "motion ballot with an error")
    page.close()
    audit.check()


def _published_contest():
    c, codes = _open_contest()
    for n, code in enumerate(codes):
        voting.cast(c, code, [1 + n % 4, 1 + (n + 1) % 4])
    lifecycle.transition(c, Contest.CLOSED, "officer")
    counting.count_contest(c, "officer")
    lifecycle.transition(c, Contest.PUBLISHED, "officer")
    return c


def test_public_pages(live_server, browser, audit):  # noqa: F811
    c = _published_contest()
    page = browser.new_page()
    for name, path in (
        ("home", "/"),
        ("results list", "/results/"),
        ("published result", f"/results/{c.pk}/"),
        ("login", "/accounts/login/?next=/officer/"),
    ):
        page.goto(live_server.url + path)
        audit(page, name)
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong-password-123")
    page.click("main form button[type=submit]")
    page.wait_for_selector("main .error-message, main .errorlist, main [role=alert]")
    audit(page, "login with an error")
    page.close()
    audit.check()


def test_officer_pages(live_server, browser, audit):  # noqa: F811
    c = _published_contest()
    draft = contest(Organisation.objects.get(), names=("Elm", "Fir"))
    frozen = contest(Organisation.objects.get(), names=("Gale", "Holm"))
    lifecycle.transition(frozen, Contest.FROZEN, "officer")
    page = browser.new_page()
    _login(page, live_server, "returning.officer", "officer")
    for name, path in (
        ("officer contest list", "/officer/"),
        ("officer contest detail (published)", f"/officer/contests/{c.pk}/"),
        ("officer contest detail (draft)", f"/officer/contests/{draft.pk}/"),
        ("officer result sheet", f"/officer/contests/{c.pk}/result/"),
        ("officer credentials", f"/officer/contests/{c.pk}/credentials/"),
        ("officer credentials (frozen, to issue)", f"/officer/contests/{frozen.pk}/credentials/"),
        ("officer register import", "/officer/register/"),
    ):
        page.goto(live_server.url + path)
        wait_text(page, "Selectorate")
        audit(page, name)
    page.set_input_files(
        "#register",
        files=[{"name": "register.csv", "mimeType": "text/csv", "buffer": REGISTER_CSV}],
    )
    page.click("button[value=check]")
    wait_text(page, "register.csv")
    audit(page, "officer register import report")
    page.close()
    audit.check()


def test_scrutineer_pages(live_server, browser, audit):  # noqa: F811
    c = _published_contest()
    page = browser.new_page()
    _login(page, live_server, "scrutineer.one", "scrutineer")
    for name, path in (
        ("scrutineer audit log", "/scrutineer/audit/"),
        ("scrutineer count", f"/scrutineer/contests/{c.pk}/count/"),
    ):
        page.goto(live_server.url + path)
        audit(page, name)
    page.close()
    audit.check()


def test_new_contest_pages(live_server, browser, audit):  # noqa: F811
    org = organisation()
    page = browser.new_page()
    _login(page, live_server, "returning.officer", "officer")
    new = f"{live_server.url}/officer/contests/new/?organisation={org.pk}"
    for name, query in (
        ("new contest", ""),
        ("new contest: STV executive rules", "&kind=stv_executive"),
        ("new contest: motion rules", "&kind=motion"),
        ("new contest: leadership vacancy rules", "&kind=leadership"),
        ("new contest: leadership challenge rules", "&kind=leadership&case=challenge"),
        ("new contest: deputy", "&kind=leadership&office=deputy"),
    ):
        page.goto(new + query)
        wait_text(page, "New contest")
        audit(page, name)
    # Submitting a challenge with no title, no candidates and no sitting leader: the errors.
    page.click("#case-challenge")
    page.click("button[value=create]")
    page.wait_for_selector("#error-summary")
    audit(page, "new contest: challenge with errors")
    # A rulebook without a challenge: the case refused, the radio group marked.
    org.rulebook_id = "conservative-2019"
    org.save()
    page.goto(new + "&kind=leadership&case=challenge")
    page.wait_for_selector("#error-summary")
    audit(page, "new contest: rulebook without a challenge")
    page.close()
    audit.check()


def _challenge_at_nominations(org=None):
    """A labour-2014 leadership challenge at nominations: one challenger short of 47 MPs."""
    from selectorate.web.elections import nominations
    from selectorate.web.elections.contest_plan import check_new, create_contest

    org = org or organisation()
    new, errors = check_new(org, "leadership", "Leadership challenge", "2024-03-01", "",
                            ["Sitting Leader", "Challenger", "Strong"], case="challenge",
                            incumbent="Sitting Leader")
    assert not errors
    c = create_contest(new, "officer")
    lifecycle.transition(c, Contest.NOMINATIONS, "officer")
    for cand, count in (("Challenger", 46), ("Strong", 47)):
        candidate = c.candidates.get(name=cand)
        for i in range(count):
            nominations.record_nomination(c, candidate, "mp", f"MP {cand} {i}", "officer")
    return c


def test_nominations_pages(live_server, browser, audit):  # noqa: F811
    c = _challenge_at_nominations()
    org = c.organisation
    motion = contest(org, names=("For", "Against"), method="fptp", kind="motion")
    lifecycle.transition(motion, Contest.NOMINATIONS, "officer")
    frozen = contest(org, names=("Gale", "Holm"))
    lifecycle.transition(frozen, Contest.FROZEN, "officer")
    page = browser.new_page()
    _login(page, live_server, "returning.officer", "officer")
    url = f"{live_server.url}/officer/contests/{{}}/nominations/"
    for name, pk in (
        ("nominations: challenge, one unqualified", c.pk),
        ("nominations: motion (no thresholds)", motion.pk),
        ("nominations: frozen (read only)", frozen.pk),
    ):
        page.goto(url.format(pk))
        wait_text(page, "Nominations")
        audit(page, name)
    page.goto(url.format(c.pk))
    page.click("button[value=add]")  # no nominator's name
    page.wait_for_selector("#error-summary")
    audit(page, "nominations: record with an error")
    page.click("button[value=withdraw]")
    wait_text(page, "Withdrawn from the ballot")
    audit(page, "nominations: after withdrawing")
    page.close()
    scrutineer = browser.new_page()
    _login(scrutineer, live_server, "scrutineer.one", "scrutineer")
    scrutineer.goto(url.format(c.pk))
    wait_text(scrutineer, "Nominations")
    audit(scrutineer, "nominations: scrutineer view")
    scrutineer.close()
    audit.check()


def test_candidate_pages(live_server, browser, audit):  # noqa: F811
    published = _published_contest()
    c = _challenge_at_nominations(published.organisation)
    page = browser.new_page()
    _login(page, live_server, "challenger", "candidate")
    user = User.objects.get(username="challenger")
    page.goto(live_server.url + "/candidate/")
    wait_text(page, "Your contests")
    audit(page, "candidate: no contests yet")
    for cand in (c.candidates.get(name="Challenger"), published.candidates.get(position=1)):
        cand.user = user
        cand.save()
    for name, path in (
        ("candidate: contests (nominations, published)", "/candidate/"),
        ("candidate: leadership challenge", f"/candidate/contests/{c.pk}/"),
        ("candidate: published contest", f"/candidate/contests/{published.pk}/"),
    ):
        page.goto(live_server.url + path)
        wait_text(page, "Selectorate")
        audit(page, name)
    page.close()
    audit.check()
