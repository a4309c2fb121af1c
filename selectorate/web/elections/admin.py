"""Django admin for officers. Ballots, credentials and the audit log are read-only here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from selectorate.web.elections import audit, models


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


#: States in which a contest's ballot (candidates, method, seats, dates) may still change.
_EDITABLE = (models.Contest.DRAFT, models.Contest.NOMINATIONS)


def _editable(contest: Any) -> bool:
    return contest is None or contest.state in _EDITABLE


class CandidateInline(admin.TabularInline):
    """Candidates on a contest's ballot, each optionally linked to a candidate user.

    Fixed once nominations close: after that the ballot, the count and the
    published record depend on them.
    """

    model = models.Candidate
    extra = 0
    #: ``user``: the site account (group "candidate") that stands as this candidate.
    fields = ["position", "name", "user"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Only while the contest is in draft or nominations."""
        return _editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Only while the contest is in draft or nominations."""
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Only while the contest is in draft or nominations."""
        return _editable(obj) and super().has_delete_permission(request, obj)


@admin.register(models.Contest)
class ContestAdmin(admin.ModelAdmin):
    """Contests. The state changes only through the lifecycle (task pages), never here.

    Every field is read-only once nominations close, a contest can be deleted
    only in draft, and every change made here is written to the audit chain.
    """

    list_display = ["title", "kind", "state", "method", "seats", "freeze_date", "organisation"]
    list_filter = ["kind", "state", "organisation"]
    readonly_fields = ["state", "created_at"]
    inlines = [CandidateInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """All fields once the contest is past nominations."""
        if _editable(obj):
            return self.readonly_fields
        return [f.name for f in models.Contest._meta.fields]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Only a draft contest can be deleted."""
        ok = obj is None or obj.state == models.Contest.DRAFT
        return ok and super().has_delete_permission(request, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Save, then record what changed (fields and candidates) in the audit chain."""
        super().save_related(request, form, formsets, change)
        changed = {
            "fields": sorted(form.changed_data),
            "candidates": [
                {"position": f.instance.position, "name": f.instance.name}
                for fs in formsets
                for f in fs.forms
                if f.has_changed()
            ],
        }
        action = "contest edited in the admin" if change else "contest created in the admin"
        audit.record(action, request.user.get_username(), form.instance, changed)


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
