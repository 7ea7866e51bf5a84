"""Locked accounts: how long a lock has left, what the user is told, and who is locked.

django-axes does the counting (its `AccessAttempt` rows, one per account, address and
browser, each with its failures and the time of the latest). An account is locked while the
failures of the rows younger than the lock period add up to `AUTH_LOCKOUT_FAILURES`.
"""

import math
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.pages import sign_in_refused_page


def _recent_attempts():
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)


def lock_remaining(username: str) -> timedelta:
    """At most how long the account's lock has left (the period after its latest failure)."""
    latest = _recent_attempts().filter(username=username).order_by("-attempt_time").first()
    if latest is None:
        return timedelta(0)
    return max(timedelta(0), latest.attempt_time + settings.AXES_COOLOFF_TIME - timezone.now())


def lockout_message(remaining: timedelta) -> str:
    minutes = max(1, math.ceil(remaining.total_seconds() / 60))
    return ngettext(
        "Too many failed sign-ins: this account is locked. Try again in %(minutes)d minute, "
        "or ask an administrator to unlock it.",
        "Too many failed sign-ins: this account is locked. Try again in %(minutes)d minutes, "
        "or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer (AXES_LOCKOUT_CALLABLE) when a login page meets a locked account."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    remaining = lock_remaining(username) if username else settings.AXES_COOLOFF_TIME
    response = sign_in_refused_page(request, lockout_message(remaining))
    response["Retry-After"] = str(max(1, math.ceil(remaining.total_seconds())))
    return response


def with_sign_in_failures(users: QuerySet) -> QuerySet:
    """Users annotated with `sign_in_failures`: their failed sign-ins within the lock period."""
    failures = (
        _recent_attempts()
        .filter(username=OuterRef("username"))
        .order_by()
        .values("username")
        .annotate(total=Sum("failures_since_start"))
        .values("total")
    )
    return users.annotate(sign_in_failures=Coalesce(Subquery(failures, output_field=IntegerField()), 0))


def locked(users: QuerySet) -> QuerySet:
    return with_sign_in_failures(users).filter(sign_in_failures__gte=settings.AXES_FAILURE_LIMIT)
