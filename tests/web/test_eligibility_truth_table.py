"""Eligibility: a truth table at the freeze date, under a fixed clock, for four rulebooks.

Each row is a member of the register as the service stores it (join date,
paid-up date, status, registered supporter, unit); each column a rulebook
version and kind of contest. The expected decision in every cell is written
out below from the rules (cited per row and per column, from
``shared/facts/rulebooks.md`` and the shipped rulebooks), not computed by the
code under test. The web service freezes each column's contest through the
real lifecycle (``transition(…, "frozen")`` → :func:`.electorate.freeze_electorate`),
and its frozen electorate must match the table in every cell.

The freeze date is FREEZE = 2024-03-01; six months before it is 2023-09-01.
The clock is fixed (``django.utils.timezone.now`` patched) and then moved seven
years on for a second freeze: the roll must not depend on the day it is frozen.

After the freeze, editing the members (status, dates, supporter flags, unit,
name, email; a register import over them; a new member) must not change the
frozen roll: its sha256 is compared before and after, and a member on a frozen
roll cannot be deleted.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from datetime import UTC, date, datetime

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from selectorate.procedures import eligibility as procedure
from selectorate.web.elections import electorate, lifecycle, register_import, voting
from selectorate.web.elections.models import (
    Candidate,
    Contest,
    Elector,
    Member,
    Organisation,
    Unit,
)

pytestmark = pytest.mark.django_db

FREEZE = date(2024, 3, 1)

#: Columns: (rulebook, kind of contest), and why each differs.
COLUMNS = {
    # Rule Book 2010, before Collins: only members are on the party's register of voters
    # (labour-2010 eligibility amendment: categories = ["member"]; rulebooks.md §1.3).
    "L2010 leader": ("labour-2010", "leadership"),
    # Rule Book 2014, Collins reforms: members, affiliated supporters and registered
    # supporters vote as equals (rulebooks.md §1.3 "Collins reforms"); no minimum membership.
    "L2014 leader": ("labour-2014", "leadership"),
    # A selection is a ballot "of eligible CLP members", one member one vote
    # (rulebooks.md §2.2 "Final vote"): members only.
    "L2014 select": ("labour-2014", "selection"),
    # Rule Book 2021: registered supporters abolished, six months' membership to vote
    # (rulebooks.md §1.3 "2021 onwards: six months' membership"; §1.1).
    "L2021 leader": ("labour-2021", "leadership"),
    # Trigger ballots: "only full members vote" (rulebooks.md §2.1), six months' continuous
    # membership at the freeze date (§2.1 "Eligibility (2021 round)").
    "L2021 trigger": ("labour-2021", "trigger_ballot"),
    # A rulebook with no eligibility rules (Lib Dem 2019 encodes only its leadership count):
    # the default — active members who joined by the freeze date and are paid up to it.
    "LD2019 leader": ("libdem-2019", "leadership"),
}

#: Rule citations used by the rows.
R_FREEZE = ("joined on or before the freeze date; joining on the day counts "
            "(rulebooks.md §1.3, 2020: 'join by 17:00 on 20 Jan 2020')")
R_SIX = "six months' continuous membership at the freeze date from 2021 (rulebooks.md §1.3, §2.1)"
R_PAID = ("paid up at the freeze date: 'subscriptions up to date at the time of the election' "
          "(labour-2014 eligibility.toml [members], Southend Labour 2016)")
R_STATUS = "only an active member votes: lapsed or suspended are excluded (eligibility rules)"
R_RS = ("registered supporters: a Collins category from 2014 (rulebooks.md §1.3), abolished in "
        "2021; registered and paid the fee by the freeze date when the NEC sets no window")
R_AS = ("affiliated supporters: a Collins category from 2014; the freeze 'also applies to "
        "affiliate members' (NEC 2016, labour-2014 eligibility.toml), so the six months too")
R_KIND = "constituency ballots (selection, trigger ballot) are members' ballots (§2.1, §2.2)"

# Columns:            L2010  L2014  L2014  L2021  L2021  LD2019
#                     leader leader select leader trigger leader
#: (member_no, description, member fields, expected "Y/N" per column, rules cited)
ROWS = [
    ("T01", "member since 2020, paid to 2025", {}, "Y Y Y Y Y Y", [R_FREEZE, R_PAID]),
    ("T02", "joined the day before the freeze date", {"joined": date(2024, 2, 29)},
     "Y Y Y N N Y", [R_FREEZE, R_SIX]),
    ("T03", "joined on the freeze date", {"joined": FREEZE}, "Y Y Y N N Y", [R_FREEZE, R_SIX]),
    ("T04", "joined the day after the freeze date", {"joined": date(2024, 3, 2)},
     "N N N N N N", [R_FREEZE]),
    ("T05", "joined exactly six months before", {"joined": date(2023, 9, 1)},
     "Y Y Y Y Y Y", [R_SIX]),
    ("T06", "joined six months less a day before", {"joined": date(2023, 9, 2)},
     "Y Y Y N N Y", [R_SIX]),
    ("T07", "paid up to the freeze date itself", {"paid_up_to": FREEZE},
     "Y Y Y Y Y Y", [R_PAID]),
    ("T08", "in arrears: paid up to the day before", {"paid_up_to": date(2024, 2, 29)},
     "N N N N N N", [R_PAID]),
    ("T09", "no paid-up date on the register", {"paid_up_to": None}, "N N N N N N", [R_PAID]),
    ("T10", "lapsed (though paid up)", {"status": "lapsed"}, "N N N N N N", [R_STATUS]),
    ("T11", "suspended (though paid up)", {"status": "suspended"}, "N N N N N N", [R_STATUS]),
    ("T12", "registered supporter, registered 15 Jan 2024",
     {"registered_supporter": True, "joined": date(2024, 1, 15), "paid_up_to": None},
     "N Y N N N N", [R_RS, R_KIND]),
    ("T13", "registered supporter, registered on the freeze date",
     {"registered_supporter": True, "joined": FREEZE, "paid_up_to": None},
     "N Y N N N N", [R_RS, R_FREEZE]),
    ("T14", "registered supporter, registered after the freeze date",
     {"registered_supporter": True, "joined": date(2024, 3, 5), "paid_up_to": None},
     "N N N N N N", [R_RS]),
    ("T15", "registered supporter, lapsed",
     {"registered_supporter": True, "joined": date(2024, 1, 15), "status": "lapsed"},
     "N N N N N N", [R_RS, R_STATUS]),
    ("T16", "affiliated supporter since 15 Jan 2024",
     {"unit": "affiliate", "joined": date(2024, 1, 15), "paid_up_to": None},
     "N Y N N N N", [R_AS, R_SIX, R_KIND]),
    ("T17", "affiliated supporter since 2020",
     {"unit": "affiliate", "paid_up_to": None}, "N Y N Y N N", [R_AS, R_KIND]),
    ("T18", "affiliated supporter, joined after the freeze date",
     {"unit": "affiliate", "joined": date(2024, 3, 2), "paid_up_to": None},
     "N N N N N N", [R_AS, R_FREEZE]),
    ("T19", "affiliated supporter since 2020, suspended",
     {"unit": "affiliate", "status": "suspended"}, "N N N N N N", [R_AS, R_STATUS]),
    ("T20", "member of a branch since 2020", {"unit": "branch"}, "Y Y Y Y Y Y", [R_FREEZE]),
    ("T21", "paid up to the day after the freeze date", {"paid_up_to": date(2024, 3, 2)},
     "Y Y Y Y Y Y", [R_PAID]),
    ("T22", "joined on the freeze date, paid to it", {"joined": FREEZE, "paid_up_to": FREEZE},
     "Y Y Y N N Y", [R_FREEZE, R_PAID, R_SIX]),
    ("T23", "member since 2019, in arrears since 2023",
     {"joined": date(2019, 5, 1), "paid_up_to": date(2023, 12, 31)}, "N N N N N N", [R_PAID]),
]


def _fixed_clock(monkeypatch, when: datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: when)


def _register() -> Organisation:
    org = Organisation.objects.create(name="Truth CLP", slug="truth", rulebook_id="labour-2014")
    units = {
        "affiliate": Unit.objects.create(organisation=org, kind="affiliate", name="A Union",
                                         affiliate_type="union", affiliated_membership=100),
        "branch": Unit.objects.create(organisation=org, kind="branch", name="North branch"),
    }
    for member_no, description, fields, _, _ in ROWS:
        values = {"joined": date(2020, 1, 1), "paid_up_to": date(2025, 1, 1),
                  "status": "active", "registered_supporter": False, "unit": None, **fields}
        values["unit"] = units.get(values["unit"]) if values["unit"] else None
        Member.objects.create(organisation=org, member_no=member_no, name=description,
                              email=f"{member_no.lower()}@example.org", **values)
    return org


def _frozen(org: Organisation, column: str) -> Contest:
    rulebook, kind = COLUMNS[column]
    c = Contest.objects.create(organisation=org, title=column, kind=kind, rulebook_id=rulebook,
                               method="irv", seats=1, freeze_date=FREEZE)
    for pos, name in enumerate(("Ash", "Birch"), start=1):
        Candidate.objects.create(contest=c, name=name, position=pos)
    lifecycle.transition(c, Contest.FROZEN, "officer")
    return c


def roll(c: Contest) -> list[tuple[int, bool, str]]:
    """The frozen electorate: (member id, eligible, reason) in member order."""
    return list(Elector.objects.filter(contest=c).order_by("member_id")
                .values_list("member_id", "eligible", "reason"))


def roll_hash(c: Contest) -> str:
    """sha256 of the frozen electorate."""
    return hashlib.sha256(json.dumps(roll(c)).encode()).hexdigest()


def test_the_table_is_complete():
    assert len(ROWS) >= 20 and len({r[0] for r in ROWS}) == len(ROWS)
    for row in ROWS:
        assert len(row[3].split()) == len(COLUMNS), row[0]
        assert row[4], f"{row[0]} cites no rule"
    # At least two rulebook versions with different rules.
    assert len({rb for rb, _ in COLUMNS.values()}) >= 3


def test_frozen_electorate_matches_the_truth_table(monkeypatch):
    _fixed_clock(monkeypatch, datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    org = _register()
    contests = {col: _frozen(org, col) for col in COLUMNS}
    cells = matched = 0
    wrong = []
    for member_no, description, _, expected, rules in ROWS:
        for col, want in zip(COLUMNS, expected.split(), strict=True):
            elector = Elector.objects.get(contest=contests[col], member__member_no=member_no)
            cells += 1
            if elector.eligible == (want == "Y"):
                matched += 1
            else:
                wrong.append(f"{member_no} ({description}) in {col}: expected {want}, "
                             f"got {'Y' if elector.eligible else 'N'} — {elector.reason}; "
                             f"rules: {rules}")
    assert cells == len(ROWS) * len(COLUMNS) == 138
    assert matched == cells, f"{matched}/{cells} cells match:\n" + "\n".join(wrong)
    # Every exclusion carries its reason.
    assert not Elector.objects.filter(eligible=False, reason="").exists()

    # Seven years on, the same rules on the same register give the same roll.
    _fixed_clock(monkeypatch, datetime(2031, 7, 14, 23, 59, tzinfo=UTC))
    for col, c in contests.items():
        again = _frozen(org, col)
        assert [(m, e) for m, e, _ in roll(again)] == [(m, e) for m, e, _ in roll(c)], col


def test_eligibility_never_reads_the_clock():
    for module in (procedure, electorate):
        source = inspect.getsource(module)
        for call in ("today(", "now(", "time.time", "localdate"):
            assert call not in source, f"{module.__name__} reads the clock ({call})"


def test_later_edits_do_not_move_the_frozen_roll(monkeypatch, settings):
    _fixed_clock(monkeypatch, datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    org = _register()
    contests = {col: _frozen(org, col) for col in ("L2014 leader", "L2021 leader")}
    before = {col: roll_hash(c) for col, c in contests.items()}
    eligible_before = {col: c.electors.filter(eligible=True).count()
                       for col, c in contests.items()}
    assert all(eligible_before.values())

    # Edits by hand (the admin's way): every field that decides eligibility.
    Member.objects.filter(organisation=org, member_no="T01").update(status="suspended")
    Member.objects.filter(organisation=org, member_no="T04").update(joined=date(2019, 1, 1))
    Member.objects.filter(organisation=org, member_no="T08").update(paid_up_to=date(2030, 1, 1))
    Member.objects.filter(organisation=org, member_no="T12").update(registered_supporter=False)
    Member.objects.filter(organisation=org, member_no="T17").update(unit=None)
    Member.objects.filter(organisation=org, member_no="T20").update(name="Renamed",
                                                                    email="new@example.org")
    # A register import over them, and a new member.
    text = ("member_id,name,category,status,joined,paid_up_to\n"
            "T02,Now Long Standing,member,active,2010-01-01,2030-01-01\n"
            "T10,Active Again,member,active,2010-01-01,2030-01-01\n"
            "T99,Brand New,member,active,2010-01-01,2030-01-01\n")
    report = register_import.check(org, "later.csv", text)
    assert not report.problem and report.updated == 2 and report.new == 1
    register_import.save(report, "officer")
    # Deleting a member on a frozen roll is refused.
    with pytest.raises(ProtectedError):
        Member.objects.get(organisation=org, member_no="T03").delete()
    # The contest moves on: credentials, open.
    c = contests["L2014 leader"]
    voting.issue_credentials(c, "officer")
    lifecycle.transition(c, Contest.OPEN, "officer")

    after = {col: roll_hash(c) for col, c in contests.items()}
    assert after == before
    assert {col: c.electors.filter(eligible=True).count()
            for col, c in contests.items()} == eligible_before
    assert not Elector.objects.filter(member__member_no="T99").exists()
    # Freezing again is refused: the roll is the one frozen on the day.
    with pytest.raises(lifecycle.TransitionRefused):
        lifecycle.transition(contests["L2021 leader"], Contest.FROZEN, "officer")
