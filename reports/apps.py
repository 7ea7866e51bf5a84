from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from reports import permissions  # noqa: F401 (the app's grants are declared on import)
        from reports.db import register_sqlite_functions
        from reports.jobs import register_jobs

        connection_created.connect(register_sqlite_functions, dispatch_uid="reports_sqlite_functions")
        register_jobs()
