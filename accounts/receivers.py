"""A password change or a deactivation revokes the account's tokens, whoever makes it.

The admin's forms, `manage.py changepassword`, the services and a shell all end in the
user's `save()`; this receiver runs there. (A token issued under an older password is also
refused when presented: `DeviceToken.matches_credentials`, for writes that skip `save()`.)
"""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.services import tokens_revoke_stale

_CREDENTIAL_FIELDS = {"password", "is_active"}


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.revoke_stale_tokens")
def revoke_stale_tokens(sender, instance, created, update_fields=None, **kwargs):
    # A new account has no tokens; a save of other fields (the last login) changes nothing.
    if created or (update_fields is not None and not _CREDENTIAL_FIELDS & set(update_fields)):
        return
    tokens_revoke_stale(user=instance)
