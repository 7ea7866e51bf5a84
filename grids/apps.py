from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Territory and people")

    def ready(self):
        # The app's grants (`core.access.ACCESS`) are declared when this module is imported.
        from accounts.authentication import read_with_token
        from grids import permissions  # noqa: F401

        # The scope of a token's user comes with the token, one query fewer per request.
        read_with_token("scope")
