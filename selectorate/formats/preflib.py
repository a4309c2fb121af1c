"""Read PrefLib ordinal preference files: ``.soc``, ``.soi``, ``.toc``, ``.toi``.

PrefLib (Mattei & Walsh, https://www.preflib.org) names its ordinal files by
what their orders are: **s**trict or with **t**ies, **o**rders that are
**c**omplete or **i**ncomplete. Two layouts exist:

PrefLib 2.0 (2022 onwards)::

    # FILE NAME: 00030-00000001.soi
    # TITLE: 2010 Labour Party Leadership Election
    # DATA TYPE: soi
    # NUMBER ALTERNATIVES: 5
    # NUMBER VOTERS: 266
    # NUMBER UNIQUE ORDERS: 76
    # ALTERNATIVE NAME 1: Diane Abbott
    ...
    34: 4
    13: 4,5,2,3,1
    2: {1,2},3          <- a tie: only in .toc / .toi

PrefLib 1.0 (legacy)::

    5                   <- number of alternatives
    1,Diane Abbott      <- one line per alternative
    ...
    266,266,76          <- voters, sum of counts, unique orders
    34,4
    13,4,5,2,3,1

Each order line becomes one :class:`~selectorate.ballots.model.Ballot` whose
weight is the line's count, in file order. A tie ``{3,4}`` becomes several
candidates at one rank (an equal ranking). The header's counts are checked
against the orders; ``soc``/``toc`` files must rank every alternative and
``soc``/``soi`` files may not hold ties. Sources: the PrefLib format pages and
``preflibtools/instances/preflibinstance/ordinal.py`` (parse and parse_old).
"""

from __future__ import annotations

import re
from pathlib import Path

from selectorate.ballots.model import Ballot, Candidate, Election
from selectorate.formats._weights import MAX_DIGITS, whole
from selectorate.formats.errors import BallotFileError

__all__ = ["DATA_TYPES", "parse_preflib", "read_preflib"]

#: The ordinal PrefLib data types this reader knows.
DATA_TYPES = ("soc", "soi", "toc", "toi")

_HEADER = re.compile(r"#\s*([A-Z][A-Z0-9 ]*?)\s*:\s?(.*)$")
_ALT_NAME = re.compile(r"ALTERNATIVE NAME (\d+)")
_COUNT = re.compile(r"\d+")


