"""A data subject's requests (the privacy role): the privacy page, and a customer's export and erasure."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ... import domains, services
from ...errors import ApplicationError
from ...models import GoldenRecord, GoldenStatus
from ...roles import acting_user
from .. import queries
from ..access import privacy_required
from ..forms import EraseForm, PrivacyFilterForm
from .common import problem


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


def _customer(domain: str, golden_id: uuid.UUID) -> GoldenRecord:
    if domain != domains.CUSTOMER:
        raise Http404("Products hold no personal data: only customers are exported or erased.")
    golden = GoldenRecord.objects.filter(domain=domain, pk=golden_id).first()
    if golden is None:
        raise Http404("No such customer.")
    return golden


@privacy_required
@require_POST
def export(request: HttpRequest, domain: str, golden_id: uuid.UUID) -> HttpResponse:
    """Everything held on the customer, as a JSON download; recorded as a completed privacy request and in the access
    log (by the service). A POST: it records something."""
    golden = _customer(domain, golden_id)
    back = reverse("ui:golden", args=[domain, golden.pk])
    try:
        document, privacy_request = services.subject_export(golden_id=golden.pk, user=acting_user(request))
    except ApplicationError as error:
        return problem(request, error, back_url=back, back_label="Back to the customer")
    body = json.dumps(document, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="customer-{document["subject"]}-export-{privacy_request.pk}.json"'
    )
    return response


@privacy_required
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest, domain: str, golden_id: uuid.UUID) -> HttpResponse:
    """The confirmation page (GET), then the erasure (POST): the reason, and ERASE typed to confirm. Only an active
    customer: an erased one is done (a form sent twice lands back on its page), and a merged-away id would erase the
    customer it went to, whose page the officer has not seen."""
    golden = _customer(domain, golden_id)
    back = reverse("ui:golden", args=[domain, golden.pk])
    if golden.status != GoldenStatus.ACTIVE:
        what = (
            "is already erased" if golden.status == GoldenStatus.ERASED else "was merged: erase the customer it went to"
        )
        messages.info(request, f"Nothing to erase here: this customer {what}.")
        return redirect(back)
    form = EraseForm(request.POST or None, golden_id=golden.pk)
    context = {"subject": queries.erasure_subject(golden=golden), "form": form}
    if request.method == "GET" or not form.is_valid():
        return render(
            request, "stewardship/customer_erase.html", context, status=200 if request.method == "GET" else 400
        )
    name = golden.display_name
    try:
        privacy_request = services.customer_erase(
            golden_id=golden.pk, user=acting_user(request), reason=form.cleaned_data["reason"]
        )
    except ApplicationError as error:
        if error.status_code == 400:
            return render(request, "stewardship/customer_erase.html", context | {"error": error}, status=400)
        return problem(request, error, back_url=back, back_label="Back to the customer")
    messages.success(
        request,
        f"Erased {name}. Privacy request {privacy_request.pk} is {privacy_request.get_status_display().lower()}: "
        "it is completed once every connected system has received the erasure.",
    )
    url = reverse("ui:privacy") + f"?status={privacy_request.status}&subject={privacy_request.subject}"
    return redirect(f"{url}#request-{privacy_request.pk}")
