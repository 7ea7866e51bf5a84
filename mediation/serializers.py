from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Case, Kind
from cases.serializers import NoteInput, ReasonInput
from core.access import ACCESS
from grids.fields import PersonalDataField, ScopedRelatedField
from grids.privacy import mask_id_number, mask_name, mask_phone, validate_id_number, validate_phone
from grids.scope import scope_for
from mediation import workflow
from mediation.models import (
    Agreement,
    DisputeType,
    FollowUp,
    JudicialConfirmation,
    MediationCase,
    MediationEvent,
    MediationLevel,
    MediationRoom,
    Mediator,
    Party,
    Referral,
    Session,
)


class RoomSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediationRoom
        fields = ["id", "name", "street", "community", "level", "is_gold"]
        read_only_fields = fields


class CentreOnlyPersonalDataField(PersonalDataField):
    """Read in full by the street's centre, masked for everyone else."""

    def to_representation(self, value):
        request = self.context.get("request")
        if request is not None and ACCESS.role_may(
            "mediation", "read_mediator_phone", scope_for(request.user).role
        ):
            return serializers.CharField.to_representation(self, value)
        return super().to_representation(value)


class MediatorSerializer(serializers.ModelSerializer):
    # Volunteers (和事佬) are residents: a mediator's phone is personal data outside the centre.
    phone = CentreOnlyPersonalDataField(mask=mask_phone, read_only=True)

    class Meta:
        model = Mediator
        fields = [
            "id",
            "name",
            "kind",
            "street",
            "community",
            "certified_on",
            "specialties",
            "home_room",
            "phone",
            "is_active",
        ]
        read_only_fields = fields


class PartySerializer(serializers.ModelSerializer):
    """A party, masked: the full values come only from the audited reveal call."""

    name = PersonalDataField(mask=mask_name, read_only=True)
    phone = PersonalDataField(mask=mask_phone, read_only=True)
    id_number = PersonalDataField(mask=mask_id_number, read_only=True)

    class Meta:
        model = Party
        fields = ["id", "role", "name", "phone", "id_number"]
        read_only_fields = fields


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ["id", "held_on", "place", "attendees", "notes", "recorded_by"]
        read_only_fields = fields


class ConfirmationSerializer(serializers.ModelSerializer):
    class Meta:
        model = JudicialConfirmation
        fields = ["applied_on", "result", "court", "decided_on"]
        read_only_fields = fields


class AgreementSerializer(serializers.ModelSerializer):
    confirmation = ConfirmationSerializer(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Agreement
        fields = ["form", "content", "performance_deadline", "signed_on", "confirmation"]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "visited_on", "by", "performance", "notes"]
        read_only_fields = fields


class MediationEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediationEvent
        fields = ["action", "actor", "at", "from_status", "to_status", "note", "changes"]
        read_only_fields = fields


class MediationSummarySerializer(serializers.ModelSerializer):
    """That a dispute is in mediation and how it stands: what grid workers read."""

    case_number = serializers.CharField(source="case.number", read_only=True)
    case_status = serializers.CharField(source="case.status", read_only=True)
    lead_mediator_name = serializers.CharField(source="lead_mediator.name", read_only=True)

    class Meta:
        model = MediationCase
        fields = [
            "id",
            "case",
            "case_number",
            "case_status",
            "street",
            "community",
            "level",
            "dispute_type",
            "status",
            "lead_mediator",
            "lead_mediator_name",
            "room",
            "registered_at",
            "concluded_at",
            "version",
        ]
        read_only_fields = fields


class MediationListSerializer(MediationSummarySerializer):
    class Meta:
        model = MediationCase
        fields = [
            "id",
            "case",
            "case_number",
            "case_status",
            "street",
            "community",
            "level",
            "dispute_type",
            "amount",
            "status",
            "lead_mediator",
            "lead_mediator_name",
            "room",
            "registered_at",
            "started_at",
            "concluded_at",
            "referral",
            "version",
        ]
        read_only_fields = fields


