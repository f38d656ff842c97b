"""Golden customers and products: search as you type, the record page, edits (as change requests), unmerge."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from ... import domains, services
from ...errors import ApplicationError
from ...models import AccessKind, ChangeRequestStatus, GoldenRecord
from ...roles import acting_user
from .. import queries
from ..access import masked_for, reader_required, steward_required
from ..formats import isolated
from ..forms import ChangeRequestForm, SearchForm, UnmergeForm
from .common import problem, wants_partial


@reader_required
@require_GET
def search(request: HttpRequest, domain: str) -> HttpResponse:
    form = SearchForm(request.GET)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    page = queries.golden_search(domain=domain, q=q, cursor=request.GET.get("cursor"), masked=masked_for(request))
    context = {"form": form, "q": q, "page": page, "domain": domain, "title": domains_title(domain)}
    if wants_partial(request):
        return render(request, "stewardship/partials/search_results.html", context)
    return render(request, "stewardship/golden_search.html", context)


def domains_title(domain: str) -> str:
    return "Customers" if domain == domains.CUSTOMER else "Products"


@reader_required
@require_GET
def golden(request: HttpRequest, domain: str, golden_id: uuid.UUID) -> HttpResponse:
    """The golden record page. Reading a customer's is in the access log."""
    masked = masked_for(request)
    page = queries.golden_page(domain=domain, golden_id=golden_id, masked=masked)
    if page is None:
        raise Http404("No such golden record.")
    if domain == domains.CUSTOMER:
        services.access_log_write(user=request.user, golden_ids=[page.golden.pk], what=AccessKind.VIEW)
    context = {"page": page, "title": domains_title(domain), "masked": masked}
    return render(request, "stewardship/golden_detail.html", context)


def _golden(domain: str, golden_id: uuid.UUID) -> GoldenRecord:
    golden = GoldenRecord.objects.filter(domain=domain, pk=golden_id).first()
    if golden is None:
        raise Http404("No such golden record.")
    return golden


def _attribute(golden: GoldenRecord, attribute: str) -> str:
    if attribute not in domains.SCHEMAS[golden.domain]:
        raise Http404(f"{golden.domain} records have no attribute {attribute!r}.")
    return attribute


def _row(request: HttpRequest, golden: GoldenRecord, attribute: str, **extra: object) -> HttpResponse:
    row = queries.golden_attribute(golden=golden, attribute=attribute, masked=masked_for(request))
    return render(request, "stewardship/partials/attribute_row.html", {"golden": golden, "attr": row, **extra})


@reader_required
@require_GET
def attribute_row(request: HttpRequest, domain: str, golden_id: uuid.UUID, attribute: str) -> HttpResponse:
    """One attribute row as it reads (an edit cancelled)."""
    golden = _golden(domain, golden_id)
    return _row(request, golden, _attribute(golden, attribute))


@steward_required
@require_http_methods(["GET", "POST"])
def attribute_edit(request: HttpRequest, domain: str, golden_id: uuid.UUID, attribute: str) -> HttpResponse:
    """A steward's edit becomes a change request: an approver applies it (or the rule does, when the attribute is
    not governed)."""
    golden = _golden(domain, golden_id)
    attribute = _attribute(golden, attribute)
    form = ChangeRequestForm(request.POST or None, initial={"value": golden.attributes.get(attribute) or ""})
    template = (
        "stewardship/partials/attribute_edit.html" if wants_partial(request) else "stewardship/attribute_edit.html"
    )
    context = {
        "golden": golden,
        "attr": queries.golden_attribute(golden=golden, attribute=attribute, masked=masked_for(request)),
        "form": form,
    }
    if request.method == "GET" or not form.is_valid():
        return render(request, template, context, status=200 if request.method == "GET" else 400)
    unlock = form.cleaned_data["unlock"]
    try:
        change = services.change_request_create(
            golden_id=golden.pk,
            attribute=attribute,
            value=None if unlock else form.cleaned_data["value"],
            unlock=unlock,
            comment=form.cleaned_data["comment"],
            user=acting_user(request),
        )
    except ApplicationError as error:
        if error.status_code != 400:
            return problem(request, error)
        fields = error.fields.get("value") or error.fields.get(attribute) or error.fields.get("attribute") or []
        return render(request, template, context | {"error": error, "field_errors": fields}, status=400)
    url = reverse("ui:golden", args=[domain, golden.pk])
    if change.status == ChangeRequestStatus.APPROVED:
        messages.success(request, f"{queries.label(attribute)} changed (not governed: applied at once).")
        return HttpResponseClientRefresh() if wants_partial(request) else redirect(url)
    if wants_partial(request):
        return _row(request, golden, attribute, notice="Sent for approval: another approver applies it.")
    messages.success(request, f"{queries.label(attribute)}: change requested. Another approver applies it.")
    return redirect(url)


@steward_required
@require_POST
def unmerge(request: HttpRequest, domain: str, golden_id: uuid.UUID) -> HttpResponse:
    golden = _golden(domain, golden_id)
    url = reverse("ui:golden", args=[domain, golden.pk])
    form = UnmergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a source record to split out.")
        return redirect(url)
    data = form.cleaned_data
    try:
        targets = services.golden_record_unmerge(
            golden_id=golden.pk,
            sources=[(data["source"], data["source_key"])],
            user=acting_user(request),
            if_match=data["version"],
        )
    except ApplicationError as error:
        return problem(request, error, back_url=url, back_label="Back to the golden record")
    links = format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        ((reverse("ui:golden", args=[t.domain, t.pk]), isolated(t.display_name)) for t in targets),
    )
    messages.success(
        request,
        format_html("Split {} out: it now belongs to {}.", isolated(f"{data['source']}:{data['source_key']}"), links),
    )
    return redirect(url)
