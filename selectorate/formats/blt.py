"""Read and write BLT ballot files (ERS / OpenSTV / OpaVote / Droop).

The format was published by Hill, Wichmann & Woodall, "Algorithm 123 — Single
Transferable Vote by Meek's method" (Computer Journal, 1987)::

    4 2                 <- candidates, seats
    -2                  <- optional: candidate 2 withdrew before the count
    3 1 3 4 0           <- 3 ballots ranking candidates 1, 3, 4; each ends with 0
    1 2 0
    0                   <- end of the ballots
    "Adam"              <- one name per candidate, in candidate-number order
    "Basil"
    "Charlotte"
    "Donald"
    "Title"

Extensions read here, each with the dialect that uses it:

* ``#`` comments to the end of a line and ballot ids ``(id) 1 2 3 0``, where the
  token after the id is the weight, which must be 1 (OpenSTV ``BltBallotLoader``;
  Droop instead reads the tokens after an id as rankings — the two cannot be told
  apart, we follow OpenSTV, whose writer emits ``(id) 1 …``);
* ``-`` for a skipped rank (OpenSTV writes it for a skipped ranking);
* ``a=b`` equal rankings (OpenSTV, Droop, OpenTally): rejected unless
  ``allow_equal=True``; then they become several candidates at one rank;
* decimal weights such as ``2.5`` (read exactly, as :class:`~fractions.Fraction`);
* ``/* … */`` comments and the bracket options of Droop and stv-rs:
  ``[nick a b c]`` (nicknames used on ballot lines instead of numbers; kept as the
  candidates' ``aliases``), ``[withdrawn …]``, ``[tie …]`` (a tie-break order, kept
  in ``metadata["blt.tie"]`` as candidate numbers), ``[droop …]`` (Droop options,
  kept in ``metadata["blt.droop"]``), ``[undeclared …]`` (undeclared write-ins:
  ``Candidate.write_in``);
* Wichmann's quoted *source* and *comment* after the title
  (``metadata["blt.source"]``, ``metadata["blt.comment"]``); any further text is
  kept verbatim in ``metadata["blt.trailer"]`` (Droop ignores it);
* unquoted names, one per line, and CSV-doubled quotes inside quoted names
  (``"Lab ""JEAN MORRISON"" "``), as in the mggg/scot-elex Scottish files;
* scot-elex's Glasgow 2007 files, which give the names only as
  ``# ALTERNATIVE NAME i: name`` comment lines followed by the title;
* a spreadsheet export where every line ends with commas (scot-elex's
  ``perth_kinross_2016_by_election_ward9.blt``): detected by a trailing comma on
  the header line; each line's comma-separated cells are joined with a space;
* a UTF-8 byte-order mark (Droop's ``42ubom.blt``).

Unlike Droop, which lets a ballot run over several lines, this reader takes one
ballot per line: a line that does not end with ``0`` is an error, which catches
the commonest corruption (a lost terminator) at the line where it happens.

Ballots are kept as cast and in file order (see :mod:`selectorate.ballots.model`):
withdrawn candidates stay on the ballots, empty ballots are kept, duplicates are
not removed. A plain ballot section (whole numbers, blanks and line feeds only;
every line ``weight c1 … ck 0``) is parsed at once with numpy into
:class:`~selectorate.ballots.packed.PackedBallots`; anything else is read line by
line, which also reports every error. Sources: ``BltFileFormat.md`` of jklundell/droop; OpenSTV
``openstv/plugins/BltBallotLoader.py``; OpenTally ``docs/blt-fmt.md``.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from selectorate.ballots.model import OVERVOTE, Ballot, Candidate, Election, Weight
from selectorate.ballots.packed import PackedBallots
from selectorate.formats._weights import MAX_DIGITS, decimal_text, parse_weight, whole
from selectorate.formats.errors import BallotFileError

__all__ = ["format_blt", "parse_blt", "read_blt", "write_blt"]

_INT = re.compile(r"\d+")
_NEG_INT = re.compile(r"-\d+")
_ALT_NAME = re.compile(r"#\s*ALTERNATIVE NAME (\d+):\s?(.*)$")
_CSV_HEADER = re.compile(r"\s*\d+\s+\d+\s*,[,\s]*")
_NICK_OUT = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_OPTIONS = ("nick", "withdrawn", "tie", "droop", "undeclared")
# The lone "0" that ends the ballots, on a line of its own (spaces and tabs allowed).
_END_OF_BALLOTS = re.compile(r"\n[ \t]*0[ \t]*(?=\n|\Z)")
#: Bytes of a plain ballot section: digits, spaces, tabs and line feeds.
_PLAIN_BYTES = b"0123456789 \t\n"
#: Longest whole number the fast path reads (10**18 - 1 fits int64).
_MAX_DIGITS = 18


def read_blt(path: str | Path, *, allow_equal: bool = False, encoding: str = "utf-8") -> Election:
    """Read the BLT file at ``path`` into an :class:`Election`.

    ``allow_equal`` accepts equal rankings ``a=b`` (several candidates at one
    rank); without it they are an error, since most rules cannot count them.
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BallotFileError(
            path, line, f"not valid {encoding} text (byte 0x{data[exc.start]:02x})"
        ) from None
    return parse_blt(text, path=path, allow_equal=allow_equal)


