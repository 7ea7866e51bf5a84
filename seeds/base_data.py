"""Shengquan's base data (report 002): 989 buildings, 21,507 houses, 4,835 residents, 271 key persons.

The counts are the report's (`seeds.figures`); everything else is synthetic: the buildings'
names, sizes, uses and points, the houses' rooms and uses, every resident (names, ID numbers
with a valid GB 11643 check character, phones, households), the key persons' categories, risk
levels and workers, and their visits. Each key person is visited as the frequency rule of
their category and risk level asks (`VisitRule`), from registration up to the street's
moment (16 December 2022): most visits by their due day, some a few days late, and a few
key persons left overdue then.

Points: each building lies inside its grid's synthetic boundary (`seeds.geography`), a metre
clear of its edges (`building_point`), as the service requires of a building's point.

Residents, key persons and visits are written with bulk inserts: the sealed fields seal and
the blind indexes are computed on insert, as for any other write. The key persons' history is
built by `KEY_PERSON_HISTORY.step`, the same builder the services record through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from random import Random

from registry.models import (
    Building,
    House,
    KeyPerson,
    KeyPersonCategory,
    Residence,
    Resident,
    ResidentTag,
    RiskLevel,
    Visit,
    VisitRule,
)
from registry.validators import birth_date_of_id_number
from registry.workflow import KEY_PERSON_HISTORY
from seeds import synthetic as syn
from seeds.figures import value
from seeds.geography import Box, inner_box
from seeds.people import Staff
from seeds.territory import RURAL, StreetPlan
from seeds.workload import SQ_AS_OF

RANDOM_SEED = 20221216  # the street's moment: the base data's own generator
URBAN_USES = {
    Building.Use.RESIDENTIAL: 78,
    Building.Use.MIXED: 12,
    Building.Use.COMMERCIAL: 6,
    Building.Use.PUBLIC: 4,
}
RURAL_USES = {Building.Use.RESIDENTIAL: 92, Building.Use.INDUSTRIAL: 4, Building.Use.PUBLIC: 4}
HOUSE_USES = {House.Use.SELF_OCCUPIED: 70, House.Use.RENTED: 15, House.Use.VACANT: 12, House.Use.BUSINESS: 3}
RESIDENCE_TYPES = {
    Resident.ResidenceType.REGISTERED: 62,
    Resident.ResidenceType.PERMANENT: 24,
    Resident.ResidenceType.FLOATING: 14,
}
FOREIGN_RESIDENTS = 6  # synthetic: a handful with passports
KEY_PERSON_MIX = {
    "community_correction": 38,
    "released_prisoner": 62,
    "severe_mental_disorder": 84,
    "drug_rehabilitation": 29,
    "at_risk_youth": 41,
    "key_petitioner": 17,
}  # synthetic shares; they add up to report 002's 271
RISK_MIX = {RiskLevel.HIGH: 15, RiskLevel.MEDIUM: 35, RiskLevel.LOW: 50}
REGISTERED_FROM = date(2021, 3, 1)  # with the centre's history (seeds.workload.SQ_PERIOD)
LATE_SHARE = 0.06  # visits a few days past their due day
LEFT_OVERDUE_SHARE = 0.03  # key persons whose last due day had passed unvisited at the moment


@dataclass
class BaseDataPlan:
    buildings: list[Building]
    houses: list[House]
    residents: list[Resident]
    key_persons: list[KeyPerson]
    visits: int


def build_shengquan(rng: Random, plan: StreetPlan, staff: Staff, grid_boxes: dict[int, Box]) -> BaseDataPlan:
    buildings = _buildings(rng, plan, grid_boxes)
    houses = _houses(rng, buildings)
    residents = _residents(rng, houses)
    key_persons, visits = _key_persons(rng, residents, staff)
    return BaseDataPlan(buildings, houses, residents, key_persons, visits)


# --- buildings and houses ---------------------------------------------------------------------


def _spread(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights`, the remainders to the largest fractions."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    by_fraction = sorted(range(len(weights)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in by_fraction[: total - sum(counts)]:
        counts[i] += 1
    return counts


def building_point(rng: Random, box: Box) -> tuple[Decimal, Decimal]:
    """A building's point (latitude, longitude): inside its grid's synthetic boundary, a metre
    clear of its edges, as the seeded cases' points are."""
    x0, y0, x1, y1 = inner_box(box)
    lat = Decimal(y0 + (y1 - y0) * rng.randrange(0, 3000) / 3000)
    lng = Decimal(x0 + (x1 - x0) * rng.randrange(0, 4000) / 4000)
    return lat.quantize(Decimal("0.000001")), lng.quantize(Decimal("0.000001"))


