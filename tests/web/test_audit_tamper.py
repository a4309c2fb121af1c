"""The audit chain against tampering: each kind of edit, 100 random trials, first bad row each time.

A realistic chain is built through the service itself (two contests: electorate
frozen, codes issued and one reissued, ballots cast, closed, counted,
published). Each trial then tampers with the stored rows the way someone with
write access to the database would — an ``UPDATE`` of one byte of one field,
a ``DELETE``, two rows swapped, the tail cut off, a forged row appended — runs
:func:`audit.verify_chain` and rolls the tampering back (a savepoint), so every
trial starts from the same intact chain.

What the chain guarantees (also in :func:`audit.verify_chain`'s docstring and
/work/notes/rel_H2.md):

* any edit, deletion, swap or renumbering of entries *inside* the chain is
  flagged at the first bad row by anyone, with no secret (tests 1-3);
* cutting the tail or appending entries is flagged against the
  :class:`~selectorate.web.elections.models.AuditHead` row, i.e. when the
  tamperer did not also move the head (tests 4-5);
* someone who can write the entries *and* the head (and recompute sha256,
  which needs no secret) can cut the tail, append, or rewrite from some row on
  without the database alone showing it. A head published outside the
  database (``anchors=``) catches the cut and the rewrite (test 6); entries
  appended after the last published head cannot be told from real ones
  (test 7 states this limit).
"""

from __future__ import annotations

import json
import random
import string
from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, connection, transaction
from web_factories import contest, organisation

from selectorate.web.elections import audit, counting, lifecycle, voting
from selectorate.web.elections.models import AuditEntry, AuditHead, Contest

pytestmark = pytest.mark.django_db

TRIALS = 100
SQLITE_ONLY = pytest.mark.skipif(
    "connection.vendor != 'sqlite'",
    reason="PostgreSQL's timestamptz and jsonb columns refuse an unparsable value",
)


# -- the chain ---------------------------------------------------------------------


def _chain() -> dict[str, tuple[int, str]]:
    """Build a realistic chain; returns the heads published along the way (name -> (seq, hash))."""
    heads: dict[str, tuple[int, str]] = {}
    org = organisation(members=12)
    sel = contest(org, names=("Åna Łucja", "Birch", "Cedar \"Ced\" O'Hara"), method="irv")
    lifecycle.transition(sel, Contest.FROZEN, "returning.officer")
    codes = [i.code for i in voting.issue_credentials(sel, "returning.officer")]
    lifecycle.transition(sel, Contest.OPEN, "returning.officer")
    elector = sel.electors.filter(eligible=True).order_by("member__member_no").first()
    codes[0] = voting.reissue_credential(sel, elector, "returning.officer")
    heads["open"] = _sealed_head()
    for k, code in enumerate(codes[:9]):
        voting.cast(sel, code, [1 + k % 3, 1 + (k + 1) % 3])
    motion = contest(org, names=("For", "Against"), method="fptp", kind="motion")
    lifecycle.transition(motion, Contest.FROZEN, "deputy")
    mcodes = [i.code for i in voting.issue_credentials(motion, "deputy")]
    lifecycle.transition(motion, Contest.OPEN, "deputy")
    for k, code in enumerate(mcodes[:4]):
        voting.cast(motion, code, [1 + k % 2])
    lifecycle.transition(sel, Contest.CLOSED, "returning.officer")
    heads["closed"] = _sealed_head()
    counting.count_contest(sel, "returning.officer")
    lifecycle.transition(sel, Contest.PUBLISHED, "returning.officer")
    heads["published"] = _sealed_head()
    return heads


def _sealed_head() -> tuple[int, str]:
    audit.seal_pending()  # PostgreSQL chains cast lines after the commit; make it now
    return audit.chain_head()


@pytest.fixture
def chain():
    heads = _chain()
    rows = list(AuditEntry.objects.order_by("seq"))
    assert len(rows) >= 20 and audit.pending_count() == 0
    assert audit.verify_chain() is None
    assert audit.verify_chain(anchors=heads.values()) is None
    yield rows, heads
    assert audit.verify_chain() is None  # every trial was rolled back


def _trials(kind: str, tamper, rows, heads=None, anchors=False) -> list[tuple[int, int | None]]:
    """Run ``tamper(rng, rows) -> expected`` TRIALS times; the (expected, got) pairs that differ."""
    rng = random.Random(f"audit-tamper-{kind}")
    misses = []
    for _ in range(TRIALS):
        with transaction.atomic():
            expected = tamper(rng, rows)
            got = audit.verify_chain(anchors=heads.values()) if anchors else audit.verify_chain()
            transaction.set_rollback(True)
        if got != expected:
            misses.append((expected, got))
    return misses


# -- one byte of one field -----------------------------------------------------------