class MediationDetailSerializer(MediationListSerializer):
    parties = PartySerializer(many=True, read_only=True)
    sessions = SessionSerializer(many=True, read_only=True)
    agreement = serializers.SerializerMethodField()
    follow_ups = FollowUpSerializer(many=True, read_only=True)
    events = MediationEventSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(MediationListSerializer.Meta):
        fields = [
            *MediationListSerializer.Meta.fields,
            "summary",
            "assisting_mediators",
            "outcome_note",
            "escalation_count",
            "referral_note",
            "referred_at",
            "parties",
            "sessions",
            "agreement",
            "follow_ups",
            "allowed_actions",
            "events",
        ]
        read_only_fields = fields

    @extend_schema_field(AgreementSerializer(allow_null=True))
    def get_agreement(self, mediation):
        agreement = getattr(mediation, "agreement", None)
        return AgreementSerializer(agreement).data if agreement is not None else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, mediation) -> list[str]:
        request = self.context.get("request")
        return workflow.allowed_actions(mediation, scope_for(request.user)) if request else []


# --- inputs --------------------------------------------------------------------------------


class PartyInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Party.Role.choices)
    name = serializers.CharField(max_length=30)
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", validators=[validate_phone]
    )
    id_number = serializers.CharField(
        max_length=18, required=False, allow_blank=True, default="", validators=[validate_id_number]
    )

    def validate_id_number(self, value: str) -> str:
        """GB 11643 writes the check character X in upper case; a typed x is the same number."""
        return value.upper()


class RegisterInput(serializers.Serializer):
    case = ScopedRelatedField(queryset=Case.objects.filter(kind=Kind.DISPUTE))
    level = serializers.ChoiceField(choices=MediationLevel.choices)
    dispute_type = serializers.ChoiceField(choices=DisputeType.choices)
    lead_mediator = ScopedRelatedField(queryset=Mediator.objects.all())
    assisting_mediators = ScopedRelatedField(
        queryset=Mediator.objects.all(), many=True, required=False, default=list
    )
    room = ScopedRelatedField(
        queryset=MediationRoom.objects.all(), required=False, allow_null=True, default=None
    )
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    parties = PartyInput(many=True, allow_empty=False)


class SessionInput(serializers.Serializer):
    held_on = serializers.DateField()
    place = serializers.CharField(max_length=100)
    attendees = serializers.CharField(max_length=300)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class AgreeInput(serializers.Serializer):
    form = serializers.ChoiceField(choices=Agreement.Form.choices)
    content = serializers.CharField(
        help_text=_("The agreement's terms, or the mediator's record of an oral one.")
    )
    signed_on = serializers.DateField()
    performance_deadline = serializers.DateField(required=False, allow_null=True, default=None)


class EscalateInput(ReasonInput):
    lead_mediator = ScopedRelatedField(
        queryset=Mediator.objects.all(), required=False, allow_null=True, default=None
    )
    room = ScopedRelatedField(
        queryset=MediationRoom.objects.all(), required=False, allow_null=True, default=None
    )


class ReferInput(NoteInput):
    to = serializers.ChoiceField(choices=Referral.choices)


class ConfirmInput(serializers.Serializer):
    applied_on = serializers.DateField()
    result = serializers.ChoiceField(choices=JudicialConfirmation.Result.choices)
    court = serializers.CharField(max_length=60)
    decided_on = serializers.DateField(required=False, allow_null=True, default=None)


class FollowUpInput(serializers.Serializer):
    visited_on = serializers.DateField()
    performance = serializers.ChoiceField(choices=FollowUp.Performance.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


ACTION_INPUTS = {
    "start": NoteInput,
    "session": SessionInput,
    "agree": AgreeInput,
    "fail": ReasonInput,
    "withdraw": ReasonInput,
    "escalate": EscalateInput,
    "refer": ReferInput,
    "confirm": ConfirmInput,
    "follow-up": FollowUpInput,
}
