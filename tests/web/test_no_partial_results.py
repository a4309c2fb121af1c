"""No partial results: while a contest is open, no page, endpoint or email shows a candidate figure.

An open contest gets 3,479 planted ballots with distinctive counts: first
preferences 1,193 / 577 / 1,709 for three candidates with unusual names, and
1,770 after the one transfer an IRV count would make. Then every route of the
URL configuration (``django.urls.get_resolver``, so a new route is crawled as
soon as it exists) is requested with GET and with an empty POST, as each role:
anonymous, a voter holding a code, a candidate of that contest, a scrutineer,
an officer and a superuser — the superuser also walking the Django admin of
every registered model (list, add, change, history and delete pages) — and
links are followed from every page. Every email sent meanwhile is read too.
Pass: none of the figures (as numbers or as percentages) appears anywhere.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from fractions import Fraction
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from h2_support import open_contest, organisation, rank_fields

from selectorate.web.elections import counting, lifecycle, voting
from selectorate.web.elections.models import CastBallot, Contest

pytestmark = pytest.mark.django_db

NAMES = ("Philomena Grisewood", "Thaddeus Oakapple", "Ximena Vartabedian")
#: Planted ballots (candidate positions) and how many of each.
PLANTED = {(1,): 1193, (2, 1): 577, (3, 2): 1709}
ROLES = ("anonymous", "voter", "candidate", "scrutineer", "officer", "superuser")
#: Links followed per role and route beyond the enumerated URLs (bounds the crawl).
LINKS_PER_ROUTE = 2


class Figures:
    """Candidate-level figures of a count, as numbers and as percentages, and a finder for them."""

    def __init__(self, rounds) -> None:
        self.counts: set[int] = set()
        self.percents: set[str] = set()
        for rnd in rounds:
            total = sum(rnd.tally.values(), Fraction(0)) + sum(rnd.inactive.values(), Fraction(0))
            for votes in rnd.tally.values():
                self.counts.add(int(votes))
                for of in {total, sum(rnd.tally.values(), Fraction(0))}:
                    share = 100 * votes / of
                    for places in (1, 2):
                        self.percents.add(f"{round(float(share), places):.{places}f}")

    def found_in(self, text: str) -> set[str]:
        """The figures found in ``text`` (1193, 1,193, 34.29, 34.3 …), whole numbers only."""
        found = set()
        for m in _NUMBER.finditer(text):
            whole = int(m.group(1).replace(",", ""))
            if m.group(2) is None and whole in self.counts:
                found.add(str(whole))
            elif m.group(2) is not None and f"{whole}.{m.group(2)}" in self.percents:
                found.add(f"{whole}.{m.group(2)}")
        return found


# Not part of a path or a query (an object id in an admin link, /elector/578/change/,
# is not a figure; on PostgreSQL ids keep growing across tests and can meet one).
_NUMBER = re.compile(r"(?<![\w.,/=])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\w/])")


def test_the_figure_finder_finds_them():
    class R:
        tally = {"P": Fraction(1193), "T": Fraction(577), "X": Fraction(1709)}
        inactive: dict = {}

    f = Figures([R()])
    assert f.found_in("Philomena 1193 (34.29%), Thaddeus 577") == {"1193", "34.29", "577"}
    assert f.found_in("1,709 votes, 49.1 %") == {"1709", "49.1"}
    assert f.found_in("id a1193f, token x577y, 11934, 2024-05-77, v1193.0.1") == set()
    assert f.found_in('<a href="/admin/elections/elector/578/change/">, ?id=1193') == set()


# -- the world ------------------------------------------------------------------------------


def _user(name: str, group: str | None = None, **flags) -> User:
    user = User.objects.create_user(name, password="pw-for-tests-1234", **flags)
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def world():
    people = [(f"P{i:04d}", f"Member {i}", f"member{i}@example.org") for i in range(12)]
    org = organisation("partial", people)
    users = {
        "candidate": _user("cand", "candidate"),
        "scrutineer": _user("scrut", "scrutineer"),
        "officer": _user("ro", "officer"),
        "superuser": _user("root", is_staff=True, is_superuser=True),
    }
    # A published contest, so that result pages exist (its figures are all small).
    done, done_codes = open_contest(org, ("Elm", "Fir", "Gum"), title="Last year's ballot")
    for code, r in zip([i.code for i in done_codes][:5], ([1], [2], [1, 3], [3], [1]),
                       strict=True):
        voting.cast(done, code, r)
    lifecycle.transition(done, Contest.CLOSED, "officer")
    counting.count_contest(done, "officer")
    lifecycle.transition(done, Contest.PUBLISHED, "officer")

    # The open contest: codes emailed by the officer's page, a few web votes, the planted box.
    c = Contest.objects.create(organisation=org, title="Selection of the candidate",
                               kind="selection", method="irv", seats=1,
                               freeze_date=done.freeze_date, rulebook_id=org.rulebook_id)
    for pos, name in enumerate(NAMES, start=1):
        c.candidates.create(name=name, position=pos,
                            user=users["candidate"] if pos == 1 else None)
    lifecycle.transition(c, Contest.FROZEN, "officer")
    officer = Client()
    officer.force_login(users["officer"])
    sent = officer.post(f"/officer/contests/{c.pk}/credentials/",
                        {"action": "issue", "delivery": "email"})
    assert sent.status_code == 302 and len(mail.outbox) == 12
    codes = [re.search(r"^\s+(\S+-\S+-\S+-\S+)$", m.body, re.M).group(1) for m in mail.outbox]
    lifecycle.transition(c, Contest.OPEN, "officer")
    web = Client()
    for code, ranking in zip(codes[:3], ([1, 2], [3], [2, 3, 1]), strict=True):
        assert web.post("/vote/cast/", {"code": code, **rank_fields(ranking)}).status_code == 200
    CastBallot.objects.bulk_create(
        [
            CastBallot(contest=c, rankings=list(r), receipt_hash=voting.sha256(f"planted-{r}-{k}"))
            for r, n in PLANTED.items()
            for k in range(n)
        ],
        batch_size=2000,
    )
    c.refresh_from_db()
    assert c.state == Contest.OPEN
    # What a partial result would show: the counting core's figures of the box as it stands.
    figures = Figures(counting.count_election(c).rounds)
    assert figures.counts == {1194, 578, 1710, 1771, 1711}
    return {"org": org, "open": c, "done": done, "users": users, "codes": codes[3:],
            "figures": figures}


# -- the crawl ----------------------------------------------------------------------------


def _routes(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the URL configuration as one string, e.g. ``api/contests/<contest_id>``."""
    out = []
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            out += _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append(prefix + str(p.pattern))
    return out


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_ADMIN_MODEL = re.compile(r"^admin/(\w+)/(\w+)/")


