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
    return render(request, "stewardship/dashboard.html", {"figures": figures, "approver": approver})
