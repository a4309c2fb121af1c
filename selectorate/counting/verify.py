"""Check a finished count against the ballots: invariants any correct count keeps.

:func:`verify` takes a :class:`~selectorate.counting.result.CountResult` (freshly
counted, or read back from a JSON result) and the :class:`Election` it claims
to count, and re-derives from them what must hold whatever the rule. It does
not recount: a wrong *decision* that keeps every invariant (excluding the
wrong candidate, say) is found by a recount (``selectorate verify`` does
both). It returns one :class:`Problem` per broken invariant, ``[]`` when all
hold. The checks:

1. **The result belongs to the ballots**: same candidates, same total of
   ballots, withdrawn candidates in no tally.
2. **First stage recomputed from the ballots** (first continuing preference),
   read as the rule family reads a ballot (see *First stage* below).
3. **Value is conserved at every stage**, exactly:
   ``sum(tally) + inactive + residual surplus + blank ballots == total ballots``
   (the sheet's "Total" row). Blank ballots are ``CountResult.undervotes``.
4. **Transfers add up**: the amounts of every surplus or exclusion add up to
   what left the candidate between this stage and the next; every other
   candidate gained exactly what the stage's transfers gave it; the
   non-transferable papers and the loss by fractions grew by exactly what the
   transfers sent there.
5. **Elections**: nobody elected twice; ``elected`` lists the "elected"
   actions in order of stage; at most ``seats`` elected, and exactly
   ``seats`` (counting seats declared unfilled after a RON win) unless the
   notes say why not (candidates ran out, a stopped count).
6. **Exclusions are final**: an eliminated, excluded or withdrawn candidate
   never reappears: in no later tally, action or transfer, never elected.
   In an STV count (and RCTab's) the candidates in stage ``k+1``'s tally are
   exactly those of stage ``k`` less those excluded at the end of stage ``k``.
7. **The threshold is constant where the rule fixes it once**: STV rules with
   a quota fixed at the first stage (Scottish, WIGM, Irish) and RCTab's
   multi-winner count; ERS97 may lower it (5.4.8, ignoring non-transferable
   papers) only until the first candidate is elected; Meek and Warren
   recompute it, and RCTab's IRV recomputes it each round unless
   ``first_round_determines_threshold``. An STV result records a quota at
   every stage and makes no transfer at its last stage.
8. For the fixed-point STV rules (Scottish 5 places, WIGM 4, ERS97 2, Meek and NZ Meek 9)
   every vote value is a whole multiple of ``10**-decimal_places``; a
   tie-break chose one of the tied candidates.

First stage: how a ballot's first preference is read, per family
------------------------------------------------------------------
* **STV rules** (``scottish-stv``, ``wigm``, ``ers97``, ``irish``, ``meek``,
  ``meek-nz``, ``warren`` and other names not listed below): when the method's
  module exposes ``first_preferences(election, **options) -> Mapping[str,
  Fraction]`` that is used. Otherwise as ``notes/stv_contract.md`` says: a
  skipped rank ``()`` is passed over ("no preference at this rank, go on"); a
  candidate withdrawn before the count is passed over; several candidates at
  one rank (an equal ranking, which only rules that accept it let through)
  share the ballot's value equally among those of them still standing; an
  unnamed overvote ends the ballot (non-transferable from the start).
* **RCTab rules** (``irv``, ``stv-rctab``, ``multi-pass-irv``, ``bottoms-up``,
  ``bottoms-up-percentage``): RCTab's own reading with the options recorded
  in the result (overvote rule, skipped ranks allowed, duplicates), restated
  here independently of :mod:`.rctab_engine`; the first round's inactive
  ballots by cause and the blank ballots are checked too.
* ``fptp``: the first marked rank; ``block``: every candidate marked (whole
  tally, invalid and void ballots recounted).
* Weighted counts (``electoral-college``, rounds with ``sections``): their
  tally is percentage points of sections held in other files, so checks 2–4
  do not apply; the others do.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from selectorate.ballots.model import OVERVOTE, Election
from selectorate.counting.result import (
    EXHAUSTED,
    INACTIVE_CAUSES,
    RESIDUAL_SURPLUS,
    CountResult,
    Round,
)
from selectorate.counting.stv_rules import CountRules, GroupMinimum, group_minimum

__all__ = [
    "FIXED_QUOTA_METHODS",
    "RCTAB_METHODS",
    "Problem",
    "method_family",
    "recount_options",
    "verify",
]

#: Methods counted by RCTab's rules (``selectorate.counting.rctab_engine``).
RCTAB_METHODS = frozenset(
    {"irv", "stv-rctab", "multi-pass-irv", "bottoms-up", "bottoms-up-percentage"}
)
#: STV rules whose quota is fixed at the first stage and never changes.
FIXED_QUOTA_METHODS = frozenset({"scottish-stv", "wigm", "irish", "stv-rctab"})
#: STV rules whose quota may only fall, and only until someone is elected (ERS97 5.4.8).
FIXED_ONCE_ELECTED_METHODS = frozenset({"ers97"})
#: STV rules whose every value is fixed point at ``decimal_places`` (others, e.g. Droop's
#: guarded arithmetic, carry more places than they print).
FIXED_POINT_METHODS = frozenset({"scottish-stv", "wigm", "ers97", "meek", "meek-nz"})
#: STV rules that recompute the quota as votes become non-transferable.
DYNAMIC_QUOTA_METHODS = frozenset({"meek", "meek-nz", "warren"})
#: Notes words that explain a count electing fewer than ``seats``.
_SHORT_REASONS = ("unfilled", "ran out", "too few", "fewer", "stopped", "stop")
_EXCLUDING = ("eliminated", "excluded", "withdrawn")


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken invariant: at which stage, what, what was expected, what was found.

    ``stage`` is the round (stage) number, or ``None`` for the result as a whole.
    """

    stage: int | None
    what: str
    expected: object = None
    found: object = None

    def describe(self) -> str:
        """One line: ``stage 3: <what>: expected 1234.5, found 1243.5``."""
        where = "result" if self.stage is None else f"stage {self.stage}"
        text = f"{where}: {self.what}"
        if self.expected is not None or self.found is not None:
            text += f": expected {_show(self.expected)}, found {_show(self.found)}"
        return text

    def __str__(self) -> str:
        return self.describe()


