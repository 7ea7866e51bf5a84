"""Base-data endpoints: thin views over the services, scoped like the territory (404 outside it)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictOrderingFilter, error_response, etag_for, expected_version
from config.errors import RoleNotAllowed
from config.filters import FilterBackend
from core.access import ACCESS
from core.idempotency import HEADER, create_once
from core.idempotency import SCHEMA_PARAMETER as IDEMPOTENCY_SCHEMA
from grids.reveal import RevealMixin
from grids.scope import scope_for
from grids.viewsets import ScopedViewSetMixin
from registry import exports, filters, keypersons, selectors, services
from registry import serializers as s
from registry.models import (
    Building,
    Facility,
    FacilityType,
    House,
    KeyPerson,
    KeyPersonCategory,
    KeyPersonEvent,
    Organisation,
    Residence,
    Resident,
    ResidentTag,
    SafetyTag,
    Visit,
    VisitRule,
)


class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    """A catalogue, for a client's pickers; superusers edit it in the admin."""

    pagination_class = None
    filter_backends = [FilterBackend, StrictOrderingFilter]


def catalogue(model, serializer, **extra):
    return type(
        f"{model.__name__}ViewSet",
        (CatalogueViewSet,),
        {"queryset": model.objects.all(), "serializer_class": serializer, **extra},
    )


ResidentTagViewSet = catalogue(ResidentTag, s.ResidentTagSerializer, filterset_fields=["is_active"])
KeyPersonCategoryViewSet = catalogue(
    KeyPersonCategory, s.KeyPersonCategorySerializer, filterset_fields=["is_active"]
)
VisitRuleViewSet = catalogue(VisitRule, s.VisitRuleSerializer, filterset_fields=["category", "risk_level"])
SafetyTagViewSet = catalogue(SafetyTag, s.SafetyTagSerializer, filterset_fields=["is_active"])
FacilityTypeViewSet = catalogue(
    FacilityType, s.FacilityTypeSerializer, filterset_fields=["major", "is_active"]
)


