"""Django admin for officers. Ballots, credentials and the audit log are read-only here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from selectorate.web.elections import models


class _ReadOnly(admin.ModelAdmin):
    """Nothing can be added, changed or deleted through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """No adding."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """No changing."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """No deleting."""
        return False


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """Organisations."""

    list_display = ["name", "slug", "rulebook_id"]


@admin.register(models.Unit)
class UnitAdmin(admin.ModelAdmin):
    """Branches and affiliates."""

    list_display = ["name", "kind", "affiliate_type", "affiliated_membership", "organisation"]
    list_filter = ["kind", "organisation"]


@admin.register(models.Member)
class MemberAdmin(admin.ModelAdmin):
    """The register."""

    list_display = ["member_no", "name", "status", "joined", "paid_up_to", "unit"]
    list_filter = ["status", "organisation", "registered_supporter"]
    search_fields = ["member_no", "name", "email"]


class CandidateInline(admin.TabularInline):
    """Candidates on a contest's ballot, each optionally linked to a candidate user."""

    model = models.Candidate
    extra = 0
    #: ``user``: the site account (group "candidate") that stands as this candidate.
    fields = ["position", "name", "user"]


@admin.register(models.Contest)
class ContestAdmin(admin.ModelAdmin):
    """Contests. The state changes only through the lifecycle (task pages), never here."""

    list_display = ["title", "kind", "state", "method", "seats", "freeze_date", "organisation"]
    list_filter = ["kind", "state", "organisation"]
    readonly_fields = ["state", "created_at"]
    inlines = [CandidateInline]


@admin.register(models.Elector)
class ElectorAdmin(_ReadOnly):
    """The frozen electorate, with reasons."""

    list_display = ["member", "contest", "eligible", "reason"]
    list_filter = ["eligible", "contest"]


@admin.register(models.Credential)
class CredentialAdmin(_ReadOnly):
    """Who has voted (never what, never when)."""

    list_display = ["elector", "contest", "issued_at", "used"]
    list_filter = ["used", "contest"]


@admin.register(models.Result)
class ResultAdmin(_ReadOnly):
    """Counted results."""

    list_display = ["contest", "published_at"]


@admin.register(models.AuditEntry)
class AuditEntryAdmin(_ReadOnly):
    """The hash-chained audit log."""

    list_display = ["seq", "at", "actor", "action", "contest"]
    list_filter = ["action", "contest"]