def _show(value: object) -> str:
    """Exact text of a value: decimals when they terminate, else ``p/q``."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        d, places = value.denominator, 0
        for p in (2, 5):
            while d % p == 0:
                d //= p
        if d == 1:
            while (value * 10**places).denominator != 1:
                places += 1
            units = int(value * 10**places)
            sign = "-" if units < 0 else ""
            whole, frac = divmod(abs(units), 10**places)
            return f"{sign}{whole}.{frac:0{places}d}"
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if value is None:
        return "nothing"
    return str(value)


def recount_options(options: Mapping[str, object]) -> dict[str, object]:
    """Keyword options to count again with, from the options a result records.

    The STV methods record options they take back as they are (minimums as
    ``{"name", "minimum", "members"}`` objects, withdrawals as ``{stage:
    [names]}``); this also reads what older results recorded: ``minimums`` as
    the text ``"women: at least 2 of Ann, Beth"`` or ``"women=2:Ann,Beth"``
    (ambiguous for names containing ", "), and ``withdrawals`` with stages as
    strings. Minimums become :class:`~selectorate.counting.stv_rules.GroupMinimum`
    values and withdrawals ``{stage: (name, ...)}`` with whole-number stages.
    """
    out = dict(options)
    if out.get("minimums"):
        out["minimums"] = tuple(_group_minimum(m) for m in out["minimums"])  # type: ignore[union-attr]
    withdrawals = out.get("withdrawals")
    if isinstance(withdrawals, Mapping):
        out["withdrawals"] = {
            int(k): tuple(v) if isinstance(v, list | tuple) else (str(v),)
            for k, v in withdrawals.items()
        }
    return out


def _group_minimum(value: object) -> GroupMinimum:
    if isinstance(value, GroupMinimum | Mapping):
        return group_minimum(value)
    text = str(value)
    match = re.fullmatch(r"(.+): at least (\d+) of (.+)", text)
    if match:
        members = match.group(3).split(", ")
        return GroupMinimum(match.group(1), frozenset(members), int(match.group(2)))
    match = re.fullmatch(r"(.+)=(\d+):(.+)", text)
    if match:
        members = [n.strip() for n in match.group(3).split(",")]
        return GroupMinimum(match.group(1).strip(), frozenset(members), int(match.group(2)))
    raise ValueError(f"cannot read the group minimum {text!r}")


def method_family(method: str) -> str:
    """How ``method``'s results are laid out: ``rctab``, ``fptp``, ``block``, ``weighted``
    or ``stv`` (the STV contract, the default)."""
    if method in RCTAB_METHODS:
        return "rctab"
    if method in ("fptp", "block"):
        return method
    if method == "electoral-college":
        return "weighted"
    return "stv"


def verify(result: CountResult, election: Election) -> list[Problem]:
    """Every invariant of ``result`` that does not hold (``[]``: all hold). See the module."""
    problems: list[Problem] = []
    if result.passes:
        _verify_passes(result, election, problems)
        return problems
    _Checker(result, election, problems).run()
    return problems


def _verify_passes(result: CountResult, election: Election, problems: list[Problem]) -> None:
    """A multi-pass count: each pass counts the ballots with earlier winners excluded."""
    winners: list[str] = []
    for i, one in enumerate(result.passes, start=1):
        current = election.with_excluded(w for w in winners if w in election.names)
        for p in verify(one, current):
            problems.append(Problem(p.stage, f"pass {i}: {p.what}", p.expected, p.found))
        if len(one.elected) == 1:
            winners.append(one.elected[0])
        else:
            problems.append(Problem(None, f"pass {i} elected", 1, len(one.elected)))
    if result.elected != winners:
        problems.append(
            Problem(None, "elected differs from the passes' winners", winners, result.elected)
        )
    if len(set(result.elected)) != len(result.elected):
        problems.append(Problem(None, "a candidate is elected twice", None, result.elected))


class _Checker:
    """The checks of one single-pass result (see the module docstring)."""

    def __init__(self, result: CountResult, election: Election, problems: list[Problem]) -> None:
        self.result = result
        self.election = election
        self.problems = problems
        self.family = method_family(result.method)
        if any(getattr(r, "sections", None) for r in result.rounds):
            self.family = "weighted"
        self.withdrawn = {c.name for c in election.candidates if c.excluded}

    def add(
        self, stage: int | None, what: str, expected: object = None, found: object = None
    ) -> None:
        self.problems.append(Problem(stage, what, expected, found))

    def run(self) -> None:
        if not self._belongs():
            return
        if not self.result.rounds:
            self.add(None, "the result has no stages")
            return
        self._numbering()
        if self.family != "weighted":
            self._first_stage()
            if self.family != "block":
                self._conservation()
                self._transfers()
        self._exclusions_final()
        self._elections()
        self._threshold()
        self._fixed_point()
        self._tie_breaks()

    # ------------------------------------------------------------------ 1. the ballots

    def _belongs(self) -> bool:
        result, election = self.result, self.election
        if list(result.candidates) != election.names:
            self.add(
                None,
                "the result's candidates are not the ballot file's",
                election.names,
                list(result.candidates),
            )
            return False
        if self.family != "weighted":
            total = Fraction(election.total_weight())
            if result.total_ballots != total:
                self.add(
                    None, "total ballots differ from the ballot file", total, result.total_ballots
                )
        known = set(result.candidates)
        for rnd in result.rounds:
            for name in rnd.tally:
                if name not in known:
                    self.add(rnd.number, f"{name!r} is in the tally but not a candidate")
                elif name in self.withdrawn:
                    self.add(rnd.number, f"{name} withdrew before the count but is in the tally")
        return True

    def _numbering(self) -> None:
        for i, rnd in enumerate(self.result.rounds, start=1):
            if rnd.number != i:
                self.add(rnd.number, "stages are not numbered 1, 2, 3, …", i, rnd.number)

    # ------------------------------------------------------------------ 2. first stage

    def _first_stage(self) -> None:
        first = self.result.rounds[0]
        reader: Callable[[], _FirstStage] = {
            "rctab": lambda: _rctab_first(self.election, self.result.options),
            "fptp": lambda: _fptp_first(self.election),
            "block": lambda: _block_first(self.election, self.result),
        }.get(self.family, lambda: _stv_first(self.election, self.result))
        try:
            expected = reader()
        except ValueError as exc:
            self.add(1, f"the ballots cannot be read as this rule reads them ({exc})")
            return
        for name in self.result.candidates:
            want = expected.tally.get(name)
            got = first.tally.get(name)
            if want is None and got is None:
                continue
            if want != got:
                self.add(1, f"first preferences of {name} recomputed from the ballots", want, got)
        if expected.inactive is not None:
            for cause, want in expected.inactive.items():
                got = first.inactive.get(cause, Fraction(0))
                if got != want:
                    self.add(
                        1, f"inactive ballots ({cause}) recomputed from the ballots", want, got
                    )
        if expected.blank is not None and self.result.undervotes != expected.blank:
            self.add(
                None,
                "blank ballots recomputed from the ballots",
                expected.blank,
                self.result.undervotes,
            )

    # ------------------------------------------------------------------ 3. conservation

    def _conservation(self) -> None:
        result = self.result
        for rnd in result.rounds:
            counted = rnd.active + rnd.inactive_total + rnd.residual_surplus + result.undervotes
            if counted != result.total_ballots:
                self.add(
                    rnd.number,
                    "value not conserved (votes + non-transferable + loss by fractions "
                    "+ blank ballots)",
                    result.total_ballots,
                    counted,
                )

    # ------------------------------------------------------------------ 4. transfers

    def _transfers(self) -> None:
        rounds = self.result.rounds
        for rnd, nxt in zip(rounds, rounds[1:], strict=False):
            received: dict[str, Fraction] = {}
            movers: dict[str, Fraction] = {}
            for action in rnd.actions:
                if not action.transfers:
                    continue
                sent = sum(action.transfers.values(), Fraction(0))
                movers[action.candidate] = movers.get(action.candidate, Fraction(0)) + sent
                for key, value in action.transfers.items():
                    received[key] = received.get(key, Fraction(0)) + value
            for name, sent in movers.items():
                held = rnd.tally.get(name)
                if held is None:
                    self.add(rnd.number, f"{name} transfers votes but is not in the count")
                    continue
                left = held - nxt.tally.get(name, Fraction(0)) + received.get(name, Fraction(0))
                if left != sent:
                    self.add(
                        rnd.number,
                        f"transfers from {name} do not add up to what left {name}",
                        left,
                        sent,
                    )
            for name in self.result.candidates:
                if name in movers or (name not in rnd.tally and name not in nxt.tally):
                    continue
                gained = nxt.tally.get(name, Fraction(0)) - rnd.tally.get(name, Fraction(0))
                if gained != received.get(name, Fraction(0)):
                    self.add(
                        nxt.number,
                        f"{name}'s votes changed by other than the transfers to them",
                        received.get(name, Fraction(0)),
                        gained,
                    )
            dead = nxt.inactive_total - rnd.inactive_total
            if dead != received.get(EXHAUSTED, Fraction(0)):
                self.add(
                    nxt.number,
                    "non-transferable papers grew by other than the transfers to them",
                    received.get(EXHAUSTED, Fraction(0)),
                    dead,
                )
            lost = nxt.residual_surplus - rnd.residual_surplus
            if lost != received.get(RESIDUAL_SURPLUS, Fraction(0)):
                self.add(
                    nxt.number,
                    "loss by fractions grew by other than the transfers to it",
                    received.get(RESIDUAL_SURPLUS, Fraction(0)),
                    lost,
                )
            strangers = [
                k for k in received if k not in rnd.tally and k not in (EXHAUSTED, RESIDUAL_SURPLUS)
            ]
            for key in strangers:
                self.add(rnd.number, f"transfer to {key!r}, who is not in the count")

    # ------------------------------------------------------------------ 6. exclusions

    def _exclusions_final(self) -> None:
        out: dict[str, int] = {}  # candidate -> stage at whose end they left the count
        elected: set[str] = set()
        previous: Round | None = None
        for rnd in self.result.rounds:
            for name, stage in out.items():
                if name in rnd.tally:
                    self.add(rnd.number, f"{name}, excluded at stage {stage}, is back in the tally")
            if previous is not None and self.family in ("stv", "rctab"):
                expected = [n for n in previous.tally if n not in out]
                missing = [n for n in expected if n not in rnd.tally]
                if missing:
                    self.add(
                        rnd.number,
                        "continuing candidates missing from the tally",
                        None,
                        ", ".join(missing),
                    )
            for action in rnd.actions:
                name = action.candidate
                if name in out:
                    self.add(
                        rnd.number, f"{name}, excluded at stage {out[name]}, is {action.kind} again"
                    )
                for key in action.transfers:
                    if key in out:
                        self.add(
                            rnd.number, f"{key}, excluded at stage {out[key]}, receives a transfer"
                        )
                if action.kind in _EXCLUDING:
                    if name in elected:
                        self.add(rnd.number, f"{name} is {action.kind} after being elected")
                    out.setdefault(name, rnd.number)
                elif action.kind == "elected":
                    elected.add(name)
            previous = rnd

    # ------------------------------------------------------------------ 5. elections

    def _elections(self) -> None:
        result = self.result
        by_actions: list[tuple[int, str]] = []
        unfilled = 0
        seen: dict[str, int] = {}
        for rnd in result.rounds:
            for action in rnd.actions:
                if action.kind in ("elected", "unfilled"):
                    name = action.candidate
                    if name in seen:
                        self.add(
                            rnd.number, f"{name} is elected again (first at stage {seen[name]})"
                        )
                        continue
                    seen[name] = rnd.number
                    if action.kind == "elected":
                        by_actions.append((rnd.number, name))
                    else:
                        unfilled += 1
                    if name not in rnd.tally and self.family != "weighted":
                        self.add(rnd.number, f"{name} is elected but not in the count")
        if len(set(result.elected)) != len(result.elected):
            self.add(None, "a candidate is listed twice in elected", None, result.elected)
        stage_of = {name: stage for stage, name in by_actions}
        if sorted(result.elected) != sorted(stage_of):
            self.add(
                None,
                "elected differs from the stages' elected decisions",
                [n for _, n in by_actions],
                result.elected,
            )
        else:
            stages = [stage_of[n] for n in result.elected]
            if stages != sorted(stages):
                self.add(
                    None,
                    "elected is not in order of election",
                    [n for _, n in by_actions],
                    result.elected,
                )
        filled = len(result.elected) + unfilled
        if result.seats and len(result.elected) > result.seats:
            self.add(None, "more candidates elected than seats", result.seats, len(result.elected))
        elif result.seats and filled < result.seats and not self._short_explained():
            self.add(
                None,
                "fewer elected than seats, and no note says why",
                result.seats,
                len(result.elected),
            )

    def _short_explained(self) -> bool:
        """A count may fill fewer seats than it has if it says why (or it obviously ran out)."""
        standing = len(self.result.candidates) - len(self.withdrawn)
        if standing < self.result.seats:
            return True
        if self.result.options.get("stop_after_round") is not None:
            return True
        notes = " ".join(self.result.notes).lower()
        return any(word in notes for word in _SHORT_REASONS)

    # ------------------------------------------------------------------ 7. threshold

    def _threshold(self) -> None:
        result = self.result
        method = result.method
        fixed = method in FIXED_QUOTA_METHODS
        if method == "irv" and result.options.get("first_round_determines_threshold") is True:
            fixed = True
        quota_option = result.options.get("quota_fixed")
        if isinstance(quota_option, bool):
            fixed = quota_option
        if self.family == "stv":
            for rnd in result.rounds:
                if rnd.threshold is None:
                    self.add(rnd.number, "no quota recorded for the stage")
            last = result.rounds[-1]
            for action in last.actions:
                if action.transfers:
                    self.add(last.number, f"{action.kind} of {action.candidate} transfers "
                             "votes at the last stage, into no stage")  # fmt: skip
        if method in FIXED_ONCE_ELECTED_METHODS:
            self._quota_until_elected()
        if not fixed:
            return
        first = result.rounds[0].threshold
        for rnd in result.rounds[1:]:
            if rnd.threshold != first:
                self.add(
                    rnd.number,
                    "the quota changed, but this rule fixes it at the first stage",
                    first,
                    rnd.threshold,
                )

    def _quota_until_elected(self) -> None:
        """ERS97 5.4.8: the quota may fall before anyone is elected, never rise, then stays."""
        previous: Round | None = None
        anyone_elected = False
        for rnd in self.result.rounds:
            if previous is not None and previous.threshold is not None:
                if rnd.threshold is None:
                    pass
                elif anyone_elected and rnd.threshold != previous.threshold:
                    self.add(rnd.number, "the quota changed after a candidate was elected",
                             previous.threshold, rnd.threshold)  # fmt: skip
                elif rnd.threshold > previous.threshold:
                    self.add(rnd.number, "the quota rose", previous.threshold, rnd.threshold)
            anyone_elected = anyone_elected or any(
                a.kind in ("elected", "unfilled") for a in rnd.actions
            )
            previous = rnd

    # ------------------------------------------------------------------ 8. details

    def _fixed_point(self) -> None:
        places = self.result.decimal_places
        if self.result.method not in FIXED_POINT_METHODS or places is None:
            return
        unit = 10**places
        for rnd in self.result.rounds:
            values = [("tally of " + n, v) for n, v in rnd.tally.items()]
            values += [(f"inactive ({k})", v) for k, v in rnd.inactive.items()]
            values.append(("loss by fractions", rnd.residual_surplus))
            for action in rnd.actions:
                values += [
                    (f"transfer from {action.candidate} to {k}", v)
                    for k, v in action.transfers.items()
                ]
            for label, value in values:
                if (value * unit).denominator != 1:
                    self.add(
                        rnd.number,
                        f"{label} is not a whole number of {_show(Fraction(1, unit))} units",
                        None,
                        value,
                    )

    def _tie_breaks(self) -> None:
        for rnd in self.result.rounds:
            for tie in rnd.tie_breaks:
                if tie.chosen not in tie.tied:
                    self.add(
                        rnd.number,
                        f"tie-break chose {tie.chosen}, who was not tied",
                        list(tie.tied),
                        tie.chosen,
                    )


# --------------------------------------------------------------------------- first stages


@dataclass(slots=True)
class _FirstStage:
    """What the first stage must show: tallies, inactive by cause and blank ballots
    (``None``: not checked for this family)."""

    tally: dict[str, Fraction]
    inactive: dict[str, Fraction] | None = None
    blank: Fraction | None = None


def _module_helper(method: str) -> Callable[..., Mapping[str, Fraction]] | None:
    """The method module's ``first_preferences`` helper, if it has one."""
    from selectorate.counting import registry

    try:
        function = registry.get(method).function
    except (KeyError, ImportError):
        return None
    module = sys.modules.get(function.__module__)
    helper = getattr(module, "first_preferences", None)
    return helper if callable(helper) else None


