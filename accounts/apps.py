from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and sign-in")

    def ready(self):
        # The token revocation's receiver; the token's description in the OpenAPI schema.
        from accounts import receivers, schema  # noqa: F401
