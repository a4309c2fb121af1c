"""Read the Irish 2002 e-voting ballot files (Dáil general election, 17 May 2002).

The Dublin County Returning Officer published the ballots of the three pilot
constituencies (Dublin North, Dublin West, Meath) in the order the count
software read them; they survive in github foolishSnake/2002_E-Voting_Election_Data_Filess
in two forms, both read here **keeping that order** (the Irish count's surplus
papers depend on it, see :mod:`selectorate.counting.irish`):

* **text** (``dnorth.txt``, ``DublinWest.txt``): one ballot per line, each
  preference a double-quoted four-letter candidate code in preference order,
  padded to the number of candidates with ``"XXXXX"``::

      "Wrig" "Glen" "XXXXX" "XXXXX" ...

  The file names no candidates and no seats: pass ``candidates`` (codes, or
  ``(code, name)`` pairs, in candidate order) and ``seats``; without
  ``candidates`` the codes found are used, sorted.
* **JSON** (``DublinNorth2002.json`` …): ``{"Constituency", "Number of Seats",
  "Date", "Candidate": [{"Ref", "Name", "Party", "Index"}], "Ballot": [[…]]}``
  where ``Ballot[i][j]`` is the preference ballot ``i`` gives candidate ``j``
  (``0``: none).

Candidates get their code as an alias. A preference number given twice or a
gap in the numbers is kept as cast (several candidates at one rank, a skipped
rank); a code used twice on a text line is a duplicate ranking. Ballots carry
no label (a ballot's position is its row), so they can be packed
(:class:`~selectorate.ballots.packed.PackedBallots`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from selectorate.ballots.model import Ballot, Candidate, Election
from selectorate.formats.errors import BallotFileError

__all__ = ["BLANK", "read_evote_json", "read_evote_text", "read_irish_evote"]

#: The padding code for "no further preference".
BLANK = "XXXXX"

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')


def read_irish_evote(path: str | Path, **opts: object) -> Election:
    """Read ``path`` as the JSON form (``.json``) or the text form (anything else)."""
    if Path(path).suffix.lower() == ".json":
        if opts:
            raise TypeError(f"the JSON form takes no options, got {', '.join(sorted(opts))}")
        return read_evote_json(path)
    return read_evote_text(path, **opts)  # type: ignore[arg-type]


def read_evote_text(
    path: str | Path,
    *,
    candidates: Sequence[str] | Sequence[tuple[str, str]] | None = None,
    seats: int = 1,
    title: str = "",
) -> Election:
    """Read the text form: one ballot of quoted candidate codes per line."""
    text = _read_text(path)
    lines = text.split("\n")
    rows: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        codes: list[str] = []
        for m in _TOKEN.finditer(line):
            if m.group(2) is not None:
                raise BallotFileError(
                    path, number, f"expected double-quoted candidate codes, found {m.group(2)!r}"
                )
            codes.append(m.group(1))
        seen_blank = False
        for code in codes:
            if code == BLANK:
                seen_blank = True
            elif seen_blank:
                raise BallotFileError(
                    path, number, f"preference {code!r} follows the blank code {BLANK!r}"
                )
        rows.append((number, [c for c in codes if c != BLANK]))
    cands, index = _text_candidates(path, candidates, rows)
    ballots = []
    for number, codes in rows:
        ranks = []
        for code in codes:
            if code not in index:
                raise BallotFileError(path, number, f"unknown candidate code {code!r}")
            ranks.append((index[code],))
        ballots.append(Ballot(rankings=tuple(ranks)))
    if not isinstance(seats, int) or seats < 1:
        raise BallotFileError(path, None, f"seats must be a whole number of at least 1: {seats!r}")
    meta = {"source": str(path), "format": "irish-evote-text"}
    return Election(candidates=cands, ballots=ballots, seats=seats, title=title, metadata=meta)


def _text_candidates(
    path: str | Path,
    given: Sequence[str] | Sequence[tuple[str, str]] | None,
    rows: list[tuple[int, list[str]]],
) -> tuple[tuple[Candidate, ...], dict[str, int]]:
    """The candidates (given, or the codes found, sorted) and a code → index map."""
    if given is None:
        found = sorted({code for _, codes in rows for code in codes})
        pairs = [(code, code) for code in found]
    else:
        pairs = [(item, item) if isinstance(item, str) else tuple(item) for item in given]  # type: ignore[misc]
    codes = [code for code, _ in pairs]
    if len(set(codes)) != len(codes):
        raise BallotFileError(path, None, "candidate codes must be unique")
    cands = tuple(
        Candidate(name=name, aliases=(code,) if code != name else ()) for code, name in pairs
    )
    return cands, {code: i for i, code in enumerate(codes)}


def read_evote_json(path: str | Path) -> Election:
    """Read the JSON form: candidates, seats and per-candidate preference numbers."""
    text = _read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BallotFileError(path, exc.lineno, f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise BallotFileError(path, None, "not valid JSON: nested too deeply") from None
    except ValueError as exc:  # a number too long for int() (more than 4,300 digits)
        raise BallotFileError(path, None, f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BallotFileError(path, None, "expected a JSON object")
    for key in ("Candidate", "Ballot", "Number of Seats"):
        if key not in data:
            raise BallotFileError(path, None, f"missing {key!r}")
    raw_cands = data["Candidate"]
    if not isinstance(raw_cands, list) or not raw_cands:
        raise BallotFileError(path, None, "'Candidate' must be a non-empty list")
    if not all(
        isinstance(c, dict)
        and isinstance(c.get("Ref"), str)
        and isinstance(c.get("Name"), str)
        and isinstance(c.get("Index"), int)
        and not isinstance(c.get("Index"), bool)
        for c in raw_cands
    ):
        raise BallotFileError(
            path, None, "each candidate needs 'Ref' and 'Name' (text) and 'Index' (a number)"
        )
    ordered = sorted(raw_cands, key=lambda c: c["Index"])
    cands = tuple(Candidate(name=c["Name"], aliases=(c["Ref"],)) for c in ordered)
    if [c["Index"] for c in ordered] != list(range(len(ordered))):
        raise BallotFileError(path, None, "candidate 'Index' values must be 0, 1, 2, ...")
    seats = data["Number of Seats"]
    if not isinstance(seats, int) or isinstance(seats, bool) or seats < 1:
        raise BallotFileError(path, None, f"'Number of Seats' must be a whole number: {seats!r}")
    n = len(cands)
    ballots = []
    if not isinstance(data["Ballot"], list):
        raise BallotFileError(path, None, "'Ballot' must be a list of ballots")
    for row, prefs in enumerate(data["Ballot"], start=1):
        if (
            not isinstance(prefs, list)
            or len(prefs) != n
            or not all(
                isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= n for p in prefs
            )
        ):
            raise BallotFileError(
                path, None, f"ballot {row}: expected {n} preference numbers from 0 (none) to {n}"
            )
        top = max(prefs, default=0)
        ranks = tuple(tuple(j for j in range(n) if prefs[j] == k) for k in range(1, top + 1))
        ballots.append(Ballot(rankings=ranks))
    title = str(data.get("Constituency", ""))
    date = data.get("Date")
    meta = {"source": str(path), "format": "irish-evote-json"}
    if isinstance(date, dict) and {"Year", "Month", "Day"} <= set(date):
        parts = [date["Year"], date["Month"], date["Day"]]
        if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in parts):
            raise BallotFileError(path, None, "'Date' needs whole numbers Year, Month and Day")
        meta["date"] = f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}"
    parties = {c["Name"]: c.get("Party") for c in ordered if c.get("Party")}
    for name, party in parties.items():
        meta[f"party.{name}"] = str(party)
    return Election(candidates=cands, ballots=ballots, seats=seats, title=title, metadata=meta)


def _read_text(path: str | Path) -> str:
    """The file's UTF-8 text (a BOM and CR line ends tolerated)."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BallotFileError(
            path, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})"
        ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")
