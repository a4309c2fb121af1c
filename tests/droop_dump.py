"""Read Droop's Meek/Warren dumps and stv-rs's Meek logs, to hold keep-value counts against them.

Droop (github jklundell/droop, GPL-3; ``shared/conformance/stv/droop_reference``)
writes a tab-separated dump for a keep-value rule::

    R  Action  Quota  Votes  Surplus  Residual  1.name 1.state 1.vote 1.kf  2.name ...

one line per action (``begin``, ``elect``, ``defeat``, ``tie``, ``iterate``,
``end``; ``log`` and ``round`` lines carry a message). States: ``H`` hopeful,
``E`` elected, ``D`` defeated; withdrawn candidates have no columns.

Droop's round ``r`` (r ≥ 1) is our stage ``r``: the first decision line of the
round (``elect``, ``tie`` or ``defeat``) shows the distribution the round
stopped at.

stv-rs (github gendx/stv-rs, Apache-2; ``stv_rs_meek_reference``) writes
Droop's readable report: ``Round r:`` then ``Action: ...`` blocks, each with
the candidates' votes (when shown) and Quota/Votes/Residual/Total/Surplus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from droop_ref import DROOP, candidate_columns, dump_rows
from droop_ref import cases as droop_cases

from selectorate.ballots import Election
from selectorate.counting.keep_value import decimal_text
from selectorate.counting.result import CountResult

STV_RS = DROOP.parent / "stv_rs_meek_reference"

__all__ = [
    "DROOP",
    "STV_RS",
    "Dump",
    "Line",
    "LogAction",
    "conserved",
    "droop_cases",
    "droop_problems",
    "log_elected",
    "log_stage_actions",
    "read_dump",
    "read_log",
    "tie_order",
]

DECISIONS = ("elect", "defeat", "tie")


@dataclass(frozen=True)
class Line:
    """One action line of a Droop keep-value dump."""

    round: str
    action: str
    quota: str
    votes: str
    surplus: str
    residual: str
    #: name -> (state, vote, kf), in ballot order.
    candidates: dict[str, tuple[str, str, str]]


@dataclass
class Dump:
    """A parsed Droop dump."""

    path: Path
    digits: int
    lines: list[Line] = field(default_factory=list)

    def stage_lines(self) -> list[Line]:
        """The first decision line of each round ``1, 2, …`` (our stages)."""
        out: dict[str, Line] = {}
        for ln in self.lines:
            if ln.action in DECISIONS and ln.round not in out and ln.round.isdigit():
                out[ln.round] = ln
        return [out[r] for r in sorted(out, key=int)]

    def elected(self) -> list[str]:
        """Names in the order Droop first marked them elected."""
        seen: list[str] = []
        for ln in self.lines:
            for name, (state, _, _) in ln.candidates.items():
                if state == "E" and name not in seen:
                    seen.append(name)
        return seen

    def defeated(self) -> list[str]:
        """Names in the order Droop defeated them (before the end of the count)."""
        seen: list[str] = []
        for ln in self.lines:
            if ln.action != "defeat":
                continue
            for name, (state, _, _) in ln.candidates.items():
                if state == "D" and name not in seen:
                    seen.append(name)
        return seen


def read_dump(path: Path) -> Dump:
    """Parse a Droop dump of a keep-value rule."""
    digits, rows = dump_rows(path)
    dump = Dump(path, digits)
    for cells in rows:
        if len(cells) < 6:
            continue
        cands = {name: tuple(rest) for name, *rest in candidate_columns(cells, 6, 4)}
        dump.lines.append(Line(cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cands))
    return dump


def tie_order(election: Election) -> list[str]:
    """Droop's tie-breaking order: the ``[tie]`` line, else ballot-file order."""
    t = election.metadata.get("blt.tie")
    if t:
        return [election.candidates[int(x) - 1].name for x in t.split()]
    return [c.name for c in election.candidates]


