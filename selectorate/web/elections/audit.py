"""The audit log: every state change, hash-chained so that any later edit shows.

Each :class:`~.models.AuditEntry` stores ``hash = sha256(prev_hash + canonical
JSON of the entry)``, where the canonical JSON holds the entry's sequence
number, time (UTC, ISO 8601), actor, action, contest id and details with
sorted keys and no spaces. The first entry's ``prev_hash`` is 64 zeros. The
one :class:`~.models.AuditHead` row holds the chain's end and is locked
(``select_for_update``) while appending, so concurrent writers chain in order
on PostgreSQL as on SQLite; it also lets :func:`verify_chain` notice entries
cut off the end. A cast does not wait for that lock (it would make every cast
wait for the previous one's commit to reach the disk): see
:func:`record_or_defer`; entries it leaves pending are chained, in order of
time, by the next writer that holds the lock.

Details never say who voted for what: a cast ballot is logged without any
identity (see :mod:`.voting`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from selectorate.web.elections.models import AuditEntry, AuditHead, Contest, PendingAuditEntry

GENESIS = "0" * 64


def canonical(entry: AuditEntry) -> str:
    """The canonical JSON of ``entry`` that its hash covers (everything but the hashes)."""
    row = {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "contest": entry.contest_id,
        "details": entry.details,
    }
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    """sha256 of the previous hash followed by the entry's canonical JSON."""
    return hashlib.sha256((prev_hash + canonical(entry)).encode("utf-8")).hexdigest()


def _entry(head: AuditHead, at: Any, actor: str, action: str, contest_id: int | None,
           details: dict[str, Any] | None) -> AuditEntry:
    """The next entry after ``head`` (locked by the caller), hashed; moves the head on."""
    entry = AuditEntry(
        seq=head.last_seq + 1,
        at=at,
        actor=actor,
        action=action,
        contest_id=contest_id,
        details=json.loads(json.dumps(details or {}, sort_keys=True, default=str)),
        prev_hash=head.last_hash,
    )
    entry.hash = entry_hash(entry.prev_hash, entry)
    head.last_seq = entry.seq
    head.last_hash = entry.hash
    return entry


def _append_all(
    head: AuditHead, new: list[tuple[Any, str, str, int | None, Any]]
) -> list[AuditEntry]:
    """Chain every committed pending entry, then ``new`` ones, after ``head`` (locked); save all."""
    pending = list(PendingAuditEntry.objects.order_by("at", "id"))
    rows = [_entry(head, p.at, p.actor, p.action, p.contest_id, p.details) for p in pending]
    rows += [_entry(head, *item) for item in new]
    if rows:
        AuditEntry.objects.bulk_create(rows)
        head.save(update_fields=["last_seq", "last_hash"])
    if pending:
        PendingAuditEntry.objects.filter(id__in=[p.id for p in pending]).delete()
    return rows