def _stv_first(election: Election, result: CountResult) -> _FirstStage:
    """First preferences as the STV contract reads a ballot (see the module docstring).

    Candidates the rulebook options exclude at the start of stage 1 (a withdrawal
    "1:Name", a group minimum that leaves the others no seat) are passed over
    like candidates withdrawn before the count.
    """
    helper = _module_helper(result.method)
    if helper is not None:
        return _FirstStage({k: Fraction(v) for k, v in helper(election).items()})
    cands = election.candidates
    options = recount_options(result.options)
    rules = CountRules(
        result.seats,
        tuple(options.get("minimums", ())),  # type: ignore[arg-type]
        options.get("withdrawals") or {},  # type: ignore[arg-type]
    )
    before = rules.forced_exclusions(1, [], [c.name for c in cands if not c.excluded])
    forced = {name for name, _ in before}  # withdrawn or excluded by the rulebook at stage 1
    standing = [not c.excluded and c.name not in forced for c in cands]
    votes = [Fraction(0)] * len(cands)
    for ballot in election.ballots:
        for rank in ballot.rankings:
            if not rank:
                continue
            if OVERVOTE in rank:
                break
            live = [i for i in dict.fromkeys(rank) if standing[i]]
            if not live:
                continue
            share = Fraction(ballot.weight) / len(live)
            for i in live:
                votes[i] += share
            break
    return _FirstStage({c.name: votes[i] for i, c in enumerate(cands) if standing[i]})


