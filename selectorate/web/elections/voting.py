"""Voting credentials and casting a ballot, secretly.

A credential is a one-time code shown (or mailed) once when issued; only its
sha256 is stored. Casting runs in one transaction: the credential is claimed
(marked used by a conditional update), a :class:`~.models.CastBallot` with a
random id and no link to anyone is inserted, and the audit log records "ballot
cast" with no identity (chained just after the commit, see :func:`cast`). The
voter gets a receipt code (128 random bits) whose sha256 is stored with the
ballot: it proves the ballot is in the count and says nothing of its choices.
A used code gets the same "already voted" answer every time; a contest that is
not open refuses every code.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from selectorate.web.elections import audit, lifecycle
from selectorate.web.elections.models import (
    CastBallot,
    Contest,
    Credential,
    Elector,
)

#: Crockford's base32 alphabet: no I, L, O or U, so codes read aloud and type cleanly.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: 20 symbols of 5 bits: 100 random bits per code.
_CODE_LENGTH = 20

#: A web cast on PostgreSQL leaves its audit line pending, and the writer of every
#: SEAL_EVERY-th line chains them all; every state change and the close chain the rest.
SEAL_EVERY = 8

ALREADY_VOTED = "This code has already been used to vote. Each code votes once."
UNKNOWN_CODE = "This code is not a voting code for this ballot. Check it and try again."
NOT_OPEN = "Voting in this ballot is not open."


class VoteRefused(Exception):
    """A ballot that was not cast; the message is for the voter."""


class AlreadyVoted(VoteRefused):
    """The code was used before; always the same message (:data:`ALREADY_VOTED`)."""

    def __init__(self) -> None:
        super().__init__(ALREADY_VOTED)


def sha256(text: str) -> str:
    """Hex sha256 of ``text`` (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_code() -> str:
    """A fresh one-time voting code, e.g. ``7KQ2M-…`` (four groups of five)."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i : i + 5] for i in range(0, _CODE_LENGTH, 5))


def normalise_code(code: str) -> str:
    """A code as typed → its canonical form (case, spaces, dashes and look-alikes forgiven)."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    raw = raw.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return "-".join(raw[i : i + 5] for i in range(0, len(raw), 5))


def code_hash(code: str) -> str:
    """What is stored for a code: sha256 of its canonical form."""
    return sha256(normalise_code(code))


@dataclass(frozen=True)
class IssuedCode:
    """A code as issued, for the mail merge: shown once, never stored."""

    member_no: str
    name: str
    email: str
    code: str


@transaction.atomic
def issue_credentials(contest: Contest, actor: str) -> list[IssuedCode]:
    """Issue a code to every eligible elector without one and mark credentials issued.

    Returns the new codes (in member-number order); they are not stored anywhere.
    Refused (``TransitionRefused``) unless the electorate is frozen.
    """
    locked = Contest.objects.select_for_update().get(pk=contest.pk)
    if locked.state != Contest.FROZEN:
        lifecycle.check(locked, Contest.CREDENTIALS)
    now = timezone.now()
    issued: list[IssuedCode] = []
    rows: list[Credential] = []
    electors = (
        Elector.objects.filter(contest=locked, eligible=True, credential__isnull=True)
        .select_related("member")
        .order_by("member__member_no")
    )
    for elector in electors:
        code = new_code()
        rows.append(
            Credential(contest=locked, elector=elector, code_hash=code_hash(code), issued_at=now)
        )
        m = elector.member
        issued.append(IssuedCode(m.member_no, m.name, m.email, code))
    Credential.objects.bulk_create(rows, batch_size=500)
    lifecycle.transition(locked, Contest.CREDENTIALS, actor, {"issued": len(issued)})
    contest.state = Contest.CREDENTIALS
    return issued


@transaction.atomic
def reissue_credential(contest: Contest, elector: Elector, actor: str) -> str:
    """A new code for ``elector`` (the old one stops working); refused once they have voted."""
    if contest.state not in (Contest.CREDENTIALS, Contest.OPEN):
        raise VoteRefused(
            f"Codes can be reissued only while credentials are issued or voting is open; "
            f"“{contest.title}” is {lifecycle.STATE_NAMES[contest.state]}."
        )
    credential = Credential.objects.select_for_update().get(contest=contest, elector=elector)
    if credential.used:
        raise AlreadyVoted()
    code = new_code()
    credential.code_hash = code_hash(code)
    credential.issued_at = timezone.now()
    credential.save(update_fields=["code_hash", "issued_at"])
    audit.record(
        "credential reissued", actor, contest, {"member_no": elector.member.member_no}
    )
    return code


def check_rankings(
    contest: Contest, rankings: Any, positions: set[int] | None = None
) -> list[int]:
    """The rankings as a list of candidate positions; VoteRefused when malformed.

    ``positions`` (the contest's candidate positions) saves a query when the
    caller has them already.
    """
    if positions is None:
        positions = set(contest.candidates.values_list("position", flat=True))
    if not isinstance(rankings, list | tuple) or not rankings:
        raise VoteRefused("The ballot is empty: choose at least one candidate.")
    out: list[int] = []
    for value in rankings:
        if isinstance(value, bool) or not isinstance(value, int) or value not in positions:
            raise VoteRefused(f"The ballot names a candidate that is not standing ({value!r}).")
        if value in out:
            raise VoteRefused("The ballot ranks the same candidate twice.")
        out.append(value)
    if contest.kind in ("motion", "trigger_ballot", "card_vote") and len(out) != 1:
        raise VoteRefused("This ballot takes exactly one choice.")
    return out


def _claim(contest: Contest, digest: str) -> bool:
    """Mark the unused credential ``digest`` used, if the contest is open; whether it was.

    The contest's state is read so that a close cannot slip past this cast. On
    PostgreSQL, one statement: the contest row is read ``FOR SHARE`` (casts
    share that lock; a transition's ``SELECT … FOR UPDATE`` in
    :func:`.lifecycle.transition` waits for every cast holding it to commit,
    and a cast that comes after a close committed reads "closed"), and the
    credential is claimed by a conditional ``UPDATE`` (of two casts with one
    code, the second waits for the first and then finds it used). On SQLite
    every write transaction is serial (``BEGIN IMMEDIATE``), which does the same.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Credential._meta.db_table} SET used = true"
                " WHERE contest_id = %s AND code_hash = %s AND NOT used AND EXISTS"
                f" (SELECT 1 FROM {Contest._meta.db_table} WHERE id = %s AND state = %s"
                " FOR SHARE)",
                [contest.pk, digest, contest.pk, Contest.OPEN],
            )
            return cursor.rowcount == 1
    if Contest.objects.filter(pk=contest.pk, state=Contest.OPEN).exists():
        return bool(
            Credential.objects.filter(contest=contest, code_hash=digest, used=False).update(
                used=True
            )
        )
    return False


def cast(
    contest: Contest, code: str, rankings: Any, positions: set[int] | None = None
) -> str:
    """Cast a ballot with a one-time ``code``; returns the receipt code (shown once).

    Raises :class:`VoteRefused` (contest not open, unknown code, bad rankings)
    or :class:`AlreadyVoted` (always the same message). The receipt is returned
    only after the transaction that stores the ballot has committed (with
    PostgreSQL's ``synchronous_commit`` on, after the commit is on disk), so no
    voter is ever shown a receipt for a ballot that a crash could lose.

    Casts run in parallel: the credential is claimed by one conditional
    ``UPDATE`` (of two casts with one code, the second waits for the first and
    then finds it used), and the audit line is chained only if the chain is free
    (:func:`.audit.record_or_defer`), so casts never queue behind one another's
    commit and many can share one flush of the database's log.
    """
    # Inside a caller's transaction (a script, a test) the line is chained at once;
    # a web cast on PostgreSQL chains on every SEAL_EVERY-th line (see record_or_defer).
    every = SEAL_EVERY if not connection.in_atomic_block and (
        connection.vendor == "postgresql"
    ) else 1
    with transaction.atomic():
        digest = code_hash(code)
        if not _claim(contest, digest):
            if not Contest.objects.filter(pk=contest.pk, state=Contest.OPEN).exists():
                raise VoteRefused(NOT_OPEN)
            if Credential.objects.filter(contest=contest, code_hash=digest).exists():
                raise AlreadyVoted()
            raise VoteRefused(UNKNOWN_CODE)
        choices = check_rankings(contest, rankings, positions)
        receipt = secrets.token_urlsafe(16)
        CastBallot.objects.create(contest=contest, rankings=choices, receipt_hash=sha256(receipt))
        audit.record_or_defer("ballot cast", "voter", contest, every=every)
    return receipt


def mix_ballots(contest: Contest) -> tuple[int, str]:
    """Rewrite ``contest``'s ballot box in a random order, in one go; (ballots, box sha256).

    Called when voting closes (:func:`.lifecycle.transition`, with the contest
    locked, so no cast is in flight). Each cast wrote its ballot in its own
    transaction, and the database keeps traces of that beyond the columns: the
    row's place in the table (SQLite's rowid, PostgreSQL's ctid) follows the
    cast order, and on PostgreSQL the ballot row and the voter's credential
    carry the same transaction id (``xmin``), which joins them. Deleting and
    re-inserting every ballot in a shuffled order, in one transaction, leaves
    all of them with one transaction id and a random place. Ids, rankings and
    receipt hashes are unchanged. (Until then, while voting is open, someone
    who can read the database's system columns can still make that join; the
    old row versions also stay in the data files until the space is reused.)

    The sha256 covers each ballot's id, rankings and receipt hash, in order of
    id; recorded in the audit chain at the close, it shows any later change to
    the box.
    """
    rows = list(
        CastBallot.objects.filter(contest=contest).values_list("id", "rankings", "receipt_hash")
    )
    digest = hashlib.sha256()
    for row in sorted(rows):
        digest.update(json.dumps(list(row), separators=(",", ":")).encode("utf-8") + b"\n")
    secrets.SystemRandom().shuffle(rows)
    CastBallot.objects.filter(contest=contest).delete()
    CastBallot.objects.bulk_create(
        [CastBallot(id=i, contest=contest, rankings=r, receipt_hash=h) for i, r, h in rows],
        batch_size=1000,
    )
    return len(rows), digest.hexdigest()


def receipt_included(contest: Contest, receipt: str) -> bool:
    """Whether a ballot with this receipt code is in ``contest``."""
    return CastBallot.objects.filter(contest=contest, receipt_hash=sha256(receipt.strip())).exists()
