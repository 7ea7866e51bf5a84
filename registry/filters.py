"""List filters of base data; a bad value is a 400 naming the filter."""

import django_filters as filters
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.filters import IdFilter, IdOrMeFilter, PeriodFilter, StrictBooleanFilter
from registry.models import Building, Facility, House, KeyPerson, Organisation, Resident, RiskLevel, Visit
from registry.querysets import today
from registry.selectors import residents_search


class _Territory(filters.FilterSet):
    """street, community and grid, through the model's path to its grid."""

    grid_path = "grid"
    street = IdFilter(method="filter_street")
    community = IdFilter(method="filter_community")
    grid = IdFilter(method="filter_grid")

    def filter_street(self, queryset, name, value):
        return queryset.filter(**{f"{self.grid_path}__community__street_id": value})

    def filter_community(self, queryset, name, value):
        return queryset.filter(**{f"{self.grid_path}__community_id": value})

    def filter_grid(self, queryset, name, value):
        return queryset.filter(**{f"{self.grid_path}_id": value})


class BuildingFilter(_Territory):
    use = filters.MultipleChoiceFilter(choices=Building.Use.choices)
    micro_grid = IdFilter(field_name="micro_grid_id")
    property_managed = StrictBooleanFilter()

    class Meta:
        model = Building
        fields = []


class HouseFilter(_Territory):
    grid_path = "building__grid"
    building = IdFilter(field_name="building_id")
    use = filters.MultipleChoiceFilter(choices=House.Use.choices)

    class Meta:
        model = House
        fields = []


class ResidentFilter(_Territory):
    """Search by exact `id_number` or `phone` (blind index), or `name` with `house` or `building`."""

    building = IdFilter(field_name="house__building_id")
    house = IdFilter(field_name="house_id")
    tags = filters.CharFilter(method="filter_tags", label=_("tag codes, comma-separated (all must match)"))
    residence_type = filters.MultipleChoiceFilter(choices=Resident.ResidenceType.choices)
    gender = filters.ChoiceFilter(choices=Resident.Gender.choices)
    document_type = filters.ChoiceFilter(choices=Resident.Document.choices)
    moved_out = StrictBooleanFilter()
    id_number = filters.CharFilter(method="filter_search")
    phone = filters.CharFilter(method="filter_search")
    name = filters.CharFilter(method="filter_search")

    class Meta:
        model = Resident
        fields = []

    def filter_tags(self, queryset, name, value):
        for code in [c.strip() for c in value.split(",") if c.strip()]:
            queryset = queryset.filter(tags__code=code)
        return queryset.distinct() if value else queryset

    def filter_search(self, queryset, name, value):
        return queryset  # all three are applied together in filter_queryset, with house/building

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        search = {key: data[key] for key in ("id_number", "phone", "name") if data.get(key) not in (None, "")}
        if not search:
            return queryset
        return residents_search(
            queryset,
            **search,
            house=data.get("house"),
            building=data.get("building"),
            document_type=data.get("document_type"),
        )


class KeyPersonFilter(_Territory):
    category = IdFilter(field_name="category_id")
    risk_level = filters.MultipleChoiceFilter(choices=RiskLevel.choices)
    status = filters.ChoiceFilter(choices=KeyPerson._meta.get_field("status").choices)
    responsible_worker = IdOrMeFilter(
        field_name="responsible_worker_id", me_field="responsible_worker__user_id"
    )
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("visit overdue now"))

    class Meta:
        model = KeyPerson
        fields = []

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(today()) if value else queryset.not_overdue(today())


class VisitFilter(filters.FilterSet):
    key_person = IdFilter(field_name="key_person_id")
    worker = IdOrMeFilter(field_name="worker_id", me_field="worker__user_id")
    form = filters.ChoiceFilter(choices=Visit.Form.choices)
    visited = PeriodFilter(field_name="visited_on")

    class Meta:
        model = Visit
        fields = []


class OrganisationFilter(_Territory):
    building = IdFilter(field_name="building_id")
    kind = filters.MultipleChoiceFilter(choices=Organisation.Kind.choices)
    tags = filters.CharFilter(method="filter_tags", label=_("safety tag codes, comma-separated"))

    class Meta:
        model = Organisation
        fields = []

    def filter_tags(self, queryset, name, value):
        for code in [c.strip() for c in value.split(",") if c.strip()]:
            queryset = queryset.filter(safety_tags__code=code)
        return queryset.distinct() if value else queryset


class FacilityFilter(_Territory):
    type = IdFilter(field_name="type_id")
    state = filters.MultipleChoiceFilter(choices=Facility.State.choices)

    class Meta:
        model = Facility
        fields = []


class CountsParams(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=["grid", "community", "street"], default="grid")
