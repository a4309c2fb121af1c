"""Lifecycle, secret casting, the audit chain and counting of the web service."""

import itertools

import pytest
from web_factories import FREEZE, contest, organisation

from selectorate.ballots import Ballot, Candidate, Election
from selectorate.counting import registry
from selectorate.reports.native_json import render_native_json
from selectorate.web.elections import audit, counting, lifecycle, voting
from selectorate.web.elections.lifecycle import TransitionRefused
from selectorate.web.elections.models import (
    AuditEntry,
    CastBallot,
    Contest,
    Credential,
    Elector,
    Result,
    ResultLocked,
)

pytestmark = pytest.mark.django_db

STATES = [s for s, _ in Contest.STATES]


def _open_contest(**kw):
    org = organisation()
    c = contest(org, **kw)
    lifecycle.transition(c, Contest.NOMINATIONS, "officer")
    lifecycle.transition(c, Contest.FROZEN, "officer")
    codes = voting.issue_credentials(c, "officer")
    lifecycle.transition(c, Contest.OPEN, "officer")
    return c, [i.code for i in codes]


def _fully_prepared():
    """A contest that meets every precondition; only its state decides what is allowed."""
    c, _ = _open_contest()
    Result.objects.create(contest=c, result_json="{}", sheet_html="")
    return c


@pytest.mark.parametrize(("state", "target"), list(itertools.product(STATES, STATES)))
def test_every_state_and_action(state, target):
    c = _fully_prepared()
    Contest.objects.filter(pk=c.pk).update(state=state)
    c.refresh_from_db()
    before = AuditEntry.objects.count()
    if target in lifecycle.ALLOWED[state]:
        lifecycle.transition(c, target, "officer")
        c.refresh_from_db()
        assert c.state == target
        assert AuditEntry.objects.count() > before
        last = AuditEntry.objects.order_by("-seq").first()
        assert last.details["from"] == state and last.details["to"] == target
    else:
        with pytest.raises(TransitionRefused) as refused:
            lifecycle.transition(c, target, "officer")
        assert c.title in str(refused.value) and "Cannot" in str(refused.value)
        c.refresh_from_db()
        assert c.state == state
        assert AuditEntry.objects.count() == before


def test_preconditions_refuse_with_reasons():
    org = organisation()
    c = contest(org, names=("Only",))
    with pytest.raises(TransitionRefused, match="more candidates than seats"):
        lifecycle.transition(c, Contest.FROZEN, "officer")
    c2 = contest(org)
    c2.freeze_date = None
    c2.save()
    with pytest.raises(TransitionRefused, match="no freeze date"):
        lifecycle.transition(c2, Contest.FROZEN, "officer")
    c3 = contest(org)
    lifecycle.transition(c3, Contest.FROZEN, "officer")
    with pytest.raises(TransitionRefused, match="no credential"):
        lifecycle.transition(c3, Contest.CREDENTIALS, "officer")
    with pytest.raises(TransitionRefused, match="credentials are issued"):
        lifecycle.transition(c3, Contest.OPEN, "officer")


def test_freeze_stores_reasons():
    org = organisation()
    c = contest(org)
    lifecycle.transition(c, Contest.FROZEN, "officer")
    late = Elector.objects.get(contest=c, member__member_no="M9999")
    assert not late.eligible
    assert "after the freeze date" in late.reason and str(FREEZE) in late.reason
    assert Elector.objects.filter(contest=c, eligible=True).count() == 5


def test_cast_records_who_and_what_apart():
    c, codes = _open_contest()
    receipt = voting.cast(c, codes[0], [2, 1])
    assert len(receipt) >= 22  # token_urlsafe(16): 128 bits
    assert Credential.objects.filter(contest=c, used=True).count() == 1
    ballot = CastBallot.objects.get(contest=c)
    assert ballot.rankings == [2, 1]
    assert len(ballot.id) == 32
    assert voting.receipt_included(c, receipt)
    assert not voting.receipt_included(c, "not-a-receipt")


def test_cast_ballot_has_no_link_to_voters():
    fields = CastBallot._meta.get_fields()
    names = {f.name for f in fields}
    assert names == {"id", "contest", "rankings", "receipt_hash"}
    related = {f.related_model.__name__ for f in fields if f.is_relation}
    assert related == {"Contest"}
    for f in fields:
        assert f.get_internal_type() not in ("DateTimeField", "DateField", "AutoField",
                                             "BigAutoField")
    assert CastBallot._meta.pk.name == "id" and CastBallot._meta.pk.get_internal_type() == (
        "CharField")
    credential_fields = {f.name for f in Credential._meta.get_fields()}
    assert not any("used_at" in n or "cast" in n for n in credential_fields)


