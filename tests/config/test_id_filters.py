"""Every id filter of every list answers an id outside the caller's territory as one never used.

The lists are found through the URL configuration and their filters through their filtersets,
so that a list or a filter added later is checked without touching this test: a new id
filter whose name is not below fails until it says which model its ids are of.
"""

import django_filters
import pytest
from django.contrib.auth import get_user_model
from django.urls import URLResolver, get_resolver, reverse
from django_filters.rest_framework import DjangoFilterBackend

from cases.models import Case, Category, MajorCategory
from config.filters import IdFilter
from grids.models import Community, Grid, GridWorker, MicroGrid, Street
from mediation.models import MediationCase, MediationRoom, Mediator
from registry.models import Building, FacilityType, House, KeyPerson
from tests.factories import (
    BuildingFactory,
    CaseFactory,
    HouseFactory,
    KeyPersonFactory,
    MediationCaseFactory,
    MediationRoomFactory,
    MicroGridFactory,
    PartyFactory,
)

pytestmark = pytest.mark.django_db

# What each id filter's ids are of, by the filter's name.
TARGETS = {
    "street": Street,
    "community": Community,
    "grid": Grid,
    "micro_grid": MicroGrid,
    "case": Case,
    "mediation": MediationCase,
    "room": MediationRoom,
    "home_room": MediationRoom,
    "lead_mediator": Mediator,
    "assignee_worker": GridWorker,
    "reporter": get_user_model(),
    "building": Building,
    "house": House,
    "responsible_worker": GridWorker,
    "worker": GridWorker,
    "key_person": KeyPerson,
}
# The event catalogue is the same for everyone: nothing of it lies outside a territory.
CATALOGUE = {"category": Category, "major_category": MajorCategory, "major": MajorCategory}
# Base data's catalogues too (a key person's category, a facility's type; registry.catalogues).
CATALOGUE |= {"type": FacilityType}
ID_FILTER_TYPES = (
    IdFilter,
    django_filters.NumberFilter,
    django_filters.ModelChoiceFilter,
    django_filters.ModelMultipleChoiceFilter,
)


def _patterns(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns)
        else:
            yield pattern


def api_lists():
    """(URL name, viewset) of every list of the API."""
    found = {}
    for pattern in _patterns(get_resolver().url_patterns):
        actions = getattr(pattern.callback, "actions", None) or {}
        if actions.get("get") == "list":
            found[pattern.name] = pattern.callback.cls
    return sorted(found.items(), key=lambda item: item[0])


def id_filters(viewset) -> list[str]:
    view = viewset()
    if getattr(viewset, "queryset", None) is not None:
        model = viewset.queryset.model
    elif getattr(viewset, "serializer_class", None) is not None:
        model = viewset.serializer_class.Meta.model
    else:
        # A list of the caller's own rows with parameters of its own (the notification inbox):
        # no filterset, so no id of anyone else's territory to filter by.
        return []
    filterset = DjangoFilterBackend().get_filterset_class(view, model._default_manager.none())
    if filterset is None:
        return []
    return sorted(name for name, f in filterset.base_filters.items() if isinstance(f, ID_FILTER_TYPES))


def every_id_filter():
    return [(name, param) for name, viewset in api_lists() for param in id_filters(viewset)]


def test_the_lists_and_their_id_filters_are_found():
    lists = dict(api_lists())
    assert {"v1:case-list", "v1:worker-list", "v1:mediation-party-list", "v1:grid-list"} <= {
        f"v1:{name}" for name in lists
    }
    assert ("mediation-party-list", "mediation") in every_id_filter()
    assert len(every_id_filter()) >= 30


@pytest.mark.parametrize(("list_name", "param"), every_id_filter())
def test_every_id_filter_names_the_model_of_its_ids_and_is_an_id_filter(list_name, param):
    assert param in TARGETS or param in CATALOGUE, f"{list_name}?{param}=: add it to TARGETS"
    filterset = DjangoFilterBackend().get_filterset_class(
        dict(api_lists())[list_name](), _model_of(list_name)._default_manager.none()
    )
    if param in TARGETS:
        assert isinstance(filterset.base_filters[param], IdFilter), f"{list_name}?{param}= is not an IdFilter"


def _model_of(list_name):
    viewset = dict(api_lists())[list_name]
    if getattr(viewset, "queryset", None) is not None:
        return viewset.queryset.model
    return viewset.serializer_class.Meta.model


@pytest.fixture
def street_a_records(world):
    """One record of every kind an id filter names, all in street A."""
    micro_grid = MicroGridFactory(grid=world.grid_a1)
    worker = GridWorker.objects.get(user=world.worker_a)
    case = CaseFactory(
        grid=world.grid_a1, micro_grid=micro_grid, reporter=world.worker_a, assignee_worker=worker
    )
    room = MediationRoomFactory(street=world.street_a, community=world.community_a, level="community")
    mediation = MediationCaseFactory(
        case=CaseFactory(grid=world.grid_a1, kind="dispute", status="accepted"),
        room=room,
        lead_mediator__home_room=room,
    )
    PartyFactory(mediation=mediation)
    building = BuildingFactory(grid=world.grid_a1)
    house = HouseFactory(building=building)
    key_person = KeyPersonFactory(resident__house=house, grid=world.grid_a1, responsible_worker=worker)
    return {
        Building: building,
        House: house,
        KeyPerson: key_person,
        Street: world.street_a,
        Community: world.community_a,
        Grid: world.grid_a1,
        MicroGrid: micro_grid,
        Case: case,
        MediationCase: mediation,
        MediationRoom: room,
        Mediator: mediation.lead_mediator,
        GridWorker: worker,
        get_user_model(): world.worker_a,
    }


@pytest.mark.parametrize("caller", ["admin_b", "worker_b"])
@pytest.mark.parametrize(("list_name", "param"), [pair for pair in every_id_filter() if pair[1] in TARGETS])
def test_an_id_outside_the_territory_filters_like_one_never_used(
    world, api, street_a_records, caller, list_name, param
):
    model = TARGETS[param]
    hidden = street_a_records[model].pk
    missing = (model._base_manager.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    client = api(getattr(world, caller))
    url = reverse(f"v1:{list_name}")

    by_hidden = client.get(url, {param: hidden})
    by_missing = client.get(url, {param: missing})

    assert by_hidden.status_code == by_missing.status_code
    assert by_hidden.json() == by_missing.json()


@pytest.mark.parametrize(("list_name", "param"), [pair for pair in every_id_filter() if pair[1] in TARGETS])
@pytest.mark.parametrize("value", ["1.5", "-1", "0", "abc", "9" * 19])
def test_an_id_filter_refuses_what_is_not_an_id(world, api, list_name, param, value):
    response = api(world.admin_a).get(reverse(f"v1:{list_name}"), {param: value})
    assert response.status_code == 400
    assert response.json() == {param: ["请输入记录的 id：一个正整数。"]}
