"""The three streets, their villages and communities, grids and micro-grids.

Counts come from `seeds.figures`; names of unnamed communities and of all grids, codes
below the district, populations and households are synthetic.
"""

from dataclasses import dataclass, field
from random import Random

from grids.models import Community, Grid, MicroGrid, Street
from seeds import synthetic as syn
from seeds.figures import SQ_NAMED_URBAN, THOUSAND_HOUSEHOLDS, value

URBAN, RURAL = Community.Kind.URBAN, Community.Kind.RURAL


@dataclass
class StreetPlan:
    street: Street
    communities: list[Community] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)

    def grids_of(self, community: Community) -> list[Grid]:
        return [g for g in self.grids if g.community_id == community.pk]


# name, kind, number of grids. Synthetic names are marked; the counts add up to the figures.
SHENGQUAN = [
    *[(name, URBAN, n) for name, n in zip(SQ_NAMED_URBAN, (10, 9, 9, 8), strict=True)],
    ("泉源社区", URBAN, 8),  # synthetic
    ("青云社区", URBAN, 8),  # synthetic
    ("金桥社区", URBAN, 8),  # synthetic
    *[(name, RURAL, n) for name, n in zip(value("sq_named_rural"), (9, 8), strict=True)],
    ("石门村", RURAL, 8),  # synthetic
    ("永丰村", RURAL, 8),  # synthetic
]
JIJIANG_SYNTHETIC = [
    ("艾坪社区", URBAN), ("滨江社区", URBAN), ("小宝社区", URBAN), ("鼎兴社区", URBAN), ("长风社区", URBAN),
    ("新华社区", URBAN), ("中渡社区", URBAN), ("万家社区", URBAN), ("莲花社区", URBAN),
    ("金龙村", RURAL), ("双福村", RURAL), ("桂花村", RURAL), ("石盘村", RURAL),
]  # fmt: skip
DONGCHENG_OTHER_GRIDS = {
    "皂角井社区": 6,
    "长亭社区": 5,
    "鼓楼坝社区": 6,
    "黄渔村": 7,
    "高桥村": 8,
}  # synthetic


def _street(name, code, abbreviation, district_name, district_code) -> Street:
    return Street.objects.create(
        name=name,
        code=code,
        abbreviation=abbreviation,
        district_name=district_name,
        district_code=district_code,
    )


def _communities(street: Street, rows: list[tuple[str, str]]) -> list[Community]:
    return Community.objects.bulk_create(
        Community(street=street, kind=kind, name=name, code=f"{street.code}{index:03d}")
        for index, (name, kind) in enumerate(rows, start=1)
    )


def _grid(rng: Random, community: Community, index: int, *, name: str | None = None, households=None) -> Grid:
    if community.kind == RURAL:
        # A rural grid is one villager group (村民小组), report 002.
        residents = rng.randrange(300, 700)
        kind, default_name = Grid.Kind.RURAL_GROUP, f"{community.name}{index}组"
    else:
        # An urban grid holds 1,500–2,000 residents (report 002's rule, used in every street).
        low, high = value("sq_grid_sizing")
        residents = rng.randrange(low, high + 1)
        kind, default_name = Grid.Kind.URBAN_RESIDENTIAL, f"{community.name}第{index}网格"
    if households is not None:
        residents = int(households * rng.uniform(2.4, 2.8))
    return Grid(
        community=community,
        code=f"{community.code}{index:03d}",
        name=name or default_name,
        kind=kind,
        residents=residents,
        households=households or int(residents / rng.uniform(2.5, 2.9)),
    )


def _save_grids(plan: StreetPlan, grids: list[Grid]) -> None:
    plan.grids = Grid.objects.bulk_create(grids)
    for community in plan.communities:
        community.population = sum(g.residents for g in plan.grids if g.community_id == community.pk)
    Community.objects.bulk_update(plan.communities, ["population"])


def build_shengquan(rng: Random) -> StreetPlan:
    plan = StreetPlan(_street("圣泉街道", "500116005", "SQ", "江津区", "500116"))
    plan.communities = _communities(plan.street, [(name, kind) for name, kind, _n in SHENGQUAN])
    grids = []
    for community, (_name, _kind, count) in zip(plan.communities, SHENGQUAN, strict=True):
        grids += [_grid(rng, community, i) for i in range(1, count + 1)]
    # Party branches built on grids (党支部建在网格上): the first grid of nine communities.
    for community in plan.communities[: value("sq_party_branches")]:
        first = next(g for g in grids if g.community is community)
        first.party_branch = f"{first.name}党支部"
    _save_grids(plan, grids)
    return plan


