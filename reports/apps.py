from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from cases.workflow import CASE_HISTORY
        from mediation.workflow import MEDIATION_HISTORY
        from reports import permissions  # noqa: F401 (the app's grants are declared on import)
        from reports.db import register_sqlite_functions
        from reports.jobs import register_jobs
        from reports.mediation_rollup import observe_mediation
        from reports.rollup import observe_case
        from reports.rollup import register_sqlite_functions as register_rollup_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="reports_sqlite_functions")
        connection_created.connect(register_rollup_functions, dispatch_uid="reports_rollup_functions")
        # The rollups are kept in each step's own transaction (`reports.rollup`, `reports.mediation_rollup`).
        CASE_HISTORY.observe(observe_case)
        MEDIATION_HISTORY.observe(observe_mediation)
        register_jobs()
