"""The case history of each street: how many cases of which kind, over which period.

The totals are figures (`seeds.figures`); periods, category mixes and the open cases' stages
are synthetic.
"""

from random import Random

from cases.models import Category, Source, Status
from seeds import synthetic as syn
from seeds.figures import value
from seeds.history import CaseFactory, Profile, Walk, number_and_save, spread
from seeds.people import Staff
from seeds.territory import StreetPlan

# Shengquan's centre opening is not dated in the reports; the history starts here (synthetic).
SQ_PERIOD = (syn.local(2021, 3, 1), syn.local(2022, 11, 30))
JJ_PERIOD = (syn.local(2023, 1, 1), syn.local(2023, 12, 31))
DC_PERIOD = (syn.local(2022, 1, 1), syn.local(2022, 12, 31))
DC_INCIDENTS = 600  # synthetic: the Dongcheng report gives no case count
# Shares of the incident major classes (by code) in the synthetic mix.
INCIDENT_MIX = {"05": 25, "06": 15, "04": 15, "07": 15, "02": 10, "03": 8, "08": 7, "09": 5}
# Stages of Jijiang's open cases (1% of 25,000, the rest of its 99% closure rate). All are
# accepted (立案), so that closed / accepted, the closure rate's formula, is the report's 99%.
OPEN_STAGES = {
    Status.ACCEPTED: 70,
    Status.ASSIGNED: 60,
    Status.IN_PROGRESS: 80,
    Status.RESOLVED: 40,
}

PATROL_HEAVY = {
    Source.PATROL: 55,
    Source.RESIDENT: 15,
    Source.HOTLINE: 12,
    Source.WECHAT: 10,
    Source.VIDEO: 5,
    Source.TRANSFER: 3,
}
CITY = {Source.PATROL: 50, Source.HOTLINE: 20, Source.VIDEO: 15, Source.RESIDENT: 10, Source.WECHAT: 5}


def _categories_by_major() -> dict[str, list[Category]]:
    by_major: dict[str, list[Category]] = {}
    for category in Category.objects.select_related("major").filter(is_active=True).order_by("code"):
        by_major.setdefault(category.major.code, []).append(category)
    return by_major


def _incident_category(rng: Random, by_major) -> Category:
    return rng.choice(by_major[syn.weighted(rng, INCIDENT_MIX)])


def shengquan_incidents(rng: Random, plan: StreetPlan, staff: Staff) -> list[Walk]:
    """1,781 grid events, every one closed (report 002)."""
    profile = Profile(0.07, 0.04, 0.05, 0.8, 0.4, PATROL_HEAVY)
    factory, by_major = CaseFactory(rng, plan, staff, profile), _categories_by_major()
    walks = [
        factory.close(factory.report(_incident_category(rng, by_major), rng.choice(plan.grids), at))
        for at in spread(rng, value("sq_incidents_closed"), *SQ_PERIOD)
    ]
    return walks


def jijiang_city_cases(rng: Random, plan: StreetPlan, staff: Staff) -> list[Walk]:
    """25,000 city-management cases, 24,750 of them closed: a 99% closure rate (report 003)."""
    profile = Profile(0.05, 0.03, 0.03, 0.6, 0.3, CITY)
    factory, city = CaseFactory(rng, plan, staff, profile), _categories_by_major()["10"]
    moments = spread(rng, value("jj_city_cases"), *JJ_PERIOD)
    open_count = value("jj_city_cases") - value("jj_city_cases_closed")
    # The open cases are the latest ones, still on their way at the end of the period.
    stages = [stage for stage, n in OPEN_STAGES.items() for _ in range(n)]
    assert len(stages) == open_count
    walks = []
    for n, at in enumerate(moments):
        walk = factory.report(rng.choice(city), rng.choice(plan.grids), at)
        opened = n - (len(moments) - open_count)
        walks.append(factory.leave_open(walk, stages[opened]) if opened >= 0 else factory.close(walk))
    return walks


def dongcheng_incidents(rng: Random, plan: StreetPlan, staff: Staff) -> list[Walk]:
    """A synthetic year of Dongcheng events, sorted by the three-matter triage (三事分流)."""
    profile = Profile(0.06, 0.04, 0.06, 0.7, 0.4, PATROL_HEAVY)
    factory, by_major = CaseFactory(rng, plan, staff, profile), _categories_by_major()
    return [
        factory.close(factory.report(_incident_category(rng, by_major), rng.choice(plan.grids), at))
        for at in spread(rng, DC_INCIDENTS, *DC_PERIOD)
    ]


def save(plan: StreetPlan, walks: list[Walk]) -> list[Walk]:
    return number_and_save(plan, walks)
