"""Whips: the declared-whip file, inference from the lobby votes, and the party-label map.

No official record gives the whip: Commons Votes and linked data print each member's
party, never what the party told its members (``shared/facts/divisions.md`` §3). So a
whip is either

* **declared** — read from a small CSV file, one row per (division, party), each with
  its published source (format below); or
* **inferred** — the majority of the party's aye and no votes in that division, as
  Public Whip does ("red entries are votes against the majority for that party",
  publicwhip.org.uk/division.php?date=2019-01-29&number=313, cited in the facts §3).
  A tie, or a party with no member in either lobby, gives no whip. Tellers are not
  counted (their votes are not in the totals, and the linked-data export omits them).
  An inferred whip can never be "abstain" or "free": that is why declared whips
  exist (Labour's abstain whip on the SNP amendment of 29 January 2019, facts §3
  pitfall 1).

The declared-whip file (UTF-8 CSV; lines starting with ``#`` are comments)::

    date,division,party,whip,source
    2019-01-29,313,Labour,no,"ConservativeHome via 24plusnews: seven Labour MPs … defying"

``whip`` is ``aye``, ``no``, ``abstain`` or ``free`` (``for`` and ``against`` are read as
aye and no); ``source`` is required. Instead of ``division`` a row may give ``title``
(the division's title as printed): it then matches by date and title. Party names
go through the :class:`PartyMap`, so a row for ``Labour`` covers ``Labour (Co-op)``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from selectorate.divisions.model import Basis, Direction, Division, Vote, Whip
from selectorate.divisions.readers import DivisionFileError

#: Party labels as printed → the party whose whip applies. Sources: "Labour (Co-op)" is
#: printed apart by the linked-data export and is Labour for whip purposes
#: (shared/conformance/divisions/README.md; facts/divisions.md §3 pitfall 3); Commons
#: Votes prints "Sinn F?in" for Sinn Féin. The short forms are common abbreviations.
DEFAULT_ALIASES: Mapping[str, str] = {
    "Labour (Co-op)": "Labour",
    "Labour/Co-operative": "Labour",
    "Labour Co-op": "Labour",
    "Lab": "Labour",
    "Lab/Co-op": "Labour",
    "Con": "Conservative",
    "Conservative and Unionist": "Conservative",
    "SNP": "Scottish National Party",
    "Lib Dem": "Liberal Democrat",
    "Lib Dems": "Liberal Democrat",
    "Liberal Democrats": "Liberal Democrat",
    "LD": "Liberal Democrat",
    "DUP": "Democratic Unionist Party",
    "Plaid": "Plaid Cymru",
    "PC": "Plaid Cymru",
    "Green": "Green Party",
    "Sinn Fein": "Sinn Féin",
    "Sinn Féin": "Sinn Féin",
    "SF": "Sinn Féin",
    "Change UK": "The Independent Group for Change",
    "TIG": "The Independent Group for Change",
}

#: Labels of the chair: the Speaker and deputies do not vote and are never rebels or
#: absentees (facts/divisions.md §3 pitfall 5; Commons Votes prints them as parties).
DEFAULT_CHAIR: frozenset[str] = frozenset({"Speaker", "Deputy Speaker"})

#: Groups no whip applies to: independents, the chair, and abstentionist Sinn Féin
#: (facts/divisions.md §3 pitfall 5). No whip is inferred or counted for them.
DEFAULT_UNWHIPPED: frozenset[str] = frozenset(
    {"Independent", "Speaker", "Deputy Speaker", "Sinn Féin"}
)

_WHIP_WORDS = {
    "aye": Direction.AYE,
    "for": Direction.AYE,
    "no": Direction.NO,
    "against": Direction.NO,
    "abstain": Direction.ABSTAIN,
    "free": Direction.FREE,
}


@lru_cache(maxsize=4096)
def fold(label: str) -> str:
    """A label for comparison: spacing and case folded, non-ASCII and "?" as "?"."""
    text = " ".join(label.split())
    return "".join(c if c.isascii() else "?" for c in text).lower()


@dataclass(frozen=True)
class PartyMap:
    """Which party a printed label belongs to (configurable; the default groups Labour (Co-op)).

    Labels are compared with :func:`fold`, so ``"Sinn F?in"`` meets ``"Sinn Féin"``.
    A label the map does not know is its own party.
    """

    aliases: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ALIASES))
    chair: frozenset[str] = DEFAULT_CHAIR
    unwhipped: frozenset[str] = DEFAULT_UNWHIPPED
    # Folded look-up tables, computed once (labels are folded for every vote read).
    _folded: dict[str, str] = field(init=False, repr=False, compare=False)
    _chair: frozenset[str] = field(init=False, repr=False, compare=False)
    _unwhipped: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_folded", {fold(k): v for k, v in self.aliases.items()})
        object.__setattr__(self, "_chair", frozenset(fold(c) for c in self.chair))
        unwhipped = frozenset(fold(self.canonical(u)) for u in self.unwhipped)
        object.__setattr__(self, "_unwhipped", unwhipped)

    def canonical(self, label: str) -> str:
        """The party a label stands for: ``"Labour (Co-op)"`` → ``"Labour"``."""
        return self._folded.get(fold(label), " ".join(label.split()))

    def same(self, label: str, party: str) -> bool:
        """True when ``label`` is printed for ``party`` (both through the map)."""
        return fold(self.canonical(label)) == fold(self.canonical(party))

    def is_chair(self, label: str) -> bool:
        """True for the Speaker and deputies, who are neither rebels nor absentees."""
        return fold(label) in self._chair

    def is_unwhipped(self, party: str) -> bool:
        """True for a group no whip applies to (independents, the chair, Sinn Féin)."""
        return fold(self.canonical(party)) in self._unwhipped

    def with_aliases(self, pairs: Mapping[str, str]) -> PartyMap:
        """This map with more (or overriding) label → party entries."""
        return PartyMap({**self.aliases, **pairs}, self.chair, self.unwhipped)


@dataclass(frozen=True)
class DeclaredWhip:
    """One row of a declared-whip file (``number`` or ``title`` identifies the division)."""

    date: date
    number: int | None
    title: str | None
    whip: Whip
    line: int


@dataclass(frozen=True)
class WhipBook:
    """Declared whips by (date, division number or title, party)."""

    entries: tuple[DeclaredWhip, ...] = ()
    source: str = ""
    party_map: PartyMap = field(default_factory=PartyMap)

    def declared(self, division: Division, party: str) -> Whip | None:
        """The declared whip of ``party`` in ``division``, or None."""
        wanted = fold(self.party_map.canonical(party))
        title = fold(division.title)
        for e in self.entries:
            if e.date != division.date or fold(e.whip.party) != wanted:
                continue
            if e.number == division.number or (e.number is None and fold(e.title or "") == title):
                return e.whip
        return None


def infer_whip(division: Division, party: str, party_map: PartyMap | None = None) -> Whip | None:
    """The majority of the party's aye/no votes, marked inferred; None for a tie or no votes."""
    party_map = party_map or PartyMap()
    name = party_map.canonical(party)
    if party_map.is_unwhipped(name):
        return None
    ayes = noes = 0
    for v in division.votes:
        if party_map.same(v.party, name) and not party_map.is_chair(v.party):
            ayes += v.vote is Vote.AYE
            noes += v.vote is Vote.NO
    if ayes == noes:
        return None
    direction = Direction.AYE if ayes > noes else Direction.NO
    return Whip(
        name, direction, Basis.INFERRED,
        f"majority of the party's lobby votes in this division ({ayes} aye, {noes} no)",
    )  # fmt: skip


