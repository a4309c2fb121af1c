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
    HistoryPoint,
    Prepared,
    earliest_difference,
    forced,
    inactive,
    lot,
    order_groups,
    prepare,
    protected,
)
from selectorate.counting.result import EXHAUSTED, Action, CountResult, Round, TieBreak
from selectorate.counting.stv_rules import GroupMinimum, apply_ron

__all__ = ["count_irish", "irish_quota"]

_CONT, _ELECTED, _EXCLUDED, _OUT = "continuing", "elected", "excluded", "not standing"


def irish_quota(valid: int, seats: int) -> int:
    """The quota of s.120(1): ⌊valid / (seats + 1)⌋ + 1."""
    return valid // (seats + 1) + 1


def count_irish(
    election: Election,
    *,
    seats: int | None = None,
    seed: int | str | None = None,
    ron: str | None = None,
    minimums: Sequence[GroupMinimum] = (),
    withdrawals: Mapping[int, Sequence[str]] | None = None,
) -> CountResult:
    """Count ``election`` by the Dáil rules of the Electoral Act 1992 (module docstring).

    The ballots' order matters: it is the order of the papers in each parcel.
    ``seed`` draws the lots the Act leaves to the returning officer; without it
    such a tie raises :class:`ValueError`.
    """
    prep = prepare(
        election,
        method="irish",
        seats=seats,
        seed=seed,
        ron=ron,
        minimums=minimums,
        withdrawals=withdrawals,
        whole_papers=True,
    )
    result = _Count(prep, election.title).run()
    if ron is not None:
        apply_ron(result, ron)
    return result


