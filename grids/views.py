from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.schema import ERRORS
from core.access import Role
from grids import filters
from grids import serializers as grid_serializers
from grids.models import CoGovernanceMember, Community, Grid, GridWorker, MicroGrid, Street
from grids.permissions import TerritoryEditorOrReadOnly, reads_worker_phones
from grids.reveal import RevealMixin
from grids.scope import check_has_territory, scope_for
from grids.selectors import boundaries_geojson, point_locate
from grids.services import (
    grid_worker_create,
    grid_worker_delete,
    grid_worker_update,
    territory_create,
    territory_delete,
    territory_update,
)
from grids.viewsets import ScopedModelViewSet


class TerritoryViewSet(ScopedModelViewSet):
    """List and read what the caller's scope shows; street admins and superusers write."""

    permission_classes = [IsAuthenticated, TerritoryEditorOrReadOnly]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "id"]
    # A code or a parent that rows below still depend on cannot change, nor can such a row go.
    action_conflicts = True

    def perform_create(self, serializer):
        serializer.instance = territory_create(
            scope=self.scope, model=self.queryset.model, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = territory_update(
            scope=self.scope, obj=serializer.instance, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        territory_delete(scope=self.scope, obj=instance)


@extend_schema_view(
    list=extend_schema(summary=_("List streets")),
    retrieve=extend_schema(summary=_("Read a street")),
    create=extend_schema(summary=_("Create a street (superusers)")),
    partial_update=extend_schema(summary=_("Change a street")),
    destroy=extend_schema(summary=_("Delete a street without communities")),
)
class StreetViewSet(TerritoryViewSet):
    queryset = Street.objects.all()
    serializer_class = grid_serializers.StreetSerializer
    filterset_class = filters.StreetFilter
    search_fields = ["code", "name", "district_name"]


@extend_schema_view(
    list=extend_schema(summary=_("List communities and villages")),
    retrieve=extend_schema(summary=_("Read a community or village")),
    create=extend_schema(summary=_("Create a community or village")),
    partial_update=extend_schema(summary=_("Change a community or village")),
    destroy=extend_schema(summary=_("Delete a community without grids")),
)
class CommunityViewSet(TerritoryViewSet):
    queryset = Community.objects.all()
    serializer_class = grid_serializers.CommunitySerializer
    filterset_class = filters.CommunityFilter
    ordering_fields = ["code", "name", "id", "population"]


@extend_schema_view(
    list=extend_schema(summary=_("List grids")),
    retrieve=extend_schema(summary=_("Read a grid")),
    create=extend_schema(summary=_("Create a grid")),
    partial_update=extend_schema(summary=_("Change a grid")),
    destroy=extend_schema(summary=_("Delete a grid without micro-grids, workers, members or cases")),
)
class GridViewSet(TerritoryViewSet):
    queryset = Grid.objects.select_related("community")
    serializer_class = grid_serializers.GridSerializer
    filterset_class = filters.GridFilter
    search_fields = ["code", "name", "party_branch"]
    ordering_fields = ["code", "name", "id", "residents", "households"]


@extend_schema_view(
    list=extend_schema(summary=_("List micro-grids")),
    retrieve=extend_schema(summary=_("Read a micro-grid")),
    create=extend_schema(summary=_("Create a micro-grid")),
    partial_update=extend_schema(summary=_("Change a micro-grid")),
    destroy=extend_schema(summary=_("Delete a micro-grid")),
)
class MicroGridViewSet(RevealMixin, TerritoryViewSet):
    queryset = MicroGrid.objects.select_related("grid__community")
    serializer_class = grid_serializers.MicroGridSerializer
    filterset_class = filters.MicroGridFilter
    reveal_fields = ("leader_name", "leader_phone")


@extend_schema_view(
    list=extend_schema(summary=_("List co-governance members and volunteers")),
    retrieve=extend_schema(summary=_("Read a co-governance member")),
    create=extend_schema(summary=_("Add a co-governance member")),
    partial_update=extend_schema(summary=_("Change a co-governance member")),
    destroy=extend_schema(summary=_("Remove a co-governance member")),
)
class CoGovernanceMemberViewSet(RevealMixin, TerritoryViewSet):
    queryset = CoGovernanceMember.objects.select_related("community")
    serializer_class = grid_serializers.CoGovernanceMemberSerializer
    filterset_class = filters.CoGovernanceMemberFilter
    # Members are residents: lists are not searchable by their name or phone.
    search_fields = ["community__name", "grid__name", "grid__code"]
    ordering_fields = ["id", "role", "joined_on"]
    reveal_fields = ("name", "phone")


@extend_schema_view(
    list=extend_schema(summary=_("List grid workers")),
    retrieve=extend_schema(summary=_("Read a grid worker")),
    create=extend_schema(summary=_("Open a grid worker's account")),
    partial_update=extend_schema(summary=_("Change a grid worker")),
    destroy=extend_schema(summary=_("Delete a grid worker with no assigned cases and close their login")),
)
class GridWorkerViewSet(RevealMixin, TerritoryViewSet):
    queryset = GridWorker.objects.select_related("user")
    filterset_class = filters.GridWorkerFilter
    ordering_fields = ["name", "id", "kind"]
    reveal_fields = ("phone",)
    reveal_grant = ("grids", "read_worker_phone")

    @property
    def search_fields(self):
        # A masked phone must not be found digit by digit through the search.
        if reads_worker_phones(self.scope):
            return ["name", "user__username", "phone"]
        return ["name", "user__username"]

    def get_queryset(self):
        # A worker may also cover grids the caller does not see: list only the visible ones.
        visible_grids = Grid.objects.visible_to(self.scope)
        return super().get_queryset().prefetch_related(Prefetch("grids", queryset=visible_grids))

    def get_serializer_class(self):
        if self.action == "create":
            return grid_serializers.GridWorkerCreateSerializer
        return grid_serializers.GridWorkerSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = grid_worker_create(
            scope=self.scope,
            username=data.pop("user")["username"],
            password=data.pop("password", None),
            **data,
        )
        serializer.instance = self._reread(serializer.instance)

    def perform_update(self, serializer):
        worker = grid_worker_update(
            scope=self.scope, worker=serializer.instance, data=dict(serializer.validated_data)
        )
        serializer.instance = self._reread(worker)

    def perform_destroy(self, instance):
        grid_worker_delete(scope=self.scope, worker=instance)

    def _reread(self, worker: GridWorker) -> GridWorker:
        """The saved worker as a read shows it: through the scoped grid prefetch."""
        return self.get_queryset().get(pk=worker.pk)


class MeView(APIView):
    """Who the caller is, their role and the territory they act in."""

    @extend_schema(summary=_("The caller, their role and scope"), responses=grid_serializers.MeSerializer)
    def get(self, request):
        user = request.user
        scope = scope_for(user)
        worker_id, worker_name = GridWorker.objects.filter(user_id=user.pk).values_list(
            "pk", "name"
        ).first() or (
            None,
            "",
        )
        data = {
            "id": user.pk,
            "username": user.get_username(),
            # A grid worker is known by the name the street registered (as `person_name` says).
            "name": worker_name or user.get_full_name() or user.get_username(),
            "role": scope.role,
            "role_display": _role_label(scope.role),
            "scope": scope.as_dict(),
            "grid_worker": worker_id,
        }
        return Response(grid_serializers.MeSerializer(data).data)


def _role_label(role: str) -> str:
    labels = dict(Role.choices)
    return str(labels.get(role, role))


# --- geography: where a point is, and the boundaries as GeoJSON ---------------------------------


class LocateView(APIView):
    """The street, community, grid and micro-grid holding a point, within the caller's territory."""

    @extend_schema(
        summary=_("Which street, community, grid and micro-grid hold a point"),
        parameters=[grid_serializers.LocateParams],
        responses={200: grid_serializers.LocationSerializer, 400: ERRORS["400"], 404: ERRORS["404"]},
    )
    def get(self, request):
        scope = scope_for(request.user)
        check_has_territory(scope)
        params = grid_serializers.LocateParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        location = point_locate(
            scope=scope,
            lng=params.validated_data["lng"],
            lat=params.validated_data["lat"],
            coord_system=params.validated_data["coord_system"],
        )
        return Response(grid_serializers.LocationSerializer(location).data)


GEO_LEVELS = {
    "streets": (Street, filters.StreetFilter),
    "communities": (Community, filters.CommunityFilter),
    "grids": (Grid, filters.GridFilter),
    "micro-grids": (MicroGrid, filters.MicroGridFilter),
}


class GeoView(APIView):
    """The boundaries of the caller's territory as a GeoJSON FeatureCollection, one level at a time.

    The list's filters apply (`/api/v1/geo/grids/?community=12`); nodes without a boundary are
    left out. Not paginated: a map draws them all.
    """

    level = "grids"

    @extend_schema(
        summary=_("Boundaries as GeoJSON"),
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT, 400: ERRORS["400"]},
    )
    def get(self, request):
        model, filterset_class = GEO_LEVELS[self.level]
        scope = scope_for(request.user)
        filterset = filterset_class(
            request.query_params, queryset=model.objects.visible_to(scope), request=request
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        unknown = sorted(set(request.query_params) - set(filterset.filters))
        if unknown:
            raise ValidationError({name: [_("Unknown filter.")] for name in unknown})
        return Response(boundaries_geojson(filterset.qs), content_type="application/geo+json")
