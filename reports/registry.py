"""Reports on base data: how much is recorded per territory, and whether key persons are visited.

`base_data_report` counts buildings, houses, present residents, organisations, facilities and
active key persons per street, community or grid (one grouped query per kind, and one for the
names). Key persons are counted, never shown: the figure is all the report's readers learn.

`visit_report` gives the visit completion rate (走访完成率): visits done by their due day over
visits due, per grid or per worker, as every rate is given, with its numerator and denominator
(`reports.metrics.rate`). A visit is due on a key person's next-visit day. It counts as due in
the period that holds that day once it is done (on time or late) or once the day is past
without a visit (overdue now, still open); a day still ahead without a visit is not yet due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.errors import ObjectNotFound
from grids.models import Community, Grid, GridWorker, Street
from grids.scope import Scope
from registry.models import Building, Facility, House, KeyPerson, Organisation, Resident, Visit
from registry.querysets import today
from reports import metrics as m

TERRITORY_LEVELS = {"street": Street, "community": Community, "grid": Grid}


@dataclass(frozen=True)
class Counted:
    name: str
    label: object
    queryset: object  # a callable of the scope
    grid_path: str


def _counted() -> list[Counted]:
    return [
        Counted("buildings", _("buildings"), lambda s: Building.objects.visible_to(s), "grid"),
        Counted("houses", _("houses"), lambda s: House.objects.visible_to(s), "building__grid"),
        Counted("residents", _("residents"), lambda s: Resident.objects.visible_to(s).present(), "grid"),
        Counted("organisations", _("organisations"), lambda s: Organisation.objects.visible_to(s), "grid"),
        Counted("facilities", _("city facilities"), lambda s: Facility.objects.visible_to(s), "grid"),
        Counted(
            "key_persons", _("key persons"), lambda s: KeyPerson.objects.countable_by(s).active(), "grid"
        ),
    ]


BASE_DATA_FIGURES = [(c.name, c.label) for c in _counted()]


def _level_path(grid_path: str, level: str) -> str:
    return {"grid": f"{grid_path}_id", "community": f"{grid_path}__community_id"}.get(
        level, f"{grid_path}__community__street_id"
    )


def _territory_filter(grid_path: str, territory: dict) -> Q:
    paths = {
        "street": f"{grid_path}__community__street_id",
        "community": f"{grid_path}__community_id",
        "grid": f"{grid_path}_id",
    }
    return Q(**{paths[name]: pk for name, pk in territory.items() if pk is not None})


def check_territory(scope: Scope, territory: dict) -> None:
    """A territory filter outside the caller's scope is a 404, as on every report."""
    for name, pk in territory.items():
        if pk is not None and not TERRITORY_LEVELS[name].objects.visible_to(scope).filter(pk=pk).exists():
            raise ObjectNotFound()


def _names(level: str, ids) -> dict:
    model = TERRITORY_LEVELS[level]
    return {
        row["pk"]: (row["code"], row["name"])
        for row in model.objects.filter(pk__in=ids).values("pk", "code", "name")
    }