def build_jijiang(rng: Random) -> StreetPlan:
    plan = StreetPlan(_street("几江街道", "500116001", "JJ", "江津区", "500116"))
    rows = [(name, URBAN) for name in value("jj_named")] + JIJIANG_SYNTHETIC
    plan.communities = _communities(plan.street, rows)
    base, extra = divmod(value("jj_grids"), len(rows))
    grids = []
    for n, community in enumerate(plan.communities):
        for i in range(1, base + (n < extra) + 1):
            grid = _grid(rng, community, i)
            grid.party_branch = f"{grid.name}党支部"  # one party branch per grid, report 003
            grids.append(grid)
    _save_grids(plan, grids)
    _jijiang_micro_grids(rng, plan)
    return plan


def _jijiang_micro_grids(rng: Random, plan: StreetPlan) -> None:
    base, extra = divmod(value("jj_micro_grids"), len(plan.grids))
    micro = []
    for n, grid in enumerate(plan.grids):
        for i in range(1, base + (n < extra) + 1):
            building = i % 2 == 1
            micro.append(
                MicroGrid(
                    grid=grid,
                    code=f"{grid.code}{i:03d}",
                    name=f"{grid.name}{(i + 1) // 2}栋" + ("" if building else f"{2 - i % 2}单元"),
                    covers=MicroGrid.Covers.BUILDING if building else MicroGrid.Covers.UNIT,
                    leader_title=(
                        MicroGrid.LeaderTitle.BUILDING_LEADER
                        if building
                        else MicroGrid.LeaderTitle.UNIT_LEADER
                    ),
                    leader_name=syn.person_name(rng),
                    leader_phone=syn.mobile(rng),
                )
            )
    MicroGrid.objects.bulk_create(micro)


def build_dongcheng(rng: Random) -> StreetPlan:
    plan = StreetPlan(_street("东城街道", "500119001", "DC", "南川区", "500119"))
    rows = [(name, URBAN) for name in value("dc_named_urban")] + [
        (name, RURAL) for name in value("dc_named_rural")
    ]
    plan.communities = _communities(plan.street, rows)
    grids = []
    for community in plan.communities:
        if community.name == "灌坝社区":
            # Thousand-household grids (千户网格), report 004.
            grids += [
                _grid(
                    rng,
                    community,
                    i,
                    name=f"灌坝第{i}千户网格",
                    households=rng.randrange(*THOUSAND_HOUSEHOLDS),
                )
                for i in range(1, value("dc_guanba_grids") + 1)
            ]
        else:
            grids += [_grid(rng, community, i) for i in range(1, DONGCHENG_OTHER_GRIDS[community.name] + 1)]
    # The five-level grid system (report 004): street party committee → village or community
    # party committee → party branch → building party group (楼栋党小组, the party-mass home
    # 党群小家) → party members and residents. Here: the street, its communities, a party
    # branch on every grid, party-mass homes as micro-grids, the grid's members.
    for grid in grids:
        grid.party_branch = f"{grid.name}党支部"  # synthetic names
    _save_grids(plan, grids)
    _guanba_party_homes(rng, plan)
    _dongcheng_party_homes(rng, plan)
    return plan


def _guanba_party_homes(rng: Random, plan: StreetPlan) -> None:
    """200 party-mass homes (党群小家) over the estates of the thousand-household grids."""
    guanba = next(c for c in plan.communities if c.name == "灌坝社区")
    grids = plan.grids_of(guanba)
    homes = []
    for n in range(value("dc_guanba_party_homes")):
        grid = grids[n % len(grids)]
        estate = n % value("dc_guanba_estates") + 1
        homes.append(
            MicroGrid(
                grid=grid,
                code=f"{grid.code}{n // len(grids) + 1:03d}",
                name=f"灌坝{estate}号小区党群小家{n + 1}",  # synthetic estate names
                covers=MicroGrid.Covers.PARTY_HOME,
                # Report 004 names building leaders (楼栋长) in the estates' party-building grids.
                leader_title=MicroGrid.LeaderTitle.BUILDING_LEADER,
                leader_name=syn.person_name(rng),
                leader_phone=syn.mobile(rng),
            )
        )
    MicroGrid.objects.bulk_create(homes)


def _dongcheng_party_homes(rng: Random, plan: StreetPlan) -> None:
    """The party-mass homes of Dongcheng's other grids: their number is synthetic.

    Rural ones follow 黄渔村's way (report 004): a village cadre, a party member, a villager
    representative and a volunteer with a few households, led by the cadre (no building).
    """
    homes = []
    for community in plan.communities:
        if community.name == "灌坝社区":
            continue
        rural = community.kind == RURAL
        for grid in plan.grids_of(community):
            for i in range(1, rng.randrange(1, 3) + 1 if rural else rng.randrange(3, 6) + 1):
                homes.append(
                    MicroGrid(
                        grid=grid,
                        code=f"{grid.code}{i:03d}",
                        name=f"{grid.name}党群小家{i}",
                        covers=MicroGrid.Covers.PARTY_HOME,
                        leader_title="" if rural else MicroGrid.LeaderTitle.BUILDING_LEADER,
                        leader_name=syn.person_name(rng),
                        leader_phone=syn.mobile(rng),
                    )
                )
    MicroGrid.objects.bulk_create(homes)