def _other_char(rng: random.Random, old: str, alphabet: str) -> str:
    return rng.choice([c for c in alphabet if c != old])


def _flip(rng: random.Random, text: str, alphabet: str, positions=None) -> str:
    i = rng.choice(positions if positions is not None else range(len(text)))
    return text[:i] + _other_char(rng, text[i], alphabet) + text[i + 1 :]


def _tamper_text(field: str, alphabet: str):
    def tamper(rng, rows):
        row = rng.choice(rows)
        value = _flip(rng, getattr(row, field), alphabet)
        AuditEntry.objects.filter(seq=row.seq).update(**{field: value})
        return row.seq

    return tamper


def _canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _tamper_details(rng, rows):
    """One byte of the details JSON changed, still valid JSON (what a jsonb column accepts)."""
    while True:
        row = rng.choice([r for r in rows if r.details])
        text = _canonical_json(row.details)
        mutated = _flip(rng, text, string.ascii_letters + string.digits + " _-.:")
        try:
            value = json.loads(mutated)
        except json.JSONDecodeError:
            continue
        if value != row.details:
            AuditEntry.objects.filter(seq=row.seq).update(details=value)
            return row.seq


def _at_text(row) -> str:
    return row.at.astimezone(UTC).isoformat(timespec="microseconds")


def _digit_positions(text: str) -> list[int]:
    return [i for i, ch in enumerate(text[:26]) if ch.isdigit()]  # date and time, not the offset


def _tamper_at(rng, rows):
    """One digit of the time changed into another valid time."""
    while True:
        row = rng.choice(rows)
        text = _at_text(row)
        mutated = _flip(rng, text, string.digits, _digit_positions(text))
        try:
            when = datetime.fromisoformat(mutated)
        except ValueError:
            continue
        if when != row.at:
            AuditEntry.objects.filter(seq=row.seq).update(at=when)
            return row.seq


def _tamper_at_raw(rng, rows):
    """One digit of the stored time text changed, valid date or not (SQLite stores text)."""
    row = rng.choice(rows)
    with connection.cursor() as cur:
        table = AuditEntry._meta.db_table
        cur.execute(f"SELECT CAST(at AS TEXT) FROM {table} WHERE seq = %s", [row.seq])
        (text,) = cur.fetchone()
        mutated = _flip(rng, text, string.digits, [i for i, ch in enumerate(text) if ch.isdigit()])
        cur.execute(f"UPDATE {table} SET at = %s WHERE seq = %s", [mutated, row.seq])
    return row.seq


def _tamper_contest(rng, rows):
    row = rng.choice(rows)
    others = [None, *Contest.objects.exclude(pk=row.contest_id).values_list("pk", flat=True)]
    AuditEntry.objects.filter(seq=row.seq).update(contest_id=rng.choice(others))
    return row.seq


def _tamper_seq(rng, rows):
    """A row renumbered to an unused number: its own place is then missing."""
    row = rng.choice(rows)
    AuditEntry.objects.filter(seq=row.seq).update(seq=len(rows) + rng.randint(1, 10**6))
    return row.seq


HEX = "0123456789abcdef"
FIELD_KINDS = {
    "actor": _tamper_text("actor", string.ascii_letters + string.digits + "._ "),
    "action": _tamper_text("action", string.ascii_letters + string.digits + "._ "),
    "details": _tamper_details,
    "prev_hash": _tamper_text("prev_hash", HEX),
    "hash": _tamper_text("hash", HEX),
    "at": _tamper_at,
    "contest": _tamper_contest,
    "seq": _tamper_seq,
}


@pytest.mark.parametrize("field", list(FIELD_KINDS))
def test_a_changed_field_is_flagged_at_its_row(chain, field):
    rows, _ = chain
    assert _trials(field, FIELD_KINDS[field], rows) == []


@SQLITE_ONLY
def test_an_unparsable_time_is_flagged_not_a_crash(chain):
    rows, _ = chain
    assert _trials("at-raw", _tamper_at_raw, rows) == []


def test_the_database_refuses_details_that_are_not_json(chain):
    """So a byte edit of ``details`` is always a valid JSON edit (the ``details`` trials above):
    SQLite checks JSON_VALID, PostgreSQL's jsonb parses."""
    rows, _ = chain
    rng = random.Random("audit-details-raw")
    refused = 0
    for _ in range(TRIALS):
        row = rng.choice(rows)
        mutated = _flip(rng, _canonical_json(row.details), "{}[]\",:")
        try:
            json.loads(mutated)
            continue
        except json.JSONDecodeError:
            pass
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(
                    f"UPDATE {AuditEntry._meta.db_table} SET details = %s WHERE seq = %s",
                    [mutated, row.seq],
                )
        refused += 1
    assert refused > 50


# -- rows deleted, swapped, cut off or forged ------------------------------------------


