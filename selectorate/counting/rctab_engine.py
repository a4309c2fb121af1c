"""The shared engine behind the RCTab-compatible counting methods.

Source: RCTab (the Universal RCV Tabulator, github.com/BrightSpots/rcv),
``Tabulator.java``, ``CastVoteRecord.java``, ``RoundTally.java``,
``TallyTransfers.java``, ``ContestConfig.java`` and ``Tiebreak.java`` as of
the snapshot the conformance data was taken from (2025-12). The rules were
read there and are restated here in our own terms; this is not a
transliteration.

What a ballot does in a round
    A ballot that is not yet inactive and whose current candidate is no
    longer continuing is re-read from its first rank. At each marked rank, in
    order: (1) if more ranks were skipped since the previous marked rank than
    ``max_skipped_ranks`` allows, the ballot becomes inactive by *skipped
    rankings*; (2) with ``exhaust_on_duplicate`` a candidate (or an explicit
    overvote) seen at an earlier rank makes it inactive by *repeated
    rankings*; (3) an overvote (several marks, or the file's "overvote") is
    handled by ``overvote_rule``: ``exhaustImmediately`` (inactive by
    *overvotes*), ``alwaysSkipToNextRank`` (go on to the next rank) or
    ``exhaustIfMultipleContinuing`` (overvote only if two or more marks are
    continuing candidates); (4) the first continuing candidate at the rank
    receives the ballot. Running out of ranks makes the ballot inactive by
    *exhausted choices*. Blank ballots are *undervotes*: counted in the total,
    never in a tally. Excluded candidates are never continuing. Because every
    re-read starts from rank 1 and candidates only ever stop continuing, the
    walk is a fixed program per distinct ranking, compiled once.

Rounds
    Each round: tally the continuing candidates; set the threshold; look for
    winners; otherwise eliminate, in this order of preference: undeclared
    write-ins (while they hold votes, nobody can win), everyone below
    ``minimum_vote_threshold``, (bottoms-up with ``cutoff_elimination``, round
    1 only) everyone below the threshold, a batch (``batch_elimination``:
    the largest group of lowest candidates whose combined votes are below the
    next candidate; never leaving fewer than two with ``continue_until_two``),
    or the lowest candidate with a tie-break (:mod:`.tiebreak`).

Thresholds (``ContestConfig``/``Tabulator.setWinningThreshold``)
    Droop: ``floor(V / (S + 1)) + 1``; with ``non_integer_threshold`` the
    division is truncated to ``decimal_places`` and ``10**-d`` is added. Hare
    (``hare_quota``): ``V / S`` rounded up (to whole votes, or to ``d`` places
    with ``non_integer_threshold``). Bottoms-up percentage: ``V * p``. ``V`` is
    the round's active votes; single-winner counts recompute it each round
    (unless ``first_round_determines_threshold``), multi-winner counts fix it
    in round 1. A positive ``minimum_vote_threshold`` above the result
    replaces it. Winners need ``>= threshold`` (bottoms-up: ``> threshold``).

Multi-winner surplus (RCTab's fixed-point rule, not exact STV)
    A winner's surplus fraction is ``(votes - threshold) / votes`` truncated
    to ``decimal_places``; each of its ballots keeps ``value - t`` for the
    winner and moves on with ``t = value * fraction`` truncated again. In the
    next round the winner's total is the sum of what its ballots kept; any
    excess over the threshold is booked as *residual surplus* and the total
    set to the threshold. Once all seats are filled, one last round shows the
    final surpluses leaving as *final round surplus*.

Arithmetic is in integers ("atoms" of ``1 / (D * 10**d)``, ``D`` clearing any
fractional ballot weights) and reported as :class:`fractions.Fraction`. RCTab
prints each number with the scale of the Java ``BigDecimal`` that produced it
("8" or "8.0000"); :class:`RctabRound` records those scales for the RCTab
renderers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain, compress, repeat
from operator import attrgetter

import numpy as np

from selectorate.ballots import OVERVOTE, Ballot, Election
from selectorate.ballots.packed import PackedBallots, group_sums
from selectorate.counting.java_collections import java_string_key
from selectorate.counting.result import (
    EXHAUSTED,
    RESIDUAL_SURPLUS,
    Action,
    CountResult,
    Round,
    TieBreak,
)
from selectorate.counting.tiebreak import TieBreaker

#: RCTab's label for the undeclared write-in pseudo-candidate.
UNDECLARED_WRITE_INS = "Undeclared Write-ins"
#: Inactive cause shown only in the last round of a count with surpluses.
FINAL_ROUND_SURPLUS = "finalRoundSurplus"

OVERVOTE_RULES = ("exhaustImmediately", "alwaysSkipToNextRank", "exhaustIfMultipleContinuing")

# Program step codes (a step >= 0 is a candidate index).
_OVER, _SKIPPED, _CHOICES, _REPEATED = -1, -2, -3, -4
_MULTI_BASE = -10  # -10 - k: several marks at one rank, looked up in a side table
_CAUSE_OF_CODE = {
    _OVER: "overvotes",
    _SKIPPED: "skippedRankings",
    _CHOICES: "exhaustedChoices",
    _REPEATED: "repeatedRankings",
}
_CAUSES = ("overvotes", "skippedRankings", "exhaustedChoices", "repeatedRankings")
# Ballot status: 0 counting, 1..4 inactive causes, 5 final round surplus, 6 blank.
_ACTIVE, _FINAL, _BLANK = 0, 5, 6
_STATUS_OF_CODE = {_OVER: 1, _SKIPPED: 2, _CHOICES: 3, _REPEATED: 4}


@dataclass(slots=True)
class RctabRound(Round):
    """A :class:`Round` plus the decimal scale RCTab prints each value with.

    ``tally_scale[name]``, ``inactive_scale[cause]``, ``threshold_scale`` and
    ``transfer_scale[(candidate, recipient)]`` give the number of decimals of
    the Java ``BigDecimal`` behind each value (0 for whole votes).
    """

    tally_scale: dict[str, int] = field(default_factory=dict)
    inactive_scale: dict[str, int] = field(default_factory=dict)
    threshold_scale: int = 0
    transfer_scale: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass(slots=True)
class RctabOptions:
    """RCTab rule settings, named as in :mod:`selectorate.formats.rctab`'s contract."""

    seats: int = 1
    overvote_rule: str = "exhaustImmediately"
    max_skipped_ranks: int | None = 1
    max_rankings: int | None = None
    exhaust_on_duplicate: bool = False
    tiebreak_mode: str = "useCandidateOrder"
    random_seed: int | None = None
    decimal_places: int = 4
    non_integer_threshold: bool = False
    hare_quota: bool = False
    batch_elimination: bool = False
    continue_until_two: bool = False
    first_round_determines_threshold: bool = False
    minimum_vote_threshold: int | Fraction = 0
    stop_after_round: int | None = None
    cutoff_elimination: bool = False
    bottoms_up_percentage: Fraction | None = None
    one_winner_per_round: bool = False
    tiebreak_order: list[str] | None = None
    #: Choices for the "ask" tie-break modes, in the order the ties arise.
    tiebreak_decisions: list[str] | None = None

    def check(self) -> None:
        """Reject settings RCTab's config validation would reject."""
        if self.overvote_rule not in OVERVOTE_RULES:
            raise ValueError(
                f"unknown overvote rule {self.overvote_rule!r}; known: {', '.join(OVERVOTE_RULES)}"
            )
        if self.seats < 0:
            raise ValueError("seats must not be negative")
        if self.max_skipped_ranks is not None and self.max_skipped_ranks < 0:
            raise ValueError("max_skipped_ranks must not be negative")
        if self.max_rankings is not None and self.max_rankings < 1:
            raise ValueError("max_rankings must be at least 1")
        if not 1 <= self.decimal_places <= 20:
            raise ValueError("decimal_places must be from 1 to 20")
        if self.non_integer_threshold and self.hare_quota:
            raise ValueError("non_integer_threshold and hare_quota cannot both be set")


