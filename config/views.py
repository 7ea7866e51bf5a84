"""Error pages of the whole site: JSON under `/api/`, Django's pages elsewhere (the admin)."""

from django.contrib import admin
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLResolver, reverse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView, get_view_name

from config.middleware import is_api, server_error_response


def page_not_found(request, exception):
    """An unknown URL under `/api/` is answered as an unknown object is: DRF's "Not found."."""
    if is_api(request):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return server_error_response()
    return defaults.server_error(request)


def home(request):
    """The front page (the admin's "view site"): where the centre, managers and phones start."""
    return TemplateResponse(request, "home.html", admin.site.each_context(request))


def top_level_endpoints(patterns, namespace: str, prefix: str = "") -> dict[str, str]:
    """Every endpoint of `patterns` without a parameter in its path (no `{id}`), by its path:
    found in the URL configuration, so that an endpoint added later is listed too."""
    found = {}
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found |= top_level_endpoints(pattern.url_patterns, namespace, prefix + str(pattern.pattern))
        elif pattern.name and not pattern.pattern.regex.groups and pattern.name != "api-root":
            path = (prefix + str(pattern.pattern)).replace("^", "").replace("$", "").strip("/")
            found[path] = f"{namespace}:{pattern.name}"
    return dict(sorted(found.items()))


class ApiRootView(APIView):
    """The API's top-level endpoints, each by its path, with its address: where a client, or a
    person in the browsable API, starts."""

    permission_classes = [AllowAny]
    patterns: list = []  # set by the URL configuration

    @extend_schema(summary=_("The API's top-level endpoints"), exclude=True)
    def get(self, request, format=None):
        endpoints = top_level_endpoints(self.patterns, "v1")
        return Response({path: request.build_absolute_uri(reverse(name)) for path, name in endpoints.items()})

    def get_view_name(self):
        return str(_("Grid governance API"))


def view_name(view) -> str:
    """The browsable API's title of a view, in the user's language: the name of what it
    lists or shows (案件, 网格), else DRF's name made from the class (`get_view_name`)."""
    model = getattr(getattr(view, "queryset", None), "model", None)
    if model is None:
        return get_view_name(view)
    detail = getattr(view, "detail", None)
    if detail is None:
        detail = getattr(view, "suffix", None) == "Instance"
    return str(model._meta.verbose_name if detail else model._meta.verbose_name_plural)


def view_description(view, html=False) -> str:
    """None: a view's docstring is written for the code's readers; the API's users read the
    operations' descriptions in Swagger (/api/docs/)."""
    return ""
