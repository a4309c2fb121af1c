"""ERS97: the Electoral Reform Society's rules for an STV count ("ers97").

Source: Electoral Reform Society, *How to conduct an election by the Single
Transferable Vote*, 3rd edition, June 1997 (Colin Rosenstiel and James
Woodward-Nutt), sections 4 to 6. The text of §§4–6 is reproduced in OpenSTV's
``openstv/MethodPlugins/ERS97STV.py`` and at opavote.com/methods/ers97-stv-rules;
the model election (§8) at rosenstiel.co.uk/stvrules/model.htm. Paragraph
numbers below are the booklet's.

The rule, as implemented:

* **Quota** (5.1.6): the total valid vote divided by one more than the places,
  to two decimal places; if inexact, the remainder is ignored and 0.01 added.
  If papers become non-transferable before anyone is deemed elected, the quota
  is recalculated the same way ignoring the non-transferable vote (5.4.8).
* **Deemed elected** (5.1.7, 5.3.13, 5.4.9): considering candidates in
  descending order of votes, anyone whose vote equals or exceeds the quota, or
  the *total active vote* (6.20: continuing candidates' votes plus votes
  awaiting transfer) divided by one more than the places not yet filled.
  Equal votes with too few places: the earliest point of difference decides;
  equal at every point, none of them is deemed elected at that stage (5.6.2).
* **Surpluses** (5.2.2–5.2.4): the largest goes first (equal ones: the greater
  vote at the first stage or the earliest point of difference, then lot). All
  surpluses are **deferred** while their total does not exceed the gap between
  the two lowest candidates, or between a group of lowest candidates that could
  be excluded together (5.2.5) and the candidate next above.
* **Which papers** (5.3.1–5.3.2): a surplus arising at the first stage is taken
  from all the candidate's papers; one arising later only from the **last
  received batch**, the one that gave rise to it.
* **Transfer value** (5.3.7): the surplus divided by the number of transferable
  papers, **truncated to two decimal places**, when the transferable papers'
  total value exceeds the surplus; otherwise each paper keeps its present value.
  What truncation loses is the *non-transferable difference* (6.11), shown here
  as ``residual surplus``; a surplus larger than its transferable papers' value
  leaves the rest non-transferable (``exhausted``).
* **Exclusion** (5.2.5, 5.4): as many of the lowest candidates together as
  possible while enough remain to fill the places and their votes plus the
  deferred surpluses do not exceed the vote of the candidate next above; ties
  for lowest by the fewest votes at the first stage or earliest point of
  difference, then lot. Their papers move **batch by batch in descending order
  of transfer value**, each batch at its value; after each batch candidates
  reaching the quota are deemed elected and take no further papers (5.4.10).
* **End** (4.3, 5.5): once the places are filled, no more papers move (a batch
  left untransferred is shown as non-transferable, with a note); when an
  exclusion would leave as many continuing candidates as places, they are all
  deemed elected.

Each stage (first count, one surplus transfer, one exclusion with all its
batches) is one :class:`~selectorate.counting.result.Round`. Ties are looked up
at the first stage and after every batch transferred ("the earliest point in
the count, after the transfer of a batch of papers").

Known deviations and interpretations:

* A rank holding several candidates raises :class:`ValueError` (the STV
  contract) instead of making the paper invalid or non-transferable there
  (6.9, 6.12); a skipped rank is passed over, where 6.17's "2, 3, etc." would
  arguably end the paper's preferences.
* The active-vote criterion (5.1.7(b)) needs a positive vote: a candidate with
  no votes is never deemed elected by it (as OpenSTV does), since with no
  active vote left it would otherwise elect everyone.
* The total valid vote is the value credited to candidates at the first stage;
  a paper naming only withdrawn candidates is non-transferable from the start.
* Ballot weights are numbers of identical papers (a fractional weight counts as
  that fraction of a paper).
* A surplus transferred at present values (5.3.7) can hand on papers of several
  values at once; all of them form the recipient's "last received batch".
* Rulebook additions (:mod:`selectorate.counting.stv_rules`): with group
  minimums, candidates are excluded one at a time (a bulk exclusion could take
  several members of a group at once) and a candidate whose exclusion would make
  a minimum impossible is skipped; while someone is so protected, surpluses are
  not deferred. A candidate outside a group whose seats are all taken is not
  deemed elected, and is excluded at the start of the next stage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Literal

from selectorate.ballots.model import Election
from selectorate.counting import registry
from selectorate.counting._paper_stv import (
    CONT,
    ELECTED,
    EXCLUDED,
    PaperCount,
    Prepared,
    count_papers,
    order_groups,
)
from selectorate.counting.result import EXHAUSTED, RESIDUAL_SURPLUS, Action, CountResult
from selectorate.counting.stv_rules import MinimumSpec, stv_options

__all__ = ["count_ers97", "ers97_quota", "truncate_2dp"]


def truncate_2dp(value: Fraction) -> Fraction:
    """``value`` (not negative) truncated to two decimal places ("ignoring any remainder")."""
    return Fraction(value.numerator * 100 // value.denominator, 100)


def ers97_quota(total_vote: Fraction, places: int) -> Fraction:
    """The ERS97 quota (5.1.6): ``total_vote / (places + 1)`` to 2 dp, +0.01 if inexact."""
    exact = Fraction(total_vote) / (places + 1)
    quota = truncate_2dp(exact)
    return quota if quota == exact else quota + Fraction(1, 100)


def _fmt(value: Fraction) -> str:
    """A value as the booklet prints it: two decimal places; longer ones cut at 4, with "…"."""
    places = 2 if (value * 100).denominator == 1 else 4
    scale = 10**places
    sign = "-" if value < 0 else ""
    units = abs(value.numerator) * scale // value.denominator
    text = f"{sign}{units // scale}.{units % scale:0{places}d}"
    return text if places == 2 else text + "…"


class _Paper:
    """One voting paper (or ``weight`` identical ones) and where it stands."""

    __slots__ = ("pos", "prefs", "value", "weight")

    def __init__(self, prefs: tuple[int, ...], weight: Fraction) -> None:
        self.prefs = prefs
        self.weight = weight
        self.value = Fraction(1)
        self.pos = -1  # index in prefs of the candidate now holding it


def count_ers97(
    election: Election,
    *,
    seats: int | None = None,
    seed: int | str | None = None,
    ron: str | None = None,
    minimums: Sequence[MinimumSpec] = (),
    withdrawals: Mapping[int, Sequence[str]] | None = None,
) -> CountResult:
    """Count ``election`` by the ERS97 rules (see the module docstring).

    ``seed`` draws the lots the rules leave to the Returning Officer; without it
    such a tie raises :class:`ValueError`. ``ron``, ``minimums`` and
    ``withdrawals`` are the rulebook additions of
    :mod:`selectorate.counting.stv_rules`.
    """
    opts = stv_options(election, seats, seed, ron, minimums, withdrawals)
    return count_papers(_Count, election, opts, whole_papers=False)


class _Count(PaperCount):
    """The state of one ERS97 count, stage by stage."""

    METHOD = "ers97"
    PLACES = 2
    LOWEST_TIE = "the fewest votes at the first stage or earliest point of difference (5.2.5)"
    HIGHEST_TIE = "the greatest vote at the first stage or earliest point of difference (5.2.3)"
    fmt = staticmethod(_fmt)

    def __init__(self, prep: Prepared, title: str) -> None:
        super().__init__(prep, title)
        self.votes: dict[int, Fraction] = {c: Fraction(0) for c in prep.standing}
        self.piles: dict[int, list[_Paper]] = {c: [] for c in prep.standing}
        self.last_batch: dict[int, list[_Paper]] = {c: [] for c in prep.standing}
        self.exhausted = Fraction(0)
        self.residual = Fraction(0)
        self.quota = Fraction(0)
        self.deadlock_noted: set[int] = set()
        self.elected_at: dict[int, int] = {}

    # ------------------------------------------------------------------ helpers

    def next_preference(self, paper: _Paper) -> int | None:
        """The paper's next available preference (6.10) for a continuing candidate."""
        prefs = paper.prefs
        p = paper.pos + 1
        while p < len(prefs):
            c = prefs[p]
            if self.status[c] == CONT:
                paper.pos = p
                return c
            p += 1
        paper.pos = len(prefs)
        return None

    def pending(self) -> list[int]:
        """Elected candidates whose surplus awaits transfer, in order of election."""
        return [e for e in self.elected if e not in self.transferred and self.votes[e] > self.quota]

    def active_vote(self) -> Fraction:
        """Total active vote (6.20, 5.6.1): continuing votes plus votes awaiting transfer."""
        total = sum(
            (v for c, v in self.votes.items() if self.status[c] in (CONT, EXCLUDED)),
            Fraction(0),
        )
        return total + sum((self.votes[e] - self.quota for e in self.pending()), Fraction(0))

    # ------------------------------------------------------------------ the count

    def run(self) -> CountResult:
        """Count every stage and return the result."""
        self.first_stage()
        while True:
            if self.places() == 0:
                break
            cont = self.continuing()
            must_go = self.forced_exclusions(cont)
            if must_go:
                self.exclude(list(must_go), "excluded", must_go)
                continue
            if len(cont) <= self.places():
                self.elect_remaining(cont, "4.3: no more candidates than places")
                break
            pool, size, deferrable = self.plan_exclusion(cont)
            pending = self.pending()
            if pending and not deferrable:
                self.transfer_surplus(self.choose_surplus(pending))
                continue
            if pending:
                total = sum((self.votes[e] - self.quota for e in pending), Fraction(0))
                self.note(
                    f"surplus(es) of {', '.join(self.names[e] for e in pending)} "
                    f"({_fmt(total)}) deferred (5.2.2)"
                )
            group = self.take_lowest(pool, size)
            if len(cont) - len(group) == self.places():
                rest = [c for c in cont if c not in group]
                self.note(
                    f"excluding {', '.join(self.names[c] for c in group)} would leave as many "
                    "continuing candidates as places: they are deemed elected and the others "
                    "formally excluded (5.5.1, 5.5.2)"
                )
                self.elect_remaining(rest, None)
                break
            self.exclude(group, "eliminated", {})
        if self.places() > 0:
            self.notes.append(f"{self.places()} place(s) unfilled: too few candidates remained")
        leftover = self.continuing()
        if leftover:
            self.notes.append(
                f"formally excluded, all places being filled (5.5.2): "
                f"{', '.join(self.names[c] for c in leftover)}"
            )
        return self.result()

    def first_stage(self) -> None:
        """5.1: sort the papers by first preference, find the quota, deem elected."""
        self.withdraw_before_first_stage()
        grouped: dict[tuple[int, ...], Fraction] = {}
        for prefs, weight, _ in self.prep.papers:
            grouped[prefs] = grouped.get(prefs, Fraction(0)) + weight
        for prefs, weight in grouped.items():
            paper = _Paper(prefs, weight)
            c = self.next_preference(paper)
            if c is None:
                self.exhausted += weight
                continue
            self.piles[c].append(paper)
            self.votes[c] += weight
        valid = sum(self.votes.values(), Fraction(0))
        if valid == 0:
            self.note("no paper gives a first preference to a standing candidate")
        for c in self.prep.standing:
            self.last_batch[c] = list(self.piles[c])
        self.quota = ers97_quota(valid, self.seats)
        self.point("stage 1")
        self.deem_elected()
        self.snapshot()

    def deem_elected(self) -> None:
        """5.1.7 / 5.3.13 / 5.4.9 with 5.6.2: deem elected whoever qualifies now."""
        while self.places() > 0:
            cont = self.continuing()
            if not cont:
                return
            places = self.places()
            blocked = self.blocked(cont)
            threshold = self.active_vote() / (places + 1)
            qualified = [
                c
                for c in cont
                if c not in blocked
                and self.votes[c] > 0
                and (self.votes[c] >= self.quota or self.votes[c] >= threshold)
            ]
            if not qualified:
                return
            first = order_groups(qualified, self.votes, self.history, highest=True)[0]
            if len(first) > 1 and not self.can_elect_all(first, cont):
                if self.stage not in self.deadlock_noted:
                    self.deadlock_noted.add(self.stage)
                    self.note(
                        f"{', '.join(self.names[c] for c in first)} have equal votes at every "
                        "point and there are not places for all: none is deemed elected (5.6.2)"
                    )
                return
            same = [c for c in qualified if self.votes[c] == self.votes[first[0]]]
            if len(first) == 1 and len(same) > places:
                why = "the greater vote at the first stage or earliest point of difference (5.6.2)"
                self.new_ties.append(
                    self.earliest_tie("election", same, self.names[first[0]], why)
                )
            for c in first:
                self.elect(c, threshold, places)

    def can_elect_all(self, group: list[int], cont: list[int]) -> bool:
        """Whether every one of ``group`` can be deemed elected (places, group caps)."""
        if len(group) > self.places():
            return False
        return not any(
            c in self.blocked(cont, self.elected + group[:i]) for i, c in enumerate(group)
        )

    def elect(self, c: int, threshold: Fraction, places: int) -> None:
        """Deem ``c`` elected now."""
        self.status[c] = ELECTED
        self.elected.append(c)
        self.elected_at[c] = self.stage
        self.new_actions.append(Action("elected", self.names[c]))
        if self.votes[c] < self.quota:
            self.note(
                f"{self.names[c]} deemed elected on the total active vote "
                f"({_fmt(self.votes[c])} >= {_fmt(threshold)} = active vote / {places + 1}), "
                "below the quota (5.1.7(b))"
            )

    def elect_remaining(self, cands: list[int], reason: str | None) -> None:
        """Deem ``cands`` elected at the last stage, in descending order of votes."""
        ordered = [
            c for g in order_groups(cands, self.votes, self.history, highest=True) for c in g
        ]
        self.elect_at_last_stage(ordered)
        if reason and ordered:
            self.note(f"{', '.join(self.names[c] for c in ordered)} deemed elected ({reason})")

    # ------------------------------------------------------------------ decisions

    def plan_exclusion(self, cont: list[int]) -> tuple[list[int], int, bool]:
        """Whom an exclusion would take now (5.2.5) and whether surpluses may wait (5.2.2).

        Returns the candidates the lowest are taken from, how many to take
        together, and whether the surpluses may be deferred: they may when some
        group of the lowest (one or more) together with all the surpluses does
        not exceed the vote of the candidate next above.
        """
        total_surplus = sum((self.votes[e] - self.quota for e in self.pending()), Fraction(0))
        shielded = self.shielded(cont)
        if shielded:
            return [c for c in cont if c not in shielded], 1, False
        values = sorted(self.votes[c] for c in cont)
        most = self.most_together(cont)
        size = 0
        running = Fraction(0)
        for k in range(1, most + 1):
            running += values[k - 1]
            if running + total_surplus <= values[k]:
                size = k
        return cont, max(size, 1), size > 0 and total_surplus > 0

    # ------------------------------------------------------------------ transfers

    def transfer_surplus(self, c: int) -> None:
        """5.3: transfer ``c``'s surplus from the papers that gave rise to it."""
        surplus = self.votes[c] - self.quota
        self.stage += 1
        moving: dict[int, list[_Paper]] = {}
        for paper in self.last_batch[c]:
            to = self.next_preference(paper)
            if to is not None:
                moving.setdefault(to, []).append(paper)
        papers = sum((p.weight for ps in moving.values() for p in ps), Fraction(0))
        value = sum((p.weight * p.value for ps in moving.values() for p in ps), Fraction(0))
        reduced = value > surplus
        if reduced:
            tv = truncate_2dp(surplus / papers)
            for ps in moving.values():
                for p in ps:
                    p.value = tv
        transfers: dict[str, Fraction] = {}
        credited = Fraction(0)
        for to in sorted(moving):
            ps = moving[to]
            amount = sum((p.weight * p.value for p in ps), Fraction(0))
            self.votes[to] += amount
            self.piles[to].extend(ps)
            self.last_batch[to] = ps
            transfers[self.names[to]] = amount
            credited += amount
        self.votes[c] = self.quota
        self.transferred.add(c)
        loss = surplus - credited
        if loss:
            if reduced:
                self.residual += loss
                transfers[RESIDUAL_SURPLUS] = loss
            else:
                self.exhausted += loss
                transfers[EXHAUSTED] = loss
        self.rounds[-1].actions.append(Action("surplus", self.names[c], transfers))
        how = f"transfer value {_fmt(tv)}" if reduced else "papers at their present value"
        source = (
            "all papers (5.3.1)" if self.elected_at[c] == 1 else "the last batch received (5.3.2)"
        )
        self.note(
            f"surplus of {self.names[c]} ({_fmt(surplus)}) from {source}: "
            f"{papers} transferable paper(s), {how}"
        )
        self.point(f"stage {self.stage} (surplus of {self.names[c]})")
        self.deem_elected()
        self.snapshot()

    def exclude(
        self, group: list[int], kind: Literal["eliminated", "excluded"], reasons: dict[int, str]
    ) -> None:
        """5.4: exclude ``group`` together, transferring batch by batch by value."""
        self.stage += 1
        for c in group:
            self.status[c] = EXCLUDED
        batches: dict[Fraction, list[tuple[int, _Paper]]] = {}
        for c in group:
            for paper in self.piles[c]:
                batches.setdefault(paper.value, []).append((c, paper))
            self.piles[c] = []
        transfers: dict[int, dict[str, Fraction]] = {c: {} for c in group}
        values = sorted(batches, reverse=True)
        for number, value in enumerate(values, start=1):
            if self.places() == 0:
                left = sum((p.weight * p.value for _, p in batches[value]), Fraction(0))
                for src, p in batches[value]:
                    amount = p.weight * p.value
                    self.votes[src] -= amount
                    self.exhausted += amount
                    t = transfers[src]
                    t[EXHAUSTED] = t.get(EXHAUSTED, Fraction(0)) + amount
                self.note(
                    f"all places filled: the batch of value {_fmt(value)} ({_fmt(left)}) is not "
                    "transferred (5.5.2) and is shown as non-transferable"
                )
                continue
            received: dict[int, list[_Paper]] = {}
            for src, paper in batches[value]:
                amount = paper.weight * paper.value
                self.votes[src] -= amount
                to = self.next_preference(paper)
                t = transfers[src]
                if to is None:
                    self.exhausted += amount
                    t[EXHAUSTED] = t.get(EXHAUSTED, Fraction(0)) + amount
                    continue
                self.votes[to] += amount
                self.piles[to].append(paper)
                received.setdefault(to, []).append(paper)
                t[self.names[to]] = t.get(self.names[to], Fraction(0)) + amount
            for to, ps in received.items():
                self.last_batch[to] = ps
            if not self.elected:
                self.recalculate_quota()
            self.point(f"stage {self.stage} batch {number} (value {_fmt(value)})")
            self.deem_elected()
        for c in group:
            self.votes[c] = Fraction(0)
            ordered = {
                self.names[to]: transfers[c][self.names[to]]
                for to in self.prep.standing
                if self.names[to] in transfers[c]
            }
            if EXHAUSTED in transfers[c]:
                ordered[EXHAUSTED] = transfers[c][EXHAUSTED]
            self.rounds[-1].actions.append(Action(kind, self.names[c], ordered))
            if c in reasons:
                self.note(f"{self.names[c]} excluded: {reasons[c]}")
        self.snapshot()

    def recalculate_quota(self) -> None:
        """5.4.8: before anyone is elected, the quota ignores the non-transferable vote."""
        active = sum(
            (v for c, v in self.votes.items() if self.status[c] in (CONT, EXCLUDED)),
            Fraction(0),
        )
        quota = ers97_quota(active, self.seats)
        if quota != self.quota:
            self.note(
                f"quota recalculated from {_fmt(self.quota)} to {_fmt(quota)}, "
                "ignoring the non-transferable vote (5.4.8)"
            )
            self.quota = quota


registry.register(
    registry.Method(
        name="ers97",
        summary="ERS97 STV (Electoral Reform Society 1997): 2 dp, last batch, deferred surpluses",
        function=count_ers97,
        multi_seat=True,
    )
)