def make_options(allowed: Sequence[str], given: dict[str, object], **fixed: object) -> RctabOptions:
    """Build :class:`RctabOptions` from keyword options; unknown keys raise :class:`TypeError`."""
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise TypeError(f"unexpected option(s): {', '.join(unknown)}")
    opts = RctabOptions(**{**given, **fixed})  # type: ignore[arg-type]
    opts.check()
    return opts


#: Options every RCTab-rule method accepts.
COMMON_OPTIONS = (
    "seats",
    "overvote_rule",
    "max_skipped_ranks",
    "max_rankings",
    "exhaust_on_duplicate",
    "tiebreak_mode",
    "random_seed",
    "decimal_places",
    "non_integer_threshold",
    "hare_quota",
    "batch_elimination",
    "continue_until_two",
    "first_round_determines_threshold",
    "minimum_vote_threshold",
    "stop_after_round",
    "cutoff_elimination",
    "bottoms_up_percentage",
    "tiebreak_order",
    "tiebreak_decisions",
)


# --------------------------------------------------------------------------- observing


@dataclass(frozen=True, slots=True)
class RoundState:
    """Where every counted ranking stands at the end of one round (a copy).

    Given to the observer set in :data:`ROUND_OBSERVER` (the per-precinct and
    per-batch reports of :mod:`selectorate.counting.slices` use it). Row ``i``
    of the arrays is the distinct, non-blank ranking ``rankings[i]``; one
    ballot of it holds ``value[i] / unit`` of a vote (scaled weights use
    ``denominator``). The state is taken after the round's decisions: the
    surplus of a winner elected in this round has already left the values of
    its ballots, and ``kept`` holds what each of them kept for the winner.
    """

    number: int
    method: str
    names: list[str]
    rankings: list[tuple[tuple[int, ...], ...]]
    denominator: int
    unit: int
    #: The candidate each row counts for, -1 when it does not count.
    current: np.ndarray
    #: 0 counting; 1..4 inactive by ``INACTIVE_CAUSES[status - 1]``; 5 final round surplus.
    status: np.ndarray
    value: np.ndarray
    #: True when the row's value carries ``decimal_places`` (RCTab's BigDecimal scale).
    fixed: np.ndarray
    #: Winner -> what each row kept for that winner (multi-winner surplus counts only).
    kept: dict[int, np.ndarray]
    #: The round as the count recorded it (actions are attached only when the count ends).
    round: RctabRound


#: An optional callback given a :class:`RoundState` after every round of every
#: RCTab-rule count run in this context. Unset (the default) it costs nothing
#: and changes nothing.
ROUND_OBSERVER: ContextVar[Callable[[RoundState], None] | None] = ContextVar(
    "rctab_round_observer", default=None
)


# --------------------------------------------------------------------------- ballots


@dataclass(slots=True)
class _Ballots:
    """Distinct rankings compiled to walking programs, with their weights."""

    programs: np.ndarray  # int32 [G, L]
    multi_sets: list[tuple[int, ...]]
    weights: list[int]  # scaled by ``denominator``
    denominator: int
    blank_weight: int  # scaled, blank ballots
    total_weight: int  # scaled, every ballot
    #: Every distinct ranking, in order of first appearance (blank ones included).
    keys: list[tuple[tuple[int, ...], ...]] = field(default_factory=list)
    #: Which of ``keys`` are counted rows (not blank): row ``i`` is the ``i``-th True.
    counted: np.ndarray | None = None


