"""The data of the web service (names fixed by docs: notes/web_contract.md).

Secret ballot by design: :class:`Credential` records *who* voted (no time of
use), :class:`CastBallot` records *what* was voted, and nothing links the two:
a cast ballot has a random primary key, no foreign key to a member, elector or
credential, no auto-increment id and no timestamp.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models


class Organisation(models.Model):
    """A membership organisation (a constituency party, a union branch…)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    #: The shipped rulebook (or path) its procedures follow, e.g. "labour-2014".
    rulebook_id = models.CharField(max_length=200, default="labour-2014")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A branch, the CLP itself, or an affiliated union or society."""

    BRANCH, CLP, AFFILIATE = "branch", "clp", "affiliate"
    KINDS = [(BRANCH, "branch"), (CLP, "constituency party"), (AFFILIATE, "affiliate")]
    AFFILIATE_TYPES = [("", "—"), ("union", "trade union"), ("society", "socialist society")]

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="units")
    kind = models.CharField(max_length=20, choices=KINDS)
    name = models.CharField(max_length=200)
    affiliate_type = models.CharField(
        max_length=20, choices=AFFILIATE_TYPES, blank=True, default=""
    )
    #: Members the affiliate affiliates on (card votes, nominations thresholds).
    affiliated_membership = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """One person on the organisation's register."""

    STATUSES = [("active", "active"), ("lapsed", "lapsed"), ("suspended", "suspended")]

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="members"
    )
    member_no = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, default="")
    joined = models.DateField()
    status = models.CharField(max_length=20, choices=STATUSES, default="active")
    paid_up_to = models.DateField(null=True, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    registered_supporter = models.BooleanField(default=False)

    class Meta:
        ordering = ["organisation", "member_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "member_no"], name="member_no_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.member_no})"


class Contest(models.Model):
    """One ballot: a motion, trigger ballot, selection, leadership, STV executive or card vote."""

    KINDS = [
        ("motion", "motion"),
        ("trigger_ballot", "trigger ballot"),
        ("selection", "selection"),
        ("leadership", "leadership election"),
        ("stv_executive", "STV executive election"),
        ("card_vote", "card vote"),
    ]
    DRAFT, NOMINATIONS, FROZEN, CREDENTIALS = "draft", "nominations", "frozen", "credentials"
    OPEN, CLOSED, COUNTED, PUBLISHED = "open", "closed", "counted", "published"
    STATES = [
        (DRAFT, "draft"),
        (NOMINATIONS, "nominations"),
        (FROZEN, "electorate frozen"),
        (CREDENTIALS, "credentials issued"),
        (OPEN, "open for voting"),
        (CLOSED, "closed"),
        (COUNTED, "counted"),
        (PUBLISHED, "published"),
    ]

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contests"
    )
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=30, choices=KINDS)
    rulebook_id = models.CharField(max_length=200, default="labour-2014")
    #: A counting registry name (``selectorate methods``); a motion is "fptp" over For/Against.
    method = models.CharField(max_length=60, default="irv")
    seats = models.PositiveIntegerField(default=1)
    #: Keyword options for the counting method (JSON: exact numbers as strings like "1/3").
    options = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=STATES, default=DRAFT)
    freeze_date = models.DateField(null=True, blank=True)
    #: Whom the contest is about, e.g. the sitting MP in a trigger ballot.
    subject = models.CharField(max_length=200, blank=True, default="")
    #: A leadership election's case, fixed at creation (also in its "contest created"
    #: audit entry): ``{"office": "leader", "case": "vacancy"|"challenge",
    #: "incumbent": name}``; empty for other kinds (and read as a vacancy for leader).
    leadership = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "created_at", "id"]

    def __str__(self) -> str:
        return self.title


class Candidate(models.Model):
    """A choice on the ballot (for a motion: "For" and "Against")."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(max_length=200)
    #: Ballot order, 1-based; rankings refer to candidates by position.
    position = models.PositiveIntegerField()
    #: The site user who stands as this candidate (group "candidate"), if any: they see
    #: their contests' state and nominations, and the result once published.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidacies",
    )

    class Meta:
        ordering = ["contest", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "position"], name="candidate_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Elector(models.Model):
    """A member on a contest's frozen electorate, eligible or not, with the reasons."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="electors")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="electorships")
    eligible = models.BooleanField(default=False)
    reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["contest", "member__member_no"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "member"], name="elector_unique")
        ]

    def __str__(self) -> str:
        return f"{self.member} in {self.contest}"


