"""Albany (CA) City Council, 2 seats: which STV rule reproduces the official rounds?

Data: ``shared/conformance/stv/us_other/albany_ca_city_council_votekit/``: the
7,159 ballots (VoteKit's test profile, MIT) and the official rounds 0–3 of the
Alameda County Registrar's RCV report as VoteKit's test transcribes them
(``expected_official_rounds.json``; round 4 is marked unchecked there and left out).

Findings (checked below):

* Rounds 0–2 (first preferences, then Pinguelo and Pilch excluded one at a time)
  are whole votes and every registered STV rule that excludes one candidate at
  a time reproduces them exactly; every rule elects the official winners
  (Miki, Lopez).
* Round 3 (after Miki's surplus) is reproduced exactly by this rule, restated
  from the figures and VoteKit's ``AlbanySTV`` (dynamic threshold):
  the **Droop quota is recomputed every round**, ``floor(V / (seats + 1)) + 1``
  with ``V`` = the votes of the continuing candidates plus one quota for each
  candidate already elected (quotas 2387, 2376, 2355, 2338); a winner's surplus
  moves at the **fraction (votes − quota) / votes truncated to 6 decimal
  places** (0.181154 for Miki's 2876 against 2355), each ballot carrying that
  fraction of its value. So Lopez gets 2111 + 1574 × 0.181154 = 2396.136396 and
  Hansen Romero 2076 + 1021 × 0.181154 = 2260.958234, the official figures.
* No registered method counts that way: Scottish STV, WIGM, the Irish rules and
  RCTab's STV fix the quota at 2387 (so Miki's surplus is 489, not 521), Meek
  and Warren recompute a different quota (2337.34…) and iterate keep values,
  ERS97 excludes the two lowest together and transfers only the last batch.
  The round-3 test is an expected failure per method, naming the figures.
"""

from __future__ import annotations

import ast
import json
import re
from fractions import Fraction
from pathlib import Path

import pytest

from selectorate.ballots.model import Ballot, Candidate, Election
from selectorate.counting import registry
from selectorate.counting.verify import verify

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ALBANY = SHARED / "conformance" / "stv" / "us_other" / "albany_ca_city_council_votekit"
pytestmark = pytest.mark.skipif(not ALBANY.is_dir(), reason="the Albany data is missing")

#: Rules that exclude one candidate at a time (so their stages are Albany's rounds).
ONE_AT_A_TIME = ["scottish-stv", "wigm", "irish", "meek", "meek-nz", "warren", "meek-droop"]


def albany_election() -> Election:
    """The VoteKit RankProfile CSV as an :class:`Election` (candidate codes → names)."""
    lines = (ALBANY / "albany_profile.csv").read_text(encoding="utf-8").splitlines()
    pairs = re.findall(r"\(([^:()]+):([^)]+)\)", lines[2])
    code = {c: i for i, (_, c) in enumerate(pairs)}
    start = lines.index("=,=,=,=,=,=,=,=,=,=") + 2
    ballots = []
    for line in lines[start:]:
        cells = line.split(",")
        end = cells.index("&")
        ranks = [
            tuple(code[x] for x in sorted(ast.literal_eval(cell))) if cell else ()
            for cell in cells[:end]
        ]
        while ranks and not ranks[-1]:
            ranks.pop()
        weight = Fraction(cells[end + 1])
        assert weight.denominator == 1
        ballots.append(Ballot(tuple(ranks), int(weight)))
    return Election(tuple(Candidate(n) for n, _ in pairs), ballots, seats=2, title="Albany")


def official() -> dict:
    return json.loads((ALBANY / "expected_official_rounds.json").read_text(encoding="utf-8"))


def albany_rule(election: Election, places: int = 6) -> list[dict[str, Fraction]]:
    """The rule the official figures follow (see the module docstring): each round's
    scores of the continuing candidates, until the seats are filled."""
    names = election.names
    seats = election.seats
    papers = [[list(b.rankings), Fraction(b.weight)] for b in election.ballots]
    continuing = list(range(len(names)))
    elected_quotas = 0
    scores: list[dict[str, Fraction]] = []
    elected: list[int] = []

    def top(paper: list) -> int | None:
        return next((r[0] for r in paper[0] if r and r[0] in continuing), None)

    while len(elected) < seats:
        tally = dict.fromkeys(continuing, Fraction(0))
        for paper in papers:
            c = top(paper)
            if c is not None:
                tally[c] += paper[1]
        scores.append({names[c]: v for c, v in tally.items()})
        quota = (sum(tally.values()) + elected_quotas) // (seats + 1) + 1
        winners = [c for c in continuing if tally[c] >= quota]
        if winners:
            c = max(winners, key=lambda w: tally[w])
            unit = 10**places
            fraction = Fraction(int((tally[c] - quota) / tally[c] * unit), unit)
            for paper in papers:
                if top(paper) == c:
                    paper[1] *= fraction
            continuing.remove(c)
            elected.append(c)
            elected_quotas += quota
        else:
            continuing.remove(min(continuing, key=lambda w: tally[w]))
        if len(continuing) + len(elected) <= seats:
            break
    return scores


def test_the_albany_rule_reproduces_every_official_round():
    rounds = albany_rule(albany_election())
    for want, got in zip(official()["rounds"], rounds, strict=False):
        exact = {k: Fraction(str(v)) for k, v in want["scores"].items()}
        assert got == exact, f"round {want['round']}"
    assert len(rounds) >= 4


@pytest.mark.parametrize("method", [*ONE_AT_A_TIME, "ers97", "stv-rctab"])
def test_rounds_0_to_2_and_the_winners(method):
    if method not in registry.names():
        pytest.skip(f"{method} is not registered yet")
    election = albany_election()
    result = registry.count(method, election, seats=2)
    want = official()
    assert result.elected == want["winners"]
    assert verify(result, election) == []
    stages = [0, 1, 2] if method != "ers97" else [0]  # ERS97 excludes the two lowest at once
    for k in stages:
        scores = want["rounds"][k]["scores"]
        assert {n: result.rounds[k].tally[n] for n in scores} == scores


@pytest.mark.parametrize("method", [*ONE_AT_A_TIME, "stv-rctab"])
def test_round_3_after_the_surplus(method):
    if method not in registry.names():
        pytest.skip(f"{method} is not registered yet")
    options = {"decimal_places": 6} if method == "stv-rctab" else {}
    result = registry.count(method, albany_election(), seats=2, **options)
    scores = official()["rounds"][3]["scores"]
    got = {n: result.rounds[3].tally.get(n) for n in scores}
    want = {n: Fraction(str(v)) for n, v in scores.items()}
    if got != want:
        shown = ", ".join(f"{n}: {float(got[n]):.6f} not {scores[n]}" for n in scores)
        pytest.xfail(
            f"{method}: quota {float(result.rounds[2].threshold):.6f} at the surplus "
            f"(Albany: 2355, recomputed each round); {shown}"
        )
