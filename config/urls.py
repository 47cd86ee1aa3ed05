"""URL map: the REST API under /api/v1/, its OpenAPI schema and docs, the admin and the web UI."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.spa import spa_shell

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("api/v1/", include("annotations.api.urls")),
    path("api/v1/", include("learning.api.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    # The web UI (keep last): every other path loads the single-page app, which routes on the client.
    re_path(r"^(?!api/|admin/|accounts/|static/|media/).*$", spa_shell, name="spa"),
]


handler500 = "config.errors.server_error"  # JSON under /api/, a plain page elsewhere; never the debug page


def handler404(request, exception=None):
    """Unmatched /api/ paths answer in the API's JSON error shape; the rest get Django's page."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "not_found", "message": "No such endpoint.", "detail": None}}, status=404
        )
    return page_not_found(request, exception)
