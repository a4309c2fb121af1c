"""Readers for House of Commons division records: Commons Votes CSV and linked-data CSV.

Two official exports exist (descriptions from ``shared/facts/divisions.md`` §2.1 and
``shared/conformance/divisions/README.md``):

* **Commons Votes CSV** (votes.parliament.uk, "Download CSV"): a header block ::

      Division Number: 386
      Division Date: 27/03/2019

      Mr Baron's motion B (No deal)

      Aye Count: 160
      Noes Count: 400

      Members recorded
      Member,Party,Constituency,Vote,Proxy Member
      "Diane Abbott","Labour","Hackney North and Stoke Newington","No",""

  then every member, with Vote one of ``Aye``, ``No``, ``No Vote Recorded``,
  ``Teller - Ayes``, ``Teller - Noes``. The printed counts exclude tellers.
* **Linked-data CSV** (``lda.data.parliament.uk/commonsdivisions/id/<id>.csv``): one row
  per member in a lobby, each row repeating the division's date, number, title and
  counts, with the member's printed name and party and the vote type
  (``…#AyeVote`` / ``…#NoVote``). No tellers, no non-voters, no constituency. Column
  names are matched loosely (letters and digits only, so ``vote...member.printed`` as
  re-saved by R and ``vote > member printed`` both match).

:func:`read_division` tells the two apart by their content, not their name. Bad input
raises :class:`DivisionFileError` (``file:line: problem``) and never returns a partial
division.

A member listed once in each lobby is one entry with :attr:`Vote.BOTH` (the linked-data
records of 2019 have eight such votes, e.g. Lloyd Russell-Moyle in 1088670, counted in
both printed totals); listed twice in the same lobby is an error.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from selectorate.divisions.model import Division, MemberVote, Vote
from selectorate.divisions.names import match_key
from selectorate.formats.errors import BallotFileError

COMMONS_VOTES = "commons-votes"
LINKED_DATA = "linked-data"


class DivisionFileError(BallotFileError):
    """A division or whip file that cannot be read: file, line (when known), problem."""


_CV_VOTES = {
    "aye": Vote.AYE,
    "no": Vote.NO,
    "no vote recorded": Vote.NO_VOTE,
    "teller - ayes": Vote.TELLER_AYE,
    "teller - aye": Vote.TELLER_AYE,
    "teller - noes": Vote.TELLER_NO,
    "teller - no": Vote.TELLER_NO,
}
_HEADER_LINE = re.compile(
    r"^\s*(division number|division date|ayes? count|noes count|no count)\s*:\s*(.*?)\s*$",
    re.IGNORECASE,
)
_LDA_VOTE = re.compile(r"(?:^|[#/])(aye|no)vote$", re.IGNORECASE)


# --------------------------------------------------------------------------- entry points


def read_division(path: str | Path) -> Division:
    """Read one division export (Commons Votes or linked-data CSV, told apart by content)."""
    path = Path(path)
    lines = _lines(path)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise DivisionFileError(path, None, "empty file: expected a division export")
    if lines[first].lstrip().lower().startswith("division number"):
        return _read_commons_votes(path, lines)
    header = [_column(h) for h in next(csv.reader([lines[first]]))]
    if any(h.endswith("memberprinted") for h in header):
        return _read_linked_data(path, lines, first)
    raise DivisionFileError(
        path,
        first + 1,
        "not a division export: expected a Commons Votes CSV ('Division Number: …') "
        "or a linked-data CSV (a header with 'vote > member printed')",
    )


def division_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to read: each path given, a folder standing for its ``*.csv`` files (sorted)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("*.csv"))
            if not found:
                raise DivisionFileError(p, None, "folder holds no .csv division files")
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            raise DivisionFileError(p, None, "no such file")
    return files


def read_divisions(paths: Iterable[str | Path]) -> list[Division]:
    """Read several exports (files or folders), one record per division, by date then number.

    The same division read from both exports (same date and division number) is kept
    once: the two must agree on every member's lobby vote (names matched with
    :func:`~selectorate.divisions.names.match_key`), and the record that lists
    non-voters (Commons Votes) is the one kept. A disagreement is an error.
    """
    return combine([read_division(p) for p in division_files(paths)])


def combine(divisions: Sequence[Division]) -> list[Division]:
    """One record per (date, number), checking duplicates agree; sorted by date then number."""
    kept: dict[tuple[date, int], Division] = {}
    for d in divisions:
        other = kept.get(d.key)
        if other is None:
            kept[d.key] = d
            continue
        problem = _disagreement(other, d)
        if problem:
            raise DivisionFileError(
                d.source, None, f"{d.describe()} differs from the same division in "
                f"{other.source}: {problem}"
            )  # fmt: skip
        if d.lists_non_voters and not other.lists_non_voters:
            kept[d.key] = d
    return [kept[k] for k in sorted(kept)]


def lobby_votes(division: Division) -> dict[str, Vote]:
    """Matched name → aye or no, for the members who voted (what every export records)."""
    return {match_key(v.name): v.vote for v in division.votes if v.vote.cast}


# --------------------------------------------------------------------------- helpers


def _lines(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise DivisionFileError(path, None, "is a folder, not a file") from None
    except OSError as exc:
        raise DivisionFileError(path, None, exc.strerror or str(exc)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DivisionFileError(
            path, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})"
        ) from None
    return text.splitlines()


def _column(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _blank(value: str) -> bool:
    """Empty, or R's missing-value marker (the linked-data files were re-saved by R)."""
    return value.strip() in ("", "NA")