def _buildings(rng: Random, plan: StreetPlan, grid_boxes: dict[int, Box]) -> list[Building]:
    grids = plan.grids
    community_of = {c.pk: c for c in plan.communities}
    per_grid = _spread(
        value("sq_buildings"), [3 if community_of[g.community_id].kind == RURAL else 4 for g in grids]
    )
    buildings = []
    for grid, count in zip(grids, per_grid, strict=True):
        rural = community_of[grid.community_id].kind == RURAL
        for n in range(1, count + 1):
            latitude, longitude = building_point(rng, grid_boxes[grid.pk])
            use = syn.weighted(rng, RURAL_USES if rural else URBAN_USES)
            managed = not rural and rng.random() < 0.6
            buildings.append(
                Building(
                    grid=grid,
                    community_id=grid.community_id,
                    code=f"{grid.code[-3:]}{n:03d}",
                    name=f"{grid.name}{n}号" if rural else f"{grid.name}{n}栋",
                    address=f"{community_of[grid.community_id].name}{n}号",
                    latitude=latitude,
                    longitude=longitude,
                    floors=rng.randrange(2, 4) if rural else rng.choice((6, 7, 9, 11, 18, 26, 33)),
                    units=1 if rural else rng.randrange(1, 5),
                    use=use,
                    property_managed=managed,
                    property_company=f"{community_of[grid.community_id].name[:2]}物业" if managed else "",
                    leader_name=syn.person_name(rng),
                    leader_phone=syn.mobile(rng),
                )
            )
    return Building.objects.bulk_create(buildings, batch_size=1000)


def _houses(rng: Random, buildings: list[Building]) -> list[House]:
    # Four flats a floor and unit at most; a building's share of houses follows its size.
    capacity = [b.floors * b.units * 4 for b in buildings]
    counts = _spread(value("sq_houses"), [b.floors * b.units for b in buildings])
    counts = _fit(counts, capacity)
    houses = []
    for building, count in zip(buildings, counts, strict=True):
        rooms = [
            (u, f, r)
            for f in range(1, building.floors + 1)
            for u in range(1, building.units + 1)
            for r in range(1, 5)
        ]
        for unit, floor, room in sorted(rooms[:count]):
            use = syn.weighted(rng, HOUSE_USES)
            house = House(building=building, unit=unit, floor=floor, room=f"{floor}{room:02d}", use=use)
            if use == House.Use.RENTED:
                house.landlord_name, house.landlord_phone = syn.person_name(rng), syn.mobile(rng)
                house.lease_start = date(2022, 1, 1) + timedelta(days=rng.randrange(300))
                house.lease_end = house.lease_start + timedelta(days=365)
            houses.append(house)
    return House.objects.bulk_create(houses, batch_size=2000)


def _fit(counts: list[int], capacity: list[int]) -> list[int]:
    """Move what exceeds a building's capacity to the buildings with room left, in order."""
    counts = [min(c, cap) for c, cap in zip(counts, capacity, strict=True)]
    missing = value("sq_houses") - sum(counts)
    for i, cap in enumerate(capacity):
        room = min(cap - counts[i], missing)
        counts[i] += room
        missing -= room
    return counts


# --- residents ----------------------------------------------------------------------------------


