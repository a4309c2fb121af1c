"""RCTab's multi-pass IRV (``winnerElectionMode`` ``multiPassIrv``).

Source: RCTab ``TabulatorSession.java`` (BrightSpots/rcv): for each of the
``seats`` seats, run a complete single-winner IRV count (rules of
:mod:`selectorate.counting.irv`, a fresh tie-break random generator each
pass) with every earlier pass's winner excluded; the pass winners, in order,
are elected. ``CountResult.passes`` holds one :class:`CountResult` per pass;
the top-level result has no rounds of its own.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from selectorate.ballots import Election
from selectorate.counting import registry
from selectorate.counting.rctab_engine import COMMON_OPTIONS, RctabCount, make_options
from selectorate.counting.result import CountResult


def count_multi_pass_irv(election: Election, **options: object) -> CountResult:
    """Fill ``seats`` seats by successive IRV counts, excluding earlier winners."""
    opts = make_options(COMMON_OPTIONS, options)
    seats = opts.seats
    eligible = [c for c in election.candidates if not c.excluded and not c.write_in]
    if seats > len(eligible):
        raise ValueError(
            f"multi-pass IRV for {seats} seats needs at least {seats} candidates; "
            f"{len(eligible)} can be elected"
        )
    passes: list[CountResult] = []
    decisions = list(opts.tiebreak_decisions or [])
    winners: list[str] = []
    for _ in range(seats):
        current = election.with_excluded(winners) if winners else election
        one = RctabCount(
            current,
            replace(opts, seats=1, tiebreak_decisions=decisions),
            "single",
            "multi-pass-irv",
        ).run()
        # Decisions supplied for the "ask" modes are used up in order across the passes.
        used = sum(1 for t in one.tie_breaks if "operator decision" in t.method)
        decisions = decisions[used:]
        if len(one.elected) != 1:
            raise ValueError(
                f"pass {len(passes) + 1} of multi-pass IRV found {len(one.elected)} winners, not 1"
            )
        passes.append(one)
        winners.append(one.elected[0])
    return CountResult(
        method="multi-pass-irv",
        candidates=election.names,
        seats=seats,
        elected=winners,
        rounds=[],
        total_ballots=passes[0].total_ballots if passes else election.total_weight(),
        undervotes=passes[0].undervotes if passes else Fraction(0),
        title=election.title,
        options={**passes[0].options, "seats": seats} if passes else {},
        passes=passes,
        notes=[f"pass {i + 1} elected {w}" for i, w in enumerate(winners)],
    )


registry.register(
    registry.Method(
        name="multi-pass-irv",
        summary="RCTab multi-pass IRV: one IRV count per seat, earlier winners excluded",
        function=count_multi_pass_irv,
        multi_seat=True,
    )
)
