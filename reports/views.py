"""Report endpoints: check the role and the parameters, run one selector, answer JSON or a file."""

from __future__ import annotations

from contextlib import nullcontext

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from cases.models import Kind
from config.errors import RoleNotAllowed
from config.replica import replica_reads
from config.schema import ERRORS
from core.access import ACCESS
from grids.models import Community, Street
from grids.scope import scope_for
from grids.selectors import map_tiles
from reports import exports, rankings, selectors
from reports import metrics as m
from reports.serializers import (
    MediationParams,
    RankingParams,
    ReportParams,
    ResolutionParams,
    ranking_answer,
    report_answer,
)

EXPORT_LANGUAGE = "zh-hans"


class DownloadRenderer(BaseRenderer):
    """Stands for a download in content negotiation: the view builds the file itself.

    `?format=csv` is then answered to `Accept: text/csv` (or `*/*`) and refused with 406 to
    a client that accepts only JSON, as HTTP asks. Errors are never rendered with it.
    """

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CSVRenderer(DownloadRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(DownloadRenderer):
    media_type = exports.CONTENT_TYPES["xlsx"]
    format = "xlsx"


class ExportFormatNegotiation(DefaultContentNegotiation):
    """`?format=` picks the renderers `Accept` is matched against; an unknown format is left
    to the parameters' check (a 400 on `format`), not DRF's 404."""

    def filter_renderers(self, renderers, format):
        chosen = [renderer for renderer in renderers if renderer.format == format]
        return chosen or [renderer for renderer in renderers if not isinstance(renderer, DownloadRenderer)]


class ReportView(APIView):
    permission_classes = [IsAuthenticated]
    content_negotiation_class = ExportFormatNegotiation
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, CSVRenderer, XLSXRenderer]
    params_class: type[ReportParams]
    slug: str
    title = ""

    def metric_list(self) -> list[m.Metric]:
        raise NotImplementedError

    def run(self, scope, group_by: str, filters: selectors.ReportFilters) -> dict:
        raise NotImplementedError

    def get(self, request):
        file_format = None
        if "format" not in request.query_params and isinstance(request.accepted_renderer, DownloadRenderer):
            file_format = request.accepted_renderer.format  # `Accept: text/csv` alone asks for the CSV
        return self.answer(request.user, request.query_params, file_format=file_format)

    def check(self, user, query):
        """The caller's scope and the checked parameters (403, 400, 404 as the report answers).

        The report's background job (`reports.jobs`) checks a request with this too.
        """
        scope = scope_for(user)
        if not ACCESS.role_may("reports", self.slug, scope.role):
            raise RoleNotAllowed(_("Your role may not read this report."))
        params = self.params_class(data=query)
        params.is_valid(raise_exception=True)
        filters = params.filters()
        with replica_reads(user):
            selectors.check_filters(scope, filters)
        return scope, params, filters

    def answer(self, user, query, *, file_format: str | None = None):
        """The report as JSON, or its CSV or Excel file, for `user` and the query parameters."""
        scope, params, filters = self.check(user, query)
        group_by = params.validated_data["group_by"]
        file_format = file_format or params.validated_data["format"]
        exporting = file_format != "json"
        # Reports and exports are the heavy reads a replica is for (`config.replica`).
        with (
            replica_reads(user),
            translation.override(EXPORT_LANGUAGE) if exporting else nullcontext(),
        ):
            report = self.run(scope, group_by, filters)
            if exporting:
                return self._download(scope, report, group_by, file_format, filters)
        return Response({"group_by": group_by, "filters": params.echo(), **report})

    def finalize_response(self, request, response, *args, **kwargs):
        # An error asked for as a download (403, 400, 406) is still answered as JSON.
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(renderer, DownloadRenderer) and isinstance(response, Response):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def _download(self, scope, report, group_by, file_format, filters):
        dimension = self.params_class.dimensions[group_by]
        metric_list = self.metric_list()
        headers, body = exports.table(report, dimension, metric_list)
        naming = exports.Naming(
            report=str(self.title),
            territory=selectors.territory_name(scope, filters),
            group_by=str(dimension.label),
            date_from=filters.date_from,
            date_to=filters.date_to,
        )
        period = "_".join(str(day) for day in (filters.date_from, filters.date_to) if day)
        ascii_name = "-".join(part for part in (self.slug, group_by, period) if part)
        if file_format == "csv":
            return exports.csv_download(headers, body, naming, ascii_name, metric_list=metric_list)
        return exports.xlsx_download(
            headers, body, naming, ascii_name, title=str(self.title), metric_list=metric_list
        )


def _schema(summary, params_class, metric_list, name):
    return extend_schema(
        summary=summary,
        parameters=[params_class],
        responses={
            (200, "application/json"): report_answer(name, metric_list),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.BINARY, description=gettext_lazy("CSV download (format=csv)")
            ),
            (200, exports.CONTENT_TYPES["xlsx"]): OpenApiResponse(
                OpenApiTypes.BINARY, description=gettext_lazy("Excel download (format=xlsx)")
            ),
            400: ERRORS["400"],
            404: ERRORS["404"],
        },
    )


