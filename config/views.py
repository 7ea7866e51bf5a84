"""Error pages of the whole site: JSON under `/api/`, Django's pages elsewhere (the admin)."""

from django.contrib import admin
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.views import defaults
from rest_framework.exceptions import NotFound

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