def _decimal_places_of(value: Fraction) -> int:
    """Places needed to write ``value`` as a terminating decimal (error if it has none)."""
    places, den = 0, value.denominator
    while den % 10 == 0:
        den //= 10
        places += 1
    while den % 2 == 0:
        den //= 2
        places += 1
    while den % 5 == 0:
        den //= 5
        places += 1
    if den != 1:
        raise ValueError(f"{value} is not a terminating decimal")
    return max(places, 0)


def _group(ballots: Sequence[Ballot]) -> dict[tuple[tuple[int, ...], ...], object]:
    """Total weight of each distinct ranking, in order of first appearance."""
    rankings = list(map(attrgetter("rankings"), ballots))
    weights = list(map(attrgetter("weight"), ballots))
    if set(map(type, weights)) <= {int} and set(weights) <= {1}:
        return dict(Counter(rankings))  # C-speed counting when every weight is 1
    groups: dict[tuple[tuple[int, ...], ...], object] = {}
    for key, weight in zip(rankings, weights, strict=True):
        groups[key] = groups.get(key, 0) + weight  # type: ignore[operator]
    return groups


def _compile(election: Election, opts: RctabOptions, *, keys: bool = True) -> _Ballots:
    """Group identical rankings and turn each into its walking program.

    Packed ballots (:class:`PackedBallots`) are compiled from their arrays
    without making ``Ballot`` objects, unless ``keys`` asks for the distinct
    rankings themselves (a round observer needs them).
    """
    ncand = len(election.candidates)
    ballots = election.ballots
    if isinstance(ballots, PackedBallots):
        if not keys and len(ballots):
            return _compile_packed(ballots, opts, ncand)
        ballots = list(ballots)
    groups = _group(ballots)
    keys = list(groups)
    raw = list(groups.values())
    denominator = 1
    if set(map(type, raw)) <= {int}:
        scaled = raw
    else:
        for w in raw:
            denominator = math.lcm(denominator, Fraction(w).denominator)  # type: ignore[arg-type]
        scaled = [int(Fraction(w) * denominator) for w in raw]  # type: ignore[arg-type]
    if any(w < 0 for w in scaled):  # type: ignore[operator]
        raise ValueError("ballot weights must not be negative")
    programs, blank_rows, multi_sets = _programs(keys, opts, ncand)
    weights = np.array(scaled, dtype=object)
    total = int(sum(scaled))  # type: ignore[arg-type]
    blank = int(weights[blank_rows].sum()) if blank_rows.any() else 0
    kept = [int(w) for w in weights[~blank_rows]]
    return _Ballots(
        programs[~blank_rows], multi_sets, kept, denominator, blank, total, keys, ~blank_rows
    )


def _compile_packed(packed: PackedBallots, opts: RctabOptions, ncand: int) -> _Ballots:
    """:func:`_compile` for packed ballots: the same programs and weights, from the arrays.

    Identical rankings are grouped with numpy (nothing to merge in a file whose
    lines are distinct already, the usual BLT); the groups keep the order of
    first appearance, as :func:`_group` does, and their weights are summed exactly.
    """
    first, inverse = packed.group_index()
    if first.size == len(packed):
        rows, sums = packed, packed.weights
    else:
        rows = packed.take(first)
        sums = group_sums(packed.weights, inverse, first.size)
    if (sums < 0).any():
        raise ValueError("ballot weights must not be negative")
    if rows.marks.size and int(rows.marks.max()) >= ncand:
        raise ValueError("a ballot mark is not a candidate index")
    programs, blank_rows, multi_sets = _steps(
        rows.dense(fill=_EMPTY), np.zeros(len(rows), dtype=bool), [], opts, ncand
    )
    scaled = sums.tolist()
    blank = sum(compress(scaled, blank_rows.tolist()))
    kept = sums[~blank_rows].tolist()
    return _Ballots(programs[~blank_rows], multi_sets, kept, 1, blank, sum(scaled))


_NOT_SINGLE = -(2**40)  # a rank that is not one candidate (or the overvote label)
_EMPTY = -(2**30)  # an unmarked rank in the dense rank matrix
_NONE = -(2**30) + 1  # a rank that adds no step to the program


def _programs(
    keys: list[tuple[tuple[int, ...], ...]], opts: RctabOptions, ncand: int
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, ...]]]:
    """Programs of all distinct rankings at once (numpy); rows with overvotes by hand.

    Returns the program matrix, a mask of blank rankings and the side table of
    multi-mark ranks used by ``exhaustIfMultipleContinuing``.
    """
    g = len(keys)
    if g == 0:
        return np.full((0, 1), _CHOICES, dtype=np.int32), np.zeros(0, dtype=bool), []
    rank_counts = np.fromiter(map(len, keys), dtype=np.int64, count=g)
    nranks = int(rank_counts.sum())
    # One pass for the usual rank, a single candidate (or the file's overvote).
    one_mark = {(c,): c for c in range(ncand)}
    one_mark[(OVERVOTE,)] = OVERVOTE
    marks = np.fromiter(
        map(one_mark.get, chain.from_iterable(keys), repeat(_NOT_SINGLE)),
        dtype=np.int64,
        count=nranks,
    )
    if (marks != _NOT_SINGLE).all():
        mark_counts = np.ones(nranks, dtype=np.int64)
        nmarks = nranks
    else:
        mark_counts = np.fromiter(
            map(len, chain.from_iterable(keys)), dtype=np.int64, count=nranks
        )
        nmarks = int(mark_counts.sum())
        marks = np.fromiter(
            chain.from_iterable(chain.from_iterable(keys)), dtype=np.int64, count=nmarks
        )
    if marks.size and ((marks >= ncand) | ((marks < 0) & (marks != OVERVOTE))).any():
        raise ValueError("a ballot mark is not a candidate index")
    by_hand = np.zeros(g, dtype=bool)
    width = int(rank_counts.max()) if g else 0
    if nmarks == nranks == g * width and (mark_counts == 1).all():
        dense = marks.reshape(g, width)  # the usual case: one mark at every rank
    else:
        row_of_rank = np.repeat(np.arange(g), rank_counts)
        by_hand[row_of_rank[mark_counts > 1]] = True
        rank_value = np.full(nranks, _EMPTY, dtype=np.int64)
        single = mark_counts == 1
        rank_value[single] = marks[(np.cumsum(mark_counts) - mark_counts)[single]]
        dense = np.full((g, max(width, 1)), _EMPTY, dtype=np.int64)
        starts = np.repeat(np.cumsum(rank_counts) - rank_counts, rank_counts)
        dense[row_of_rank, np.arange(nranks) - starts] = rank_value
    return _steps(dense, by_hand, keys, opts, ncand)