class BaseDataViewSet(
    RevealMixin, ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """List, read, create (idempotent with `Idempotency-Key`) and correct one kind of base data."""

    permission_classes = [IsAuthenticated]
    filter_backends = [FilterBackend, StrictOrderingFilter]
    http_method_names = ["get", "post", "patch", "head", "options"]
    reveal_grant = ("registry", "reveal")
    input_class: type
    update_class: type
    create_service = None
    update_service = None
    id_argument = ""

    def get_serializer_class(self):
        return self.serializer_class

    def _answer(self, obj, status_code=status.HTTP_200_OK) -> tuple[int, dict]:
        obj = self.get_queryset().get(pk=obj.pk)
        detail = getattr(self, "detail_serializer_class", self.serializer_class)
        return status_code, detail(obj, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        services.check_may_collect(self.scope)
        key = request.headers.get(HEADER)
        replayed = False
        if key is None:
            status_code, body = self._create_one(request.data)
        else:
            status_code, body, replayed = create_once(
                actor=request.user, key=key, path=request.path, data=request.data, create_one=self._create_one
            )
        response = Response(body, status_code)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def _create_one(self, data) -> tuple[int, dict]:
        """Validate and create one record, and build its answer, in one transaction."""
        try:
            serializer = self.input_class(data=data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            with transaction.atomic():
                obj = self.create_record(serializer.validated_data)
                return self._answer(obj, status.HTTP_201_CREATED)
        except Exception as exc:
            answer = error_response(exc)
            if answer is None:
                raise
            return answer

    def create_record(self, data):
        return type(self).create_service(scope=self.scope, **data)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        serializer = self.update_class(data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        obj = type(self).update_service(
            scope=self.scope, **{self.id_argument: obj.pk}, data=dict(serializer.validated_data)
        )
        return Response(self._answer(obj)[1])


class BuildingViewSet(BaseDataViewSet):
    """Buildings (楼栋) of the caller's grids."""

    queryset = Building.objects.all()
    serializer_class = s.BuildingSerializer
    input_class = s.BuildingInput
    update_class = s.BuildingUpdate
    create_service = services.building_create
    update_service = services.building_update
    id_argument = "building_id"
    filterset_class = filters.BuildingFilter
    ordering_fields = ["code", "name", "floors", "id"]
    reveal_fields = ("leader_name", "leader_phone")


class HouseViewSet(BaseDataViewSet):
    """Houses (房屋) of the caller's buildings."""

    queryset = House.objects.select_related("building")
    serializer_class = s.HouseSerializer
    input_class = s.HouseInput
    update_class = s.HouseUpdate
    create_service = services.house_create
    update_service = services.house_update
    id_argument = "house_id"
    filterset_class = filters.HouseFilter
    ordering_fields = ["unit", "floor", "room", "id"]
    reveal_fields = ("landlord_name", "landlord_phone")


class ResidentViewSet(BaseDataViewSet):
    """Residents (人口): masked; found by exact ID number or phone, or by name in a house or building."""

    queryset = Resident.objects.select_related("house").prefetch_related("tags")
    serializer_class = s.ResidentSerializer
    detail_serializer_class = s.ResidentDetailSerializer
    input_class = s.ResidentInput
    update_class = s.ResidentUpdate
    update_service = services.resident_update
    id_argument = "resident_id"
    filterset_class = filters.ResidentFilter
    ordering_fields = ["name", "id"]
    reveal_fields = ("name", "id_number", "phone")

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("residences", queryset=Residence.objects.order_by("moved_in_on", "pk"))
            )
        return queryset

    def get_serializer_class(self):
        return s.ResidentDetailSerializer if self.action == "retrieve" else s.ResidentSerializer

    def create_record(self, data):
        return services.resident_create(scope=self.scope, actor=self.request.user, **data)

    @extend_schema(
        summary=gettext_lazy("The resident moves out (their record and history stay)"), request=s.MoveOutInput
    )
    @action(detail=True, methods=["post"], url_path="move-out")
    def move_out(self, request, pk=None):
        resident = self.get_object()
        data = s.MoveOutInput(data=request.data)
        data.is_valid(raise_exception=True)
        resident = services.resident_move_out(
            scope=self.scope, actor=request.user, resident_id=resident.pk, **data.validated_data
        )
        return Response(self._answer(resident)[1])

    @extend_schema(summary=gettext_lazy("The resident moves into a house"), request=s.MoveInInput)
    @action(detail=True, methods=["post"], url_path="move-in")
    def move_in(self, request, pk=None):
        resident = self.get_object()
        data = s.MoveInInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        resident = services.resident_move_in(
            scope=self.scope, actor=request.user, resident_id=resident.pk, **data.validated_data
        )
        return Response(self._answer(resident)[1])

    @extend_schema(
        summary=gettext_lazy("Export residents, masked (street administrators; audited)"),
        parameters=[OpenApiParameter("format", str, enum=["csv", "xlsx"])],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("CSV download (format=csv, the default)")
            ),
            (200, exports.CONTENT_TYPES["xlsx"]): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("Excel download (format=xlsx)")
            ),
        },
    )
    @action(detail=False, methods=["get"], content_negotiation_class=exports.FileFormatNegotiation)
    def export(self, request):
        if not ACCESS.role_may("registry", "export_residents", self.scope.role):
            raise RoleNotAllowed(_("Only street administrators export residents."))
        queryset = self.filter_queryset(self.get_queryset())
        return exports.residents_export(
            request=request, queryset=queryset, file_format=request.query_params.get("format") or "csv"
        )


class OrganisationViewSet(BaseDataViewSet):
    """Organisations (组织/单位): enterprises, shops, social and party organisations."""

    queryset = Organisation.objects.prefetch_related("safety_tags")
    serializer_class = s.OrganisationSerializer
    input_class = s.OrganisationInput
    update_class = s.OrganisationUpdate
    create_service = services.organisation_create
    update_service = services.organisation_update
    id_argument = "organisation_id"
    filterset_class = filters.OrganisationFilter
    ordering_fields = ["name", "id"]
    reveal_fields = ("contact_name", "contact_phone")


class FacilityViewSet(BaseDataViewSet):
    """City components (部件, GB/T 30428.2)."""

    queryset = Facility.objects.select_related("type")
    serializer_class = s.FacilitySerializer
    input_class = s.FacilityInput
    update_class = s.FacilityUpdate
    create_service = services.facility_create
    update_service = services.facility_update
    id_argument = "facility_id"
    filterset_class = filters.FacilityFilter
    ordering_fields = ["code", "id"]


class KeyPersonViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Key persons: the centre and each one's responsible worker only; the workflow's actions."""

    queryset = KeyPerson.objects.select_related("resident", "category", "responsible_worker")
    permission_classes = [IsAuthenticated]
    filter_backends = [FilterBackend, StrictOrderingFilter]
    filterset_class = filters.KeyPersonFilter
    ordering_fields = ["next_visit_due", "registered_on", "id"]
    http_method_names = ["get", "post", "head", "options"]
    # The actions honour If-Match (412) and the workflow's table (409): the schema says so.
    versioned = True
    action_conflicts = True

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("visits", queryset=Visit.objects.order_by("visited_on", "pk")),
                Prefetch("events", queryset=KeyPersonEvent.objects.order_by("at", "pk")),
            )
        return queryset

    def get_serializer_class(self):
        return s.KeyPersonDetailSerializer if self.action == "retrieve" else s.KeyPersonSerializer

    def _detail(self, key_person, status_code=status.HTTP_200_OK) -> Response:
        key_person = self.get_queryset().prefetch_related("visits", "events").get(pk=key_person.pk)
        response = Response(
            s.KeyPersonDetailSerializer(key_person, context=self.get_serializer_context()).data, status_code
        )
        response["ETag"] = etag_for(key_person.version)
        return response

    def retrieve(self, request, *args, **kwargs):
        key_person = self.get_object()
        response = Response(
            s.KeyPersonDetailSerializer(key_person, context=self.get_serializer_context()).data
        )
        response["ETag"] = etag_for(key_person.version)
        return response

    @extend_schema(
        summary=gettext_lazy("Register a key person (the centre)"),
        request=s.KeyPersonInput,
        responses={201: s.KeyPersonDetailSerializer},
        parameters=[IDEMPOTENCY_SCHEMA],
    )
    def create(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            status_code, body = self._create_one(request.data)
            return Response(body, status_code)
        status_code, body, replayed = create_once(
            actor=request.user, key=key, path=request.path, data=request.data, create_one=self._create_one
        )
        response = Response(body, status_code)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def _create_one(self, data) -> tuple[int, dict]:
        try:
            serializer = s.KeyPersonInput(data=data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            with transaction.atomic():
                key_person = keypersons.key_person_register(
                    scope=self.scope, actor=self.request.user, **serializer.validated_data
                )
                key_person = self.get_queryset().get(pk=key_person.pk)
                return 201, s.KeyPersonDetailSerializer(
                    key_person, context=self.get_serializer_context()
                ).data
        except Exception as exc:
            answer = error_response(exc)
            if answer is None:
                raise
            return answer

    def _act(self, action_name: str, input_class, service, status_code=status.HTTP_200_OK) -> Response:
        key_person = self.get_object()
        keypersons.key_person_check_action(
            scope=self.scope,
            key_person=key_person,
            action=action_name,
            expected_version=expected_version(self.request),
        )
        data = input_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        service(
            scope=self.scope,
            actor=self.request.user,
            key_person_id=key_person.pk,
            expected_version=expected_version(self.request),
            **data.validated_data,
        )
        return self._detail(key_person, status_code)

    @extend_schema(
        summary=gettext_lazy("Record a visit (走访)"),
        request=s.VisitInput,
        responses={201: s.KeyPersonDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def visit(self, request, pk=None):
        return self._act("visit", s.VisitInput, keypersons.key_person_visit, status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("Change the risk level (and so the visit frequency)"), request=s.ChangeRiskInput
    )
    @action(detail=True, methods=["post"], url_path="change-risk")
    def change_risk(self, request, pk=None):
        return self._act("change_risk", s.ChangeRiskInput, keypersons.key_person_change_risk)

    @extend_schema(summary=gettext_lazy("Hand the key person to another worker"), request=s.ReassignInput)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        return self._act("reassign", s.ReassignInput, keypersons.key_person_reassign)

    @extend_schema(summary=gettext_lazy("End the supervision"), request=s.KeyPersonReasonInput)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        return self._act("end", s.KeyPersonReasonInput, keypersons.key_person_end)

    @extend_schema(summary=gettext_lazy("Resume the supervision"), request=s.KeyPersonReasonInput)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._act("resume", s.KeyPersonReasonInput, keypersons.key_person_resume)


class VisitViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Visit records of the key persons the caller sees."""

    queryset = Visit.objects.all()
    serializer_class = s.VisitSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = [FilterBackend, StrictOrderingFilter]
    filterset_class = filters.VisitFilter
    ordering_fields = ["visited_on", "due_on", "id"]


class KeyPersonCountsView(APIView):
    """How many key persons, and how many overdue a visit, per grid: all that counting roles learn."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=gettext_lazy("Key persons counted per grid, community or street"),
        parameters=[filters.CountsParams],
        responses=inline_serializer(
            "KeyPersonCounts",
            {
                "rows": serializers.ListField(
                    child=inline_serializer(
                        "KeyPersonCountRow",
                        {
                            "key": serializers.DictField(),
                            "active": serializers.IntegerField(),
                            "overdue": serializers.IntegerField(),
                        },
                    )
                )
            },
        ),
    )
    def get(self, request):
        scope = scope_for(request.user)
        params = filters.CountsParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response({"rows": selectors.key_person_counts(scope, **params.validated_data)})
