"""The sync pages of the steward UI. Sync health: per connector the backlog, dead letters, lag and breaker; the
deliveries behind them, each with its attempts; replay of one dead delivery or of every dead one a filter matches."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from connectors.base import KINDS
from stewardship import privacy
from stewardship.errors import ApplicationError, ValidationFailed
from stewardship.models import Domain
from stewardship.roles import acting_user
from stewardship.ui.access import masked_for, reader_required, steward_required
from stewardship.ui.formats import bidi_escaped
from stewardship.ui.pagination import keyset_page
from stewardship.ui.views.common import problem, wants_partial

from . import selectors, services
from .filtersets import DeliveryFilterSet, unknown_filters
from .models import UNDELIVERED, Delivery, DeliveryStatus

DELIVERIES_PAGE_SIZE = 50
DELIVERY_ORDERING = ("-created_at", "-id")
#: The filters the page offers (all of them DeliveryFilterSet's); ``status`` is the only one that may repeat.
FILTERS = ("status", "connector", "domain", "golden_id", "event_type")
STATUS_CHOICES = [
    ("", "Any status"),
    (",".join(UNDELIVERED), "Backlog (pending, in flight)"),
    *DeliveryStatus.choices,
]
EVENT_TYPES = [f"{domain}.{kind}" for domain in Domain.values for kind in KINDS]


def _filter_data(query: QueryDict) -> QueryDict:
    """The filters asked for. Status defaults to dead letters; ``status=`` (empty) means any status."""
    data = QueryDict(mutable=True)
    statuses = [s for value in query.getlist("status") for s in value.split(",") if s]
    data.setlist("status", statuses if "status" in query else [DeliveryStatus.DEAD])
    for name in FILTERS[1:]:
        value = query.get(name, "").strip()
        if value:
            data[name] = value
    return data


def _filter_query(data: QueryDict) -> str:
    """The filters as a query string, status always included (so "any status" survives the round trip)."""
    params = [("status", ",".join(data.getlist("status")))]
    params += [(name, data.get(name, "")) for name in FILTERS[1:] if name in data]
    return urlencode(params)


def _filterset(query: QueryDict) -> tuple[DeliveryFilterSet, QueryDict]:
    data = _filter_data(query)
    return DeliveryFilterSet(data, queryset=Delivery.objects.all()), data


def _not_valid(filterset: DeliveryFilterSet) -> ValidationFailed:
    return ValidationFailed(
        "These filters do not read: nothing was replayed.",
        fields={name: [str(e) for e in errors] for name, errors in filterset.errors.items()},
    )


@reader_required
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    filterset, data = _filterset(request.GET)
    valid = filterset.is_valid()
    if valid:
        deliveries = filterset.qs.select_related("connector")
        page = keyset_page(deliveries, DELIVERY_ORDERING, request.GET.get("cursor"), DELIVERIES_PAGE_SIZE)
        dead_matching = deliveries.filter(status=DeliveryStatus.DEAD).count()
    else:
        page, dead_matching = keyset_page(Delivery.objects.none(), DELIVERY_ORDERING, None, 1), 0
    context: dict[str, Any] = {
        "page": page,
        "valid": valid,
        "errors": filterset.errors,
        "dead_matching": dead_matching,
        "filters": {"status": ",".join(data.getlist("status"))} | {name: data.get(name, "") for name in FILTERS[1:]},
        "filters_qs": _filter_query(data),
        "statuses": STATUS_CHOICES,
        "domains": Domain.choices,
        "event_types": EVENT_TYPES,
    }
    if wants_partial(request):
        return render(request, "sync/partials/deliveries.html", context)
    context["status_other"] = context["filters"]["status"] not in dict(STATUS_CHOICES)
    connectors = selectors.connector_health()
    names = [c.name for c in connectors]
    if context["filters"]["connector"] and context["filters"]["connector"] not in names:
        names.append(context["filters"]["connector"])
    return render(request, "sync/health.html", context | {"connectors": connectors, "connector_names": names})


@steward_required
@require_POST
def replay_many(request: HttpRequest) -> HttpResponse:
    """Replay every dead delivery the page's filters (the query string) match."""
    filterset, data = _filterset(request.GET)
    back = f"{reverse('sync:health')}?{_filter_query(data)}"
    unknown = unknown_filters(request.GET, FILTERS)
    if unknown:
        # Not the page's filters (a hand-made URL): the page would replay without them, so more than was asked.
        error = ValidationFailed("Unknown filters: nothing was replayed.", fields=unknown)
        return problem(request, error, back_url=back, back_label="Back to sync")
    if not filterset.is_valid():
        # An invalid filter is dropped by the filterset: replaying then would replay more than the steward asked.
        return problem(request, _not_valid(filterset), back_url=back, back_label="Back to sync")
    result = services.deliveries_replay(deliveries=filterset.qs, user=acting_user(request))
    if result["replayed"] or result["superseded"]:
        messages.success(
            request,
            f"{result['replayed']} replayed, {result['superseded']} superseded "
            "(a newer version of the record was delivered since).",
        )
    else:
        messages.info(request, "Nothing to replay: no dead delivery matches these filters.")
    return HttpResponseClientRedirect(back) if wants_partial(request) else redirect(back)


def _masked_payload(domain: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A payload as a masked reader sees it: its personal values masked (as the API shows it)."""
    payload = dict(payload or {})
    if isinstance(payload.get("attributes"), dict):
        payload["attributes"] = privacy.masked(domain, payload["attributes"])
    if isinstance(payload.get("changes"), dict):
        payload["changes"] = privacy.masked_changes(domain, payload["changes"])
    return payload


@reader_required
@require_GET
def delivery(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """A delivery with its attempts and payload. A masked reader sees the payload's personal values masked, and not
    what each attempt sent (which quotes them)."""
    row = Delivery.objects.select_related("connector", "event", "replayed_by").filter(pk=delivery_id).first()
    if row is None:
        raise Http404("No such delivery.")
    attempts = list(row.attempt_rows.order_by("started_at", "id"))
    payload_shown = row.event.payload
    if masked_for(request):
        payload_shown = _masked_payload(row.domain, payload_shown)
        for attempt in attempts:  # read for this page alone, never saved
            attempt.request = privacy.DOT if attempt.request else ""
            attempt.response = privacy.DOT if attempt.response else ""
    payload = bidi_escaped(json.dumps(payload_shown, indent=2, ensure_ascii=False, sort_keys=True))
    return render(request, "sync/delivery.html", {"d": row, "attempts": attempts, "payload": payload})


@steward_required
@require_POST
def replay(request: HttpRequest, delivery_id: int) -> HttpResponse:
    url = reverse("sync:delivery", args=[delivery_id])
    try:
        services.delivery_replay(delivery_id=delivery_id, user=acting_user(request))
    except ApplicationError as error:
        return problem(request, error, back_url=url, back_label="See the delivery as it is now")
    messages.success(request, "Replayed: the delivery is pending again, with the same idempotency key.")
    return HttpResponseClientRedirect(url) if wants_partial(request) else redirect(url)
