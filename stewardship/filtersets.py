"""One FilterSet per model, shared by the API and the steward UI."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from rest_framework.exceptions import ValidationError

from .matching.normalise import phone_e164
from .models import (
    CandidateStatus,
    ChangeRequest,
    ChangeRequestStatus,
    Domain,
    GoldenRecord,
    MatchCandidate,
    PrivacyRequest,
    PrivacyRequestKind,
    PrivacyRequestStatus,
    SourceRecord,
)
from .roles import sees_personal_data, user_roles


class GoldenRecordFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label="Search: name, email, phone, postcode, source key, GTIN or SKU (any of them)"
    )
    name = django_filters.CharFilter(
        method="filter_name", label="Name contains (customer given/family name, product name)"
    )
    email = django_filters.CharFilter(method="filter_email", label="Email (exact, case-insensitive)")
    phone = django_filters.CharFilter(method="filter_phone", label="Phone (E.164 or as stored)")
    postal_code = django_filters.CharFilter(method="filter_postal_code", label="Postal code (spaces ignored)")
    gtin = django_filters.CharFilter(method="filter_gtin", label="GTIN")
    sku = django_filters.CharFilter(field_name="attributes__sku", lookup_expr="iexact", label="SKU")
    brand = django_filters.CharFilter(field_name="attributes__brand", lookup_expr="iexact", label="Brand")
    source = django_filters.CharFilter(method="filter_source", label="Has a record from this source system")
    source_key = django_filters.CharFilter(field_name="source_records__source_key", distinct=True)
    status = django_filters.ChoiceFilter(choices=GoldenRecord._meta.get_field("status").choices)
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    #: Filters on personal values: a reader who sees them masked may not search by them, or a search would tell them
    #: what masking hides (whether jane@example.org is a customer, a postcode letter by letter).
    PERSONAL_FILTERS = ("email", "phone", "postal_code")

    class Meta:
        model = GoldenRecord
        fields: list[str] = []

    def __init__(self, *args: Any, masked: bool | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        # A source system reads its own customers and searches them by what it holds; a user by their roles.
        self.masked = (
            masked if masked is not None else (user_roles(user) != frozenset() and not sees_personal_data(user))
        )
        if self.masked:
            for name in self.PERSONAL_FILTERS:
                self.filters[name].method = "refuse_personal"

    def refuse_personal(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        raise ValidationError({name: ["Searching by a personal value needs the steward, approver or privacy role."]})

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """One box for everything a steward types: each word of a name must appear in a name attribute; the
        whole text is also tried as an email, phone, postcode, source key, GTIN and SKU."""
        words = value.split()
        if not words:
            return queryset
        text = " ".join(words)
        match = Q()
        for word in words:
            match &= (
                Q(attributes__given_name__icontains=word)
                | Q(attributes__family_name__icontains=word)
                | Q(attributes__name__icontains=word)
            )
        match |= Q(attributes__sku__iexact=text)
        if not self.masked:  # personal values: only for readers who see them
            match |= Q(attributes__email__icontains=text)
            compact = "".join(words).upper()
            postcodes = {text.upper(), compact} | ({f"{compact[:-3]} {compact[-3:]}"} if len(compact) > 4 else set())
            match |= Q(attributes__postal_code__in=list(postcodes))
        digits = "".join(ch for ch in text if ch.isdigit())
        if digits and len(digits) == len(text.replace(" ", "").lstrip("+")):
            if len(digits) >= 6 and not self.masked:  # a phone in any spelling: its significant digits are in E.164
                match |= Q(attributes__phone__icontains=digits.lstrip("0"))
            if 8 <= len(digits) <= 14:
                match |= Q(attributes__gtin__in=list({digits, digits.lstrip("0"), digits.zfill(13), digits.zfill(14)}))
        keys = {text, text.upper(), text.lower()}
        match |= Q(Exists(SourceRecord.objects.filter(golden=OuterRef("pk"), source_key__in=list(keys))))
        return queryset.filter(match)

    def filter_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(
            Q(attributes__given_name__icontains=value)
            | Q(attributes__family_name__icontains=value)
            | Q(attributes__name__icontains=value)
        )

    def filter_email(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(attributes__email__iexact=value.strip())

    def filter_phone(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        e164 = phone_e164(value, None)
        values = {value.strip()} | ({e164} if e164 else set())
        return queryset.filter(attributes__phone__in=list(values))

    def filter_postal_code(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        compact = "".join(value.split())
        return queryset.filter(
            Q(attributes__postal_code__iexact=value.strip()) | Q(attributes__postal_code__iexact=compact)
        )

    def filter_gtin(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        digits = value.strip()
        return queryset.filter(Q(attributes__gtin=digits) | Q(attributes__gtin=digits.lstrip("0")))

    def filter_source(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(source_records__source__code=value.strip().lower()).distinct()


class MatchCandidateFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CandidateStatus.choices)
    domain = django_filters.ChoiceFilter(choices=Domain.choices)
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    score_max = django_filters.NumberFilter(field_name="score", lookup_expr="lte")
    assigned_to = django_filters.CharFilter(method="filter_assigned_to", label='Username, "me" or "none"')
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    golden_id = django_filters.UUIDFilter(method="filter_golden_id", label="Either golden record of the pair")

    class Meta:
        model = MatchCandidate
        fields: list[str] = []

    def filter_assigned_to(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "none":
            return queryset.filter(assigned_to__isnull=True)
        if value == "me":
            user = getattr(self.request, "user", None)
            return queryset.filter(assigned_to_id=getattr(user, "pk", None))
        return queryset.filter(assigned_to__username=value)

    def filter_golden_id(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        return queryset.filter(Q(golden_a_id=value) | Q(golden_b_id=value))


class ChangeRequestFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ChangeRequestStatus.choices)
    golden_id = django_filters.UUIDFilter(field_name="golden_id")
    requested_by = django_filters.CharFilter(field_name="requested_by__username")
    attribute = django_filters.CharFilter()

    class Meta:
        model = ChangeRequest
        fields: list[str] = []


class PrivacyRequestFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=PrivacyRequestKind.choices)
    status = django_filters.ChoiceFilter(choices=PrivacyRequestStatus.choices)
    due = django_filters.IsoDateTimeFromToRangeFilter(
        field_name="due_at", help_text="due_before / due_after: ISO 8601 timestamps (due_before=now: overdue)."
    )
    subject = django_filters.UUIDFilter()

    class Meta:
        model = PrivacyRequest
        fields: list[str] = []
