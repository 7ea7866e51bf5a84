"""Who may do what with notifications: the centre keeps its street's robots, rules and log."""

from django.utils.translation import gettext_lazy as _

from core.access import ACCESS, CENTRE

ACCESS.register(
    "notifications",
    {"edit_settings": CENTRE, "retry_delivery": CENTRE},
    labels={
        "edit_settings": _("edit the street's group robots and notification rules"),
        "retry_delivery": _("send a failed delivery again"),
    },
)
