from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        # The app's grants (`core.access.ACCESS`) are declared when this module is imported.
        from cases import workflow  # noqa: F401
        from cases.base_data import cases_of_resident
        from core import partitions
        from registry.selectors import ResidentLink, register_resident_link

        register_resident_link(ResidentLink("cases", cases_of_resident))
        # Partitioned by month on PostgreSQL (migration 0017; `core.partitions`).
        partitions.register("cases_caseevent", "at")
        partitions.register("cases_supervision", "day")