def parse_blt(text: str, *, path: str | Path | None = None, allow_equal: bool = False) -> Election:
    """Parse BLT ``text``; ``path`` only names the source in error messages."""
    return _Parser(text, path, allow_equal).parse()


def write_blt(election: Election, path: str | Path, *, nicknames: bool | None = None) -> None:
    """Write ``election`` to ``path`` as UTF-8 BLT (see :func:`format_blt`)."""
    Path(path).write_text(format_blt(election, nicknames=nicknames, path=path), encoding="utf-8")


def format_blt(
    election: Election, *, nicknames: bool | None = None, path: str | Path | None = None
) -> str:
    """The BLT text of ``election``; :func:`parse_blt` reads it back to an equal election.

    Round-tripping holds for ballots, candidates (withdrawn and write-in flags,
    nicknames), seats, title and the ``blt.*`` metadata keys this module reads;
    other metadata has no place in BLT and is not written. Equal rankings and
    overvotes that name their candidates are written ``a=b`` (read them back with
    ``allow_equal=True``).

    ``nicknames``: ``None`` writes a ``[nick …]`` line when every candidate has
    exactly one alias usable as a nickname, ``True`` requires it, ``False`` never.
    ``[nick]``, ``[undeclared]``, ``[tie]``, ``[droop]`` and ballot ids are
    extensions (Droop, OpenSTV) written only when the election has what they
    hold; for OpenSTV/OpaVote, which know no bracket options, pass
    ``nicknames=False`` and an election without write-ins or ``blt.*`` metadata.
    Raises :class:`BallotFileError` for what BLT cannot hold: an unnamed
    overvote, a weight without an exact decimal form, a name with a line break.
    """
    cands = election.candidates
    nicks = _choose_nicks(cands, nicknames, path)
    out = [f"{len(cands)} {election.seats}"]
    withdrawn = [f"-{i + 1}" for i, c in enumerate(cands) if c.excluded]
    if withdrawn:
        out.append(" ".join(withdrawn))
    if nicks is not None:
        out.append("[nick " + " ".join(nicks) + "]")
    undeclared = [str(i + 1) for i, c in enumerate(cands) if c.write_in]
    if undeclared:
        out.append("[undeclared " + " ".join(undeclared) + "]")
    for key in ("tie", "droop"):
        value = election.metadata.get(f"blt.{key}")
        if value is not None:
            out.append(f"[{key} {value}]")
    names = nicks if nicks is not None else [str(i + 1) for i in range(len(cands))]
    for n, ballot in enumerate(election.ballots, start=1):
        out.append(_format_ballot(ballot, names, n, path))
    out.append("0")
    for c in cands:
        out.append(_quote(c.name, "candidate name", path))
    out.append(_quote(election.title, "title", path))
    source = election.metadata.get("blt.source")
    comment = election.metadata.get("blt.comment")
    if source is not None or comment is not None:
        out.append(_quote(source or "", "source", path))
    if comment is not None:
        out.append(_quote(comment, "comment", path))
    trailer = election.metadata.get("blt.trailer")
    if trailer:
        out.append(trailer)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- writing


