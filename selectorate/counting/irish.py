"""The Irish Dáil count: Electoral Act 1992, Part XIX, ss.118–128 ("irish").

Whole voting papers move from parcel to parcel; which physical papers move in a
surplus depends on their order in the parcel, so ballots are counted **in the
order given** (the order of the file: for the 2002 e-voting data, the count
order). Sources: Electoral Act 1992 (No. 23 of 1992), irishstatutebook.ie/eli/1992/act/23,
as amended by the Electoral (Amendment) Act 2001 s.31 (s.124(1A)); the same
scheme is in the Seanad Electoral (University Members) Act 1937, Sch. 3 r.4,
and the Electoral Act 1923, Sch. 3 r.6 (irishstatutebook.ie).

The rule, as implemented (section numbers of the 1992 Act):

* **First count** (s.119): papers are arranged in parcels by first preference,
  in the order given; each candidate is credited with their number of papers.
* **Quota** (s.120(1)): ⌊valid papers / (seats + 1)⌋ + 1. A candidate is deemed
  elected when their votes at the end of a count equal or exceed it (s.120(2)).
* **Surplus** (s.121): the largest first (s.121(9), "the greater or greatest of
  such surpluses shall first be transferred", as quoted on the e-voting list,
  lists.stdlib.net/pipermail/e-voting/2006-March/005556.html); equal surpluses by the
  greater vote at the earliest count at which the candidates had unequal votes,
  then by lot. If the candidate's votes are *original votes only*, all papers in
  the parcel are examined; otherwise only the **sub-parcel last received**. The
  transferable papers are sorted into sub-parcels by next available preference
  for continuing candidates. If they number no more than the surplus, all move
  and the rest of the surplus is non-transferable; otherwise each sub-parcel
  gives ⌊papers × surplus / transferable⌋ papers, the papers still owing going to
  the sub-parcels with the **largest fractional remainders** (equal remainders:
  the larger sub-parcel, then lot, s.118 "determine by lot"), and the papers
  moved from each sub-parcel are **those last filed in it**.
* **Deferral**: a surplus (with any others untransferred) is not transferred
  when it could not elect the highest continuing candidate, could not bring the
  lowest level with or above the next lowest, and could not bring the lowest
  above one quarter of the quota (the recoupment threshold of s.48(1)(e)).
* **Exclusion**: the lowest continuing candidate; ties by the fewest votes at the
  earliest count at which they differed, then lot. Two or more of the lowest are
  excluded together when their votes with the untransferred surpluses are less
  than the next candidate's, enough candidates remain for the seats, and none of
  them could thereby be denied a quarter of the quota. All the excluded papers
  move in one count, each to its next available preference, in parcel order.
* **Last vacancies** (s.124): continuing candidates no more than the vacancies
  are deemed elected (s.124(1)); with one continuing candidate more than the
  vacancies, all but the lowest are elected when the lowest with the surpluses
  is below the next (s.124(1A), as inserted in 2001); with one vacancy, a
  candidate with more than all the others together plus the surpluses is
  elected (s.124(2)). Transfers made only for recoupment (s.124(3)) are not made.

Each count is one :class:`~selectorate.counting.result.Round`; values are whole
numbers of papers (``decimal_places`` is ``None``).

Known deviations and interpretations:

* **The wording of s.121's paper selection, of the deferral test and of the
  multiple-exclusion test could not be read from the stored sources** (only
  ss.118–120 and 124, the 2001 amendment, and the first paragraphs of the same
  rule in the 1923 and 1937 Acts were). They are implemented from the scheme of
  those Acts and the usual published summaries of the Dáil count (recalled, not
  retrieved here), as set out above: "last filed" papers, the three-part
  deferral test, the quarter-quota guard on multiple exclusion, and "larger
  sub-parcel" before lot for equal remainders must be checked against the
  Act's text before this count is relied on.
* When several candidates are excluded together, their papers are taken lowest
  candidate first, each parcel in order, and everything a candidate receives at
  one count forms one sub-parcel (its "sub-parcel last received").
* A rank holding several candidates raises :class:`ValueError` (the STV
  contract) instead of making the paper non-transferable there (s.118, the
  proviso to "non-transferable paper"); a skipped rank is passed over, where the
  Act would end the paper's preferences at a break in sequence.
* Ballot weights must be whole numbers: a weight-``k`` ballot is ``k``
  consecutive identical papers.
* Rulebook additions (:mod:`selectorate.counting.stv_rules`): with group
  minimums, candidates are excluded one at a time (a multiple exclusion could
  take several members of a group at once) and a candidate whose exclusion would
  make a minimum impossible is skipped; while someone is so protected, surpluses
  are not deferred. A candidate outside a group whose seats are all taken is not
  deemed elected, and is excluded at the start of the next count; s.124(1A) and
  (2) apply only when they keep every minimum.
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
    lot,
    order_groups,
)
from selectorate.counting.result import EXHAUSTED, Action, CountResult
from selectorate.counting.stv_rules import MinimumSpec, stv_options

__all__ = ["count_irish", "irish_quota"]


def irish_quota(valid: int, seats: int) -> int:
    """The quota of s.120(1): ⌊valid / (seats + 1)⌋ + 1."""
    return valid // (seats + 1) + 1


def count_irish(
    election: Election,
    *,
    seats: int | None = None,
    seed: int | str | None = None,
    ron: str | None = None,
    minimums: Sequence[MinimumSpec] = (),
    withdrawals: Mapping[int, Sequence[str]] | None = None,
) -> CountResult:
    """Count ``election`` by the Dáil rules of the Electoral Act 1992 (module docstring).

    The ballots' order matters: it is the order of the papers in each parcel.
    ``seed`` draws the lots the Act leaves to the returning officer; without it
    such a tie raises :class:`ValueError`.
    """
    opts = stv_options(election, seats, seed, ron, minimums, withdrawals)
    return count_papers(_Count, election, opts, whole_papers=True)


class _Count(PaperCount):
    """The state of one Dáil count, count by count."""

    METHOD = "irish"
    PLACES = None
    LOWEST_TIE = "the fewest votes at the first count at which they differed"
    HIGHEST_TIE = "the greatest vote at the first count at which they differed"
    STAGE_WORD = "count"

    def __init__(self, prep: Prepared, title: str) -> None:
        super().__init__(prep, title)
        # Papers: preferences and the position of the candidate holding each.
        self.prefs: list[tuple[int, ...]] = []
        self.pos: list[int] = []
        self.votes: dict[int, int] = dict.fromkeys(prep.standing, 0)
        #: Each candidate's parcel: its sub-parcels in the order received.
        self.parcels: dict[int, list[list[int]]] = {c: [] for c in prep.standing}
        self.original_only: dict[int, bool] = dict.fromkeys(prep.standing, True)
        self.exhausted = 0
        self.quota = 0

    # ------------------------------------------------------------------ helpers

    def next_preference(self, paper: int) -> int | None:
        """The paper's next available preference for a continuing candidate."""
        prefs = self.prefs[paper]
        p = self.pos[paper] + 1
        while p < len(prefs):
            c = prefs[p]
            if self.status[c] == CONT:
                self.pos[paper] = p
                return c
            p += 1
        self.pos[paper] = len(prefs)
        return None

    def surpluses(self) -> dict[int, int]:
        """Untransferred surpluses of elected candidates, in order of election."""
        return {
            e: self.votes[e] - self.quota
            for e in self.elected
            if e not in self.transferred and self.votes[e] > self.quota
        }

    # ------------------------------------------------------------------ the count

    def run(self) -> CountResult:
        """Make every count and return the result."""
        self.first_count()
        while self.places() > 0:
            cont = self.continuing()
            must_go = self.forced_exclusions(cont)
            if must_go:
                self.exclude(list(must_go), "excluded", must_go)
                continue
            if self.last_vacancies(cont):
                break
            surpluses = self.surpluses()
            pool, size, shielded = self.plan_exclusion(cont)
            if surpluses and (shielded or self.worth_transferring(cont, surpluses)):
                self.transfer_surplus(self.choose_surplus(list(surpluses)))
                continue
            if surpluses:
                self.note(
                    f"surplus(es) of {', '.join(self.names[e] for e in surpluses)} "
                    f"({sum(surpluses.values())}) not transferred: they could not elect the "
                    "highest continuing candidate, save the lowest from exclusion or bring "
                    "the lowest to a quarter of the quota"
                )
            self.exclude(self.take_lowest(pool, size), "eliminated", {})
        if self.places() > 0:
            self.notes.append(f"{self.places()} seat(s) unfilled: too few candidates remained")
        return self.result()

    def first_count(self) -> None:
        """s.119–120: parcels by first preference, the quota, the first elections."""
        self.withdraw_before_first_stage()
        first: dict[int, list[int]] = {c: [] for c in self.prep.standing}
        for prefs, weight, _ in self.prep.papers:
            for _ in range(int(weight)):
                paper = len(self.prefs)
                self.prefs.append(prefs)
                self.pos.append(-1)
                c = self.next_preference(paper)
                if c is None:
                    self.exhausted += 1
                else:
                    first[c].append(paper)
        for c, papers in first.items():
            self.parcels[c] = [papers]
            self.votes[c] = len(papers)
        valid = sum(self.votes.values())
        if valid == 0:
            self.note("no paper gives a first preference to a standing candidate")
        self.quota = irish_quota(valid, self.seats)
        self.point(f"count {self.stage}")
        self.elect_quota()
        self.snapshot()

    def elect_quota(self) -> None:
        """s.120(2): deem elected every continuing candidate at or above the quota."""
        cont = self.continuing()
        reached = [c for c in cont if self.votes[c] >= self.quota]
        for group in order_groups(reached, self.fvotes(), self.history, highest=True):
            for c in group:
                if self.places() == 0:
                    return
                if c in self.blocked(cont):
                    continue
                self.status[c] = ELECTED
                self.elected.append(c)
                self.new_actions.append(Action("elected", self.names[c]))

    def last_vacancies(self, cont: list[int]) -> bool:
        """s.124: fill the last vacancies without further transfers when the Act says so."""
        places = self.places()
        surplus = sum(self.surpluses().values())
        ranked = [
            c for g in order_groups(cont, self.fvotes(), self.history, highest=True) for c in g
        ]
        winners: list[int] = []
        if not cont:
            return True  # no one is left: the remaining seats stay unfilled
        if len(cont) <= places:
            winners, why = ranked, "s.124(1): continuing candidates no more than the vacancies"
        elif len(cont) == places + 1:
            lowest, next_up = ranked[-1], ranked[-2]
            if self.votes[lowest] + surplus < self.votes[next_up]:
                winners = ranked[:-1]
                why = (
                    f"s.124(1A): the lowest, {self.names[lowest]}, with the surpluses "
                    f"({self.votes[lowest]} + {surplus}) is below the next ({self.votes[next_up]})"
                )
        if not winners and places == 1:
            top = ranked[0]
            others = sum(self.votes[c] for c in cont if c != top)
            if self.votes[top] > others + surplus:
                winners = [top]
                why = (
                    f"s.124(2): {self.names[top]}'s {self.votes[top]} exceed all the others "
                    f"together with the surpluses ({others} + {surplus})"
                )
        if not winners or not self.honours_minimums(winners, len(cont) <= places):
            return False
        self.elect_at_last_stage(winners)
        self.note(f"{', '.join(self.names[c] for c in winners)} deemed elected ({why})")
        if any(self.votes[c] * 4 <= self.quota for c in self.continuing()):
            self.note("no transfer is made only to settle the recoupment threshold (s.124(3))")
        return True

    def honours_minimums(self, winners: list[int], all_remaining: bool) -> bool:
        """Whether electing ``winners`` now keeps every group minimum attainable.

        s.124(1) (``all_remaining``) always applies: no one else is left.
        """
        if all_remaining:
            return True
        chosen = {self.names[c] for c in self.elected + winners}
        full = len(chosen) == self.seats
        for group in self.rules.minimums:
            inside = len(chosen & group.members)
            if full and inside < group.minimum:
                return False
            if len(chosen - group.members) > self.seats - group.minimum:
                return False
        return True

    # ------------------------------------------------------------------ decisions

    def worth_transferring(self, cont: list[int], surpluses: dict[int, int]) -> bool:
        """Whether the untransferred surpluses could materially affect the count."""
        total = sum(surpluses.values())
        values = sorted(self.votes[c] for c in cont)
        lowest = values[0]
        if values[-1] + total >= self.quota:
            return True  # it could elect the highest continuing candidate
        if len(values) > 1 and lowest + total >= values[1]:
            return True  # it could bring the lowest level with the next lowest
        quarter = Fraction(self.quota, 4)
        return lowest <= quarter < lowest + total  # it could save the lowest's recoupment

    def plan_exclusion(self, cont: list[int]) -> tuple[list[int], int, bool]:
        """Whom to exclude from, how many together, and whether a group minimum shields anyone.

        While a group minimum protects someone, exclusions are one at a time from
        the unprotected (and surpluses are never deferred).
        """
        shielded = self.shielded(cont)
        if shielded:
            return [c for c in cont if c not in shielded], 1, True
        surplus = sum(self.surpluses().values())
        quarter = Fraction(self.quota, 4)
        values = sorted(self.votes[c] for c in cont)
        size = 1
        running = values[0]
        most = self.most_together(cont)
        for k in range(2, most + 1):
            running += values[k - 1]
            if running + surplus >= values[k]:
                continue
            if all(v > quarter for v in values[:k]) or running + surplus <= quarter:
                size = k
        return cont, size, False

    # ------------------------------------------------------------------ transfers

    def transfer_surplus(self, c: int) -> None:
        """s.121: transfer ``c``'s surplus of whole papers."""
        surplus = self.votes[c] - self.quota
        self.stage += 1
        if self.original_only[c]:
            source = [p for sub in self.parcels[c] for p in sub]
        else:
            source = self.parcels[c][-1]
        subs: dict[int, list[int]] = {}
        for paper in source:
            to = self.next_preference(paper)
            if to is not None:
                subs.setdefault(to, []).append(paper)
        transferable = sum(len(s) for s in subs.values())
        if transferable <= surplus:
            moved = {to: len(s) for to, s in subs.items()}
        else:
            moved = self.apportion(subs, surplus, transferable)
        transfers: dict[str, Fraction] = {}
        for to in sorted(subs):
            m = moved[to]
            if m == 0:
                continue
            papers = subs[to][len(subs[to]) - m :]  # those last filed in the sub-parcel
            self.parcels[to].append(papers)
            self.original_only[to] = False
            self.votes[to] += m
            transfers[self.names[to]] = Fraction(m)
        lost = surplus - sum(moved.values())
        if lost:
            self.exhausted += lost
            transfers[EXHAUSTED] = Fraction(lost)
        self.votes[c] = self.quota
        self.transferred.add(c)
        self.rounds[-1].actions.append(Action("surplus", self.names[c], transfers))
        self.note(
            f"surplus of {self.names[c]} ({surplus}) from "
            + (
                "all papers (original votes only)"
                if self.original_only[c]
                else "the sub-parcel last received"
            )
            + f": {transferable} transferable paper(s)"
        )
        self.point(f"count {self.stage}")
        self.elect_quota()
        self.snapshot()

    def apportion(self, subs: dict[int, list[int]], surplus: int, total: int) -> dict[int, int]:
        """Papers from each sub-parcel in proportion; largest remainders take the rest."""
        moved = {to: len(s) * surplus // total for to, s in subs.items()}
        owing = surplus - sum(moved.values())
        if owing == 0:
            return moved
        keys: dict[tuple[int, int], list[int]] = {}
        for to, s in subs.items():
            keys.setdefault((len(s) * surplus % total, len(s)), []).append(to)
        for key in sorted(keys, reverse=True):
            group = sorted(keys[key])
            if owing <= 0:
                break
            if len(group) <= owing:
                for to in group:
                    moved[to] += 1
                owing -= len(group)
                continue
            pool = [self.names[to] for to in group]
            for _ in range(owing):
                tb = lot(self.seed, "fraction", self.stage, pool)
                self.new_ties.append(tb)
                pool.remove(tb.chosen)
                moved[self.names.index(tb.chosen)] += 1
            owing = 0
        return moved

    def exclude(
        self, group: list[int], kind: Literal["eliminated", "excluded"], reasons: dict[int, str]
    ) -> None:
        """Exclude ``group`` together: every paper moves in one count."""
        self.stage += 1
        for c in group:
            self.status[c] = EXCLUDED
        received: dict[int, list[int]] = {}
        ordered = sorted(group, key=lambda c: (self.votes[c], group.index(c)))
        for c in ordered:
            counts: dict[int, int] = {}
            lost = 0
            for sub in self.parcels[c]:
                for paper in sub:
                    to = self.next_preference(paper)
                    if to is None:
                        lost += 1
                    else:
                        received.setdefault(to, []).append(paper)
                        counts[to] = counts.get(to, 0) + 1
            self.parcels[c] = []
            self.votes[c] = 0
            self.exhausted += lost
            transfers = {self.names[to]: Fraction(n) for to, n in sorted(counts.items())}
            if lost:
                transfers[EXHAUSTED] = Fraction(lost)
            self.rounds[-1].actions.append(Action(kind, self.names[c], transfers))
            if c in reasons:
                self.note(f"{self.names[c]} excluded: {reasons[c]}")
        for to, papers in received.items():
            self.parcels[to].append(papers)
            self.original_only[to] = False
            self.votes[to] += len(papers)
        self.point(f"count {self.stage}")
        self.elect_quota()
        self.snapshot()


registry.register(
    registry.Method(
        name="irish",
        summary="Irish Dáil STV (Electoral Act 1992): whole papers, last sub-parcel, in file order",
        function=count_irish,
        multi_seat=True,
    )
)