def _steps(
    dense: np.ndarray,
    by_hand: np.ndarray,
    keys: Sequence[tuple[tuple[int, ...], ...]],
    opts: RctabOptions,
    ncand: int,
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, ...]]]:
    """Programs from the dense rank matrix (``_EMPTY``: no mark; rows ``by_hand`` from ``keys``).

    ``dense[i, j]`` is the single mark (or ``OVERVOTE``) at rank ``j + 1`` of
    ranking ``i``; rows flagged ``by_hand`` (several marks at a rank, or an
    overvote the vectorised walk cannot settle) are compiled from ``keys[i]``.
    """
    g, width = dense.shape
    simple = _simple_programs(dense, by_hand, opts)
    if simple is not None:
        return simple
    steps = np.full((g, width + 1), _NONE, dtype=np.int64)
    done = np.zeros(g, dtype=bool)
    last = np.zeros(g, dtype=np.int64)
    limit = opts.max_skipped_ranks
    rule = opts.overvote_rule
    for j in range(width):
        value = dense[:, j]
        live = (value != _EMPTY) & ~done
        if limit is not None:
            skipped = live & (j + 1 - last > limit + 1)
            steps[skipped, j] = _SKIPPED
            done |= skipped
            live &= ~skipped
        last[live] = j + 1
        if opts.exhaust_on_duplicate and j:
            repeated = live & (dense[:, :j] == value[:, None]).any(axis=1)
            steps[repeated, j] = _REPEATED
            done |= repeated
            live &= ~repeated
        over = live & (value == OVERVOTE)
        if over.any():
            if rule == "exhaustImmediately":
                steps[over, j] = _OVER
                done |= over
            elif rule != "alwaysSkipToNextRank":
                by_hand |= over  # the hand-made program raises the precise error
        choice = live & (value >= 0)
        steps[choice, j] = value[choice]
    blank = ~(dense != _EMPTY).any(axis=1) & ~by_hand
    steps[~done, width] = _CHOICES
    gaps = steps == _NONE
    if (gaps[:, :-1] & ~gaps[:, 1:]).any():  # close the gaps left by skipped overvotes
        order = np.argsort(gaps, axis=1, kind="stable")
        steps = np.take_along_axis(steps, order, axis=1)
    used = int((steps != _NONE).sum(axis=1).max())
    steps = steps[:, : max(used, 1)]
    steps[steps == _NONE] = _CHOICES
    multi_index: dict[tuple[int, ...], int] = {}
    multi_sets: list[tuple[int, ...]] = []
    for row in np.nonzero(by_hand)[0]:
        program = _program(keys[row], opts, rule, ncand, multi_index, multi_sets)
        assert program is not None
        if len(program) > steps.shape[1]:
            pad = np.full((g, len(program) - steps.shape[1]), _CHOICES, dtype=np.int64)
            steps = np.concatenate([steps, pad], axis=1)
        steps[row, :] = _CHOICES
        steps[row, : len(program)] = program
    return steps.astype(np.int32), blank, multi_sets


def _simple_programs(
    dense: np.ndarray, by_hand: np.ndarray, opts: RctabOptions
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, ...]]] | None:
    """:func:`_steps` for the usual ballots, in one pass; ``None`` when they are not.

    When every ranking is candidates at ranks 1..k (no skipped rank, no overvote)
    and repeated candidates do not end a walk, nothing stops a walk early: each
    program is the ranking followed by "exhausted choices". The rule-by-rule
    pass of :func:`_steps` gives exactly this for such rows.
    """
    if opts.exhaust_on_duplicate or by_hand.any():
        return None
    present = dense != _EMPTY
    if (present[:, 1:] & ~present[:, :-1]).any() or (dense[present] < 0).any():
        return None
    lengths = present.sum(axis=1)
    used = int(lengths.max(initial=0)) + 1
    steps = np.full((dense.shape[0], used), _CHOICES, dtype=np.int32)
    cut = min(used - 1, dense.shape[1])
    steps[:, :cut] = np.where(present[:, :cut], dense[:, :cut], _CHOICES)
    return steps, lengths == 0, []


