from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases import workflow
from cases.attachments import checked_file, decoded_photo
from cases.base_data import summary as base_data_summary
from cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    Category,
    Level,
    Priority,
    Satisfaction,
    Source,
    Triage,
)
from cases.querysets import OPEN_STATUSES, WORK_QUEUES
from config.errors import InvalidInput
from config.labels import LabelField, LabelledSerializerMixin, Labels
from config.serializers import FieldsOnce, LeanModelSerializer, StrictParams
from grids.fields import PersonalDataField, ScopedRelatedField
from grids.geo.coords import CoordSystem
from grids.models import Grid, GridWorker, MicroGrid
from grids.names import person_name
from grids.privacy import mask_name, mask_phone, validate_phone
from grids.scope import scope_for
from registry.models import Building, Facility, House, Organisation, Resident

KIND_LABELS = Labels(Case._meta.get_field("kind").choices)
STATUS_LABELS = Labels(Case._meta.get_field("status").choices)
ACTION_LABELS = Labels(workflow.ACTION_LABELS)


class CategorySerializer(LabelledSerializerMixin, serializers.ModelSerializer):
    major_code = serializers.CharField(source="major.code", read_only=True)
    major_name = serializers.CharField(source="major.name", read_only=True)
    default_kind = serializers.CharField(source="major.default_kind", read_only=True)
    default_kind_label = LabelField(KIND_LABELS, source="major.default_kind")
    default_triage_label = LabelField(Triage.choices, source="default_triage")
    default_level_label = LabelField(Level.choices, source="default_level")

    class Meta:
        model = Category
        fields = [
            "id",
            "code",
            "name",
            "major",
            "major_code",
            "major_name",
            "default_kind",
            "time_limit_hours",
            "default_triage",
            "default_level",
            "is_active",
            "default_kind_label",
            "default_triage_label",
            "default_level_label",
        ]


class CaseEventSerializer(LeanModelSerializer):
    actor_name = serializers.SerializerMethodField(
        help_text=_(
            "The person's real name (a grid worker's as the street registered it); null for the system."
        )
    )
    action_label = LabelField(ACTION_LABELS, source="action")
    from_status_label = LabelField(STATUS_LABELS, source="from_status")
    to_status_label = LabelField(STATUS_LABELS, source="to_status")

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "action",
            "action_label",
            "actor",
            "actor_name",
            "at",
            "from_status",
            "from_status_label",
            "to_status",
            "to_status_label",
            "note",
            "changes",
        ]

    def get_actor_name(self, event) -> str | None:
        return person_name(event.actor) if event.actor else None


class CaseAttachmentSerializer(LeanModelSerializer):
    file_name = serializers.CharField(
        source="download_name", read_only=True, help_text=_("The name the file downloads under.")
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = CaseAttachment
        fields = ["id", "content_type", "size", "file_name", "uploaded_by", "uploaded_at", "url"]

    def get_url(self, attachment) -> str:
        return reverse("v1:case-attachment-download", args=[attachment.case_id, attachment.pk])


class CaseListSerializer(LeanModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)
    major_category = serializers.IntegerField(source="category.major_id", read_only=True)
    overdue = serializers.SerializerMethodField(
        help_text=_("Overdue now: open and past its due time at the moment of this answer.")
    )
    is_overdue = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "Marked overdue: the hourly sweep found the case open past its due time. The mark stays "
            "on a case closed late and is lifted only by an extension."
        ),
    )
    kind_label = LabelField(KIND_LABELS, source="kind")
    status_label = LabelField(STATUS_LABELS, source="status")
    priority_label = LabelField(Priority.choices, source="priority")
    triage_label = LabelField(Triage.choices, source="triage")
    level_label = LabelField(Level.choices, source="level")
    source_label = LabelField(Source.choices, source="source")

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "title",
            "category",
            "category_name",
            "major_category",
            "priority",
            "triage",
            "level",
            "source",
            "street",
            "community",
            "grid",
            "micro_grid",
            "address",
            "reporter",
            "assignee_worker",
            "assignee_unit",
            "reported_at",
            "due_at",
            "closed_at",
            "overdue",
            "is_overdue",
            "on_the_spot",
            "building",
            "house",
            "resident",
            "organisation",
            "facility",
            "version",
            "kind_label",
            "status_label",
            "priority_label",
            "triage_label",
            "level_label",
            "source_label",
        ]
        read_only_fields = fields

    def get_overdue(self, case) -> bool:
        """Overdue now: open and past its due time (is_overdue is the sweep's lasting mark)."""
        now = self.context.get("now") or self.context.setdefault("now", timezone.now())
        return case.status in OPEN_STATUSES and case.due_at < now


