"""List filters, named after the fields they filter on.

Parent filters take a plain id: an id outside the caller's scope simply matches nothing,
so a filter cannot reveal whether another street's record exists.
"""

import django_filters as filters

from config.filters import IdFilter, StrictBooleanFilter
from grids.models import CoGovernanceMember, Community, Grid, GridWorker, MicroGrid, Street
from grids.scope import scope_for


class StreetFilter(filters.FilterSet):
    class Meta:
        model = Street
        fields = {"district_code": ["exact"]}


class CommunityFilter(filters.FilterSet):
    street = IdFilter(field_name="street_id")

    class Meta:
        model = Community
        fields = ["street", "kind"]


class GridFilter(filters.FilterSet):
    street = IdFilter(field_name="community__street_id")
    community = IdFilter(field_name="community_id")
    has_party_branch = StrictBooleanFilter(method="filter_has_party_branch")

    class Meta:
        model = Grid
        fields = ["street", "community", "kind"]

    def filter_has_party_branch(self, queryset, name, value):
        return queryset.exclude(party_branch="") if value else queryset.filter(party_branch="")


class MicroGridFilter(filters.FilterSet):
    street = IdFilter(field_name="grid__community__street_id")
    community = IdFilter(field_name="grid__community_id")
    grid = IdFilter(field_name="grid_id")

    class Meta:
        model = MicroGrid
        fields = ["street", "community", "grid", "covers"]


class GridWorkerFilter(filters.FilterSet):
    """A worker may cover grids the caller does not see: `grid` and `community` match
    through visible grids only, so a hidden id matches nothing, like an id that does not exist.
    """

    street = IdFilter(field_name="street_id")
    grid = IdFilter(method="filter_covered_grids", field_name="pk")
    community = IdFilter(method="filter_covered_grids", field_name="community_id")
    is_active = StrictBooleanFilter()

    class Meta:
        model = GridWorker
        fields = ["street", "community", "grid", "kind", "is_active"]

    def filter_covered_grids(self, queryset, name, value):
        grids = Grid.objects.visible_to(scope_for(self.request.user)).filter(**{name: value})
        return queryset.filter(
            pk__in=GridWorker.grids.through.objects.filter(grid__in=grids).values("gridworker_id")
        )


class CoGovernanceMemberFilter(filters.FilterSet):
    street = IdFilter(field_name="community__street_id")
    community = IdFilter(field_name="community_id")
    grid = IdFilter(field_name="grid_id")

    class Meta:
        model = CoGovernanceMember
        fields = ["street", "community", "grid", "role"]