def _program(
    rankings: tuple[tuple[int, ...], ...],
    opts: RctabOptions,
    rule: str,
    ncand: int,
    multi_index: dict[tuple[int, ...], int],
    multi_sets: list[tuple[int, ...]],
) -> list[int] | None:
    """The fixed sequence of steps a ballot's re-reading goes through (None: blank)."""
    for marks in rankings:
        if not marks:
            continue
        if OVERVOTE in marks and len(marks) != 1:
            raise ValueError("a rank holds both the overvote label and candidates")
        for m in marks:
            if m != OVERVOTE and not 0 <= m < ncand:
                raise ValueError(f"ballot mark {m} is not a candidate index")
    marked = any(rankings)
    steps: list[int] = []
    last = 0
    seen: set[int] = set()
    for position, marks in enumerate(rankings):
        if not marks:
            continue
        rank = position + 1
        if opts.max_skipped_ranks is not None and rank - last > opts.max_skipped_ranks + 1:
            steps.append(_SKIPPED)
            return steps
        last = rank
        if opts.exhaust_on_duplicate:
            duplicate = False
            for m in marks:
                if m in seen:
                    duplicate = True
                    break
                seen.add(m)
            if duplicate:
                steps.append(_REPEATED)
                return steps
        if marks == (OVERVOTE,):
            if rule == "exhaustImmediately":
                steps.append(_OVER)
                return steps
            if rule == "alwaysSkipToNextRank":
                continue
            raise ValueError(
                "an explicit overvote needs the overvote rule exhaustImmediately "
                "or alwaysSkipToNextRank"
            )
        if len(marks) > 1:
            if rule == "exhaustImmediately":
                steps.append(_OVER)
                return steps
            if rule == "alwaysSkipToNextRank":
                continue
            if marks not in multi_index:
                multi_index[marks] = len(multi_sets)
                multi_sets.append(marks)
            steps.append(_MULTI_BASE - multi_index[marks])
            continue
        steps.append(marks[0])
    if not marked:
        return None
    steps.append(_CHOICES)
    return steps


# --------------------------------------------------------------------------- the count


@dataclass(slots=True)
class _Value:
    """An exact amount in atoms with the decimal scale RCTab would print it with."""

    atoms: int = 0
    fixed: bool = False