def _choose_nicks(
    cands: tuple[Candidate, ...], nicknames: bool | None, path: str | Path | None
) -> list[str] | None:
    """The nicknames to write, or ``None`` for candidate numbers."""
    if nicknames is False or not cands:
        return None
    firsts = [c.aliases[0] if len(c.aliases) == 1 else None for c in cands]
    usable = all(a is not None and _NICK_OUT.fullmatch(a) for a in firsts) and len(
        set(firsts)
    ) == len(firsts)
    if usable:
        return [a for a in firsts if a is not None]
    if nicknames:
        raise BallotFileError(
            path,
            None,
            "cannot write [nick]: every candidate needs one alias made of "
            "letters, digits, '_', '.' or '-' (starting with a letter or '_'), all different",
        )
    return None


def _format_ballot(ballot: Ballot, names: list[str], n: int, path: str | Path | None) -> str:
    """One ballot line, or an error naming the ballot (``n`` counts from 1)."""
    weight = _format_weight(ballot.weight, n, path)
    parts = []
    if ballot.label is not None:
        label = ballot.label
        if ballot.weight != 1:
            raise BallotFileError(
                path, None, f"ballot {n}: a ballot id needs weight 1 in BLT, not {weight}"
            )
        if not label or re.search(r"[()#\n\r]|\s\s|^\s|\s$", label) or "/*" in label:
            raise BallotFileError(path, None, f"ballot {n}: id {label!r} cannot be written in BLT")
        parts.append(f"({label})")
    parts.append(weight)
    for rank in ballot.rankings:
        if not rank:
            parts.append("-")
            continue
        if OVERVOTE in rank:
            raise BallotFileError(
                path, None, f"ballot {n}: BLT cannot hold an overvote that names no candidates"
            )
        parts.append("=".join(names[i] for i in rank))
    parts.append("0")
    return " ".join(parts)


def _format_weight(weight: Weight, n: int, path: str | Path | None) -> str:
    """A positive weight as a whole or exact decimal number."""
    if weight <= 0:
        raise BallotFileError(path, None, f"ballot {n}: weight {weight} is not positive")
    text = decimal_text(weight)
    if text is None:
        raise BallotFileError(
            path, None, f"ballot {n}: weight {weight} has no exact decimal form for BLT"
        )
    return text


def _quote(value: str, what: str, path: str | Path | None) -> str:
    """``value`` in double quotes, inner quotes doubled; no line breaks allowed."""
    if "\n" in value or "\r" in value:
        raise BallotFileError(path, None, f"{what} {value!r} holds a line break")
    return '"' + value.replace('"', '""') + '"'


# --------------------------------------------------------------------------- reading


@dataclass
class _Option:
    """A bracket option such as ``[nick a b c]`` and the line it started on."""

    name: str
    items: list[str]
    line: int


@dataclass
class _Tail:
    """What follows the ballots: names, title, source, comment, free text."""

    strings: list[tuple[str, int]] = field(default_factory=list)
    trailer: list[str] = field(default_factory=list)
    alt_names: dict[int, str] = field(default_factory=dict)


