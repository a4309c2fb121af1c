"""Browser tests in Debian's Chromium (Playwright driving /usr/bin/chromium) against a live server.

The voter's flow is done by keyboard alone — Tab to reach each control, typing,
Enter to submit — from the voting code to the "your vote has been cast" page,
and the receipt it shows is then found in the ballot box. The officer signs in
and sees the contests and a published result. Screenshots of each page are
saved to ``$SELECTORATE_SCREENSHOTS`` when set (``docs/screenshots`` was made
that way), else to a temporary folder.

Playwright's own browser downloads are never used: Chromium comes from Debian
(``apt-get install chromium``, done by ``.ci/run``).
"""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.db import connections
from web_factories import contest, organisation

from selectorate.web.elections import counting, lifecycle, voting
from selectorate.web.elections.models import CastBallot, Contest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed (/usr/bin/chromium)"
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # (fixtures, checks) are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The live server's request threads must not keep database connections open, or
    # PostgreSQL refuses to drop the test database at the end.
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
            # ORM calls made while Playwright's loop runs get their own connection
            # (Django keys connections by async context); close it before the loop ends.
            connections.close_all()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("SELECTORATE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page, name):
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return shot


def tab_to(page, selector, limit=60):
    """Press Tab until the focused element matches ``selector`` (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"Tab never reached {selector}")


def wait_text(page, text):
    """Wait until the page (after any navigation) shows ``text``."""
    page.wait_for_function("(t) => document.body && document.body.innerText.includes(t)", arg=text)


def _open_contest():
    org = organisation(members=6)
    c = contest(org, names=("Ash Acre", "Birch Brook", "Cedar Cole", "Damson Dale"))
    Contest.objects.filter(pk=c.pk).update(title="Selection of the parliamentary candidate")
    c.refresh_from_db()
    lifecycle.transition(c, Contest.FROZEN, "officer")
    codes = [i.code for i in voting.issue_credentials(c, "officer")]
    lifecycle.transition(c, Contest.OPEN, "officer")
    return c, codes


def test_voter_casts_a_ranked_ballot_by_keyboard_alone(live_server, browser, shots):
    c, codes = _open_contest()
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.goto(live_server.url + "/vote/")
    assert page.locator("h1").inner_text() == "Enter your voting code"
    tab_to(page, "#code")
    page.keyboard.type(codes[0].lower().replace("-", " "))  # case and spacing do not matter
    shots(page, "vote-1-code")
    page.keyboard.press("Enter")

    page.wait_for_selector("#rank-1")
    assert page.locator("h1").inner_text() == c.title
    for position, rank in ((3, "1"), (1, "2"), (4, "3")):
        tab_to(page, f"#rank-{position}")
        page.keyboard.type(rank)
    shots(page, "vote-2-ballot")
    page.keyboard.press("Enter")

    page.wait_for_selector("text=Check your choices")
    assert page.locator("ol.choices li").all_inner_texts() == [
        "Cedar Cole",
        "Ash Acre",
        "Damson Dale",
    ]
    shots(page, "vote-3-confirm")
    tab_to(page, "form[data-once] button:not(.secondary)")
    assert page.evaluate("document.activeElement.textContent").strip() == "Cast my vote"
    page.keyboard.press("Enter")

    page.wait_for_selector("#receipt")
    assert page.locator("h1").inner_text() == "Your vote has been cast"
    receipt = page.locator("#receipt").inner_text().strip()
    shots(page, "vote-4-cast")
    assert voting.receipt_included(c, receipt)
    assert list(CastBallot.objects.filter(contest=c).values_list("rankings", flat=True)) == [
        [3, 1, 4]
    ]
    assert receipt not in page.url

    # The same code again: the one "already voted" answer.
    page.goto(live_server.url + "/vote/")
    tab_to(page, "#code")
    page.keyboard.type(codes[0])
    page.keyboard.press("Enter")
    wait_text(page, voting.ALREADY_VOTED)
    assert CastBallot.objects.filter(contest=c).count() == 1
    page.close()


def test_ballot_errors_are_shown_and_nothing_is_cast(live_server, browser):
    c, codes = _open_contest()
    page = browser.new_page()
    page.goto(live_server.url + "/vote/")
    tab_to(page, "#code")
    page.keyboard.type(codes[1])
    page.keyboard.press("Enter")
    page.wait_for_selector("#rank-1")
    for position in (1, 2):  # the same number twice
        tab_to(page, f"#rank-{position}")
        page.keyboard.type("1")
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-message")
    assert "Check your choices" not in page.locator("h1").inner_text()
    assert not CastBallot.objects.filter(contest=c).exists()
    page.close()


def test_officer_signs_in_and_sees_contests_and_a_result(live_server, browser, shots):
    c, codes = _open_contest()
    for n, code in enumerate(codes):
        voting.cast(c, code, [1 + n % 4, 1 + (n + 1) % 4])
    lifecycle.transition(c, Contest.CLOSED, "officer")
    counting.count_contest(c, "officer")
    lifecycle.transition(c, Contest.PUBLISHED, "officer")
    officer = User.objects.create_user("returning.officer", password="a-long-test-password-1")
    officer.groups.add(Group.objects.get_or_create(name="officer")[0])

    page = browser.new_page(viewport={"width": 1100, "height": 800})
    page.goto(live_server.url + "/")
    shots(page, "home")
    page.goto(live_server.url + "/accounts/login/?next=/officer/")
    tab_to(page, "#id_username")
    page.keyboard.type("returning.officer")
    tab_to(page, "#id_password")
    page.keyboard.type("a-long-test-password-1")
    page.keyboard.press("Enter")
    wait_text(page, c.title)
    assert page.url.endswith("/officer/")
    shots(page, "officer-contests")
    page.goto(live_server.url + f"/officer/contests/{c.pk}/")
    assert page.locator("h1").count() == 1
    shots(page, "officer-contest")
    page.goto(live_server.url + f"/results/{c.pk}/")
    wait_text(page, c.title)
    shots(page, "result")
    page.close()
