"""Keep-value STV (Meek's and Warren's methods): what the rule modules share.

In a keep-value count every candidate has a *keep value* (keep factor) ``kf``:
1 for a hopeful candidate, 0 for an excluded one, and for an elected one the
share of each vote reaching them that they keep. Every ballot starts with
weight ``w = 1`` and is read in order of preference; at each candidate it
leaves a part and passes the rest on:

* **Meek** (B. L. Meek 1969; Hill, Wichmann & Woodall, "Algorithm 123",
  Computer Journal 30 (1987)): the candidate keeps ``w × kf``; ``w × (1 − kf)``
  goes on;
* **Warren** (C. H. E. Warren, Voting matters 1 (1994)): the candidate keeps
  ``min(kf, w)``; the rest goes on.

The quota is recalculated from the votes after every distribution, and the
keep values of the elected are updated (``kf ← kf × quota ÷ votes``) until the
surpluses are small; then a candidate is elected or excluded and the ballots
are distributed again from the start. Which products are rounded, and which
way, is what distinguishes the legal texts; each rule module states it.

This module holds the parts that do not differ between the rules:

* the number systems (:class:`FixedPoint`, :class:`Guarded`, :class:`Exact`)
  with named rounding helpers (:func:`truncate_div`, :func:`round_up_div`);
* the ways a ballot's weight is split at a candidate (:data:`SPLITS`);
* the preparation of the ballots (:func:`prepare`) and their distribution for
  a set of keep values (:class:`Distributor`): ballots are grouped, each group
  cut to the part that matters while the candidates' states are unchanged (the
  elected candidates it passes, up to its first hopeful), identical parts
  merged, and the iterations run on those with exact int64 numpy arrays when
  fixed point allows it (exact Python integers otherwise);
* the state of a count (:class:`KeepValueCount`): states, keep values,
  elections and exclusions (forced ones included), the last stage and the
  :class:`CountResult`;
* the count of the Droop family (:func:`count_droop_family`): the PR
  Foundation reference Meek rule and Jonathan Lundell's Droop parametric
  Meek/Warren (:func:`droop_parametric_rule`), which share one loop (rounds of
  iterations, one defeat or a safe batch of defeats between rounds);
* recording stages (:class:`StageLog`) and ties (:func:`lot_choice`).

Stages. One stage is one *round* of the rule: the distribution at which the
round's iteration stopped, and the decision taken on it (elected, or
defeated). Meek moves no parcel of papers: at every iteration every ballot is
distributed again. So the transfers shown for a decision are the net change
from one stage to the next: a defeat carries the change to the next stage
(the defeated candidate's votes passed on, and the keep values recalculated);
a stage that only elects carries one ``surplus`` action, named after the
candidate elected with most votes, holding the change due to the surpluses of
all elected candidates. When several candidates are excluded at once, each
but the last carries the change of one distribution at unchanged keep values.
Exhausted value (``exhaustedChoices``) is what ballots carry past their last
preference; ``residual surplus`` is what rounding loses (negative when a rule
rounds up both parts of a split, as NZ Schedule 1A does).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import numpy as np

from selectorate.ballots import OVERVOTE, Election
from selectorate.counting.result import (
    EXHAUSTED,
    RESIDUAL_SURPLUS,
    Action,
    CountResult,
    Round,
    TieBreak,
)
from selectorate.counting.stv_rules import (
    CountRules,
    MinimumSpec,
    StvOptions,
    apply_ron,
    ballot_with,
    draw_lot,
    stv_options,
)

Rounding = Literal["up", "down"]
Value = int | Fraction  # a number in the units of a number system

HOPEFUL, ELECTED, EXCLUDED = 0, 1, 2

# --------------------------------------------------------------------------- arithmetic


def truncate_div(numerator: int, denominator: int) -> int:
    """``numerator ÷ denominator`` rounded towards zero (denominator > 0)."""
    q = abs(numerator) // denominator
    return q if numerator >= 0 else -q


def round_up_div(numerator: int, denominator: int) -> int:
    """``numerator ÷ denominator`` rounded up (towards +∞; denominator > 0)."""
    return -(-numerator // denominator)


def _div(numerator: int, denominator: int, rounding: Rounding) -> int:
    if rounding == "up":
        return round_up_div(numerator, denominator)
    return truncate_div(numerator, denominator)


class FixedPoint:
    """Fixed-point decimals: a value ``x`` is the integer ``x × 10**places``.

    Products and quotients are rounded the way the caller names ("up" or
    "down" = truncated); sums are exact.
    """

    exact = False
    name = "fixed"

    def __init__(self, places: int) -> None:
        self.places = places
        self.scale = 10**places
        self.one = self.scale
        self.zero = 0
        self.epsilon = 1  # the smallest positive value, 10**-places

    def of(self, value: int | Fraction) -> int:
        """``value`` in units; raises ValueError if it has more places than the system."""
        scaled = Fraction(value) * self.scale
        if scaled.denominator != 1:
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def mul(self, a: int, b: int, rounding: Rounding) -> int:
        """``a × b`` to ``places``, rounded as named."""
        return _div(a * b, self.scale, rounding)

    def div(self, a: int, b: int, rounding: Rounding) -> int:
        """``a ÷ b`` to ``places``, rounded as named."""
        return _div(a * self.scale, b, rounding)

    def div_int(self, a: int, n: int) -> int:
        """``a ÷ n`` for a whole ``n``, truncated."""
        return truncate_div(a, n)

    def weigh(self, a: int, weight: int | Fraction) -> int:
        """``a`` times a ballot weight: exact for whole weights, else truncated."""
        if isinstance(weight, int):
            return a * weight
        return truncate_div(a * weight.numerator, weight.denominator)

    def cmp(self, a: Value, b: Value) -> int:
        """-1, 0 or 1 as ``a`` is below, equal to or above ``b``."""
        return (a > b) - (a < b)

    def fraction(self, a: Value) -> Fraction:
        """The exact value of ``a``."""
        return Fraction(a, self.scale) if isinstance(a, int) else Fraction(a) / self.scale

    def text(self, a: Value, places: int | None = None) -> str:
        """``a`` printed with ``places`` decimals (default: all), rounded half up."""
        return decimal_text(self.fraction(a), self.places if places is None else places)

    def describe(self) -> str:
        """A phrase for the sheet."""
        return f"fixed-point decimal arithmetic ({self.places} places)"


class Guarded(FixedPoint):
    """Droop's guarded fixed point: ``precision`` places plus ``guard`` guard digits.

    Values carry ``precision + guard`` places; products and quotients are
    truncated whatever rounding is asked for; two values closer than half a
    unit of the guard (``10**guard / 2`` units) compare equal (Droop
    ``values/guarded.py``). Treated as exact: the quota has no epsilon and a
    candidate is elected only with votes above it.
    """

    exact = True
    name = "guarded"

    def __init__(self, precision: int, guard: int) -> None:
        super().__init__(precision + guard)
        self.precision = precision
        self.guard = guard
        self.geps = max(10**guard // 2, 1)
        self.epsilon = 0

    def mul(self, a: int, b: int, rounding: Rounding) -> int:
        """``a × b`` truncated (guard digits make the rounding direction moot)."""
        return (a * b) // self.scale

    def div(self, a: int, b: int, rounding: Rounding) -> int:
        """``a ÷ b`` truncated."""
        return (a * self.scale) // b

    def cmp(self, a: Value, b: Value) -> int:
        """Compare, treating values closer than the guard's half unit as equal."""
        if abs(a - b) < self.geps:
            return 0
        return 1 if a > b else -1

    def text(self, a: Value, places: int | None = None) -> str:
        """``a`` with ``precision`` places (or ``places``), rounded half up."""
        return decimal_text(self.fraction(a), self.precision if places is None else places)

    def describe(self) -> str:
        """A phrase for the sheet."""
        return f"guarded fixed-point decimal arithmetic ({self.precision}+{self.guard} places)"


