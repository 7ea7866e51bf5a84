import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.filters import SearchFilter
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import serializers as s
from cases import services
from cases.attachments import case_attach, case_create_with_files, check_request_size, files_kept_on_commit
from cases.filters import CaseFilter, CaseOrderingFilter
from cases.idempotency import HEADER
from cases.models import Case, CaseAttachment, CaseEvent, Category
from cases.selectors import cases_nearby, my_work, possible_duplicates
from cases.sync import case_create_once, cases_sync
from config.api import IF_MATCH_PATTERN, error_response, etag_for, expected_version
from config.errors import StaleVersion
from config.filters import FilterBackend
from config.parsers import BatchJSONParser, FormParser, JSONParser, MultiPartParser
from core.idempotency import SCHEMA_PARAMETER as IDEMPOTENCY_SCHEMA
from grids.geo.coords import to_wgs84
from grids.reveal import RevealMixin
from grids.scope import scope_for
from grids.viewsets import ScopedViewSetMixin

logger = logging.getLogger(__name__)

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    pattern=IF_MATCH_PATTERN,
    description=gettext_lazy("The ETag read from the case."),
)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("List the event catalogue")),
    retrieve=extend_schema(summary=gettext_lazy("Read a category")),
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The two-level event catalogue, for the pickers of a client. Edited in the admin."""

    queryset = Category.objects.select_related("major")
    serializer_class = s.CategorySerializer
    filterset_fields = ["major", "default_triage", "default_level", "is_active"]
    search_fields = ["code", "name", "major__name"]
    ordering_fields = ["code", "name", "time_limit_hours"]
    pagination_class = None


def _action_schema(summary, request=None):
    return extend_schema(
        summary=summary, request=request, responses=s.CaseDetailSerializer, parameters=[IF_MATCH]
    )


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("List cases"),
        description=gettext_lazy(
            "The cases the caller sees. Choice filters take several values, repeated or "
            "comma-separated (`status=assigned,in_progress`); `assignee_worker=me` and `reporter=me` "
            "name the caller; `open=true` keeps reported … resolved; `queue` is one of the centre's "
            "work queues. Each coded field has its label beside it (`status_label`)."
        ),
    ),
    retrieve=extend_schema(summary=gettext_lazy("Read a case with its history")),
    partial_update=extend_schema(
        summary=gettext_lazy("Correct a case's description"),
        request=s.CaseUpdateSerializer,
        responses=s.CaseDetailSerializer,
        parameters=[IF_MATCH],
    ),
)
class CaseViewSet(
    RevealMixin,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Cases in the caller's territory, and the actions that move them through the workflow."""

    queryset = Case.objects.all()
    permission_classes = [IsAuthenticated]
    filterset_class = CaseFilter
    filter_backends = [FilterBackend, SearchFilter, CaseOrderingFilter]
    search_fields = ["number", "title", "address"]
    ordering_fields = ["reported_at", "due_at", "closed_at", "number", "priority", "status", "id"]
    # `?cursor=`: phones scroll the newest first (served by the report-time indexes).
    cursor_ordering = ("-reported_at", "-id")
    http_method_names = ["get", "post", "patch", "head", "options"]
    versioned = True
    action_conflicts = True
    # The resident who reported or is concerned: the centre and the assigned worker may call them.
    reveal_fields = ("contact_name", "contact_phone")

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            return queryset.for_list()
        if self.action == "retrieve":
            return self._for_detail(queryset)
        # An action's early checks read the row and its assignee (a relation's grant): the
        # answer is read afterwards (`_detail`), once the action has changed the case.
        return queryset.select_related("assignee_worker")

    @staticmethod
    def _for_detail(queryset):
        """What the detail serializer reads, in a fixed number of queries: the category, the
        assignee (for `allowed_actions`), the base data and the four lists of the case."""
        return queryset.select_related(
            "category", "assignee_worker", "building", "house", "resident", "organisation", "facility__type"
        ).prefetch_related(
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor", "actor__grid_worker")),
            "attachments",
            "supervisions",
            Prefetch("duplicates", queryset=Case.objects.only("pk", "merged_into_id")),
        )

    reveal_grant = ("cases", "reveal")

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, StaleVersion):
            # The 412 names the current version as an ETag too, for a client that re-reads nothing.
            response["ETag"] = etag_for(exc.current_version)
        return response

    def get_serializer_class(self):
        # The browsable API builds its create and correction forms from these: the inputs.
        if self.action == "create":
            return s.CaseCreateSerializer
        if self.action == "partial_update":
            return s.CaseUpdateSerializer
        return s.CaseListSerializer if self.action == "list" else s.CaseDetailSerializer

    def max_body_bytes(self) -> int:
        """A create and an offline batch carry photos as base64 in JSON: a larger body."""
        if self.action in ("create", "sync"):
            return settings.CASE_BODY_MAX_BYTES
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def list(self, request, *args, **kwargs):
        # A page is read as rows (`.values()`), not model instances: the same answer, from
        # the same query, in a third of the time for a long page.
        queryset = s.CaseListSerializer.rows(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _detail(self, case, status_code=status.HTTP_200_OK, *, refetch=False) -> Response:
        if refetch:
            case = self._for_detail(Case.objects.visible_to(self.scope)).filter(pk=case.pk).first() or case
        response = Response(
            s.CaseDetailSerializer(case, context=self.get_serializer_context()).data, status_code
        )
        response["ETag"] = etag_for(case.version)
        return response

    # --- create, one at a time or in a batch ------------------------------------------------

    @extend_schema(
        summary=gettext_lazy("Report a case"),
        description=gettext_lazy(
            "`photos` carries up to 9 photos as base64, checked as an upload is: the case is created "
            "with all of them or not at all. With `Idempotency-Key` a retry replays the answer of a "
            "create that was carried out; a refused one stores nothing, so the corrected body may be "
            "sent with the same key."
        ),
        request=s.CaseCreateSerializer,
        responses={201: s.CaseDetailSerializer},
        parameters=[IDEMPOTENCY_SCHEMA],
    )
    def create(self, request, *args, **kwargs):
        services.check_may_report(request.user)
        key = request.headers.get(HEADER)
        replayed = False
        with files_kept_on_commit():
            if key is None:
                status_code, body = self._create_one(request.data)
            else:
                status_code, body, replayed = case_create_once(
                    actor=request.user,
                    key=key,
                    path=request.path,
                    data=request.data,
                    create_one=self._create_one,
                )
        response = Response(body, status_code)
        if status_code == status.HTTP_201_CREATED:
            # The phone may act on the new case (If-Match) without reading it first.
            response["ETag"] = etag_for(body["version"])
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def _create_one(self, data) -> tuple[int, dict]:
        """Validate and create one case; every error becomes an (HTTP status, body) pair.

        The case and its answer are built in one transaction: a failure while building the
        answer leaves no case behind for which the client never got a number.
        """
        try:
            serializer = s.CaseCreateSerializer(data=data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            with transaction.atomic():
                data = dict(serializer.validated_data)
                photos = data.pop("photos", [])
                case = case_create_with_files(actor=self.request.user, files=photos, **data)
                if photos:
                    # Each photo was a step of its own: the case is read again with them.
                    warnings = case.placement_warnings
                    case = self._for_detail(Case.objects.visible_to(self.scope)).get(pk=case.pk)
                    case.placement_warnings = warnings
                # Otherwise it is answered from what the create holds: its category, grid,
                # references and history rows; its other relations are empty.
                body = s.CaseDetailSerializer(case, context=self.get_serializer_context()).data
                body["warnings"] = case.placement_warnings
                nearby = possible_duplicates(scope=self.scope, case=case)
                body["possible_duplicates"] = s.NearbyCaseSerializer(nearby, many=True).data
        except Exception as exc:
            answer = error_response(exc)
            if answer is None:
                raise
            return answer
        return status.HTTP_201_CREATED, body

    @extend_schema(
        summary=gettext_lazy("Send cases logged offline"),
        description=gettext_lazy(
            "Up to 100 items, each `{idempotency_key, case}` and answered on its own as if it had been "
            "sent alone with its key; a case may carry its `photos`. A bad item loses none of the others."
        ),
        request=s.SyncInput,
        responses={
            200: inline_serializer(
                "SyncResult",
                {
                    "results": serializers.ListField(
                        child=inline_serializer(
                            "SyncItemResult",
                            {
                                "idempotency_key": serializers.CharField(allow_null=True),
                                "status": serializers.IntegerField(),
                                "outcome": serializers.ChoiceField(["created", "replayed", "error"]),
                                "replayed": serializers.BooleanField(),
                                "body": serializers.DictField(),
                            },
                        )
                    )
                },
            )
        },
    )
    @action(detail=False, methods=["post"], parser_classes=[BatchJSONParser, FormParser, MultiPartParser])
    def sync(self, request):
        """Each item is created on its own: one bad item loses none of the others."""
        services.check_may_report(request.user)
        batch = s.SyncInput(data=request.data)
        batch.is_valid(raise_exception=True)
        with files_kept_on_commit():
            answers = cases_sync(
                actor=request.user,
                items=batch.validated_data["items"],
                # The same fingerprint as a single create, so either way of sending replays the other.
                path=request.path.removesuffix("sync/"),
                create_one=self._create_one,
                error_answer=error_response,
            )
        return Response(
            {
                "results": [
                    {
                        "idempotency_key": a.idempotency_key,
                        "status": a.status,
                        "outcome": a.outcome,
                        "replayed": a.replayed,
                        "body": a.body,
                    }
                    for a in answers
                ]
            }
        )

    # --- corrections ----------------------------------------------------------------------

    def partial_update(self, request, *args, **kwargs):
        case = self._case_for("update")
        serializer = s.CaseUpdateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        case = services.case_update(
            case_id=case.pk,
            actor=request.user,
            data=serializer.validated_data,
            expected_version=expected_version(request),
        )
        return self._detail(case, refetch=True)

    # --- the workflow actions -----------------------------------------------------------------

    def _case_for(self, action_name: str) -> Case:
        """The case (404 outside the scope), once role (403), version (412) and move (409) allow
        the action: checked before the body is read, so that a move not allowed now is a 409
        whatever is sent. The service checks again under the row lock."""
        case = self.get_object()
        services.case_check_action(
            case=case,
            action=action_name,
            actor=self.request.user,
            expected_version=expected_version(self.request),
        )
        return case

    def _act(self, action_name: str, input_class, service, **fixed) -> Response:
        case = self._case_for(action_name)
        arguments = dict(fixed)
        if input_class is not None:
            data = input_class(data=self.request.data, context=self.get_serializer_context())
            data.is_valid(raise_exception=True)
            arguments.update(data.validated_data)
        case = service(
            case_id=case.pk,
            actor=self.request.user,
            expected_version=expected_version(self.request),
            **arguments,
        )
        return self._detail(case, refetch=True)

    @_action_schema(gettext_lazy("Accept the case (立案)"), s.AcceptInput)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act("accept", s.AcceptInput, services.case_accept)

    @_action_schema(gettext_lazy("Do not accept the case (不予立案)"), s.ReasonInput)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act("reject", s.ReasonInput, services.case_reject)

    @_action_schema(gettext_lazy("Dispatch the case to a worker or a unit (派遣)"), s.AssignInput)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._act("assign", s.AssignInput, services.case_assign)

    @_action_schema(gettext_lazy("Start handling the case"), s.NoteInput)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._act("start", s.NoteInput, services.case_start)

    @_action_schema(gettext_lazy("Report the result (处置反馈)"), s.ResolveInput)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act("resolve", s.ResolveInput, services.case_resolve)

    @_action_schema(gettext_lazy("Verify the result: close the case or send it back (核查)"), s.VerifyInput)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._act("verify", s.VerifyInput, services.case_verify)

    @_action_schema(gettext_lazy("Escalate the case to the next level"), s.ReasonInput)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._act("escalate", s.ReasonInput, services.case_escalate)

    @_action_schema(gettext_lazy("Extend the due time"), s.ExtendInput)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        return self._act("extend", s.ExtendInput, services.case_extend)

    @_action_schema(gettext_lazy("Comment on the case"), s.CommentInput)
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        return self._act("comment", s.CommentInput, services.case_comment)

    @_action_schema(
        gettext_lazy("Close the case as a duplicate of another open case of its street"), s.MergeInput
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        return self._act("merge", s.MergeInput, services.case_merge)

    @extend_schema(
        summary=gettext_lazy("Open cases of a category near a point: possible duplicates, before logging"),
        parameters=[s.NearbyParams],
        responses={200: inline_serializer("NearbyCases", {"results": s.NearbyCaseSerializer(many=True)})},
    )
    @action(detail=False, methods=["get"])
    def nearby(self, request):
        services.check_may_report(request.user)
        params = s.NearbyParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        lng, lat = to_wgs84(data["lng"], data["lat"], data["coord_system"])
        found = cases_nearby(scope=self.scope, lng=lng, lat=lat, category=data["category"])
        return Response({"results": s.NearbyCaseSerializer(found, many=True).data})

    @_action_schema(gettext_lazy("Record the resident's satisfaction"), s.FeedbackInput)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        return self._act("feedback", s.FeedbackInput, services.case_feedback)

    # --- attachments --------------------------------------------------------------------------

    @extend_schema(
        summary=gettext_lazy("Attach a photo or a PDF"),
        request={"multipart/form-data": s.AttachmentInput},
        responses={201: s.CaseAttachmentSerializer},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def attachments(self, request, pk=None):
        case = self._case_for("attach")
        # Before the body is parsed: a phone sending 200 MB is told so without it being stored.
        check_request_size(request.META.get("CONTENT_LENGTH"))
        upload = s.AttachmentInput(data=request.data)
        upload.is_valid(raise_exception=True)
        attachment = case_attach(
            case_id=case.pk,
            actor=request.user,
            upload=upload.validated_data["file"],
            expected_version=expected_version(request),
        )
        response = Response(s.CaseAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)
        # Attaching is a step of the case's history: it raises the case's version.
        response["ETag"] = etag_for(attachment.case.version)
        return response

    @extend_schema(
        summary=gettext_lazy("Download an attachment"), responses={(200, "application/octet-stream"): bytes}
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>\d+)",
        url_name="attachment-download",
    )
    def attachment_download(self, request, pk=None, attachment_id=None):
        case = self.get_object()
        attachment = CaseAttachment.objects.filter(case=case, pk=attachment_id).first()
        if attachment is None:
            raise NotFound()
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,  # never rendered by the browser as a page of this site
            content_type=attachment.content_type,
            filename=attachment.download_name,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- what waits for the caller ----------------------------------------------------------------


@extend_schema(
    summary=gettext_lazy("What waits for me: my open cases and my queues, counted by status"),
    description=gettext_lazy(
        "Among the cases the caller sees: the open cases assigned to them and those they reported, "
        "counted by status with the overdue ones, and the centre's queues whose next step their role "
        "takes; each with the address of the case list that shows them."
    ),
    responses=s.MyWorkSerializer,
)
class MyWorkView(APIView):
    """The caller's open cases and queues, counted among the cases they see, each with the
    case list that shows them."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        if request.query_params:
            raise serializers.ValidationError(
                {name: [_("This endpoint takes no parameters.")] for name in request.query_params}
            )
        work = my_work(scope=scope_for(request.user))
        return Response(s.MyWorkSerializer(work, context={"request": request}).data)
