"""The case history of each street: how many cases of which kind, over which period.

The totals are figures (`seeds.figures`); periods, category mixes, the moments the streets
are shown at and the open cases are synthetic.
"""

from datetime import datetime, timedelta
from random import Random

from cases.models import Category, Source, Status, Triage
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
# The moment each street's data shows (synthetic): its history stops there, and the cases
# still open then are open in the seed. Jijiang and Dongcheng at the end of their periods;
# Shengquan, all of whose events and disputes are closed, on 16 December 2022, a date that
# report 002's page tells of.
SQ_AS_OF = syn.local(2022, 12, 16)
JJ_AS_OF = JJ_PERIOD[1]
DC_AS_OF = DC_PERIOD[1]
# Shares of the incident major classes (by code) in the synthetic mix.
INCIDENT_MIX = {"05": 25, "06": 15, "04": 15, "07": 15, "02": 10, "03": 8, "08": 7, "09": 5}
# Jijiang's open cases: 1% of 25,000, the rest of its 99% closure rate, all accepted (立案) so
# that closed / accepted, the closure rate's formula, is the report's 99%. Most are recent,
# still within their time limit; the others waited past it for a department or a notice
# period (big matters such as illegal building), overdue and supervised. Dongcheng has no
# closure figure: a few of its last events are open in the same way.
JJ_OPEN = {"recent": 190, "overdue": 60}
DC_OPEN = {"recent": 5, "overdue": 2}  # at most: Dongcheng's last two weeks hold few events
RECENT_STAGES = {Status.ACCEPTED: 20, Status.ASSIGNED: 25, Status.IN_PROGRESS: 35, Status.RESOLVED: 20}
OVERDUE_STAGES = {Status.ASSIGNED: 30, Status.IN_PROGRESS: 70}

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
    factory, by_major = CaseFactory(rng, plan, staff, profile, SQ_AS_OF), _categories_by_major()
    walks = [
        factory.close(factory.report(_incident_category(rng, by_major), rng.choice(plan.grids), at))
        for at in spread(rng, value("sq_incidents_closed"), *SQ_PERIOD)
    ]
    return walks


def jijiang_city_cases(rng: Random, plan: StreetPlan, staff: Staff) -> list[Walk]:
    """25,000 city-management cases, 24,750 of them closed: a 99% closure rate (report 003)."""
    profile = Profile(0.05, 0.03, 0.03, 0.6, 0.3, CITY)
    factory, city = CaseFactory(rng, plan, staff, profile, JJ_AS_OF), _categories_by_major()["10"]
    walks = [
        factory.report(rng.choice(city), rng.choice(plan.grids), at)
        for at in spread(rng, value("jj_city_cases"), *JJ_PERIOD)
    ]
    walks = _finish(rng, factory, walks, JJ_OPEN)
    closed = sum(walk.case.status == Status.CLOSED for walk in walks)
    assert closed == value("jj_city_cases_closed") == value("jj_city_cases") - sum(JJ_OPEN.values())
    return walks


def dongcheng_incidents(rng: Random, plan: StreetPlan, staff: Staff) -> list[Walk]:
    """A synthetic year of Dongcheng events, sorted by the three-matter triage (三事分流)."""
    profile = Profile(0.06, 0.04, 0.06, 0.7, 0.4, PATROL_HEAVY)
    factory, by_major = CaseFactory(rng, plan, staff, profile, DC_AS_OF), _categories_by_major()
    walks = [
        factory.report(_incident_category(rng, by_major), rng.choice(plan.grids), at)
        for at in spread(rng, DC_INCIDENTS, *DC_PERIOD)
    ]
    return _finish(rng, factory, walks, DC_OPEN)


def _finish(rng: Random, factory: CaseFactory, walks: list[Walk], open_counts: dict[str, int]) -> list[Walk]:
    """Leave the chosen cases open at the street's moment and close the others."""
    as_of = factory.as_of
    # Recent: the latest cases of the last two weeks still within their time limit at `as_of`.
    recent = [
        n
        for n in reversed(range(len(walks)))
        if walks[n].case.reported_at > as_of - timedelta(weeks=2) and walks[n].case.due_at > as_of
    ][: open_counts["recent"]]
    # Overdue: big matters reported one to eight weeks before, past their time limit.
    window = (as_of - timedelta(weeks=8), as_of - timedelta(weeks=1))
    candidates = [n for n, walk in enumerate(walks) if _waits(walk, window, as_of) and n not in recent]
    overdue = rng.sample(candidates, open_counts["overdue"])
    stages = {n: syn.weighted(rng, RECENT_STAGES) for n in recent}
    stages |= {n: syn.weighted(rng, OVERDUE_STAGES) for n in sorted(overdue)}
    return [
        factory.leave_open(walk, stages[n]) if n in stages else factory.close(walk)
        for n, walk in enumerate(walks)
    ]


def _waits(walk: Walk, window: tuple[datetime, datetime], as_of: datetime) -> bool:
    case = walk.case
    return case.triage == Triage.BIG and window[0] <= case.reported_at < window[1] and case.due_at < as_of


def save(plan: StreetPlan, walks: list[Walk], place=None) -> list[Walk]:
    return number_and_save(plan, walks, place)