def _rctab_first(election: Election, options: Mapping[str, object]) -> _FirstStage:
    """Round 1 as RCTab reads ballots (``Tabulator``/``CastVoteRecord``): every
    not-excluded candidate is continuing; marks are read rank by rank."""
    rule = options.get("overvote_rule", "exhaustImmediately")
    limit = options.get("max_skipped_ranks", 1)
    duplicates = options.get("exhaust_on_duplicate", False) is True
    cands = election.candidates
    continuing = [not c.excluded for c in cands]
    votes = [Fraction(0)] * len(cands)
    inactive = dict.fromkeys(INACTIVE_CAUSES, Fraction(0))
    blank = Fraction(0)
    for ballot in election.ballots:
        weight = Fraction(ballot.weight)
        if ballot.is_blank():
            blank += weight
            continue
        cause = "exhaustedChoices"
        last = 0
        seen: set[int] = set()
        for position, marks in enumerate(ballot.rankings, start=1):
            if not marks:
                continue
            if isinstance(limit, int) and position - last - 1 > limit:
                cause = "skippedRankings"
                break
            last = position
            if duplicates:
                if any(m in seen for m in marks):
                    cause = "repeatedRankings"
                    break
                seen.update(marks)
            if len(marks) > 1 or marks == (OVERVOTE,):
                if rule == "exhaustImmediately":
                    cause = "overvotes"
                    break
                if rule == "alwaysSkipToNextRank" or marks == (OVERVOTE,):
                    continue
                live = [m for m in marks if continuing[m]]
                if len(live) > 1:
                    cause = "overvotes"
                    break
                if live:
                    cause = ""
                    votes[live[0]] += weight
                    break
                continue
            if continuing[marks[0]]:
                cause = ""
                votes[marks[0]] += weight
                break
        if cause:
            inactive[cause] += weight
    tally = {c.name: votes[i] for i, c in enumerate(cands) if continuing[i]}
    return _FirstStage(tally, inactive, blank)


