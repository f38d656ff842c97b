from django.urls import include, path, register_converter
from django.urls.converters import StringConverter
from rest_framework.routers import DefaultRouter

from .. import domains
from . import views


class SourceKeyConverter(StringConverter):
    """A source key in a URL: any text but a slash or a NUL (which no stored key holds, and PostgreSQL refuses)."""

    regex = "[^/\x00]+"


register_converter(SourceKeyConverter, "source_key")

router = DefaultRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("products", views.ProductViewSet, basename="product")
router.register("match-candidates", views.MatchCandidateViewSet, basename="match-candidate")
router.register("change-requests", views.ChangeRequestViewSet, basename="change-request")
router.register("privacy-requests", views.PrivacyRequestViewSet, basename="privacy-request")

urlpatterns = [
    path(
        "sources/<slug:source>/customers/batch/",
        views.SourceBatchView.as_view(domain=domains.CUSTOMER),
        name="source-customers-batch",
    ),
    path(
        "sources/<slug:source>/products/batch/",
        views.SourceBatchView.as_view(domain=domains.PRODUCT),
        name="source-products-batch",
    ),
    path("sources/<slug:source>/consents/batch/", views.ConsentBatchView.as_view(), name="source-consents-batch"),
    path(
        "sources/<slug:source>/customers/<source_key:source_key>/",
        views.SourceRecordView.as_view(domain=domains.CUSTOMER),
        name="source-customer",
    ),
    path(
        "sources/<slug:source>/products/<source_key:source_key>/",
        views.SourceRecordView.as_view(domain=domains.PRODUCT),
        name="source-product",
    ),
    path("sync/", include("sync.api.urls")),
    *router.urls,
]