class CaseDetailSerializer(CaseListSerializer):
    # Numbers, not the strings DRF gives decimals: a phone's map takes them as they are.
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)
    duplicates = serializers.SerializerMethodField(help_text=_("Cases merged into this one."))
    contact_name = PersonalDataField(mask=mask_name, read_only=True)
    contact_phone = PersonalDataField(mask=mask_phone, read_only=True)
    events = CaseEventSerializer(many=True, read_only=True)
    attachments = CaseAttachmentSerializer(many=True, read_only=True)
    supervision_count = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    allowed_action_labels = serializers.SerializerMethodField(
        help_text=_("Each allowed action's label in the request's language, by its code.")
    )
    satisfaction_label = LabelField(Satisfaction.choices, source="satisfaction")
    base_data = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "description",
            "latitude",
            "longitude",
            "contact_name",
            "contact_phone",
            "accepted_at",
            "assigned_at",
            "started_at",
            "resolved_at",
            "rejected_at",
            "result",
            "rework_count",
            "escalation_count",
            "satisfaction",
            "feedback_note",
            "merged_into",
            "duplicates",
            "supervision_count",
            "allowed_actions",
            "base_data",
            "events",
            "attachments",
            "satisfaction_label",
            "allowed_action_labels",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField())
    def get_base_data(self, case) -> dict:
        """The building, house, resident, organisation or facility the case is about."""
        return base_data_summary(case)

    def get_supervision_count(self, case) -> int:
        return len(case.supervisions.all())

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_duplicates(self, case) -> list[int]:
        return sorted(duplicate.pk for duplicate in case.duplicates.all())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, case) -> list[str]:
        """What the caller may do with the case now: drives the buttons of a client."""
        # Asked twice per case (the codes and their labels): computed once, guards included.
        cache = self.__dict__.setdefault("_allowed_actions", {})
        if case.pk not in cache:
            request = self.context.get("request")
            cache[case.pk] = workflow.allowed_actions(case, scope_for(request.user)) if request else []
        return cache[case.pk]

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_allowed_action_labels(self, case) -> dict[str, str]:
        labels = ACTION_LABELS.table()
        return {action: labels.get(action, action) for action in self.get_allowed_actions(case)}


# What the browsable API's HTML forms send besides the case's fields.
FORM_FIELDS = frozenset({"csrfmiddlewaretoken"})


def refuse_undeclared_fields(serializer: serializers.Serializer) -> None:
    """A 400 naming every field of the body that the serializer does not declare.

    DRF silently drops such a field, so that a client sending `status` or `is_overdue` would
    get a 2xx and believe it had set them. Only the case's actions change those.
    """
    if not isinstance(serializer.initial_data, dict):
        return
    case_fields = {field.name for field in Case._meta.get_fields()}
    undeclared = {
        name: [
            _("Read-only: only the case's actions change it.")
            if name in case_fields
            else _("Unknown field: a case has no such field that can be changed.")
        ]
        for name in serializer.initial_data
        if name not in serializer.fields and name not in FORM_FIELDS
    }
    if undeclared:
        raise serializers.ValidationError(undeclared)


# In the browsable API's forms a relation is typed as an id: a list of every resident or
# house the caller sees would be long and would show residents to whoever opens the form.
PERSONAL_FIELDS = ("contact_name", "contact_phone")
ID_BOX = {"base_template": "input.html", "input_type": "number"}

# Photos sent with one create: as many as a phone's camera sheet offers at once.
CASE_PHOTOS_MAX = 9