class ResolutionReportView(ReportView):
    """Received, accepted and closed cases with closure, on-time, rework and satisfaction rates."""

    params_class = ResolutionParams
    slug = "resolution"
    title = gettext_lazy("Resolution report")

    def metric_list(self):
        # Only the labels and the order are read from here; `now` does not matter.
        return m.resolution_metrics(now=None)

    def run(self, scope, group_by, filters):
        return selectors.resolution_report(scope=scope, group_by=group_by, filters=filters)

    @_schema(
        gettext_lazy("Case resolution figures by territory, category or month"),
        ResolutionParams,
        m.resolution_metrics(now=None),
        "ResolutionReport",
    )
    def get(self, request):
        return super().get(request)


class MediationReportView(ReportView):
    """Registered, concluded and agreed mediations, with success, confirmation and follow-up figures."""

    params_class = MediationParams
    slug = "mediation"
    title = gettext_lazy("Mediation report")

    def metric_list(self):
        return m.mediation_metrics()

    def run(self, scope, group_by, filters):
        return selectors.mediation_report(scope=scope, group_by=group_by, filters=filters)

    @_schema(
        gettext_lazy("Mediation figures by territory, room, mediator, type or month"),
        MediationParams,
        m.mediation_metrics(),
        "MediationReport",
    )
    def get(self, request):
        return super().get(request)


class RankingView(APIView):
    """Grids or grid workers ranked by one figure over a month, a quarter or a year."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=gettext_lazy("Rankings of grids or grid workers by month, quarter or year"),
        parameters=[RankingParams],
        responses={200: ranking_answer(), 400: ERRORS["400"], 404: ERRORS["404"]},
    )
    def get(self, request):
        scope = scope_for(request.user)
        if not ACCESS.role_may("reports", "resolution", scope.role):
            raise RoleNotAllowed(_("Your role may not read this report."))
        params = RankingParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data, filters = params.validated_data, params.filters()
        period = rankings.period_of(data["period"], data.get("date") or timezone.localdate())
        with replica_reads(request.user):
            selectors.check_filters(scope, filters)
            answer = rankings.ranking(
                scope=scope, of=data["of"], period=period, by=data["by"], filters=filters
            )
        return Response(answer)


# --- the staff dashboard -------------------------------------------------------------------------


class DashboardView(TemplateView):
    """The figures as a table and charts, drawn in the browser from the JSON API.

    Served through `admin.site.admin_view` (login and staff status required). The page
    itself counts nothing: its script asks the report endpoints, with the user's session,
    so the dashboard shows exactly what the API answers to that user.
    """

    template_name = "reports/dashboard.html"
    admin_site = None

    def get_context_data(self, **kwargs):
        scope = scope_for(self.request.user)
        query = self.request.GET
        texts = {
            "closure_rate": _("closure rate"),
            "on_time_rate": _("on-time closure rate"),
            "accepted": _("cases accepted"),
            "closed": _("cases closed"),
            "total": _("total cases"),
            "no_data": _("No cases in this period and territory."),
            "error": _("The report could not be loaded: %(detail)s"),
            "loading": _("Loading…"),
            "total_row": _("total"),
            "no_figure": _("no cases"),
            "other_categories": _("the other %(count)s categories"),
        }
        return {
            **super().get_context_data(**kwargs),
            **(self.admin_site.each_context(self.request) if self.admin_site else {}),
            "title": _("Resolution-rate dashboard"),
            "streets": Street.objects.visible_to(scope).order_by("code"),
            "communities": Community.objects.visible_to(scope).select_related("street").order_by("code"),
            "kinds": Kind.choices,
            # No period chosen counts the whole history, as the API does without `from`/`to`:
            # the figures the reports print are cumulative ones.
            "selected": {name: query.get(name, "") for name in ("street", "community", "kind", "from", "to")},
            "may_read": ACCESS.role_may("reports", "resolution", scope.role),
            "columns": _columns(m.resolution_metrics(now=None)),
            "mediation_columns": _columns(m.mediation_metrics()),
            "top_categories": 10,
            "map_figures": [(name, _label(name)) for name in MAP_FIGURES],
            "ranking_groups": list(rankings.RANKED_GROUPS.items()),
            "ranking_periods": list(rankings.PERIODS.items()),
            "ranking_figures": list(rankings.RANKED_BY.items()),
            "dashboard_config": {
                "resolutionUrl": reverse("v1:report-resolution"),
                "mediationUrl": reverse("v1:report-mediation"),
                "rankingsUrl": reverse("v1:report-rankings"),
                # The map: the grids' boundaries with the same territory filters as the tables.
                "gridsUrl": reverse("v1:geo-grids"),
                "mapFilters": ["street", "community"],
                "mapFigures": {name: type(_metric(name)).__name__.lower() for name in MAP_FIGURES},
                "tiles": map_tiles(),
                # The mediation report has no case kind or category to filter by.
                "mediationFilters": ["street", "community", "from", "to"],
                "texts": texts,
            },
        }


# The figures the dashboard's map can shade its grids by.
MAP_FIGURES = ["open_cases", "closure_rate", "on_time_rate"]


def _metric(name: str) -> m.Metric:
    return next(metric for metric in m.resolution_metrics(now=None) if metric.name == name)


def _label(name: str) -> str:
    return str(_metric(name).label)


def _columns(metric_list: list[m.Metric]) -> list[tuple[str, str, str]]:
    """(field, header, kind) of each figure, for the dashboard's tables."""
    return [(metric.name, str(metric.label), type(metric).__name__.lower()) for metric in metric_list]
