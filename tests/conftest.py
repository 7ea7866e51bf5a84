"""Fixtures shared by the whole suite: fast hashing, API clients and a small territory."""

import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from accounts.services import token_create
from cases import services as case_services
from grids.models import GridWorker, UserScope
from registry.models import KeyPersonCategory
from tests.factories import (
    BuildingFactory,
    CategoryFactory,
    CommunityFactory,
    GridFactory,
    GridWorkerFactory,
    HouseFactory,
    ResidentFactory,
    StreetFactory,
    UserFactory,
    UserScopeFactory,
    id_number_for,
)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test has boundaries of its own, and one that commits them (transaction=True) is
    # flushed afterwards: every look-up reads the boundaries' version, as other processes'
    # writes are read in production once the interval has passed (tests/grids/test_locate.py).
    settings.GEO_INDEX_RECHECK_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_cache_and_media(settings, tmp_path):
    """Throttle counters live in the cache: each test starts with none. Uploads go to tmp."""
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    cache.clear()


def _rabbitmq_is_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…")
    # Tests with a real worker need RabbitMQ; CI sets REQUIRE_BROKER=1 so that they fail
    # instead of skipping when it is down. Stopping the broker (`broker_outage`) disturbs
    # everyone using it, so only runs that ask for it do it (BROKER_OUTAGE_TESTS=1, as CI).
    broker_up = any("broker" in item.keywords for item in items) and _rabbitmq_is_up()
    skip_broker = pytest.mark.skip(reason="needs RabbitMQ at 127.0.0.1:5672")
    skip_outage = pytest.mark.skip(reason="stops RabbitMQ: set BROKER_OUTAGE_TESTS=1")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "broker" in item.keywords and not broker_up and os.environ.get("REQUIRE_BROKER") != "1":
            item.add_marker(skip_broker)
        if "broker_outage" in item.keywords and os.environ.get("BROKER_OUTAGE_TESTS") != "1":
            item.add_marker(skip_outage)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request):
    """A worker process started by a test reads the test database: on SQLite it is a file
    (in memory when it can be), since an in-memory database is private to one process."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    wanted = any(item.get_closest_marker("broker") for item in request.session.items)
    if wanted and database["ENGINE"].endswith("sqlite3"):
        folder = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
        database.setdefault("TEST", {})["NAME"] = str(folder / f"gridgov-test-{os.getpid()}.sqlite3")


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_in_process():
    """The suite runs in single-machine mode whatever the environment says; the worker tests
    switch to the broker themselves."""
    from config.celery import app

    app.conf.task_always_eager = True


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


def client_for(user=None) -> APIClient:
    """An API client that authenticates like a phone does: with a token of its own."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user).token}")
    return client


@pytest.fixture
def api():
    return client_for


@dataclass
class World:
    """Two streets in two districts, each with communities and grids, and one user per role.

    Street A (Jiangjin 500116): community A (grids A1, A2) and community A2 (grid A3).
    Street B (Nanchuan 500119): community B (grid B1).
    """

    street_a: object
    street_b: object
    community_a: object
    community_a2: object
    community_b: object
    grid_a1: object
    grid_a2: object
    grid_a3: object
    grid_b1: object
    superuser: object
    admin_a: object
    admin_b: object
    staff_a: object
    viewer: object
    worker_a: object
    worker_b: object
    nobody: object