def base_data_report(*, scope: Scope, group_by: str, territory: dict) -> dict:
    counts: dict[int, dict] = {}
    for counted in _counted():
        key = _level_path(counted.grid_path, group_by)
        rows = (
            counted.queryset(scope)
            .filter(_territory_filter(counted.grid_path, territory))
            .values(key)
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            counts.setdefault(row[key], {})[counted.name] = row["n"]
    names = _names(group_by, counts)
    figures = [name for name, _label in BASE_DATA_FIGURES]
    rows = [
        {"key": {"id": pk, "name": names[pk][1]}, **{f: counts[pk].get(f, 0) for f in figures}}
        for pk in sorted(counts, key=lambda pk: names[pk][0])
    ]
    totals = {f: sum(row[f] for row in rows) for f in figures}
    return {"rows": rows, "totals": totals}


# --- visits ------------------------------------------------------------------------------------


def visit_metrics() -> list[m.Metric]:
    return [
        m.Count("visits_due", _("visits due")),
        m.Count("done_on_time", _("visits done by their due day")),
        m.Rate("completion_rate", _("visit completion rate"), "done_on_time", "visits_due"),
        m.Count("done_late", _("visits done late")),
        m.Count("overdue", _("visits overdue now")),
    ]


def _in_period(field: str, date_from: date | None, date_to: date | None) -> Q:
    q = Q()
    if date_from:
        q &= Q(**{f"{field}__gte": date_from})
    if date_to:
        q &= Q(**{f"{field}__lte": date_to})
    return q


def visit_report(
    *,
    scope: Scope,
    group_by: str,
    territory: dict,
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict:
    """Two grouped queries (done visits, overdue key persons) and one for the names."""
    on = today()
    key_persons = KeyPerson.objects.countable_by(scope).filter(_territory_filter("grid", territory))
    visit_key = "worker_id" if group_by == "worker" else _level_path("key_person__grid", group_by)
    done = (
        Visit.objects.filter(key_person__in=key_persons.values("pk"))
        .filter(_in_period("due_on", date_from, date_to))
        .values(visit_key)
        .annotate(
            done=Count("pk"),
            on_time=Count("pk", filter=Q(visited_on__lte=F("due_on"))),
        )
        .order_by()
    )
    open_key = "responsible_worker_id" if group_by == "worker" else _level_path("grid", group_by)
    missed = (
        key_persons.overdue(on)
        .filter(_in_period("next_visit_due", date_from, date_to))
        .values(open_key)
        .annotate(n=Count("pk"))
        .order_by()
    )
    groups: dict[int, dict] = {}
    for row in done:
        groups.setdefault(row[visit_key], {"done": 0, "on_time": 0, "overdue": 0}).update(
            done=row["done"], on_time=row["on_time"]
        )
    for row in missed:
        groups.setdefault(row[open_key], {"done": 0, "on_time": 0, "overdue": 0})["overdue"] = row["n"]
    names = _worker_names(groups) if group_by == "worker" else _names(group_by, groups)
    metric_list = visit_metrics()
    rows = [
        {"key": {"id": pk, "name": names[pk][1]}, **m.finish(_values(groups[pk]), metric_list)}
        for pk in sorted(groups, key=lambda pk: names[pk][0])
    ]
    total = {k: sum(g[k] for g in groups.values()) for k in ("done", "on_time", "overdue")}
    return {"rows": rows, "totals": m.finish(_values(total), metric_list)}


def _values(group: dict) -> dict:
    return {
        "visits_due": group["done"] + group["overdue"],
        "done_on_time": group["on_time"],
        "done_late": group["done"] - group["on_time"],
        "overdue": group["overdue"],
    }


def _worker_names(ids) -> dict:
    return {pk: (name, name) for pk, name in GridWorker.objects.filter(pk__in=ids).values_list("pk", "name")}


# --- parameters --------------------------------------------------------------------------------


class _Params(serializers.Serializer):
    levels: tuple = ()
    group_by = serializers.ChoiceField(choices=[], default="grid")
    street = serializers.IntegerField(min_value=1, required=False)
    community = serializers.IntegerField(min_value=1, required=False)
    grid = serializers.IntegerField(min_value=1, required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["group_by"].choices = list(self.levels)
        return fields

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            message = _("Unknown parameter. Allowed: %(allowed)s.") % {
                "allowed": ", ".join(sorted(self.fields))
            }
            raise serializers.ValidationError({name: [message] for name in unknown})
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": [_("The period ends before it starts.")]})
        return attrs

    def territory(self) -> dict:
        return {name: self.validated_data.get(name) for name in ("street", "community", "grid")}


class BaseDataParams(_Params):
    levels = ("street", "community", "grid")


class VisitParams(_Params):
    levels = ("grid", "community", "street", "worker")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        fields["to"] = serializers.DateField(required=False)
        return fields
