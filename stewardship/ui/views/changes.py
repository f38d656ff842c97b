"""Change requests (maker-checker): the list, and approve/reject for approvers who did not write the request."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from ... import services
from ...errors import ApplicationError, ValidationFailed
from ...roles import acting_user
from .. import queries
from ..access import approver_required, is_approver, masked_for, reader_required
from ..formats import isolated
from ..forms import DecisionForm
from .common import problem, wants_partial


@reader_required
@require_GET
def change_list(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("status") or "pending"
    tab = tab if tab in queries.CHANGE_TABS else "pending"
    mine = request.GET.get("mine") == "1"
    page, counts = queries.change_requests(
        tab=tab, mine=mine, user=request.user, cursor=request.GET.get("cursor"), masked=masked_for(request)
    )
    context = {
        "page": page,
        "counts": counts,
        "tab": tab,
        "mine": mine,
        "tabs": [(key, value[0]) for key, value in queries.CHANGE_TABS.items()],
        "approver": is_approver(request.user),
    }
    return render(request, "stewardship/change_requests.html", context)


def _decide(request: HttpRequest, request_id: int, approve: bool) -> HttpResponse:
    back = {"back_url": reverse("ui:change-requests"), "back_label": "Back to change requests"}
    form = DecisionForm(request.POST)
    if not form.is_valid():
        # Deciding without the comment the approver wrote would record less than they meant.
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        return problem(
            request, ValidationFailed("The comment cannot be used: nothing was decided.", fields=fields), **back
        )
    service = services.change_request_approve if approve else services.change_request_reject
    try:
        change = service(request_id=request_id, user=acting_user(request), comment=form.cleaned_data["comment"])
    except ApplicationError as error:
        return problem(request, error, **back)
    verb = "Approved and applied" if approve else "Rejected"
    message = format_html("{}: {} of {}.", verb, queries.label(change.attribute), isolated(change.golden.display_name))
    if wants_partial(request):
        row = queries.change_request_row(request_id=request_id, masked=masked_for(request))
        return render(
            request,
            "stewardship/partials/change_request_row.html",
            {"row": row, "approver": True, "notice": message},
        )
    messages.success(request, message)
    return redirect(reverse("ui:change-requests"))


@approver_required
@require_POST
def approve(request: HttpRequest, request_id: int) -> HttpResponse:
    return _decide(request, request_id, approve=True)


@approver_required
@require_POST
def reject(request: HttpRequest, request_id: int) -> HttpResponse:
    return _decide(request, request_id, approve=False)
