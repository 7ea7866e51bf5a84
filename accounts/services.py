"""Signing in with a token, signing out, revoking devices and lifting locks."""

import math
from dataclasses import dataclass
from datetime import datetime

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.lockout import lock_remaining, lockout_message
from accounts.models import DeviceToken, credential_fingerprint
from config.errors import AccountLocked, InvalidInput


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown to the device once; only its digest is stored
    expiry: datetime | None
    device_token: DeviceToken


def token_sign_in(
    *, request, username: str, password: str, device: str = "", user_agent: str = ""
) -> IssuedToken:
    """Check the credentials and give the device a token of its own.

    `request` is the request that carried them: django-axes counts a failure against the
    account and refuses a locked account before the password is checked (429, `AccountLocked`),
    on this path as on the login pages. Wrong credentials are a 400 that says nothing of
    which part was wrong.
    """
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        remaining = lock_remaining(username)
        raise AccountLocked(
            lockout_message(remaining), retry_after=max(1, math.ceil(remaining.total_seconds()))
        )
    if user is None:
        raise InvalidInput("non_field_errors", _("Unable to log in with provided credentials."))
    issued = token_create(user=user, device=device, replace_device=bool(device), user_agent=user_agent)
    # Records the sign-in: the user's last login, and django-axes clears the account's failures.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return issued


@transaction.atomic
def token_create(
    *, user, device: str = "", replace_device: bool = False, user_agent: str = ""
) -> IssuedToken:
    """A new token for one device of `user`, expiring after API_TOKEN_TTL_HOURS without use.

    The user's expired tokens go; a device that signs in again by the same name replaces its
    earlier token; past API_TOKENS_PER_USER live tokens, the oldest are revoked.
    """
    now = timezone.now()
    tokens = DeviceToken.objects.filter(user=user)
    tokens.filter(expiry__lte=now).delete()
    label = (device or user_agent).strip()[:100]
    if replace_device and label:
        tokens.filter(device=label).delete()
    keep = max(settings.API_TOKENS_PER_USER - 1, 0)
    surplus = tokens.filter(Q(expiry__gt=now) | Q(expiry__isnull=True)).order_by("-created")[keep:]
    DeviceToken.objects.filter(pk__in=list(surplus.values_list("pk", flat=True))).delete()
    device_token, token = DeviceToken.objects.create(
        user=user, device=label, credential=credential_fingerprint(user)
    )
    return IssuedToken(token=token, expiry=device_token.expiry, device_token=device_token)


def token_revoke(*, device_token: DeviceToken) -> None:
    """Sign one device out: its token stops working at once."""
    DeviceToken.objects.filter(pk=device_token.pk).delete()


def tokens_revoke_all(*, user) -> int:
    """Sign every device of `user` out. Returns how many tokens were revoked."""
    count, _by_model = DeviceToken.objects.filter(user=user).delete()
    return count


def tokens_revoke_stale(*, user) -> int:
    """Revoke the tokens a password change or a deactivation has made void."""
    tokens = DeviceToken.objects.filter(user=user)
    if user.is_active:
        tokens = tokens.exclude(credential=credential_fingerprint(user))
    count, _by_model = tokens.delete()
    return count


def account_unlock(*, username: str) -> int:
    """Lift the sign-in lock of an account (its failed attempts are forgotten)."""
    if not username:
        return 0  # axes would read no username as "every account"
    return axes_reset(username=username)
