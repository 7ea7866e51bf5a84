"""Sign-in throttles: per client address and per account, on every sign-in path.

The API's token endpoint uses them as DRF throttles; the admin's and the browsable API's
login pages, which are Django views, through `throttle_sign_in`. Both count in the cache,
which several server processes must share (see CACHE_URL).
"""

import hashlib
from collections.abc import Mapping
from functools import wraps

from django.http import HttpResponse
from django.utils.translation import ngettext
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.network import client_address
from accounts.pages import sign_in_refused_page


class _SignInThrottle(SimpleRateThrottle):
    def get_rate(self):
        # Read at each request rather than at import, so that a changed setting applies.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_ident(self, request):
        return client_address(request)


class SignInAddressThrottle(_SignInThrottle):
    """Sign-in attempts from one client address (`API_AUTH_RATE`)."""

    scope = "sign_in_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInAccountThrottle(_SignInThrottle):
    """Sign-in attempts at one account, from any address (`API_AUTH_ACCOUNT_RATE`)."""

    scope = "sign_in_account"

    def get_cache_key(self, request, view):
        username = submitted_username(request)
        if not username:
            return None
        # A digest: any text is a valid cache key, and the name is not stored as it was typed.
        ident = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


SIGN_IN_THROTTLES = (SignInAddressThrottle, SignInAccountThrottle)


def submitted_username(request) -> str:
    """The username a sign-in request names: from the API's parsed body or a login form."""
    data = getattr(request, "data", None)
    if data is None:
        data = request.POST
    value = data.get("username") if isinstance(data, Mapping) else None
    return value if isinstance(value, str) else ""


def throttle_sign_in(view):
    """Wrap a login view (Django's, the admin's) so that its POSTs count as sign-in attempts."""

    @wraps(view)
    def throttled(request, *args, **kwargs):
        if request.method == "POST":
            for throttle_class in SIGN_IN_THROTTLES:
                throttle = throttle_class()
                if not throttle.allow_request(request, None):
                    return too_many_sign_ins(request, throttle.wait())
        return view(request, *args, **kwargs)

    return throttled


def too_many_sign_ins(request, wait: float | None) -> HttpResponse:
    seconds = max(1, round(wait or 1))
    message = ngettext(
        "Too many sign-in attempts. Try again in %(seconds)d second.",
        "Too many sign-in attempts. Try again in %(seconds)d seconds.",
        seconds,
    ) % {"seconds": seconds}
    response = sign_in_refused_page(request, message)
    response["Retry-After"] = str(seconds)
    return response