def _residents(rng: Random, houses: list[House]) -> list[Resident]:
    """4,835 residents in households of one to four, in lived-in houses chosen at random."""
    lived_in = [h for h in houses if h.use != House.Use.VACANT]
    rng.shuffle(lived_in)
    tags = {t.code: t for t in ResidentTag.objects.all()}
    residents, seen, house_index = [], set(), 0
    total = value("sq_residents")
    while len(residents) < total:
        house = lived_in[house_index]
        house_index += 1
        for relation in _household(rng)[: total - len(residents)]:
            residents.append(
                _resident(rng, house, relation, seen, foreign=len(residents) < FOREIGN_RESIDENTS)
            )
    residents = Resident.objects.bulk_create(residents, batch_size=1000)
    _tag(rng, residents, tags)
    Residence.objects.bulk_create(
        (
            Residence(
                resident=r,
                house_id=r.house_id,
                relation_to_head=r.relation_to_head,
                moved_in_on=date(2005, 1, 1) + timedelta(days=rng.randrange(365 * 17)),
            )
            for r in residents
        ),
        batch_size=2000,
    )
    return residents


def _household(rng: Random) -> list[str]:
    size = syn.weighted(rng, {1: 20, 2: 35, 3: 30, 4: 15})
    return [
        Resident.Relation.HEAD,
        Resident.Relation.SPOUSE,
        Resident.Relation.CHILD,
        Resident.Relation.PARENT,
    ][:size]


def _resident(rng: Random, house: House, relation: str, seen: set, *, foreign: bool) -> Resident:
    grid = house.building.grid
    resident = Resident(
        name=syn.person_name(rng),
        gender=rng.choice(Resident.Gender.values),
        phone=syn.mobile(rng) if rng.random() < 0.85 else "",
        ethnicity="汉族" if rng.random() < 0.97 else rng.choice(("土家族", "苗族", "回族")),
        house=house,
        grid=grid,
        relation_to_head=relation,
    )
    if foreign:
        resident.document_type, resident.residence_type = (
            Resident.Document.PASSPORT,
            Resident.ResidenceType.FOREIGN,
        )
        resident.nationality = rng.choice(("越南", "缅甸", "老挝"))
        resident.id_number = f"E{rng.randrange(10**8):08d}"
        resident.birth_date = date(1970, 1, 1) + timedelta(days=rng.randrange(365 * 30))
        return resident
    while True:
        number = syn.id_number(rng, grid.code[:6])
        if number not in seen:
            seen.add(number)
            break
    resident.id_number, resident.birth_date = number, birth_date_of_id_number(number)
    resident.residence_type = syn.weighted(rng, RESIDENCE_TYPES)
    return resident


def _tag(rng: Random, residents: list[Resident], tags: dict) -> None:
    through = Resident.tags.through
    rows = []
    for r in residents:
        age = SQ_AS_OF.year - r.birth_date.year
        if age >= 70 and r.relation_to_head == Resident.Relation.HEAD and rng.random() < 0.3:
            rows.append(through(resident_id=r.pk, residenttag_id=tags["elderly_alone"].pk))
        if rng.random() < 0.02:
            rows.append(
                through(
                    resident_id=r.pk,
                    residenttag_id=tags[rng.choice(("disability", "veteran", "low_income"))].pk,
                )
            )
    through.objects.bulk_create(rows, batch_size=2000)


# --- key persons and their visits ---------------------------------------------------------------


