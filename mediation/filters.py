"""List filters of the mediation API, named after the fields."""

import django_filters as filters

from config.filters import PeriodFilter, StrictBooleanFilter
from mediation.models import (
    DisputeType,
    MediationCase,
    MediationLevel,
    MediationRoom,
    MediationStatus,
    Mediator,
)


class RoomFilter(filters.FilterSet):
    street = filters.NumberFilter(field_name="street_id")
    community = filters.NumberFilter(field_name="community_id")
    level = filters.ChoiceFilter(choices=MediationRoom.Level.choices)
    is_gold = StrictBooleanFilter()

    class Meta:
        model = MediationRoom
        fields = []


class MediatorFilter(filters.FilterSet):
    street = filters.NumberFilter(field_name="street_id")
    community = filters.NumberFilter(field_name="community_id")
    home_room = filters.NumberFilter(field_name="home_room_id")
    kind = filters.MultipleChoiceFilter(choices=Mediator.Kind.choices)
    is_active = StrictBooleanFilter()

    class Meta:
        model = Mediator
        fields = []


class MediationFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=MediationStatus.choices)
    level = filters.MultipleChoiceFilter(choices=MediationLevel.choices)
    dispute_type = filters.MultipleChoiceFilter(choices=DisputeType.choices)
    street = filters.NumberFilter(field_name="street_id")
    community = filters.NumberFilter(field_name="community_id")
    room = filters.NumberFilter(field_name="room_id")
    lead_mediator = filters.NumberFilter(field_name="lead_mediator_id")
    case = filters.NumberFilter(field_name="case_id")
    registered = PeriodFilter(field_name="registered_at")

    class Meta:
        model = MediationCase
        fields = []
