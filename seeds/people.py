"""Grid workers, co-governance members, mediators, rooms and the demo accounts.

Counts come from `seeds.figures`; every name, phone and date here is synthetic. Synthetic
people's accounts get an unusable password: they exist so that history rows have an actor,
not to sign in. Only the demo accounts can sign in.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from grids.models import CoGovernanceMember, Community, Grid, GridWorker, UserScope
from mediation.models import DisputeType, MediationRoom, Mediator
from seeds import synthetic as syn
from seeds.figures import GAOQIAO_PEACEMAKERS, VOLUNTEERS_GUANBA, VOLUNTEERS_SQ, value
from seeds.territory import StreetPlan

User = get_user_model()
UNUSABLE = "!seeded"  # Django treats a password starting with "!" as unusable.
JOINED = syn.local(2020, 1, 1, 9)


@dataclass
class Staff:
    """Who acts in a street's history: the centre's admin and the worker(s) of each grid."""

    admin: object
    workers_by_grid: dict[int, list[GridWorker]] = field(default_factory=dict)
    mediators: list[Mediator] = field(default_factory=list)
    rooms_by_community: dict[int, MediationRoom] = field(default_factory=dict)
    street_room: MediationRoom | None = None


def _users(usernames: list[str]) -> list:
    return User.objects.bulk_create(
        User(username=name, password=UNUSABLE, date_joined=JOINED, is_active=True) for name in usernames
    )


def _demo_user(username: str, *, superuser: bool = False):
    user = User(username=username, is_staff=True, is_superuser=superuser, date_joined=JOINED)
    user.password = make_password(settings.DEMO_PASSWORD)
    user.save()
    return user


def _workers(rng: Random, plan: StreetPlan, specs: list[tuple[str, str, list[Grid]]]) -> list[GridWorker]:
    """specs: (username, kind, grids covered). One account and one UserScope per worker."""
    users = _users([username for username, _kind, _grids in specs])
    workers = GridWorker.objects.bulk_create(
        GridWorker(user=user, street=plan.street, name=syn.person_name(rng), kind=kind, phone=syn.mobile(rng))
        for user, (_u, kind, _g) in zip(users, specs, strict=True)
    )
    through = GridWorker.grids.through
    through.objects.bulk_create(
        through(gridworker_id=worker.pk, grid_id=grid.pk)
        for worker, (_u, _k, grids) in zip(workers, specs, strict=True)
        for grid in grids
    )
    UserScope.objects.bulk_create(UserScope(user=user, role=UserScope.Role.GRID_WORKER) for user in users)
    return workers


def _index(workers: list[GridWorker], specs) -> dict[int, list[GridWorker]]:
    by_grid: dict[int, list[GridWorker]] = {}
    for worker, (_u, _k, grids) in zip(workers, specs, strict=True):
        for grid in grids:
            by_grid.setdefault(grid.pk, []).append(worker)
    return by_grid


def _street_admin(plan: StreetPlan, username: str):
    admin = _demo_user(username)
    UserScope.objects.create(user=admin, role=UserScope.Role.STREET_ADMIN, street=plan.street)
    return admin


def _volunteers(rng: Random, community: Community, count: int, grids: list[Grid]) -> list[CoGovernanceMember]:
    return [
        CoGovernanceMember(
            community=community,
            grid=grids[n % len(grids)] if grids else None,
            role=CoGovernanceMember.Role.VOLUNTEER,
            name=syn.person_name(rng),
            phone=syn.mobile(rng),
            joined_on=date(2019, 1, 1) + timedelta(days=rng.randrange(1400)),
        )
        for n in range(count)
    ]


FIVE_MEMBERS = [
    CoGovernanceMember.Role.PARTY_GROUP_LEADER,
    CoGovernanceMember.Role.RESIDENT_GROUP_LEADER,
    CoGovernanceMember.Role.GRID_WORKER,
    CoGovernanceMember.Role.OWNERS_COMMITTEE,
    CoGovernanceMember.Role.PROPERTY_MANAGER,
]


# --- Shengquan -----------------------------------------------------------------------------


def staff_shengquan(rng: Random, plan: StreetPlan) -> Staff:
    staff = Staff(admin=_street_admin(plan, "sq-admin"))
    urban = [g for g in plan.grids if g.kind == Grid.Kind.URBAN_RESIDENTIAL]
    rural = [g for g in plan.grids if g.kind == Grid.Kind.RURAL_GROUP]
    full_time, part_time = value("sq_full_time_workers"), value("sq_part_time_workers")
    # The demo worker is one of the 33 full-time workers and covers one grid; the other 32
    # share the remaining urban grids, and the 11 part-time workers the villager groups.
    specs = [("sq-worker", GridWorker.Kind.FULL_TIME, [urban[0]])]
    specs += [
        (f"sq-w{n:03d}", GridWorker.Kind.FULL_TIME, urban[1:][n - 1 :: full_time - 1])
        for n in range(1, full_time)
    ]
    specs += [(f"sq-p{n:03d}", GridWorker.Kind.PART_TIME, rural[n::part_time]) for n in range(part_time)]
    workers = _workers(rng, plan, specs)
    _demo_password(workers[0].user)
    staff.workers_by_grid = _index(workers, specs)
    _shengquan_members(rng, plan, urban)
    _shengquan_mediation(rng, plan, staff)
    return staff


def _demo_password(user) -> None:
    user.password = make_password(settings.DEMO_PASSWORD)
    user.save(update_fields=["password"])


def _shengquan_members(rng: Random, plan: StreetPlan, urban: list[Grid]) -> None:
    """The "five members" of each urban grid (五员共治, report 000) and the 500+ volunteers."""
    members = [
        CoGovernanceMember(
            community_id=grid.community_id,
            grid=grid,
            role=role,
            name=syn.person_name(rng),
            phone=syn.mobile(rng),
        )
        for grid in urban
        for role in FIVE_MEMBERS
    ]
    per_community, extra = divmod(VOLUNTEERS_SQ, len(plan.communities))
    for n, community in enumerate(plan.communities):
        members += _volunteers(rng, community, per_community + (n < extra), plan.grids_of(community))
    CoGovernanceMember.objects.bulk_create(members)


def _shengquan_mediation(rng: Random, plan: StreetPlan, staff: Staff) -> None:
    """11 gold-medal rooms, one per village or community; 57 gold-medal and 201 other mediators."""
    rooms = MediationRoom.objects.bulk_create(
        MediationRoom(
            name=f"{community.name}金牌调解室",
            street=plan.street,
            community=community,
            level=MediationRoom.Level.COMMUNITY,
            is_gold=True,
        )
        for community in plan.communities
    )
    staff.rooms_by_community = {room.community_id: room for room in rooms}
    # The street level of the three-level system: the street mediation committee's room.
    staff.street_room = MediationRoom.objects.create(
        name="圣泉街道人民调解委员会调解室", street=plan.street, level=MediationRoom.Level.STREET
    )
    mediator_user = _demo_user("sq-mediator")
    mediators = []
    for n in range(value("sq_gold_mediators") + value("sq_mediators")):
        gold = n < value("sq_gold_mediators")
        community = plan.communities[n % len(plan.communities)]
        mediators.append(
            Mediator(
                user=mediator_user if n == 0 else None,
                street=plan.street,
                community=community,
                name=syn.person_name(rng),
                phone=syn.mobile(rng),
                kind=Mediator.Kind.GOLD if gold else Mediator.Kind.ORDINARY,
                certified_on=date(2020, 3, 1) + timedelta(days=rng.randrange(900)) if gold else None,
                specialties=sorted(rng.sample(DisputeType.values, 2)),
                home_room=staff.rooms_by_community[community.pk],
            )
        )
    staff.mediators = Mediator.objects.bulk_create(mediators)
    UserScope.objects.create(user=mediator_user, role=UserScope.Role.MEDIATOR, street=plan.street)


# --- Jijiang ---------------------------------------------------------------------------------


def staff_jijiang(rng: Random, plan: StreetPlan) -> Staff:
    """ "1+3+N" per grid (report 003): a grid leader, three workers, and N volunteers."""
    staff = Staff(admin=_street_admin(plan, "jj-admin"))
    kinds = [
        GridWorker.Kind.GRID_LEADER,
        GridWorker.Kind.FULL_TIME,
        GridWorker.Kind.PART_TIME,
        GridWorker.Kind.INSTRUCTOR,
    ]
    specs = []
    for n, grid in enumerate(plan.grids):
        for kind in kinds:
            demo = n == 0 and kind == GridWorker.Kind.FULL_TIME
            specs.append(("jj-worker" if demo else f"jj-{kind[:2]}{n + 1:03d}", kind, [grid]))
    workers = _workers(rng, plan, specs)
    _demo_password(next(w.user for w in workers if w.user.username == "jj-worker"))
    # The worker first named for a grid handles its cases: list the full-time worker first.
    staff.workers_by_grid = {
        grid_id: sorted(ws, key=lambda w: w.kind != GridWorker.Kind.FULL_TIME)
        for grid_id, ws in _index(workers, specs).items()
    }
    members = []
    for grid in plan.grids:
        community = next(c for c in plan.communities if c.pk == grid.community_id)
        members += _volunteers(rng, community, rng.randrange(2, 6), [grid])
    CoGovernanceMember.objects.bulk_create(members)
    return staff


# --- Dongcheng -------------------------------------------------------------------------------


def staff_dongcheng(rng: Random, plan: StreetPlan) -> Staff:
    staff = Staff(admin=_street_admin(plan, "dc-admin"))
    specs = [
        ("dc-worker" if n == 0 else f"dc-w{n:03d}", GridWorker.Kind.FULL_TIME, [grid])
        for n, grid in enumerate(plan.grids)
    ]
    workers = _workers(rng, plan, specs)
    _demo_password(workers[0].user)
    staff.workers_by_grid = _index(workers, specs)
    guanba = next(c for c in plan.communities if c.name == "灌坝社区")
    members = _volunteers(rng, guanba, VOLUNTEERS_GUANBA, plan.grids_of(guanba))
    # The grid system's last level, residents: a few volunteers on each other grid (synthetic).
    for community in plan.communities:
        if community != guanba:
            for grid in plan.grids_of(community):
                members += _volunteers(rng, community, rng.randrange(2, 6), [grid])
    CoGovernanceMember.objects.bulk_create(members, batch_size=2000)
    gaoqiao = next(c for c in plan.communities if c.name == "高桥村")
    staff.mediators = Mediator.objects.bulk_create(
        Mediator(
            street=plan.street,
            community=gaoqiao,
            name=syn.person_name(rng),
            phone=syn.mobile(rng),
            kind=Mediator.Kind.VOLUNTEER,
            specialties=["neighbourhood", "marriage_family"],
        )
        for _ in range(GAOQIAO_PEACEMAKERS)
    )
    return staff


def create_superuser():
    return _demo_user("admin", superuser=True)
