"""Warren STV, as Droop counts it ("warren").

Source: C. H. E. Warren, "Counting in STV elections", Voting matters 1 (1994),
as implemented by Jonathan Lundell's Droop, ``droop/rules/meek.py`` with rule
``warren`` (jklundell/droop; GPL-3 — read to learn the rule, not copied).

Warren's method is Meek's iteration with another way of sharing a ballot
between the candidates it reaches: with ``w`` the weight still on the ballot
and ``kf`` the candidate's keep value,

* the candidate keeps ``kf`` if ``kf < w``, otherwise the whole of ``w``
  (Droop ``kw_warren``); the rest, ``w − kept``, passes to the next
  preference.

So a voter pays each elected candidate the same price ``kf`` for as long as
the ballot can afford it, where Meek takes the same *fraction*. Everything else
is Droop's parametric rule, shared with ``meek-droop``
(:func:`selectorate.counting.keep_value.droop_parametric_method`):

* quota = Σ votes ÷ (seats + 1), recalculated at every iteration (no
  epsilon with exact arithmetic; fixed point: truncated plus 10⁻ᵖ);
* a hopeful candidate is elected with votes above the quota (at least the
  quota in fixed point); an election ends the round;
* keep values of the elected become ``kf × quota ÷ votes`` (rounded up where
  the arithmetic rounds) after every iteration that elects nobody;
* the iteration ends when the total surplus is at most omega or stops
  falling, or when a safe batch of sure losers exists (every group of lowest
  candidates whose votes plus the total surplus stay below the next
  candidate's); then the batch, or the lowest candidate, is defeated (a
  candidate within the total surplus of the lowest is tied with them).

Options (Droop's): ``arithmetic`` ``"guarded"`` (default: 18 places + 9
guard digits, omega 10⁻⁹), ``"rational"`` (omega 10⁻¹⁰) or ``"fixed"`` (9
places, omega 10⁻⁶); ``omega`` (exponent), ``precision``, ``guard``;
``batch_defeat`` (default True). Equal rankings are counted by Droop's
recursive descent (see :mod:`selectorate.counting.meek`).

Ties by lot from ``lot_order`` (a lot drawn beforehand, as Droop's ``[tie]``
order) or :func:`~selectorate.counting.stv_rules.draw_lot` with ``seed``;
without either a tie raises ValueError. ``minimums``, ``withdrawals`` and
``ron`` as for every STV method (:mod:`selectorate.counting.stv_rules`).

Matched against every round of Droop's ``*-warren-o9-guarded-p18-g9-d18`` and
``*-warren-o10-rational-d12`` transcripts (``tests/test_warren.py``).

Known deviations and interpretations: as for ``meek-droop`` (listing of
simultaneous winners in candidate order, one extra distribution shown after
the last defeat, first preference only for a candidate ranked twice).
"""

from __future__ import annotations

from selectorate.counting import registry
from selectorate.counting.keep_value import droop_parametric_method

__all__ = ["count_warren"]

count_warren = droop_parametric_method(
    "warren",
    "warren",  # kept = kf if kf < w else w; passed on = w - kept
    "Count ``election`` by Warren's method as Droop implements it (see the module docstring).",
)

registry.register(
    registry.Method(
        name="warren",
        summary="Warren STV as Droop counts it (guarded/rational/fixed, safe batch defeat)",
        function=count_warren,
        multi_seat=True,
    )
)
