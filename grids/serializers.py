from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from grids.fields import PersonalDataField, ScopedRelatedField
from grids.geo.coords import CoordSystem
from grids.models import CoGovernanceMember, Community, Grid, GridWorker, MicroGrid, Street
from grids.permissions import reads_worker_phones
from grids.privacy import mask_name, mask_phone, validate_phone
from grids.scope import scope_for


class TerritorySerializer(serializers.ModelSerializer):
    """A node of the territory. Uniqueness is the service's to check, after everything else.

    DRF would check a unique code or name as soon as the field is read, before the code is
    known to lie under the parent's code, and even when the request fails for another
    reason: a street admin could then probe which codes and names other streets hold.
    `grids.services` checks them last, and the database's unique indexes decide a race.
    """

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.validators = [v for v in field.validators if not isinstance(v, UniqueValidator)]
        return fields


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


class StreetSerializer(BoundaryFieldsMixin, TerritorySerializer):
    class Meta:
        model = Street
        fields = ["id", "code", "name", "abbreviation", "district_name", "district_code", *BOUNDARY_FIELDS]


class CommunitySerializer(BoundaryFieldsMixin, TerritorySerializer):
    street = ScopedRelatedField(queryset=Street.objects.all())

    class Meta:
        model = Community
        fields = ["id", "code", "name", "kind", "population", "street", *BOUNDARY_FIELDS]
        validators = []


class GridSerializer(BoundaryFieldsMixin, TerritorySerializer):
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
        validators = []


class MicroGridSerializer(BoundaryFieldsMixin, TerritorySerializer):
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


class DispatcherOnlyPhoneField(PersonalDataField):
    """A worker's phone: read in full by the roles that dispatch workers, masked for others.

    Other workers, district viewers and mediators have no call to make to a worker's
    private mobile; the audited reveal (`POST /workers/{id}/reveal/`) is the way to it.
    """

    def to_representation(self, value):
        request = self.context.get("request")
        if request is not None and reads_worker_phones(scope_for(request.user)):
            return serializers.CharField.to_representation(self, value)
        return super().to_representation(value)


class GridWorkerSerializer(serializers.ModelSerializer):
    street = ScopedRelatedField(queryset=Street.objects.all())
    grids = ScopedRelatedField(queryset=Grid.objects.select_related("community"), many=True, required=False)
    username = serializers.CharField(source="user.username", read_only=True)
    phone = DispatcherOnlyPhoneField(
        mask=mask_phone, required=False, allow_blank=True, max_length=20, validators=[validate_phone]
    )

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