class _Parser:
    """One pass over a BLT text; every problem raises :class:`BallotFileError`."""

    def __init__(self, text: str, path: str | Path | None, allow_equal: bool) -> None:
        self.path = path
        self.allow_equal = allow_equal
        text = text.removeprefix("\ufeff")
        self.size = len(text)
        # Split on \n only: names may hold characters str.splitlines() breaks on.
        self.lines = text.split("\n")
        if "\r" in text:
            self.lines = [ln.removesuffix("\r") for ln in self.lines]
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.csv = bool(self.lines) and _CSV_HEADER.fullmatch(self.lines[0]) is not None
        if self.csv:
            self.lines = [_join_cells(ln) for ln in self.lines]
        self.pos = 0  # index of the next line to read
        self.in_comment = False  # inside /* ... */

    def error(self, line: int | None, problem: str) -> BallotFileError:
        """An error at 1-based ``line``."""
        return BallotFileError(self.path, line, problem)

    # -- tokenising the numeric part -------------------------------------------------

    def next_tokens(self) -> tuple[list[str], int] | None:
        """Tokens of the next line holding any, with its number; ``None`` at the end."""
        while self.pos < len(self.lines):
            self.pos += 1
            toks = self.tokens(self.lines[self.pos - 1])
            if toks:
                return toks, self.pos
        return None

    def tokens(self, line: str) -> list[str]:
        """Whitespace tokens of ``line`` without ``#`` and ``/* */`` comments."""
        if not self.in_comment and "#" not in line and "/*" not in line:
            return line.split()
        out = []
        for tok in line.split("#", 1)[0].split():
            if self.in_comment:
                if tok.endswith("*/"):
                    self.in_comment = False
                continue
            if tok.startswith("/*"):
                self.in_comment = len(tok) < 4 or not tok.endswith("*/")
                continue
            out.append(tok)
        return out

    # -- the parts ---------------------------------------------------------------

    def parse(self) -> Election:
        """Read the whole text."""
        first = self.next_tokens()
        if first is None:
            raise self.error(None, "empty file: expected 'candidates seats' on the first line")
        toks, line = first
        if len(toks) < 2 or not _INT.fullmatch(toks[0]) or not _INT.fullmatch(toks[1]):
            raise self.error(
                line, f"expected 'candidates seats' (two whole numbers), found {' '.join(toks)!r}"
            )
        ncand, seats = whole(toks[0]), whole(toks[1])
        if ncand is None or seats is None:
            raise self.error(
                line, f"'candidates seats': a number has more than {MAX_DIGITS} digits"
            )
        if ncand > self.size:
            # Every candidate needs a name in the file: this bounds the work below.
            raise self.error(
                line, f"{ncand} candidates cannot be named in a file of {self.size} characters"
            )
        pending = (toks[2:], line) if len(toks) > 2 else self.next_tokens()
        withdrawn, options, pending = self.read_preamble(pending)
        nicks = self.apply_nicks(options, ncand)
        meta: dict[str, str] = {}
        excluded = {self.cand(w, ncand, nicks, ln) for w, ln in withdrawn}
        write_ins: set[int] = set()
        for opt in options:
            if opt.name in ("nick", "droop"):
                if opt.name == "droop":
                    meta["blt.droop"] = " ".join(opt.items)
                continue
            resolved = [self.cand(x, ncand, nicks, opt.line) for x in opt.items]
            if opt.name == "withdrawn":
                excluded.update(resolved)
            elif opt.name == "undeclared":
                write_ins.update(resolved)
            elif opt.name == "tie":
                if sorted(resolved) != list(range(ncand)):
                    raise self.error(opt.line, "[tie] must list every candidate exactly once")
                meta["blt.tie"] = " ".join(str(i + 1) for i in resolved)
        ballots = self.read_ballots(pending, ncand, nicks)
        names, title = self.read_tail(ncand, meta)
        cands = tuple(
            Candidate(
                name=names[i],
                aliases=(nicks[i],) if nicks else (),
                excluded=i in excluded,
                write_in=i in write_ins,
            )
            for i in range(ncand)
        )
        return Election(candidates=cands, ballots=ballots, seats=seats, title=title, metadata=meta)

    def read_preamble(
        self, pending: tuple[list[str], int] | None
    ) -> tuple[list[tuple[str, int]], list[_Option], tuple[list[str], int] | None]:
        """Withdrawn numbers and bracket options before the first ballot."""
        withdrawn: list[tuple[str, int]] = []
        options: list[_Option] = []
        while pending is not None:
            toks, line = pending
            if toks[0].startswith("["):
                options.append(self.read_option(toks, line))
            elif _NEG_INT.fullmatch(toks[0]):
                for tok in toks:
                    if not _NEG_INT.fullmatch(tok):
                        raise self.error(
                            line, f"withdrawn candidates are written -N; found {tok!r}"
                        )
                    withdrawn.append((tok[1:], line))
            else:
                return withdrawn, options, pending
            pending = self.next_tokens()
        return withdrawn, options, None

    def read_option(self, toks: list[str], line: int) -> _Option:
        """A ``[name item …]`` option, possibly running over several lines."""
        words = [toks[0][1:], *toks[1:]]
        while not words[-1].endswith("]"):
            more = self.next_tokens()
            if more is None:
                raise self.error(line, "option is missing its closing ']'")
            words.extend(more[0])
        words[-1] = words[-1][:-1]
        words = [w for w in words if w]
        if not words:
            raise self.error(line, "empty option '[]'")
        name, items = words[0], words[1:]
        if name not in _OPTIONS:
            raise self.error(
                line, f"unknown option [{name}]; known: {', '.join(f'[{o}]' for o in _OPTIONS)}"
            )
        if any("]" in w or "[" in w for w in items):
            raise self.error(line, f"stray bracket inside option [{name}]")
        return _Option(name, items, line)

    def apply_nicks(self, options: list[_Option], ncand: int) -> list[str] | None:
        """The ``[nick …]`` list, checked: one distinct non-numeric name per candidate."""
        found = [o for o in options if o.name == "nick"]
        if not found:
            return None
        if len(found) > 1:
            raise self.error(found[1].line, "[nick] given twice")
        opt = found[0]
        if len(opt.items) != ncand:
            raise self.error(
                opt.line, f"[nick] lists {len(opt.items)} nicknames for {ncand} candidates"
            )
        for nick in opt.items:
            if _INT.fullmatch(nick) or "=" in nick or nick == "-":
                raise self.error(opt.line, f"nickname {nick!r} is not allowed")
        if len(set(opt.items)) != ncand:
            dup = next(n for n in opt.items if opt.items.count(n) > 1)
            raise self.error(opt.line, f"nickname {dup!r} is used twice")
        return opt.items

    def cand(self, tok: str, ncand: int, nicks: list[str] | None, line: int) -> int:
        """The 0-based index of the candidate a token names (number or nickname)."""
        if _INT.fullmatch(tok):
            k = whole(tok)
            if k is not None and 1 <= k <= ncand:
                return k - 1
            shown = k if k is not None else f"{tok[:20]}... ({len(tok)} digits)"
            raise self.error(line, f"candidate number {shown} is out of range 1..{ncand}")
        if nicks is not None and tok in nicks:
            return nicks.index(tok)
        raise self.error(line, f"unknown candidate {tok!r}")

    def read_ballots(
        self, pending: tuple[list[str], int] | None, ncand: int, nicks: list[str] | None
    ) -> list[Ballot] | PackedBallots:
        """Ballot lines up to the lone ``0`` that ends them."""
        packed = self.read_plain_ballots(pending, ncand)
        if packed is not None:
            return packed
        # ~0.5M tuples and Ballots: the cyclic GC would scan them again and again.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self.read_ballot_lines(pending, ncand, nicks)
        finally:
            if enabled:
                gc.enable()

    def read_plain_ballots(
        self, pending: tuple[list[str], int] | None, ncand: int
    ) -> PackedBallots | None:
        """The fast path: a plain ballot section parsed at once with numpy, or ``None``.

        Plain means: from the line of ``pending`` up to the first line holding
        only ``0``, nothing but digits, spaces, tabs and line feeds, and every
        non-blank line ``weight c1 … ck 0`` with ``weight >= 1``, every ``c`` in
        ``1..ncand`` and no number longer than 18 digits. Such a section means
        the same to :meth:`read_ballot_lines` (which accepts a candidate twice on
        a line too), so the result is equal; anything else, errors included, is
        left to that line-by-line reader, which reports it.
        """
        if pending is None or self.in_comment:
            return None
        toks, line = pending
        if toks == ["0"] or self.lines[line - 1].split() != toks:
            return None  # no ballots, or the ballots start on the header line
        section = "\n".join(self.lines[line - 1 :])
        end = _END_OF_BALLOTS.search(section)
        if end is None:
            return None
        body = section[: end.start() + 1]
        if not body.isascii():
            return None
        raw = body.encode("ascii")
        if raw.translate(None, _PLAIN_BYTES):
            return None
        parsed = _plain_ballots(raw, ncand)
        if parsed is None:
            return None
        # Continue after the "0" line, as the line-by-line reader would.
        self.pos = line + raw.count(b"\n")
        return parsed

    def read_ballot_lines(
        self, pending: tuple[list[str], int] | None, ncand: int, nicks: list[str] | None
    ) -> list[Ballot]:
        """Ballot lines up to the lone ``0`` that ends them, one line at a time."""
        ballots: list[Ballot] = []
        ids: set[str] = set()
        last = len(self.lines)
        # The marks of a plain rank token, looked up rather than parsed (speed).
        plain: dict[str, tuple[int, ...]] = {str(k + 1): (k,) for k in range(ncand)}
        plain.update({nick: (k,) for k, nick in enumerate(nicks or ())})
        plain["-"] = ()
        while pending is not None:
            toks, line = pending
            if toks == ["0"]:
                return ballots
            if toks[0].startswith('"'):
                raise self.error(line, "missing the line '0' between the ballots and the names")
            label = None
            if toks[0].startswith("("):
                label, toks = self.read_id(toks, line)
                if label in ids:
                    raise self.error(line, f"ballot id ({label}) is used twice")
                ids.add(label)
            if not toks:
                raise self.error(line, "ballot id is not followed by a weight")
            weight = self.weight(toks[0], line)
            if label is not None and weight != 1:
                raise self.error(line, f"a ballot with an id must have weight 1, not {toks[0]}")
            if len(toks) < 2 or toks[-1] != "0":
                raise self.error(line, "ballot line does not end with 0")
            ranks = [plain.get(tok) for tok in toks[1:-1]]
            if None in ranks:
                ranks = [self.rank(tok, ncand, nicks, line) for tok in toks[1:-1]]
            ballots.append(Ballot(tuple(ranks), weight, label))
            pending = self.next_tokens()
        raise self.error(last, "missing the line '0' that ends the ballots")

    def read_id(self, toks: list[str], line: int) -> tuple[str, list[str]]:
        """A ``(ballot id)`` at the start of ``toks``; returns it and the rest."""
        for k, tok in enumerate(toks):
            if tok.endswith(")") and (k > 0 or len(tok) > 1):
                label = " ".join(toks[: k + 1])[1:-1].strip()
                if not label:
                    raise self.error(line, "empty ballot id '()'")
                return label, toks[k + 1 :]
        raise self.error(line, "ballot id is missing its closing ')'")

    def weight(self, tok: str, line: int) -> Weight:
        """A ballot weight: whole, or an exact decimal kept as a Fraction."""
        w = parse_weight(tok)
        if w is None:
            raise self.error(line, f"ballot weight {tok!r} is not a whole or decimal number")
        if w == 0:
            raise self.error(line, "ballot weight is 0 (a lone 0 ends the ballots)")
        return w

    def rank(self, tok: str, ncand: int, nicks: list[str] | None, line: int) -> tuple[int, ...]:
        """The marks of one rank: ``-`` (skipped), ``c`` or ``c1=c2=…``."""
        if tok == "-":
            return ()
        if tok == "0":
            raise self.error(line, "0 in the middle of a ballot line (one ballot per line)")
        parts = tok.split("=")
        if len(parts) > 1 and not self.allow_equal:
            raise self.error(
                line, f"equal ranking {tok!r} is not allowed (read with allow_equal=True)"
            )
        if any(not p for p in parts):
            raise self.error(line, f"malformed ranking {tok!r}")
        return tuple(self.cand(p, ncand, nicks, line) for p in parts)

    def read_tail(self, ncand: int, meta: dict[str, str]) -> tuple[list[str], str]:
        """Candidate names and title after the ballots; source, comment, trailer into meta."""
        tail = _Tail()
        wanted = ncand + 3  # names, title, source, comment
        while self.pos < len(self.lines):
            self.pos += 1
            line_no, raw = self.pos, self.lines[self.pos - 1]
            text = raw.strip()
            if tail.trailer or (len(tail.strings) >= ncand + 1 and not text.startswith('"')):
                if text or tail.trailer:
                    tail.trailer.append(raw.rstrip())
                continue
            if not text:
                continue
            if text.startswith("#"):
                m = _ALT_NAME.match(text)
                if m and (number := whole(m.group(1))) is not None:
                    tail.alt_names[number] = m.group(2).strip()
                continue
            if not text.startswith('"'):
                tail.strings.append((text, line_no))
                continue
            rest = text
            while rest.startswith('"') and len(tail.strings) < wanted:
                value, rest = self.quoted(rest, line_no)
                tail.strings.append((value, line_no))
                rest = rest.lstrip()
                if rest.startswith("#"):
                    rest = ""
            if rest:
                if len(tail.strings) < ncand + 1:
                    raise self.error(line_no, f"unexpected text after a quoted name: {rest!r}")
                tail.trailer.append(rest)
        return self.finish_tail(tail, ncand, meta)

    def finish_tail(self, tail: _Tail, ncand: int, meta: dict[str, str]) -> tuple[list[str], str]:
        """Check the counts of names and title; use ALTERNATIVE NAME comments if need be."""
        strings = tail.strings
        if len(strings) < ncand + 1:
            alt = tail.alt_names
            if len(strings) == 1 and sorted(alt) == list(range(1, ncand + 1)):
                return [alt[i] for i in range(1, ncand + 1)], strings[0][0]
            if len(strings) < ncand:
                raise self.error(
                    len(self.lines),
                    f"expected {ncand} candidate names after the ballots, found {len(strings)}",
                )
            raise self.error(len(self.lines), "missing the election title after the names")
        names = [s for s, _ in strings[:ncand]]
        title = strings[ncand][0]
        if len(strings) > ncand + 1:
            meta["blt.source"] = strings[ncand + 1][0]
        if len(strings) > ncand + 2:
            meta["blt.comment"] = strings[ncand + 2][0]
        while tail.trailer and not tail.trailer[-1].strip():
            tail.trailer.pop()
        if tail.trailer:
            meta["blt.trailer"] = "\n".join(tail.trailer)
        return names, title

    def quoted(self, text: str, line: int) -> tuple[str, str]:
        """The quoted string at the start of ``text`` (``""`` is a quote) and the rest."""
        out = []
        k = 1
        while k < len(text):
            ch = text[k]
            if ch == '"':
                if k + 1 < len(text) and text[k + 1] == '"':
                    out.append('"')
                    k += 2
                    continue
                return "".join(out), text[k + 1 :]
            out.append(ch)
            k += 1
        raise self.error(line, "quoted string is not closed on its line")