class Exact:
    """Exact rational arithmetic (Fraction); rounding requests are ignored."""

    exact = True
    name = "rational"
    places = 12  # only for printing

    def __init__(self) -> None:
        self.one = Fraction(1)
        self.zero = Fraction(0)
        self.epsilon = Fraction(0)

    def of(self, value: int | Fraction) -> Fraction:
        """``value`` as a Fraction."""
        return Fraction(value)

    def mul(self, a: Fraction, b: Fraction, rounding: Rounding) -> Fraction:
        """``a × b`` exactly."""
        return a * b

    def div(self, a: Fraction, b: Fraction, rounding: Rounding) -> Fraction:
        """``a ÷ b`` exactly."""
        return a / b

    def div_int(self, a: Fraction, n: int) -> Fraction:
        """``a ÷ n`` exactly."""
        return a / n

    def weigh(self, a: Fraction, weight: int | Fraction) -> Fraction:
        """``a`` times a ballot weight."""
        return a * weight

    def cmp(self, a: Value, b: Value) -> int:
        """-1, 0 or 1."""
        return (a > b) - (a < b)

    def fraction(self, a: Value) -> Fraction:
        """``a`` itself."""
        return Fraction(a)

    def text(self, a: Value, places: int | None = None) -> str:
        """``a`` with 12 places (or ``places``), rounded half up."""
        return decimal_text(Fraction(a), self.places if places is None else places)

    def describe(self) -> str:
        """A phrase for the sheet."""
        return "exact rational arithmetic"


Numbers = FixedPoint | Exact


def decimal_text(value: Fraction, places: int) -> str:
    """``value`` with ``places`` decimals, rounded half up (as Droop prints)."""
    units = math.floor(value * 10**places + Fraction(1, 2))
    sign = "-" if units < 0 else ""
    whole, rest = divmod(abs(units), 10**places)
    return f"{sign}{whole}.{rest:0{places}d}" if places else f"{sign}{whole}"


# --------------------------------------------------------------------------- splitting a vote

Split = Callable[[Numbers, Value, Value], tuple[Value, Value]]


def split_meek_keep_up(nums: Numbers, w: Value, kf: Value) -> tuple[Value, Value]:
    """PRF reference Meek B.2.a: keep ``w × kf`` rounded up; ``w`` is reduced by it."""
    keep = nums.mul(w, kf, "up")
    return keep, w - keep


def split_meek_both_up(nums: Numbers, w: Value, kf: Value) -> tuple[Value, Value]:
    """NZ Schedule 1A cl.10: ``w × kf`` and ``w × (1 − kf)``, each product rounded up."""
    return nums.mul(w, kf, "up"), nums.mul(w, nums.one - kf, "up")


def split_meek_truncate(nums: Numbers, w: Value, kf: Value) -> tuple[Value, Value]:
    """Droop parametric Meek (OpenSTV's rounding): both products truncated."""
    return nums.mul(w, kf, "down"), nums.mul(w, nums.one - kf, "down")


def split_warren(nums: Numbers, w: Value, kf: Value) -> tuple[Value, Value]:
    """Warren: the candidate keeps ``kf`` if less than ``w``, else all of ``w``."""
    keep = kf if nums.cmp(kf, w) < 0 else w
    return keep, w - keep


#: The splits by name: how each rule divides a ballot's weight at a candidate.
SPLITS: dict[str, Split] = {
    "keep-up": split_meek_keep_up,
    "both-up": split_meek_both_up,
    "truncate": split_meek_truncate,
    "warren": split_warren,
}


# --------------------------------------------------------------------------- ballots


@dataclass
class Prepared:
    """Ballots grouped for a keep-value count.

    ``groups`` hold one candidate per preference (candidate indices, skipped
    ranks, repeats and withdrawn candidates removed); ``equal_groups`` hold
    rankings with several candidates at one preference (only when the rule
    accepts equal rankings). Each group carries its total weight. ``valid`` is
    the weight of every ballot with a mark; ``blank`` of those without.
    """

    names: list[str]
    withdrawn: list[bool]
    groups: list[tuple[tuple[int, ...], int | Fraction]]
    equal_groups: list[tuple[tuple[tuple[int, ...], ...], int | Fraction]]
    valid: int | Fraction
    blank: int | Fraction


