"""STV methods against Droop's reference transcripts (jklundell/droop v0.14, GPL-3).

Data: ``shared/conformance/stv/droop_reference/`` (``blt/`` ballots,
``ref/dump/`` transcripts); the transcript reader is ``tests/droop_ref.py``.
Each method has its own section below. Every action line of a transcript is
checked: the quota, every candidate's vote and the non-transferable total at
the transcript's precision, the number of stages, and the elected set.

Droop breaks ties that its rules leave to lot by a predetermined order: the
file's ``[tie]`` line or else the candidate order. We pass that order as
``lot_order``.
"""

from __future__ import annotations

import pytest
from droop_ref import DROOP, cases, compare, read_dump

from selectorate.ballots import Election
from selectorate.formats.blt import parse_blt, read_blt

pytestmark = pytest.mark.skipif(not DROOP.exists(), reason=f"Droop reference data missing: {DROOP}")


def droop_lot_order(election: Election) -> list[str]:
    """Droop's tie-breaking order: the ``[tie]`` line, else the candidate order."""
    tie = election.metadata.get("blt.tie")
    if tie:
        return [election.names[int(k) - 1] for k in tie.split()]
    return list(election.names)


def _ids(found: list) -> list[str]:
    return [case for case, _, _ in found]


# ----------------------------------------------------------------- Scottish STV

from selectorate.counting.scottish_stv import count_scottish_stv  # noqa: E402

SCOTLAND = cases("scotland-fixed-p5-d5")


def test_scotland_cases_found():
    """9 Droop test elections plus 21 Glasgow 2007 wards and 2 tie cases."""
    assert len(SCOTLAND) == 32
    assert (
        sum(case.startswith("scotland/") and case.endswith("-2007") for case in _ids(SCOTLAND))
        == 21
    )


@pytest.mark.parametrize(("case", "blt", "dump"), SCOTLAND, ids=_ids(SCOTLAND))
def test_scottish_stv_matches_droop(case, blt, dump):
    """Every stage of Droop's ``scotland`` rule, except its zero-surplus stages.

    Droop makes a stage of "transferring" the surplus of a candidate elected
    exactly on the quota (cases SC-Vm-12 and weak-surplus); r.48(1) of SSI
    2007/42 transfers only votes exceeding the quota, so those stages are
    dropped from the transcript before comparing (``without_zero_surpluses``).
    """
    election = read_blt(blt)
    result = count_scottish_stv(election, lot_order=droop_lot_order(election))
    transcript = read_dump(dump).without_zero_surpluses()
    assert compare(result, transcript) == []


def test_zero_surplus_stages_are_the_only_difference():
    """Only SC-Vm-12 and weak-surplus have zero-surplus stages in Droop's transcripts."""
    changed = [
        case
        for case, _, dump in SCOTLAND
        if len(read_dump(dump).without_zero_surpluses().stages()) != len(read_dump(dump).stages())
    ]
    assert changed == ["SC-Vm-12", "scotland/weak-surplus"]


def test_scottish_ties_as_droop_breaks_them():
    """weak-defeat: r.51(2)(a) by the previous stage; SC-Vm-12: lot (Droop's order)."""
    election = read_blt(DROOP / "blt" / "scotland" / "weak-defeat.blt")
    (tie,) = count_scottish_stv(election, lot_order=droop_lot_order(election)).tie_breaks
    assert (tie.tied, tie.chosen, tie.method) == (("B", "C"), "B", "previous stages")
    election = read_blt(DROOP / "blt" / "SC-Vm-12.blt")
    ties = count_scottish_stv(election, lot_order=droop_lot_order(election)).tie_breaks
    assert [(t.tied, t.chosen, t.method) for t in ties] == [
        (("X", "Y", "Z"), "X", "lot"),
        (("Y", "Z"), "Y", "lot"),
    ]


def test_scottish_lot_without_seed_raises():
    election = read_blt(DROOP / "blt" / "SC-Vm-12.blt")
    with pytest.raises(
        ValueError, match=r"tie at stage 1 between X, Y, Z needs a lot: give --seed"
    ):
        count_scottish_stv(election)


# ----------------------------------------------------------------- WIGM (PR Foundation reference)

from selectorate.counting.wigm import count_wigm  # noqa: E402

WIGM_PRF = cases("wigm-prf-fixed-p4-d4")
WIGM_PRF_BATCH = cases("wigm-prf-batch-fixed-p4-d4")


def test_wigm_cases_found():
    assert len(WIGM_PRF) == 9
    assert len(WIGM_PRF_BATCH) == 9


@pytest.mark.parametrize(("case", "blt", "dump"), WIGM_PRF, ids=_ids(WIGM_PRF))
def test_wigm_matches_droop(case, blt, dump):
    """Droop's ``wigm-prf`` (single defeat): every action line."""
    election = read_blt(blt)
    result = count_wigm(election, lot_order=droop_lot_order(election))
    assert compare(result, read_dump(dump)) == []


@pytest.mark.parametrize(("case", "blt", "dump"), WIGM_PRF_BATCH, ids=_ids(WIGM_PRF_BATCH))
def test_wigm_batch_defeat_matches_droop(case, blt, dump):
    """Droop's ``wigm-prf-batch`` (B.2 defeat sure losers): every action line."""
    election = read_blt(blt)
    result = count_wigm(election, lot_order=droop_lot_order(election), batch_defeat=True)
    assert compare(result, read_dump(dump)) == []


def test_wigm_tie_order_from_blt():
    """A BLT ``[tie]`` line is D.1's predetermined order; ``lot_order`` overrides it."""
    text = '3 1\n[tie 2 1 3]\n1 1 0\n1 2 0\n2 3 0\n0\n"A"\n"B"\n"C"\n"tie"\n'
    election = parse_blt(text)
    (tie, *_) = count_wigm(election).tie_breaks
    assert (tie.purpose, tie.tied, tie.chosen) == ("defeat", ("A", "B"), "B")
    (tie, *_) = count_wigm(election, lot_order=["A", "B", "C"]).tie_breaks
    assert tie.chosen == "A"


def test_wigm_ties_recorded():
    election = read_blt(DROOP / "blt" / "SC.blt")
    ties = count_wigm(election, lot_order=droop_lot_order(election)).tie_breaks
    assert [(t.purpose, t.chosen) for t in ties] == [
        ("defeat", "Write-In 2"),
        ("defeat", "Write-In 1"),
        ("defeat", "Steve Greenfield"),
    ]
    with pytest.raises(ValueError, match="needs a lot: give --seed"):
        count_wigm(election)


# ----------------------------------------------------------------- (other methods: add below)
