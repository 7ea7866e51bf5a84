from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Base data")

    def ready(self):
        # The key-person workflow's and base data's grants (`core.access.ACCESS`).
        from registry import workflow  # noqa: F401
        from registry.jobs import register_jobs

        register_jobs()
