"""A place in grid A1 (a building, a house, a resident) and a key person that worker A visits."""

from dataclasses import dataclass

import pytest

from grids.models import GridWorker
from registry.models import KeyPersonCategory
from tests.factories import BuildingFactory, HouseFactory, ResidentFactory, id_number_for


@dataclass
class Place:
    building: object
    house: object
    resident: object
    building_b: object
    house_b: object
    resident_b: object


@pytest.fixture
def place(world) -> Place:
    building = BuildingFactory(grid=world.grid_a1, code="A1-01", name="浒溪花园1栋", floors=6, units=2)
    house = HouseFactory(building=building, unit=1, floor=3, room="301")
    resident = ResidentFactory(house=house, id_number=id_number_for(7, "19580302"), phone="13900001111")
    building_b = BuildingFactory(grid=world.grid_b1, code="B1-01", name="灌坝小区1栋")
    house_b = HouseFactory(building=building_b, unit=1, floor=1, room="101")
    resident_b = ResidentFactory(house=house_b, name="李四", id_number=id_number_for(8, "19700101", "500119"))
    return Place(building, house, resident, building_b, house_b, resident_b)


@pytest.fixture
def correction(db):
    """社区矫正对象, with the catalogue's visit rules (7, 14 and 30 days)."""
    return KeyPersonCategory.objects.get(code="community_correction")


@pytest.fixture
def worker_a(world):
    return GridWorker.objects.get(user=world.worker_a)
