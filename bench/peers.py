"""How each benchmarked tool is fed and run: one ``Tool`` per (library, entry point).

Every tool splits into three phases, of which the harness times the last two:

* ``setup()``  — imports (not timed; the child reports ``READY`` after it);
* ``prep(files)`` — read the profile file and build the tool's own input objects
  ("file → input"); for the peers this starts from the canonical ``.npy`` matrix,
  the cheapest input there is, and includes collapsing identical ballots for the
  peers that accept weights (as in ``../shared/facts/python_peers.md`` §2);
* ``count(state)`` — the counting call with default options; returns the winner's
  name (``C<i>``), which the harness compares across tools.

This module imports nothing heavy at import time: the child process imports only
the libraries of the one tool it runs, so each peak-memory figure holds that tool's
imports and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Tool:
    """One benchmarked (library, call) pair."""

    name: str
    label: str
    arithmetic: str
    setup: Callable[[], Any]
    prep: Callable[[Any, Any], Any]
    count: Callable[[Any, Any], str]
    #: "selectorate", "peer" or "reference" (the numpy floor; not a user-facing peer).
    kind: str = "peer"


def _name(i: int) -> str:
    return f"C{int(i)}"


# --------------------------------------------------------------------------- helpers


def _load_matrix(files: Any) -> Any:
    import numpy as np

    return np.load(files.npy)


def _collapse(matrix: Any) -> tuple[list[list[int]], list[int]]:
    """Distinct rankings (lists of 0-based indices) and their counts."""
    from profiles import group

    rows, counts = group(matrix)
    ranked = [[x for x in row if x >= 0] for row in rows.tolist()]
    return ranked, counts.tolist()


# --------------------------------------------------------------------------- selectorate


def _sel_setup() -> Any:
    from selectorate.counting import registry
    from selectorate.formats.detect import read_ballots

    registry.get("irv")  # imports the method modules now, not inside the timed count
    return read_ballots, registry


def _sel_prep_blt(mods: Any, files: Any) -> Any:
    read_ballots, _ = mods
    return read_ballots(files.blt)


def _sel_prep_csv(mods: Any, files: Any) -> Any:
    read_ballots, _ = mods
    return read_ballots(files.csv)


def _sel_count(mods: Any, election: Any) -> tuple[str, list[str]]:
    _, registry = mods
    result = registry.count("irv", election)
    eliminated = [a.candidate for r in result.rounds for a in r.actions if a.kind == "eliminated"]
    return result.elected[0], eliminated


# --------------------------------------------------------------------------- numpy floor


def _np_setup() -> Any:
    import numpy as np

    return np


def _np_prep(np: Any, files: Any) -> Any:
    return np.load(files.npy)


def _np_count(np: Any, m: Any) -> tuple[str, list[str]]:
    eliminated: list[int] = []
    winner = numpy_irv(m, eliminated)
    return _name(winner), [_name(i) for i in eliminated]


def numpy_irv(m: Any, eliminated: list[int] | None = None) -> int:
    """Integer-exact IRV on an ``int8[N, C]`` (-1 padded) matrix; returns the winner's index.

    ``eliminated``, when given, receives the eliminated candidates in order.

    Each round only the ballots sitting on the eliminated candidate move on to their
    next continuing preference. The lowest candidate is eliminated (lowest index on
    an exact tie, which the seeded profiles never meet). Stops at a majority of the
    ballots still active.
    """
    import numpy as np

    n, c = m.shape
    pos = np.zeros(n, dtype=np.int64)
    cur = m[:, 0].astype(np.int64)
    continuing = np.ones(c + 1, dtype=bool)
    continuing[c] = False  # slot c stands for "exhausted"
    cur[cur < 0] = c
    tally = np.bincount(cur, minlength=c + 1)
    while True:
        active = tally[:c][continuing[:c]].sum()
        live = np.flatnonzero(continuing[:c])
        top = live[np.argmax(tally[live])]
        if 2 * tally[top] > active or len(live) == 1:
            return int(top)
        loser = live[np.argmin(tally[live])]
        continuing[loser] = False
        if eliminated is not None:
            eliminated.append(int(loser))
        moving = np.flatnonzero(cur == loser)
        while moving.size:
            pos[moving] += 1
            at_end = pos[moving] >= c
            nxt = np.full(moving.size, c, dtype=np.int64)
            inside = ~at_end
            nxt[inside] = m[moving[inside], pos[moving[inside]]]
            nxt[nxt < 0] = c
            cur[moving] = nxt
            moving = moving[~continuing[nxt] & (nxt != c)]
        tally = np.bincount(cur, minlength=c + 1)


# --------------------------------------------------------------------------- pyrankvote


def _prv_setup() -> Any:
    import numpy  # noqa: F401
    import pyrankvote

    return pyrankvote


def _prv_prep(pyrankvote: Any, files: Any) -> Any:
    m = _load_matrix(files)
    cands = [pyrankvote.Candidate(_name(i)) for i in range(m.shape[1])]
    cache: dict[tuple[int, ...], Any] = {}
    ballots = []
    for row in m.tolist():
        key = tuple(row)
        b = cache.get(key)
        if b is None:
            b = cache[key] = pyrankvote.Ballot(ranked_candidates=[cands[x] for x in row if x >= 0])
        ballots.append(b)
    return cands, ballots


def _prv_count(pyrankvote: Any, state: Any) -> str:
    cands, ballots = state
    return pyrankvote.instant_runoff_voting(cands, ballots).get_winners()[0].name


# --------------------------------------------------------------------------- votekit


def _vk_setup() -> Any:
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    from votekit.elections.election_types.ranking.stv.stv import IRV, FastIRV
    from votekit.pref_profile import RankProfile

    return IRV, FastIRV, RankProfile


def _vk_prep(mods: Any, files: Any) -> Any:
    import pandas as pd

    _, _, RankProfile = mods
    m = _load_matrix(files)
    c = m.shape[1]
    ranked, counts = _collapse(m)
    names = [_name(i) for i in range(c)]
    sets = [frozenset({n}) for n in names]
    empty = frozenset({"~"})
    data: dict[str, list[Any]] = {}
    for k in range(c):
        data[f"Ranking_{k + 1}"] = [sets[r[k]] if k < len(r) else empty for r in ranked]
    data["Weight"] = [float(w) for w in counts]
    data["Voter Set"] = [set() for _ in counts]
    df = pd.DataFrame(data)
    df.index.name = "Ballot Index"
    return RankProfile(df=df, candidates=names, max_ranking_length=c)


def _vk_fast_count(mods: Any, profile: Any) -> str:
    _, FastIRV, _ = mods
    (winner,) = FastIRV(profile).get_elected()[0]
    return winner


def _vk_classic_count(mods: Any, profile: Any) -> str:
    IRV, _, _ = mods
    (winner,) = IRV(profile).get_elected()[0]
    return winner


# --------------------------------------------------------------------------- pref_voting


def _pv_setup() -> Any:
    import numpy  # noqa: F401
    from pref_voting.iterative_methods import instant_runoff_for_truncated_linear_orders
    from pref_voting.profiles_with_ties import ProfileWithTies

    return ProfileWithTies, instant_runoff_for_truncated_linear_orders


def _pv_prep(mods: Any, files: Any) -> Any:
    ProfileWithTies, _ = mods
    m = _load_matrix(files)
    ranked, counts = _collapse(m)
    rankings = [{x: k + 1 for k, x in enumerate(r)} for r in ranked]
    return ProfileWithTies(rankings, rcounts=counts, candidates=list(range(m.shape[1])))


def _pv_count(mods: Any, profile: Any) -> str:
    _, irv = mods
    winners = irv(profile)
    if len(winners) != 1:
        return "tie:" + "+".join(_name(w) for w in winners)
    return _name(winners[0])


# --------------------------------------------------------------------------- pyrcv


def _rcv_setup() -> Any:
    import numpy  # noqa: F401
    from pyrcv.pyrcv import run_rcv
    from pyrcv.types import RaceData, RaceMetadata

    return run_rcv, RaceData, RaceMetadata


def _rcv_prep(mods: Any, files: Any) -> Any:
    _, RaceData, RaceMetadata = mods
    m = _load_matrix(files)
    ranked, counts = _collapse(m)
    names = [_name(i) for i in range(m.shape[1])]
    return RaceData(RaceMetadata("irv", 1, names), [[x + 1 for x in r] for r in ranked], counts)


def _rcv_count(mods: Any, race: Any) -> tuple[str, list[str]]:
    run_rcv, _, _ = mods
    result = run_rcv(race)
    eliminated: list[str] = []
    for r in result.rounds:
        eliminated += [_name(i - 1) for i in r.eliminated if _name(i - 1) not in eliminated]
    return _name(result.rounds[-1].elected[0] - 1), eliminated


# --------------------------------------------------------------------------- py-vote-core


def _pvc_setup() -> Any:
    import numpy  # noqa: F401
    from py3votecore.irv import IRV

    return IRV


def _pvc_prep(IRV: Any, files: Any) -> Any:
    m = _load_matrix(files)
    ranked, counts = _collapse(m)
    return [
        {"count": n, "ballot": [_name(x) for x in r]} for r, n in zip(ranked, counts, strict=True)
    ]


def _pvc_count(IRV: Any, ballots: Any) -> str:
    return IRV(ballots).winner


# --------------------------------------------------------------------------- registry

TOOLS: dict[str, Tool] = {
    t.name: t
    for t in [
        Tool(
            "selectorate",
            "selectorate (BLT, grouped)",
            "int / Fraction",
            _sel_setup,
            _sel_prep_blt,
            _sel_count,
            "selectorate",
        ),
        Tool(
            "selectorate-csv",
            "selectorate (CSV, 1 row/ballot)",
            "int / Fraction",
            _sel_setup,
            _sel_prep_csv,
            _sel_count,
            "selectorate",
        ),
        Tool(
            "numpy-floor",
            "numpy floor (reference, .npy)",
            "int",
            _np_setup,
            _np_prep,
            _np_count,
            "reference",
        ),
        Tool("pyrankvote", "pyrankvote", "float", _prv_setup, _prv_prep, _prv_count),
        Tool("votekit-fast", "votekit FastIRV", "float", _vk_setup, _vk_prep, _vk_fast_count),
        Tool(
            "votekit",
            "votekit IRV (classic)",
            "float",
            _vk_setup,
            _vk_prep,
            _vk_classic_count,
        ),
        Tool(
            "pref_voting",
            "pref_voting IRV (truncated)",
            "int",
            _pv_setup,
            _pv_prep,
            _pv_count,
        ),
        Tool("pyrcv", "pyrcv", "float", _rcv_setup, _rcv_prep, _rcv_count),
        Tool("py-vote-core", "py-vote-core", "float", _pvc_setup, _pvc_prep, _pvc_count),
    ]
}


# --------------------------------------------------------------------------- self-check


def plain_irv(m: Any) -> int | None:
    """Plain-Python IRV on the same matrix (reference for ``numpy_irv``); None on a tie."""
    ballots = [[x for x in row if x >= 0] for row in m.tolist()]
    live = set(range(m.shape[1]))
    while True:
        tally = dict.fromkeys(live, 0)
        for b in ballots:
            for x in b:
                if x in live:
                    tally[x] += 1
                    break
        active = sum(tally.values())
        top = max(tally.values())
        if 2 * top > active or len(live) == 1:
            leaders = [c for c in live if tally[c] == top]
            return leaders[0] if len(leaders) == 1 else None
        low = min(tally.values())
        losers = [c for c in live if tally[c] == low]
        if len(losers) > 1:
            return None
        live.remove(losers[0])


def selftest(trials: int = 200) -> tuple[int, int, int]:
    """``numpy_irv`` against ``plain_irv`` and ``group`` against ``np.unique`` on seeded
    small profiles; returns (compared, mismatches, skipped for ties)."""
    import numpy as np
    from profiles import generate, group

    compared = mismatches = skipped = 0
    for seed in range(trials):
        m = generate(n=300 + 37 * seed % 700, c=3 + seed % 8, seed=seed)
        rows, counts = group(m)
        ref_rows, ref_counts = np.unique(m, axis=0, return_counts=True)
        if not (np.array_equal(rows, ref_rows) and np.array_equal(counts, ref_counts)):
            mismatches += 1
        want = plain_irv(m)
        if want is None:
            skipped += 1
            continue
        compared += 1
        mismatches += numpy_irv(m) != want
    return compared, mismatches, skipped