def _whole(path: Path, line: int, what: str, text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        problem = f"{what} {text.strip()!r} is not a whole number"
        raise DivisionFileError(path, line, problem) from None
    if value < 0:
        raise DivisionFileError(path, line, f"{what} {value} is negative")
    return value


def _date(path: Path, line: int, text: str) -> date:
    """``27/03/2019`` (Commons Votes) or ``2019-01-29`` (linked data, perhaps with a time)."""
    found = _parse_date(text.strip())
    if found is None:
        problem = f"date {text.strip()!r} is not DD/MM/YYYY or YYYY-MM-DD"
        raise DivisionFileError(path, line, problem)
    return found


@lru_cache(maxsize=256)
def _parse_date(value: str) -> date | None:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value[:10], pattern).date()
        except ValueError:
            continue
    return None


def _add(path: Path, votes: list[MemberVote], seen: dict[tuple[str, str], tuple[int, int]],
         key: tuple[str, str], entry: MemberVote, line: int) -> None:  # fmt: skip
    """Append an entry; a member in the aye list and the no list becomes one vote in both."""
    if key not in seen:
        seen[key] = (line, len(votes))
        votes.append(entry)
        return
    first, index = seen[key]
    if {votes[index].vote, entry.vote} == {Vote.AYE, Vote.NO}:
        votes[index] = replace(votes[index], vote=Vote.BOTH)
        return
    raise DivisionFileError(
        path, line, f"member {entry.name!r} is listed twice (first on line {first})"
    )


def _disagreement(a: Division, b: Division) -> str:
    """'' when two records of one division agree on every lobby vote, else what differs."""
    va, vb = lobby_votes(a), lobby_votes(b)
    names = {match_key(v.name): v.name for v in (*a.votes, *b.votes)}
    differ = sorted(k for k in va.keys() | vb.keys() if va.get(k) != vb.get(k))
    if not differ:
        return ""
    shown = ", ".join(
        f"{names[k]} ({va.get(k, 'not voting')} / {vb.get(k, 'not voting')})" for k in differ[:5]
    )
    more = f" and {len(differ) - 5} more" if len(differ) > 5 else ""
    return f"{len(differ)} members' votes differ: {shown}{more}"


# --------------------------------------------------------------------------- Commons Votes


def _read_commons_votes(path: Path, lines: list[str]) -> Division:
    fields: dict[str, tuple[int, str]] = {}
    titles: list[str] = []
    table = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        cells = next(csv.reader([line]))
        if cells and cells[0].strip().lower() == "member" and len(cells) > 1:
            table = i
            break
        m = _HEADER_LINE.match(line)
        if m:
            fields[m.group(1).lower()] = (i + 1, m.group(2))
        elif stripped.lower() != "members recorded":
            titles.append(stripped)
    if "division number" not in fields:
        raise DivisionFileError(path, 1, "no 'Division Number:' line in the header block")
    if "division date" not in fields:
        raise DivisionFileError(path, 1, "no 'Division Date:' line in the header block")
    if table is None:
        raise DivisionFileError(
            path, len(lines), "no member table (a header line 'Member,Party,Constituency,Vote')"
        )
    line, text = fields["division number"]
    number = _whole(path, line, "division number", text)
    day = _date(path, *fields["division date"])
    ayes = _printed(path, fields, ("aye count", "ayes count"))
    noes = _printed(path, fields, ("noes count", "no count"))
    votes = _commons_votes_table(path, lines, table)
    return Division(
        number=number,
        date=day,
        title=" ".join(titles),
        votes=votes,
        lists_non_voters=True,
        ayes_printed=ayes,
        noes_printed=noes,
        source=str(path),
        export=COMMONS_VOTES,
    )


def _printed(path: Path, fields: dict[str, tuple[int, str]], keys: Sequence[str]) -> int | None:
    for k in keys:
        if k in fields:
            line, text = fields[k]
            return _whole(path, line, k, text)
    return None


