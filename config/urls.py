from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.throttling import throttle_sign_in
from config.views import ApiRootView, home

# Resolved in this order, each include's patterns tried in turn: the cases, what phones send
# most, come first (the paths of the apps do not overlap).
api_v1 = [
    path("", include("cases.urls")),
    path("", include("accounts.urls")),
    path("", include("grids.urls")),
    path("", include("registry.urls")),
    path("mediation/", include("mediation.urls")),
    path("reports/", include("reports.urls")),
    path("", include("jobs.urls")),
    path("", include("notifications.urls")),
]
# The root lists every endpoint above: it comes first, before the routers' own roots.
api_v1.insert(0, path("", ApiRootView.as_view(patterns=api_v1), name="api-root"))

urlpatterns = [
    # The front page, where the admin's "view site" leads: the service's entry points.
    path("", home, name="home"),
    # The two login pages, throttled like the API's token endpoint; they come first, so that
    # these paths reach the throttled views (the included URL names still point here).
    path("admin/login/", throttle_sign_in(admin.site.login)),
    path(
        "api-auth/login/",
        throttle_sign_in(LoginView.as_view(template_name="rest_framework/login.html")),
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api-auth/", include("rest_framework.urls")),
]

handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