@extend_schema_field({"type": "string", "format": "byte"})
class PhotoList(serializers.ListField):
    """Too many photos are refused before any is decoded: DRF checks the length only after
    every item, and each photo is decoded and re-encoded (`checked_file`)."""

    def to_internal_value(self, data):
        if isinstance(data, list) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class PhotoField(serializers.Field):
    """A photo (or PDF) as base64, or a data URL: checked as an upload is, then kept checked."""

    default_error_messages = {"invalid": _("Send each photo as a base64 string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return checked_file(decoded_photo(data))
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.message) from None

    def to_representation(self, value):
        raise NotImplementedError  # written only


class BaseDataReferences(serializers.Serializer):
    """The base data a case is about (人、地、物、组织), each an id in the caller's territory."""

    building = ScopedRelatedField(
        style=ID_BOX, queryset=Building.objects.all(), required=False, allow_null=True
    )
    house = ScopedRelatedField(
        style=ID_BOX, queryset=House.objects.select_related("building"), required=False, allow_null=True
    )
    resident = ScopedRelatedField(
        style=ID_BOX, queryset=Resident.objects.all(), required=False, allow_null=True
    )
    organisation = ScopedRelatedField(
        style=ID_BOX, queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    facility = ScopedRelatedField(
        style=ID_BOX, queryset=Facility.objects.all(), required=False, allow_null=True
    )


class CaseCreateSerializer(FieldsOnce, BaseDataReferences):
    """What a grid worker's phone sends to log a case. Any other name in the body is a 400."""

    refuses_unknown_fields = True  # the schema says so: additionalProperties false

    kind = serializers.ChoiceField(
        choices=Case._meta.get_field("kind").choices,
        required=False,
        help_text=_("Defaults to the category's."),
    )
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.select_related("major"))
    grid = ScopedRelatedField(
        queryset=Grid.objects.with_parents(),
        required=False,
        allow_null=True,
        help_text=_("Optional with latitude and longitude: the grid holding the point is taken."),
    )
    micro_grid = ScopedRelatedField(
        style=ID_BOX, queryset=MicroGrid.objects.all(), required=False, allow_null=True
    )
    source = serializers.ChoiceField(choices=Source.choices, default=Source.PATROL)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    triage = serializers.ChoiceField(choices=Triage.choices, required=False)
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    # Floats: a phone sends as many decimals as its receiver gives; six (0.1 m) are stored.
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    coord_system = serializers.ChoiceField(
        choices=CoordSystem.choices,
        default=CoordSystem.WGS84,
        help_text=_("wgs84 from GPS; gcj02 from AMap or Tencent Maps; bd09 from Baidu Maps."),
    )
    contact_name = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", validators=[validate_phone]
    )
    reported_at = serializers.DateTimeField(
        required=False, help_text=_("When the worker saw it, for cases logged offline; defaults to now.")
    )
    on_the_spot = serializers.BooleanField(
        default=False, help_text=_("A small matter the grid worker has already handled (即报即办).")
    )
    result = serializers.CharField(required=False, allow_blank=True, default="")
    photos = PhotoList(
        child=PhotoField(),
        required=False,
        max_length=CASE_PHOTOS_MAX,
        help_text=_(
            "Up to 9 photos (JPEG, PNG, WebP) or PDFs, each base64-encoded, checked as an upload is; "
            "the case is created with all of them or not at all."
        ),
    )

    def validate(self, attrs):
        refuse_undeclared_fields(self)
        latitude, longitude = attrs.get("latitude"), attrs.get("longitude")
        if (latitude is None) != (longitude is None):
            missing = "latitude" if latitude is None else "longitude"
            raise serializers.ValidationError({missing: [_("Give both latitude and longitude.")]})
        return attrs


class CaseUpdateSerializer(BaseDataReferences):
    """PATCH: the description fields only. Any other name in the body is a 400 naming it.

    DRF would silently drop a field the serializer does not declare, so that a client
    sending `is_overdue` or `escalation_count` would get a 200 and believe it changed them.
    """

    refuses_unknown_fields = True

    title = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    triage = serializers.ChoiceField(choices=Triage.choices, required=False)
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False)
    micro_grid = ScopedRelatedField(
        style=ID_BOX, queryset=MicroGrid.objects.all(), required=False, allow_null=True
    )
    contact_name = serializers.CharField(max_length=30, required=False, allow_blank=True)
    contact_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, validators=[validate_phone]
    )

    def validate(self, attrs):
        refuse_undeclared_fields(self)
        if not attrs:
            raise serializers.ValidationError({"non_field_errors": [_("Nothing to change.")]})
        return attrs

    def to_representation(self, instance):
        """What the browsable API's PATCH form starts from: the fields a PATCH may change, with
        their values, less the resident's name and phone (never shown unmasked)."""
        data = super().to_representation(instance)
        for name in PERSONAL_FIELDS:
            data.pop(name, None)
        return data


# --- action inputs ----------------------------------------------------------------------


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AcceptInput(NoteInput):
    triage = serializers.ChoiceField(choices=Triage.choices, required=False)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField()


class AssignInput(NoteInput):
    worker = ScopedRelatedField(queryset=GridWorker.objects.all(), required=False, allow_null=True)
    unit = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if bool(attrs.get("worker")) == bool(attrs.get("unit", "").strip()):
            raise serializers.ValidationError({"worker": [_("Name either a worker or a unit.")]})
        return attrs


class ResolveInput(serializers.Serializer):
    result = serializers.CharField()


