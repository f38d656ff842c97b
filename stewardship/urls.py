from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

# Under /api/ as the JSON error envelope, elsewhere Django's pages (templates/404.html ...).
handler400 = "stewardship.errors.handler400"
handler403 = "stewardship.errors.handler403"
handler404 = "stewardship.errors.handler404"
handler500 = "stewardship.errors.handler500"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("stewardship.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script from a URL: the Content-Security-Policy allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("sync/", include("sync.urls")),
    # The steward UI last: its /customers/ and /products/ pages must not shadow the paths above.
    path("", include("stewardship.ui.urls")),
]