def record(
    action: str,
    actor: str,
    contest: Contest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain (inside the caller's transaction, if any).

    Entries still pending from casts are chained first, so the chain shows every
    committed cast before the state change that follows it (a close, say).
    """
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        item = (timezone.now(), actor, action, contest.pk if contest else None, details)
        return _append_all(head, [item])[-1]


def record_or_defer(
    action: str, actor: str, contest: Contest | None = None, *, every: int = 1
) -> bool:
    """Chain an entry now if the chain is free, else leave it pending; True if chained.

    For casts: holding the chain's lock until commit would make every cast wait
    for the one before it to reach the disk. So a cast takes the lock only if
    nobody holds it (PostgreSQL's ``SKIP LOCKED``), and then chains the entries
    other casts left pending as well as its own; otherwise it stores a
    :class:`~.models.PendingAuditEntry` in its own transaction (so it lasts as
    long as the ballot does) for the next writer to chain. On SQLite writers
    are serial, so the lock is always free.

    With ``every=N`` the entry is always stored pending first, and only the
    writer of every N-th pending line (by its number) tries to chain them all:
    one insert for the others, fewer round trips under load.
    """
    at = timezone.now()
    contest_id = contest.pk if contest else None
    # No savepoint: a failure here must undo the caller's whole cast anyway.
    with transaction.atomic(savepoint=False):
        if every > 1:
            row = PendingAuditEntry.objects.create(
                at=at, actor=actor, action=action, contest_id=contest_id
            )
            if row.id % every:
                return False
        head = AuditHead.objects.select_for_update(skip_locked=True).filter(id=1).first()
        if head is None:  # another writer holds it (or no entry was ever written)
            if every == 1:
                PendingAuditEntry.objects.create(
                    at=at, actor=actor, action=action, contest_id=contest_id
                )
            return False
        _append_all(head, [] if every > 1 else [(at, actor, action, contest_id, None)])
        return True


def seal_pending() -> int:
    """Chain every committed pending entry now (waiting for the lock); how many."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        return len(_append_all(head, []))


def pending_count() -> int:
    """How many cast entries wait to be chained (normally only casts in flight)."""
    return PendingAuditEntry.objects.count()


#: What reading a row that was edited into nonsense (a bad date, broken JSON) raises.
_UNREADABLE = (ValidationError, ValueError, TypeError, KeyError, OverflowError)


def chain_head() -> tuple[int, str]:
    """The chain's end as ``(seq, hash)``: publish it outside the database (see verify_chain)."""
    head = AuditHead.objects.filter(id=1).first()
    return (head.last_seq, head.last_hash) if head else (0, GENESIS)


def _entries(batch: int = 500) -> Iterator[AuditEntry | int]:
    """Every entry in order; for a row that no longer reads, its number instead."""
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    for start in range(0, len(seqs), batch):
        chunk = seqs[start : start + batch]
        try:
            rows: list[AuditEntry | int] = list(
                AuditEntry.objects.filter(seq__in=chunk).order_by("seq")
            )
        except _UNREADABLE:
            rows = []
            for seq in chunk:
                try:
                    rows.append(AuditEntry.objects.get(seq=seq))
                except _UNREADABLE:
                    rows.append(seq)
        yield from rows


def verify_chain(anchors: Iterable[tuple[int, str]] = ()) -> int | None:
    """The sequence number of the first entry that breaks the chain, or None when it holds.

    An entry breaks it when its ``prev_hash`` is not the previous entry's hash,
    its own hash does not match its content, its number is not the next one, or
    it can no longer be read (a date or JSON edited into something invalid).
    Against the :class:`~.models.AuditHead` row: entries cut off the end give
    the first missing number; entries beyond the head (appended without moving
    it) give the first of them.

    What this can and cannot catch. The hashes are plain sha256, so they need no
    secret to recompute: any edit, deletion, swap or insertion *inside* the
    chain shows at its first bad row, but someone able to write both the
    entries and the head can cut the tail, append entries, or rewrite the chain
    from some row on and recompute every later hash. Only a head published
    outside the database catches that: pass such heads (``(seq, hash)`` pairs
    from :func:`chain_head`) as ``anchors``. An anchor whose entry is missing
    gives the first missing number; one whose hash differs gives the first
    entry after the last anchor that still matches (the earliest entry that may
    have been rewritten). Entries appended after the last published anchor by
    someone who can also move the head cannot be told from real ones.

    The head is locked while checking, so concurrent appends cannot be
    mistaken for tampering.
    """
    published = dict(anchors)
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(id=1).first()
        vouched = 0  # the last entry that a published head confirms
        prev_hash = GENESIS
        expected_seq = 1
        for entry in _entries():
            if isinstance(entry, int):  # a row that no longer reads
                return min(entry, expected_seq)
            if entry.seq != expected_seq or entry.prev_hash != prev_hash:
                return min(entry.seq, expected_seq)
            try:
                digest = entry_hash(prev_hash, entry)
            except _UNREADABLE:
                return expected_seq
            if entry.hash != digest:
                return expected_seq
            if expected_seq in published:
                if published[expected_seq] != digest:
                    return vouched + 1
                vouched = expected_seq
            if head is not None and head.last_seq == expected_seq and head.last_hash != digest:
                return vouched + 1
            prev_hash = digest
            expected_seq += 1
        last = expected_seq - 1
        if head is None:
            return expected_seq if last else None
        if head.last_seq < last:
            return head.last_seq + 1  # entries beyond the head
        if head.last_seq > last or max(published, default=0) > last:
            return expected_seq  # entries cut off the end
        if head.last_seq == 0 and head.last_hash != GENESIS:
            return 1
    return None