def _key_persons(rng: Random, residents: list[Resident], staff: Staff) -> tuple[list[KeyPerson], int]:
    """271 adults under supervision, each with the worker of their grid, visited by the rules."""
    categories = {c.code: c for c in KeyPersonCategory.objects.all()}
    intervals = {(r.category_id, r.risk_level): r.interval_days for r in VisitRule.objects.all()}
    adults = [
        r
        for r in residents
        if r.document_type == Resident.Document.ID_CARD and SQ_AS_OF.year - r.birth_date.year >= 18
    ]
    # The demo worker's grid first, so that its account has key persons of its own to visit.
    demo_grid = next(iter(staff.workers_by_grid))
    chosen = [r for r in adults if r.grid_id == demo_grid][:3]
    chosen += rng.sample([r for r in adults if r not in chosen], value("sq_key_persons") - len(chosen))
    mix = [code for code, count in KEY_PERSON_MIX.items() for _ in range(count)]
    rng.shuffle(mix)
    people, steps = [], []
    for resident, code in zip(chosen, mix, strict=True):
        category = categories[code]
        risk = syn.weighted(rng, RISK_MIX)
        worker = staff.workers_by_grid[resident.grid_id][0]
        registered = REGISTERED_FROM + timedelta(
            days=rng.randrange((SQ_AS_OF.date() - REGISTERED_FROM).days - 30)
        )
        key_person = KeyPerson(
            resident=resident,
            category=category,
            grid_id=resident.grid_id,
            risk_level=risk,
            responsible_worker=worker,
            registered_on=registered,
            next_visit_due=registered + timedelta(days=intervals[(category.pk, risk)]),
            version=1,
        )
        people.append(key_person)
        steps.append(_schedule(rng, key_person, intervals[(category.pk, risk)], staff.admin))
    people = KeyPerson.objects.bulk_create(people, batch_size=1000)
    visits, events = [], []
    for key_person, (register_step, visit_steps) in zip(people, steps, strict=True):
        events.append(KEY_PERSON_HISTORY.row(key_person.pk, register_step))
        for visit, step in visit_steps:
            visit.key_person_id = key_person.pk
            visits.append(visit)
            events.append(KEY_PERSON_HISTORY.row(key_person.pk, step))
    Visit.objects.bulk_create(visits, batch_size=2000)
    KEY_PERSON_HISTORY.model.objects.bulk_create(events, batch_size=2000)
    return people, len(visits)


def _at(day: date, rng: Random) -> datetime:
    return syn.local(day.year, day.month, day.day, rng.randrange(9, 18), rng.randrange(60))


def _schedule(rng: Random, key_person: KeyPerson, interval: int, admin):
    """The registration step, then a visit per due day up to the moment, as the services record them."""
    register = KEY_PERSON_HISTORY.step(
        key_person, action="register", actor=admin, at=_at(key_person.registered_on, rng), first=True
    )
    worker, moment = key_person.responsible_worker, SQ_AS_OF.date()
    left_overdue = rng.random() < LEFT_OVERDUE_SHARE
    visits = []
    while True:
        due = key_person.next_visit_due
        day = (
            due + timedelta(days=rng.randrange(1, 6))
            if rng.random() < LATE_SHARE
            else due - timedelta(days=rng.randrange(0, 3))
        )
        day = max(day, key_person.last_visited_on or key_person.registered_on)
        if day >= moment or (left_overdue and due + timedelta(days=interval) >= moment):
            break
        next_due = day + timedelta(days=interval)
        visit = Visit(
            visited_on=day,
            due_on=due,
            worker=worker,
            form=syn.weighted(rng, {Visit.Form.HOME: 70, Visit.Form.PHONE: 20, Visit.Form.VIDEO: 10}),
            findings=rng.choice(FINDINGS),
            next_due=next_due,
            recorded_by=worker.user,
        )
        step = KEY_PERSON_HISTORY.step(
            key_person,
            action="visit",
            actor=worker.user,
            at=_at(day, rng),
            changes={"last_visited_on": day, "next_visit_due": next_due},
        )
        visits.append((visit, step))
    return register, visits


FINDINGS = (
    "本人在家，情绪稳定，生活正常。",
    "按时报到，思想状况稳定，无异常。",
    "家属陪同，服药规律，病情稳定。",
    "已就业，家庭关系和睦，无异常情况。",
    "电话联系本人，近况良好，叮嘱按时报到。",
    "视频查看居住环境，状态正常。",
)