def _admin_model(route: str):
    m = _ADMIN_MODEL.match(route)
    if not m:
        return None
    for model in admin.site._registry:
        if (model._meta.app_label, model._meta.model_name) == m.groups():
            return model
    return None


def _urls(route: str, w) -> list[str] | None:
    """Concrete URLs for ``route`` (None: the test does not know how to fill it in)."""
    if route == "admin/^(?P<app_label>auth|elections)/$":
        return ["/admin/auth/", "/admin/elections/"]
    if route == "admin/(?P<url>.*)$":
        return ["/admin/no-such-page/"]
    if "(?P<" in route or "^" in route:
        return None
    contests = [w["open"].pk, w["done"].pk]
    values = {
        "pk": contests,
        "contest_id": contests,
        "fmt": ["blt", "csv", "cdf"],
        "slug": [w["org"].slug],
        "member_no": [w["open"].electors.order_by("member__member_no").last().member.member_no],
        "id": [w["users"]["superuser"].pk],
        "content_type_id": [ContentType.objects.get_for_model(Contest).pk],
    }
    model = _admin_model(route)
    if model is not None:
        rows = model._default_manager.all()
        if model is Contest:
            rows = rows.filter(pk__in=contests)
        elif any(f.name == "contest" for f in model._meta.fields):
            rows = rows.filter(contest=w["open"])
        values["object_id"] = [str(pk) for pk in rows.values_list("pk", flat=True)[:3]] or ["0"]
    elif "object_id" in route:
        values["object_id"] = [str(w["open"].pk)]
    urls = ["/" + route]
    for name in _PARAM.findall(route):
        if name not in values:
            return None
        urls = [
            re.sub(rf"<(?:\w+:)?{name}>", str(v), u, count=1) for u in urls for v in values[name]
        ]
    return urls


