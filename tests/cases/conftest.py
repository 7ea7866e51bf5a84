import pytest

from cases import services
from grids.models import GridWorker
from tests.factories import CategoryFactory

# The steps that bring a new case to each status, as the centre and the worker would take them.
PATHS = {
    "reported": [],
    "accepted": ["accept"],
    "assigned": ["accept", "assign"],
    "in_progress": ["accept", "assign", "start"],
    "resolved": ["accept", "assign", "start", "resolve"],
    "closed": ["accept", "assign", "start", "resolve", "verify"],
    "rejected": ["reject"],
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
        case = services.case_create(
            actor=world.worker_a if grid == world.grid_a1 else admin,
            grid=grid,
            category=self.category,
            title=create.pop("title", "楼道堆放杂物"),
            address="浒溪路 8 号",
            **create,
        )
        steps = {
            "accept": lambda: services.case_accept(case_id=case.pk, actor=admin, level=level),
            "assign": lambda: services.case_assign(case_id=case.pk, actor=admin, worker=worker),
            "start": lambda: services.case_start(case_id=case.pk, actor=worker.user),
            "resolve": lambda: services.case_resolve(case_id=case.pk, actor=worker.user, result="已清理完毕"),
            "verify": lambda: services.case_verify(case_id=case.pk, actor=admin, passed=True),
            "reject": lambda: services.case_reject(case_id=case.pk, actor=admin, reason="重复上报"),
        }
        for step in PATHS[status]:
            steps[step]()
        case.refresh_from_db()
        return case


@pytest.fixture
def make_case(world, category):
    return CaseMaker(world, category)
