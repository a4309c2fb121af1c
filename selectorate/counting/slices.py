"""Per-precinct and per-batch ("slice") round tallies of an RCTab count.

RCTab (github.com/BrightSpots/rcv) can write, next to the contest's detailed
report, one report per precinct (``outputSettings.tabulateByPrecinct``) and
per batch (``tabulateByBatch``). Read in its ``Tabulator.java``
(``computeTalliesForRound``, ``recordSelectionForCastVoteRecord``,
``incrementTallies``, ``updateWinnerTallies``, ``setWinningThreshold``) and
checked against the expected files of its regression suite, a slice report is
**not** a separate count:

* the decisions are the full contest's: who is elected or eliminated in which
  round, the thresholds (each slice round carries the contest's threshold) and
  the tie-breaks ("Elect/Eliminate decisions are from the full contest");
* every number is the contest's count restricted to the slice's ballots: each
  round, a candidate's slice tally is the sum of the current values of the
  slice's ballots that count for that candidate, and each inactive cause sums
  the slice's inactive ballots; the slice's transfers are its ballots' moves;
* a past winner's slice tally (multi-winner counts) is what the slice's ballots
  kept for that winner, **without** the contest's residual-surplus adjustment
  (RCTab caps only the contest total at the threshold), and the slice reports
  have no residual surplus;
* the total and the undervotes are the slice's ballots and blank ballots;
* numbers carry the scale RCTab's ``BigDecimal`` sums would (``1`` versus
  ``1.0000``): a slice value has ``decimal_places`` exactly when one of the
  slice's ballots behind it does.

Every ballot must name the slice (RCTab stops the count, "is not among the
known precincts", when one does not): :class:`SliceError` otherwise.

How it is computed: :func:`count_with_slices` runs the ordinary count through
the registry with an observer (:data:`~selectorate.counting.rctab_engine.
ROUND_OBSERVER`) that receives, after every round, where each distinct ranking
stands; the slice tallies are that state weighted by the number of the slice's
ballots holding each ranking. So the slice reports follow, by construction, the
very count whose result is returned, and the slices of each round are checked
to add up to the contest's figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from selectorate.ballots import Election
from selectorate.counting import registry
from selectorate.counting.rctab_engine import (
    FINAL_ROUND_SURPLUS,
    ROUND_OBSERVER,
    RctabRound,
    RoundState,
)
from selectorate.counting.result import EXHAUSTED, INACTIVE_CAUSES, Action, CountResult

#: The slice kinds, as ``Ballot`` attributes and RCTab's lower-case slice names.
SLICE_KINDS = ("precinct", "batch")
#: The config flag (``outputSettings``) that asks for each kind.
SLICE_FLAGS = {"precinct": "tabulateByPrecinct", "batch": "tabulateByBatch"}

_STATUSES = 6  # 0 counting, 1..4 inactive causes, 5 final round surplus (engine codes)
_FINAL = 5


class SliceError(ValueError):
    """The ballots cannot be reported by slice (a ballot names no precinct or batch)."""


@dataclass(slots=True)
class SlicedCount:
    """A count and its slice reports.

    ``slices[kind][slice_id]`` is a :class:`CountResult` shaped like ``result``
    (one per pass of a multi-pass count, in its ``passes``); slice ids keep the
    order in which the ballots first name them.
    """

    result: CountResult
    slices: dict[str, dict[str, CountResult]] = field(default_factory=dict)


def count_with_slices(
    method: str,
    election: Election,
    options: Mapping[str, object],
    kinds: Sequence[str],
) -> SlicedCount:
    """Count ``election`` by ``method`` and tally every slice of each kind in ``kinds``.

    ``result`` is exactly what ``registry.count(method, election, **options)``
    returns. Raises :class:`SliceError` when a ballot names no slice of a
    requested kind, and :class:`ValueError` when ``method`` is not one of the
    RCTab-rule counts (only those have RCTab's slice reports).
    """
    plan = _Plan(election, kinds)
    recorder = _Recorder(plan)
    token = ROUND_OBSERVER.set(recorder)
    try:
        result = registry.count(method, election, **dict(options))
    finally:
        ROUND_OBSERVER.reset(token)
    passes = result.passes or [result]
    if not recorder.passes or len(recorder.passes) != len(passes):
        raise ValueError(
            f"method {method!r} is not an RCTab-rule count: it has no per-precinct or "
            "per-batch reports"
        )
    per_pass = [
        _assemble(plan, layout, records, overall)
        for (layout, records), overall in zip(recorder.passes, passes, strict=True)
    ]
    slices: dict[str, dict[str, CountResult]] = {}
    for kind in plan.kinds:
        slices[kind] = {}
        for s, sid in enumerate(plan.ids[kind]):
            results = [one[kind][s] for one in per_pass]
            if result.passes:
                slices[kind][sid] = _multi_pass(result, results)
            else:
                slices[kind][sid] = results[0]
    return SlicedCount(result, slices)


# --------------------------------------------------------------------------- the plan


class _Plan:
    """Which slice each ballot belongs to, for every requested kind."""

    def __init__(self, election: Election, kinds: Sequence[str]) -> None:
        unknown = [k for k in kinds if k not in SLICE_KINDS]
        if unknown:
            raise ValueError(f"unknown slice kind(s) {unknown}; known: {', '.join(SLICE_KINDS)}")
        if not kinds:
            raise ValueError("no slice kind asked for")
        self.election = election
        self.kinds = list(dict.fromkeys(kinds))
        self.ids: dict[str, list[str]] = {}
        self.member: dict[str, np.ndarray] = {}
        for kind in self.kinds:
            index: dict[str, int] = {}
            member = np.empty(len(election.ballots), dtype=np.int64)
            for i, ballot in enumerate(election.ballots):
                sid = getattr(ballot, kind)
                if sid is None or not str(sid).strip():
                    where = ballot.label or f"number {i + 1}"
                    raise SliceError(
                        f"ballot {where} names no {kind}, but reports by {kind} were asked "
                        f"for (outputSettings.{SLICE_FLAGS[kind]}); RCTab stops the count "
                        "in this case too"
                    )
                member[i] = index.setdefault(sid, len(index))
            self.ids[kind] = list(index)
            self.member[kind] = member


@dataclass(slots=True)
class _Layout:
    """How the slices' ballots spread over the count's rows (one pass)."""

    denominator: int
    unit: int
    names: list[str]
    #: per kind: (row, slice, scaled weight) of every (row, slice) pair holding ballots
    pairs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    totals: dict[str, list[int]]  # per kind, per slice: scaled weight of all its ballots
    blanks: dict[str, list[int]]  # per kind, per slice: scaled weight of its blank ballots


@dataclass(slots=True)
class _Record:
    """One round of one kind: every slice's figures (integers in atoms)."""

    number: int
    tally: np.ndarray  # [slices, candidates] atoms
    tally_fixed: np.ndarray  # [slices, candidates] bool
    status: np.ndarray  # [slices, statuses] atoms
    status_fixed: np.ndarray
    #: winner -> (atoms kept per slice, whether the slice holds any ballot for it)
    kept: dict[int, tuple[np.ndarray, np.ndarray]]
    #: per slice: (source, target or -1) -> [atoms, fixed] for ballots moved this round
    moves: list[dict[tuple[int, int], list]]


def _layout(plan: _Plan, state: RoundState) -> _Layout:
    row_of = {ranking: i for i, ranking in enumerate(state.rankings)}
    ballots = plan.election.ballots
    rows = np.fromiter(
        (row_of.get(b.rankings, -1) for b in ballots), dtype=np.int64, count=len(ballots)
    )
    for i in np.nonzero(rows < 0)[0]:
        if not ballots[int(i)].is_blank():  # cannot happen: every marked ranking is a row
            raise RuntimeError("a marked ballot is missing from the count's rows")
    weights = [Fraction(b.weight) * state.denominator for b in ballots]
    if any(w.denominator != 1 or w < 0 for w in weights):
        raise RuntimeError("ballot weights do not fit the count's denominator")
    scaled = [int(w) for w in weights]
    dtype = np.int64 if sum(scaled) < 2**40 else object
    w_arr = np.array(scaled, dtype=dtype)
    counted = rows >= 0
    pairs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    totals: dict[str, list[int]] = {}
    blanks: dict[str, list[int]] = {}
    for kind in plan.kinds:
        member = plan.member[kind]
        n = len(plan.ids[kind])
        keys = rows[counted] * n + member[counted]
        unique, inverse = np.unique(keys, return_inverse=True)
        pw = np.zeros(len(unique), dtype=dtype)
        np.add.at(pw, inverse, w_arr[counted])
        pairs[kind] = (unique // n, unique % n, pw)
        total = [0] * n
        blank = [0] * n
        for s, w, c in zip(member.tolist(), scaled, counted.tolist(), strict=True):
            total[s] += w
            if not c:
                blank[s] += w
        totals[kind] = total
        blanks[kind] = blank
    return _Layout(state.denominator, state.unit, list(state.names), pairs, totals, blanks)


class _Recorder:
    """The round observer: turns each round's state into per-slice figures."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self.passes: list[tuple[_Layout, dict[str, list[_Record]]]] = []
        self.previous: RoundState | None = None

    def __call__(self, state: RoundState) -> None:
        if state.number == 1:  # a new count (or a new pass of a multi-pass count)
            layout = _layout(self.plan, state)
            self.passes.append((layout, {kind: [] for kind in self.plan.kinds}))
            self.previous = None
        layout, records = self.passes[-1]
        previous = self.previous
        for kind in self.plan.kinds:
            records[kind].append(
                _record(state, previous, layout.pairs[kind], len(self.plan.ids[kind]))
            )
        self.previous = state


def _sum_by(keys: np.ndarray, amounts: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=amounts.dtype)
    np.add.at(out, keys, amounts)
    return out


def _any_by(keys: np.ndarray, flags: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(keys[flags], minlength=size) > 0


def _record(
    state: RoundState,
    previous: RoundState | None,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    n: int,
) -> _Record:
    pg, ps, pw = pairs
    ncand = len(state.names)
    new_winners = [w for w in state.kept if previous is None or w not in previous.kept]
    # The state is taken after the round's decisions: a winner's surplus has already
    # left the values of its ballots. The round's own tally is of the values before.
    value, fixed = state.value, state.fixed
    if new_winners:
        value, fixed = value.copy(), fixed.copy()
        for w in new_winners:
            held = (state.current == w) & (state.status == 0)
            value[held] += state.kept[w][held]
            fixed[held] = previous.fixed[held] if previous is not None else False
    value = value[pg]
    if value.dtype == object and pw.dtype != object:
        pw = pw.astype(object)
    amount = pw * value
    fixed = fixed[pg]
    status = state.status[pg].astype(np.int64)
    current = state.current[pg]

    active = status == 0
    key = ps[active] * ncand + current[active]
    tally = _sum_by(key, amount[active], n * ncand).reshape(n, ncand)
    tally_fixed = _any_by(key, fixed[active], n * ncand).reshape(n, ncand)
    key = ps * _STATUSES + status
    by_status = _sum_by(key, amount, n * _STATUSES).reshape(n, _STATUSES)
    status_fixed = _any_by(key, fixed, n * _STATUSES).reshape(n, _STATUSES)

    kept: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for w in new_winners:
        # The rows the winner held when elected are those still counting for them now.
        held = active & (current == w)
        share = pw[held] * state.kept[w][pg[held]]
        kept[w] = (_sum_by(ps[held], share, n), np.bincount(ps[held], minlength=n) > 0)

    moves: list[dict[tuple[int, int], list]] = [{} for _ in range(n)]
    if previous is not None:
        before_status = previous.status[pg]
        before = previous.current[pg]
        moved = (before_status == 0) & ((current != before) | ~active)
        moved_amount = pw * previous.value[pg]
        moved &= moved_amount > 0  # RCTab books only transfers of a positive value
        target = np.where(active, current, -1)
        before_fixed = previous.fixed[pg]
        for i in np.nonzero(moved)[0].tolist():
            entry = moves[int(ps[i])].setdefault((int(before[i]), int(target[i])), [0, False])
            entry[0] += int(moved_amount[i])
            entry[1] = entry[1] or bool(before_fixed[i])
    return _Record(state.number, tally, tally_fixed, by_status, status_fixed, kept, moves)


# --------------------------------------------------------------------------- results


def _assemble(
    plan: _Plan,
    layout: _Layout,
    records: dict[str, list[_Record]],
    overall: CountResult,
) -> dict[str, list[CountResult]]:
    """Slice results of one pass, per kind, in slice order."""
    places = int(overall.options.get("decimal_places", 4))  # type: ignore[call-overload]
    scale = layout.denominator * layout.unit
    index = {name: i for i, name in enumerate(layout.names)}
    elected_in = {
        a.candidate: rnd.number
        for rnd in overall.rounds
        for a in rnd.actions
        if a.kind == "elected"
    }
    if len(overall.rounds) != len(next(iter(records.values()))):
        raise RuntimeError("the slice records do not follow the count's rounds")
    out: dict[str, list[CountResult]] = {}
    for kind in plan.kinds:
        recs = records[kind]
        kept: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for rec in recs:
            kept.update(rec.kept)
        _check_sums(overall, recs, kept, elected_in, index, scale)
        results = []
        for s in range(len(plan.ids[kind])):
            rounds = []
            for i, rnd in enumerate(overall.rounds):
                rec = recs[i]
                nxt = recs[i + 1] if i + 1 < len(recs) else None
                rounds.append(
                    _slice_round(rnd, rec, nxt, s, kept, elected_in, index, scale, places)
                )
            results.append(
                CountResult(
                    method=overall.method,
                    candidates=list(overall.candidates),
                    seats=overall.seats,
                    elected=list(overall.elected),
                    rounds=rounds,  # type: ignore[arg-type]
                    total_ballots=Fraction(layout.totals[kind][s], layout.denominator),
                    undervotes=Fraction(layout.blanks[kind][s], layout.denominator),
                    title=overall.title,
                    decimal_places=overall.decimal_places,
                    options=dict(overall.options),
                    notes=[
                        f"{kind} {plan.ids[kind][s]}: the ballots of this {kind} only; "
                        "elect/eliminate decisions and thresholds are from the full contest"
                    ],
                )
            )
        out[kind] = results
    return out


def _is_past_winner(name: str, number: int, elected_in: Mapping[str, int]) -> bool:
    won = elected_in.get(name)
    return won is not None and won < number


def _slice_round(
    rnd: object,
    rec: _Record,
    nxt: _Record | None,
    s: int,
    kept: Mapping[int, tuple[np.ndarray, np.ndarray]],
    elected_in: Mapping[str, int],
    index: Mapping[str, int],
    scale: int,
    places: int,
) -> RctabRound:
    assert isinstance(rnd, RctabRound)
    if rec.number != rnd.number:
        raise RuntimeError("the slice records do not follow the count's rounds")
    tally: dict[str, Fraction] = {}
    tally_scale: dict[str, int] = {}
    for name in rnd.tally:
        c = index[name]
        if c in kept and _is_past_winner(name, rnd.number, elected_in):
            atoms, holds = kept[c]
            tally[name] = Fraction(int(atoms[s]), scale)
            tally_scale[name] = places if holds[s] else 0
        else:
            tally[name] = Fraction(int(rec.tally[s, c]), scale)
            tally_scale[name] = places if rec.tally_fixed[s, c] else 0
    inactive: dict[str, Fraction] = {}
    inactive_scale: dict[str, int] = {}
    for code, cause in enumerate(INACTIVE_CAUSES, start=1):
        inactive[cause] = Fraction(int(rec.status[s, code]), scale)
        inactive_scale[cause] = places if rec.status_fixed[s, code] else 0
    if FINAL_ROUND_SURPLUS in rnd.inactive:
        inactive[FINAL_ROUND_SURPLUS] = Fraction(int(rec.status[s, _FINAL]), scale)
        inactive_scale[FINAL_ROUND_SURPLUS] = places if rec.status_fixed[s, _FINAL] else 0
    names = list(index)
    moves = nxt.moves[s] if nxt is not None else {}
    actions = []
    transfer_scale: dict[tuple[str, str], int] = {}
    for action in rnd.actions:
        c = index[action.candidate]
        amounts: dict[str, Fraction] = {}
        for (source, target), (atoms, fixed) in moves.items():
            if source != c:
                continue
            recipient = names[target] if target >= 0 else EXHAUSTED
            amounts[recipient] = Fraction(atoms, scale)
            transfer_scale[(action.candidate, recipient)] = places if fixed else 0
        ordered = {k: amounts[k] for k in sorted(amounts)}
        actions.append(Action(action.kind, action.candidate, ordered))
    return RctabRound(
        number=rnd.number,
        tally=tally,
        threshold=rnd.threshold,
        inactive=inactive,
        actions=actions,
        tie_breaks=list(rnd.tie_breaks),
        residual_surplus=Fraction(0),
        tally_scale=tally_scale,
        inactive_scale=inactive_scale,
        threshold_scale=rnd.threshold_scale,
        transfer_scale=transfer_scale,
    )


def _check_sums(
    overall: CountResult,
    recs: Sequence[_Record],
    kept: Mapping[int, tuple[np.ndarray, np.ndarray]],
    elected_in: Mapping[str, int],
    index: Mapping[str, int],
    scale: int,
) -> None:
    """The slices of a kind must add up to the contest, round by round (a self-check)."""
    for rnd, rec in zip(overall.rounds, recs, strict=True):
        for name, value in rnd.tally.items():
            c = index[name]
            if c in kept and _is_past_winner(name, rnd.number, elected_in):
                continue  # the contest total is capped at the threshold; slices are not
            if Fraction(int(rec.tally[:, c].sum()), scale) != value:
                raise RuntimeError(
                    f"round {rnd.number}: the slices' votes for {name} do not add up"
                )
        for code, cause in enumerate(INACTIVE_CAUSES, start=1):
            if Fraction(int(rec.status[:, code].sum()), scale) != rnd.inactive.get(cause, 0):
                raise RuntimeError(f"round {rnd.number}: the slices' {cause} do not add up")
        final = rnd.inactive.get(FINAL_ROUND_SURPLUS)
        if final is not None and Fraction(int(rec.status[:, _FINAL].sum()), scale) != final:
            raise RuntimeError(
                f"round {rnd.number}: the slices' final round surplus does not add up"
            )


def _multi_pass(overall: CountResult, passes: list[CountResult]) -> CountResult:
    """A slice of a multi-pass count: one slice result per pass, like the contest's."""
    first = passes[0]
    return CountResult(
        method=overall.method,
        candidates=list(overall.candidates),
        seats=overall.seats,
        elected=list(overall.elected),
        rounds=[],
        total_ballots=first.total_ballots,
        undervotes=first.undervotes,
        title=overall.title,
        options=dict(overall.options),
        passes=passes,
        notes=list(first.notes),
    )
