"""A small exact STV count laid out as the STV contract says, for tests of the
verifier and the STV sheet before (and independently of) the real STV methods.

Rule: Droop quota ``floor(V / (S + 1)) + 1`` fixed at stage 1; everyone at or
above the quota is elected; the largest surplus is transferred first, every
paper of the candidate at ``surplus / votes`` of its value (weighted inclusive
Gregory, exact fractions); otherwise the lowest candidate is excluded (earliest
in candidate order on a tie) and their papers move at their value. When the
continuing candidates just fill the remaining seats, they are all elected.
Not a statutory rule: only its layout matters here.
"""

from __future__ import annotations

from fractions import Fraction

from selectorate.ballots.model import Ballot, Candidate, Election
from selectorate.counting.result import EXHAUSTED, Action, CountResult, Round


def election_of(names: list[str], ballots: list[tuple[int, list[str]]], seats: int) -> Election:
    """An election from ``(weight, [names in order])`` pairs."""
    cands = tuple(Candidate(n) for n in names)
    index = {n: i for i, n in enumerate(names)}
    return Election(
        candidates=cands,
        ballots=[Ballot(tuple((index[n],) for n in ranks), w) for w, ranks in ballots],
        seats=seats,
        title="Toy STV",
    )


def toy_stv(election: Election, method: str = "scottish-stv") -> CountResult:
    """Count ``election`` by the toy rule above (see the module docstring)."""
    names = election.names
    seats = election.seats
    papers = [
        [list(b.rankings), Fraction(b.weight), 0] for b in election.ballots if b.is_blank() is False
    ]
    blank = sum((Fraction(b.weight) for b in election.ballots if b.is_blank()), Fraction(0))
    total = sum((Fraction(b.weight) for b in election.ballots), Fraction(0))
    status = dict.fromkeys(names, "continuing")
    pile: dict[str, list[int]] = {n: [] for n in names}
    exhausted = Fraction(0)

    def place(i: int) -> str | None:
        ranks, _, pos = papers[i]
        while pos < len(ranks):
            rank = ranks[pos]
            if rank and status[names[rank[0]]] == "continuing":
                papers[i][2] = pos
                return names[rank[0]]
            pos += 1
        papers[i][2] = pos
        return None

    for i in range(len(papers)):
        who = place(i)
        if who is None:
            exhausted += papers[i][1]
        else:
            pile[who].append(i)
    valid = total - blank
    quota = valid // (seats + 1) + 1
    rounds: list[Round] = []
    elected: list[str] = []
    pending: list[str] = []  # elected, surplus not yet transferred
    while True:
        tally = {n: sum((papers[i][1] for i in pile[n]), Fraction(0)) for n in names
                 if status[n] != "excluded"}  # fmt: skip
        rnd = Round(len(rounds) + 1, tally, Fraction(quota), {"exhaustedChoices": exhausted})
        rounds.append(rnd)
        cont = [n for n in names if status[n] == "continuing"]
        new = sorted((n for n in cont if tally[n] >= quota), key=lambda n: -tally[n])
        for n in new:
            status[n] = "elected"
            elected.append(n)
            pending.append(n)
            rnd.actions.append(Action("elected", n))
        cont = [n for n in names if status[n] == "continuing"]
        if len(elected) == seats:
            break
        if len(cont) <= seats - len(elected):
            for n in cont:
                status[n] = "elected"
                elected.append(n)
                rnd.actions.append(Action("elected", n))
            break
        surplus_of = max(pending, key=lambda n: tally[n] - quota, default=None)
        if surplus_of is not None and tally[surplus_of] > quota:
            pending.remove(surplus_of)
            source, kind = surplus_of, "surplus"
            factor = (tally[source] - quota) / tally[source]
        else:
            source = min(cont, key=lambda n: tally[n])
            status[source] = "excluded"
            kind, factor = "eliminated", Fraction(1)
        moved: dict[str, Fraction] = {}
        for i in pile[source]:
            papers[i][1] *= factor
            who = place(i)
            key = EXHAUSTED if who is None else who
            moved[key] = moved.get(key, Fraction(0)) + papers[i][1]
            if who is None:
                exhausted += papers[i][1]
            else:
                pile[who].append(i)
        pile[source] = []
        if kind == "surplus":
            # what the winner keeps stays with them as a notional parcel worth the quota
            papers.append([[], Fraction(quota), 0])
            pile[source].append(len(papers) - 1)
        ordered = {n: moved[n] for n in names if n in moved}
        if EXHAUSTED in moved:
            ordered[EXHAUSTED] = moved[EXHAUSTED]
        rnd.actions.append(Action(kind, source, ordered))
    return CountResult(
        method=method,
        candidates=list(names),
        seats=seats,
        elected=elected,
        rounds=rounds,
        total_ballots=total,
        undervotes=blank,
        title=election.title,
        decimal_places=None,
        options={"seats": seats},
    )


#: A small election with a surplus, an exclusion and a non-transferable paper.
TOY_NAMES = ["Ann", "Bob", "Cy", "Dee", "Eve"]
TOY_BALLOTS = [
    (30, ["Ann", "Bob", "Cy"]),
    (8, ["Ann", "Cy"]),
    (2, ["Ann"]),
    (12, ["Bob", "Ann", "Dee"]),
    (14, ["Cy", "Dee"]),
    (9, ["Dee", "Eve", "Cy"]),
    (6, ["Eve", "Dee"]),
    (4, ["Eve"]),
    (1, []),
]
