"""The steward's start page: what waits for them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ...roles import user_roles
from .. import queries
from ..access import is_approver, masked_for, reader_required


@reader_required
def dashboard(request: HttpRequest) -> HttpResponse:
    approver = is_approver(request.user)
    figures = queries.dashboard(user=request.user, approver=approver, masked=masked_for(request))
    context = {  # the sync panel is sync's own tag (sync_health)
        "figures": figures,
        "approver": approver,
        "roles": sorted(user_roles(request.user)),
    }
    return render(request, "stewardship/dashboard.html", context)