def _join_cells(line: str) -> str:
    """A spreadsheet-exported line: its non-empty comma-separated cells, space-joined."""
    return " ".join(cell.strip() for cell in line.split(",") if cell.strip())


def _plain_ballots(raw: bytes, ncand: int) -> PackedBallots | None:
    """Ballot lines ``weight c1 … ck 0`` (digits and ASCII blanks only) as packed ballots.

    ``raw`` ends with a line feed. Returns ``None`` unless every non-blank line
    has a weight >= 1, candidate numbers in ``1..ncand`` and ends with the token
    ``0`` (and holds no other zero), with no number longer than 18 digits.
    """
    chars = np.frombuffer(raw, dtype=np.uint8)
    digit = chars - np.uint8(ord("0"))
    is_digit = digit < 10
    starts_mask = is_digit.copy()
    starts_mask[1:] &= ~is_digit[:-1]
    ends_mask = is_digit.copy()
    ends_mask[:-1] &= ~is_digit[1:]
    starts = np.flatnonzero(starts_mask)
    if not starts.size:
        return None
    lengths = np.flatnonzero(ends_mask) + 1 - starts
    if int(lengths.max()) > _MAX_DIGITS:
        return None
    values = digit[starts].astype(np.int64)
    longer = np.flatnonzero(lengths > 1)
    k = 1
    while longer.size:  # Horner's rule, one digit position at a time
        values[longer] = values[longer] * 10 + digit[starts[longer] + k]
        k += 1
        longer = longer[lengths[longer] > k]
    # Token starts and line feeds in text order: a number right after a line feed
    # (or first) starts its line; one right before a line feed ends it.
    newline = chars == ord("\n")
    events = np.flatnonzero(starts_mask | newline)
    is_newline = newline[events]
    after_newline = np.empty(events.size, dtype=bool)
    after_newline[0] = True
    after_newline[1:] = is_newline[:-1]
    before_newline = np.empty(events.size, dtype=bool)
    before_newline[-1] = True
    before_newline[:-1] = is_newline[1:]
    is_number = ~is_newline
    first = after_newline[is_number]
    last = before_newline[is_number]
    if (
        (first & last).any()
        or not np.array_equal(values == 0, last)
        or (lengths[last] != 1).any()
    ):
        return None  # a line of one number; a missing, misplaced or "00" end; a weight 0
    middle = ~(first | last)
    candidates = values[middle]
    if candidates.size and (int(candidates.min()) < 1 or int(candidates.max()) > ncand):
        return None
    first_at = np.flatnonzero(first)
    offsets = np.zeros(first_at.size + 1, dtype=np.int64)
    np.cumsum(np.flatnonzero(last) - first_at - 1, out=offsets[1:])
    return PackedBallots(
        values[first_at], offsets, (candidates - 1).astype(np.int32), copy=False
    )
