"""The steward UI's URLs (the contract named in the product brief)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from .. import domains
from .views import changes, dashboard, privacy, records, review


class CollectionConverter:
    """``customers`` / ``products`` in a URL, the domain (``customer`` / ``product``) in the view."""

    regex = "customers|products"

    def to_python(self, value: str) -> str:
        return value.removesuffix("s")

    def to_url(self, value: str) -> str:
        if value not in domains.DOMAINS:
            raise ValueError(value)
        return f"{value}s"


register_converter(CollectionConverter, "collection")

app_name = "ui"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="stewardship/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", dashboard.dashboard, name="dashboard"),
    path("review/", review.queue, name="queue"),
    path("review/<int:candidate_id>/", review.detail, name="review"),
    path("review/<int:candidate_id>/claim/", review.claim, name="review-claim"),
    path("review/<int:candidate_id>/merge/", review.merge, name="review-merge"),
    path("review/<int:candidate_id>/reject/", review.reject, name="review-reject"),
    path("<collection:domain>/", records.search, name="search"),
    path("<collection:domain>/<uuid:golden_id>/", records.golden, name="golden"),
    path("<collection:domain>/<uuid:golden_id>/unmerge/", records.unmerge, name="unmerge"),
    path("<collection:domain>/<uuid:golden_id>/export/", privacy.export, name="export"),
    path("<collection:domain>/<uuid:golden_id>/erase/", privacy.erase, name="erase"),
    path("<collection:domain>/<uuid:golden_id>/attributes/<slug:attribute>/", records.attribute_row, name="attribute"),
    path(
        "<collection:domain>/<uuid:golden_id>/attributes/<slug:attribute>/edit/",
        records.attribute_edit,
        name="attribute-edit",
    ),
    path("change-requests/", changes.change_list, name="change-requests"),
    path("change-requests/<int:request_id>/approve/", changes.approve, name="change-approve"),
    path("change-requests/<int:request_id>/reject/", changes.reject, name="change-reject"),
    path("privacy/", privacy.requests, name="privacy"),
]
