"""The audit log: every state change, hash-chained so that any later edit shows.

Each :class:`~.models.AuditEntry` stores ``hash = sha256(prev_hash + canonical
JSON of the entry)``, where the canonical JSON holds the entry's sequence
number, time (UTC, ISO 8601), actor, action, contest id and details with
sorted keys and no spaces. The first entry's ``prev_hash`` is 64 zeros. The
one :class:`~.models.AuditHead` row holds the chain's end and is locked
(``select_for_update``) while appending, so concurrent writers chain in order
on PostgreSQL as on SQLite; it also lets :func:`verify_chain` notice entries
cut off the end.

Details never say who voted for what: a cast ballot is logged without any
identity (see :mod:`.voting`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from django.db import transaction
from django.utils import timezone

from selectorate.web.elections.models import AuditEntry, AuditHead, Contest

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


def record(
    action: str,
    actor: str,
    contest: Contest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain (inside the caller's transaction, if any)."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        entry = AuditEntry(
            seq=head.last_seq + 1,
            at=timezone.now(),
            actor=actor,
            action=action,
            contest=contest,
            details=json.loads(json.dumps(details or {}, sort_keys=True, default=str)),
            prev_hash=head.last_hash,
        )
        entry.hash = entry_hash(entry.prev_hash, entry)
        entry.save(force_insert=True)
        head.last_seq = entry.seq
        head.last_hash = entry.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return entry


def verify_chain() -> int | None:
    """The sequence number of the first entry that breaks the chain, or None when it holds.

    An entry breaks it when its ``prev_hash`` is not the previous entry's hash,
    its own hash does not match its content, or its number is not the next one.
    When entries were cut off the end, the first missing number is returned.
    """
    prev_hash = GENESIS
    expected_seq = 1
    for entry in AuditEntry.objects.order_by("seq").iterator():
        if (
            entry.seq != expected_seq
            or entry.prev_hash != prev_hash
            or entry.hash != entry_hash(prev_hash, entry)
        ):
            return min(entry.seq, expected_seq)
        prev_hash = entry.hash
        expected_seq += 1
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev_hash):
        return expected_seq
    return None
