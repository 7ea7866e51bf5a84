"""The reports' query parameters (validated, each error keyed by its parameter) and answer shapes."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from cases.models import Category, Kind
from config.filters import PeriodDayValidator
from config.serializers import StrictParams
from reports import metrics as m
from reports.rankings import PERIODS, RANKED_BY, RANKED_GROUPS
from reports.selectors import MEDIATION_DIMENSIONS, RESOLUTION_DIMENSIONS, ReportFilters

FORMATS = ["json", "csv", "xlsx"]


class ReportParams(StrictParams):
    """Period, territory, grouping and file format of a report."""

    dimensions: dict = {}

    group_by = serializers.ChoiceField(choices=[], default="street")
    format = serializers.ChoiceField(
        choices=FORMATS, default="json", help_text=_("json, or a csv or xlsx download of the same table.")
    )
    street = serializers.IntegerField(min_value=1, required=False)
    community = serializers.IntegerField(min_value=1, required=False)
    grid = serializers.IntegerField(min_value=1, required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["group_by"].choices = list(self.dimensions)
        # `from` is a Python keyword, so the two period fields are added by name.
        # Within FIRST_DAY and LAST_DAY: the selectors turn a day into a local time range,
        # which overflows at the ends of the calendar.
        fields["from"] = serializers.DateField(
            required=False,
            validators=[PeriodDayValidator()],
            help_text=_("First day of the period (ISO date, local time, inclusive)."),
        )
        fields["to"] = serializers.DateField(
            required=False,
            validators=[PeriodDayValidator()],
            help_text=_("Last day of the period (ISO date, local time, inclusive)."),
        )
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": [_("The period ends before it starts.")]})
        return attrs

    def echo(self) -> dict:
        """The filters as the answer repeats them: ids and ISO dates."""
        data = {k: v for k, v in self.validated_data.items() if k not in {"group_by", "format"}}
        if data.get("category") is not None:
            data["category"] = data["category"].pk
        return data

    def filters(self) -> ReportFilters:
        data = self.validated_data
        return ReportFilters(
            date_from=data.get("from"),
            date_to=data.get("to"),
            street=data.get("street"),
            community=data.get("community"),
            grid=data.get("grid"),
            category=data["category"].pk if data.get("category") else None,
            kind=data.get("kind"),
        )


class ResolutionParams(ReportParams):
    dimensions = RESOLUTION_DIMENSIONS

    # The catalogue is the same for everyone: an unknown category is bad input, not a
    # territory outside the caller's scope.
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.only("pk"), required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)


class MediationParams(ReportParams):
    dimensions = MEDIATION_DIMENSIONS


class RankingParams(StrictParams):
    """Which ranking: of grids or workers, over which period, by which figure, where."""

    of = serializers.ChoiceField(choices=list(RANKED_GROUPS.items()), default="grid")
    period = serializers.ChoiceField(choices=list(PERIODS.items()), default="month")
    date = serializers.DateField(
        required=False,
        validators=[PeriodDayValidator()],
        help_text=_("A day in the period (ISO date); today when absent."),
    )
    by = serializers.ChoiceField(choices=list(RANKED_BY.items()), default="closure_rate")
    street = serializers.IntegerField(min_value=1, required=False)
    community = serializers.IntegerField(min_value=1, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)

    def filters(self) -> ReportFilters:
        data = self.validated_data
        return ReportFilters(
            street=data.get("street"), community=data.get("community"), kind=data.get("kind")
        )


# --- answer shapes, for the OpenAPI schema ---------------------------------------------------

_RATE = inline_serializer(
    "Rate",
    {
        "value": serializers.FloatField(allow_null=True, help_text=_("numerator / denominator, 0 to 1")),
        "numerator": serializers.IntegerField(),
        "denominator": serializers.IntegerField(),
    },
)


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "nullable": True,
        "description": "A street's, community's, grid's, category's, room's or mediator's id (a number); "
        "a choice value or YYYY-MM (a string); null for the mediations held in no room.",
    }
)
class ReportKeyIdField(serializers.Field):
    """A group's id: a number, a string or null, as the grouping gives it."""


_KEY = inline_serializer(
    "ReportKey",
    {
        "id": ReportKeyIdField(allow_null=True, help_text=_("Row id, choice value or YYYY-MM.")),
        "name": serializers.CharField(),
    },
)


def _figures(metric_list) -> dict:
    fields = {}
    for metric in metric_list:
        if isinstance(metric, m.Rate):
            fields[metric.name] = _RATE
        elif isinstance(metric, m.Hours):
            fields[metric.name] = serializers.FloatField(allow_null=True, help_text=metric.label)
        else:
            fields[metric.name] = serializers.IntegerField(help_text=metric.label)
    return fields


def report_answer(name: str, metric_list) -> serializers.Serializer:
    figures = _figures(metric_list)
    return inline_serializer(
        name,
        {
            "group_by": serializers.CharField(),
            "filters": serializers.DictField(),
            "rows": inline_serializer(f"{name}Row", {"key": _KEY, **figures}, many=True),
            "totals": inline_serializer(f"{name}Totals", figures),
        },
    )


def ranking_answer() -> serializers.Serializer:
    return inline_serializer(
        "Ranking",
        {
            "of": serializers.CharField(),
            "by": serializers.CharField(),
            "period": inline_serializer(
                "RankingPeriod",
                {
                    "kind": serializers.CharField(),
                    "from": serializers.DateField(),
                    "to": serializers.DateField(),
                    "name": serializers.CharField(),
                },
            ),
            "rows": inline_serializer(
                "RankingRow",
                {
                    "rank": serializers.IntegerField(
                        allow_null=True, help_text=_("null: nothing to rank by")
                    ),
                    "key": _KEY,
                    "total": serializers.IntegerField(),
                    "accepted": serializers.IntegerField(),
                    "closed": serializers.IntegerField(),
                    "closure_rate": _RATE,
                    "on_time_rate": _RATE,
                    "satisfaction_rate": _RATE,
                },
                many=True,
            ),
        },
    )