class _Count:
    """The state of one Dáil count, count by count."""

    def __init__(self, prep: Prepared, title: str) -> None:
        self.prep = prep
        self.title = title
        self.names = prep.names
        self.seats = prep.seats
        self.status = [_OUT] * len(self.names)
        for c in prep.standing:
            self.status[c] = _CONT
        # Papers: preferences and the position of the candidate holding each.
        self.prefs: list[tuple[int, ...]] = []
        self.pos: list[int] = []
        self.votes: dict[int, int] = dict.fromkeys(prep.standing, 0)
        #: Each candidate's parcel: its sub-parcels in the order received.
        self.parcels: dict[int, list[list[int]]] = {c: [] for c in prep.standing}
        self.original_only: dict[int, bool] = dict.fromkeys(prep.standing, True)
        self.transferred: set[int] = set()
        self.elected: list[int] = []
        self.exhausted = 0
        self.quota = 0
        self.history: list[HistoryPoint] = []
        self.rounds: list[Round] = []
        self.stage = 0
        self.notes = list(prep.notes)
        self.new_actions: list[Action] = []
        self.new_ties: list[TieBreak] = []

    # ------------------------------------------------------------------ helpers

    def continuing(self) -> list[int]:
        """Continuing candidates (s.118), in candidate order."""
        return [c for c in self.prep.standing if self.status[c] == _CONT]

    def next_preference(self, paper: int) -> int | None:
        """The paper's next available preference for a continuing candidate."""
        prefs = self.prefs[paper]
        p = self.pos[paper] + 1
        while p < len(prefs):
            c = prefs[p]
            if self.status[c] == _CONT:
                self.pos[paper] = p
                return c
            p += 1
        self.pos[paper] = len(prefs)
        return None

    def places(self) -> int:
        """Vacancies remaining unfilled."""
        return self.seats - len(self.elected)

    def surpluses(self) -> dict[int, int]:
        """Untransferred surpluses of elected candidates, in order of election."""
        return {
            e: self.votes[e] - self.quota
            for e in self.elected
            if e not in self.transferred and self.votes[e] > self.quota
        }

    def point(self) -> None:
        """Record every candidate's vote at the end of this count."""
        self.history.append(
            (f"count {self.stage}", {c: Fraction(v) for c, v in self.votes.items()})
        )

    def snapshot(self) -> None:
        """Close the count just made: its Round, with what was decided during it."""
        tally = {
            self.names[c]: Fraction(self.votes[c])
            for c in self.prep.standing
            if self.status[c] in (_CONT, _ELECTED)
        }
        self.rounds.append(
            Round(
                number=self.stage,
                tally=tally,
                threshold=Fraction(self.quota),
                inactive=inactive(Fraction(self.exhausted)),
                actions=self.new_actions,
                tie_breaks=self.new_ties,
            )
        )
        self.new_actions = []
        self.new_ties = []

    def note(self, text: str) -> None:
        """A note for the scrutineer, prefixed with the count it concerns."""
        self.notes.append(f"Stage {self.stage}: {text}")

    def fvotes(self) -> dict[int, Fraction]:
        """Votes as fractions, for the tie helpers."""
        return {c: Fraction(v) for c, v in self.votes.items()}

    # ------------------------------------------------------------------ the count

    def run(self) -> CountResult:
        """Make every count and return the result."""
        self.first_count()
        while self.places() > 0:
            cont = self.continuing()
            must_go = forced(self.prep.rules, self.names, self.stage + 1, self.elected, cont)
            if must_go:
                self.exclude([c for c, _ in must_go], "excluded", dict(must_go))
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
        return CountResult(
            method="irish",
            candidates=list(self.names),
            seats=self.seats,
            elected=[self.names[c] for c in self.elected],
            rounds=self.rounds,
            total_ballots=self.prep.total,
            undervotes=self.prep.undervotes,
            title=self.title,
            decimal_places=None,
            options=self.prep.options,
            notes=self.notes,
        )

    def first_count(self) -> None:
        """s.119–120: parcels by first preference, the quota, the first elections."""
        self.stage = 1
        for c, reason in forced(self.prep.rules, self.names, 1, [], self.continuing()):
            self.status[c] = _OUT
            self.note(f"{self.names[c]} excluded before the first count: {reason}")
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
        self.point()
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
                blocked = forced(self.prep.rules, self.names, self.stage, self.elected, cont)
                if any(b == c for b, _ in blocked):
                    continue
                self.status[c] = _ELECTED
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
        for c in winners:
            self.status[c] = _ELECTED
            self.elected.append(c)
            self.rounds[-1].actions.append(Action("elected", self.names[c]))
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
        for group in self.prep.rules.minimums:
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
        shielded = protected(self.prep.rules, self.names, self.elected, cont)
        if shielded:
            return [c for c in cont if c not in shielded], 1, True
        surplus = sum(self.surpluses().values())
        quarter = Fraction(self.quota, 4)
        values = sorted(self.votes[c] for c in cont)
        size = 1
        running = values[0]
        # With group minimums, one at a time: a group could take several members at once.
        most = 1 if self.prep.rules.minimums else len(cont) - self.places()
        for k in range(2, most + 1):
            running += values[k - 1]
            if running + surplus >= values[k]:
                continue
            if all(v > quarter for v in values[:k]) or running + surplus <= quarter:
                size = k
        return cont, size, False

    def take_lowest(self, cands: list[int], k: int) -> list[int]:
        """The ``k`` lowest of ``cands``: ties by the earliest count, then lot."""
        groups = order_groups(cands, self.fvotes(), self.history, highest=False)
        chosen: list[int] = []
        lots = False
        for g in groups:
            need = k - len(chosen)
            if need <= 0:
                break
            if len(g) <= need:
                chosen.extend(g)
                continue
            pool = list(g)
            for _ in range(need):
                tb = lot(self.prep.seed, "exclusion", self.stage, [self.names[c] for c in pool])
                pick = self.names.index(tb.chosen)
                pool.remove(pick)
                chosen.append(pick)
                self.rounds[-1].tie_breaks.append(tb)
                lots = True
        boundary = self.votes[chosen[-1]]
        tied = [c for c in cands if self.votes[c] == boundary]
        if not lots and len(tied) > len([c for c in tied if c in chosen]) > 0:
            self.rounds[-1].tie_breaks.append(
                TieBreak(
                    purpose="exclusion",
                    tied=tuple(self.names[c] for c in tied),
                    chosen=", ".join(self.names[c] for c in chosen if c in tied),
                    method="earliest stage",
                    detail="the fewest votes at the first count at which they differed: "
                    + earliest_difference(tied, self.history, self.names, str),
                )
            )
        return chosen

    def choose_surplus(self, pending: list[int]) -> int:
        """The greatest surplus (s.121(9)): ties by the earliest count, then lot."""
        votes = self.fvotes()
        first = order_groups(pending, votes, self.history, highest=True)[0]
        same = [c for c in pending if votes[c] == votes[first[0]]]
        if len(first) > 1:
            tb = lot(self.prep.seed, "surplus", self.stage, [self.names[c] for c in first])
            self.rounds[-1].tie_breaks.append(tb)
            return self.names.index(tb.chosen)
        if len(same) > 1:
            self.rounds[-1].tie_breaks.append(
                TieBreak(
                    purpose="surplus",
                    tied=tuple(self.names[c] for c in same),
                    chosen=self.names[first[0]],
                    method="earliest stage",
                    detail="the greatest vote at the first count at which they differed: "
                    + earliest_difference(same, self.history, self.names, str),
                )
            )
        return first[0]

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
        self.point()
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
                tb = lot(self.prep.seed, "fraction", self.stage, pool)
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
            self.status[c] = _EXCLUDED
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
        self.point()
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
