"""The text of a message, in Chinese, the same facts on every channel.

A message names what happened, the case's number, its category, its grid and its due time,
and links to the case; nothing of a resident (`notifications.subjects`). Group robots get
Markdown, email and the inbox plain text, SMS the template parameters.
"""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.rules import Trigger
from notifications.subjects import Subject

MESSAGE_LANGUAGE = "zh-hans"

TITLES = {
    Trigger.DISPATCH: gettext_lazy("Case dispatched to you"),
    Trigger.REWORK: gettext_lazy("Case sent back for rework"),
    Trigger.OVERDUE: gettext_lazy("Case overdue"),
    Trigger.SUPERVISE: gettext_lazy("Overdue case under supervision"),
    Trigger.ESCALATE: gettext_lazy("Case escalated to your level"),
    Trigger.NEW_CASE: gettext_lazy("New case in the grid"),
    Trigger.CLOSED: gettext_lazy("Your case is closed"),
    Trigger.MEDIATION_SESSION: gettext_lazy("Mediation session recorded"),
    Trigger.VISIT_DUE: gettext_lazy("Key-person visit coming due"),
}


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def render(trigger: str, subject: Subject, payload: dict) -> dict:
    """The message as stored with each delivery: title, facts, link and each channel's text."""
    with translation.override(MESSAGE_LANGUAGE):
        title = str(TITLES[trigger])
        facts = [
            (_("Number"), subject.number),
            (_("Category"), subject.category or "—"),
            (_("Grid"), subject.grid_name),
            (_("Due"), _when(subject.due_at)),
        ]
        if trigger == Trigger.SUPERVISE and "overdue_hours" in payload:
            facts.append((_("Overdue by"), _("%(hours)d hours") % {"hours": int(payload["overdue_hours"])}))
        view = _("View the case")
        text = "\n".join([title, *(f"{label}：{value}" for label, value in facts), subject.link])
        markdown = "\n".join(
            [
                f"### {title}",
                *(f"> {label}：{value}" for label, value in facts),
                f"[{view}]({subject.link})",
            ]
        )
    return {
        "title": title,
        "text": text,
        "markdown": markdown,
        "link": subject.link,
        # The SMS template's parameters: what happened, the number, the grid, the due time.
        "sms_params": [title, subject.number, subject.grid_name, _when(subject.due_at)],
    }
