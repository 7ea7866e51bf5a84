from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from core import outbox
        from notifications import permissions  # noqa: F401 (the app's grants are declared on import)
        from notifications.hooks import on_event
        from notifications.rules import EVENT_NAMES

        for name in EVENT_NAMES:
            outbox.subscribe(name, on_event)
