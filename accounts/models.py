"""API tokens: one per signed-in device, each with its own expiry.

The token itself is shown once, when the device signs in; the table keeps its digest
(django-rest-knox). A token also keeps a fingerprint of the password it was issued under:
once the password changes, by whatever path, the token no longer authenticates.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS


def credential_fingerprint(user) -> str:
    """A digest of the user's stored password hash (salted already): changes with the password."""
    return hashlib.sha256((user.password or "").encode()).hexdigest()


class DeviceToken(AbstractAuthToken):
    # knox's fields, declared again for their labels.
    digest = models.CharField(_("digest"), max_length=CONSTANTS.DIGEST_LENGTH, primary_key=True)
    token_key = models.CharField(
        _("token prefix"),
        max_length=CONSTANTS.MAXIMUM_TOKEN_PREFIX_LENGTH + CONSTANTS.TOKEN_KEY_LENGTH,
        db_index=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="auth_token_set",
        verbose_name=_("user account"),
    )
    created = models.DateTimeField(_("signed in at"), auto_now_add=True)
    expiry = models.DateTimeField(_("expires at"), null=True, blank=True)
    device = models.CharField(
        _("device"),
        max_length=100,
        blank=True,
        help_text=_("The name the device gave when it signed in, else its User-Agent."),
    )
    credential = models.CharField(_("password fingerprint"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["user_id", "-created"]
        indexes = [models.Index(fields=["user", "device"], name="device_token_user_device_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.device or self.token_key}"

    def is_expired(self, now=None) -> bool:
        return self.expiry is not None and self.expiry <= (now or timezone.now())

    def matches_credentials(self) -> bool:
        return self.credential == credential_fingerprint(self.user)