def prepare(election: Election, method: str, *, allow_equal: bool = False) -> Prepared:
    """Group the ballots of ``election`` (any ``Sequence[Ballot]``) for a keep-value count.

    A skipped rank is passed over; a candidate ranked again later keeps only
    the first preference; a rank holding several candidates is an equal
    ranking, accepted only with ``allow_equal``; an unnamed overvote or an
    unknown candidate raises ValueError naming the ballot.
    """
    ncand = len(election.candidates)
    withdrawn = [c.excluded for c in election.candidates]
    merged: dict[tuple[tuple[int, ...], ...], int | Fraction] = {}
    get = merged.get
    for b in election.ballots:
        merged[b.rankings] = get(b.rankings, 0) + b.weight
    groups: dict[tuple[int, ...], int | Fraction] = {}
    equal: dict[tuple[tuple[int, ...], ...], int | Fraction] = {}
    valid: int | Fraction = 0
    blank: int | Fraction = 0
    # The common case: one continuing candidate per rank, none repeated.
    single = {(i,): i for i in range(ncand) if not withdrawn[i]}.__getitem__
    for rankings, weight in merged.items():
        if weight < 0:
            _bad_ballot(election, rankings, "has a negative weight")
        try:
            key = tuple(map(single, rankings))
        except KeyError:
            pass
        else:
            if key and len(set(key)) == len(key):
                valid += weight
                if weight:
                    groups[key] = groups.get(key, 0) + weight
                continue
        if not any(rankings):
            blank += weight
            continue
        valid += weight
        seen: set[int] = set()
        ranks: list[tuple[int, ...]] = []
        for rank in rankings:
            if any(i == OVERVOTE or not 0 <= i < ncand for i in rank):
                _bad_ballot(election, rankings, f"has an overvote or unknown candidate {rank!r}")
            if len(rank) > 1 and not allow_equal:
                _bad_ballot(
                    election,
                    rankings,
                    f"ranks {len(rank)} candidates at one preference; {method} accepts one "
                    "candidate per preference",
                )
            kept = tuple(i for i in dict.fromkeys(rank) if i not in seen and not withdrawn[i])
            seen.update(rank)
            if kept:
                ranks.append(kept)
        if not weight:
            continue
        if all(len(r) == 1 for r in ranks):
            key = tuple(r[0] for r in ranks)
            groups[key] = groups.get(key, 0) + weight
        else:
            equal[tuple(ranks)] = equal.get(tuple(ranks), 0) + weight
    return Prepared(
        names=[c.name for c in election.candidates],
        withdrawn=withdrawn,
        groups=list(groups.items()),
        equal_groups=list(equal.items()),
        valid=valid,
        blank=blank,
    )


def _bad_ballot(election: Election, rankings: tuple[tuple[int, ...], ...], problem: str) -> None:
    """Raise ValueError naming the first ballot with ``rankings``."""
    raise ValueError(f"{ballot_with(election, rankings)} {problem}")


# --------------------------------------------------------------------------- distribution


@dataclass
class Distribution:
    """The result of distributing every ballot with a set of keep values.

    ``votes`` per candidate and ``exhausted`` (weight carried past the last
    preference) are in the number system's units; ``residual`` is what
    rounding lost: ``valid − Σ votes − exhausted`` (negative if rounding gained).
    """

    votes: list[Value]
    exhausted: Value
    residual: Value

    def total_votes(self) -> Value:
        """Σ votes."""
        return sum(self.votes, type(self.exhausted)(0))


class Distributor:
    """Distributes the prepared ballots for given keep values; rebuilt when states change.

    While no candidate changes state, a ballot's fate depends only on the
    elected candidates it reaches before its first hopeful one (who keeps the
    rest) — excluded candidates keep nothing and are skipped. So the ballots
    are cut to those *paths* and identical paths merged once per set of
    states; every iteration then runs over the paths. With fixed point of at
    most 9 places, whole weights and totals small enough, the paths are int64
    numpy arrays (every product below 2**63, hence exact); otherwise exact
    Python integers or Fractions.
    """

    def __init__(self, prep: Prepared, nums: Numbers, split: str) -> None:
        self.prep = prep
        self.nums = nums
        self.split_name = split
        self.split = SPLITS[split]
        if isinstance(nums, Exact):
            self.valid_units: Value = Fraction(prep.valid)
        else:
            units = Fraction(prep.valid) * nums.scale
            self.valid_units = int(units) if units.denominator == 1 else units
        self._fast = _FastPaths.build(prep, nums, split)
        self._fast_status: tuple[int, ...] | None = None
        self._paths_status: tuple[int, ...] | None = None
        self._paths: list[tuple[tuple[int, ...], int, int | Fraction]] = []

    def distribute(self, status: Sequence[int], kf: Sequence[Value]) -> Distribution:
        """Distribute every ballot with keep values ``kf``; ``status``: each candidate's state."""
        key = tuple(status)
        if self._fast is not None and self._fast.usable(kf):
            if key != self._fast_status:
                self._fast_status = key
                self._fast.set_status(key)
            votes, exhausted = self._fast.run(kf)
        else:
            if key != self._paths_status:
                self._paths_status = key
                self._paths = _python_paths(self.prep, key)
            votes, exhausted = self._python_run(kf)
        eq_exh = self._equal_run(key, kf, votes)
        exhausted += eq_exh
        residual = self.valid_units - sum(votes, self.nums.zero) - exhausted
        return Distribution(votes, exhausted, residual)

    def _python_run(self, kf: Sequence[Value]) -> tuple[list[Value], Value]:
        nums, split, zero = self.nums, self.split, self.nums.zero
        votes: list[Value] = [zero] * len(kf)
        exhausted: Value = zero
        for path, count, unit in self._paths:
            w = nums.one
            for c in path:
                keep, w = split(nums, w, kf[c])
                votes[c] += count * nums.weigh(keep, unit)
                if nums.cmp(w, zero) <= 0:
                    break  # the ballot's weight is used up (Droop: weight <= 0)
            else:
                exhausted += count * nums.weigh(w, unit)
        return votes, exhausted

    def _equal_run(self, status: tuple[int, ...], kf: Sequence[Value], votes: list[Value]) -> Value:
        """Ballots with equal rankings, by Droop's recursive descent (stv-rs's default).

        At a preference holding several continuing candidates the weight is
        divided equally (truncated) among them; each share is split at its
        candidate and what passes on goes to the next preference. A preference
        whose candidates are all excluded ends the ballot (Droop's reading).
        """
        nums, split = self.nums, self.split
        exhausted = nums.zero
        for ranks, weight in self.prep.equal_groups:
            count, unit = (weight, 1) if isinstance(weight, int) else (1, weight)
            stack = [(0, nums.one)]
            while stack:
                i, w = stack.pop()
                if not w:
                    continue
                cids = [c for c in ranks[i] if status[c] != EXCLUDED] if i < len(ranks) else []
                if not cids:
                    exhausted += count * nums.weigh(w, unit)
                    continue
                share = nums.div_int(w, len(cids))
                for c in cids:
                    keep, rest = split(nums, share, kf[c])
                    votes[c] += count * nums.weigh(keep, unit)
                    stack.append((i + 1, rest))
        return exhausted