@pytest.fixture
def world(db) -> World:
    street_a = StreetFactory(
        name="圣泉街道", district_code="500116", district_name="江津区", abbreviation="SQ"
    )
    street_b = StreetFactory(
        name="东城街道", district_code="500119", district_name="南川区", abbreviation="DC"
    )
    community_a = CommunityFactory(street=street_a, name="浒溪社区")
    community_a2 = CommunityFactory(street=street_a, name="三河村", kind="rural")
    community_b = CommunityFactory(street=street_b, name="灌坝社区")
    grid_a1 = GridFactory(community=community_a, name="浒溪一网格")
    grid_a2 = GridFactory(community=community_a, name="浒溪二网格")
    grid_a3 = GridFactory(community=community_a2, name="三河一组", kind="rural_group")
    grid_b1 = GridFactory(community=community_b, name="灌坝一网格")
    return World(
        street_a=street_a,
        street_b=street_b,
        community_a=community_a,
        community_a2=community_a2,
        community_b=community_b,
        grid_a1=grid_a1,
        grid_a2=grid_a2,
        grid_a3=grid_a3,
        grid_b1=grid_b1,
        superuser=UserFactory(username="root", is_superuser=True, is_staff=True),
        admin_a=UserScopeFactory(user__username="admin-a", street=street_a).user,
        admin_b=UserScopeFactory(user__username="admin-b", street=street_b).user,
        staff_a=UserScopeFactory(
            user__username="staff-a", role=UserScope.Role.COMMUNITY_STAFF, street=None, community=community_a
        ).user,
        viewer=UserScopeFactory(
            user__username="viewer", role=UserScope.Role.DISTRICT_VIEWER, street=None, district_code="500116"
        ).user,
        worker_a=GridWorkerFactory(user__username="worker-a", street=street_a, grids=[grid_a1]).user,
        worker_b=GridWorkerFactory(user__username="worker-b", street=street_b, grids=[grid_b1]).user,
        nobody=UserFactory(username="nobody"),
    )


# --- cases in any status, as the centre and the workers would bring them there ---------------

# The steps that bring a new case to each status, as the centre and the worker would take them.
PATHS = {
    "reported": [],
    "accepted": ["accept"],
    "assigned": ["accept", "assign"],
    "in_progress": ["accept", "assign", "start"],
    "resolved": ["accept", "assign", "start", "resolve"],
    "closed": ["accept", "assign", "start", "resolve", "verify"],
    "rejected": ["reject"],
    "merged": ["merge"],
}


@pytest.fixture
def category(db):
    return CategoryFactory(name="乱堆乱放", time_limit_hours=48, default_triage="small", default_level="grid")


class CaseMaker:
    """`make_case("in_progress")` gives a case of grid A1 that reached that status via the services."""

    def __init__(self, world, category):
        self.world = world
        self.category = category

    def __call__(self, status="reported", *, grid=None, level=None, **create):
        world = self.world
        grid = grid or world.grid_a1
        in_a = grid.community.street_id == world.street_a.pk
        admin = world.admin_a if in_a else world.admin_b
        worker = GridWorker.objects.get(user=world.worker_a if in_a else world.worker_b)
        case = case_services.case_create(
            actor=world.worker_a if grid == world.grid_a1 else admin,
            grid=grid,
            category=self.category,
            title=create.pop("title", "楼道堆放杂物"),
            address="浒溪路 8 号",
            **create,
        )
        steps = {
            "accept": lambda: case_services.case_accept(case_id=case.pk, actor=admin, level=level),
            "assign": lambda: case_services.case_assign(case_id=case.pk, actor=admin, worker=worker),
            "start": lambda: case_services.case_start(case_id=case.pk, actor=worker.user),
            "resolve": lambda: case_services.case_resolve(
                case_id=case.pk, actor=worker.user, result="已清理完毕"
            ),
            "verify": lambda: case_services.case_verify(case_id=case.pk, actor=admin, passed=True),
            "reject": lambda: case_services.case_reject(case_id=case.pk, actor=admin, reason="重复上报"),
            "merge": lambda: case_services.case_merge(
                case_id=case.pk, actor=admin, into=self._another(grid, admin).pk, reason="同一处杂物"
            ),
        }
        for step in PATHS[status]:
            steps[step]()
        case.refresh_from_db()
        return case

    def _another(self, grid, actor):
        """An open case of the same grid, for a duplicate to be merged into."""
        return case_services.case_create(actor=actor, grid=grid, category=self.category, title="同一事项")


@pytest.fixture
def make_case(world, category):
    return CaseMaker(world, category)


# --- base data: a place in grid A1 (a building, a house, a resident) and street B's -------------


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


@pytest.fixture
def shaped_world(world):
    """The test world with boundaries (`tests.geo`): streets, communities and grids as rectangles."""
    from tests.geo import shape_world

    return shape_world(world)
