"""Case list filters, named after the fields; date ranges as <name>_after / <name>_before."""

import django_filters as filters
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Kind, Level, Priority, Source, Status, Triage
from cases.querysets import OPEN_STATUSES, WORK_QUEUES
from config.api import StrictOrderingFilter
from config.filters import IdFilter, IdOrMeFilter, MultipleChoicesFilter, PeriodFilter, StrictBooleanFilter

# Priorities from the least to the most pressing; their codes sort alphabetically otherwise.
PRIORITY_RANK = models.Case(
    *[models.When(priority=code, then=models.Value(rank)) for rank, code in enumerate(Priority.values)],
    output_field=models.IntegerField(),
)


class CaseFilter(filters.FilterSet):
    """Choices take several values, repeated or comma-separated (`?status=assigned,in_progress`);
    `reporter` and `assignee_worker` take `me`, the caller."""

    status = MultipleChoicesFilter(choices=Status.choices)
    open = StrictBooleanFilter(method="filter_open", label=_("open (reported … resolved)"))
    queue = filters.ChoiceFilter(
        choices=[(name, label) for name, (label, _condition) in WORK_QUEUES.items()],
        method="filter_queue",
        label=_("work queue"),
    )
    kind = MultipleChoicesFilter(choices=Kind.choices)
    category = IdFilter(field_name="category_id")
    major_category = IdFilter(field_name="category__major_id")
    street = IdFilter(field_name="street_id")
    community = IdFilter(field_name="community_id")
    grid = IdFilter(field_name="grid_id")
    micro_grid = IdFilter(field_name="micro_grid_id")
    level = MultipleChoicesFilter(choices=Level.choices)
    triage = MultipleChoicesFilter(choices=Triage.choices)
    source = MultipleChoicesFilter(choices=Source.choices)
    priority = MultipleChoicesFilter(choices=Priority.choices)
    reporter = IdOrMeFilter(field_name="reporter_id", me_field="reporter_id")
    assignee_worker = IdOrMeFilter(field_name="assignee_worker_id", me_field="assignee_worker__user_id")
    on_the_spot = StrictBooleanFilter()
    overdue = StrictBooleanFilter(method="filter_overdue", label="overdue now")
    reported = PeriodFilter(field_name="reported_at")
    closed = PeriodFilter(field_name="closed_at")
    due = PeriodFilter(field_name="due_at")

    class Meta:
        model = Case
        fields = []

    def filter_open(self, queryset, name, value):
        return queryset.open() if value else queryset.exclude(status__in=OPEN_STATUSES)

    def filter_queue(self, queryset, name, value):
        return (
            queryset.in_queue(value).distinct() if value == "supervised_today" else queryset.in_queue(value)
        )

    def filter_overdue(self, queryset, name, value):
        now = timezone.now()
        return queryset.overdue(now) if value else queryset.not_overdue(now)


class CaseOrderingFilter(StrictOrderingFilter):
    """`ordering=priority` sorts by rank (low < normal < high < urgent), not by the codes' spelling."""

    RANKED = {"priority": "priority_rank"}

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        ranked = [self._ranked(term) for term in ordering]
        if ranked != list(ordering):
            queryset = queryset.alias(priority_rank=PRIORITY_RANK)
        return queryset.order_by(*ranked)

    def _ranked(self, term: str) -> str:
        descending = term.startswith("-")
        name = self.RANKED.get(term.lstrip("-"), term.lstrip("-"))
        return f"-{name}" if descending else name