def _delete(rng, rows):
    row = rng.choice(rows)
    AuditEntry.objects.filter(seq=row.seq).delete()
    return row.seq


def _swap(rng, rows):
    """Two rows change places (each keeps the other's content): the earlier place is bad."""
    i, j = sorted(rng.sample([r.seq for r in rows], 2))
    spare = len(rows) + 10**6
    AuditEntry.objects.filter(seq=i).update(seq=spare)
    AuditEntry.objects.filter(seq=j).update(seq=i)
    AuditEntry.objects.filter(seq=spare).update(seq=j)
    return i


def _truncate(rng, rows):
    keep = rng.randrange(len(rows))
    AuditEntry.objects.filter(seq__gt=keep).delete()
    return keep + 1


def _forge(rng, rows, after: AuditEntry) -> AuditEntry:
    """A row chained correctly after ``after``: sha256 needs no secret."""
    template = rng.choice(rows)
    forged = AuditEntry(
        seq=after.seq + 1,
        at=after.at,
        actor=rng.choice(["voter", template.actor]),
        action=rng.choice(["ballot cast", template.action]),
        contest_id=template.contest_id,
        details=template.details,
        prev_hash=after.hash,
    )
    forged.hash = audit.entry_hash(forged.prev_hash, forged)
    forged.save(force_insert=True)
    return forged


def _append(rng, rows):
    last = AuditEntry.objects.order_by("-seq").first()
    for _ in range(rng.randint(1, 3)):
        last = _forge(rng, rows, last)
    return rows[-1].seq + 1


@pytest.mark.parametrize(
    ("kind", "tamper"),
    [("delete", _delete), ("swap", _swap), ("truncate", _truncate), ("append", _append)],
)
def test_a_deleted_swapped_cut_or_forged_row_is_flagged(chain, kind, tamper):
    rows, _ = chain
    assert _trials(kind, tamper, rows) == []


# -- what needs a published head ---------------------------------------------------------


def _move_head(last: AuditEntry | None) -> None:
    AuditHead.objects.filter(id=1).update(
        last_seq=last.seq if last else 0, last_hash=last.hash if last else audit.GENESIS
    )


def _truncate_and_move_head(rng, rows):
    keep = rng.randrange(len(rows))
    AuditEntry.objects.filter(seq__gt=keep).delete()
    _move_head(AuditEntry.objects.order_by("-seq").first())
    return keep + 1


def _rewrite_from(rng, rows, heads):
    """Edit row k, recompute every later hash and move the head: the database alone agrees."""
    k = rng.choice(rows).seq
    AuditEntry.objects.filter(seq=k).update(actor="someone.else")
    prev = AuditEntry.objects.get(seq=k - 1).hash if k > 1 else audit.GENESIS
    for entry in AuditEntry.objects.filter(seq__gte=k).order_by("seq"):
        entry.prev_hash = prev
        entry.hash = audit.entry_hash(prev, entry)
        AuditEntry.objects.filter(seq=entry.seq).update(prev_hash=prev, hash=entry.hash)
        prev = entry.hash
    _move_head(AuditEntry.objects.order_by("-seq").first())
    assert audit.verify_chain() is None
    vouched = max([s for s, _ in heads.values() if s < k], default=0)
    return vouched + 1


def test_without_a_published_head_a_tamperer_who_moves_the_head_is_not_seen(chain):
    """The limit, stated: the database alone cannot show a cut tail when the head moved too."""
    rows, _ = chain
    misses = _trials("truncate-head", _truncate_and_move_head, rows)
    assert len(misses) == TRIALS and {got for _, got in misses} == {None}


def test_a_published_head_catches_a_cut_tail_and_a_rewrite(chain):
    rows, heads = chain
    assert _trials("truncate-head", _truncate_and_move_head, rows, heads, anchors=True) == []
    rewrite = lambda rng, rows: _rewrite_from(rng, rows, heads)  # noqa: E731
    assert _trials("rewrite", rewrite, rows, heads, anchors=True) == []


def test_entries_appended_after_the_last_published_head_cannot_be_told(chain):
    """The limit, stated: with no secret, a forged line after the last published head that also
    moves the head looks real; only a head published later (or a keyed MAC) would show it."""
    rows, heads = chain
    rng = random.Random("audit-append-head")
    with transaction.atomic():
        _move_head(_forge(rng, rows, AuditEntry.objects.order_by("-seq").first()))
        assert audit.verify_chain() is None
        assert audit.verify_chain(anchors=heads.values()) is None
        transaction.set_rollback(True)


def test_a_deleted_head_row_is_flagged(chain):
    rows, _ = chain
    with transaction.atomic():
        AuditHead.objects.all().delete()
        assert audit.verify_chain() == len(rows) + 1
        transaction.set_rollback(True)
