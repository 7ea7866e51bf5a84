"""`Authorization: Token <token>`: a device's token, checked in one query.

knox's own check also reads every other token of the user on each request (to delete the
expired ones); here expired tokens are deleted when met and at the user's next sign-in, so
that a request costs one query, as the pinned query counts expect.
"""

from hmac import compare_digest

from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions

from accounts.models import DeviceToken

# The user's own rows that every request reads next, joined to the token's query instead of
# a query each; apps above add theirs from their `AppConfig.ready()` (grids: the scope).
USER_RELATIONS: list[str] = []


def read_with_token(relation: str) -> None:
    if relation not in USER_RELATIONS:
        USER_RELATIONS.append(relation)


class DeviceTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        invalid = exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            key = token.decode("ascii")
        except UnicodeDecodeError:
            raise invalid from None
        digest = hash_token(key)
        candidates = DeviceToken.objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH])
        device_token = next(
            (
                t
                for t in candidates.select_related("user", *(f"user__{r}" for r in USER_RELATIONS))
                if compare_digest(digest, t.digest)
            ),
            None,
        )
        if device_token is None:
            raise invalid
        # Expired, issued under a password since changed, or of a deactivated account: the
        # token is dead for good, so it goes now rather than waiting for a sweep.
        if device_token.is_expired() or not device_token.matches_credentials():
            device_token.delete()
            raise invalid
        if not device_token.user.is_active:
            device_token.delete()
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if knox_settings.AUTO_REFRESH and device_token.expiry:
            self.renew_token(device_token)
        return device_token.user, device_token