def _python_paths(
    prep: Prepared, status: tuple[int, ...]
) -> list[tuple[tuple[int, ...], int, int | Fraction]]:
    """Merged paths ``(path, count, unit)``: ``count`` ballots of weight ``unit``.

    Whole weights are merged into ``count`` with ``unit = 1``; a fractional
    weight keeps its own entry so that fixed-point truncation of ``keep ×
    weight`` happens per ballot line, as the rules do it.
    """
    merged: dict[tuple[tuple[int, ...], int | Fraction], int] = {}
    for ranking, weight in prep.groups:
        path = []
        for c in ranking:
            s = status[c]
            if s == EXCLUDED:
                continue
            path.append(c)
            if s == HOPEFUL:
                break
        if isinstance(weight, int):
            key, n = (tuple(path), 1), weight
        else:
            key, n = (tuple(path), weight), 1
        merged[key] = merged.get(key, 0) + n
    return [(path, n, unit) for (path, unit), n in merged.items()]


class _FastPaths:
    """The paths as int64 arrays, for fixed point with whole weights (exact: see Distributor)."""

    LIMIT = 2**62

    def __init__(self, prep: Prepared, nums: FixedPoint, split: str) -> None:
        self.nums = nums
        self.split = split
        self.n = len(prep.names)
        lengths = np.fromiter(
            (len(r) for r, _ in prep.groups), dtype=np.int64, count=len(prep.groups)
        )
        width = int(lengths.max(initial=0))
        self.rankings = np.full((len(prep.groups), max(width, 1)), self.n, dtype=np.int16)
        flat = np.fromiter(
            itertools.chain.from_iterable(r for r, _ in prep.groups),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        rows = np.repeat(np.arange(len(prep.groups)), lengths)
        cols = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        self.rankings[rows, cols] = flat
        self.weights = np.array([w for _, w in prep.groups], dtype=np.int64)
        self.total = int(sum(w for _, w in prep.groups))

    @classmethod
    def build(cls, prep: Prepared, nums: Numbers, split: str) -> _FastPaths | None:
        """The fast paths, or None when int64 cannot hold the count exactly."""
        if type(nums) is not FixedPoint or nums.places > 9:
            return None
        if not all(isinstance(w, int) for _, w in prep.groups):
            return None
        total = sum(w for _, w in prep.groups)
        if (total + 1) * nums.scale * 16 >= cls.LIMIT:
            return None
        return cls(prep, nums, split)

    def usable(self, kf: Sequence[Value]) -> bool:
        """Keep values at most 8 keep all products below 2**63."""
        top = 8 * self.nums.scale
        return all(isinstance(k, int) and 0 <= k <= top for k in kf)

    def set_status(self, status: tuple[int, ...]) -> None:
        """Cut the ballots to their paths for these states and merge identical paths."""
        n = self.n
        code = np.array([*status, EXCLUDED], dtype=np.int8)
        r = self.rankings
        # A ballot whose first preference is hopeful is that candidate's alone.
        simple = code[r[:, 0]] == HOPEFUL
        rest = np.flatnonzero(~simple)
        sub = r[rest]
        st = code[sub]
        hop = st == HOPEFUL
        first_h = np.where(hop.any(axis=1), hop.argmax(axis=1), sub.shape[1] - 1)
        width = int(first_h.max(initial=0)) + 1
        sub, st = sub[:, :width], st[:, :width]
        keep = (st != EXCLUDED) & (np.arange(width)[None, :] <= first_h[:, None])
        pos = np.cumsum(keep, axis=1, dtype=np.int16) - 1
        length = max(int(keep.sum(axis=1).max(initial=0)), 1)
        paths = np.full((r.shape[0], length), n, dtype=np.int64)
        paths[simple, 0] = r[simple, 0]
        rows, cols = np.nonzero(keep)
        paths[rest[rows], pos[rows, cols]] = sub[rows, cols]
        paths, counts = _merge_rows(paths, self.weights, n + 1)
        self.paths = paths
        self.counts = counts
        # Per column: the order that groups equal candidates, for exact int64 sums.
        self.columns = []
        for j in range(paths.shape[1] if paths.shape[0] else 0):
            col = paths[:, j]
            order = np.argsort(col, kind="stable")
            sorted_col = col[order]
            starts = np.flatnonzero(np.r_[True, sorted_col[1:] != sorted_col[:-1]])
            self.columns.append((col, order, starts, sorted_col[starts]))

    def run(self, kf: Sequence[Value]) -> tuple[list[int], int]:
        """One distribution: votes per candidate and the exhausted total."""
        scale = self.nums.scale
        kf_ext = np.array([*kf, 0], dtype=np.int64)
        votes = np.zeros(self.n + 1, dtype=np.int64)
        p = self.paths.shape[0]
        w = np.full(p, scale, dtype=np.int64)
        ended = np.zeros(p, dtype=bool)
        counts = self.counts
        for col, order, starts, cands in self.columns:
            k = kf_ext[col]
            if self.split == "warren":
                keep = np.minimum(k, w)
                rest = w - keep
            else:
                prod = w * k
                if self.split == "keep-up":
                    keep = -((-prod) // scale)
                    rest = w - keep
                elif self.split == "both-up":
                    keep = -((-prod) // scale)
                    rest = -((-(w * (scale - k))) // scale)
                else:  # truncate
                    keep = prod // scale
                    rest = (w * (scale - k)) // scale
            keep = np.where(ended, 0, keep)
            rest = np.where(ended, w, rest)
            sums = np.add.reduceat((keep * counts)[order], starts)
            votes[cands] += sums
            w = rest
            ended |= w <= 0
        exhausted = int((w * counts)[~ended].sum())
        return [int(v) for v in votes[: self.n]], exhausted


def _merge_rows(paths: np.ndarray, weights: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Merge identical rows of ``paths``, adding their ``weights`` (exact int64)."""
    if paths.shape[0] == 0:
        return paths, weights
    if paths.shape[1] * math.log2(base) < 62:
        key = np.zeros(paths.shape[0], dtype=np.int64)
        for j in range(paths.shape[1]):
            key = key * base + paths[:, j]
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(paths, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(inverse, kind="stable")
    inv_sorted = inverse[order]
    starts = np.flatnonzero(np.r_[True, inv_sorted[1:] != inv_sorted[:-1]])
    counts = np.add.reduceat(weights[order], starts)
    return paths[first], counts


# --------------------------------------------------------------------------- ties


def lot_choice(
    names: Sequence[str],
    tied: Sequence[int],
    purpose: str,
    stage: int,
    *,
    seed: int | str | None,
    lot_order: Sequence[str] | None,
    why: str,
) -> tuple[int, TieBreak]:
    """Choose one of ``tied`` by lot: the ``lot_order`` given, else :func:`draw_lot` from ``seed``.

    Without either, raise the contract's ValueError asking for a seed.
    """
    tied_names = [names[c] for c in tied]
    if lot_order is not None:
        missing = [n for n in tied_names if n not in lot_order]
        if missing:
            raise ValueError(f"lot_order does not name {', '.join(missing)}")
        chosen = min(tied, key=lambda c: list(lot_order).index(names[c]))
        return chosen, TieBreak(
            purpose=purpose,
            tied=tuple(tied_names),
            chosen=names[chosen],
            method="lot",
            detail=f"{why}; order of a lot drawn beforehand: {', '.join(lot_order)}",
        )
    if seed is None:
        raise ValueError(
            f"tie at stage {stage} between {', '.join(tied_names)} needs a lot: give --seed"
        )
    tb = draw_lot(seed, purpose, stage, tied_names)
    tb.detail = f"{why}; {tb.detail}"
    return tied[tied_names.index(tb.chosen)], tb


# --------------------------------------------------------------------------- stages


@dataclass
class _Mover:
    """An action that moves votes, and the distribution just before it."""

    action: Action
    before: Distribution


@dataclass
class StageLog:
    """Collects the stages (rounds) of a keep-value count into a :class:`CountResult`."""

    nums: Numbers
    names: list[str]
    valid: int | Fraction
    rounds: list[Round] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    elected: list[int] = field(default_factory=list)
    _last: Distribution | None = None
    _movers: list[_Mover] = field(default_factory=list)
    _elected_at_last: list[int] = field(default_factory=list)

    @property
    def stage(self) -> int:
        """Number of the latest stage (0 before the first)."""
        return len(self.rounds)

    def add(self, dist: Distribution, quota: Value, status: Sequence[int]) -> Round:
        """Record a stage: ``dist`` for every candidate not excluded (``status``)."""
        if self.rounds:
            self._settle(dist)
        f = self.nums.fraction
        rnd = Round(
            number=len(self.rounds) + 1,
            tally={
                self.names[c]: f(dist.votes[c])
                for c in range(len(self.names))
                if status[c] != EXCLUDED
            },
            threshold=f(quota),
            inactive={"exhaustedChoices": f(dist.exhausted)},
            residual_surplus=f(dist.residual),
        )
        self.rounds.append(rnd)
        self._last = dist
        self._movers = []
        self._elected_at_last = []
        return rnd

    def elect(self, c: int) -> None:
        """Candidate ``c`` is elected at the latest stage."""
        self.elected.append(c)
        self._elected_at_last.append(c)
        self.rounds[-1].actions.append(Action("elected", self.names[c]))

    def exclude(
        self, c: int, kind: Literal["eliminated", "excluded"], before: Distribution
    ) -> None:
        """Candidate ``c`` is excluded after the latest stage (``before``: distribution before)."""
        action = Action(kind, self.names[c])
        self.rounds[-1].actions.append(action)
        self._movers.append(_Mover(action, before))

    @property
    def has_movers(self) -> bool:
        """Whether exclusions after the latest stage wait for the next stage."""
        return bool(self._movers)

    def tie(self, tb: TieBreak) -> None:
        """Record a tie broken at the latest stage."""
        self.rounds[-1].tie_breaks.append(tb)

    def _settle(self, nxt: Distribution) -> None:
        """Give the latest stage's movers their transfers, now that the next stage is known."""
        prev = self.rounds[-1]
        if self._movers:
            for i, mover in enumerate(self._movers):
                after = self._movers[i + 1].before if i + 1 < len(self._movers) else nxt
                mover.action.transfers = self._changes(mover.before, after, mover.action.candidate)
        elif self._elected_at_last and self._last is not None:
            top = max(self._elected_at_last, key=lambda c: (self._last.votes[c], -c))
            prev.actions.append(
                Action("surplus", self.names[top], self._changes(self._last, nxt, self.names[top]))
            )

    def _changes(
        self, before: Distribution, after: Distribution, source: str
    ) -> dict[str, Fraction]:
        f = self.nums.fraction
        out: dict[str, Fraction] = {}
        for c, name in enumerate(self.names):
            delta = f(after.votes[c] - before.votes[c])
            if name != source and delta:
                out[name] = delta
        for key, a, b in (
            (EXHAUSTED, after.exhausted, before.exhausted),
            (RESIDUAL_SURPLUS, after.residual, before.residual),
        ):
            if a != b:
                out[key] = f(a - b)
        return out


# --------------------------------------------------------------------------- a keep-value count


class KeepValueCount:
    """The state of one keep-value count: every candidate's state and keep value, its stages.

    Shared by the Droop family (:func:`count_droop_family`) and NZ Schedule 1A
    (:mod:`selectorate.counting.meek_nz`), whose loops decide *when* to elect or
    exclude; this class does it and keeps the record. ``opts`` are the contract
    options, checked (:func:`~selectorate.counting.stv_rules.stv_options`).
    """

    def __init__(
        self,
        election: Election,
        method: str,
        nums: Numbers,
        split: str,
        opts: StvOptions,
        *,
        allow_equal: bool = False,
    ) -> None:
        self.election = election
        self.method = method
        self.nums = nums
        self.opts = opts
        self.rules = opts.rules
        self.seats = opts.seats
        self.prep = prepare(election, method, allow_equal=allow_equal)
        self.names = self.prep.names
        self.n = len(self.names)
        self.status = [EXCLUDED if w else HOPEFUL for w in self.prep.withdrawn]
        self.kf: list[Value] = [nums.zero if w else nums.one for w in self.prep.withdrawn]
        self.dist_of = Distributor(self.prep, nums, split)
        self.log = StageLog(nums, self.names, self.prep.valid)

    def hopefuls(self) -> list[int]:
        """Hopeful candidates, in candidate order."""
        return [c for c in range(self.n) if self.status[c] == HOPEFUL]

    def elected(self) -> list[int]:
        """Elected candidates, in candidate order."""
        return [c for c in range(self.n) if self.status[c] == ELECTED]

    def distribute(self) -> Distribution:
        """Every ballot distributed with the present keep values."""
        return self.dist_of.distribute(self.status, self.kf)

    def quota_of(self, dist: Distribution) -> Value:
        """[PRF B.2.b] Σ votes ÷ (seats + 1), truncated, plus 10**-places (exact: no epsilon)."""
        nums = self.nums
        q = nums.div_int(dist.total_votes(), self.seats + 1)
        return q if nums.exact else q + nums.epsilon

    def seats_left(self) -> int:
        """Seats not yet filled."""
        return self.seats - len(self.log.elected)

    def exclude(
        self, c: int, kind: Literal["eliminated", "excluded"], before: Distribution
    ) -> None:
        """Exclude ``c`` after the latest stage (keep value 0); ``before``: the distribution
        its transfers start from."""
        self.log.exclude(c, kind, before)
        self.status[c] = EXCLUDED
        self.kf[c] = self.nums.zero

    def before_next(self) -> Distribution:
        """The distribution the next exclusion starts from: the latest stage's, or (after
        other exclusions since) the present one."""
        last = self.log._last
        return last if last is not None and not self.log.has_movers else self.distribute()

    def forced(self, stage: int) -> None:
        """Rulebook exclusions at the start of ``stage`` (at stage 1: before the count)."""
        log, names = self.log, self.names
        found = self.rules.forced_exclusions(
            stage, [names[c] for c in log.elected], [names[c] for c in self.hopefuls()]
        )
        for name, reason in found:
            c = names.index(name)
            if not log.rounds:
                self.status[c], self.kf[c] = EXCLUDED, self.nums.zero
                log.notes.append(f"Before stage 1: {name} excluded before the count: {reason}")
                continue
            self.exclude(c, "excluded", self.before_next())
            log.notes.append(f"Stage {stage}: {name} excluded: {reason}")

    def elect(self, winners: Sequence[int]) -> None:
        """Elect ``winners`` at the latest stage, unless a group minimum bars one (excluded)."""
        for c in winners:
            if barred(self.log, self.rules, c):
                self.exclude(c, "excluded", self.before_next())
                continue
            self.status[c] = ELECTED
            self.log.elect(c)

    def close(self, quota: Value) -> bool:
        """Add a last stage if the count has none or exclusions wait for one; True if added.

        ``quota``: the quota in force (found here if there is no stage yet).
        """
        log = self.log
        if log.rounds and not log.has_movers:
            return False
        dist = self.distribute()
        log.add(dist, quota if log.rounds else self.quota_of(dist), self.status)
        return True

    def elect_remaining(self, order: Sequence[int], why: str) -> None:
        """Elect the hopefuls in ``order`` to the seats left, if any; ``why`` ends the note."""
        if order and self.seats_left() > 0:
            log = self.log
            chosen = elect_remaining(log, self.rules, order, self.seats, self.status)
            log.notes.append(
                f"Stage {log.stage}: {', '.join(self.names[c] for c in chosen)} {why}."
            )

    def lot(self, tied: Sequence[int], purpose: str, stage: int, why: str) -> tuple[int, TieBreak]:
        """Choose one of ``tied`` by lot (:func:`lot_choice` with the count's seed or order)."""
        return lot_choice(
            self.names,
            tied,
            purpose,
            stage,
            seed=self.opts.seed,
            lot_order=self.opts.lot_order,
            why=why,
        )

    def result(self, description: str) -> CountResult:
        """The finished count (RON applied); ``description`` (the rule in words) heads the notes."""
        log, prep, nums = self.log, self.prep, self.nums
        for stage in sorted(self.rules.withdrawals):
            if stage > log.stage:
                who = ", ".join(self.rules.withdrawals[stage])
                log.notes.append(
                    f"Withdrawal of {who} before stage {stage} not applied: "
                    f"the count ended at stage {log.stage}."
                )
        places = nums.precision if isinstance(nums, Guarded) else nums.places
        if isinstance(nums, Exact):
            log.notes.append("Values are exact fractions; the sheet shows them to 12 places.")
        result = CountResult(
            method=self.method,
            candidates=list(prep.names),
            seats=self.seats,
            elected=[prep.names[c] for c in log.elected],
            rounds=log.rounds,
            total_ballots=Fraction(prep.valid + prep.blank),
            undervotes=Fraction(prep.blank),
            title=self.election.title,
            decimal_places=places,
            options=self.opts.record,
            notes=[description, *self.opts.notes(), *log.notes],
        )
        if self.opts.ron is not None:
            apply_ron(result, self.opts.ron)
        return result


# --------------------------------------------------------------------------- the Droop family


@dataclass(frozen=True)
class DroopFamilyRule:
    """The parameters that distinguish the PRF reference rule and Droop's Meek/Warren.

    ``split``: how a ballot's weight divides at a candidate (:data:`SPLITS`);
    ``omega``: the iteration ends when the total surplus is below it (``<``),
    or at most it when ``omega_inclusive``; ``clamp_surplus``: a negative total
    surplus counts as 0 (PRF B.2.d); ``batch_defeat``: Droop's safe batch of
    sure losers; ``allow_equal``: equal rankings by Droop's recursive descent.
    """

    method: str
    nums: Numbers
    split: str
    omega: Fraction
    omega_inclusive: bool
    clamp_surplus: bool
    batch_defeat: bool
    allow_equal: bool
    citation: str = ""

    def describe(self) -> str:
        """The rule's settings in words, for the head of the notes."""
        o = self.omega
        digits = len(str(o.denominator)) - 1
        omega = f"10^-{digits}" if o == Fraction(1, 10**digits) else str(o)
        return (
            f"Arithmetic: {self.nums.describe()}; omega {omega} (the iteration ends when the "
            f"total surplus is {'at most' if self.omega_inclusive else 'below'} it); "
            f"sure losers defeated together: {'yes' if self.batch_defeat else 'no'}."
        )


def droop_parametric_rule(
    method: str,
    split: str,
    arithmetic: str = "guarded",
    precision: int | None = None,
    guard: int | None = None,
    omega: int | None = None,
    batch_defeat: bool = True,
) -> tuple[DroopFamilyRule, dict[str, object]]:
    """The rule of Droop's ``meek.py`` (Meek or Warren), and its options as in force.

    Defaults as Droop: guarded 18 places + 9 guard digits, omega 10⁻⁹;
    rational: omega 10⁻¹⁰; fixed: 9 places, omega 10^-(2/3 of the places).
    The options come back with the defaults filled in (``precision`` and
    ``guard`` only where the arithmetic uses them, else as given), ready for
    ``CountResult.options``.
    """
    nums: Numbers
    if arithmetic == "guarded":
        precision = 18 if precision is None else precision
        guard = precision // 2 if guard is None else guard
        nums = Guarded(precision, guard)
        omega = precision // 2 if omega is None else omega
    elif arithmetic == "fixed":
        precision = 9 if precision is None else precision
        nums = FixedPoint(precision)
        omega = precision * 2 // 3 if omega is None else omega
    elif arithmetic == "rational":
        nums = Exact()
        omega = 10 if omega is None else omega
    else:
        raise ValueError(f"arithmetic must be guarded, fixed or rational, not {arithmetic!r}")
    rule = DroopFamilyRule(
        method=method,
        nums=nums,
        split=split,
        omega=Fraction(1, 10**omega),
        omega_inclusive=True,
        clamp_surplus=True,  # see meek.py, "Known deviations"
        batch_defeat=batch_defeat,
        allow_equal=True,
    )
    given = {"arithmetic": arithmetic, "precision": precision, "guard": guard, "omega": omega}
    options = {k: v for k, v in given.items() if v is not None}
    options["batch_defeat"] = batch_defeat
    return rule, options


def droop_parametric_method(method: str, split: str, doc: str) -> Callable[..., CountResult]:
    """The count function of Droop's parametric rule ``method``, which splits a vote by ``split``.

    Droop's Meek ("truncate") and Warren ("warren") differ in nothing else: the
    function takes the STV contract's options and Droop's (``arithmetic``,
    ``precision``, ``guard``, ``omega``, ``batch_defeat``; see
    :func:`droop_parametric_rule`) and records them with their defaults filled in.
    """

    def count(
        election: Election,
        *,
        seats: int | None = None,
        seed: int | str | None = None,
        ron: str | None = None,
        minimums: Sequence[MinimumSpec] = (),
        withdrawals: Mapping[int, Sequence[str]] | None = None,
        lot_order: Sequence[str] | None = None,
        arithmetic: str = "guarded",
        precision: int | None = None,
        guard: int | None = None,
        omega: int | None = None,
        batch_defeat: bool = True,
    ) -> CountResult:
        rule, variant = droop_parametric_rule(
            method, split, arithmetic, precision, guard, omega, batch_defeat
        )
        opts = stv_options(election, seats, seed, ron, minimums, withdrawals, lot_order, **variant)
        return count_droop_family(election, rule, opts)

    count.__name__ = count.__qualname__ = "count_" + method.replace("-", "_")
    count.__doc__ = doc
    return count


def count_droop_family(election: Election, rule: DroopFamilyRule, opts: StvOptions) -> CountResult:
    """Count ``election`` by a rule of the Droop family (see :class:`DroopFamilyRule`).

    The loop is that of the PRF reference Meek rule (clauses in brackets),
    which Droop's parametric Meek and Warren share:

    * [B.1] the count is complete when every seat is filled or the hopeful
      candidates are no more than the seats left;
    * [B.2] iterate: [a] distribute the ballots; [b] quota = Σ votes ÷
      (seats + 1), truncated, plus one unit (exact arithmetic: no epsilon);
      [c] elect every hopeful candidate with votes ≥ quota (exact: > quota);
      [d] total surplus = Σ (votes − quota) of the elected; [e] stop if a
      candidate was elected, if the surplus is below omega, or if it did not
      fall since the last iteration (or, Droop, if a safe batch of sure losers
      exists); [f] else each elected candidate's keep value becomes kf × quota
      (rounded up) ÷ votes (rounded up), and iterate again;
    * [B.3] defeat the hopeful candidate with fewest votes; every hopeful
      candidate within the total surplus of the lowest is tied with them [T];
    * [C] elect the remaining hopeful candidates if seats are left.
    """
    nums = rule.nums
    count = KeepValueCount(
        election, rule.method, nums, rule.split, opts, allow_equal=rule.allow_equal
    )
    log, names, kf = count.log, count.names, count.kf
    omega = nums.of(rule.omega)
    iterations_note: list[str] = []
    quota: Value = nums.zero
    while True:
        count.forced(log.stage + 1)
        seats_left = count.seats_left()
        # [B.1] Test count complete.
        if seats_left <= 0 or len(count.hopefuls()) <= seats_left:
            break
        # [B.2] Iterate.
        last_surplus: Value | None = None
        iterations = 0
        while True:
            iterations += 1
            dist = count.distribute()  # [B.2.a]
            quota = count.quota_of(dist)  # [B.2.b]
            # [B.2.c] Find winners (candidate order).
            if nums.exact:
                winners = [c for c in count.hopefuls() if nums.cmp(dist.votes[c], quota) > 0]
            else:
                winners = [c for c in count.hopefuls() if dist.votes[c] >= quota]
            elected_now = count.elected() + winners
            # [B.2.d] Total surplus.
            surplus = sum((dist.votes[c] - quota for c in elected_now), nums.zero)
            if rule.clamp_surplus and surplus < 0:
                surplus = nums.zero
            # [B.2.e] Test for iteration finished.
            if winners:
                outcome = "elected"
                break
            below = nums.cmp(surplus, omega)
            if below < 0 or (rule.omega_inclusive and below == 0):
                outcome = "omega"
                break
            if last_surplus is not None and nums.cmp(surplus, last_surplus) >= 0:
                outcome = "stable"
                break
            batch = (
                _safe_batch(nums, dist, count.hopefuls(), surplus, seats_left)
                if rule.batch_defeat
                else []
            )
            if batch:
                outcome = "batch"
                break
            last_surplus = surplus
            # [B.2.f] Update keep factors: kf × quota (rounded up) ÷ votes (rounded up).
            for c in elected_now:
                kf[c] = nums.div(nums.mul(kf[c], quota, "up"), dist.votes[c], "up")
        log.add(dist, quota, count.status)
        stage = log.stage
        iterations_note.append(f"{stage}:{iterations}")
        if outcome == "elected":
            count.elect(winners)
            continue
        if outcome == "batch":
            for c in batch:
                count.exclude(c, "eliminated", count.before_next())
            log.notes.append(
                f"Stage {stage}: {', '.join(names[c] for c in batch)} defeated together as sure "
                f"losers: their votes and the total surplus {nums.text(surplus)} are less than "
                "the next candidate's votes."
            )
            continue
        # [B.3] Defeat low candidate; [T] ties: within the total surplus of the lowest.
        hop = count.hopefuls()
        low = min(dist.votes[c] for c in hop)
        tied = [c for c in hop if nums.cmp(low + surplus, dist.votes[c]) >= 0]
        if len(tied) > 1:
            loser, tb = count.lot(
                tied,
                "exclusion",
                stage,
                f"votes within the total surplus {nums.text(surplus)} of the lowest "
                f"({nums.text(low)}) count as tied: "
                + ", ".join(f"{names[c]} {nums.text(dist.votes[c])}" for c in tied),
            )
            log.tie(tb)
        else:
            loser = tied[0]
        reason = (
            f"surplus {nums.text(surplus)} < omega {nums.text(omega)}"
            if outcome == "omega"
            else f"stable surplus {nums.text(surplus)}"
        )
        log.notes.append(f"Stage {stage}: {names[loser]} defeated, lowest ({reason}).")
        count.exclude(loser, "eliminated", dist)
    # [C] Count complete: elect remaining hopeful candidates while seats are left.
    remaining = count.hopefuls()
    count.close(quota)
    count.elect_remaining(
        remaining, "elected to the remaining seats (hopeful candidates no more than the seats left)"
    )
    log.notes.insert(0, "Iterations per stage (stage:iterations): " + " ".join(iterations_note))
    return count.result(rule.describe())


def barred(log: StageLog, rules: CountRules, c: int) -> bool:
    """Whether a group minimum bars candidate ``c`` from a seat now (noting why if so).

    :meth:`CountRules.forced_exclusions` excludes candidates outside a group
    once the others have the seats the minimum leaves them; several candidates
    reaching the quota at once could still overrun it, so each is checked as it
    would be elected.
    """
    names = log.names
    found = rules.forced_exclusions(log.stage, [names[e] for e in log.elected], [names[c]])
    if found:
        log.notes.append(
            f"Stage {log.stage}: {names[c]} excluded instead of elected: {found[0][1]}"
        )
    return bool(found)


def elect_remaining(
    log: StageLog, rules: CountRules, order: Sequence[int], seats: int, status: list[int]
) -> list[int]:
    """Elect ``order``'s candidates to the seats left, one by one, honouring group minimums.

    A candidate the rulebook would exclude once the others are elected (a
    group minimum already met by the other side) is excluded instead and the
    seat stays unfilled. Returns those elected.
    """
    names = log.names
    chosen: list[int] = []
    for c in order:
        if len(log.elected) >= seats:
            break
        if barred(log, rules, c):
            status[c] = EXCLUDED
            log.rounds[-1].actions.append(Action("excluded", names[c]))
            continue
        status[c] = ELECTED
        log.elect(c)
        chosen.append(c)
    if len(log.elected) < seats:
        log.notes.append(
            f"{seats - len(log.elected)} seat(s) left unfilled: no eligible candidate remains."
        )
    return chosen


def _safe_batch(
    nums: Numbers, dist: Distribution, hop: list[int], surplus: Value, seats_left: int
) -> list[int]:
    """Droop's safe batch defeat: the largest group of lowest candidates who cannot catch up.

    Hopeful candidates sorted by votes are grouped (a candidate within the
    surplus of the group's first is tied with it); the batch is every group up
    to the last one whose total votes plus the surplus are below the next
    group's first candidate, leaving enough candidates for the seats and never
    splitting a group.
    """
    order = sorted(hop, key=lambda c: (dist.votes[c], c))
    groups: list[list[int]] = []
    group: list[int] = []
    anchor = nums.zero
    for c in order:
        if nums.cmp(anchor + surplus, dist.votes[c]) >= 0:
            group.append(c)
        else:
            if group:
                groups.append(group)
            group = [c]
            anchor = dist.votes[c]
    if group:
        groups.append(group)
    max_defeat = len(hop) - seats_left
    total = nums.zero
    ncand = 0
    last = None
    for g in range(len(groups) - 1):
        ncand += len(groups[g])
        if ncand > max_defeat:
            break
        total += sum((dist.votes[c] for c in groups[g]), nums.zero)
        if nums.cmp(total + surplus, dist.votes[groups[g + 1][0]]) < 0:
            last = g
    if last is None:
        return []
    return sorted(c for g in groups[: last + 1] for c in g)

