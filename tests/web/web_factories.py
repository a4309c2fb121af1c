"""Small builders for the web tests."""

from datetime import date

from selectorate.web.elections.models import Candidate, Contest, Member, Organisation

FREEZE = date(2024, 3, 1)


def organisation(members: int = 5) -> Organisation:
    """An organisation whose members are all eligible on FREEZE (plus one who joined late)."""
    org = Organisation.objects.create(name="Test CLP", slug="test-clp", rulebook_id="labour-2014")
    for i in range(1, members + 1):
        Member.objects.create(
            organisation=org,
            member_no=f"M{i:04d}",
            name=f"Member {i}",
            email=f"m{i}@example.org",
            joined=date(2020, 1, i),
            paid_up_to=date(2025, 1, 1),
        )
    Member.objects.create(
        organisation=org, member_no="M9999", name="Late Joiner", joined=date(2024, 4, 1),
        paid_up_to=date(2025, 1, 1),
    )
    return org


def contest(org: Organisation, names: tuple[str, ...] = ("Ash", "Birch", "Cedar", "Damson"),
            method: str = "irv", kind: str = "selection") -> Contest:
    """A single-seat contest in draft with the given candidates."""
    c = Contest.objects.create(organisation=org, title=f"{kind} test", kind=kind,
                               rulebook_id=org.rulebook_id, method=method, seats=1,
                               freeze_date=FREEZE)
    for pos, name in enumerate(names, start=1):
        Candidate.objects.create(contest=c, name=name, position=pos)
    return c
