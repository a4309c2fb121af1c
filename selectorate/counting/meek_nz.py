"""NZ Meek STV: Local Electoral Regulations 2001 (SR 2001/145), Schedule 1A ("meek-nz").

Legal text: Local Electoral Regulations 2001, Schedule 1A "New Zealand method
of counting single transferable votes" (inserted by SR 2003/391, r.42;
https://www.legislation.govt.nz/regulation/public/2001/0145/latest/DLM57125.html).
The clauses as counted here (the wording of clauses 2–5, 10 (rounding),
13, 17, 19 and 40–48 was available to us verbatim; the others are read from
their cross-references and from David Hill's NZ Meek program, see below):

* **cl.3** Counting is complete when the successful candidates fill the
  vacancies, or when successful plus hopeful candidates are no more than the
  vacancies; the hopeful candidates then become successful.
* **cl.5 (Step 1) quota** ``q = (v − vnt) ÷ (n + 1) + 0.000 000 001``,
  truncated to 9 decimal digits: ``v`` valid voting documents, ``vnt``
  non-transferable votes, ``n`` vacancies. **cl.6** a candidate whose votes
  equal or exceed the quota becomes successful.
* **cl.10 (Step 2 and later) votes.** Each voting document gives each
  candidate in order of preference the product of the candidate's keep value
  and the keep-value complements ``(1 − k)`` of the candidates before it; "the
  product of each multiplication ... must be calculated to 9 decimal digits
  after the point and rounded up if not exact". Both the part kept and the
  part passed on are rounded up
  (:func:`~selectorate.counting.keep_value.split_meek_both_up`), so rounding can
  *create* value: it shows as a negative ``residual surplus``.
  Non-transferable votes (``vnt``) are what is left on a document after its
  last preference ("the votes remaining untransferred when a voting document
  becomes exhausted", cl.2).
* **cl.11** the quota is recalculated by cl.5 at every step; **cl.12** hopeful
  candidates reaching it become successful.
* **cl.13** "Exclude the hopeful candidate with the least votes if the sum of
  his or her votes and the total surplus is less than the votes of any other
  hopeful candidate or if the total surplus is less than 0.0001." (total
  surplus: Σ (votes − quota) of the successful candidates above the quota.)
* **cl.17** "kc = q × kc ÷ vc ... the product of q and kc is truncated to 9
  digits after the point and rounded up if not exact before being divided by
  vc and kc is also truncated to 9 digits after the point and rounded up".
  Excluded candidates' keep value is 0; hopeful candidates' 1.
* **cl.19** Equal lowest: the AAFD method (**cl.40**: the tied candidate(s)
  who "did not have more votes than another tied candidate at the earliest
  step at which the candidates had different numbers of votes"), then the
  lowest PRN.
* **cl.41–48 PRNG.** ``x = c + 5``, ``y = n``, ``z = (v + 1 000 (v rem 10))
  rem 30 323`` (cl.42); each draw ``x = 171x rem 30 269``, ``y = 172y rem
  30 307``, ``z = 170z rem 30 323``, ``rc = 10 000x div 30 269 + 10 000y div
  30 307 + 10 000z div 30 323`` (cl.43); the first 4 values are discarded
  (cl.44); then each candidate in ballot-paper order gets the next value not
  already given (cl.45–47); at every second step each PRN is replaced by
  10 000 minus it (cl.48).

A *step* is one distribution of the votes (step 1: first preferences, all
keep values 1). One **stage** of the result is one step at which something
was decided (a candidate elected or excluded); the iterations between are
counted in the notes. Step 1 elects but excludes no one (cl.13 belongs to
Step 2); ``exclude_at_first_step=True`` applies cl.13 at step 1 too, as
official NZ results show the STV Calculator doing.

Arithmetic: integers in units of 10⁻⁹ with the rounding named above
(:class:`~selectorate.counting.keep_value.FixedPoint`). ``tiebreak="lot"``
replaces the PRN by the contract's lot (``lot_order`` or ``seed``); the AAFD
method still applies first. Rulebook additions (``minimums``,
``withdrawals``, ``ron``) as for every STV method: a forced exclusion sets the
keep value to 0 at the start of a stage.

Known deviations and interpretations (be aware before relying on this count
for an NZ election):

* The full text of clauses 6–9, 11–12, 14–16, 18 and 20–23 was not available
  to us. Their content is taken from the cross-references above and from
  David Hill's NZ Meek program ("nzmeek", version 6.7.7 NZ rules, which the
  Schedule formalised): within a step, successful candidates are found (cl.12),
  then one exclusion is considered (cl.13), then keep values are updated
  (cl.17) — only those of candidates whose votes exceed the quota, as Hill's
  program does; when no keep value changes and nobody was elected or excluded,
  the lowest candidate is excluded (Hill's "special case", which we take to
  be cl.23). Several successful candidates at one step are listed by votes,
  highest first; should more candidates reach the quota than vacancies remain
  (possible only through round-up gains), those with most votes fill them.
* AAFD (cl.40) with three or more tied candidates: we keep those with fewest
  votes at the earliest step where the tied candidates differ and repeat at
  later steps (Hill's "ahead" ranking); the PRN decides among any still tied.
* The PRNG follows cl.42–48 as written. The STV Calculator is reported to
  differ (David Hill's variant, noted in OpenSTV's ``MeekNZSTV.py``: 10 000
  instead of 1 000 in cl.42, ``rem 10 000`` on rc and an initial inversion);
  ``prng="hill"`` selects that variant. No official NZ count has been
  reproduced with either: treat tie results as unverified.
* The STV Calculator also excludes several zero-vote candidates at once and
  applies cl.13 at step 1; Schedule 1A does neither (the latter is available
  as ``exclude_at_first_step``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Literal

from selectorate.ballots import Election
from selectorate.counting import registry
from selectorate.counting.keep_value import (
    ELECTED,
    Distribution,
    FixedPoint,
    KeepValueCount,
    Value,
)
from selectorate.counting.result import CountResult, TieBreak
from selectorate.counting.stv_rules import MinimumSpec, StvOptions, stv_options

__all__ = ["count_meek_nz", "nz_prns"]

METHOD = "meek-nz"
NUMS = FixedPoint(9)  # [cl.5, cl.10, cl.17] 9 decimal digits after the point
SURPLUS_LIMIT = Fraction(1, 10**4)  # [cl.13] total surplus less than 0.0001
DESCRIPTION = (
    "Arithmetic: fixed-point decimal arithmetic (9 places), every product rounded up "
    "(cl.10, cl.17); surplus limit 0.0001 (cl.13)."
)


def nz_prns(candidates: int, vacancies: int, valid: int, variant: str = "schedule") -> list[int]:
    """The PRN of each candidate at step 1, by Schedule 1A cl.41–47.

    ``variant="hill"``: David Hill's version (10 000 instead of 1 000 in
    cl.42, ``rem 10 000`` on each rc, and rc replaced by 10 000 − rc).
    """
    hill = variant == "hill"
    if variant not in ("schedule", "hill"):
        raise ValueError(f"prng must be 'schedule' or 'hill', not {variant!r}")
    x, y = candidates + 5, vacancies  # [cl.42]
    z = (valid + (10_000 if hill else 1_000) * (valid % 10)) % 30_323

    def draw() -> int:
        # [cl.43]
        nonlocal x, y, z
        x = (171 * x) % 30_269
        y = (172 * y) % 30_307
        z = (170 * z) % 30_323
        rc = (10_000 * x) // 30_269 + (10_000 * y) // 30_307 + (10_000 * z) // 30_323
        return 10_000 - rc % 10_000 if hill else rc

    for _ in range(4):  # [cl.44] discarding the first 4 values of rc
        draw()
    prns: list[int] = []
    for _ in range(candidates):  # [cl.45]-[cl.47]
        rc = draw()
        while rc in prns:
            rc = draw()
        prns.append(rc)
    return prns


def count_meek_nz(
    election: Election,
    *,
    seats: int | None = None,
    seed: int | str | None = None,
    ron: str | None = None,
    minimums: Sequence[MinimumSpec] = (),
    withdrawals: Mapping[int, Sequence[str]] | None = None,
    lot_order: Sequence[str] | None = None,
    tiebreak: Literal["prn", "lot"] = "prn",
    prng: Literal["schedule", "hill"] = "schedule",
    exclude_at_first_step: bool = False,
) -> CountResult:
    """Count ``election`` by NZ Schedule 1A (see the module docstring)."""
    if tiebreak not in ("prn", "lot"):
        raise ValueError(f"tiebreak must be 'prn' or 'lot', not {tiebreak!r}")
    variant = {"tiebreak": tiebreak, "prng": prng, "exclude_at_first_step": exclude_at_first_step}
    opts = stv_options(election, seats, seed, ron, minimums, withdrawals, lot_order, **variant)
    count = _NZCount(election, opts, tiebreak, prng)
    count.run(exclude_at_first_step)
    return count.result(DESCRIPTION)


class _NZCount(KeepValueCount):
    """The state of one Schedule 1A count."""

    def __init__(self, election: Election, opts: StvOptions, tiebreak: str, prng: str) -> None:
        super().__init__(election, METHOD, NUMS, "both-up", opts)  # [cl.10] both parts up
        self.tiebreak, self.prng = tiebreak, prng
        self.history: list[list[Value]] = []  # votes at every step, for AAFD [cl.40]
        self.step = 0
        self.steps_of_stage: list[str] = []
        self._prns: list[int] | None = None

    def quota_of(self, dist: Distribution) -> Value:
        """[cl.5], [cl.11] q = (v − vnt) ÷ (n + 1) + 0.000 000 001, truncated to 9 digits."""
        return NUMS.div_int(self.dist_of.valid_units - dist.exhausted, self.seats + 1) + 1

    # ------------------------------------------------------------------ the count

    def run(self, exclude_at_first_step: bool) -> None:
        """Steps until counting is complete [cl.3]."""
        log = self.log
        new_stage = True
        quota: Value = 0
        while True:
            if new_stage:
                self.forced(log.stage + 1)
                new_stage = False
            seats_left = self.seats_left()
            if seats_left <= 0 or len(self.hopefuls()) <= seats_left:
                break  # [cl.3] counting complete
            self.step += 1
            dist = self.distribute()  # [cl.10]; step 1: first preferences
            self.history.append(dist.votes)
            quota = self.quota_of(dist)  # [cl.5] / [cl.11]
            votes = dist.votes
            # [cl.6] / [cl.12] hopeful candidates with votes equal to or above the quota.
            reached = sorted(
                (c for c in self.hopefuls() if votes[c] >= quota), key=lambda c: (-votes[c], c)
            )
            winners = reached[:seats_left]
            for c in winners:
                self.status[c] = ELECTED
            surplus = sum((max(votes[c] - quota, 0) for c in self.elected()), 0)
            loser, why, tie = None, "", None
            complete = len(log.elected) + len(winners) >= self.seats or len(self.hopefuls()) <= (
                seats_left - len(winners)
            )
            if not complete:
                may_exclude = self.step > 1 or exclude_at_first_step  # cl.13 is in Step 2
                if may_exclude:
                    loser, why, tie = self.cl13(votes, surplus)
                # [cl.17] keep values from this step's quota and votes.
                changed = self.update_keep_values(dist, quota)
                if may_exclude and loser is None and not winners and not changed:
                    # [cl.23] (as Hill's program): nothing would change, so exclude the lowest.
                    loser, tie = self.lowest(votes)
                    why = "no keep value changes (cl.23)"
            if winners or loser is not None:
                self.record(dist, quota, winners, reached, seats_left, loser, why, tie)
                new_stage = True
        # [cl.3] the hopeful candidates become successful.
        remaining = self.hopefuls()
        if self.close(quota):
            self.steps_of_stage.append(f"{log.stage}:(after step {self.step})")
        last = log._last
        self.elect_remaining(
            sorted(remaining, key=lambda c: (-last.votes[c], c)) if last else remaining,
            "successful: hopeful and successful candidates no more than the vacancies (cl.3)",
        )
        log.notes.insert(0, "Step of each stage (stage:step): " + " ".join(self.steps_of_stage))

    def record(
        self,
        dist: Distribution,
        quota: Value,
        winners: list[int],
        reached: list[int],
        seats_left: int,
        loser: int | None,
        why: str,
        tie: TieBreak | None,
    ) -> None:
        """Record this step as a stage: its winners [cl.12] and exclusion [cl.13]."""
        log, names = self.log, self.names
        log.add(dist, quota, self.status)
        self.steps_of_stage.append(f"{log.stage}:{self.step}")
        self.elect(winners)  # a group minimum met by the other side bars some
        if len(reached) > seats_left:
            log.notes.append(
                f"Stage {log.stage}: {len(reached)} candidates reached the quota for "
                f"{seats_left} vacancies; those with most votes fill them."
            )
        if loser is not None:
            if tie is not None:
                log.tie(tie)
            log.notes.append(
                f"Stage {log.stage} (step {self.step}): {names[loser]} excluded: {why}."
            )
            self.exclude(loser, "eliminated", dist)

    def cl13(self, votes: list[Value], surplus: Value) -> tuple[int | None, str, TieBreak | None]:
        """[cl.13] The hopeful candidate to exclude at this step, if any."""
        hop = self.hopefuls()
        if not hop:
            return None, "", None
        low = min(votes[c] for c in hop)
        at_low = [c for c in hop if votes[c] == low]
        others = [votes[c] for c in hop if votes[c] != low]
        if len(at_low) == 1 and others and low + surplus < min(others):
            return (
                at_low[0],
                f"its votes plus the total surplus {NUMS.text(surplus)} are less than the next "
                "lowest candidate's",
                None,
            )
        if surplus < NUMS.of(SURPLUS_LIMIT):
            loser, tie = self.lowest(votes)
            return loser, f"the total surplus {NUMS.text(surplus)} is less than 0.0001", tie
        return None, "", None

    def update_keep_values(self, dist: Distribution, quota: Value) -> bool:
        """[cl.17] kc = q × kc ÷ vc for successful candidates above the quota; True if changed."""
        changed = False
        for c in self.elected():
            v = dist.votes[c]
            if v > quota:
                new = NUMS.div(NUMS.mul(quota, self.kf[c], "up"), v, "up")
                changed = changed or new != self.kf[c]
                self.kf[c] = new
        return changed

    def lowest(self, votes: list[Value]) -> tuple[int, TieBreak | None]:
        """The hopeful candidate with fewest votes; equal lowest by [cl.19]."""
        hop = self.hopefuls()
        low = min(votes[c] for c in hop)
        tied = [c for c in hop if votes[c] == low]
        if len(tied) == 1:
            return tied[0], None
        return self.break_tie(tied)

    def break_tie(self, tied: list[int]) -> tuple[int, TieBreak]:
        """[cl.19]: the AAFD method [cl.40], then the lowest PRN [cl.41–48] (or lot)."""
        names = self.names
        remaining = list(tied)
        steps: list[str] = []
        for s, votes in enumerate(self.history, start=1):
            values = {votes[c] for c in remaining}
            if len(values) == 1:
                continue
            low = min(values)
            steps.append(
                f"step {s}: " + ", ".join(f"{names[c]} {NUMS.text(votes[c])}" for c in remaining)
            )
            remaining = [c for c in remaining if votes[c] == low]
            if len(remaining) == 1:
                break
        tied_names = tuple(names[c] for c in tied)
        if len(remaining) == 1:
            return remaining[0], TieBreak(
                purpose="exclusion",
                tied=tied_names,
                chosen=names[remaining[0]],
                method="earliest stage",
                detail="AAFD (cl.40): " + "; ".join(steps),
            )
        aafd = ("AAFD (cl.40): " + "; ".join(steps) + "; ") if steps else ""
        if self.tiebreak == "lot":
            why = aafd + "equal at every step"
            chosen, tb = self.lot(remaining, "exclusion", self.log.stage, why)
            tb.tied = tied_names
            return chosen, tb
        prns = self.prns_at_step()
        chosen = min(remaining, key=lambda c: prns[c])
        return chosen, TieBreak(
            purpose="exclusion",
            tied=tied_names,
            chosen=names[chosen],
            method="NZ PRN (Sch.1A cl.41-48)",
            detail=aafd
            + f"lowest PRN at step {self.step}: "
            + ", ".join(f"{names[c]} {prns[c]}" for c in remaining),
        )

    def prns_at_step(self) -> list[int]:
        """[cl.48] PRNs at the current step: step 1's, or 10 000 − PRN at every second step."""
        if self._prns is None:
            valid = Fraction(self.prep.valid)
            if valid.denominator != 1:
                raise ValueError(
                    "the NZ PRN (cl.42) needs a whole number of valid voting documents"
                )
            self._prns = nz_prns(self.n, self.seats, int(valid), self.prng)
        if self.step % 2 == 1:
            return list(self._prns)
        return [10_000 - p for p in self._prns]


registry.register(
    registry.Method(
        name=METHOD,
        summary="NZ Meek STV (Local Electoral Regulations 2001 Sch.1A): 9 digits, rounding up",
        function=count_meek_nz,
        multi_seat=True,
    )
)
