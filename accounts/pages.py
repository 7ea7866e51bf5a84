"""The page a login form answers when a sign-in is refused before any password is checked."""

from django.contrib import admin
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def sign_in_refused_page(request, message: str) -> HttpResponse:
    # In the admin's frame, which both login pages (admin, browsable API) resemble.
    context = {**admin.site.each_context(request), "title": _("Sign-in refused"), "message": message}
    return render(request, "accounts/sign_in_refused.html", context, status=429)