def test_double_cast_gets_identical_answer():
    c, codes = _open_contest()
    voting.cast(c, codes[1], [1])
    messages = []
    for _ in range(3):
        with pytest.raises(voting.AlreadyVoted) as refused:
            voting.cast(c, codes[1].lower().replace("-", " "), [3])
        messages.append(str(refused.value))
    assert messages == [voting.ALREADY_VOTED] * 3
    assert CastBallot.objects.filter(contest=c).count() == 1


def test_cast_outside_open_refused():
    c, codes = _open_contest()
    lifecycle.transition(c, Contest.CLOSED, "officer")
    with pytest.raises(voting.VoteRefused, match="not open"):
        voting.cast(c, codes[0], [1])
    assert not CastBallot.objects.exists()
    assert not Credential.objects.filter(used=True).exists()


def test_bad_codes_and_rankings_refused():
    c, codes = _open_contest()
    with pytest.raises(voting.VoteRefused, match="not a voting code"):
        voting.cast(c, "AAAAA-BBBBB-CCCCC-DDDDD", [1])
    for bad in ([], [9], [1, 1], "1", [True]):
        with pytest.raises(voting.VoteRefused):
            voting.cast(c, codes[0], bad)
    assert not Credential.objects.filter(used=True).exists()


def test_codes_stored_only_as_hashes_and_reissue():
    c, codes = _open_contest()
    stored = set(Credential.objects.values_list("code_hash", flat=True))
    assert not stored & set(codes)
    assert {voting.code_hash(code) for code in codes} == stored
    elector = Credential.objects.get(code_hash=voting.code_hash(codes[2])).elector
    new = voting.reissue_credential(c, elector, "officer")
    with pytest.raises(voting.VoteRefused, match="not a voting code"):
        voting.cast(c, codes[2], [1])
    voting.cast(c, new, [1])
    with pytest.raises(voting.AlreadyVoted):
        voting.reissue_credential(c, elector, "officer")


def test_audit_chain_verifies_and_detects_a_changed_byte():
    c, codes = _open_contest()
    voting.cast(c, codes[0], [1])
    assert AuditEntry.objects.count() >= 5
    assert audit.verify_chain() is None
    entry = AuditEntry.objects.get(seq=3)
    AuditEntry.objects.filter(seq=3).update(actor=entry.actor[:-1] + "X")
    assert audit.verify_chain() == 3
    AuditEntry.objects.filter(seq=3).update(actor=entry.actor)
    assert audit.verify_chain() is None
    AuditEntry.objects.filter(seq=2).update(details={**entry.details, "x": 1})
    assert audit.verify_chain() == 2


def test_audit_never_names_a_voter():
    c, codes = _open_contest()
    voting.cast(c, codes[0], [3, 2])
    cast = AuditEntry.objects.get(action="ballot cast")
    assert cast.actor == "voter" and cast.details == {}


def test_count_matches_direct_registry_count():
    c, codes = _open_contest()
    votes = [[1, 2], [2], [3, 1], [1], [2, 3]]
    for code, rankings in zip(codes, votes, strict=True):
        voting.cast(c, code, rankings)
    lifecycle.transition(c, Contest.CLOSED, "officer")
    stored = counting.count_contest(c, "officer")
    c.refresh_from_db()
    assert c.state == Contest.COUNTED
    names = ("Ash", "Birch", "Cedar", "Damson")
    direct = registry.count(
        "irv",
        Election(
            candidates=tuple(Candidate(n) for n in names),
            ballots=[Ballot(rankings=tuple((p - 1,) for p in r)) for r in
                     sorted(votes, key=lambda r: 0)],
        ),
    )
    assert stored.result_json.count('"elected"') >= 1
    import json

    ours, theirs = json.loads(stored.result_json), json.loads(render_native_json(direct))
    assert ours["elected"] == theirs["elected"] == direct.elected
    assert ours["rounds"] == theirs["rounds"]
    assert "<!DOCTYPE html>" in stored.sheet_html
    lifecycle.transition(c, Contest.PUBLISHED, "officer")
    stored.refresh_from_db()
    assert stored.published_at is not None
    stored.sheet_html = "tampered"
    with pytest.raises(ResultLocked):
        stored.save()
    with pytest.raises(ResultLocked):
        stored.delete()


def test_count_refused_before_close():
    c, _ = _open_contest()
    with pytest.raises(TransitionRefused, match="after it is closed"):
        counting.count_contest(c, "officer")
    assert not Result.objects.exists()
