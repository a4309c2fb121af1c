"""House of Commons divisions and the whip record: who voted against their party's whip.

* :mod:`.model` — a division, each member's vote, a whip per (division, party).
* :mod:`.readers` — the two official CSV exports (Commons Votes, linked data) → :class:`Division`.
* :mod:`.whips` — the declared-whip file, whip inference and the party-label map.
* :mod:`.record` — pure analysis: a division's rebels and absentees, a member's record.

Data: UK Parliament division records, "Contains Parliamentary information licensed
under the Open Parliament Licence v3.0". See ``docs/whip.md``.
"""

from selectorate.divisions.model import Basis, Direction, Division, MemberVote, Vote, Whip
from selectorate.divisions.names import match_key
from selectorate.divisions.readers import DivisionFileError, read_division, read_divisions
from selectorate.divisions.record import (
    DivisionRecord,
    MemberRecord,
    PartyRecord,
    member_history,
    party_record,
)
from selectorate.divisions.whips import PartyMap, WhipBook, infer_whip, read_whips

__all__ = [
    "Basis",
    "Direction",
    "Division",
    "DivisionFileError",
    "DivisionRecord",
    "MemberRecord",
    "MemberVote",
    "PartyMap",
    "PartyRecord",
    "Vote",
    "Whip",
    "WhipBook",
    "infer_whip",
    "match_key",
    "member_history",
    "party_record",
    "read_division",
    "read_divisions",
    "read_whips",
]