class VerifyInput(NoteInput):
    passed = serializers.BooleanField()

    def validate(self, attrs):
        if not attrs["passed"] and not attrs.get("note", "").strip():
            raise serializers.ValidationError({"note": [_("Say what must be redone.")]})
        return attrs


class ExtendInput(serializers.Serializer):
    due_at = serializers.DateTimeField()
    reason = serializers.CharField()


class CommentInput(serializers.Serializer):
    note = serializers.CharField()


class FeedbackInput(NoteInput):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)


class MergeInput(serializers.Serializer):
    into = serializers.IntegerField(help_text=_("The open case of the same street this one repeats."))
    reason = serializers.CharField()


class NearbyParams(StrictParams):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    coord_system = serializers.ChoiceField(choices=CoordSystem.choices, default=CoordSystem.WGS84)


class NearbyCaseSerializer(LabelledSerializerMixin, serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = LabelField(STATUS_LABELS, source="status")
    reported_at = serializers.DateTimeField()
    grid = serializers.IntegerField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    distance_m = serializers.FloatField()


class AttachmentInput(serializers.Serializer):
    file = serializers.FileField()


class SyncInput(serializers.Serializer):
    """The batch's envelope only: a list of 1 to 100 items, each then checked on its own.

    Two items with the same key are handled in order like two sends of one request: the
    second replays the first's answer, or is a 422 if its case differs.
    """

    items = serializers.ListField(
        child=serializers.JSONField(),
        allow_empty=False,
        min_length=1,
        max_length=100,
        # Any value is taken here: each item is checked on its own and a malformed one is that
        # item's 400 in the results, so the schema does not refuse the batch for it.
        help_text=_('Items of the shape {"idempotency_key": "…", "case": {…}}, each answered on its own.'),
    )


# --- what waits for the caller -----------------------------------------------------------------


def _case_list_url(request, **params) -> str:
    url = reverse("v1:case-list") + "?" + urlencode(params)
    return request.build_absolute_uri(url) if request else url


class StatusCountSerializer(LabelledSerializerMixin, serializers.Serializer):
    status = serializers.CharField()
    status_label = LabelField(STATUS_LABELS, source="status")
    count = serializers.IntegerField()


class WorkCountsSerializer(serializers.Serializer):
    open = serializers.IntegerField(help_text=_("Open cases (reported … resolved)."))
    overdue = serializers.IntegerField(help_text=_("Of them, past their due time now."))
    by_status = serializers.SerializerMethodField()
    cases = serializers.SerializerMethodField(help_text=_("The case list showing them."))

    @extend_schema_field(StatusCountSerializer(many=True))
    def get_by_status(self, counts) -> list:
        rows = [{"status": status, "count": count} for status, count in counts.by_status.items()]
        return StatusCountSerializer(rows, many=True).data

    def get_cases(self, counts) -> str:
        return _case_list_url(
            self.context.get("request"), **{self.context["me_filter"]: "me", "open": "true"}
        )


class QueueCountSerializer(serializers.Serializer):
    queue = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    cases = serializers.SerializerMethodField(help_text=_("The case list showing them."))

    def get_cases(self, row) -> str:
        return _case_list_url(self.context.get("request"), queue=row["queue"])


class MyWorkSerializer(serializers.Serializer):
    """`GET /api/v1/me/work/`: what waits for the caller among the cases they see."""

    assigned_to_me = serializers.SerializerMethodField(
        help_text=_("The open cases assigned to the caller as a grid worker.")
    )
    reported_by_me = serializers.SerializerMethodField(help_text=_("The open cases the caller reported."))
    queues = serializers.SerializerMethodField(
        help_text=_("The centre's queues whose next step the caller's role takes (empty for grid workers).")
    )

    @extend_schema_field(WorkCountsSerializer)
    def get_assigned_to_me(self, work) -> dict:
        context = {**self.context, "me_filter": "assignee_worker"}
        return WorkCountsSerializer(work.assigned_to_me, context=context).data

    @extend_schema_field(WorkCountsSerializer)
    def get_reported_by_me(self, work) -> dict:
        context = {**self.context, "me_filter": "reporter"}
        return WorkCountsSerializer(work.reported_by_me, context=context).data

    @extend_schema_field(QueueCountSerializer(many=True))
    def get_queues(self, work) -> list:
        labels = {name: label for name, (label, _condition) in WORK_QUEUES.items()}
        rows = [
            {"queue": name, "label": str(labels[name]), "count": count} for name, count in work.queues.items()
        ]
        return QueueCountSerializer(rows, many=True, context=self.context).data
