"""Meek STV: the PR Foundation reference rule ("meek") and Droop's parametric Meek ("meek-droop").

**meek** — Proportional Representation Foundation, "Reference Meek Rule"
(https://prfound.org/resources/reference/reference-meek-rule/), as
implemented by Droop's ``meek-prf`` rule (jklundell/droop
``droop/rules/meek_prf.py``). The rule, clause by clause:

* **A. Initialize.** Hopeful candidates get keep factor ``kf = 1``, withdrawn
  candidates 0; omega = 0.000001 (10⁻⁶).
* **B.1 Test count complete.** Go to C if all seats are filled, or if elected
  plus hopeful candidates are no more than the seats.
* **B.2.a Distribute votes.** Each ballot starts with weight ``w = 1``; at
  each candidate in order of rank, ``w × kf`` *to 9 decimal places, rounded
  up* is added to the candidate's vote and taken from ``w``, until the ballot
  ends or ``w`` is 0.
* **B.2.b Update quota.** ``q`` = the sum of all candidates' votes ÷ (seats +
  1), *truncated* to 9 decimal places, plus 0.000000001.
* **B.2.c Find winners.** Each hopeful candidate with ``v ≥ q`` is elected.
* **B.2.d Total surplus** ``s`` = Σ (v − q) over the elected, but not less than 0.
* **B.2.e Test for iteration finished.** If B.2.c elected someone, continue
  at B.1. Otherwise, if ``s < omega``, or (not at the first iteration) ``s``
  is at least the previous iteration's, continue at B.3.
* **B.2.f Update keep factors.** ``kf ← kf × q`` (*9 places, rounded up*)
  ``÷ v`` (*9 places, rounded up*); continue at B.2.a.
* **B.3 Defeat low candidate.** Defeat the hopeful candidate with the lowest
  vote; a candidate whose vote is at most the lowest plus ``s`` is tied with
  it (procedure T); its keep factor becomes 0.
* **B.4** Next round at B.1.
* **C.1/C.2** Elect the remaining hopeful candidates if seats are unfilled,
  otherwise defeat them.
* **T. Ties** are broken by "the defined tiebreaking procedure".

Arithmetic: integers in units of 10⁻⁹ (:class:`~selectorate.counting.keep_value.FixedPoint`),
products and quotients rounded exactly as above
(:func:`~selectorate.counting.keep_value.round_up_div` /
:func:`~selectorate.counting.keep_value.truncate_div`). Matched against every
action of Droop's ``*-meek-prf-o6-fixed-p9-d9`` transcripts (``tests/test_meek.py``).

**meek-droop** — Droop's parametric Meek (``droop/rules/meek.py``; also what
stv-rs counts, with ``arithmetic="fixed"``, ``batch_defeat=False``). Differences
from the reference rule: both parts of the split are truncated
(``kf × w`` kept, ``(1 − kf) × w`` passed on, OpenSTV's rounding); the
iteration also ends when ``s ≤ omega`` (not ``<``); the surplus is not clamped
at 0; and, by default, a *safe batch* of sure losers is defeated together
(every group of lowest candidates whose votes plus the surplus stay below the
next candidate). ``arithmetic``: ``"guarded"`` (default: 18 places + 9 guard
digits, omega 10⁻⁹; values closer than half a guard unit compare equal),
``"rational"`` (exact, omega 10⁻¹⁰) or ``"fixed"`` (9 places, omega 10⁻⁶);
``omega`` (an exponent) and ``precision``/``guard`` override. With exact
arithmetic (guarded, rational) the quota has no epsilon and election needs
votes above the quota. Equal rankings (``a=b``) are counted by Droop's
recursive descent: the weight is divided equally (truncated) among the
continuing candidates of the preference, each share split at its candidate and
passed on; a preference whose candidates are all defeated ends the ballot.
Matched against Droop's ``*-meek-o9-guarded-p18-g9-d18`` and
``*-meek-o10-rational-d12`` transcripts and stv-rs's ``*.fixed9.log``.

Ties (both rules): by lot, from ``lot_order`` (a lot drawn beforehand: the
earliest tied candidate in it is defeated, as Droop's ``[tie]`` order) or
drawn with :func:`~selectorate.counting.stv_rules.draw_lot` from ``seed``;
without either a tie raises ValueError. Rulebook additions: ``minimums`` and
``withdrawals`` exclude candidates at the start of a round (keep factor 0,
action ``"excluded"``); at stage 1 they are withdrawn before the count. A
``ron`` candidate is counted as any other; a seat it wins stays unfilled.

Stages and transfers: see :mod:`selectorate.counting.keep_value`.

Known deviations and interpretations:

* B.2.b "the sum of the vote v for all candidates" is taken over hopeful and
  elected candidates (defeated ones have none), as Droop does.
* Several candidates elected in one iteration are listed in candidate order
  (as Droop lists them).
* The PRF rule counts each ballot alone; identical ballots are counted once
  and multiplied by their number, which gives the same totals for whole
  weights. A fractional ballot weight (not part of the rule) multiplies the
  vote kept, truncated to 9 places per ballot line.
* A skipped preference is passed over; a candidate ranked twice counts at the
  first preference only. The reference rule has no equal rankings: "meek"
  rejects them (ValueError naming the ballot).
* meek-droop and warren: a negative total surplus (an elected candidate
  below the quota after rounding) counts as 0, as in the PRF rule (B.2.d)
  and stv-rs. Droop's ``meek.py`` leaves it negative, and then finds no
  candidate to defeat (no hopeful has at most "lowest + surplus").
* After the last defeat the sheet shows one more distribution with the final
  keep factors (the rule takes no decision from it), so that every stage
  balances: Σ votes + exhausted + residual = valid ballots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from selectorate.ballots import Election
from selectorate.counting import registry
from selectorate.counting.keep_value import (
    DroopFamilyRule,
    FixedPoint,
    count_droop_family,
    droop_parametric_method,
)
from selectorate.counting.result import CountResult
from selectorate.counting.stv_rules import MinimumSpec, stv_options

__all__ = ["PRF_RULE", "count_meek", "count_meek_droop"]

#: [A] omega = 0.000001; [B.2.a], [B.2.f] nine decimal places.
PRF_RULE = DroopFamilyRule(
    method="meek",
    nums=FixedPoint(9),
    split="keep-up",  # [B.2.a] w × kf to 9 places, rounded up, taken from w
    omega=Fraction(1, 10**6),
    omega_inclusive=False,  # [B.2.e] s < omega
    clamp_surplus=True,  # [B.2.d] but not less than 0
    batch_defeat=False,  # [B.3] one candidate per round
    allow_equal=False,
)


def count_meek(
    election: Election,
    *,
    seats: int | None = None,
    seed: int | str | None = None,
    ron: str | None = None,
    minimums: Sequence[MinimumSpec] = (),
    withdrawals: Mapping[int, Sequence[str]] | None = None,
    lot_order: Sequence[str] | None = None,
) -> CountResult:
    """Count ``election`` by the PR Foundation reference Meek rule (see the module docstring)."""
    opts = stv_options(election, seats, seed, ron, minimums, withdrawals, lot_order)
    return count_droop_family(election, PRF_RULE, opts)


count_meek_droop = droop_parametric_method(
    "meek-droop",
    "truncate",  # both parts of the split truncated (OpenSTV's rounding)
    "Count ``election`` by Droop's parametric Meek (see the module docstring).",
)


registry.register(
    registry.Method(
        name="meek",
        summary="Meek STV, PR Foundation reference rule (fixed 9 dp, omega 10^-6)",
        function=count_meek,
        multi_seat=True,
    )
)
registry.register(
    registry.Method(
        name="meek-droop",
        summary="Meek STV as Droop's parametric rule (guarded/rational/fixed, safe batch defeat)",
        function=count_meek_droop,
        multi_seat=True,
    )
)
