"""List filters, named after the fields they filter on.

Parent filters take a plain id: an id outside the caller's scope simply matches nothing,
so a filter cannot reveal whether another street's record exists.
"""

import django_filters as filters

from config.filters import StrictBooleanFilter
from grids.models import CoGovernanceMember, Community, Grid, GridWorker, MicroGrid, Street


class StreetFilter(filters.FilterSet):
    class Meta:
        model = Street
        fields = {"district_code": ["exact"]}


class CommunityFilter(filters.FilterSet):
    street = filters.NumberFilter(field_name="street_id")

    class Meta:
        model = Community
        fields = ["street", "kind"]


class GridFilter(filters.FilterSet):
    street = filters.NumberFilter(field_name="community__street_id")
    community = filters.NumberFilter(field_name="community_id")
    has_party_branch = StrictBooleanFilter(method="filter_has_party_branch")

    class Meta:
        model = Grid
        fields = ["street", "community", "kind"]

    def filter_has_party_branch(self, queryset, name, value):
        return queryset.exclude(party_branch="") if value else queryset.filter(party_branch="")


class MicroGridFilter(filters.FilterSet):
    street = filters.NumberFilter(field_name="grid__community__street_id")
    community = filters.NumberFilter(field_name="grid__community_id")
    grid = filters.NumberFilter(field_name="grid_id")

    class Meta:
        model = MicroGrid
        fields = ["street", "community", "grid", "covers"]


class GridWorkerFilter(filters.FilterSet):
    street = filters.NumberFilter(field_name="street_id")
    grid = filters.NumberFilter(field_name="grids", distinct=True)
    community = filters.NumberFilter(field_name="grids__community_id", distinct=True)
    is_active = StrictBooleanFilter()

    class Meta:
        model = GridWorker
        fields = ["street", "community", "grid", "kind", "is_active"]


class CoGovernanceMemberFilter(filters.FilterSet):
    street = filters.NumberFilter(field_name="community__street_id")
    community = filters.NumberFilter(field_name="community_id")
    grid = filters.NumberFilter(field_name="grid_id")

    class Meta:
        model = CoGovernanceMember
        fields = ["street", "community", "grid", "role"]
