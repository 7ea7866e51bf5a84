from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Territory and people")

    def ready(self):
        # The app's grants (`core.access.ACCESS`) are declared when this module is imported.
        from grids import permissions  # noqa: F401
