"""Base data in and out of the API. Reads mask every personal field; writes take it in full."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.serializers import StrictInput
from config.text import StrictCharField
from grids.fields import PersonalDataField, ScopedRelatedField
from grids.models import Grid, GridWorker, MicroGrid
from grids.privacy import mask_id_number, mask_name, mask_phone, validate_phone
from grids.scope import scope_for
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
from registry.selectors import resident_links
from registry.workflow import KEY_PERSON_WORKFLOW

# --- catalogues ---------------------------------------------------------------------------------


class ResidentTagSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResidentTag
        fields = ["id", "code", "name", "is_active"]


class KeyPersonCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = KeyPersonCategory
        fields = ["id", "code", "name", "is_active"]


class VisitRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitRule
        fields = ["id", "category", "risk_level", "interval_days"]


class SafetyTagSerializer(serializers.ModelSerializer):
    class Meta:
        model = SafetyTag
        fields = ["id", "code", "name", "is_active"]


class FacilityTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = FacilityType
        fields = ["id", "code", "name", "major", "is_active"]


# --- buildings and houses ---------------------------------------------------------------------


class BuildingSerializer(serializers.ModelSerializer):
    leader_name = PersonalDataField(mask=mask_name, read_only=True)
    leader_phone = PersonalDataField(mask=mask_phone, read_only=True)

    class Meta:
        model = Building
        fields = [
            "id",
            "code",
            "name",
            "grid",
            "community",
            "micro_grid",
            "address",
            "latitude",
            "longitude",
            "floors",
            "units",
            "use",
            "property_managed",
            "property_company",
            "leader_name",
            "leader_phone",
        ]
        read_only_fields = fields


def _point():
    return {
        "latitude": serializers.DecimalField(
            max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True
        ),
        "longitude": serializers.DecimalField(
            max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True
        ),
    }


class BuildingInput(StrictInput):
    grid = ScopedRelatedField(queryset=Grid.objects.all())
    micro_grid = ScopedRelatedField(queryset=MicroGrid.objects.all(), required=False, allow_null=True)
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=60)
    address = serializers.CharField(max_length=200)
    latitude = _point()["latitude"]
    longitude = _point()["longitude"]
    floors = serializers.IntegerField(min_value=1, max_value=200)
    units = serializers.IntegerField(min_value=1, max_value=50, required=False, default=1)
    use = serializers.ChoiceField(choices=Building.Use.choices)
    property_managed = serializers.BooleanField(required=False, default=False)
    property_company = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    leader_name = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    leader_phone = PersonalDataField(
        mask=mask_phone,
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_phone],
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if ("latitude" in attrs) != ("longitude" in attrs) or (
            (attrs.get("latitude") is None) != (attrs.get("longitude") is None)
        ):
            raise serializers.ValidationError(
                {"longitude": [_("Give both latitude and longitude, or neither.")]}
            )
        return attrs


class BuildingUpdate(BuildingInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("grid")
        for field in self.fields.values():
            field.required = False


class HouseSerializer(serializers.ModelSerializer):
    building_name = serializers.CharField(source="building.name", read_only=True)
    landlord_name = PersonalDataField(mask=mask_name, read_only=True)
    landlord_phone = PersonalDataField(mask=mask_phone, read_only=True)

    class Meta:
        model = House
        fields = [
            "id",
            "building",
            "building_name",
            "unit",
            "floor",
            "room",
            "use",
            "area",
            "landlord_name",
            "landlord_phone",
            "lease_start",
            "lease_end",
        ]
        read_only_fields = fields


class HouseInput(StrictInput):
    building = ScopedRelatedField(queryset=Building.objects.all())
    unit = serializers.IntegerField(min_value=1, required=False, default=1)
    floor = serializers.IntegerField(min_value=-5, max_value=200)
    room = serializers.CharField(max_length=10)
    use = serializers.ChoiceField(choices=House.Use.choices)
    area = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    landlord_name = PersonalDataField(
        mask=mask_name, max_length=30, required=False, allow_blank=True, default=""
    )
    landlord_phone = PersonalDataField(
        mask=mask_phone,
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_phone],
    )
    lease_start = serializers.DateField(required=False, allow_null=True)
    lease_end = serializers.DateField(required=False, allow_null=True)


class HouseUpdate(HouseInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("building")
        for field in self.fields.values():
            field.required = False


# --- residents ----------------------------------------------------------------------------------


class ResidentSerializer(serializers.ModelSerializer):
    name = PersonalDataField(mask=mask_name, read_only=True)
    id_number = PersonalDataField(mask=mask_id_number, read_only=True)
    phone = PersonalDataField(mask=mask_phone, read_only=True)
    age = serializers.SerializerMethodField()
    building = serializers.IntegerField(source="house.building_id", read_only=True, allow_null=True)
    tags = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "name",
            "gender",
            "age",
            "document_type",
            "id_number",
            "nationality",
            "phone",
            "ethnicity",
            "residence_type",
            "grid",
            "building",
            "house",
            "relation_to_head",
            "tags",
            "moved_out",
            "version",
        ]
        read_only_fields = fields

    def get_age(self, resident) -> int | None:
        born = resident.birth_date
        if born is None:
            return None
        on = self.context.setdefault("today", timezone.localdate())
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class ResidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Residence
        fields = ["id", "house", "relation_to_head", "moved_in_on", "moved_out_on"]


class ResidentDetailSerializer(ResidentSerializer):
    residences = ResidenceSerializer(many=True, read_only=True)
    links = serializers.SerializerMethodField()

    class Meta(ResidentSerializer.Meta):
        fields = [*ResidentSerializer.Meta.fields, "residences", "links"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.ListField(child=serializers.DictField())))
    def get_links(self, resident) -> dict:
        """The resident's cases and mediations, as far as the caller sees them (一次采集、多边利用)."""
        request = self.context.get("request")
        return resident_links(resident, scope_for(request.user if request else None))


