"""The whip record: per division, who rebelled and who was absent; per member, their tally.

Pure functions over :class:`~selectorate.divisions.model.Division` records (no I/O).
The rules, as issue 7 asks and ``shared/facts/divisions.md`` §3 and §5 advise:

* **Rebel**: a member of the party who voted against its whip. With an ``aye`` whip,
  a no vote; with ``no``, an aye vote; with an ``abstain`` whip, *any* aye or no vote
  (Labour's abstain whip on the SNP amendment of 29 January 2019: all four Labour MPs
  who voted rebelled, facts §3 pitfall 1). A ``free`` vote, or a division where no whip
  is declared and none can be inferred, has no rebels.
* **Absent when whipped**: a member listed as not voting ("No Vote Recorded") when
  the whip was aye or no. Counted apart from rebels. Only the Commons Votes export
  lists non-voters; for a linked-data record the absentees are unknown (``None``),
  never an empty list.
* **Neither**: tellers (they do not vote) and the chair (the Speaker and deputies,
  whom the :class:`~selectorate.divisions.whips.PartyMap` recognises by label). A
  vote in both lobbies (an active abstention, Public Whip's "both") is loyal to an
  abstain whip and neither rebel nor absent under an aye or no whip.

A member's party is the label printed *in that division* (grouped by the party map),
so a member who left the party counts only in the divisions where they were in it
(facts §3 pitfall 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any

from selectorate.divisions.model import Direction, Division, MemberVote, Vote, Whip
from selectorate.divisions.names import match_key, printing_rank
from selectorate.divisions.whips import PartyMap, WhipBook, whip_for


class Standing(StrEnum):
    """A member's position against the whip in one division."""

    REBEL = "rebel"
    LOYAL = "loyal"
    ABSENT = "absent"
    TELLER = "teller"
    BOTH = "both lobbies"
    NO_WHIP = "no whip"


def standing(vote: Vote, whip: Whip | None) -> Standing:
    """Rebel, loyal, absent, teller, both lobbies, or no whip to keep (free or none known).

    A vote in both lobbies is an active abstention: loyal to an abstain whip, and
    neither rebel nor absent under an aye or no whip (shown as such).
    """
    if vote.teller:
        return Standing.TELLER
    if whip is None or whip.direction is Direction.FREE:
        return Standing.NO_WHIP
    if whip.direction is Direction.ABSTAIN:
        return Standing.LOYAL if vote is Vote.BOTH or not vote.cast else Standing.REBEL
    if vote is Vote.BOTH:
        return Standing.BOTH
    if not vote.cast:
        return Standing.ABSENT
    wanted = Vote.AYE if whip.direction is Direction.AYE else Vote.NO
    return Standing.LOYAL if vote is wanted else Standing.REBEL


def _order(v: MemberVote) -> tuple[str, str]:
    return (match_key(v.name), v.name)


@dataclass(frozen=True)
class DivisionRecord:
    """One division for one party: its whip, its members' entries, the rebels, the absentees.

    ``absent`` is None when the export does not list non-voters (linked data).
    """

    division: Division
    party: str
    whip: Whip | None
    members: tuple[MemberVote, ...]
    rebels: tuple[MemberVote, ...]
    absent: tuple[MemberVote, ...] | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of issue 7 (``whip`` null when none is declared or inferable)."""
        d = self.division
        return {
            "number": d.number,
            "date": d.date.isoformat(),
            "title": d.title,
            "whip": self.whip.to_dict() if self.whip else None,
            "rebels": [{"name": v.name, "vote": str(v.vote)} for v in self.rebels],
            "absent": None if self.absent is None else [v.name for v in self.absent],
        }


def division_record(
    division: Division,
    party: str,
    whips: WhipBook | None = None,
    party_map: PartyMap | None = None,
) -> DivisionRecord:
    """The party's record in one division: whip (declared, else inferred), rebels, absentees."""
    party_map = party_map or (whips.party_map if whips else PartyMap())
    name = party_map.canonical(party)
    whip = None if party_map.is_unwhipped(name) else whip_for(division, name, whips, party_map)
    members = tuple(
        sorted(
            (v for v in division.votes
             if party_map.same(v.party, name) and not party_map.is_chair(v.party)),
            key=_order,
        )
    )  # fmt: skip
    marks = [(v, standing(v.vote, whip)) for v in members]
    rebels = tuple(v for v, s in marks if s is Standing.REBEL)
    absent = None
    if division.lists_non_voters:
        absent = tuple(v for v, s in marks if s is Standing.ABSENT)
    return DivisionRecord(division, name, whip, members, rebels, absent)


