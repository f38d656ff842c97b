"""Django admin: source systems and keys, rules, and read-only views of master data and its history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.formats import date_format
from rest_framework.authtoken.admin import TokenAdmin as RestTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from . import services
from .models import (
    AccessLogEntry,
    ApiKey,
    AttributeLock,
    ChangeRequest,
    ConsentEvent,
    ConsentPurpose,
    ConsentState,
    GoldenRecord,
    GoldenVersion,
    IdempotencyRecord,
    MatchCandidate,
    MatchSettings,
    NotAMatch,
    OwnershipRule,
    PrivacyRequest,
    SourceRecord,
    SourceSystem,
)
from .roles import acting_user


class ReadOnlyMixin:
    """Master data changes only through services (versioned, attributable), never by editing rows."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    fields = ["prefix", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # keys are issued by the action below, which shows the key once


@admin.register(SourceSystem)
class SourceSystemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active", "ingest_quota_per_minute", "created_at"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    inlines = [ApiKeyInline]
    actions = ["issue_api_key"]

    @admin.action(description="Issue a new API key (shown once)")
    def issue_api_key(self, request: HttpRequest, queryset: QuerySet[SourceSystem]) -> None:
        for source in queryset:
            _, key = services.api_key_issue(source_code=source.code, name=f"issued by {request.user}")
            self.message_user(
                request, f"New key for {source.code} (copy it now, it is not stored): {key}", messages.WARNING
            )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "source", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["source", "revoked_at"]
    search_fields = ["prefix", "name", "source__code"]
    readonly_fields = ["source", "prefix", "digest", "created_at", "last_used_at"]
    fields = ["source", "name", "prefix", "digest", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


def _token_label(token: TokenProxy) -> str:
    return f"{token.key[:8]}…"


# The admin names a token by what it shows of it: its change page, its messages and the admin log (which keeps
# the name) would otherwise carry the whole key. TokenProxy exists for the admin alone.
TokenProxy.__str__ = _token_label  # type: ignore[method-assign,assignment]

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(RestTokenAdmin):
    """People's API tokens, shown by their first 8 characters; a new one is shown whole once, when it is added."""

    list_display = ("prefix", "user", "created", "expires")

    @admin.display(description="Key")
    def prefix(self, token: TokenProxy) -> str:
        return _token_label(token)

    @admin.display(description="Expires")
    def expires(self, token: TokenProxy) -> str:
        ttl = settings.STEWARD_TOKEN_TTL_HOURS
        return "never" if ttl <= 0 else date_format(token.created + timedelta(hours=ttl), "DATETIME_FORMAT")

    def save_model(self, request: HttpRequest, obj: TokenProxy, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            self.message_user(
                request, f"New token for {obj.user} (copy it now, it is not shown again): {obj.key}", messages.WARNING
            )


class SourceRecordInline(ReadOnlyMixin, admin.TabularInline):
    model = SourceRecord
    fk_name = "golden"
    extra = 0
    fields = readonly_fields = ("source", "source_key", "source_updated_at", "received_at", "attributes", "warnings")
    show_change_link = True


class GoldenVersionInline(ReadOnlyMixin, admin.TabularInline):
    model = GoldenVersion
    extra = 0
    fields = readonly_fields = ("version", "reason", "actor", "changes", "correlation_id", "note", "created_at")
    ordering = ["-version"]


class ConsentStateInline(ReadOnlyMixin, admin.TabularInline):
    model = ConsentState
    extra = 0
    fields = readonly_fields = ("purpose", "status", "captured_at", "event")


@admin.register(GoldenRecord)
class GoldenRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "domain", "display_name", "status", "version", "updated_at"]
    list_filter = ["domain", "status"]
    search_fields = [
        "id",
        "source_records__source_key",
        "attributes__email",
        "attributes__family_name",
        "attributes__gtin",
    ]
    readonly_fields = [
        "id",
        "domain",
        "status",
        "merged_into",
        "version",
        "attributes",
        "provenance",
        "created_at",
        "updated_at",
    ]
    inlines = [SourceRecordInline, ConsentStateInline, GoldenVersionInline]
    show_full_result_count = False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct() if search_term else queryset, False


class ErasedFilter(admin.SimpleListFilter):
    title = "erased"
    parameter_name = "erased"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Tombstones (customer erased)"), ("no", "Not erased")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("yes", "no"):
            return queryset.filter(erased_at__isnull=self.value() == "no")
        return queryset


@admin.register(SourceRecord)
class SourceRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["source_key", "source", "domain", "golden", "source_updated_at", "received_at", "erased_at"]
    list_filter = ["domain", "source", ErasedFilter]
    search_fields = ["source_key", "golden__id"]
    list_select_related = ["source"]
    readonly_fields = [f.name for f in SourceRecord._meta.fields]
    show_full_result_count = False
    actions = ["lift_tombstones"]

    @admin.action(description="Lift the tombstones: accept these erased keys from their sources again")
    def lift_tombstones(self, request: HttpRequest, queryset: QuerySet[SourceRecord]) -> None:
        lifted = services.tombstones_lift(
            record_ids=list(queryset.values_list("pk", flat=True)), user=acting_user(request)
        )
        self.message_user(request, f"{lifted} tombstones lifted: their keys are accepted again as new records.")


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "subject", "status", "requested_by", "received_at", "due_at", "completed_at"]
    list_filter = ["kind", "status"]
    search_fields = ["subject"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["at", "username", "what", "golden_id", "correlation_id"]
    list_filter = ["what"]
    search_fields = ["golden_id", "username", "correlation_id"]
    show_full_result_count = False


@admin.register(OwnershipRule)
class OwnershipRuleAdmin(admin.ModelAdmin):
    list_display = ["domain", "attribute", "owners", "fallback", "governed"]
    list_filter = ["domain", "fallback", "governed"]
    list_editable = ["fallback", "governed"]
    search_fields = ["attribute"]
    actions = ["recompute_golden_records"]

    @admin.action(description="Recompute golden records of these domains under the current rules")
    def recompute_golden_records(self, request: HttpRequest, queryset: QuerySet[OwnershipRule]) -> None:
        for domain in sorted(set(queryset.values_list("domain", flat=True))):
            changed = services.ownership_rules_apply(domain=domain, user=acting_user(request))
            self.message_user(request, f"{domain}: {changed} golden records changed.")


@admin.register(AttributeLock)
class AttributeLockAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["golden", "attribute", "value", "locked_by", "locked_at"]
    search_fields = ["golden__id", "attribute"]


@admin.register(GoldenVersion)
class GoldenVersionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["golden", "version", "reason", "actor", "correlation_id", "created_at"]
    list_filter = ["reason"]
    search_fields = ["golden__id", "correlation_id"]
    list_select_related = ["actor_user", "actor_source"]
    show_full_result_count = False


@admin.register(ConsentPurpose)
class ConsentPurposeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "marketing"]
    search_fields = ["code", "name"]


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["golden", "purpose", "status", "source", "source_key", "captured_at", "received_at"]
    list_filter = ["purpose", "status", "source"]
    search_fields = ["golden__id", "source_key"]
    list_select_related = ["source", "purpose"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["source", "key", "status_code", "created_at"]
    list_filter = ["source"]
    search_fields = ["key"]


@admin.register(MatchSettings)
class MatchSettingsAdmin(admin.ModelAdmin):
    list_display = ["domain", "auto_link", "review", "max_block_size"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row per domain, seeded

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MatchCandidate)
class MatchCandidateAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Stewards decide in the review queue; the admin shows the queue's rows."""

    list_display = [
        "id",
        "domain",
        "golden_a",
        "golden_b",
        "score",
        "status",
        "assigned_to",
        "decided_by",
        "created_at",
    ]
    list_filter = ["domain", "status"]
    search_fields = ["golden_a__id", "golden_b__id"]
    list_select_related = ["assigned_to", "decided_by"]
    show_full_result_count = False


@admin.register(NotAMatch)
class NotAMatchAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["record_a", "record_b", "decided_by", "created_at"]
    list_select_related = ["record_a__source", "record_b__source", "decided_by"]
    search_fields = ["record_a__source_key", "record_b__source_key"]
    show_full_result_count = False


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "golden", "attribute", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = ["status", "approved_by_rule"]
    search_fields = ["golden__id", "attribute", "requested_by__username"]
    list_select_related = ["requested_by", "decided_by"]