class RctabCount:
    """One RCTab tabulation (one pass) of ``election``; call :meth:`run`."""

    def __init__(self, election: Election, opts: RctabOptions, mode: str, method: str) -> None:
        if mode not in ("single", "multi", "bottoms_up", "bottoms_up_percentage"):
            raise ValueError(f"unknown mode {mode!r}")
        self.election = election
        self.opts = opts
        self.mode = mode
        self.method = method
        self.names = election.names
        self.ncand = len(self.names)
        self.seats = opts.seats
        self.uwi = next((i for i, c in enumerate(election.candidates) if c.write_in), None)
        self.excluded = {i for i, c in enumerate(election.candidates) if c.excluded}
        self.num_declared = self.ncand - (1 if self.uwi is not None else 0)
        self.num_candidates = self.ncand - len(self.excluded)
        self.uses_surpluses = self.seats > 1 and mode == "multi"
        if mode == "bottoms_up_percentage" and opts.bottoms_up_percentage is None:
            raise ValueError("bottoms-up by percentage needs bottoms_up_percentage")
        # RCTab's config validation: these options are for single-winner counts.
        if opts.batch_elimination and (self.seats > 1 or mode == "bottoms_up_percentage"):
            raise ValueError("batch_elimination is only allowed in single-winner counts")
        if opts.continue_until_two and self.seats != 1:
            raise ValueError("continue_until_two is only allowed in single-winner counts")
        self.places = opts.decimal_places
        self.unit = 10**self.places if self.uses_surpluses else 1  # atoms per vote per ballot
        order = opts.tiebreak_order or [c.name for c in election.candidates if not c.write_in]
        self.tiebreaker = TieBreaker(
            opts.tiebreak_mode, order, opts.random_seed, opts.tiebreak_decisions
        )

    # ------------------------------------------------------------------ helpers

    def _fraction(self, atoms: int) -> Fraction:
        return Fraction(atoms, self.ballots.denominator * self.unit)

    def _continuing(self, c: int) -> bool:
        if c in self.excluded or c in self.eliminated:
            return False
        return c not in self.winners or self.opts.continue_until_two

    def _threshold(self, active: Fraction) -> tuple[Fraction, int]:
        opts = self.opts
        if self.mode == "bottoms_up_percentage":
            p = Fraction(opts.bottoms_up_percentage)  # type: ignore[arg-type]
            scale = self._active_scale + _decimal_places_of(p)
            value = active * p
        else:
            divisor = self.seats if opts.hare_quota else self.seats + 1
            decimals = self.places if opts.non_integer_threshold else 0
            step = Fraction(1, 10**decimals)
            quotient = active / divisor / step
            if opts.hare_quota:
                value = math.ceil(quotient) * step
            else:
                value = (math.floor(quotient) + 1) * step
            scale = decimals
        minimum = Fraction(opts.minimum_vote_threshold)
        if minimum > 0 and minimum > value:
            value, scale = minimum, _decimal_places_of(minimum)
        return value, scale

    # ------------------------------------------------------------------ run

    def run(self) -> CountResult:
        """Count and return the round-by-round result."""
        observe = ROUND_OBSERVER.get()
        self.ballots = _compile(self.election, self.opts, keys=observe is not None)
        b = self.ballots
        g = len(b.weights)
        self.program = b.programs
        self.ptr = np.zeros(g, dtype=np.int64)
        self.cur = np.full(g, -1, dtype=np.int64)
        self.status = np.zeros(g, dtype=np.int8)
        use_objects = self.uses_surpluses and (self.places > 6 or b.total_weight > 2**20)
        # int64 sums would overflow silently on astronomically heavy weights: use Python ints.
        use_objects = use_objects or b.total_weight * max(self.unit, 1) >= 2**62
        dtype = object if use_objects else np.int64
        self.weight = np.array(b.weights, dtype=dtype) if g else np.zeros(0, dtype=dtype)
        self.value = np.full(g, self.unit, dtype=dtype)  # per-ballot value in 10**-d units
        self.fixed = np.zeros(g, dtype=bool)
        self.alloc: dict[int, np.ndarray] = {}
        self.winners: dict[int, int] = {}
        self.eliminated: dict[int, int] = {}
        self.tally_atoms = [0] * self.ncand
        self.tally_fixed = [False] * self.ncand
        self.inactive = {cause: _Value() for cause in (*_CAUSES, FINAL_ROUND_SURPLUS)}
        self.residual_atoms = 0
        self.winner_tally: dict[int, tuple[Fraction, int]] = {}
        self.rounds: list[RctabRound] = []
        self.transfers: dict[int, dict[tuple[int, str], _Value]] = {}
        self.tallies_by_round: list[dict[str, Fraction]] = []
        self._active_scale = 0
        current = 0
        rows: list[tuple[tuple[int, ...], ...]] | None = None
        while self._should_continue(current):
            current += 1
            self._round(current)
            if observe is not None:
                if rows is None:
                    rows = list(compress(b.keys, b.counted)) if b.counted is not None else []
                observe(self._state(current, rows))
        return self._result()

    def _state(self, r: int, rows: list[tuple[tuple[int, ...], ...]]) -> RoundState:
        """A copy of where every counted ranking stands at the end of round ``r``."""
        return RoundState(
            number=r,
            method=self.method,
            names=list(self.names),
            rankings=rows,
            denominator=self.ballots.denominator,
            unit=self.unit,
            current=self.cur.copy(),
            status=self.status.copy(),
            value=self.value.copy(),
            fixed=self.fixed.copy(),
            kept={w: a.copy() for w, a in self.alloc.items()},
            round=self.rounds[-1],
        )

    def _should_continue(self, current: int) -> bool:
        opts = self.opts
        if opts.stop_after_round is not None and current >= opts.stop_after_round:
            return False
        if current == 0:
            return True
        if len(self.winners) == self.num_declared and self.seats > self.num_candidates:
            return False  # more seats than candidates: everyone has been elected
        if opts.continue_until_two:
            return (
                len(self.eliminated) + len(self.winners) + 1 < self.num_candidates
                or current in self.eliminated.values()
            )
        if self.mode == "bottoms_up_percentage":
            return not self.winners
        return len(self.winners) < self.seats or (
            self.uses_surpluses and current in self.winners.values()
        )

    def _round(self, r: int) -> None:
        transfers = self.transfers.setdefault(r, {})
        self._move_ballots(r, transfers)
        tally_atoms = {c: self.tally_atoms[c] for c in range(self.ncand) if self._continuing(c)}
        tally = {c: self._fraction(a) for c, a in tally_atoms.items()}
        active = sum(tally.values(), Fraction(0))
        self._active_scale = (
            max((self.places if self.tally_fixed[c] else 0) for c in tally) if tally else 0
        )
        if self.seats > 1:
            recompute = r == 1
        else:
            # Once the winner is known (continue_until_two) the threshold stays as it was.
            recompute = r == 1 or (
                not self.opts.first_round_determines_threshold and not self.winners
            )
        if recompute:
            threshold, threshold_scale = self._threshold(active)
        else:
            threshold, threshold_scale = self.rounds[-1].threshold, self.rounds[-1].threshold_scale
        assert threshold is not None
        tie_breaks: list[TieBreak] = []
        # RCTab compares tallies of continuing candidates only (past winners are added later).
        self.tallies_by_round.append({self.names[c]: v for c, v in tally.items()})
        winners = self._identify_winners(r, tally, threshold, tie_breaks)
        if winners:
            for w in winners:
                self.winners[w] = r
            if self.uses_surpluses:
                for w in winners:
                    self._distribute_surplus(w, tally[w], threshold)
        elif (
            len(self.winners) < self.seats
            or (self.opts.continue_until_two and len(self.eliminated) < self.num_candidates - 2)
            or self.mode == "bottoms_up_percentage"
        ):
            losers = self._eliminate(r, tally, threshold, tie_breaks)
            for c in losers:
                self.eliminated[c] = r
        if self.seats > 1:
            self._update_winner_tallies(r, threshold, threshold_scale, transfers)
        self._snapshot(r, tally, threshold, threshold_scale, tie_breaks)

    # ------------------------------------------------------------------ ballots moving

    def _move_ballots(self, r: int, transfers: dict[tuple[int, str], _Value]) -> None:
        """Give every ballot whose candidate stopped continuing to its next choice."""
        cont = np.array([self._continuing(c) for c in range(self.ncand)] + [False], dtype=bool)
        counting = self.status == _ACTIVE
        movers = np.nonzero(counting & ~cont[self.cur])[0]
        if movers.size == 0:
            return
        sources = self.cur[movers]
        if r > 1:  # resume after the step that gave the ballot its current candidate
            self.ptr[movers] += 1
        if self.uses_surpluses and len(self.winners) == self.seats:
            self._settle(movers, sources, np.full(movers.size, -1), _FINAL, transfers)
            return
        idx = movers
        src = sources
        program = self.program
        while idx.size:
            code = program[idx, self.ptr[idx]]
            is_candidate = code >= 0
            takes = is_candidate & cont[np.where(is_candidate, code, self.ncand)]
            ends = (code < 0) & (code > _MULTI_BASE)
            multi = code <= _MULTI_BASE
            if takes.any():
                self._settle(idx[takes], src[takes], code[takes], _ACTIVE, transfers)
            if ends.any():
                for end_code, status in _STATUS_OF_CODE.items():
                    sel = ends & (code == end_code)
                    if sel.any():
                        self._settle(
                            idx[sel], src[sel], np.full(int(sel.sum()), -1), status, transfers
                        )
            go_on = ~(takes | ends)
            if multi.any():
                for k in np.nonzero(multi)[0]:
                    marks = self.ballots.multi_sets[_MULTI_BASE - int(code[k])]
                    live = [m for m in marks if cont[m]]
                    row = idx[k : k + 1]
                    if len(live) >= 2:
                        self._settle(row, src[k : k + 1], np.array([-1]), 1, transfers)
                        go_on[k] = False
                    elif len(live) == 1:
                        self._settle(row, src[k : k + 1], np.array([live[0]]), _ACTIVE, transfers)
                        go_on[k] = False
            idx, src = idx[go_on], src[go_on]
            self.ptr[idx] += 1

    def _settle(
        self,
        rows: np.ndarray,
        sources: np.ndarray,
        targets: np.ndarray,
        status: int,
        transfers: dict[tuple[int, str], _Value],
    ) -> None:
        """Book ballots ``rows`` leaving ``sources`` for candidate ``targets`` or inactivity."""
        amounts = self.weight[rows] * self.value[rows]
        fixed = self.fixed[rows]
        # Leaving: take the amounts off the old candidates' running tallies.
        for c in np.unique(sources):
            if c >= 0:
                self.tally_atoms[c] -= int(amounts[sources == c].sum())
        if status == _ACTIVE:
            self.cur[rows] = targets
            for c in np.unique(targets):
                sel = targets == c
                self.tally_atoms[c] += int(amounts[sel].sum())
                if fixed[sel].any():
                    self.tally_fixed[c] = True
        else:
            self.status[rows] = status
            self.cur[rows] = -1
            cause = FINAL_ROUND_SURPLUS if status == _FINAL else _CAUSES[status - 1]
            bucket = self.inactive[cause]
            bucket.atoms += int(amounts.sum())
            bucket.fixed = bucket.fixed or bool(fixed.any())
        # Transfers (RCTab books only positive values, and none out of round 1's "uncounted").
        for c in np.unique(sources):
            if c < 0:
                continue
            from_c = sources == c
            for t in np.unique(targets[from_c]):
                sel = from_c & (targets == t) & (amounts > 0)
                if not sel.any():
                    continue
                key = (int(c), self.names[t] if t >= 0 else EXHAUSTED)
                entry = transfers.setdefault(key, _Value())
                entry.atoms += int(amounts[sel].sum())
                entry.fixed = entry.fixed or bool(fixed[sel].any())

    # ------------------------------------------------------------------ winners

    def _identify_winners(
        self, r: int, tally: dict[int, Fraction], threshold: Fraction, tie_breaks: list[TieBreak]
    ) -> list[int]:
        opts = self.opts
        if self.uwi is not None and self.uwi in tally and tally[self.uwi] != 0:
            return []  # no one can win while undeclared write-ins hold votes
        selected: list[int] = []
        if self.mode == "bottoms_up_percentage":
            if all(v > threshold for v in tally.values()):
                selected = list(tally)
            return selected
        unfilled = self.seats - len(self.winners)
        if unfilled > 0:
            if len(tally) <= unfilled:
                selected = list(tally)
            elif opts.first_round_determines_threshold and len(tally) - 1 == self.seats:
                top = max(tally.values())
                selected = [c for c, v in tally.items() if v == top]
            elif self.mode != "bottoms_up":
                selected = [c for c, v in tally.items() if v >= threshold and c != self.uwi]
        several = len(selected) > 1 and (
            opts.one_winner_per_round or opts.first_round_determines_threshold
        )
        last_two = (
            self.seats == 1
            and not selected
            and len(tally) == 2
            and unfilled == 1
            and all(v >= Fraction(opts.minimum_vote_threshold) for v in tally.values())
        )
        if several or last_two:
            top = max(tally.values())
            selected = [c for c, v in tally.items() if v == top]
            if len(selected) > 1:
                chosen, record = self.tiebreaker.choose(
                    selecting_winner=True,
                    tied=[self.names[c] for c in selected],
                    round_number=r,
                    previous_tallies=self.tallies_by_round,
                )
                tie_breaks.append(record)
                selected = [self.names.index(chosen)]
        return selected

    def _distribute_surplus(self, winner: int, votes: Fraction, threshold: Fraction) -> None:
        """Keep the threshold's share of each ballot with ``winner``; the rest moves on."""
        extra = votes - threshold
        scale = 10**self.places
        fraction_units = math.floor(extra / votes * scale) if extra > 0 else 0
        rows = np.nonzero((self.status == _ACTIVE) & (self.cur == winner))[0]
        old = self.value[rows]
        new = (old * fraction_units) // scale
        if winner not in self.alloc:
            self.alloc[winner] = np.zeros(len(self.weight), dtype=self.value.dtype)
        self.alloc[winner][rows] = old - new
        self.value[rows] = new
        self.fixed[rows] = True

    def _update_winner_tallies(
        self,
        r: int,
        threshold: Fraction,
        threshold_scale: int,
        transfers: dict[tuple[int, str], _Value],
    ) -> None:
        for w, won in self.winners.items():
            if won != r - 1:
                continue
            kept = int((self.alloc[w] * self.weight).sum()) if w in self.alloc else 0
            total = self._fraction(kept)
            residual = total - threshold
            if residual > 0:
                atoms = residual * self.ballots.denominator * self.unit
                self.residual_atoms += int(atoms)
                entry = transfers.setdefault((w, RESIDUAL_SURPLUS), _Value())
                entry.atoms += int(atoms)
                entry.fixed = True
                self.winner_tally[w] = (threshold, threshold_scale)
            else:
                self.winner_tally[w] = (total, self.places)

    # ------------------------------------------------------------------ eliminations

    def _eliminate(
        self, r: int, tally: dict[int, Fraction], threshold: Fraction, tie_breaks: list[TieBreak]
    ) -> list[int]:
        opts = self.opts
        if not tally:
            raise ValueError(f"round {r}: no continuing candidate is left to eliminate")
        if self.uwi is not None and self.uwi in tally and tally[self.uwi] > 0:
            return [self.uwi]
        ascending = sorted(set(tally.values()))
        minimum = Fraction(opts.minimum_vote_threshold)
        if minimum > 0 and ascending[0] < minimum:
            losers = [c for c, v in tally.items() if v < minimum]
            if len(losers) == self.num_declared:
                raise ValueError(
                    "every declared candidate is below the minimum vote threshold; "
                    "the count cannot proceed"
                )
            return losers
        if opts.cutoff_elimination and self.mode == "bottoms_up_percentage" and r == 1:
            losers = [c for c, v in tally.items() if v < threshold]
            if losers:
                return losers
        if opts.batch_elimination:
            batch = self._batch(tally, ascending)
            if len(batch) > 1:
                return batch
        lowest = ascending[0]
        last = [c for c, v in tally.items() if v == lowest]
        if len(last) == 1:
            return last
        chosen, record = self.tiebreaker.choose(
            selecting_winner=False,
            tied=[self.names[c] for c in last],
            round_number=r,
            previous_tallies=self.tallies_by_round[:-1],
        )
        tie_breaks.append(record)
        return [self.names.index(chosen)]

    def _batch(self, tally: dict[int, Fraction], ascending: list[Fraction]) -> list[int]:
        """RCTab's batch elimination: every group that cannot catch the next candidate."""
        running = Fraction(0)
        seen: list[int] = []
        batch: list[int] = []
        previous: list[int] = []
        for value in ascending:
            if running < value and len(seen) > len(batch):
                previous, batch = batch, list(seen)
            holders = [c for c, v in tally.items() if v == value]
            running += value * len(holders)
            seen.extend(holders)
        if (
            self.opts.continue_until_two
            and len(batch) + len(self.eliminated) == self.num_candidates - 1
        ):
            batch = previous
        return batch

    # ------------------------------------------------------------------ reporting

    def _snapshot(
        self,
        r: int,
        tally: dict[int, Fraction],
        threshold: Fraction,
        threshold_scale: int,
        tie_breaks: list[TieBreak],
    ) -> None:
        shown: dict[str, Fraction] = {}
        scales: dict[str, int] = {}
        for c in range(self.ncand):
            if c in tally:
                shown[self.names[c]] = tally[c]
                scales[self.names[c]] = self.places if self.tally_fixed[c] else 0
            elif c in self.winners and self.winners[c] < r and c in self.winner_tally:
                value, scale = self.winner_tally[c]
                shown[self.names[c]] = value
                scales[self.names[c]] = scale
        inactive = {cause: self._fraction(self.inactive[cause].atoms) for cause in _CAUSES}
        inactive_scale = {
            cause: self.places if self.inactive[cause].fixed else 0 for cause in _CAUSES
        }
        self.rounds.append(
            RctabRound(
                number=r,
                tally=shown,
                threshold=threshold,
                inactive=inactive,
                tie_breaks=tie_breaks,
                residual_surplus=self._fraction(self.residual_atoms),
                tally_scale=scales,
                inactive_scale=inactive_scale,
                threshold_scale=threshold_scale,
            )
        )

    def _result(self) -> CountResult:
        """Attach actions (in RCTab's order) and transfers, and build the result."""
        # ResultsWriter lists each round's winners, then its eliminated, by name.
        winner_order = sorted((self.names[c] for c in self.winners), key=java_string_key)
        loser_order = sorted((self.names[c] for c in self.eliminated), key=java_string_key)
        last = len(self.rounds)
        for rnd in self.rounds:
            r = rnd.number
            moved = self.transfers.get(r + 1, {})
            for kind, order, table in (
                ("elected", winner_order, self.winners),
                ("eliminated", loser_order, self.eliminated),
            ):
                for name in order:
                    c = self.names.index(name)
                    if table[c] != r:
                        continue
                    amounts: dict[str, Fraction] = {}
                    for (source, recipient), value in moved.items():
                        if source == c:
                            amounts[recipient] = self._fraction(value.atoms)
                            rnd.transfer_scale[(name, recipient)] = (
                                self.places if value.fixed else 0
                            )
                    ordered = {k: amounts[k] for k in sorted(amounts)}
                    rnd.actions.append(Action(kind, name, ordered))  # type: ignore[arg-type]
            if self.uses_surpluses and r == last:
                final = self.inactive[FINAL_ROUND_SURPLUS]
                rnd.inactive[FINAL_ROUND_SURPLUS] = self._fraction(final.atoms)
                rnd.inactive_scale[FINAL_ROUND_SURPLUS] = self.places if final.fixed else 0
        elected = [self.names[c] for c in sorted(self.winners, key=lambda c: (self.winners[c], c))]
        b = self.ballots
        return CountResult(
            method=self.method,
            candidates=list(self.names),
            seats=self.seats,
            elected=elected,
            rounds=list(self.rounds),
            total_ballots=Fraction(b.total_weight, b.denominator),
            undervotes=Fraction(b.blank_weight, b.denominator),
            title=self.election.title,
            decimal_places=self.places if self.uses_surpluses else None,
            options={k: getattr(self.opts, k) for k in RctabOptions.__slots__},  # type: ignore[attr-defined]
        )


def rctab_count(
    election: Election,
    options: dict[str, object],
    *,
    mode: str,
    method: str,
    allowed: Sequence[str],
) -> CountResult:
    """Count ``election`` with RCTab rules in ``mode`` (see :class:`RctabCount`)."""
    opts = make_options(allowed, options)
    return RctabCount(election, opts, mode, method).run()
