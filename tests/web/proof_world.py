"""A small world for the access, CSRF and state tests: one organisation, contests in
several states, users in every role, planted ballots.

Built with :mod:`web_factories` and the service's own lifecycle (no shortcuts
past the state machine), so every contest is in a state it could really reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import Client
from web_factories import contest, organisation

from selectorate.web.elections import counting, lifecycle, voting
from selectorate.web.elections.models import (
    AuditEntry,
    CastBallot,
    Contest,
    Nomination,
    Organisation,
)

#: Every role the matrix tries, in column order. "voter" is an anonymous client that
#: holds a valid, unused voting code of the open contest (and POSTs it as ``code``);
#: "norole" is a signed-in account in no group (what a member account would be: members
#: do not sign in to this service, so no such role exists yet).
ROLES = ("anon", "voter", "norole", "candidate", "scrutineer", "officer", "superuser")
PASSWORD = "pw-for-access-tests-1234"
NAMES = ("Ash", "Birch", "Cedar", "Damson")


@dataclass
class World:
    """The objects every probe can refer to."""

    org: Organisation
    contests: dict[str, Contest]
    users: dict[str, User]
    codes: list[str]  # unused codes of the open contest
    receipts: list[str]
    ballot_ids: list[str]
    receipt_hashes: list[str]
    sessions: dict[str, dict[str, str]] = field(default_factory=dict)

    def ids(self) -> dict[str, object]:
        """Placeholders for probe URLs and bodies."""
        c = self.contests
        return {
            "draft": c["draft"].pk,
            "nominations": c["nominations"].pk,
            "frozen": c["frozen"].pk,
            "open": c["open"].pk,
            "closed": c["closed"].pk,
            "published": c["published"].pk,
            "slug": self.org.slug,
            "org": self.org.pk,
            "user": self.users["norole"].pk,
            "group": Group.objects.get(name="officer").pk,
            "member": self.org.members.order_by("member_no").first().pk,
            "unit": self.org.units.first().pk,
            "elector": c["open"].electors.order_by("pk").first().pk,
            "credential": c["open"].credentials.order_by("pk").first().pk,
            "result": c["published"].result.pk,
            "audit": AuditEntry.objects.order_by("seq").first().pk,
            "open_candidate": c["open"].candidates.order_by("position").first().pk,
            "nom_candidate": c["nominations"].candidates.order_by("position").first().pk,
        }

    def client(self, role: str, **kwargs: object) -> Client:
        """A fresh client signed in as ``role`` (the session made once, reused)."""
        client = Client(**kwargs)
        for name, value in self.sessions.get(role, {}).items():
            client.cookies[name] = value
        return client


def _user(username: str, group: str | None = None, **flags: bool) -> User:
    user = User.objects.create_user(username, password=PASSWORD, **flags)
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def _to_open(c: Contest) -> list[str]:
    lifecycle.transition(c, Contest.FROZEN, "officer")
    codes = [i.code for i in voting.issue_credentials(c, "officer")]
    lifecycle.transition(c, Contest.OPEN, "officer")
    return codes


def build_world() -> World:
    """Contests in draft, nominations, frozen, open (2 ballots planted), closed and published."""
    for role in ("officer", "scrutineer", "candidate"):
        Group.objects.get_or_create(name=role)
    org = organisation(members=8)
    org.units.create(kind="branch", name="Northside branch")
    contests: dict[str, Contest] = {}
    with transaction.atomic():
        contests["draft"] = contest(org, names=NAMES)
        nom = contest(org, names=NAMES)
        lifecycle.transition(nom, Contest.NOMINATIONS, "officer")
        contests["nominations"] = nom
        Nomination.objects.create(contest=nom, candidate=nom.candidates.get(position=1),
                                  nominator_kind="branch", nominator_name="Northside branch")

        frozen = contest(org, names=NAMES)
        lifecycle.transition(frozen, Contest.FROZEN, "officer")
        contests["frozen"] = frozen

        open_c = contest(org, names=NAMES)
        codes = _to_open(open_c)
        receipts = [voting.cast(open_c, codes[0], [1, 2]), voting.cast(open_c, codes[1], [3])]
        contests["open"] = open_c

        closed = contest(org, names=NAMES)
        for code, ranks in zip(_to_open(closed), ([2], [2, 1], [4]), strict=False):
            receipts.append(voting.cast(closed, code, ranks))
        lifecycle.transition(closed, Contest.CLOSED, "officer")
        contests["closed"] = closed

        pub = contest(org, names=NAMES)
        for code, ranks in zip(_to_open(pub), ([1], [1, 3], [2], [4, 1]), strict=False):
            receipts.append(voting.cast(pub, code, ranks))
        lifecycle.transition(pub, Contest.CLOSED, "officer")
        counting.count_contest(pub, "officer")
        lifecycle.transition(pub, Contest.PUBLISHED, "officer")
        contests["published"] = pub
        for key, c in contests.items():
            Contest.objects.filter(pk=c.pk).update(title=f"{key} contest")
            c.refresh_from_db()

    users = {
        "norole": _user("norole"),
        "candidate": _user("cand", "candidate"),
        "scrutineer": _user("scrut", "scrutineer", is_staff=True),
        "officer": _user("officer", "officer", is_staff=True),
        "superuser": _user("root", is_staff=True, is_superuser=True),
    }
    for key in ("open", "published", "nominations"):
        cand = contests[key].candidates.get(position=1)
        cand.user = users["candidate"]
        cand.save()
    ballots = list(CastBallot.objects.values_list("id", "receipt_hash"))
    world = World(
        org=org,
        contests=contests,
        users=users,
        codes=codes[2:],
        receipts=receipts,
        ballot_ids=[b for b, _ in ballots],
        receipt_hashes=[h for _, h in ballots],
    )
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        world.sessions[role] = {k: v.value for k, v in client.cookies.items()}
    return world


class _FormReader(HTMLParser):
    """The fields of a page's first POST form, or the form with a given id."""

    def __init__(self, form_id: str | None = None) -> None:
        super().__init__()
        self.form_id = form_id
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if self._done:
            return
        if tag == "form" and a.get("method", "").lower() == "post":
            self._in_form = self.form_id is None or a.get("id") == self.form_id
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.fields[name] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False
            self._done = True

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str, form_id: str | None = None) -> dict[str, str]:
    """The fields and values a browser would post from a form (the first POST form, or
    the one with id ``form_id``)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.fields


class _TextReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(html: str) -> str:
    """The visible text of a page, whitespace collapsed."""
    reader = _TextReader()
    reader.feed(html)
    return " ".join(" ".join(reader.parts).split())
