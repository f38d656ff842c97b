"""The steward's start page: what waits for them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import queries
from ..access import is_approver, steward_required


@steward_required
def dashboard(request: HttpRequest) -> HttpResponse:
    approver = is_approver(request.user)
    figures = queries.dashboard(user=request.user, approver=approver)
    context = {"figures": figures, "approver": approver}  # the sync panel is sync's own tag (sync_health)
    return render(request, "stewardship/dashboard.html", context)