def droop_problems(result: CountResult, dump: Dump, *, clamp: bool, final_rows: bool) -> list[str]:
    """Differences between our count and a Droop keep-value dump.

    Checks each round's decision lines: the first against our stage; further
    ``elect`` lines against the same stage; further ``defeat`` lines (batch
    defeats, shown after each redistribution) against the stage plus the
    transfers of the defeats before; with ``final_rows`` the remaining-candidate
    lines after the last defeat against our last stage.
    """
    d = dump.digits
    problems: list[str] = []

    def check(
        where: str, line, tally: dict[str, Fraction], quota: Fraction, rest: Fraction, first: bool
    ) -> None:
        if decimal_text(quota, d) != line.quota:
            problems.append(f"{where}: quota {decimal_text(quota, d)} != {line.quota}")
        if decimal_text(rest, d) != line.residual:
            problems.append(f"{where}: residual {decimal_text(rest, d)} != {line.residual}")
        surplus = sum(
            (
                tally.get(n, Fraction(0)) - quota
                for n, (st, _, _) in line.candidates.items()
                if st == "E"
            ),
            Fraction(0),
        )
        if clamp:
            surplus = max(surplus, Fraction(0))
        # Droop logs an election before it recomputes the surplus, and keeps the
        # iteration's surplus on the lines after a batch defeat: check the first defeat line.
        if first and line.action != "elect" and decimal_text(surplus, d) != line.surplus:
            problems.append(f"{where}: surplus {decimal_text(surplus, d)} != {line.surplus}")
        for name, (_st, vote, _kf) in line.candidates.items():
            got = decimal_text(tally.get(name, Fraction(0)), d)
            if got != vote:
                problems.append(f"{where}: {name} {got} != {vote}")

    rounds: dict[int, list] = {}
    for ln in dump.lines:
        if ln.round.isdigit() and ln.action in ("elect", "defeat", "tie"):
            rounds.setdefault(int(ln.round), []).append(ln)
    last_round = max(rounds, default=0)
    for r, lines in sorted(rounds.items()):
        if r > len(result.rounds):
            problems.append(f"round {r}: we have only {len(result.rounds)} stages")
            break
        rnd = result.rounds[r - 1]
        tally = dict(rnd.tally)
        exhausted = rnd.inactive["exhaustedChoices"] + rnd.residual_surplus
        movers = [a for a in rnd.actions if a.kind in ("eliminated", "excluded")]
        defeats = 0
        for i, ln in enumerate(lines):
            if ln.action == "defeat" and i > 0 and defeats < len(movers):
                # the distribution after the previous defeat of a batch
                prev = movers[defeats - 1] if defeats else None
                if prev is not None:
                    tally[prev.candidate] = Fraction(0)
                    for k, v in prev.transfers.items():
                        if k in tally:
                            tally[k] += v
                        elif k in ("exhausted", "residual surplus"):
                            exhausted += v
            if ln.action == "defeat":
                defeats += 1
            if ln.action == "elect" and defeats and r == last_round:
                if final_rows:
                    last = result.rounds[-1]
                    rest = last.inactive["exhaustedChoices"] + last.residual_surplus
                    check(f"round {r} remaining", ln, last.tally, rnd.threshold, rest, False)
                continue
            check(f"round {r} {ln.action} {i}", ln, tally, rnd.threshold, exhausted, i == 0)
            if len(problems) > 10:
                return problems
    if result.elected != dump.elected():
        problems.append(f"elected {result.elected} != {dump.elected()}")
    # Droop also "defeats" the candidates left when the seats are filled; we do not.
    ours = [a.candidate for r in result.rounds for a in r.actions if a.kind == "eliminated"]
    left = len(result.candidates) - len(result.elected) - len(ours)
    left -= sum(1 for name in result.candidates if name not in result.rounds[0].tally)
    theirs = dump.defeated()
    if ours != theirs[: len(ours)] or len(theirs) != len(ours) + left:
        problems.append(f"defeated {ours} != {theirs}")
    return problems


def conserved(result: CountResult) -> bool:
    """Σ tally + exhausted + residual == valid ballots at every stage."""
    valid = result.total_ballots - result.undervotes
    return all(r.active + r.inactive_total + r.residual_surplus == valid for r in result.rounds)


# --------------------------------------------------------------------------- stv-rs logs


@dataclass
class LogAction:
    """One ``Action:`` block of an stv-rs (Droop-style) report."""

    round: int
    text: str
    votes: dict[str, str]
    stats: dict[str, str]


def read_log(path: Path) -> list[LogAction]:
    """Parse an stv-rs Meek report into its action blocks."""
    actions: list[LogAction] = []
    rnd = 0
    current: LogAction | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"Round (\d+):$", raw)
        if m:
            rnd = int(m.group(1))
            continue
        if raw.startswith("Action: "):
            current = LogAction(rnd, raw[len("Action: ") :], {}, {})
            actions.append(current)
            continue
        if current is None or not raw.startswith("\t"):
            continue
        line = raw.strip()
        m = re.match(r"(Elected|Hopeful|Defeated):\s+(.*) \((-?[\d.]+)\)$", line)
        if m:
            for name in m.group(2).split(", ") if m.group(1) == "Defeated" else [m.group(2)]:
                current.votes[name] = m.group(3)
            continue
        m = re.match(r"(Quota|Votes|Residual|Total|Surplus): (-?[\d.]+)$", line)
        if m:
            current.stats[m.group(1)] = m.group(2)
    return actions


def log_stage_actions(actions: list[LogAction]) -> list[LogAction]:
    """The first ``Elect:`` or ``Defeat`` block with votes of each round (our stages)."""
    out: dict[int, LogAction] = {}
    for a in actions:
        if (
            a.round
            and a.round not in out
            and a.votes
            and (a.text.startswith("Elect: ") or a.text.startswith("Defeat ("))
        ):
            out[a.round] = a
    return [out[r] for r in sorted(out)]


def log_elected(actions: list[LogAction]) -> list[str]:
    """Names elected, in order (``Elect:`` and ``Elect remaining:``)."""
    out = []
    for a in actions:
        m = re.match(r"Elect(?: remaining)?: (.*)$", a.text)
        if m:
            out.append(m.group(1))
    return out
