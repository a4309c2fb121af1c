"""Warren STV as Droop counts it ("warren"), against Droop's own transcripts.

Oracle: ``droop_reference/ref/dump/*-warren-o9-guarded-p18-g9-d18`` (Droop's
default guarded arithmetic) and ``*-warren-o10-rational-d12`` (exact): every
decision line's quota, residual, surplus and every candidate's vote at the
transcript's precision, the candidates elected and defeated in order, and the
intermediate distributions Droop shows between the defeats of a batch.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from droop_dump import DROOP, conserved, droop_cases, droop_problems, read_dump, tie_order

from selectorate.ballots import Ballot, Candidate, Election
from selectorate.counting import registry
from selectorate.formats.blt import read_blt

pytestmark = pytest.mark.skipif(not DROOP.exists(), reason="shared/ conformance data not found")


@pytest.mark.parametrize(
    ("case", "blt", "dump", "arithmetic"),
    [
        pytest.param(*c, "guarded", id=f"{c[0]}-guarded")
        for c in droop_cases("warren-o9-guarded-p18-g9-d18")
    ]
    + [
        pytest.param(*c, "rational", id=f"{c[0]}-rational")
        for c in droop_cases("warren-o10-rational-d12")
    ],
)
def test_warren_matches_droop(case, blt, dump, arithmetic):
    election = read_blt(blt, allow_equal=True)
    result = registry.count(
        "warren", election, arithmetic=arithmetic, lot_order=tie_order(election)
    )
    assert droop_problems(result, read_dump(dump), clamp=True, final_rows=True) == []
    assert conserved(result)


def test_warren_keeps_a_price_not_a_share():
    # 3 "A B", 1 "B", 1 "C"; 2 seats; exact quota 5/3 (no epsilon); A (3) elected
    # at once. Warren then takes a fixed price kf from each of A's papers.
    e = Election(
        (Candidate("A"), Candidate("B"), Candidate("C")),
        [Ballot(((0,), (1,)), 3), Ballot(((1,),), 1), Ballot(((2,),), 1)],
        2,
    )
    r = registry.count("warren", e, arithmetic="rational", seed=1)
    assert r.elected[0] == "A"
    assert r.rounds[0].threshold == Fraction(5, 3)
    assert conserved(r)
    # Meek and Warren agree when every paper reaching A has weight 1.
    meek = registry.count("meek-droop", e, arithmetic="rational", seed=1)
    assert meek.elected == r.elected
