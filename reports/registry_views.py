"""Base-data and visit reports: the role, the parameters, one selector, JSON."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import RoleNotAllowed
from core.access import ACCESS
from grids.scope import scope_for
from reports import registry


def _answer(name: str):
    row = inline_serializer(f"{name}Row", {"key": serializers.DictField()})
    return inline_serializer(
        name,
        {
            "group_by": serializers.CharField(),
            "filters": serializers.DictField(),
            "rows": serializers.ListField(child=row),
            "totals": serializers.DictField(),
        },
    )


class _RegistryReport(APIView):
    permission_classes = [IsAuthenticated]
    slug = ""
    params_class = registry.BaseDataParams

    def params(self, request):
        scope = scope_for(request.user)
        if not ACCESS.role_may("reports", self.slug, scope.role):
            raise RoleNotAllowed(_("Your role may not read this report."))
        params = self.params_class(data=request.query_params)
        params.is_valid(raise_exception=True)
        registry.check_territory(scope, params.territory())
        return scope, params


class BaseDataReportView(_RegistryReport):
    """Buildings, houses, residents, organisations, facilities and key persons counted per territory."""

    slug = "base_data"
    params_class = registry.BaseDataParams

    @extend_schema(
        summary=gettext_lazy("Base data counted per street, community or grid"),
        parameters=[registry.BaseDataParams],
        responses=_answer("BaseDataReport"),
    )
    def get(self, request):
        scope, params = self.params(request)
        group_by = params.validated_data["group_by"]
        report = registry.base_data_report(scope=scope, group_by=group_by, territory=params.territory())
        return Response({"group_by": group_by, "filters": params.territory(), **report})


class VisitReportView(_RegistryReport):
    """Key-person visit completion (走访完成率) per grid or per worker, with its counts."""

    slug = "visits"
    params_class = registry.VisitParams

    @extend_schema(
        summary=gettext_lazy("Key-person visit completion per grid or worker"),
        parameters=[registry.VisitParams],
        responses=_answer("VisitReport"),
    )
    def get(self, request):
        scope, params = self.params(request)
        data = params.validated_data
        report = registry.visit_report(
            scope=scope,
            group_by=data["group_by"],
            territory=params.territory(),
            date_from=data.get("from"),
            date_to=data.get("to"),
        )
        return Response({"group_by": data["group_by"], "filters": params.territory(), **report})
