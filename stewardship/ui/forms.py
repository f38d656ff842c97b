"""Forms of the steward UI: they read and check what a page sends; services decide what it means."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from django import forms

from ..models import Domain
from .queries import AGE_BUCKETS, QUEUE_SORTS, SCORE_BANDS, QueueFilters


class QueueFilterForm(forms.Form):
    domain = forms.ChoiceField(required=False, choices=[("", "All domains"), *Domain.choices])
    band = forms.ChoiceField(
        required=False, label="Score", choices=[("", "Any score"), *((k, v[0]) for k, v in SCORE_BANDS.items())]
    )
    assigned = forms.ChoiceField(
        required=False,
        label="Assigned",
        choices=[("", "Anyone"), ("me", "Assigned to me"), ("unassigned", "Unassigned")],
    )
    age = forms.ChoiceField(
        required=False, label="Age", choices=[("", "Any age"), *((k, v[0]) for k, v in AGE_BUCKETS.items())]
    )
    sort = forms.ChoiceField(
        required=False, label="Sort", choices=[(k, v[0]) for k, v in QUEUE_SORTS.items()], initial="score"
    )

    def filters(self) -> QueueFilters:
        """The filters asked for; a value that does not read is dropped rather than failing the page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        values = {name: data.get(name) or "" for name in self.fields}
        values["sort"] = values["sort"] or "score"
        return QueueFilters(**values)


def filters_from(data: Mapping[str, Any]) -> QueueFilters:
    return QueueFilterForm(data).filters()


def filters_query(filters: QueueFilters) -> str:
    """The filters as a query string (``?...``, or empty): carried from the queue to each candidate and back."""
    defaults = QueueFilters()
    params = {
        name: getattr(filters, name)
        for name in ("domain", "band", "assigned", "age", "sort")
        if getattr(filters, name) != getattr(defaults, name)
    }
    return f"?{urlencode(params)}" if params else ""


def merge_choices(data: Mapping[str, Any], names: Iterable[str]) -> dict[str, str]:
    """The side ("a" or "b") the steward picked per attribute; attributes left to the rules are absent."""
    choices = {}
    for name in names:
        side = data.get(f"choose-{name}")
        if side in ("a", "b"):
            choices[name] = side
    return choices


class ChangeRequestForm(forms.Form):
    value = forms.CharField(required=False, max_length=10000, label="New value")
    comment = forms.CharField(
        required=False, max_length=500, label="Why", help_text="The approver sees this with the request."
    )
    unlock = forms.BooleanField(required=False)


class DecisionForm(forms.Form):
    comment = forms.CharField(required=False, max_length=500, label="Comment")


class UnmergeForm(forms.Form):
    source = forms.SlugField(max_length=40)
    source_key = forms.CharField(max_length=200)
    version = forms.IntegerField(min_value=1)


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")


class EraseForm(forms.Form):
    """Erasing a customer cannot be undone: the officer says why and types a word to confirm."""

    WORD = "ERASE"

    reason = forms.CharField(
        max_length=500,
        label="Reason",
        help_text="The request's reference and its legal ground: kept with the privacy request.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the customer is erased."},
    )
    confirm = forms.CharField(
        max_length=40, label="Type ERASE to confirm", error_messages={"required": "Type ERASE to confirm."}
    )

    def __init__(self, *args: Any, golden_id: uuid.UUID, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.golden_id = golden_id
        self.fields["confirm"].help_text = f"Or the first 8 characters of the customer's id ({str(golden_id)[:8]})."

    def clean_confirm(self) -> str:
        typed = str(self.cleaned_data["confirm"])
        if typed != self.WORD and typed.lower() != str(self.golden_id)[:8]:
            raise forms.ValidationError(f"Type {self.WORD} (in capitals) or the first 8 characters of the id.")
        return typed


class PrivacyFilterForm(forms.Form):
    subject = forms.UUIDField(required=False)
