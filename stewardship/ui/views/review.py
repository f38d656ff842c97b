"""The review queue and the side-by-side decision page.

The queue's filters travel with the steward (as a query string) from the queue to each candidate and on to the
next one, so "next" means the next candidate of the queue they were working.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url

from ... import domains, services
from ...errors import ApplicationError
from ...models import AccessKind, MatchCandidate
from ...roles import acting_user
from .. import queries
from ..access import masked_for, reader_required, steward_required
from ..formats import isolated
from ..forms import QueueFilterForm, filters_from, filters_query, merge_choices
from ..queries import QueueFilters
from .common import HtmxHttpRequest, problem, wants_partial

PANEL = "stewardship/partials/review_panel.html"


@reader_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET)
    filters = form.filters()
    page, total = queries.review_queue(
        user=request.user, filters=filters, cursor=request.GET.get("cursor"), masked=masked_for(request)
    )
    context = {"form": form, "page": page, "total": total, "filters_qs": filters_query(filters)}
    if wants_partial(request):
        return render(request, "stewardship/partials/queue_results.html", context)
    return render(request, "stewardship/review_queue.html", context)


def _review_context(request: HttpRequest, candidate_id: int, filters: QueueFilters, **extra: Any) -> dict[str, Any]:
    """A candidate as the user is about to read it; for two customers, that read is in the access log (one insert for
    both)."""
    masked = masked_for(request)
    review = queries.review(candidate_id=candidate_id, user=request.user, filters=filters, masked=masked)
    if review is None:
        raise Http404("No such match candidate.")
    candidate = review.candidate
    if candidate.domain == domains.CUSTOMER:
        services.access_log_write(
            user=request.user, golden_ids=[candidate.golden_a_id, candidate.golden_b_id], what=AccessKind.VIEW
        )
    return {"review": review, "filters_qs": filters_query(filters), "masked": masked, **extra}


@reader_required
@require_GET
def detail(request: HttpRequest, candidate_id: int) -> HttpResponse:
    context = _review_context(request, candidate_id, filters_from(request.GET))
    return render(request, PANEL if wants_partial(request) else "stewardship/review_detail.html", context)


@steward_required
@require_POST
def claim(request: HtmxHttpRequest, candidate_id: int) -> HttpResponse:
    filters = filters_from(request.GET)
    try:
        services.match_candidate_assign(candidate_id=candidate_id, user=acting_user(request))
    except ApplicationError as error:
        return problem(request, error, back_url=reverse("ui:queue"), back_label="Back to the queue")
    if wants_partial(request) and request.htmx.target == "review-panel":
        return render(request, PANEL, _review_context(request, candidate_id, filters))
    if wants_partial(request):
        row = queries.candidate_row(candidate_id=candidate_id, masked=masked_for(request))
        return render(
            request, "stewardship/partials/queue_row.html", {"row": row, "filters_qs": filters_query(filters)}
        )
    messages.success(request, "Claimed: this candidate is yours to decide.")
    return redirect(reverse("ui:review", args=[candidate_id]) + filters_query(filters))


def _anchor(candidate_id: int) -> MatchCandidate:
    """The candidate's place in the queue (score, age, id): where "next" continues from after the decision."""
    candidate = MatchCandidate.objects.only("id", "domain", "score", "created_at").filter(pk=candidate_id).first()
    if candidate is None:
        raise Http404("No such match candidate.")
    return candidate


def _decided(request: HttpRequest, anchor: MatchCandidate, filters: QueueFilters, message: SafeString) -> HttpResponse:
    """After a decision the next candidate opens; with none left, the queue."""
    next_id = queries.next_candidate_id(user=request.user, filters=filters, after=anchor)
    suffix = filters_query(filters)
    if next_id is None:
        messages.success(request, format_html("{} Nothing else is waiting in this queue.", message))
        url = reverse("ui:queue") + suffix
        return HttpResponseClientRedirect(url) if wants_partial(request) else redirect(url)
    url = reverse("ui:review", args=[next_id]) + suffix
    if wants_partial(request):
        return push_url(render(request, PANEL, _review_context(request, next_id, filters, notice=message)), url)
    messages.success(request, message)
    return redirect(url)


def _failed(request: HttpRequest, candidate_id: int, filters: QueueFilters, error: ApplicationError) -> HttpResponse:
    """Someone else decided first (409), a record changed meanwhile (412), or a value does not read (400): the
    candidate is shown again as it now is, with what happened; nothing was changed."""
    if wants_partial(request) and error.status_code not in (403, 404):
        context = _review_context(request, candidate_id, filters, error=error)
        return render(request, PANEL, context, status=error.status_code)
    back = reverse("ui:review", args=[candidate_id]) + filters_query(filters)
    return problem(request, error, back_url=back, back_label="See the candidate as it is now")


def _golden_link(golden: Any) -> SafeString:
    return format_html(
        '<a href="{}">{}</a>', reverse("ui:golden", args=[golden.domain, golden.pk]), isolated(golden.display_name)
    )


@steward_required
@require_POST
def merge(request: HttpRequest, candidate_id: int) -> HttpResponse:
    filters = filters_from(request.GET)
    anchor = _anchor(candidate_id)
    choices = merge_choices(request.POST, domains.SCHEMAS[anchor.domain])
    try:
        survivor = services.match_candidate_merge(
            candidate_id=candidate_id,
            user=acting_user(request),
            values=queries.chosen_values(candidate_id=candidate_id, choices=choices),
            if_match=request.POST.get("etag") or None,
        )
    except ApplicationError as error:
        return _failed(request, candidate_id, filters, error)
    message = format_html("Merged: {} now holds the records of both.", _golden_link(survivor))
    return _decided(request, anchor, filters, message)


@steward_required
@require_POST
def reject(request: HttpRequest, candidate_id: int) -> HttpResponse:
    filters = filters_from(request.GET)
    anchor = _anchor(candidate_id)
    try:
        candidate = services.match_candidate_reject(
            candidate_id=candidate_id, user=acting_user(request), if_match=request.POST.get("etag") or None
        )
    except ApplicationError as error:
        return _failed(request, candidate_id, filters, error)
    message = format_html(
        "Not a match: {} and {} stay apart and will not be proposed again.",
        _golden_link(candidate.golden_a),
        _golden_link(candidate.golden_b),
    )
    return _decided(request, anchor, filters, message)