def _body(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return unescape(data.decode("utf-8", "replace"))


_HREF = re.compile(r"""(?:href|action)\s*=\s*["']([^"'#]+)""")


def _links(page_url: str, text: str) -> list[str]:
    out = []
    for href in _HREF.findall(text):
        url = urljoin(page_url, unescape(href))
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
            continue
        if parts.path.startswith("/static/") or "logout" in parts.path:
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def _route_of(path: str) -> str:
    from django.urls import Resolver404, resolve

    try:
        return resolve(urlsplit(path).path).route
    except Resolver404:
        return "?"


def _clients(w) -> dict[str, Client]:
    clients = {"anonymous": Client(), "voter": Client()}
    for role in ("candidate", "scrutineer", "officer", "superuser"):
        clients[role] = Client()
        clients[role].force_login(w["users"][role])
    return clients


def test_no_candidate_figure_anywhere_while_voting_is_open(world):
    w = world
    assert CastBallot not in admin.site._registry  # the admin cannot list ballots at all
    routes = _routes()
    plan = {route: _urls(route, w) for route in routes}
    unknown = sorted(r for r, urls in plan.items() if urls is None)
    assert unknown == [], f"routes the crawl cannot fill in yet (add them to _urls): {unknown}"

    hits: dict[str, set[str]] = defaultdict(set)
    requested: set[str] = set()
    shown: dict[str, set[str]] = defaultdict(set)  # role -> routes answered 200
    fetched = 0

    def check(role: str, method: str, url: str, response) -> str:
        nonlocal fetched
        fetched += 1
        if response.status_code == 200 and method == "GET":
            shown[role].add(_route_of(url))
        text = _body(response)
        found = w["figures"].found_in(text)
        if found:
            hits[f"{role} {method} {url} ({response.status_code})"] |= found
        return text

    clients = _clients(w)
    voter_code = w["codes"][0]
    for role, client in clients.items():
        seen: set[str] = set()
        per_route: dict[str, int] = defaultdict(int)
        queue: list[str] = []
        for route, urls in plan.items():
            for url in urls:
                requested.add(route)
                text = check(role, "GET", url, client.get(url))
                seen.add(url)
                queue += _links(url, text)
                if "logout" in route:
                    continue
                check(role, "POST", url, client.post(url, {}))
        if role == "voter":  # the voter's own path, with a real code
            for url, data in (
                ("/vote/", {"code": voter_code}),
                ("/vote/confirm/", {"code": voter_code, **rank_fields([3, 1])}),
                ("/vote/cast/", {"code": voter_code, **rank_fields([3, 1])}),
            ):
                text = check(role, "POST", url, client.post(url, data))
            receipt = re.search(r'id="receipt">([^<]+)<', text).group(1)
            check(role, "POST", "/receipt/", client.post("/receipt/", {"receipt": receipt}))
            check(role, "POST", "/vote/lost-code/",
                  client.post("/vote/lost-code/", {"email": "member5@example.org"}))
        if role == "officer":  # a code reissued and mailed
            member_no = w["open"].electors.order_by("member__member_no")[6].member.member_no
            check(role, "POST", "credentials reissue", client.post(
                f"/officer/contests/{w['open'].pk}/credentials/",
                {"action": "reissue", "member_no": member_no, "email": "1"},
            ))
        while queue:  # follow links: a few per route, every route's page seen
            url = queue.pop(0)
            route = _route_of(url)
            if url in seen or per_route[route] >= LINKS_PER_ROUTE:
                continue
            seen.add(url)
            per_route[route] += 1
            queue += _links(url, check(role, "GET", url, client.get(url)))

    mails = [f"{m.subject}\n{m.body}\n{m.alternatives if hasattr(m, 'alternatives') else ''}"
             for m in mail.outbox]
    for n, text in enumerate(mails):
        if w["figures"].found_in(text):
            hits[f"email {n}"] |= w["figures"].found_in(text)
    print(f"\nFIGURE no partial results: {len(routes)} routes, {fetched} responses over "
          f"{len(ROLES)} roles, {len(mails)} emails; figures {sorted(w['figures'].counts)}; "
          f"hits {len(hits)}")
    assert set(routes) <= requested
    # The crawl saw the pages that matter, not just log-in redirects.
    admin_lists = {r for r in routes if re.fullmatch(r"admin/\w+/\w+/", r)}
    assert admin_lists and admin_lists <= shown["superuser"]
    assert {"officer/contests/<int:pk>/", "scrutineer/audit/"} <= shown["officer"]
    assert "scrutineer/audit/" in shown["scrutineer"]
    assert "candidate/contests/<int:pk>/" in shown["candidate"]
    assert dict(hits) == {}
    w["open"].refresh_from_db()
    assert w["open"].state == Contest.OPEN  # the crawl changed nothing that matters
