"""Parcels of papers for weighted inclusive Gregory counts, in fixed-point units.

The bookkeeping shared by :mod:`selectorate.counting.scottish_stv` (SSI 2007/42)
and :mod:`selectorate.counting.wigm` (PR Foundation reference WIGM). The rule
modules decide *what* happens at each stage (quota, which surplus, who is
excluded, how ties are broken); this module only moves papers, keeps the
stage-by-stage record and builds the :class:`CountResult`.

Arithmetic: every value is an integer number of units of ``10**-places``
(a paper worth 1 is ``10**places`` units). Identical ballots are merged into one
*group*: identical papers always travel together, so a group keeps a single
position and value for the whole count. A candidate's papers are kept in
parcels keyed by the value of a paper, so a transfer value is computed once per
parcel, and a candidate's vote is the integer sum ``value × papers`` over their
parcels. Only with fractional ballot weights (a card vote) do totals become
:class:`~fractions.Fraction` values; the rules' truncations then apply to paper
values, never to the weights.

Ballots: a skipped rank ``()`` is passed over ("no preference at this rank, go
on"); a rank holding several candidates (an equal ranking or an overvote) is not
a valid preference under either rule and raises :class:`ValueError` naming the
ballot; a candidate named twice is harmless (the paper only ever moves forward,
past candidates who are no longer continuing). A ballot with no mark at all is
blank: it is not a valid paper and is reported in ``CountResult.undervotes``.
A paper whose only preferences are for candidates withdrawn before the count is
valid and non-transferable from the first stage.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from fractions import Fraction

from selectorate.ballots import Election, Weight
from selectorate.counting.result import (
    EXHAUSTED,
    RESIDUAL_SURPLUS,
    Action,
    ActionKind,
    CountResult,
    Round,
    TieBreak,
)
from selectorate.counting.stv_rules import StvOptions, apply_ron, ballot_with, draw_lot

__all__ = ["CONTINUING", "ELECTED", "EXCLUDED", "GregoryCount", "units_text"]

CONTINUING, ELECTED, EXCLUDED = 0, 1, 2

#: A vote in units of ``10**-places``: an int, or a Fraction when ballot weights are fractional.
Units = int | Fraction


def units_text(value: Units, places: int) -> str:
    """``value`` units of ``10**-places`` as a decimal string with ``places`` places.

    A fractional number of units (fractional ballot weights) is shown exactly,
    as a fraction.
    """
    scale = 10**places
    if isinstance(value, Fraction):
        if value.denominator != 1:
            return str(value / scale)
        value = int(value)
    sign = "-" if value < 0 else ""
    whole, rest = divmod(abs(value), scale)
    return f"{sign}{whole}.{rest:0{places}d}" if places else f"{sign}{whole}"


def _group_ballots(
    election: Election, method: str
) -> tuple[list[tuple[int, ...]], list[Weight], Weight]:
    """Merge identical ballots; return (preferences, weights, blank weight).

    Works on any ``Sequence[Ballot]`` (it only iterates); a
    :class:`~selectorate.ballots.packed.PackedBallots` is grouped from its arrays.
    Each group's preferences are the candidate indices in rank order, skipped
    ranks dropped.
    """
    packed = _packed_groups(election)
    if packed is not None:
        return packed
    merged: dict[tuple[tuple[int, ...], ...], Weight] = {}
    get = merged.get
    for b in election.ballots:
        r = b.rankings
        merged[r] = get(r, 0) + b.weight
    ncand = len(election.candidates)
    prefs: list[tuple[int, ...]] = []
    weights: list[Weight] = []
    blank: Weight = 0
    for rankings, weight in merged.items():
        flat: list[int] = []
        for rank in rankings:
            if len(rank) == 1 and 0 <= rank[0] < ncand:
                flat.append(rank[0])
            elif rank:
                _bad_ballot(election, rankings, rank, method)
        if weight < 0:
            _bad_ballot(election, rankings, (), method, "has a negative weight")
        if not flat:
            blank += weight
        elif weight:
            prefs.append(tuple(flat))
            weights.append(weight)
    return prefs, weights, blank


def _packed_groups(
    election: Election,
) -> tuple[list[tuple[int, ...]], list[Weight], Weight] | None:
    """:func:`_group_ballots` for packed ballots, from their arrays; None if not packed.

    The packed form holds only one candidate per rank and whole weights, so
    nothing needs checking but the candidate numbers and the signs of weights.
    """
    module = sys.modules.get("selectorate.ballots.packed")  # never import numpy ourselves
    ballots = election.ballots
    if module is None or not isinstance(ballots, module.PackedBallots):
        return None
    marks_array, weights_array = ballots.marks, ballots.weights
    if marks_array.size and int(marks_array.max()) >= len(election.candidates):
        return None  # the general path names the offending ballot
    if weights_array.size and int(weights_array.min()) < 0:
        return None
    marks = marks_array.tolist()
    offsets = ballots.offsets.tolist()
    keys = [tuple(marks[a:b]) for a, b in zip(offsets, offsets[1:], strict=False)]
    merged: dict[tuple[int, ...], Weight]
    if not weights_array.size or (int(weights_array.min()) == int(weights_array.max()) == 1):
        merged = dict(Counter(keys))
    else:
        merged = {}
        get = merged.get
        for key, weight in zip(keys, weights_array.tolist(), strict=True):
            merged[key] = get(key, 0) + weight
    blank: Weight = merged.pop((), 0)
    prefs = [k for k, w in merged.items() if w]
    weights = [w for w in merged.values() if w]
    return prefs, weights, blank


def _bad_ballot(
    election: Election,
    rankings: tuple[tuple[int, ...], ...],
    rank: tuple[int, ...],
    method: str,
    problem: str = "",
) -> None:
    """Raise ValueError naming the first ballot with ``rankings`` and what is wrong with it."""
    if not problem:
        if any(0 <= i < len(election.candidates) for i in rank) and len(rank) > 1:
            problem = (
                f"ranks several candidates at one preference ({len(rank)} marks); "
                f"{method} accepts one candidate per preference"
            )
        else:
            problem = f"has an overvote or an unknown candidate at one preference {rank!r}"
    raise ValueError(f"{ballot_with(election, rankings)} {problem}")


class GregoryCount:
    """The state of a weighted inclusive Gregory count, stage by stage.

    A rule module creates one with the contract options checked by
    :func:`~selectorate.counting.stv_rules.stv_options` (they are what the
    result records as its options), calls :meth:`begin` with the quota, then for
    each stage one of :meth:`transfer_surplus` / :meth:`exclude` followed by
    :meth:`next_stage`, electing with :meth:`elect`, and finally :meth:`result`.
    """

    def __init__(self, election: Election, *, method: str, places: int, opts: StvOptions) -> None:
        self.election = election
        self.method = method
        self.places = places
        self.scale = 10**places
        self.names = election.names
        self.n = len(self.names)
        self.seats = opts.seats
        self.seed = opts.seed
        self.ron = opts.ron
        self.rules = opts.rules
        self.lot_order = None if opts.lot_order is None else list(opts.lot_order)
        self.options = opts.record

        self.state = [EXCLUDED if c.excluded else CONTINUING for c in election.candidates]
        self.cont = [s == CONTINUING for s in self.state]
        self.prefs, self.weight, self.blank = _group_ballots(election, method)
        self.valid: Weight = sum(self.weight, 0)
        self.pos = [-1] * len(self.prefs)
        self.parcels: list[dict[Units, list[int]]] = [{} for _ in range(self.n)]
        self.votes: list[Units] = [0] * self.n
        self.quota: Units = 0
        self.exhausted: Units = 0
        self.residual: Units = 0
        self.rounds: list[Round] = []
        self.history: list[list[Units]] = []  # votes at the end of each stage
        self.elected: list[int] = []
        self.notes: list[str] = opts.notes()
        self.used_withdrawals: set[int] = set()

    # ------------------------------------------------------------------ state

    @property
    def stage(self) -> int:
        """The number of the current (last recorded) stage."""
        return len(self.rounds)

    @property
    def current(self) -> Round:
        """The round of the current stage."""
        return self.rounds[-1]

    def continuing(self) -> list[int]:
        """Continuing candidates (neither elected nor excluded), in candidate order."""
        return [i for i, s in enumerate(self.state) if s == CONTINUING]

    def lowest(self) -> list[int]:
        """The continuing candidates with the fewest votes (several when tied)."""
        cont = self.continuing()
        low = min(self.votes[c] for c in cont)
        return [c for c in cont if self.votes[c] == low]

    def highest(self, cands: Sequence[int]) -> list[int]:
        """Those of ``cands`` with the most votes (several when tied)."""
        top = max(self.votes[c] for c in cands)
        return [c for c in cands if self.votes[c] == top]

    def vacancies(self) -> int:
        """Seats not yet filled."""
        return self.seats - len(self.elected)

    def text(self, value: Units) -> str:
        """A value in units, as the sheet prints it."""
        return units_text(value, self.places)

    # ------------------------------------------------------------------ stages

    def begin(self, quota: Units) -> None:
        """Fix the quota, apply withdrawals before stage 1, sort first preferences: stage 1."""
        self.quota = quota
        forced = self.forced_exclusions(1)
        for c, reason in forced:
            self._set_state(c, EXCLUDED)
            self.notes.append(f"Stage 1: {self.names[c]} excluded before the count: {reason}")
        cont, prefs, weight, pos = self.cont, self.prefs, self.weight, self.pos
        scale = self.scale
        piles: list[list[int]] = [[] for _ in range(self.n)]
        exhausted: Weight = 0
        if all(cont):  # nobody withdrawn: every paper is with its first preference
            for g, pr in enumerate(prefs):
                piles[pr[0]].append(g)
            self.pos = [0] * len(prefs)
        else:
            for g, pr in enumerate(prefs):
                for p, c in enumerate(pr):
                    if cont[c]:
                        pos[g] = p
                        piles[c].append(g)
                        break
                else:
                    pos[g] = len(pr)
                    exhausted += weight[g]
        for c in range(self.n):
            pile = piles[c]
            if pile:
                self.parcels[c][scale] = pile
                self.votes[c] = sum(map(weight.__getitem__, pile)) * scale
        self.exhausted = exhausted * scale
        self.next_stage()

    def next_stage(self) -> None:
        """Record the totals now standing as a new stage."""
        scale = self.scale
        tally = {
            self.names[c]: Fraction(self.votes[c], scale)
            for c in range(self.n)
            if self.state[c] != EXCLUDED
        }
        self.rounds.append(
            Round(
                number=len(self.rounds) + 1,
                tally=tally,
                threshold=Fraction(self.quota, scale),
                inactive={"exhaustedChoices": Fraction(self.exhausted, scale)},
                residual_surplus=Fraction(self.residual, scale),
            )
        )
        self.history.append(list(self.votes))

    def _set_state(self, c: int, state: int) -> None:
        self.state[c] = state
        self.cont[c] = state == CONTINUING

    def elect(self, c: int) -> None:
        """Declare ``c`` elected at the current stage."""
        self._set_state(c, ELECTED)
        self.elected.append(c)
        self.current.actions.append(Action("elected", self.names[c]))

    def _move(self, c: int, revalue: Callable[[Units], Units] | None) -> tuple[list[Units], Units]:
        """Move every paper of ``c`` to its next continuing preference.

        ``revalue`` maps a paper's present value to its transfer value (``None``:
        papers keep their value). Returns the value credited to each candidate
        and the value of the papers that had no further continuing preference.
        Papers that would be worth nothing are dropped (they can never count).
        """
        parcels = self.parcels[c]
        self.parcels[c] = {}
        n = self.n
        cont, prefs, pos, weight = self.cont, self.prefs, self.pos, self.weight
        papers = weight.__getitem__
        gains: list[Units] = [0] * n
        exhausted: Units = 0
        for value, groups in parcels.items():
            new = value if revalue is None else revalue(value)
            if not new:
                continue
            moved: list[list[int]] = [[] for _ in range(n)]
            lost: list[int] = []
            for g in groups:
                pr = prefs[g]
                p = pos[g] + 1
                end = len(pr)
                while p < end:
                    r = pr[p]
                    if cont[r]:
                        pos[g] = p
                        moved[r].append(g)
                        break
                    p += 1
                else:
                    pos[g] = end
                    lost.append(g)
            if lost:
                exhausted += new * sum(map(papers, lost))
            for r in range(n):
                got = moved[r]
                if got:
                    gains[r] += new * sum(map(papers, got))
                    dest = self.parcels[r]
                    have = dest.get(new)
                    if have is None:
                        dest[new] = got
                    else:
                        have.extend(got)
        return gains, exhausted

    def _credit(self, gains: list[Units], exhausted: Units) -> dict[str, Fraction]:
        """Add ``gains`` to the candidates; the transfers dict of the action."""
        scale = self.scale
        transfers: dict[str, Fraction] = {}
        for r, g in enumerate(gains):
            if g:
                self.votes[r] += g
                transfers[self.names[r]] = Fraction(g, scale)
        self.exhausted += exhausted
        if exhausted:
            transfers[EXHAUSTED] = Fraction(exhausted, scale)
        return transfers

    def transfer_surplus(self, c: int, revalue: Callable[[Units], Units]) -> None:
        """Transfer the surplus of elected ``c``: every paper at ``revalue(value)``.

        ``c`` is left on the quota; what the transfer values do not carry on is
        booked as non-transferable (papers with no next preference, at their
        transfer value) and loss by fractions (the rest).
        """
        surplus = self.votes[c] - self.quota
        gains, exhausted = self._move(c, revalue)
        transfers = self._credit(gains, exhausted)
        lost = surplus - sum(gains) - exhausted
        if lost < 0:  # pragma: no cover - a rule's transfer values never exceed the surplus
            raise AssertionError(f"surplus of {self.names[c]} over-transferred by {-lost}")
        self.residual += lost
        if lost:
            transfers[RESIDUAL_SURPLUS] = Fraction(lost, self.scale)
        self.votes[c] = self.quota
        self.current.actions.append(Action("surplus", self.names[c], transfers))

    def exclude(
        self, cands: Sequence[int], kind: ActionKind = "eliminated", *, transfer: bool = True
    ) -> None:
        """Exclude ``cands`` together: each paper moves on at its present value.

        All are marked excluded before any paper moves, so no paper passes from
        one of them to another. One action per candidate. ``transfer=False``
        (the count ends with this exclusion) leaves the papers where they are.
        """
        for c in cands:
            self._set_state(c, EXCLUDED)
        if not transfer:
            self.current.actions.extend(Action(kind, self.names[c]) for c in cands)
            return
        for c in cands:
            gains, exhausted = self._move(c, None)
            transfers = self._credit(gains, exhausted)
            self.votes[c] = 0
            self.current.actions.append(Action(kind, self.names[c], transfers))

    # ------------------------------------------------------------------ rulebook additions

    def forced_exclusions(self, stage: int) -> list[tuple[int, str]]:
        """Candidates the rulebook (minimums, withdrawals) excludes at the start of ``stage``."""
        if not self.rules.minimums and not self.rules.withdrawals:
            return []
        cont = self.continuing()
        if stage in self.rules.withdrawals:
            self.used_withdrawals.add(stage)
            for name in self.rules.withdrawals[stage]:
                if name not in {self.names[c] for c in cont}:
                    self.notes.append(
                        f"Stage {stage}: {name} withdrew, but was no longer a continuing "
                        "candidate: no effect."
                    )
        found = self.rules.forced_exclusions(
            stage, [self.names[c] for c in self.elected], [self.names[c] for c in cont]
        )
        index = {self.names[c]: c for c in cont}
        return [(index[name], reason) for name, reason in found]

    def exclude_forced(self, forced: list[tuple[int, str]]) -> None:
        """Exclude the rulebook's forced exclusions at the end of the current stage."""
        stage = self.stage + 1
        for c, reason in forced:
            self.notes.append(f"Stage {stage}: {self.names[c]} excluded: {reason}")
        self.exclude([c for c, _ in forced], kind="excluded")

    # ------------------------------------------------------------------ ties

    def lot(self, tied: Sequence[int], purpose: str) -> tuple[int, TieBreak]:
        """Choose one of ``tied`` by lot: the ``lot_order`` given, else :func:`draw_lot`.

        Without either, raise the contract's ValueError asking for a seed.
        """
        names = [self.names[c] for c in tied]
        order = self.lot_order
        if order is not None:
            chosen = min(tied, key=lambda c: order.index(self.names[c]))
            tb = TieBreak(
                purpose=purpose,
                tied=tuple(names),
                chosen=self.names[chosen],
                method="lot",
                detail="order of a lot drawn beforehand: " + ", ".join(order),
            )
            return chosen, tb
        if self.seed is None:
            raise ValueError(
                f"tie at stage {self.stage} between {', '.join(names)} needs a lot: give --seed"
            )
        tb = draw_lot(self.seed, purpose, self.stage, names)
        index = {self.names[c]: c for c in tied}
        return index[tb.chosen], tb

    def record_tie(self, tb: TieBreak) -> None:
        """Put a tie-break on the current stage's record."""
        self.current.tie_breaks.append(tb)

    # ------------------------------------------------------------------ result

    def result(self) -> CountResult:
        """The finished count as a :class:`CountResult` (RON applied)."""
        unused = sorted(set(self.rules.withdrawals) - self.used_withdrawals)
        for stage in unused:
            who = ", ".join(self.rules.withdrawals[stage])
            self.notes.append(
                f"Withdrawal of {who} before stage {stage} not applied: "
                f"the count ended at stage {self.stage}."
            )
        total = self.valid + self.blank
        res = CountResult(
            method=self.method,
            candidates=list(self.names),
            seats=self.seats,
            elected=[self.names[c] for c in self.elected],
            rounds=self.rounds,
            total_ballots=Fraction(total),
            undervotes=Fraction(self.blank),
            title=self.election.title,
            decimal_places=self.places,
            options=self.options,
            notes=self.notes,
        )
        if self.ron is not None:
            apply_ron(res, self.ron)
        return res
