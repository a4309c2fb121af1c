"""The division model: a division, how each member voted, and a party's whip in it.

A :class:`Division` keeps the record **as printed**: names and party labels exactly
as the export gives them ("Labour (Co-op)", "Mr Roger Godsiff", "Th?r?se Coffey").
Grouping party labels and matching names are the analysis's business
(:mod:`selectorate.divisions.whips`, :mod:`selectorate.divisions.names`), never the
reader's.

Why tellers and non-voters matter: the Commons Votes export lists every member
(Aye, No, No Vote Recorded, Teller - Ayes, Teller - Noes), so it can tell an absent
member from a teller; Parliament's linked-data export lists only the members in a
lobby (no tellers, no non-voters), so absences cannot be read from it
(``Division.lists_non_voters`` is False). Source: the two formats as described in
``shared/facts/divisions.md`` §2.1 and §3.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Vote(StrEnum):
    """How one member is recorded in one division."""

    AYE = "aye"
    NO = "no"
    NO_VOTE = "no_vote"
    TELLER_AYE = "teller_aye"
    TELLER_NO = "teller_no"
    #: Recorded in both lobbies, counted in both totals: usually an "active abstention"
    #: (Public Whip's "both"; e.g. Lloyd Russell-Moyle in linked-data division 1088670).
    BOTH = "both"

    @property
    def cast(self) -> bool:
        """True for a vote counted in the totals (aye, no or both); tellers' are not counted."""
        return self in (Vote.AYE, Vote.NO, Vote.BOTH)

    @property
    def aye_lobby(self) -> bool:
        """True when the vote is counted among the ayes."""
        return self in (Vote.AYE, Vote.BOTH)

    @property
    def no_lobby(self) -> bool:
        """True when the vote is counted among the noes."""
        return self in (Vote.NO, Vote.BOTH)

    @property
    def teller(self) -> bool:
        """True for a teller of either lobby."""
        return self in (Vote.TELLER_AYE, Vote.TELLER_NO)


class Direction(StrEnum):
    """What a party told its members to do in a division."""

    AYE = "aye"
    NO = "no"
    ABSTAIN = "abstain"
    FREE = "free"


class Basis(StrEnum):
    """Where a whip comes from: a published statement, or the party's own lobby votes."""

    DECLARED = "declared"
    INFERRED = "inferred"


@dataclass(frozen=True, slots=True)
class MemberVote:
    """One member's entry in a division, as printed.

    ``party`` is the label at the time of the vote as the export prints it;
    ``constituency`` is None when the export gives none (linked data);
    ``proxy`` names the member who cast a proxy vote, when the export says so.
    """

    name: str
    party: str
    constituency: str | None
    vote: Vote
    proxy: str | None = None


@dataclass(frozen=True, slots=True)
class Division:
    """One House of Commons division, with every member entry the export gives.

    ``number`` is the division number of the session and ``date`` the sitting day:
    together they identify a division across exports. ``ayes_printed`` and
    ``noes_printed`` are the totals the export prints (tellers excluded), None when it
    prints none. ``lists_non_voters`` says whether members who did not vote are
    listed (Commons Votes) or left out (linked data). ``source`` is the file read.
    """

    number: int
    date: date
    title: str
    votes: tuple[MemberVote, ...]
    lists_non_voters: bool
    ayes_printed: int | None = None
    noes_printed: int | None = None
    house: str = "commons"
    source: str = ""
    export: str = ""

    @property
    def key(self) -> tuple[date, int]:
        """(date, number): the same division in any export."""
        return (self.date, self.number)

    @property
    def ayes(self) -> int:
        """Aye votes in the record (tellers excluded; a vote in both lobbies counts)."""
        return sum(1 for v in self.votes if v.vote.aye_lobby)

    @property
    def noes(self) -> int:
        """No votes in the record (tellers excluded; a vote in both lobbies counts)."""
        return sum(1 for v in self.votes if v.vote.no_lobby)

    @property
    def totals_agree(self) -> bool:
        """True when the printed totals (if any) equal the votes listed."""
        return (self.ayes_printed is None or self.ayes_printed == self.ayes) and (
            self.noes_printed is None or self.noes_printed == self.noes
        )

    def describe(self) -> str:
        """``Division 313 (2019-01-29)``."""
        return f"Division {self.number} ({self.date.isoformat()})"


@dataclass(frozen=True, slots=True)
class Whip:
    """A party's whip in one division: its direction, whether declared or inferred, its source.

    ``party`` is the party name after grouping labels (``Labour``, never
    ``Labour (Co-op)``). ``source`` cites the published statement for a declared whip,
    or states the lobby votes it was inferred from.
    """

    party: str
    direction: Direction
    basis: Basis
    source: str

    def to_dict(self) -> dict[str, str]:
        """The JSON form: direction, basis, source."""
        return {"direction": str(self.direction), "basis": str(self.basis), "source": self.source}
