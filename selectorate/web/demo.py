"""The demo organisation: a fictional constituency party with four contests at different stages.

Everything here is invented: "Vale of Fennick CLP", its branches, two
affiliated unions and a socialist society, about 300 members with join dates
and arrears spread around the freeze date, and four contests:

* a motion of no confidence in the executive (record only: not binding), **open**;
* a trigger ballot on the sitting MP, at **nominations**;
* a parliamentary selection, preferential (IRV), 4 candidates nominated by
  the branches and an affiliate (checked against the rulebook), **open**;
* a leadership ballot (IRV), **counted and published**.

Logins: an officer, a scrutineer and a candidate — the ``candidate`` user
stands as Avery Brook in the selection, so the candidate's pages show that
contest, Avery's nominations and (once published) the result link.

The register and every vote are drawn from ``random.Random(seed)``, so the
same seed gives the same members, electorates and result. Voting codes, ballot
ids and receipts are random by design (``secrets``), as in a real ballot.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import Group, User
from django.db import transaction

from selectorate.web.elections import counting, lifecycle, nominations, voting
from selectorate.web.elections.models import Candidate, Contest, Member, Organisation, Unit

SLUG = "vale-of-fennick"
SEED = 2024
FREEZE = date(2024, 3, 1)
MEMBERS = 300
ROLES = ("officer", "scrutineer", "candidate")
#: The demo candidate login stands as this candidate in the selection.
CANDIDATE_NAME = "Avery Brook"
#: Who nominates whom in the selection (unit kind, unit name, candidate).
_SELECTION_NOMINATIONS = (
    ("branch", "Fennick Town branch", "Avery Brook"),
    ("branch", "Upper Vale branch", "Casey Dunmore"),
    ("branch", "Marsh End branch", "Jordan Fairley"),
    ("branch", "Holt & Kessing branch", "Riley Hartwell"),
    ("affiliate", "Fictional Workers' Union, Vale branch", "Avery Brook"),
)

_FIRST = (
    "Alex Bea Cal Dana Eli Fern Gus Hana Ivo Jude Kit Lior Mae Nell Ora Pip Quin Rae Sol "
    "Tam Una Vic Wren Xan Yara Zed Ada Bram Cleo Dev"
).split()
_LAST = (
    "Ashdown Brackley Carrow Dunmore Elbury Fallow Garside Holloway Ingram Jessop Kettering "
    "Lowther Marsden Nettles Orwin Pennock Quarry Rushby Selwood Thorne Upcott Varley "
    "Whitlow Yeldham"
).split()
_BRANCHES = ("Fennick Town", "Upper Vale", "Marsh End", "Holt & Kessing")


@dataclass
class DemoInfo:
    """What ``selectorate demo`` prints: the logins and a few codes per open contest."""

    organisation: Organisation
    logins: dict[str, str] = field(default_factory=dict)
    codes: dict[str, list[str]] = field(default_factory=dict)


def is_seeded() -> bool:
    """Whether the demo organisation exists already."""
    return Organisation.objects.filter(slug=SLUG).exists()


def _members(org: Organisation, rng: random.Random) -> None:
    clp = Unit.objects.create(organisation=org, kind=Unit.CLP, name="Vale of Fennick CLP")
    branches = [
        Unit.objects.create(organisation=org, kind=Unit.BRANCH, name=f"{n} branch")
        for n in _BRANCHES
    ]
    affiliates = [
        Unit.objects.create(
            organisation=org,
            kind=Unit.AFFILIATE,
            name=name,
            affiliate_type=kind,
            affiliated_membership=size,
        )
        for name, kind, size in (
            ("Fictional Workers' Union, Vale branch", "union", 1200),
            ("Union of Imaginary Transport Staff", "union", 450),
            ("Fennick Cooperative Society", "society", 80),
        )
    ]
    del clp
    rows = []
    for i in range(1, MEMBERS + 1):
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        # Join dates from 2008 up to two months after the freeze date.
        joined = date(2008, 1, 1) + timedelta(
            days=rng.randrange(0, (FREEZE - date(2008, 1, 1)).days + 60)
        )
        roll = rng.random()
        status = "active" if roll < 0.9 else ("lapsed" if roll < 0.97 else "suspended")
        # Most are paid well past the freeze; some fell into arrears shortly before it.
        paid = FREEZE + timedelta(days=rng.randrange(-120, 365))
        kind = rng.random()
        unit = rng.choice(affiliates) if kind < 0.08 else rng.choice(branches)
        rows.append(
            Member(
                organisation=org,
                member_no=f"VF{i:05d}",
                name=name,
                email=f"member{i}@example.invalid",
                joined=joined,
                status=status,
                paid_up_to=None if rng.random() < 0.02 else paid,
                unit=unit,
                registered_supporter=0.08 <= kind < 0.12,
            )
        )
    Member.objects.bulk_create(rows)


def _contest(
    org: Organisation, title: str, kind: str, method: str, names: list[str], subject: str = ""
) -> Contest:
    contest = Contest.objects.create(
        organisation=org,
        title=title,
        kind=kind,
        rulebook_id=org.rulebook_id,
        method=method,
        seats=1,
        freeze_date=FREEZE,
        subject=subject,
    )
    Candidate.objects.bulk_create(
        Candidate(contest=contest, name=n, position=p) for p, n in enumerate(names, start=1)
    )
    return contest


def _open(contest: Contest, actor: str) -> list[str]:
    lifecycle.transition(contest, Contest.FROZEN, actor)
    codes = [c.code for c in voting.issue_credentials(contest, actor)]
    lifecycle.transition(contest, Contest.OPEN, actor)
    return codes


def _ranking(rng: random.Random, weights: list[int]) -> list[int]:
    """A preference order over positions 1..n, drawn by weight; 1 to n preferences."""
    left = list(range(1, len(weights) + 1))
    w = list(weights)
    out = []
    for _ in range(rng.randint(1, len(left))):
        pick = rng.choices(range(len(left)), weights=w)[0]
        out.append(left.pop(pick))
        w.pop(pick)
    return out


def _users() -> dict[str, str]:
    logins = {}
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    for username, role in (
        ("officer", "officer"), ("scrutineer", "scrutineer"), ("candidate", "candidate")
    ):
        password = secrets.token_urlsafe(12)
        # Officers and scrutineers use the admin; a candidate has only their own pages.
        user = User.objects.create_user(
            username, password=password, is_staff=role != "candidate",
            is_superuser=role == "officer",
        )
        user.groups.add(Group.objects.get(name=role))
        logins[username] = password
    return logins


@transaction.atomic
def seed_demo(seed: int = SEED) -> DemoInfo:
    """Create the demo organisation, users and contests (once; refuses if seeded)."""
    if is_seeded():
        raise RuntimeError("the demo organisation is already seeded")
    rng = random.Random(seed)
    org = Organisation.objects.create(
        name="Vale of Fennick CLP (fictional)", slug=SLUG, rulebook_id="labour-2014"
    )
    info = DemoInfo(organisation=org, logins=_users())
    _members(org, rng)
    actor = "officer"

    leadership = _contest(
        org,
        "Party leadership ballot (demo)",
        "leadership",
        "irv",
        ["Morgan Ashby", "Robin Castell", "Sam Delacourt", "Toni Everard"],
    )
    codes = _open(leadership, actor)
    for code in codes[: len(codes) * 4 // 5]:
        voting.cast(leadership, code, _ranking(rng, [30, 26, 22, 12]))
    lifecycle.transition(leadership, Contest.CLOSED, actor)
    counting.count_contest(leadership, actor)
    lifecycle.transition(leadership, Contest.PUBLISHED, actor)

    motion = _contest(
        org,
        "Motion of no confidence in the CLP executive (record only)",
        "motion",
        "fptp",
        ["For", "Against"],
        subject="record only: not binding on the executive",
    )
    motion_codes = _open(motion, actor)
    for code in motion_codes[: len(motion_codes) // 4]:
        voting.cast(motion, code, [1 if rng.random() < 0.45 else 2])
    info.codes[motion.title] = motion_codes[len(motion_codes) // 4 :][:3]

    trigger = _contest(
        org,
        "Trigger ballot: Jo Pendleford MP",
        "trigger_ballot",
        "fptp",
        ["Yes: hold an open selection", "No: reselect the sitting MP"],
        subject="Jo Pendleford MP",
    )
    lifecycle.transition(trigger, Contest.NOMINATIONS, actor)

    selection = _contest(
        org,
        "Selection of the parliamentary candidate",
        "selection",
        "irv",
        ["Avery Brook", "Casey Dunmore", "Jordan Fairley", "Riley Hartwell"],
    )
    lifecycle.transition(selection, Contest.NOMINATIONS, actor)
    for kind, unit, name in _SELECTION_NOMINATIONS:
        nominations.record_nomination(selection, selection.candidates.get(name=name), kind,
                                      unit, actor)
    standing = selection.candidates.get(name=CANDIDATE_NAME)
    standing.user = User.objects.get(username="candidate")
    standing.save(update_fields=["user"])
    selection_codes = _open(selection, actor)
    for code in selection_codes[: len(selection_codes) // 3]:
        voting.cast(selection, code, _ranking(rng, [25, 24, 20, 15]))
    info.codes[selection.title] = selection_codes[len(selection_codes) // 3 :][:3]
    return info