def _commons_votes_table(path: Path, lines: list[str], start: int) -> tuple[MemberVote, ...]:
    header = [h.strip().lower() for h in next(csv.reader([lines[start]]))]
    need = ("member", "party", "constituency", "vote")
    missing = [n for n in need if n not in header]
    if missing:
        raise DivisionFileError(path, start + 1, f"member table has no column {missing[0]!r}")
    col = {n: header.index(n) for n in need}
    proxy = header.index("proxy member") if "proxy member" in header else None
    width = max(col.values()) + 1
    votes: list[MemberVote] = []
    seen: dict[tuple[str, str], tuple[int, int]] = {}
    for offset, row in enumerate(csv.reader(lines[start + 1 :])):
        line = start + 2 + offset
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < width:
            raise DivisionFileError(path, line, f"expected {width} fields, found {len(row)}")
        name = row[col["member"]].strip()
        if not name:
            raise DivisionFileError(path, line, "no member name")
        text = " ".join(row[col["vote"]].split())
        vote = _CV_VOTES.get(text.lower())
        if vote is None:
            raise DivisionFileError(
                path, line,
                f"vote {text!r} is not Aye, No, No Vote Recorded, Teller - Ayes or Teller - Noes",
            )  # fmt: skip
        constituency = row[col["constituency"]].strip()
        by_proxy = row[proxy].strip() if proxy is not None and proxy < len(row) else ""
        entry = MemberVote(name, row[col["party"]].strip(), constituency or None, vote,
                           by_proxy or None)  # fmt: skip
        _add(path, votes, seen, (match_key(name), constituency.lower()), entry, line)
    if not votes:
        raise DivisionFileError(path, start + 1, "the member table lists no members")
    return tuple(votes)


# --------------------------------------------------------------------------- linked data


def _read_linked_data(path: Path, lines: list[str], first: int) -> Division:
    rows = csv.reader(lines[first:])
    header = [_column(h) for h in next(rows)]

    def find(*names: str, suffix: str = "") -> int | None:
        for n in names:
            if n in header:
                return header.index(n)
        if suffix:
            return next((i for i, h in enumerate(header) if h.endswith(suffix)), None)
        return None

    c_name = find(suffix="memberprinted")
    c_party = find(suffix="memberparty")
    c_date = find("date")
    c_number = find("divisionnumber")
    c_title = find("title")
    c_ayes = find("ayescount", "ayesvotecount")
    c_noes = find("noesvotecount", "noescount")
    type_columns = [i for i, h in enumerate(header) if h.startswith("vote") and "type" in h]
    for label, index in (("member printed", c_name), ("member party", c_party), ("date", c_date),
                         ("division number", c_number)):  # fmt: skip
        if index is None:
            raise DivisionFileError(path, first + 1, f"linked-data header has no {label!r} column")
    if not type_columns:
        raise DivisionFileError(path, first + 1, "linked-data header has no vote type column")
    assert c_name is not None and c_party is not None and c_date is not None
    assert c_number is not None
    width = max(c for c in (c_name, c_party, c_date, c_number, c_title, c_ayes, c_noes,
                            *type_columns) if c is not None) + 1  # fmt: skip

    votes: list[MemberVote] = []
    seen: dict[tuple[str, str], tuple[int, int]] = {}
    meta: tuple[date, int] | None = None
    title, ayes, noes = "", None, None
    for offset, row in enumerate(rows):
        line = first + 2 + offset
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < width:
            raise DivisionFileError(path, line, f"expected {len(header)} fields, found {len(row)}")
        here = (_date(path, line, row[c_date]),
                _whole(path, line, "division number", row[c_number]))  # fmt: skip
        if meta is None:
            meta = here
            title = row[c_title].strip() if c_title is not None else ""
            if c_ayes is not None and not _blank(row[c_ayes]):
                ayes = _whole(path, line, "ayes count", row[c_ayes])
            if c_noes is not None and not _blank(row[c_noes]):
                noes = _whole(path, line, "noes count", row[c_noes])
        elif here != meta:
            raise DivisionFileError(
                path, line, f"row is of division {here[1]} of {here[0].isoformat()}, but the "
                f"file began with division {meta[1]} of {meta[0].isoformat()}: one division a file"
            )  # fmt: skip
        name = row[c_name].strip()
        if _blank(name):
            raise DivisionFileError(path, line, "no member name")
        vote = _lda_vote(path, line, [row[i] for i in type_columns])
        entry = MemberVote(name, row[c_party].strip(), None, vote)
        _add(path, votes, seen, (match_key(name), ""), entry, line)
    if meta is None:
        raise DivisionFileError(path, first + 1, "no member rows after the header")
    return Division(
        number=meta[1],
        date=meta[0],
        title=title,
        votes=tuple(votes),
        lists_non_voters=False,
        ayes_printed=ayes,
        noes_printed=noes,
        source=str(path),
        export=LINKED_DATA,
    )


def _lda_vote(path: Path, line: int, cells: Sequence[str]) -> Vote:
    for cell in cells:
        m = _LDA_VOTE.search(cell.strip())
        if m:
            return Vote.AYE if m.group(1).lower() == "aye" else Vote.NO
    shown = next((c.strip() for c in cells if not _blank(c)), "")
    raise DivisionFileError(path, line, f"vote type {shown!r} is neither AyeVote nor NoVote")