def whip_for(
    division: Division, party: str, book: WhipBook | None, party_map: PartyMap | None = None
) -> Whip | None:
    """The declared whip if the book has one, else the inferred one (or None)."""
    party_map = party_map or (book.party_map if book else PartyMap())
    declared = book.declared(division, party) if book else None
    if declared is not None:
        return declared
    return infer_whip(division, party, party_map)


def read_whips(path: str | Path, party_map: PartyMap | None = None) -> WhipBook:
    """Read a declared-whip CSV file (format in the module docstring)."""
    path = Path(path)
    party_map = party_map or PartyMap()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DivisionFileError(path, None, "not UTF-8 text") from None
    except IsADirectoryError:
        raise DivisionFileError(path, None, "is a folder, not a file") from None
    except OSError as exc:
        raise DivisionFileError(path, None, exc.strerror or str(exc)) from None
    rows = [(i + 1, line) for i, line in enumerate(text.splitlines())
            if line.strip() and not line.lstrip().startswith("#")]  # fmt: skip
    if not rows:
        raise DivisionFileError(path, None, "no header: expected date,division,party,whip,source")
    header_line, header_text = rows[0]
    header = [h.strip().lower() for h in next(csv.reader([header_text]))]
    for need in ("date", "party", "whip", "source"):
        if need not in header:
            raise DivisionFileError(path, header_line, f"header has no {need!r} column "
                                    "(expected date,division,party,whip,source)")  # fmt: skip
    if "division" not in header and "title" not in header:
        raise DivisionFileError(path, header_line, "header needs a 'division' or 'title' column")
    entries = _entries(path, header, rows[1:], party_map)
    return WhipBook(tuple(entries), str(path), party_map)


def _entries(
    path: Path, header: list[str], rows: Iterable[tuple[int, str]], party_map: PartyMap
) -> list[DeclaredWhip]:
    entries: list[DeclaredWhip] = []
    seen: dict[tuple[date, str, str], int] = {}
    for line, text in rows:
        cells = next(csv.reader([text]))
        if len(cells) != len(header):
            problem = f"expected {len(header)} fields, found {len(cells)}"
            raise DivisionFileError(path, line, problem)
        row = {h: c.strip() for h, c in zip(header, cells, strict=True)}
        try:
            day = datetime.strptime(row["date"], "%Y-%m-%d").date()
        except ValueError:
            raise DivisionFileError(path, line, f"date {row['date']!r} is not YYYY-MM-DD") from None
        number: int | None = None
        if row.get("division"):
            try:
                number = int(row["division"])
            except ValueError:
                raise DivisionFileError(
                    path, line, f"division {row['division']!r} is not a whole number"
                ) from None
        title = row.get("title") or None
        if number is None and title is None:
            raise DivisionFileError(path, line, "give the division number or its title")
        direction = _WHIP_WORDS.get(row["whip"].lower())
        if direction is None:
            raise DivisionFileError(
                path, line, f"whip {row['whip']!r} is not aye, no, abstain or free"
            )
        if not row["party"]:
            raise DivisionFileError(path, line, "no party")
        if not row["source"]:
            raise DivisionFileError(path, line, "no source: a declared whip must cite one")
        party = party_map.canonical(row["party"])
        key = (day, str(number) if number is not None else fold(title or ""), fold(party))
        if key in seen:
            raise DivisionFileError(
                path, line, f"whip of {party} in this division already given on line {seen[key]}"
            )
        seen[key] = line
        whip = Whip(party, direction, Basis.DECLARED, row["source"])
        entries.append(DeclaredWhip(day, number, title, whip, line))
    return entries
