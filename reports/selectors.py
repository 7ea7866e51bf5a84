"""The report queries: every figure is a conditional aggregate computed by the database.

A report is one grouped query for the rows. The totals are the sums of the rows (each
case belongs to exactly one group), except the overall median, which takes one more
narrow query; grouping by a territory, category, room or mediator adds one small query
for their names. So the number of queries is fixed whatever the data size. Only what the
caller's scope lets them see is counted, through the models' `visible_to(scope)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from cases.models import Case, Category, Kind, Level, Source, Triage
from config.errors import ObjectNotFound
from grids.models import Community, Grid, GridWorker, Street
from grids.scope import MEDIATION, Scope
from mediation.models import DisputeType, MediationCase, MediationLevel, MediationRoom, Mediator
from reports import mediation_rollup, rollup
from reports import metrics as m
from reports.db import HoursBetween, Median


@dataclass(frozen=True)
class Dimension:
    """What a report can be grouped by.

    `field` is the grouped column. A foreign key names its model, whose names are read in
    one query after the grouping (joining them in would make the database sort every case
    by a text column), and the column that orders the rows (codes, so that streets come in
    their official order).
    """

    name: str
    label: Promise
    field: str
    model: type[models.Model] | None = None
    order: str = "code"
    choices: type[models.Choices] | None = None
    month_of: str | None = None  # the datetime truncated to a local month
    empty_label: Promise | None = None  # the name of the group of rows with no value


def _fk(name, label, field, model, **extra) -> Dimension:
    return Dimension(name, label, f"{field}_id", model=model, **extra)


RESOLUTION_DIMENSIONS = {
    d.name: d
    for d in [
        _fk("street", gettext_lazy("street"), "street", Street),
        _fk("community", gettext_lazy("community or village"), "community", Community),
        _fk("grid", gettext_lazy("grid"), "grid", Grid),
        _fk("category", gettext_lazy("category"), "category", Category),
        # The worker the case is (or was last) assigned to; cases with none form one group.
        _fk(
            "worker",
            gettext_lazy("grid worker"),
            "assignee_worker",
            GridWorker,
            order="name",
            empty_label=gettext_lazy("no worker (a unit or nobody)"),
        ),
        Dimension("month", gettext_lazy("month"), "month", month_of="reported_at"),
        Dimension("level", gettext_lazy("handling level"), "level", choices=Level),
        Dimension("source", gettext_lazy("source"), "source", choices=Source),
        Dimension("triage", gettext_lazy("triage"), "triage", choices=Triage),
        Dimension("kind", gettext_lazy("kind"), "kind", choices=Kind),
    ]
}

MEDIATION_DIMENSIONS = {
    d.name: d
    for d in [
        _fk("street", gettext_lazy("street"), "street", Street),
        _fk("community", gettext_lazy("community or village"), "community", Community),
        _fk(
            "room",
            gettext_lazy("room"),
            "room",
            MediationRoom,
            order="name",
            empty_label=gettext_lazy("no room"),
        ),
        _fk("mediator", gettext_lazy("lead mediator"), "lead_mediator", Mediator, order="name"),
        Dimension("level", gettext_lazy("mediation level"), "level", choices=MediationLevel),
        Dimension("dispute_type", gettext_lazy("dispute type"), "dispute_type", choices=DisputeType),
        Dimension("month", gettext_lazy("month"), "month", month_of="registered_at"),
    ]
}


@dataclass(frozen=True)
class ReportFilters:
    """The checked filters of a report: a local-date period and territory or catalogue ids."""

    date_from: date | None = None
    date_to: date | None = None
    street: int | None = None
    community: int | None = None
    grid: int | None = None
    category: int | None = None
    kind: str | None = None


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _period(queryset, field: str, filters: ReportFilters):
    """Both ends inclusive, in the local time zone: `to` counts up to its last second."""
    if filters.date_from:
        queryset = queryset.filter(**{f"{field}__gte": _local_midnight(filters.date_from)})
    if filters.date_to:
        queryset = queryset.filter(**{f"{field}__lt": _local_midnight(filters.date_to + timedelta(days=1))})
    return queryset


# --- which territory filters a caller may use ----------------------------------------------


def _visible(model, scope: Scope):
    """The streets, communities or grids the caller may filter by.

    A mediator has no territory of their own in the scope rules; their street bounds the
    filters they may use (what is counted is still limited to the mediations they see).
    """
    if scope.level == MEDIATION:
        path = {Street: "pk", Community: "street_id", Grid: "community__street_id"}[model]
        return model.objects.filter(**{path: scope.street_id})
    return model.objects.visible_to(scope)


def check_filters(scope: Scope, filters: ReportFilters) -> None:
    """A filter naming a territory outside the caller's scope, or no such row, is a 404.

    One existence query per territory filter given, so the number of queries stays fixed.
    (The category, the same for everyone, was checked with the parameters.)
    """
    for param, model in (("street", Street), ("community", Community), ("grid", Grid)):
        pk = getattr(filters, param)
        if pk is not None and not _visible(model, scope).filter(pk=pk).exists():
            raise ObjectNotFound()


# --- running a grouped report --------------------------------------------------------------


def _aggregates(metric_list: list[m.Metric], hours_to_close=None, *, counted: str = "pk") -> dict:
    """The grouped query's aggregates: one per count, plus what the hour figures need.

    `counted` is a column that is never null, counted for each row.
    """
    out = {}
    for metric in metric_list:
        if isinstance(metric, m.Count):
            out[metric.name] = models.Count(counted, filter=metric.condition)
        elif isinstance(metric, m.Hours) and metric.statistic == "mean":
            out[m.HOURS_SUM] = Sum(hours_to_close, filter=m.CASE_CLOSED)
        elif isinstance(metric, m.Hours):
            out[metric.name] = Median(hours_to_close, filter=m.CASE_CLOSED)
    return out


def _grouped(queryset, dimension: Dimension, aggregates: dict) -> list[dict]:
    if dimension.month_of:
        queryset = queryset.annotate(month=TruncMonth(dimension.month_of)).values("month")
    else:
        queryset = queryset.values(dimension.field)
    column = "month" if dimension.month_of else dimension.field
    return list(queryset.annotate(**aggregates).order_by(column))


def _keyed(dimension: Dimension, rows: list[dict]) -> list[tuple[dict, dict]]:
    """Each row with its `key` ({id, name}), in the order the report lists groups."""
    if dimension.month_of:
        keyed = []
        for row in rows:
            month = row["month"]
            if isinstance(month, datetime) and timezone.is_aware(month):
                month = timezone.localtime(month)
            keyed.append(({"id": f"{month:%Y-%m}", "name": f"{month:%Y-%m}"}, row))
        return keyed
    if dimension.choices:
        labels = dict(dimension.choices.choices)
        position = {value: i for i, value in enumerate(dimension.choices.values)}
        rows = sorted(rows, key=lambda row: position.get(row[dimension.field], len(position)))
        return [
            (
                {
                    "id": row[dimension.field],
                    "name": str(labels.get(row[dimension.field], row[dimension.field])),
                },
                row,
            )
            for row in rows
        ]
    ids = [row[dimension.field] for row in rows if row[dimension.field] is not None]
    related = {
        pk: (name, order)
        for pk, name, order in dimension.model._base_manager.filter(pk__in=ids).values_list(
            "pk", "name", dimension.order
        )
    }
    keyed = []
    for row in rows:
        pk = row[dimension.field]
        name, order = related.get(pk, (str(dimension.empty_label or ""), None))
        keyed.append(({"id": pk, "name": name}, row, (pk is None, order or "", pk or 0)))
    keyed.sort(key=lambda item: item[2])
    return [(key, row) for key, row, _order in keyed]


def _report(queryset, dimension, metric_list, aggregates, *, overall=None) -> dict:
    """Rows from one grouped query; totals summed from them, plus `overall` figures."""
    grouped = _grouped(queryset, dimension, aggregates)
    additive = [name for name, aggregate in aggregates.items() if not isinstance(aggregate, Median)]
    return _finished(dimension, metric_list, grouped, overall() if overall else {}, additive)


def _finished(dimension, metric_list, grouped: list[dict], overall: dict, additive: list[str]) -> dict:
    rows = [{"key": key, **m.finish(row, metric_list)} for key, row in _keyed(dimension, grouped)]
    sums = {name: sum(row[name] or 0 for row in grouped) for name in additive}
    totals = m.finish({**sums, **overall}, metric_list)
    return {"rows": rows, "totals": totals}


def resolution_report(
    *, scope: Scope, group_by: str, filters: ReportFilters, now: datetime | None = None
) -> dict:
    """Closure, on-time and rework figures of the cases reported in the period, by group.

    `filters` must have been checked with `check_filters` (territory ids in scope).
    """
    dimension = RESOLUTION_DIMENSIONS[group_by]
    now = now or timezone.now()
    metric_list = m.resolution_metrics(now)
    cases = _period(Case.objects.visible_to(scope), "reported_at", filters)
    for name in ("street", "community", "grid", "category", "kind"):
        value = getattr(filters, name)
        if value is not None:
            cases = cases.filter(**{name: value})
    grain = rollup.grain_for(scope, group_by, filters)
    if grain is not None:
        # Time in proportion to groups × days, not to cases; medians within `rollup`'s bins.
        grouped = rollup.grouped_rows(grain, dimension, scope, filters, cases, now)
        overall = {"median_hours_to_close": rollup.overall_median(grouped)}
        return _finished(dimension, metric_list, grouped, overall, rollup.ADDITIVE)
    hours_to_close = HoursBetween("reported_at", "closed_at")
    # COUNT(reported_at), never null, rather than COUNT(id): the covering index the report
    # reads (`case_report_idx`) holds no id, and PostgreSQL then reads the index alone.
    aggregates = _aggregates(metric_list, hours_to_close, counted="reported_at")

    def overall() -> dict:
        # A median of the medians is not the median: one narrow query over the closed cases.
        return cases.filter(m.CASE_CLOSED).aggregate(median_hours_to_close=Median(hours_to_close))

    return _report(cases, dimension, metric_list, aggregates, overall=overall)


def mediation_report(*, scope: Scope, group_by: str, filters: ReportFilters) -> dict:
    """Mediation figures of the disputes registered in the period, by group."""
    dimension = MEDIATION_DIMENSIONS[group_by]
    metric_list = m.mediation_metrics()
    if mediation_rollup.serves(scope, group_by, filters):
        grouped = mediation_rollup.grouped_rows(dimension, scope, filters)
        return _finished(dimension, metric_list, grouped, {}, list(mediation_rollup.COUNTS))
    mediations = _period(MediationCase.objects.visible_to(scope), "registered_at", filters)
    mediations = mediations.with_latest_performance()
    for name, path in (("street", "street"), ("community", "community"), ("grid", "case__grid")):
        value = getattr(filters, name)
        if value is not None:
            mediations = mediations.filter(**{path: value})
    return _report(mediations, dimension, metric_list, _aggregates(metric_list))


def territory_name(scope: Scope, filters: ReportFilters) -> str:
    """The name of what a report covers, for its file and title: the territory filtered by (the
    narrowest), else the caller's own territory. One query at most."""
    for model, pk in ((Grid, filters.grid), (Community, filters.community), (Street, filters.street)):
        if pk is not None:
            return model.objects.filter(pk=pk).values_list("name", flat=True).first() or ""
    if scope.community_id:
        return Community.objects.filter(pk=scope.community_id).values_list("name", flat=True).first() or ""
    if scope.street_id:
        return Street.objects.filter(pk=scope.street_id).values_list("name", flat=True).first() or ""
    if scope.district_code:
        name = Street.objects.filter(district_code=scope.district_code).values_list(
            "district_name", flat=True
        )
        return name.first() or scope.district_code
    return str(gettext_lazy("all territories"))
