"""A data subject's requests (the privacy role): the privacy page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import queries
from ..access import privacy_required
from ..forms import PrivacyFilterForm


@privacy_required
@require_GET
def requests(request: HttpRequest) -> HttpResponse:
    """Privacy requests by tab (open ones soonest due first), of one subject when ``subject`` is given."""
    tab = request.GET.get("status") or "open"
    tab = tab if tab in queries.PRIVACY_TABS else "open"
    form = PrivacyFilterForm(request.GET)
    subject = form.cleaned_data["subject"] if form.is_valid() else None
    page, counts = queries.privacy_requests(tab=tab, subject=subject, cursor=request.GET.get("cursor"))
    context = {
        "page": page,
        "counts": counts,
        "tab": tab,
        "subject": subject,
        "tabs": [(key, value[0]) for key, value in queries.PRIVACY_TABS.items()],
    }
    return render(request, "stewardship/privacy_requests.html", context)
