from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import UniqueTogetherValidator

from grids.fields import PersonalDataField, ScopedRelatedField
from grids.geo.coords import CoordSystem
from grids.models import CoGovernanceMember, Community, Grid, GridWorker, MicroGrid, Street
from grids.privacy import mask_name, mask_phone, validate_phone


class UniqueNameValidator(UniqueTogetherValidator):
    """A name unique within its parent, reported on `name` in words a user understands.

    DRF's own check answers under `non_field_errors` with the raw field names.
    """

    def __init__(self, model, parent: str, message):
        super().__init__(queryset=model.objects.all(), fields=(parent, "name"), message=message)

    def __call__(self, attrs, serializer):
        try:
            super().__call__(attrs, serializer)
        except serializers.ValidationError:
            raise serializers.ValidationError({"name": [self.message]}, code="unique") from None


BOUNDARY_FIELDS = ["boundary", "label_point", "boundary_synthetic"]


class BoundaryFieldsMixin:
    """A node's boundary in its detail, create and update; lists carry only the label point
    (a page of boundaries would weigh megabytes: `/api/v1/geo/…` exports them)."""

    def get_fields(self):
        fields = super().get_fields()
        view = self.context.get("view")
        if getattr(view, "action", None) == "list":
            fields.pop("boundary", None)
        return fields


class StreetSerializer(BoundaryFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Street
        fields = ["id", "code", "name", "abbreviation", "district_name", "district_code", *BOUNDARY_FIELDS]


class CommunitySerializer(BoundaryFieldsMixin, serializers.ModelSerializer):
    street = ScopedRelatedField(queryset=Street.objects.all())

    class Meta:
        model = Community
        fields = ["id", "code", "name", "kind", "population", "street", *BOUNDARY_FIELDS]
        validators = [
            UniqueNameValidator(
                Community, "street", _("This street already has a village or community of this name.")
            )
        ]


class GridSerializer(BoundaryFieldsMixin, serializers.ModelSerializer):
    community = ScopedRelatedField(queryset=Community.objects.all())
    street = serializers.IntegerField(source="community.street_id", read_only=True)

    class Meta:
        model = Grid
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "residents",
            "households",
            "party_branch",
            "community",
            "street",
            *BOUNDARY_FIELDS,
        ]
        validators = [
            UniqueNameValidator(Grid, "community", _("This community already has a grid of this name."))
        ]


class MicroGridSerializer(BoundaryFieldsMixin, serializers.ModelSerializer):
    grid = ScopedRelatedField(queryset=Grid.objects.all())
    community = serializers.IntegerField(source="grid.community_id", read_only=True)
    street = serializers.IntegerField(source="grid.community.street_id", read_only=True)
    leader_name = PersonalDataField(mask=mask_name, required=False, allow_blank=True, max_length=30)
    leader_phone = PersonalDataField(
        mask=mask_phone, required=False, allow_blank=True, max_length=20, validators=[validate_phone]
    )

    class Meta:
        model = MicroGrid
        fields = [
            "id",
            "code",
            "name",
            "covers",
            "leader_title",
            "leader_name",
            "leader_phone",
            "grid",
            "community",
            "street",
            *BOUNDARY_FIELDS,
        ]


class GridWorkerSerializer(serializers.ModelSerializer):
    street = ScopedRelatedField(queryset=Street.objects.all())
    grids = ScopedRelatedField(queryset=Grid.objects.select_related("community"), many=True, required=False)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = GridWorker
        fields = ["id", "name", "kind", "phone", "street", "grids", "username", "is_active"]


class GridWorkerCreateSerializer(GridWorkerSerializer):
    """Opening a worker also opens their user account."""

    username = serializers.CharField(source="user.username", max_length=150)
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        min_length=8,
        style={"input_type": "password"},
        help_text=_("Leave empty to let the worker set a password later."),
    )

    class Meta(GridWorkerSerializer.Meta):
        fields = [*GridWorkerSerializer.Meta.fields, "password"]

    def validate_username(self, value):
        if get_user_model().objects.filter(username=value).exists():
            raise serializers.ValidationError(_("This username is already taken."))
        return value


class CoGovernanceMemberSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(queryset=Community.objects.all())
    grid = ScopedRelatedField(queryset=Grid.objects.all(), required=False, allow_null=True)
    street = serializers.IntegerField(source="community.street_id", read_only=True)
    name = PersonalDataField(mask=mask_name, max_length=30)
    phone = PersonalDataField(
        mask=mask_phone, required=False, allow_blank=True, max_length=20, validators=[validate_phone]
    )

    class Meta:
        model = CoGovernanceMember
        fields = ["id", "role", "name", "phone", "community", "grid", "street", "joined_on"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField()
    role_display = serializers.CharField()
    scope = serializers.DictField()
    grid_worker = serializers.IntegerField(allow_null=True)


class LocateParams(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    coord_system = serializers.ChoiceField(choices=CoordSystem.choices, default=CoordSystem.WGS84)


class NodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class LocationSerializer(serializers.Serializer):
    """Where a point is: the nodes holding it (null where none), and the nearest grid's distance."""

    latitude = serializers.FloatField(source="lat", help_text=_("The point in WGS-84."))
    longitude = serializers.FloatField(source="lng")
    street = NodeSerializer(allow_null=True)
    community = NodeSerializer(allow_null=True)
    grid = NodeSerializer(allow_null=True)
    micro_grid = NodeSerializer(allow_null=True)
    in_grid = serializers.BooleanField(help_text=_("False when the grid is only the nearest one."))
    grid_distance_m = serializers.FloatField(
        allow_null=True, help_text=_("0 inside the grid; else the metres to the nearest grid.")
    )