@dataclass(frozen=True)
class MemberRecord:
    """One member's tally over the divisions in which they sat for the party.

    ``divisions``: divisions in which the member is listed for the party;
    ``votes_cast``: aye or no votes; ``rebellions``: votes against the whip;
    ``absences``: not voting when whipped aye or no (known from Commons Votes records
    only); ``tellers``: divisions in which they were a teller.
    """

    name: str
    key: str
    divisions: int
    votes_cast: int
    rebellions: int
    absences: int
    tellers: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of issue 7: name, rebellions, votes_cast, absences."""
        return {
            "name": self.name,
            "rebellions": self.rebellions,
            "votes_cast": self.votes_cast,
            "absences": self.absences,
        }


@dataclass(frozen=True)
class PartyRecord:
    """A party across divisions: each division's record, and every member's tally.

    ``divisions`` are by date then number; ``members`` by rebellions (most first), then
    name (the matching key, then the printed name).
    """

    party: str
    divisions: tuple[DivisionRecord, ...]
    members: tuple[MemberRecord, ...]

    def member(self, name: str) -> MemberRecord | None:
        """The member whose name (as printed anywhere) matches ``name``."""
        key = match_key(name)
        return next((m for m in self.members if m.key == key), None)

    def rank(self, name: str) -> tuple[int, int, bool] | None:
        """(position by rebellions, 1 = most; of how many colleagues; shared with another?)."""
        m = self.member(name)
        if m is None:
            return None
        above = sum(1 for o in self.members if o.rebellions > m.rebellions)
        tied = sum(1 for o in self.members if o.rebellions == m.rebellions) > 1
        return above + 1, len(self.members), tied

    def median_rebellions(self) -> Fraction:
        """The median of the members' rebellions (exact: a half when the count is even)."""
        values = sorted(m.rebellions for m in self.members)
        if not values:
            return Fraction(0)
        mid = len(values) // 2
        if len(values) % 2:
            return Fraction(values[mid])
        return Fraction(values[mid - 1] + values[mid], 2)

    def to_dict(self) -> dict[str, Any]:
        """``{"divisions": [...], "members": [...]}`` as issue 7 specifies."""
        return {
            "divisions": [d.to_dict() for d in self.divisions],
            "members": [m.to_dict() for m in self.members],
        }


def party_record(
    divisions: Iterable[Division],
    party: str,
    whips: WhipBook | None = None,
    party_map: PartyMap | None = None,
) -> PartyRecord:
    """The party's record over the given divisions (sorted by date, then number)."""
    party_map = party_map or (whips.party_map if whips else PartyMap())
    ordered = sorted(divisions, key=lambda d: d.key)
    records = tuple(division_record(d, party, whips, party_map) for d in ordered)
    tallies: dict[str, dict[str, int]] = {}
    printings: dict[str, tuple[int, int, str]] = {}
    for index, rec in enumerate(records):
        rebels = {id(v) for v in rec.rebels}
        absent = {id(v) for v in rec.absent or ()}
        for v in rec.members:
            key = match_key(v.name)
            t = tallies.setdefault(key, dict.fromkeys(
                ("divisions", "votes_cast", "rebellions", "absences", "tellers"), 0))  # fmt: skip
            t["divisions"] += 1
            t["votes_cast"] += v.vote.cast
            t["rebellions"] += id(v) in rebels
            t["absences"] += id(v) in absent
            t["tellers"] += v.vote.teller
            # Name as printed: the printing that lost fewest characters to "?", earliest first.
            candidate = (printing_rank(v.name), index, v.name)
            if key not in printings or candidate < printings[key]:
                printings[key] = candidate
    members = [MemberRecord(printings[k][2], k, **t) for k, t in tallies.items()]
    members.sort(key=lambda m: (-m.rebellions, m.key, m.name))
    name = party_map.canonical(party)
    return PartyRecord(name, records, tuple(members))


@dataclass(frozen=True)
class HistoryRow:
    """One division in a member's history: their party then, its whip, their vote, standing."""

    division: Division
    party: str
    whip: Whip | None
    vote: MemberVote
    standing: Standing


@dataclass(frozen=True)
class MemberHistory:
    """A member's whip record division by division, compared with colleagues of their party.

    ``party`` is their party in the latest division listing them; ``record`` their tally
    and ``colleagues`` that party's record over the same divisions. ``unlisted`` counts
    the records that do not list non-voters and in which the member is in neither lobby
    (absent, teller, or not a member then: such an export cannot tell).
    """

    name: str
    party: str
    rows: tuple[HistoryRow, ...]
    record: MemberRecord
    colleagues: PartyRecord
    unlisted: int

    @property
    def rank(self) -> tuple[int, int, bool]:
        """(position among colleagues by rebellions, of how many, shared?)."""
        found = self.colleagues.rank(self.record.name)
        assert found is not None  # the member is one of the colleagues by construction
        return found


def member_history(
    divisions: Sequence[Division],
    name: str,
    whips: WhipBook | None = None,
    party_map: PartyMap | None = None,
) -> MemberHistory | None:
    """The whip record of the member printed as ``name`` (matched loosely), or None if unlisted."""
    party_map = party_map or (whips.party_map if whips else PartyMap())
    key = match_key(name)
    ordered = sorted(divisions, key=lambda d: d.key)
    rows: list[HistoryRow] = []
    unlisted = 0
    for d in ordered:
        entry = next((v for v in d.votes if match_key(v.name) == key), None)
        if entry is None:
            unlisted += not d.lists_non_voters
            continue
        if party_map.is_chair(entry.party):
            continue
        party = party_map.canonical(entry.party)
        whip = None if party_map.is_unwhipped(party) else whip_for(d, party, whips, party_map)
        rows.append(HistoryRow(d, party, whip, entry, standing(entry.vote, whip)))
    if not rows:
        return None
    party = rows[-1].party
    colleagues = party_record(ordered, party, whips, party_map)
    record = colleagues.member(name)
    if record is None:
        return None
    return MemberHistory(record.name, party, tuple(rows), record, colleagues, unlisted)
