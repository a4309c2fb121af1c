"""Scottish STV: the Scottish Local Government Elections Order 2007, Sch. 1, rules 45–52.

Legal text: The Scottish Local Government Elections Order 2007 (SSI 2007/42),
Schedule 1, Part III "Counting of votes", rules 45–52
(https://www.legislation.gov.uk/ssi/2007/42/schedule/1). The rules, as counted here:

* **r.45 First stage.** Each valid paper is credited to its first preference
  (value 1); the total of valid papers is recorded.
* **r.46 Quota** = ⌊valid papers ÷ (councillors + 1)⌋ + 1, fixed for the whole
  count.
* **r.47** A candidate whose votes equal or exceed the quota at any stage is
  deemed elected, and takes no further papers ("continuing candidate" = neither
  elected nor excluded).
* **r.48 Surplus.** *All* the papers of the candidate are sorted by their next
  available preference for a continuing candidate. Each paper carries the
  transfer value ``surplus × (its value when received) ÷ candidate's total
  votes``, "calculated to five decimal places (any remainder being ignored)"
  (r.48(3)): truncated, once, to 10⁻⁵. The divisor is the candidate's total,
  so the share of papers with no next preference is non-transferable. The
  candidate keeps exactly the quota; what the truncated transfer values do not
  carry is recorded as loss by fractions (``residual surplus``).
* **r.49 One surplus per stage**, the largest first. Equal surpluses: the
  candidate with more votes at the most recent preceding stage at which they
  were unequal goes first; equal at all stages: by lot.
* **r.50 Exclusion**, only when no surplus is left: the single candidate with the
  fewest votes; all their papers move in one stage, each at its present value.
* **r.51 Equal lowest:** the one with fewer votes at the most recent preceding
  stage at which they were unequal is excluded; equal at all stages: by lot.
* **r.52 Last vacancies:** when the continuing candidates are no more than the
  vacancies, they are all deemed elected and no further transfer is made. The
  count also stops as soon as every seat is filled, even with a surplus
  untransferred.

Arithmetic: integers in units of 10⁻⁵ (:mod:`selectorate.counting.gregory`), so
every stage total is exact to five places, as the official sheets print it.
Matched against every stage of all 351 contested wards of the 2017 Scottish
council elections and Droop's ``scotland`` transcripts (``tests/``).

Ties: "by lot" is drawn with :func:`selectorate.counting.stv_rules.draw_lot`
from ``seed`` (purposes ``"surplus"`` and ``"exclusion"``, stage = the stage at
which the tie arose); ``lot_order`` (every candidate once) instead stands for
a lot drawn beforehand, the earliest tied candidate in it being chosen (Droop's
``[tie]`` order). Without either, a tie needing a lot raises ValueError.
Every tie is recorded as a :class:`TieBreak` with the figures used.

Rulebook additions (:mod:`selectorate.counting.stv_rules`): ``minimums`` and
``withdrawals`` exclude candidates at the start of a stage, before any surplus
and before r.52 is applied (so r.52 cannot elect whom they exclude), their
papers moving as in an r.50 exclusion (action ``"excluded"``, reason in the
notes); a forced exclusion at stage 1 is a withdrawal before the count. A
minimum cannot stop several candidates outside its group reaching the quota at
the same stage (r.47 deems them all elected). A ``ron`` candidate is counted as
any other, and a seat it wins stays unfilled.

Known deviations and interpretations:

* Three or more tied candidates who were unequal at a preceding stage, where
  two or more of them shared the lowest (or highest) number: the rules name no
  single candidate there. We keep those sharing it and look further back
  (then lot). Droop instead looks back for the most recent stage at which one
  of all the tied candidates alone had the fewest (most) votes, and failing
  that draws among those lowest at the first stage. No real count known to us
  has met this case.
* A paper ranking several candidates at one preference raises ValueError (the
  returning officer would treat it as non-transferable from that point: the
  data model has no such decision recorded, so we refuse rather than guess).
* Fractional ballot weights (not part of the Order) are allowed: a parcel's vote
  is ``weight × paper value``; transfer values are truncated as r.48(3) says.
* Not a deviation, but a difference from Droop's ``scotland`` rule: a candidate
  elected exactly on the quota has no surplus (r.48(1): votes that *exceed* the
  quota), so no stage transfers it; Droop makes a stage of transferring zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from selectorate.ballots import Election
from selectorate.counting import registry
from selectorate.counting.gregory import GregoryCount, Units
from selectorate.counting.result import CountResult, TieBreak
from selectorate.counting.stv_rules import MinimumSpec, stv_options

__all__ = ["count_scottish_stv"]

METHOD = "scottish-stv"
PLACES = 5  # [r.48(3)] "to five decimal places (any remainder being ignored)"


def count_scottish_stv(
    election: Election,
    *,
    seats: int | None = None,
    seed: int | str | None = None,
    ron: str | None = None,
    minimums: Sequence[MinimumSpec] = (),
    withdrawals: Mapping[int, Sequence[str]] | None = None,
    lot_order: Sequence[str] | None = None,
) -> CountResult:
    """Count ``election`` by SSI 2007/42 Sch. 1 rr.45–52 (see the module docstring)."""
    opts = stv_options(election, seats, seed, ron, minimums, withdrawals, lot_order)
    count = GregoryCount(election, method=METHOD, places=PLACES, opts=opts)
    # [r.46] quota: valid papers ÷ (councillors + 1), decimals ignored, plus one.
    quota = (count.valid // (count.seats + 1) + 1) * count.scale
    count.begin(quota)  # [r.45] first stage
    count.notes.append(
        f"Quota {count.text(quota)} (r.46): {count.valid} valid papers, {count.seats} seats."
    )
    pending: list[int] = []  # elected with a surplus not yet transferred, in order of election
    _deem_elected(count, pending)
    while count.vacancies() > 0:
        forced = count.forced_exclusions(count.stage + 1)
        if forced:
            count.exclude_forced(forced)
        else:
            if len(count.continuing()) <= count.vacancies():
                break  # [r.52] last vacancies: no further transfer
            if pending:
                _transfer_largest_surplus(count, pending)
            else:
                _exclude_lowest(count)
        count.next_stage()
        _deem_elected(count, pending)
    # [r.52(1)] continuing candidates no more than the vacancies: deemed elected.
    last = count.continuing()
    if last and count.vacancies() > 0:
        for c in sorted(last, key=lambda c: (-count.votes[c], c)):
            count.elect(c)
        count.notes.append(
            f"Stage {count.stage}: {', '.join(count.names[c] for c in last)} deemed elected "
            "to the last vacancies (r.52)."
        )
    return count.result()


def _deem_elected(count: GregoryCount, pending: list[int]) -> None:
    """[r.47] Continuing candidates with at least the quota are deemed elected.

    Several at one stage are listed by votes, highest first. A surplus (votes
    above the quota, r.48(1)) waits in ``pending``.
    """
    reached = [c for c in count.continuing() if count.votes[c] >= count.quota]
    for c in sorted(reached, key=lambda c: (-count.votes[c], c)):
        count.elect(c)
        if count.votes[c] > count.quota:
            pending.append(c)


def _transfer_largest_surplus(count: GregoryCount, pending: list[int]) -> None:
    """[r.49(1)] Transfer the largest surplus; [r.48] all papers at their transfer value."""
    tied = count.highest(pending)
    c = tied[0] if len(tied) == 1 else _break_tie(count, tied, "surplus", highest=True)
    pending.remove(c)
    total = count.votes[c]
    surplus = total - count.quota

    def transfer_value(value: Units) -> Units:
        # [r.48(3)] A ÷ B, A = surplus × value of the paper when received [r.48(4)(b)],
        # B = the candidate's total votes; to five places, remainder ignored.
        return surplus * value // total

    count.transfer_surplus(c, transfer_value)


def _exclude_lowest(count: GregoryCount) -> None:
    """[r.50] Exclude the continuing candidate with the fewest votes; [r.51] ties."""
    tied = count.lowest()
    c = tied[0] if len(tied) == 1 else _break_tie(count, tied, "exclusion", highest=False)
    count.exclude([c])  # [r.50(4)] each paper keeps its present value


def _break_tie(count: GregoryCount, tied: list[int], purpose: str, *, highest: bool) -> int:
    """[r.49(2)-(3)], [r.51(2)]: the most recent preceding stage where they differed, then lot.

    ``highest``: the candidate with most votes there is chosen (surplus order);
    otherwise the one with fewest (exclusion).
    """
    names = count.names
    stage = count.stage
    steps = [
        f"stage {stage}: {' = '.join(names[c] for c in tied)} on {count.text(count.votes[tied[0]])}"
    ]
    remaining = list(tied)
    for s in range(stage - 1, 0, -1):
        row = count.history[s - 1]
        values = {row[c] for c in remaining}
        if len(values) == 1:
            continue
        target = max(values) if highest else min(values)
        steps.append(
            f"stage {s}: " + ", ".join(f"{names[c]} {count.text(row[c])}" for c in remaining)
        )
        remaining = [c for c in remaining if row[c] == target]
        if len(remaining) == 1:
            break
    if len(remaining) == 1:
        chosen = remaining[0]
        tb = TieBreak(
            purpose=purpose,
            tied=tuple(names[c] for c in tied),
            chosen=names[chosen],
            method="previous stages",
            detail="; ".join(steps)
            + f" -> {names[chosen]} ({'most' if highest else 'fewest'} votes at the most "
            "recent preceding stage where they differed)",
        )
    else:
        chosen, lot = count.lot(remaining, purpose)
        tb = TieBreak(
            purpose=purpose,
            tied=tuple(names[c] for c in tied),
            chosen=names[chosen],
            method="lot",
            detail="; ".join(steps) + "; equal at every preceding stage, so by lot: " + lot.detail,
        )
    count.record_tie(tb)
    return chosen


registry.register(
    registry.Method(
        name=METHOD,
        summary="Scottish STV (SSI 2007/42 Sch.1 rr.45-52): weighted inclusive Gregory, 5 dp",
        function=count_scottish_stv,
        multi_seat=True,
    )
)
