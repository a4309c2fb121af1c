"""WIGM: the Proportional Representation Foundation's reference Weighted Inclusive Gregory rule.

Rule text: PR Foundation, "Reference WIGM Rule"
(https://prfound.org/resources/reference/reference-wigm-rule/), as reproduced in
Droop's ``droop/rules/wigm_prf.py`` (J. Lundell, GPL-3; read for the rule, not
copied). Matched stage by stage against Droop's ``wigm-prf`` and
``wigm-prf-batch`` reference transcripts (``tests/test_droop_reference.py``).
Steps, as counted here:

* **A.1 Quota** = valid ballots ÷ (seats + 1), truncated to four places, plus
  0.0001; fixed for the count.
* **A.4–A.5** Each ballot, weight 1, counts for its top-ranked hopeful
  candidate.
* **B.1** Every hopeful candidate with at least the quota is elected with a
  surplus transfer pending (surplus = vote − quota). Then test count complete
  (D.3).
* **B.2 Defeat sure losers** — only with ``batch_defeat=True`` (Droop's
  ``wigm-prf-batch``): the largest set of lowest hopeful candidates whose votes
  plus all pending surpluses are below the next candidate up, leaving enough
  hopefuls to fill the seats, is defeated at once.
* **B.3 Transfer high surplus**: the pending candidate with the largest surplus
  (possibly zero: that is a stage too); each of their ballots gets weight
  ``weight × surplus ÷ vote``, each multiplication and division truncated to
  four places (D.4), and moves to its next hopeful candidate (D.2). The
  candidate is left on the quota; what truncation loses is the residual.
* **B.4 Defeat low candidate**: the hopeful candidate with the lowest vote;
  their ballots move on at their present weight.
* **C Finish**: pending candidates become elected; if seats remain, every
  hopeful candidate is elected.
* **D.1 Ties** (surplus order, defeat): "the tied candidate who is earliest in a
  predetermined random tiebreaking order". That order is ``lot_order`` if given,
  else the BLT file's ``[tie]`` line (``Election.metadata["blt.tie"]``); without
  either, the lot is drawn with :func:`selectorate.counting.stv_rules.draw_lot`
  from ``seed`` (purposes ``"surplus"`` and ``"defeat"``); with no seed a tie
  raises ValueError. Every tie is recorded as a :class:`TieBreak`.
* **D.2** A ballot with no further hopeful candidate (or weight zero) is
  exhausted ("non-transferable").

Arithmetic: integers in units of 10⁻⁴ (:mod:`selectorate.counting.gregory`).

Rulebook additions (:mod:`selectorate.counting.stv_rules`) as in every STV
method here: forced exclusions (``minimums``, ``withdrawals``) are made at the
start of a stage, after B.1 and before the D.3 test and any surplus (action
``"excluded"``, reason in the notes); a ``ron`` candidate's seats stay unfilled.

Known deviations:

* Following Droop's reference implementation (and its transcripts), when the
  single defeat of B.4 completes the count, the defeated candidate's ballots are
  still transferred (one more stage) before C; the rule's text would finish
  first. The result is the same.
* A ballot ranking several candidates at one preference raises ValueError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from selectorate.ballots import Election
from selectorate.counting import registry
from selectorate.counting.gregory import GregoryCount, Units
from selectorate.counting.result import CountResult, TieBreak
from selectorate.counting.stv_rules import MinimumSpec, stv_options

__all__ = ["count_wigm"]

METHOD = "wigm"
PLACES = 4  # [D.4] truncate each multiplication or division to four decimal places


def count_wigm(
    election: Election,
    *,
    seats: int | None = None,
    seed: int | str | None = None,
    ron: str | None = None,
    minimums: Sequence[MinimumSpec] = (),
    withdrawals: Mapping[int, Sequence[str]] | None = None,
    lot_order: Sequence[str] | None = None,
    batch_defeat: bool = False,
) -> CountResult:
    """Count ``election`` by the PR Foundation reference WIGM rule (see the module docstring)."""
    if lot_order is None and election.metadata.get("blt.tie"):
        lot_order = [election.names[int(k) - 1] for k in election.metadata["blt.tie"].split()]
    opts = stv_options(
        election, seats, seed, ron, minimums, withdrawals, lot_order, batch_defeat=batch_defeat
    )
    count = GregoryCount(election, method=METHOD, places=PLACES, opts=opts)
    # [A.1] quota: valid ballots / (seats + 1), truncated to 4 places [D.4], plus 0.0001.
    quota = count.valid * count.scale // (count.seats + 1) + 1
    count.begin(quota)  # [A.2]-[A.5]
    pending: list[int] = []
    while count.vacancies() > 0:
        _elect_winners(count, pending)  # [B.1]
        if count.vacancies() == 0:
            break  # [D.3] every seat filled
        # Rulebook additions first, so that [D.3]/[C] cannot elect whom they exclude.
        forced = count.forced_exclusions(count.stage + 1)
        if forced:
            count.exclude_forced(forced)
        elif len(count.continuing()) <= count.vacancies():
            break  # [A.3], [B.1], [D.3] no more hopefuls than seats: finish at [C]
        elif batch_defeat and (losers := _sure_losers(count, pending)):
            # [B.2] defeat sure losers, test count complete [D.3], then transfer.
            done = len(count.continuing()) - len(losers) <= count.vacancies()
            count.exclude(sorted(losers), transfer=not done)
            if done:
                break  # the count is complete: the sure losers' ballots stay put
        elif pending:
            _transfer_high_surplus(count, pending)  # [B.3]
        else:
            _defeat_low(count)  # [B.4]
        count.next_stage()
    # [C] finish: pending are elected already; fill any seats left with the hopefuls.
    last = count.continuing()
    if last and count.vacancies() >= len(last):
        for c in sorted(last, key=lambda c: (-count.votes[c], c)):
            count.elect(c)
    return count.result()


def _elect_winners(count: GregoryCount, pending: list[int]) -> None:
    """[B.1] Hopeful candidates with at least the quota: elected, surplus pending."""
    reached = [c for c in count.continuing() if count.votes[c] >= count.quota]
    for c in sorted(reached, key=lambda c: (-count.votes[c], c)):
        count.elect(c)
        pending.append(c)


def _transfer_high_surplus(count: GregoryCount, pending: list[int]) -> None:
    """[B.3] Transfer the largest surplus (possibly zero); [D.1] ties."""
    tied = count.highest(pending)
    c = tied[0] if len(tied) == 1 else _break_tie(count, tied, "surplus")
    pending.remove(c)
    vote = count.votes[c]
    surplus = vote - count.quota
    scale = count.scale

    def new_weight(weight: Units) -> Units:
        # [B.3] weight × surplus, then ÷ vote, each truncated to four places [D.4].
        return (weight * surplus // scale) * scale // vote

    count.transfer_surplus(c, new_weight)


def _defeat_low(count: GregoryCount) -> None:
    """[B.4] Defeat the hopeful candidate with the lowest vote; [D.1] ties."""
    tied = count.lowest()
    c = tied[0] if len(tied) == 1 else _break_tie(count, tied, "defeat")
    count.exclude([c])


def _sure_losers(count: GregoryCount, pending: list[int]) -> list[int]:
    """[B.2] The largest batch of sure losers (empty if none), as Droop finds it.

    Hopefuls are taken in order of vote. Candidates whose votes are within the
    total pending surplus of the first member of their group are put in one
    group (the surplus could reorder them), so a group is never split (B.2.b).
    The batch is the longest run of whole groups, leaving at least as many
    hopefuls as seats to fill (B.2.a), whose total vote plus the surplus is
    below the lowest vote of the next group (B.2.c).
    """
    votes = count.votes
    surplus = sum((votes[c] - count.quota for c in pending), 0)
    ordered = sorted(count.continuing(), key=lambda c: (votes[c], c))
    groups: list[list[int]] = []
    group: list[int] = []
    base: Units = 0
    for c in ordered:
        if base + surplus >= votes[c]:
            group.append(c)
        else:
            if group:
                groups.append(group)
            group = [c]
            base = votes[c]
    if group:
        groups.append(group)
    max_defeat = len(ordered) - count.vacancies()
    total: Units = 0
    taken = 0
    best = -1
    for g in range(len(groups) - 1):
        taken += len(groups[g])
        if taken > max_defeat:
            break
        total += sum(votes[c] for c in groups[g])
        if total + surplus < votes[groups[g + 1][0]]:
            best = g
    return [c for g in groups[: best + 1] for c in g]


def _break_tie(count: GregoryCount, tied: list[int], purpose: str) -> int:
    """[D.1] The tied candidate earliest in the predetermined random order (a lot)."""
    chosen, tb = count.lot(tied, purpose)
    values = count.text(count.votes[tied[0]])
    count.record_tie(
        TieBreak(
            purpose=purpose,
            tied=tb.tied,
            chosen=tb.chosen,
            method=tb.method,
            detail=f"stage {count.stage}: tied on {values}; " + tb.detail,
        )
    )
    return chosen


registry.register(
    registry.Method(
        name=METHOD,
        summary="PR Foundation reference WIGM (weighted inclusive Gregory, 4 dp, single defeat)",
        function=count_wigm,
        multi_seat=True,
    )
)