def read_preflib(path: str | Path, *, data_type: str | None = None, seats: int = 1) -> Election:
    """Read the PrefLib file at ``path``.

    ``data_type`` (one of :data:`DATA_TYPES`) defaults to the header's
    ``DATA TYPE`` or else the file's extension. ``seats`` is not part of the
    format; give it for a multi-seat count.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BallotFileError(path, None, f"not valid UTF-8 text ({exc.reason})") from None
    return parse_preflib(text, data_type=data_type, seats=seats, path=path)


def parse_preflib(
    text: str,
    *,
    data_type: str | None = None,
    seats: int = 1,
    path: str | Path | None = None,
) -> Election:
    """Parse PrefLib ``text`` (either layout); ``path`` names it in errors.

    The data type is, in order: ``data_type`` if given, the header's
    ``DATA TYPE``, the extension of ``path``, else ``toi`` (the most permissive).
    """
    suffix = Path(path).suffix.lower().lstrip(".") if path is not None else ""
    fallback = suffix if suffix in DATA_TYPES else "toi"
    lines = text.removeprefix("\ufeff").splitlines()
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    reader = _Reader(lines, path, seats)
    if first.startswith("#"):
        return reader.parse_v2(data_type, fallback)
    return reader.parse_v1(data_type or fallback)


class _Reader:
    """State shared by the two layouts."""

    def __init__(self, lines: list[str], path: str | Path | None, seats: int) -> None:
        self.lines = lines
        self.path = path
        self.seats = seats

    def error(self, line: int | None, problem: str) -> BallotFileError:
        """An error at 1-based ``line``."""
        return BallotFileError(self.path, line, problem)

    def parse_v2(self, data_type: str | None, fallback: str) -> Election:
        """The 2.0 layout: ``# KEY: value`` header lines, then ``count: order`` lines."""
        header: dict[str, str] = {}
        names: dict[int, str] = {}
        body_start = len(self.lines)
        for k, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            if not line:
                continue
            if not line.startswith("#"):
                body_start = k
                break
            m = _HEADER.match(line)
            if m is None:
                continue  # a free comment
            key, value = m.group(1), m.group(2).strip()
            alt = _ALT_NAME.fullmatch(key)
            if alt:
                number = whole(alt.group(1))
                if number is None:
                    raise self.error(k, f"alternative number has more than {MAX_DIGITS} digits")
                names[number] = value
            else:
                header[key] = value
        dtype = data_type or header.get("DATA TYPE", "").lower() or fallback
        if dtype not in DATA_TYPES:
            raise self.error(None, f"data type {dtype!r} is not one of {', '.join(DATA_TYPES)}")
        if "NUMBER ALTERNATIVES" not in header:
            raise self.error(None, "missing header line '# NUMBER ALTERNATIVES: n'")
        nalt = self.header_int(header, "NUMBER ALTERNATIVES")
        for i in range(1, nalt + 1):
            if i not in names:
                raise self.error(None, f"missing header line '# ALTERNATIVE NAME {i}: ...'")
        extra = sorted(set(names) - set(range(1, nalt + 1)))
        if extra:
            raise self.error(
                None, f"ALTERNATIVE NAME {extra[0]} is beyond NUMBER ALTERNATIVES {nalt}"
            )
        ballots = []
        for k in range(body_start, len(self.lines) + 1):
            line = self.lines[k - 1].strip()
            if not line or line.startswith("#"):
                continue
            count_text, sep, order_text = line.partition(":")
            if not sep:
                raise self.error(k, f"expected 'count: order', found {line!r}")
            ballots.append(self.ballot(count_text, order_text, nalt, dtype, k))
        meta = {
            f"preflib.{key.lower().replace(' ', '_')}": value
            for key, value in sorted(header.items())
            if key not in ("TITLE",)
        }
        meta["preflib.data_type"] = dtype
        self.check_totals(header, ballots)
        cands = tuple(Candidate(names[i]) for i in range(1, nalt + 1))
        return Election(
            candidates=cands,
            ballots=ballots,
            seats=self.seats,
            title=header.get("TITLE", ""),
            metadata=meta,
        )

    def header_int(self, header: dict[str, str], key: str) -> int:
        """A whole-number header value."""
        value = header[key]
        number = whole(value) if _COUNT.fullmatch(value) else None
        if number is None:
            raise self.error(None, f"header {key} {value!r} is not a whole number")
        return number

    def check_totals(self, header: dict[str, str], ballots: list[Ballot]) -> None:
        """The header's NUMBER VOTERS and NUMBER UNIQUE ORDERS must match the orders."""
        if "NUMBER VOTERS" in header:
            declared = self.header_int(header, "NUMBER VOTERS")
            found = sum(int(b.weight) for b in ballots)
            if declared != found:
                raise self.error(
                    None, f"header says NUMBER VOTERS {declared} but the orders count {found}"
                )
        if "NUMBER UNIQUE ORDERS" in header:
            declared = self.header_int(header, "NUMBER UNIQUE ORDERS")
            if declared != len(ballots):
                raise self.error(
                    None,
                    f"header says NUMBER UNIQUE ORDERS {declared} "
                    f"but there are {len(ballots)} order lines",
                )

    def parse_v1(self, dtype: str) -> Election:
        """The legacy 1.0 layout (counts and names as comma-separated lines)."""
        if dtype not in DATA_TYPES:
            raise self.error(None, f"data type {dtype!r} is not one of {', '.join(DATA_TYPES)}")
        rows = [(k, ln.strip()) for k, ln in enumerate(self.lines, start=1) if ln.strip()]
        if not rows:
            raise self.error(None, "empty file")
        k, first = rows[0]
        nalt = whole(first) if _COUNT.fullmatch(first) else None
        if nalt is None:
            raise self.error(k, f"expected the number of alternatives, found {first!r}")
        if len(rows) < nalt + 2:
            raise self.error(rows[-1][0], f"expected {nalt} alternative lines and a totals line")
        names = []
        for i, (k, row) in enumerate(rows[1 : nalt + 1], start=1):
            number, sep, name = row.partition(",")
            if not sep or number.strip() != str(i):
                raise self.error(k, f"expected '{i},name' for alternative {i}, found {row!r}")
            names.append(name.strip())
        k, totals = rows[nalt + 1]
        parts = [p.strip() for p in totals.split(",")]
        if len(parts) != 3 or not all(_COUNT.fullmatch(p) and whole(p) is not None for p in parts):
            raise self.error(k, f"expected 'voters,sum of counts,unique orders', found {totals!r}")
        voters, _sum, unique = (int(p) for p in parts)
        ballots = []
        for k, row in rows[nalt + 2 :]:
            count_text, _, order_text = row.partition(",")
            ballots.append(self.ballot(count_text, order_text, nalt, dtype, k))
        self.check_totals(
            {"NUMBER VOTERS": str(voters), "NUMBER UNIQUE ORDERS": str(unique)}, ballots
        )
        return Election(
            candidates=tuple(Candidate(n) for n in names),
            ballots=ballots,
            seats=self.seats,
            metadata={"preflib.data_type": dtype, "preflib.format": "1.0"},
        )

    def ballot(self, count_text: str, order_text: str, nalt: int, dtype: str, k: int) -> Ballot:
        """One order line: a count and ``a,b,{c,d},e``."""
        count_text = count_text.strip()
        count = whole(count_text) if _COUNT.fullmatch(count_text) else None
        if not count:
            raise self.error(k, f"count {count_text!r} is not a positive whole number")
        ranks: list[tuple[int, ...]] = []
        seen: set[int] = set()
        text = "".join(order_text.split())
        pos = 0
        while pos < len(text):
            if text[pos] == "{":
                end = text.find("}", pos)
                if end < 0:
                    raise self.error(k, "tie '{' is not closed by '}'")
                if dtype in ("soc", "soi"):
                    raise self.error(
                        k, f"tie {text[pos : end + 1]!r} in a strict-order (.{dtype}) file"
                    )
                items = [x for x in text[pos + 1 : end].split(",") if x]
                pos = end + 1
            else:
                end = text.find(",", pos)
                end = len(text) if end < 0 else end
                items = [text[pos:end]]
                pos = end
            if pos < len(text):
                if text[pos] != ",":
                    raise self.error(k, f"expected ',' after {text[:pos]!r}")
                pos += 1
            rank = []
            for item in items:
                number = whole(item) if _COUNT.fullmatch(item) else None
                if number is None or not 1 <= number <= nalt:
                    raise self.error(k, f"alternative {item!r} is not a number in 1..{nalt}")
                alt = number - 1
                if alt in seen:
                    raise self.error(k, f"alternative {item} appears twice in one order")
                seen.add(alt)
                rank.append(alt)
            if not rank:
                raise self.error(k, "empty tie '{}'")
            ranks.append(tuple(rank))
        if dtype in ("soc", "toc") and len(seen) != nalt:
            raise self.error(
                k,
                f"a complete (.{dtype}) order must rank all {nalt} alternatives; "
                f"this one ranks {len(seen)}",
            )
        return Ballot(rankings=tuple(ranks), weight=count)