class Credential(models.Model):
    """An eligible elector's one-time voting code — stored only as its sha256.

    Records *who* has voted (``used``), never when, and nothing of what.
    """

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="credentials")
    elector = models.OneToOneField(Elector, on_delete=models.CASCADE, related_name="credential")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField()
    used = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"credential for {self.elector}"


def _ballot_id() -> str:
    return secrets.token_hex(16)


class CastBallot(models.Model):
    """*What* was voted: a random 128-bit id and the rankings, linked to nobody."""

    id = models.CharField(primary_key=True, max_length=32, default=_ballot_id, editable=False)
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="ballots")
    #: Candidate positions in preference order, e.g. [3, 1] (a motion: [1] For or [2] Against).
    rankings = models.JSONField()
    #: sha256 of the receipt code the voter was shown (proves inclusion, reveals nothing).
    receipt_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["contest", "id"]

    def __str__(self) -> str:
        return f"ballot {self.id}"


class ResultLocked(Exception):
    """A published result cannot be changed or deleted."""


class Result(models.Model):
    """The count of a contest: native JSON and the HTML sheet; immutable once published."""

    contest = models.OneToOneField(Contest, on_delete=models.PROTECT, related_name="result")
    result_json = models.TextField()
    sheet_html = models.TextField()
    published_at = models.DateTimeField(null=True, blank=True)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, unless the stored result is already published."""
        if self.pk is not None:
            stored = Result.objects.filter(pk=self.pk).values_list("published_at", flat=True)
            if stored and stored[0] is not None:
                raise ResultLocked(f"the result of {self.contest} is published and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        """Delete, unless published."""
        if self.pk is not None and Result.objects.filter(pk=self.pk, published_at__isnull=False):
            raise ResultLocked(f"the result of {self.contest} is published and cannot be deleted")
        return super().delete(*args, **kwargs)

    def __str__(self) -> str:
        return f"result of {self.contest}"


class AuditEntry(models.Model):
    """One hash-chained line of the audit log (see :mod:`.audit`). Never who voted for what."""

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=100)
    # No database-level foreign key (Django still refuses to delete a contest with
    # entries): a constraint check would lock the contest's row while the chain's
    # lock is held, and a transition that holds the contest and waits for the
    # chain would then deadlock with it.
    contest = models.ForeignKey(
        Contest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        db_constraint=False,
    )
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class PendingAuditEntry(models.Model):
    """An audit line written inside a cast's transaction, waiting to join the chain.

    A cast cannot append to the hash chain itself without holding the chain's
    lock through its commit, which would make every cast wait for the one
    before it to reach the disk. So the cast stores this row (committed with the
    ballot, so it survives a crash), and a later writer moves it into the chain
    with others (:func:`.audit.record_or_defer`: every 8th cast if the chain is
    free; :func:`.audit.record`: every state change, the close included). Like
    the chained line, it says "ballot cast" and nothing about who or what.
    """

    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=100)
    contest = models.ForeignKey(  # no database constraint, as for AuditEntry.contest
        Contest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"pending {self.action}"


class AuditHead(models.Model):
    """The chain's current end (one row): locked while appending so entries chain in order."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head at #{self.last_seq}"


class Nomination(models.Model):
    """One nomination of a candidate, recorded by an officer while nominations are open.

    A row per nominator (an MP, a CLP, an affiliate, a branch or a member), so
    the check against the rulebook's thresholds (:mod:`.nominations`) counts
    and names them, and a scrutineer can see who nominated whom.
    """

    KINDS = [
        ("mp", "MP"),
        ("clp", "constituency party"),
        ("affiliate", "affiliate"),
        ("branch", "branch"),
        ("member", "member"),
    ]

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="nominations")
    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="nominations"
    )
    nominator_kind = models.CharField(max_length=20, choices=KINDS)
    nominator_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contest", "candidate__position", "nominator_kind", "nominator_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "nominator_kind", "nominator_name"],
                name="nomination_unique_per_nominator",
            )
        ]

    def __str__(self) -> str:
        return f"{self.nominator_name} ({self.nominator_kind}) nominates {self.candidate}"
