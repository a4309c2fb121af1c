"""Read Droop's reference transcripts and hold a CountResult against them.

Droop (github jklundell/droop, GPL-3; data in
``shared/conformance/stv/droop_reference/``) writes each reference count twice:
``ref/report/<case>-<tag>.txt`` (readable) and ``ref/dump/<case>-<tag>.txt``,
a tab-separated line per action::

    R  Action  Quota  Non-Transferable  1.name 1.state 1.vote  2.name ...

``R`` is Droop's round (``X`` for the final ``end`` line); ``log`` and ``round``
lines carry only a message. States: ``H`` hopeful, ``e`` elected with surplus
pending, ``E`` elected, ``D`` defeated; withdrawn candidates have no columns.
Values are printed with the transcript's display digits (``-dN`` in the tag).

Stage ``k`` of our count (``Round k``) is what Droop shows after its ``begin``
line (stage 1) or its ``(k-1)``-th ``transfer`` line; every other action line
(elect, defeat, ...) shows the totals of the stage it follows.

Used by ``test_droop_reference.py``; shared by every STV method's test. The
dumps of keep-value rules have other columns (``droop_dump.py``), but the same
file layout: :func:`dump_rows` and :func:`cases` read both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from selectorate.counting.keep_value import decimal_text as display
from selectorate.counting.result import CountResult

DROOP = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "conformance"
    / "stv"
    / "droop_reference"
)

#: Action lines that start a new stage (a new set of totals).
STAGE_ACTIONS = ("begin", "transfer")


@dataclass(frozen=True)
class DumpLine:
    """One action line of a dump."""

    round: str
    action: str
    quota: str
    nontransferable: str
    #: (name, state, vote) for every candidate not withdrawn, in ballot order.
    candidates: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Transcript:
    """A parsed Droop dump."""

    path: Path
    digits: int
    lines: tuple[DumpLine, ...]

    @property
    def elected(self) -> set[str]:
        """Names elected at the end of the count."""
        return {name for name, state, _ in self.lines[-1].candidates if state == "E"}

    def elected_in_order(self) -> list[str]:
        """Names in the order Droop first marked them elected (``e`` or ``E``)."""
        out: list[str] = []
        for line in self.lines:
            for name, state, _ in line.candidates:
                if state in ("e", "E") and name not in out:
                    out.append(name)
        return out

    def without_zero_surpluses(self) -> Transcript:
        """This transcript without the stages in which a surplus of zero was "transferred".

        Droop's ``scotland`` rule makes a stage of a candidate elected exactly on
        the quota; SSI 2007/42 r.48(1) transfers only votes that *exceed* the
        quota, so the Order has no such stage. Such a stage is an ``unpend``
        followed by a ``transfer`` that changes no figure.
        """
        kept: list[DumpLine] = []
        last_stage: DumpLine | None = None
        held: list[DumpLine] = []
        for line in self.lines:
            if line.action == "unpend":
                held = [line]
                continue
            if held:
                held.append(line)
                if line.action != "transfer":
                    continue
                same = (
                    last_stage is not None
                    and [v for _, _, v in line.candidates]
                    == [v for _, _, v in last_stage.candidates]
                    and line.nontransferable == last_stage.nontransferable
                )
                if not same:
                    kept.extend(held)
                    last_stage = line
                held = []
                continue
            if line.action in STAGE_ACTIONS:
                last_stage = line
            kept.append(line)
        kept.extend(held)
        return Transcript(self.path, self.digits, tuple(kept))

    def stages(self, stage_actions: tuple[str, ...] = STAGE_ACTIONS) -> list[DumpLine]:
        """The line of each stage: ``begin`` then each ``transfer`` (or ``stage_actions``)."""
        return [ln for ln in self.lines if ln.action in stage_actions]


def dump_rows(path: Path) -> tuple[int, list[list[str]]]:
    """A Droop dump's display digits (``-dN`` in its name) and the cells of each line.

    The header line is skipped; cells are tab-separated, as Droop writes them.
    """
    m = re.search(r"-d(\d+)\.txt$", path.name)
    if not m:
        raise ValueError(f"{path}: no display digits (-dN) in the name")
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return int(m.group(1)), [raw.split("\t") for raw in lines]


def candidate_columns(cells: list[str], start: int, width: int) -> list[tuple[str, ...]]:
    """The per-candidate groups of ``width`` cells from ``start`` on (a short last one dropped)."""
    return [tuple(cells[i : i + width]) for i in range(start, len(cells) - width + 1, width)]


def read_dump(path: Path) -> Transcript:
    """Parse a Droop dump file (``ref/dump/...txt``)."""
    digits, rows = dump_rows(path)
    lines = []
    for cells in rows:
        if len(cells) < 4 or cells[1] in ("log", "round"):
            continue
        cands = tuple(candidate_columns(cells, 4, 3))
        lines.append(DumpLine(cells[0], cells[1], cells[2], cells[3], cands))
    return Transcript(path, digits, tuple(lines))


def cases(tag: str) -> list[tuple[str, Path, Path]]:
    """Every (case id, ballot file, dump file) Droop has for rule tag ``tag``.

    ``tag`` is the rule-and-arithmetic part of the name, e.g.
    ``"scotland-fixed-p5-d5"`` or ``"wigm-prf-fixed-p4-d4"``.
    """
    out = []
    dump_dir = DROOP / "ref" / "dump"
    suffix = f"-{tag}.txt"
    for dump in sorted(dump_dir.rglob(f"*{suffix}")):
        case = dump.name[: -len(suffix)]
        sub = dump.parent.relative_to(dump_dir)
        blt = DROOP / "blt" / sub / f"{case}.blt"
        if blt.exists():
            out.append((str(sub / case) if str(sub) != "." else case, blt, dump))
    return out


def compare(
    result: CountResult,
    transcript: Transcript,
    *,
    nontransferable: bool = True,
    stage_actions: tuple[str, ...] = STAGE_ACTIONS,
) -> list[str]:
    """Differences between ``result`` and ``transcript`` (empty list: they agree).

    Checks the number of stages, and on every action line the quota, every
    candidate's vote (a candidate absent from our stage counts as 0), and, if
    ``nontransferable``, Droop's non-transferable total against our
    ``inactive["exhaustedChoices"]``; then the elected set. ``stage_actions``
    names the action lines that open a new stage (rules other than WIGM's may
    need others).
    """
    problems: list[str] = []
    d = transcript.digits
    stages = transcript.stages(stage_actions)
    if len(stages) != len(result.rounds):
        problems.append(f"{len(result.rounds)} stages, Droop has {len(stages)}")
    stage = 0
    for line in transcript.lines:
        if line.action in stage_actions:
            stage += 1
        if stage == 0 or stage > len(result.rounds):
            continue
        rnd = result.rounds[stage - 1]
        where = f"stage {stage} ({line.action})"
        if rnd.threshold is None or display(rnd.threshold, d) != line.quota:
            problems.append(f"{where}: quota {rnd.threshold} != {line.quota}")
        if nontransferable:
            ours = rnd.inactive.get("exhaustedChoices", Fraction(0))
            if display(ours, d) != line.nontransferable:
                problems.append(
                    f"{where}: non-transferable {display(ours, d)} != {line.nontransferable}"
                )
        tally = {_name(k): v for k, v in rnd.tally.items()}
        for name, _state, vote in line.candidates:
            got = display(tally.get(_name(name), Fraction(0)), d)
            if got != vote:
                problems.append(f"{where}: {name} {got} != {vote}")
        if len(problems) > 12:
            break
    ours = {_name(n) for n in result.elected}
    theirs = {_name(n) for n in transcript.elected}
    if ours != theirs:
        problems.append(f"elected {sorted(ours)} != {sorted(theirs)}")
    return problems


def _name(name: str) -> str:
    """A candidate name as Droop prints it: runs of white space collapsed, ends stripped."""
    return " ".join(name.split())


__all__ = [
    "DROOP",
    "Transcript",
    "candidate_columns",
    "cases",
    "compare",
    "display",
    "dump_rows",
    "read_dump",
]