class ResidentInput(StrictInput):
    house = ScopedRelatedField(queryset=House.objects.select_related("building"))
    moved_in_on = serializers.DateField(required=False)
    name = PersonalDataField(mask=mask_name, max_length=30)
    gender = serializers.ChoiceField(choices=Resident.Gender.choices)
    document_type = serializers.ChoiceField(
        choices=Resident.Document.choices, default=Resident.Document.ID_CARD
    )
    id_number = PersonalDataField(mask=mask_id_number, max_length=20)
    nationality = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField(required=False, allow_null=True)
    phone = PersonalDataField(
        mask=mask_phone,
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_phone],
    )
    ethnicity = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    residence_type = serializers.ChoiceField(choices=Resident.ResidenceType.choices)
    relation_to_head = serializers.ChoiceField(
        choices=Resident.Relation.choices, required=False, allow_blank=True, default=""
    )
    tags = serializers.PrimaryKeyRelatedField(
        queryset=ResidentTag.objects.filter(is_active=True), many=True, required=False, default=list
    )


class ResidentUpdate(ResidentInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("house")
        self.fields.pop("moved_in_on")
        for field in self.fields.values():
            field.required = False
            if hasattr(field, "default"):
                field.default = serializers.empty


class MoveOutInput(StrictInput):
    moved_out_on = serializers.DateField(required=False)


class MoveInInput(StrictInput):
    house = ScopedRelatedField(queryset=House.objects.select_related("building"))
    moved_in_on = serializers.DateField(required=False)
    relation_to_head = serializers.ChoiceField(
        choices=Resident.Relation.choices, required=False, allow_blank=True, default=""
    )


# --- key persons --------------------------------------------------------------------------------


class KeyPersonSerializer(serializers.ModelSerializer):
    resident_name = PersonalDataField(source="resident.name", mask=mask_name, read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    overdue = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = KeyPerson
        fields = [
            "id",
            "resident",
            "resident_name",
            "category",
            "category_name",
            "grid",
            "risk_level",
            "responsible_worker",
            "status",
            "registered_on",
            "last_visited_on",
            "next_visit_due",
            "overdue",
            "allowed_actions",
            "version",
        ]
        read_only_fields = fields

    def get_overdue(self, key_person) -> bool:
        on = self.context.setdefault("today", timezone.localdate())
        return (
            key_person.status == "active"
            and key_person.next_visit_due is not None
            and key_person.next_visit_due < on
        )

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, key_person) -> list[str]:
        request = self.context.get("request")
        return KEY_PERSON_WORKFLOW.allowed_actions(key_person, scope_for(request.user)) if request else []


class VisitSerializer(serializers.ModelSerializer):
    on_time = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id",
            "key_person",
            "visited_on",
            "due_on",
            "on_time",
            "worker",
            "form",
            "findings",
            "next_due",
        ]
        read_only_fields = fields

    def get_on_time(self, visit) -> bool:
        return visit.visited_on <= visit.due_on


class KeyPersonEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = KeyPersonEvent
        fields = ["id", "action", "actor", "at", "from_status", "to_status", "note", "changes"]


class KeyPersonDetailSerializer(KeyPersonSerializer):
    visits = VisitSerializer(many=True, read_only=True)
    events = KeyPersonEventSerializer(many=True, read_only=True)

    class Meta(KeyPersonSerializer.Meta):
        fields = [*KeyPersonSerializer.Meta.fields, "visits", "events"]
        read_only_fields = fields


class KeyPersonInput(StrictInput):
    resident = ScopedRelatedField(queryset=Resident.objects.select_related("grid__community"))
    category = serializers.PrimaryKeyRelatedField(queryset=KeyPersonCategory.objects.all())
    risk_level = serializers.ChoiceField(choices=KeyPerson._meta.get_field("risk_level").choices)
    responsible_worker = ScopedRelatedField(queryset=GridWorker.objects.all())
    registered_on = serializers.DateField(required=False)


class VisitInput(StrictInput):
    visited_on = serializers.DateField()
    form = serializers.ChoiceField(choices=Visit.Form.choices)
    findings = serializers.CharField()


class ChangeRiskInput(StrictInput):
    risk_level = serializers.ChoiceField(choices=KeyPerson._meta.get_field("risk_level").choices)
    reason = StrictCharField()


class ReassignInput(StrictInput):
    worker = ScopedRelatedField(queryset=GridWorker.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, default="")


class KeyPersonReasonInput(StrictInput):
    reason = StrictCharField()


# --- organisations and facilities -------------------------------------------------------------


class OrganisationSerializer(serializers.ModelSerializer):
    contact_name = PersonalDataField(mask=mask_name, read_only=True)
    contact_phone = PersonalDataField(mask=mask_phone, read_only=True)
    safety_tags = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "credit_code",
            "kind",
            "grid",
            "building",
            "address",
            "contact_name",
            "contact_phone",
            "safety_tags",
        ]
        read_only_fields = fields


class OrganisationInput(StrictInput):
    grid = ScopedRelatedField(queryset=Grid.objects.all())
    name = serializers.CharField(max_length=100)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    building = ScopedRelatedField(queryset=Building.objects.all(), required=False, allow_null=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_name = PersonalDataField(
        mask=mask_name, max_length=30, required=False, allow_blank=True, default=""
    )
    contact_phone = PersonalDataField(
        mask=mask_phone,
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_phone],
    )
    safety_tags = serializers.PrimaryKeyRelatedField(
        queryset=SafetyTag.objects.filter(is_active=True), many=True, required=False, default=list
    )


class OrganisationUpdate(OrganisationInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("grid")
        for field in self.fields.values():
            field.required = False
            if hasattr(field, "default"):
                field.default = serializers.empty


class FacilitySerializer(serializers.ModelSerializer):
    type_name = serializers.CharField(source="type.name", read_only=True)

    class Meta:
        model = Facility
        fields = [
            "id",
            "code",
            "type",
            "type_name",
            "grid",
            "address",
            "latitude",
            "longitude",
            "owner_unit",
            "state",
        ]
        read_only_fields = fields


class FacilityInput(StrictInput):
    grid = ScopedRelatedField(queryset=Grid.objects.all())
    code = serializers.CharField(max_length=30)
    type = serializers.PrimaryKeyRelatedField(queryset=FacilityType.objects.filter(is_active=True))
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    latitude = _point()["latitude"]
    longitude = _point()["longitude"]
    owner_unit = serializers.CharField(max_length=80)
    state = serializers.ChoiceField(
        choices=Facility.State.choices, required=False, default=Facility.State.GOOD
    )


class FacilityUpdate(FacilityInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("grid")
        for field in self.fields.values():
            field.required = False
            if hasattr(field, "default"):
                field.default = serializers.empty
