"""The centre's work queues on the admin index: a count per queue, each linking to its list."""

from django import template
from django.urls import reverse

from cases.models import Case
from cases.querysets import WORK_QUEUES
from grids.scope import NO_ROLE, scope_for

register = template.Library()


@register.inclusion_tag("admin/cases/queues.html", takes_context=True)
def case_queues(context):
    request = context["request"]
    scope = scope_for(request.user)
    if scope.role == NO_ROLE:
        return {"queues": []}
    counts = Case.objects.visible_to(scope).queue_counts()
    url = reverse("admin:cases_case_changelist")
    return {
        "queues": [
            {"name": name, "label": label, "count": counts[name], "url": f"{url}?queue={name}"}
            for name, (label, _condition) in WORK_QUEUES.items()
        ]
    }
