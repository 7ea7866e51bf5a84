from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.api import IF_MATCH_PATTERN, etag_for, expected_version
from grids.reveal import RevealMixin
from grids.scope import Scope, scope_for
from grids.viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin
from mediation import serializers as s
from mediation import services, workflow
from mediation.filters import MediationFilter, MediatorFilter, PartyFilter, RoomFilter
from mediation.models import MediationCase, MediationEvent, MediationRoom, Mediator, Party
from mediation.querysets import sees_mediation_details

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    pattern=IF_MATCH_PATTERN,
    description=gettext_lazy("The ETag read from the mediation."),
)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("List mediation rooms")),
    retrieve=extend_schema(summary=gettext_lazy("Read a mediation room")),
)
class RoomViewSet(ScopedReadOnlyViewSet):
    """Mediation rooms of the caller's street; edited in the admin."""

    queryset = MediationRoom.objects.all()
    serializer_class = s.RoomSerializer
    filterset_class = RoomFilter
    search_fields = ["name"]
    ordering_fields = ["name", "level", "id"]


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("List mediators")),
    retrieve=extend_schema(summary=gettext_lazy("Read a mediator")),
)
class MediatorViewSet(ScopedReadOnlyViewSet):
    """People's mediators of the caller's street; edited in the admin."""

    queryset = Mediator.objects.all()
    serializer_class = s.MediatorSerializer
    filterset_class = MediatorFilter
    search_fields = ["name"]
    ordering_fields = ["name", "kind", "certified_on", "id"]


def _action_schema(summary, request):
    return extend_schema(
        summary=summary, request=request, responses=s.MediationDetailSerializer, parameters=[IF_MATCH]
    )


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("List mediation cases")),
    retrieve=extend_schema(summary=gettext_lazy("Read a mediation case with its parties and history")),
    create=extend_schema(
        summary=gettext_lazy("Register a dispute case for mediation"),
        request=s.RegisterInput,
        responses={201: s.MediationDetailSerializer},
    ),
)
class MediationCaseViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Mediations the caller sees, and the actions that move them (one transition table)."""

    queryset = MediationCase.objects.for_list()
    permission_classes = [IsAuthenticated]
    filterset_class = MediationFilter
    search_fields = ["case__number", "summary"]
    ordering_fields = ["registered_at", "concluded_at", "status", "level", "id"]
    http_method_names = ["get", "post", "head", "options"]
    versioned = True
    action_conflicts = True

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            queryset = queryset.select_related("agreement__confirmation").prefetch_related(
                "assisting_mediators",
                "parties",
                "sessions",
                "follow_ups",
                Prefetch("events", queryset=MediationEvent.objects.all()),
            )
        return queryset

    def get_serializer_class(self):
        if not sees_mediation_details(self.scope):
            return s.MediationSummarySerializer
        return s.MediationListSerializer if self.action == "list" else s.MediationDetailSerializer

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object(), refetch=False)

    def _detail(self, mediation, status_code=status.HTTP_200_OK, *, refetch=True) -> Response:
        """The mediation as the caller now sees it; after a write, read again with its relations."""
        if refetch:
            mediation = self.get_queryset().get(pk=mediation.pk)
        serializer = s.MediationDetailSerializer
        if not sees_mediation_details(self.scope):
            serializer = s.MediationSummarySerializer
        body = serializer(mediation, context=self.get_serializer_context()).data
        response = Response(body, status_code)
        response["ETag"] = etag_for(mediation.version)
        return response

    def create(self, request, *args, **kwargs):
        services.check_may_register(request.user)
        data = s.RegisterInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        mediation = services.mediation_register(actor=request.user, **data.validated_data)
        return self._detail(mediation, status.HTTP_201_CREATED)

    def _act(self, action_name: str) -> Response:
        mediation = self.get_object()
        version = expected_version(self.request)
        # Scope (404), role (403), version (412) and move (409) before the body (400): an action
        # not allowed now is refused as such, whatever was sent.
        services.mediation_check_action(
            mediation=mediation, action=action_name, actor=self.request.user, expected_version=version
        )
        data = s.ACTION_INPUTS[action_name](data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.SERVICES[action_name](
            mediation_id=mediation.pk,
            actor=self.request.user,
            expected_version=version,
            **data.validated_data,
        )
        return self._detail(mediation)

    @_action_schema(gettext_lazy("Start mediating"), s.NoteInput)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._act("start")

    @_action_schema(gettext_lazy("Record a mediation session"), s.SessionInput)
    @action(detail=True, methods=["post"])
    def session(self, request, pk=None):
        return self._act("session")

    @_action_schema(gettext_lazy("Record the agreement (调解成功)"), s.AgreeInput)
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        return self._act("agree")

    @_action_schema(gettext_lazy("Record that mediation failed (调解不成)"), s.ReasonInput)
    @action(detail=True, methods=["post"])
    def fail(self, request, pk=None):
        return self._act("fail")

    @_action_schema(gettext_lazy("Record a withdrawal"), s.ReasonInput)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act("withdraw")

    @_action_schema(gettext_lazy("Escalate to the next mediation level"), s.EscalateInput)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._act("escalate")

    @_action_schema(gettext_lazy("Refer the dispute elsewhere"), s.ReferInput)
    @action(detail=True, methods=["post"])
    def refer(self, request, pk=None):
        return self._act("refer")

    @_action_schema(gettext_lazy("Record the judicial confirmation (司法确认)"), s.ConfirmInput)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._act("confirm")

    @_action_schema(gettext_lazy("Record a follow-up visit (回访)"), s.FollowUpInput)
    @action(detail=True, methods=["post"], url_path="follow-up", url_name="follow-up")
    def follow_up(self, request, pk=None):
        return self._act("follow-up")


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("List parties (masked)")),
    retrieve=extend_schema(summary=gettext_lazy("Read a party (masked)")),
)
class PartyViewSet(RevealMixin, viewsets.ReadOnlyModelViewSet):
    """Parties to the mediations the caller sees, always masked; `reveal/` shows one field."""

    serializer_class = s.PartySerializer
    permission_classes = [IsAuthenticated]
    filterset_class = PartyFilter
    ordering_fields = ["id"]
    reveal_fields = ("name", "phone", "id_number")

    def get_queryset(self):
        scope = scope_for(self.request.user)
        if not sees_mediation_details(scope):
            return Party.objects.none()
        mediations = MediationCase.objects.visible_to(scope)
        return (
            Party.objects.filter(mediation__in=mediations.values("pk"))
            .select_related("mediation")
            .prefetch_related("mediation__assisting_mediators")
        )

    def may_reveal(self, scope: Scope, party) -> bool:
        """Whoever may act on the mediation: the centre, community staff on grid- and
        community-level mediations, and the mediators of this very case."""
        return workflow.may_reveal(scope, party.mediation)