def _fptp_first(election: Election) -> _FirstStage:
    """First past the post: the first marked rank is the vote (see :mod:`.fptp`)."""
    cands = election.candidates
    votes = {c.name: Fraction(0) for c in cands if not c.excluded}
    inactive = dict.fromkeys(INACTIVE_CAUSES, Fraction(0))
    blank = Fraction(0)
    for ballot in election.ballots:
        weight = Fraction(ballot.weight)
        first = next((rank for rank in ballot.rankings if rank), None)
        if first is None:
            blank += weight
        elif OVERVOTE in first or len(set(first)) > 1:
            inactive["overvotes"] += weight
        elif cands[first[0]].excluded:
            inactive["exhaustedChoices"] += weight
        else:
            votes[cands[first[0]].name] += weight
    return _FirstStage(votes, inactive, blank)


def _block_first(election: Election, result: CountResult) -> _FirstStage:
    """Block vote: each distinct candidate marked gets the ballot's weight (:mod:`.block_vote`)."""
    seats = result.seats
    truncate = result.options.get("truncate") is True
    cands = election.candidates
    votes = {c.name: Fraction(0) for c in cands if not c.excluded}
    inactive = dict.fromkeys(INACTIVE_CAUSES, Fraction(0))
    blank = Fraction(0)
    for ballot in election.ballots:
        weight = Fraction(ballot.weight)
        if ballot.is_blank():
            blank += weight
            continue
        ranks = ballot.rankings[:seats] if truncate else ballot.rankings
        marks = {i for rank in ranks for i in rank}
        if not marks:
            inactive["skippedRankings"] += weight
        elif OVERVOTE in marks or len(marks) > seats:
            inactive["overvotes"] += weight
        else:
            valid = [i for i in marks if not cands[i].excluded]
            if not valid:
                inactive["exhaustedChoices"] += weight
            for i in valid:
                votes[cands[i].name] += weight
    return _FirstStage(votes, inactive, blank)
