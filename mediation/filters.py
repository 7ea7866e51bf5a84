"""List filters of the mediation API, named after the fields."""

import django_filters as filters

from config.filters import IdFilter, PeriodFilter, StrictBooleanFilter
from mediation.models import (
    DisputeType,
    MediationCase,
    MediationLevel,
    MediationRoom,
    MediationStatus,
    Mediator,
    Party,
)


class RoomFilter(filters.FilterSet):
    street = IdFilter(field_name="street_id")
    community = IdFilter(field_name="community_id")
    level = filters.ChoiceFilter(choices=MediationRoom.Level.choices)
    is_gold = StrictBooleanFilter()

    class Meta:
        model = MediationRoom
        fields = []


class MediatorFilter(filters.FilterSet):
    street = IdFilter(field_name="street_id")
    community = IdFilter(field_name="community_id")
    home_room = IdFilter(field_name="home_room_id")
    kind = filters.MultipleChoiceFilter(choices=Mediator.Kind.choices)
    is_active = StrictBooleanFilter()

    class Meta:
        model = Mediator
        fields = []


class MediationFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=MediationStatus.choices)
    level = filters.MultipleChoiceFilter(choices=MediationLevel.choices)
    dispute_type = filters.MultipleChoiceFilter(choices=DisputeType.choices)
    street = IdFilter(field_name="street_id")
    community = IdFilter(field_name="community_id")
    room = IdFilter(field_name="room_id")
    lead_mediator = IdFilter(field_name="lead_mediator_id")
    case = IdFilter(field_name="case_id")
    registered = PeriodFilter(field_name="registered_at")

    class Meta:
        model = MediationCase
        fields = []


class PartyFilter(filters.FilterSet):
    # A plain id, not a choice of every mediation: that answered 400 for an id never used
    # and an empty page for another street's, telling the two apart.
    mediation = IdFilter(field_name="mediation_id")
    role = filters.ChoiceFilter(choices=Party.Role.choices)

    class Meta:
        model = Party
        fields = []
