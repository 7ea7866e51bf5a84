"""The seed: every figure of the reports, coherent history, valid rows, the same data twice."""

import hashlib
import io
import json
import random
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone, translation

from cases import services as case_services
from cases import workflow as case_workflow
from cases.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    Category,
    DispatchUnit,
    MajorCategory,
    Supervision,
)
from grids.geo import boundaries
from grids.geo.index import spatial_index
from grids.geo.shapes import shape_of
from grids.models import (
    BoundaryVersion,
    CoGovernanceMember,
    Community,
    Grid,
    GridWorker,
    MicroGrid,
    Street,
    UserScope,
)
from mediation import workflow as mediation_workflow
from mediation.models import (
    Agreement,
    FollowUp,
    JudicialConfirmation,
    MediationCase,
    MediationEvent,
    MediationLevel,
    MediationRoom,
    Mediator,
    Party,
    Session,
)
from registry.models import (
    Building,
    FacilityType,
    House,
    KeyPerson,
    KeyPersonCategory,
    KeyPersonEvent,
    Residence,
    Resident,
    ResidentTag,
    SafetyTag,
    Visit,
    VisitRule,
)
from registry.models import Facility as CityFacility
from registry.models import Organisation as BaseOrganisation
from reports.models import (
    CategoryRollup,
    CommunityRollup,
    GridRollup,
    MediationRollup,
    MediationTally,
    StreetRollup,
)
from seeds.figures import FIGURES, SQ_NAMED_URBAN, THOUSAND_HOUSEHOLDS, value
from seeds.workload import DC_AS_OF, JJ_AS_OF, SQ_AS_OF
from tests.seeds import replay

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
User = get_user_model()


# How a row of each model is named from one run to the next: ids differ, these do not.
NATURAL_KEYS = {
    Street: ("code",),
    Community: ("code",),
    Grid: ("code",),
    MicroGrid: ("code",),
    User: ("username",),
    GridWorker: ("user__username",),
    MajorCategory: ("code",),
    Category: ("code",),
    MediationRoom: ("name",),
    Mediator: ("name", "phone"),
    Case: ("number",),
    MediationCase: ("case__number",),
    Agreement: ("mediation__case__number",),
    Building: ("community__code", "code"),
    House: ("building__community__code", "building__code", "unit", "room"),
    # The blind index is the same from one run to the next (one index key); the sealed value is not.
    Resident: ("document_type", "id_number_index"),
    KeyPerson: ("resident__id_number_index", "category__code"),
    KeyPersonCategory: ("code",),
    ResidentTag: ("code",),
    BaseOrganisation: ("name", "grid__code"),
    CityFacility: ("code",),
}
# Every table the seed writes (the catalogue too, when it loads it). The digest reads every
# column of each but the ones listed below.
DIGESTED = [
    Street, Community, Grid, MicroGrid, User, GridWorker, GridWorker.grids.through, UserScope,
    CoGovernanceMember, MajorCategory, Category, Case, CaseEvent, Supervision, CaseNumberCounter,
    DispatchUnit,
    MediationRoom, Mediator, MediationCase, MediationCase.assisting_mediators.through, MediationEvent,
    Party, Session, Agreement, JudicialConfirmation, FollowUp, BoundaryVersion,
    ResidentTag, KeyPersonCategory, VisitRule, SafetyTag, FacilityType,
    Building, House, Resident, Resident.tags.through, Residence, KeyPerson, KeyPersonEvent, Visit,
    StreetRollup, CommunityRollup, CategoryRollup, GridRollup, MediationRollup, MediationTally,
]  # fmt: skip
# Counted from the cases and mediations by the seed's last step (`rebuild_report_rollup`): not
# validated row by row, compared with the cases by `rebuild_report_rollup --verify` instead.
DERIVED = {StreetRollup, CommunityRollup, CategoryRollup, GridRollup, MediationRollup, MediationTally}
# Not meaningful: when the row was created, password hashes (salted: never equal twice) and
# the boundaries' version token (random, so that no process trusts an index of rolled-back data).
LEFT_OUT = {"created_at", "uploaded_at", "date_joined", "last_login", "password", "token", "changed_at"}


def digested_columns(model) -> list[str]:
    columns = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in LEFT_OUT:
            continue
        if field.is_relation:
            columns += [f"{field.name}__{key}" for key in NATURAL_KEYS[field.related_model]]
        else:
            columns.append(field.name)
    return columns


# A history row's changed fields name related rows by id, as the services record them.
HISTORY_OF = {CaseEvent: Case, MediationEvent: MediationCase, KeyPersonEvent: KeyPerson}


def _natural_changes(model):
    """A function giving a history row's `changes` with related ids replaced by natural keys."""
    subject = HISTORY_OF.get(model)
    if subject is None:
        return None
    names = {}
    for field in subject._meta.concrete_fields:
        if field.is_relation:
            related = field.related_model
            names[field.name] = {
                row[0]: row[1:]
                for row in related.objects.values_list("pk", *NATURAL_KEYS[related]).iterator()
            }

    def natural(changes: dict) -> dict:
        return {
            name: [names[name].get(value) for value in values] if name in names else values
            for name, values in changes.items()
        }

    return natural


def digest() -> str:
    """A fingerprint of every seeded table, every meaningful column, rows named by natural keys."""
    sha = hashlib.sha256()
    for model in DIGESTED:
        columns = digested_columns(model)
        if not columns:
            # Nothing but what differs on every run (the boundaries' token): count the rows.
            # (`values_list()` without names would read every column.)
            sha.update(f"{model._meta.label} {model.objects.count()}".encode())
            continue
        natural = _natural_changes(model)
        index = columns.index("changes") if natural else None
        rows = []
        for row in model.objects.order_by().values_list(*columns).iterator(chunk_size=10000):
            if natural:
                row = (*row[:index], natural(row[index]), *row[index + 1 :])
            # A JSON object's keys in a fixed order: the database may give them in any.
            row = tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict) else v for v in row)
            rows.append(repr(row))
        sha.update(model._meta.label.encode())
        for row in sorted(rows):
            sha.update(row.encode())
    return sha.hexdigest()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back at its end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = io.StringIO()
            call_command("seed", stdout=out)
            # Fire PostgreSQL's deferred foreign-key checks now, once: left pending, every test's
            # savepoint rollback would bring them back and its teardown would check them again.
            connection.check_constraints()
            yield {"digest": digest(), "output": out.getvalue()}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _street(name):
    return Street.objects.get(name=name)


# --- the figures ------------------------------------------------------------------------------


def test_shengquan_figures(seeded):
    sq = _street("圣泉街道")
    communities = Community.objects.filter(street=sq)
    assert communities.count() == value("sq_communities") == 11
    names = set(communities.values_list("name", flat=True))
    assert set(SQ_NAMED_URBAN) | set(value("sq_named_rural")) <= names
    assert set(communities.filter(kind="rural").values_list("name", flat=True)) >= {"三河村", "陡石村"}
    grids = Grid.objects.filter(community__street=sq)
    assert grids.count() == value("sq_grids") == 93
    assert grids.exclude(party_branch="").count() == value("sq_party_branches") == 9
    workers = GridWorker.objects.filter(street=sq)
    assert workers.filter(kind="full_time").count() == value("sq_full_time_workers") == 33
    assert workers.filter(kind="part_time").count() == value("sq_part_time_workers") == 11
    volunteers = CoGovernanceMember.objects.filter(community__street=sq, role="volunteer")
    assert volunteers.count() > value("sq_volunteers") == 500
    five = set(CoGovernanceMember.objects.filter(community__street=sq).values_list("role", flat=True))
    assert five >= {
        "party_group_leader",
        "resident_group_leader",
        "grid_worker",
        "owners_committee",
        "property_manager",
    }
    mediators = Mediator.objects.filter(street=sq)
    assert mediators.filter(kind="gold").count() == value("sq_gold_mediators") == 57
    assert mediators.filter(kind="ordinary").count() == value("sq_mediators") == 201
    assert MediationRoom.objects.filter(street=sq, is_gold=True).count() == value("sq_gold_rooms") == 11
    assert set(MediationRoom.objects.filter(street=sq).values_list("level", flat=True)) == {
        "community",
        "street",
    }
    incidents = Case.objects.filter(street=sq, kind="incident")
    assert incidents.count() == value("sq_incidents_closed") == 1781
    assert incidents.filter(status="closed").count() == 1781
    assert incidents.filter(accepted_at__isnull=False).count() == 1781
    mediated = MediationCase.objects.filter(street=sq)
    assert mediated.count() == value("sq_disputes_mediated") == 1341
    assert mediated.filter(status__in=["agreed", "failed", "withdrawn"]).count() == 1341
    assert set(mediated.values_list("level", flat=True)) == {"grid", "community", "street"}


def test_jijiang_figures(seeded):
    jj = _street("几江街道")
    communities = Community.objects.filter(street=jj)
    assert communities.count() == value("jj_communities") == 15
    assert {"大西门社区", "通泰门社区"} <= set(communities.values_list("name", flat=True))
    grids = Grid.objects.filter(community__street=jj)
    assert grids.count() == value("jj_grids") == 168
    assert not grids.filter(party_branch="").exists()
    micro = MicroGrid.objects.filter(grid__community__street=jj)
    assert micro.count() == value("jj_micro_grids") == 876
    assert set(micro.values_list("leader_title", flat=True)) == {"building_leader", "unit_leader"}
    # "1+3+N": each grid has a leader, three workers and at least one volunteer.
    per_grid = Counter(
        GridWorker.grids.through.objects.filter(grid__in=grids).values_list("grid_id", flat=True)
    )
    assert set(per_grid.values()) == {4}
    kinds = GridWorker.objects.filter(street=jj).values("kind").annotate(n=Count("id"))
    assert {row["kind"]: row["n"] for row in kinds} == dict.fromkeys(
        ["grid_leader", "full_time", "part_time", "instructor"], 168
    )
    with_volunteers = (
        CoGovernanceMember.objects.filter(grid__in=grids, role="volunteer").values("grid").distinct()
    )
    assert with_volunteers.count() == 168
    city = Case.objects.filter(street=jj, kind="city_management")
    assert city.count() == value("jj_city_cases") == 25000
    assert city.filter(status="closed").count() == value("jj_city_cases_closed") == 24750
    assert city.filter(accepted_at__isnull=False).count() == 25000


def test_dongcheng_figures(seeded):
    dc = _street("东城街道")
    names = set(Community.objects.filter(street=dc).values_list("name", flat=True))
    assert names == set(value("dc_named_urban")) | set(value("dc_named_rural"))
    guanba = Community.objects.get(street=dc, name="灌坝社区")
    assert guanba.grids.count() == value("dc_guanba_grids") == 30
    homes = MicroGrid.objects.filter(grid__community=guanba, covers="party_home")
    assert homes.count() == value("dc_guanba_party_homes") == 200
    assert CoGovernanceMember.objects.filter(community=guanba, role="volunteer").count() > 6000
    peacemakers = Mediator.objects.filter(street=dc, community__name="高桥村", kind="volunteer")
    assert peacemakers.exists() and not peacemakers.filter(user__isnull=False).exists()
    assert Street.objects.get(name="东城街道").district_code == "500119"
    assert set(Case.objects.filter(street=dc).values_list("triage", flat=True)) == {"big", "small", "private"}


def test_dongcheng_grids_carry_the_five_levels(seeded):
    """Street → village or community → grid with its party branch → party-mass homes (楼栋党小组,
    党群小家) → residents, on every grid of the street (report 004)."""
    assert len(value("dc_grid_levels")) == 5
    dc = _street("东城街道")
    grids = Grid.objects.filter(community__street=dc)
    assert grids.count() == 30 + 32 and not grids.filter(party_branch="").exists()
    homes = Counter(
        MicroGrid.objects.filter(grid__in=grids, covers="party_home").values_list("grid_id", flat=True)
    )
    assert set(homes) == set(grids.values_list("pk", flat=True))
    guanba = grids.filter(community__name="灌坝社区")
    assert sum(homes[pk] for pk in guanba.values_list("pk", flat=True)) == value("dc_guanba_party_homes")
    residents = CoGovernanceMember.objects.filter(grid__in=grids).values("grid").distinct()
    assert residents.count() == grids.count()
    assert not MicroGrid.objects.filter(grid__in=grids).exclude(covers="party_home").exists()


def test_the_named_communities_have_their_kind(seeded):
    """Communities (社区) are urban and villages (村) rural, as the reports name them."""
    named = {
        "圣泉街道": (SQ_NAMED_URBAN, value("sq_named_rural")),
        "几江街道": (value("jj_named"), ()),
        "东城街道": (value("dc_named_urban"), value("dc_named_rural")),
    }
    for street, (urban, rural) in named.items():
        kinds = dict(Community.objects.filter(street__name=street).values_list("name", "kind"))
        assert {name: kinds.get(name) for name in urban} == dict.fromkeys(urban, "urban"), street
        assert {name: kinds.get(name) for name in rural} == dict.fromkeys(rural, "rural"), street
        assert all(name.endswith("社区") for name in urban) and all(name.endswith("村") for name in rural)


def test_shengquan_grids_follow_the_sizing_rule(seeded):
    """Urban grids of 1,500–2,000 residents; a rural grid is one villager group (report 002)."""
    low, high = value("sq_grid_sizing")
    assert (low, high) == (1500, 2000)
    grids = Grid.objects.filter(community__street__name="圣泉街道").select_related("community")
    urban = [g for g in grids if g.community.kind == "urban"]
    rural = [g for g in grids if g.community.kind == "rural"]
    assert len(urban) + len(rural) == value("sq_grids")
    assert {g.kind for g in urban} == {"urban_residential"}
    assert all(low <= g.residents <= high for g in urban), [g.residents for g in urban]
    assert {g.kind for g in rural} == {"rural_group"}
    for grid in rural:
        # Named after its villager group: 三河村3组.
        assert re.fullmatch(rf"{grid.community.name}\d+组", grid.name), grid.name
    assert len({(g.community_id, g.name) for g in rural}) == len(rural)


def test_guanba_grids_hold_a_thousand_households_over_twenty_estates(seeded):
    guanba = Community.objects.get(street__name="东城街道", name="灌坝社区")
    grids = list(guanba.grids.all())
    assert len(grids) == value("dc_guanba_grids") == 30
    low, high = THOUSAND_HOUSEHOLDS
    assert all(low <= g.households <= high and "千户网格" in g.name for g in grids)
    homes = MicroGrid.objects.filter(grid__community=guanba, covers="party_home")
    estates = {re.match(r"灌坝(\d+)号小区", name).group(1) for name in homes.values_list("name", flat=True)}
    assert len(estates) == value("dc_guanba_estates") == 20
    per_grid = Counter(homes.values_list("grid_id", flat=True))
    assert set(per_grid) == {g.pk for g in grids} and max(per_grid.values()) - min(per_grid.values()) <= 1


def test_every_figure_names_its_source(seeded):
    reports = {"000_e720f72d44c83495.txt", "001_c2766e92427a852e.txt", "002_168036b497775af4.txt",
               "003_0e5f378dd849a7a6.txt", "004_4d25d6866cef339f.txt"}  # fmt: skip
    for key, figure in FIGURES.items():
        assert figure.source in reports and figure.quote and "named" not in figure.quote, key


# --- the synthetic geography ------------------------------------------------------------------------


def test_every_seeded_node_has_a_synthetic_boundary_that_passes_the_checks(seeded):
    """Each boundary is what the services would accept: valid, inside its parent, clear of its
    siblings and around its children (`grids.geo.boundaries`)."""
    parents = {Community: "street", Grid: "community", MicroGrid: "grid"}
    checked = 0
    for model in (Street, Community, Grid, MicroGrid):
        nodes = model.objects.all()
        assert not nodes.filter(boundary__isnull=True).exists(), model
        assert not nodes.filter(boundary_synthetic=False).exists(), model
        for node in nodes.select_related(parents[model]) if model in parents else nodes:
            shape = shape_of(node.boundary)
            assert shape.is_valid and shape.area > 0, node.code
            assert boundaries.problems(node, shape) == [], node.code
            checked += 1
    assert checked == 3 + 32 + 323 + MicroGrid.objects.count()


def test_every_seeded_case_lies_inside_its_grid(seeded):
    index = spatial_index()
    assert len(index.grids) == 323
    outside = [
        number
        for number, grid, lat, lng in Case.objects.values_list(
            "number", "grid_id", "latitude", "longitude"
        ).iterator()
        if index.grids.covering(float(lng), float(lat)) != grid
    ]
    assert outside == []


def test_every_seeded_building_lies_inside_its_grid(seeded):
    """The service refuses a building outside its grid (`registry.services`); the seed's obey."""
    index = spatial_index()
    rows = Building.objects.values_list("code", "grid_id", "latitude", "longitude")
    assert rows.count() == 989
    outside = [code for code, grid, lat, lng in rows if index.grids.covering(float(lng), float(lat)) != grid]
    assert outside == []


# --- the demo accounts ----------------------------------------------------------------------------


def test_demo_accounts_sign_in_with_the_demo_password(seeded, api, settings):
    client = api()
    for username in [
        "admin",
        "sq-admin",
        "jj-admin",
        "dc-admin",
        "sq-worker",
        "jj-worker",
        "dc-worker",
        "sq-mediator",
    ]:
        response = client.post(
            "/api/v1/auth/token/", {"username": username, "password": settings.DEMO_PASSWORD}
        )
        assert response.status_code == 200, username
    assert User.objects.get(username="admin").is_superuser
    for prefix, street in (("sq", "圣泉街道"), ("jj", "几江街道"), ("dc", "东城街道")):
        scope = UserScope.objects.get(user__username=f"{prefix}-admin")
        assert (scope.role, scope.street.name) == ("street_admin", street)
        worker = GridWorker.objects.get(user__username=f"{prefix}-worker")
        assert worker.street.name == street and worker.grids.count() == 1
    mediator = Mediator.objects.get(user__username="sq-mediator")
    assert (mediator.kind, mediator.street.name) == ("gold", "圣泉街道")
    assert UserScope.objects.get(user__username="sq-mediator").role == "mediator"


def test_synthetic_accounts_cannot_sign_in(seeded):
    synthetic = User.objects.exclude(
        username__in=[
            "admin",
            "sq-admin",
            "jj-admin",
            "dc-admin",
            "sq-worker",
            "jj-worker",
            "dc-worker",
            "sq-mediator",
        ]
    )
    assert synthetic.count() > 700
    assert not any(user.has_usable_password() for user in synthetic.iterator())


# --- the history agrees with itself -------------------------------------------------------------


STAGE_OF_ACTION = {
    "accept": "accepted_at",
    "start": "started_at",
    "resolve": "resolved_at",
    "verify": "closed_at",
}


def _sample(queryset, share=0.05, minimum=300):
    ids = sorted(queryset.values_list("pk", flat=True))
    return random.Random(7).sample(
        ids, max(minimum, int(len(ids) * share)) if len(ids) > minimum else len(ids)
    )


def test_case_history_follows_the_workflow_and_the_stage_times(seeded):
    ids = _sample(Case.objects.all())
    events = defaultdict(list)
    for event in CaseEvent.objects.filter(case_id__in=ids).order_by("case_id", "at", "pk"):
        events[event.case_id].append(event)
    for case in Case.objects.filter(pk__in=ids):
        steps = events[case.pk]
        assert steps[0].action == "report" and steps[0].at == case.reported_at
        for before, step in pairwise(steps):
            assert step.from_status == before.to_status, case.number
            if step.action == "mark_overdue":  # the sweep's mark keeps the status
                assert step.to_status == step.from_status and step.actor_id is None, case.number
                continue
            assert step.to_status in case_workflow.TRANSITIONS[step.from_status][step.action], case.number
            assert step.at >= before.at
        assert steps[-1].to_status == case.status and case.version == len(steps)
        for action, stage in STAGE_OF_ACTION.items():
            last = [
                s.at for s in steps if s.action == action and (action != "verify" or s.to_status == "closed")
            ]
            assert getattr(case, stage) == (last[-1] if last else None), (case.number, stage)
        extensions = [s for s in steps if s.action == "extend"]
        due_at = case.reported_at + timedelta(hours=case.category.time_limit_hours)
        for extension in extensions:
            assert extension.changes["due_at"][0] == timezone.localtime(due_at).isoformat()
            due_at = datetime.fromisoformat(extension.changes["due_at"][1])
        assert case.due_at == due_at, case.number
        assert case.rework_count == sum(
            1 for s in steps if s.action == "verify" and s.to_status == "assigned"
        )


def test_case_numbers_continue_after_the_seed(seeded):
    sq = _street("圣泉街道")
    worker = User.objects.get(username="sq-worker")
    grid = GridWorker.objects.get(user=worker).grids.get()
    case = case_services.case_create(
        actor=worker, grid=grid, category=Category.objects.get(code="0501"), title="新上报", reported_at=None
    )
    assert case.number.startswith(f"{sq.abbreviation}-")
    assert Case.objects.filter(number=case.number).count() == 1


def test_mediation_history_and_the_dispute_cases(seeded):
    ids = _sample(MediationCase.objects.all(), share=0.2)
    events = defaultdict(list)
    for event in MediationEvent.objects.filter(mediation_id__in=ids).order_by("mediation_id", "pk"):
        events[event.mediation_id].append(event)
    for m in MediationCase.objects.filter(pk__in=ids).select_related("case", "agreement__confirmation"):
        steps = events[m.pk]
        assert steps[0].action == "register" and m.version == len(steps)
        for before, step in pairwise(steps):
            assert step.from_status == before.to_status
            assert step.to_status in mediation_workflow.TRANSITIONS[step.from_status][step.action]
        assert steps[-1].to_status == m.status
        assert m.case.kind == "dispute" and m.case.status == "closed"
        if m.status == "agreed":
            assert m.case.result.startswith("调解成功")
        agreement = getattr(m, "agreement", None)
        assert (agreement is not None) == (m.status == "agreed")
        confirmation = getattr(agreement, "confirmation", None) if agreement else None
        if confirmation:
            assert agreement.form == "written"
            assert agreement.signed_on <= confirmation.applied_on <= agreement.signed_on + timedelta(days=30)
    assert JudicialConfirmation.objects.exists() and FollowUp.objects.exists() and Session.objects.exists()
    assert set(Agreement.objects.values_list("form", flat=True)) == {"written", "oral"}
    assert MediationCase.objects.exclude(referral="").exists()
    signed_on = Subquery(Agreement.objects.filter(mediation=OuterRef("mediation")).values("signed_on")[:1])
    assert not FollowUp.objects.filter(visited_on__lt=signed_on).exists()


# --- closed on time ---------------------------------------------------------------------------------


def test_each_kind_is_mostly_closed_on_time(seeded):
    """About 93–95% of the closed cases of each kind in each street, as the README says."""
    rates = {}
    rows = (
        Case.objects.filter(status="closed")
        .values("street__name", "kind")
        .annotate(closed=Count("id"), on_time=Count("id", filter=Q(closed_at__lte=F("due_at"))))
        .order_by()
    )
    for row in rows:
        rates[(row["street__name"], row["kind"])] = row["on_time"] / row["closed"]
    assert set(rates) == {
        ("圣泉街道", "incident"),
        ("圣泉街道", "dispute"),
        ("几江街道", "city_management"),
        ("东城街道", "incident"),
    }
    for key, rate in rates.items():
        assert 0.90 <= rate <= 0.97, (key, rate)
    shengquan = Case.objects.filter(street__name="圣泉街道")
    assert shengquan.filter(closed_at__lte=F("due_at")).count() / shengquan.count() >= 0.90


def test_a_dispute_registered_for_mediation_gets_the_mediation_term(seeded):
    """The centre extends the dispute to a month from registration, the term of people's
    mediation (人民调解工作若干规定: 一般在一个月内调结), through the workflow's extend step."""
    registrations = dict(MediationCase.objects.values_list("case_id", "registered_at"))
    extensions = CaseEvent.objects.filter(action="extend").select_related("case")
    assert sorted(e.case_id for e in extensions) == sorted(registrations)
    for extension in extensions:
        registered_at = registrations[extension.case_id]
        assert registered_at < extension.at < registered_at + timedelta(hours=1)
        assert extension.case.due_at == registered_at + timedelta(days=30)
        assert "人民调解工作若干规定" in extension.note and extension.actor.username == "sq-admin"
        assert extension.from_status == extension.to_status == "assigned"
    late = MediationCase.objects.filter(case__closed_at__gt=F("case__due_at"))
    # Those closed late are the mediations that ran past the month.
    assert late.exists()
    assert not late.filter(concluded_at__lt=F("registered_at") + timedelta(days=25)).exists()


# --- the moment each street is shown at -----------------------------------------------------------

AS_OF = {"圣泉街道": SQ_AS_OF, "几江街道": JJ_AS_OF, "东城街道": DC_AS_OF}
OPEN = ["reported", "accepted", "assigned", "in_progress", "resolved"]


def test_nothing_in_a_street_happens_after_its_moment(seeded):
    for street, as_of in AS_OF.items():
        in_street = {"case__street__name": street}
        assert not CaseEvent.objects.filter(**in_street, at__gt=as_of).exists(), street
        assert not Supervision.objects.filter(**in_street, day__gt=as_of.date()).exists(), street
    as_of = SQ_AS_OF
    assert not MediationEvent.objects.filter(at__gt=as_of).exists()
    day = as_of.date()
    assert not Session.objects.filter(held_on__gt=day).exists()
    assert not FollowUp.objects.filter(visited_on__gt=day).exists()
    assert not JudicialConfirmation.objects.filter(decided_on__gt=day).exists()
    assert not Visit.objects.filter(visited_on__gte=day).exists()
    assert not KeyPersonEvent.objects.filter(at__gt=as_of).exists()


def test_open_cases_are_mostly_recent_and_within_their_time(seeded):
    """Jijiang's 250 open cases and a few of Dongcheng's, as they stand at the street's moment."""
    shares = {}
    for street, expected in (("几江街道", range(250, 251)), ("东城街道", range(3, 21))):
        as_of = AS_OF[street]
        open_cases = Case.objects.filter(street__name=street, status__in=OPEN)
        assert open_cases.count() in expected, street
        assert not open_cases.filter(accepted_at__isnull=True).exists()
        within = open_cases.filter(due_at__gt=as_of)
        # Within their time limit: the latest reported, not marked, not supervised.
        assert within.filter(reported_at__gt=as_of - timedelta(days=14)).count() == within.count()
        assert not within.filter(Q(is_overdue=True) | Q(supervisions__isnull=False)).exists()
        overdue = open_cases.filter(due_at__lte=as_of)
        assert overdue.exists() and overdue.count() == overdue.filter(is_overdue=True).count(), street
        for case in overdue:
            days = (as_of.date() - timezone.localtime(case.events.get(action="mark_overdue").at).date()).days
            assert case.supervisions.count() == days + 1, case.number
        shares[street] = within.count() / open_cases.count()
        assert set(open_cases.values_list("status", flat=True)) >= {"assigned", "in_progress"}
    assert 0.6 <= shares["几江街道"] <= 0.9 and shares["东城街道"] >= 0.5, shares
    assert not Case.objects.filter(street__name="圣泉街道", status__in=OPEN).exists()


def test_overdue_marks_and_supervisions_follow_the_hourly_sweep(seeded):
    """Marked overdue by the first hourly sweep after the due time, if the case was still open;
    one supervision entry a day from then while it stayed open."""
    marks = dict(CaseEvent.objects.filter(action="mark_overdue").values_list("case_id", "at"))
    supervisions = Counter(Supervision.objects.values_list("case_id", flat=True))
    rows = Case.objects.values_list("pk", "street__name", "due_at", "closed_at", "is_overdue")
    for pk, street, due_at, closed_at, is_overdue in rows.iterator(chunk_size=5000):
        sweep = due_at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        seen = sweep < closed_at if closed_at else sweep <= AS_OF[street]
        assert is_overdue == seen == (pk in marks), pk
        if seen:
            assert marks[pk] == sweep, pk
            last = min(closed_at - timedelta(microseconds=1), AS_OF[street]) if closed_at else AS_OF[street]
            days = (timezone.localtime(last).date() - timezone.localtime(sweep).date()).days
            assert supervisions[pk] == days + 1, pk
        else:
            assert pk not in supervisions, pk
    assert len(marks) > 1000


def test_seeded_rows_carry_the_times_they_stand_for(seeded):
    """A 督办 of 2022 was written in 2022, by the sweep of its day; a case was stored when reported."""
    rows = Supervision.objects.values_list("day", "created_at", "case__street__name", "case__due_at")
    for day, created_at, street, due_at in rows.iterator(chunk_size=5000):
        assert timezone.localtime(created_at).date() == day, (day, created_at)
        assert due_at < created_at <= AS_OF[street], (day, created_at)
    assert not Case.objects.exclude(created_at=F("reported_at")).exists()
    # The closing line is Chinese only.
    assert re.fullmatch(
        r"载入完成，用时 [0-9.]+ 秒：街道 3 个、网格 323 个、案件 [0-9]+ 件、调解 [0-9]+ 件、"
        r"楼栋 989 栋、房屋 21507 套、居民 4835 人、重点人员 271 人、走访 [0-9]+ 次。\n",
        seeded["output"],
    )


# --- the history is what the services write, in time order ------------------------------------


def _out_of_order(events, key: str) -> list:
    """Ids of the rows whose time is earlier than the previous row's of the same case, by id."""
    late, last = [], {}
    for pk, owner, at in events.order_by(key, "pk").values_list("pk", key, "at").iterator(chunk_size=20000):
        if owner in last and at < last[owner]:
            late.append(pk)
        last[owner] = at
    return late


def test_every_history_runs_forward_in_time(seeded):
    assert _out_of_order(CaseEvent.objects.all(), "case_id") == []
    assert _out_of_order(MediationEvent.objects.all(), "mediation_id") == []


def test_escalated_mediations_leave_the_case_comment_the_service_writes(seeded):
    escalations = MediationEvent.objects.filter(action="escalate").select_related("mediation")
    assert escalations.count() > 10
    with translation.override("zh-hans"):
        labels = {level: str(MediationLevel(level).label) for level in MediationLevel.values}
    for escalation in escalations:
        level = escalation.changes["level"][1]
        case_id = escalation.mediation.case_id
        comment = CaseEvent.objects.get(case_id=case_id, action="comment", at=escalation.at)
        assert comment.note == f"调解已上升至{labels[level]}级。"
        assert (comment.actor_id, comment.from_status, comment.to_status) == (
            escalation.actor_id,
            "in_progress",
            "in_progress",
        )


REPLAYED = {
    "on-the-spot": lambda: Case.objects.filter(on_the_spot=True).exclude(satisfaction=""),
    "reworked": lambda: Case.objects.filter(kind="incident", rework_count__gt=0),
    "escalated": lambda: Case.objects.filter(escalation_count__gt=0),
    "a department's": lambda: Case.objects.exclude(kind="dispute").exclude(assignee_unit=""),
    "city management": lambda: Case.objects.filter(kind="city_management", status="closed"),
    "dongcheng": lambda: Case.objects.filter(street__name="东城街道", status="closed"),
    "agreed, confirmed, followed up": lambda: Case.objects.filter(
        mediations__agreement__confirmation__isnull=False, mediations__follow_ups__isnull=False
    ),
    "escalated to the street": lambda: Case.objects.filter(
        mediations__escalation_count__gt=0, mediations__level="street"
    ),
    "escalated to the community": lambda: Case.objects.filter(
        mediations__escalation_count__gt=0, mediations__level="community"
    ),
    "failed and referred": lambda: Case.objects.filter(mediations__status="failed"),
    "withdrawn": lambda: Case.objects.filter(mediations__status="withdrawn"),
    "the demo mediator's": lambda: Case.objects.filter(
        mediations__lead_mediator__user__username="sq-mediator"
    ),
    "closed late, marked overdue": lambda: Case.objects.filter(
        kind="incident", status="closed", is_overdue=True
    ),
    "a dispute closed late": lambda: Case.objects.filter(kind="dispute", is_overdue=True),
    "open and overdue": lambda: Case.objects.filter(street__name="几江街道", is_overdue=True).exclude(
        status="closed"
    ),
    "open within its time": lambda: Case.objects.filter(
        street__name="几江街道", status="resolved", is_overdue=False
    ),
    "dongcheng, open": lambda: Case.objects.filter(street__name="东城街道").exclude(status="closed"),
}


@pytest.mark.parametrize("path", list(REPLAYED))
def test_seeded_history_is_what_the_services_write(seeded, path):
    """Taken again through the services at the recorded times, a case writes the same rows."""
    case = REPLAYED[path]().order_by("pk").first()
    assert case is not None, path
    expected = replay.state(case)
    replayed = replay.state(replay.replay(case))
    for part in expected:
        assert replayed[part] == expected[part], (path, case.number, part)


# --- the rows are valid ------------------------------------------------------------------------------


# Every row of the smaller tables; a sample of the large ones, whose full_clean runs a query
# per foreign key (all 28,000 cases would take minutes).
VALIDATED = [
    (Street, 1), (Community, 1), (Grid, 1), (MicroGrid, 1), (GridWorker, 1), (UserScope, 1),
    (MediationRoom, 1), (Mediator, 1), (MediationCase, 1), (Party, 1), (Session, 1), (Agreement, 1),
    (JudicialConfirmation, 1), (FollowUp, 1), (CaseNumberCounter, 1), (User, 1), (BoundaryVersion, 1),
    (MediationEvent, 0.25),
    (Supervision, 0.25), (CoGovernanceMember, 0.2), (Case, 0.05), (CaseEvent, 0.01),
    (Building, 1), (House, 0.05), (Resident, 0.1), (Residence, 0.1), (KeyPerson, 1), (KeyPersonEvent, 0.1),
    (Visit, 0.1), (DispatchUnit, 1),
]  # fmt: skip


@pytest.mark.parametrize(("model", "share"), VALIDATED, ids=lambda v: getattr(v, "__name__", str(v)))
def test_seeded_rows_pass_model_validation(seeded, model, share):
    ids = _sample(model.objects.all(), share=share, minimum=300)
    assert ids, model
    for obj in model.objects.filter(pk__in=ids):
        obj.full_clean()


def test_the_digest_covers_every_seeded_table_and_column(seeded):
    from django.apps import apps

    skipped = {"contenttypes", "auth", "sessions", "admin"}
    holding_rows = {
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in skipped and model.objects.exists()
    }
    assert holding_rows | {User} == set(DIGESTED)
    catalogue_and_links = {
        MajorCategory, Category, GridWorker.grids.through, MediationCase.assisting_mediators.through,
        ResidentTag, KeyPersonCategory, VisitRule, SafetyTag, FacilityType, Resident.tags.through,
    }  # fmt: skip
    assert {model for model, _share in VALIDATED} == set(DIGESTED) - catalogue_and_links - DERIVED
    case_columns = digested_columns(Case)
    assert {"due_at", "is_overdue", "accepted_at", "started_at", "resolved_at", "result"} <= set(case_columns)
    assert "changes" in digested_columns(CaseEvent) and "changes" in digested_columns(MediationEvent)
    assert "created_at" not in case_columns and "password" not in digested_columns(User)


# --- running it again ---------------------------------------------------------------------------------


def test_a_second_run_is_refused_and_if_empty_does_nothing(seeded):
    cases = Case.objects.count()
    with pytest.raises(CommandError):
        call_command("seed", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed", "--if-empty", stdout=out)
    assert Case.objects.count() == cases
    assert "Seeded in" not in out.getvalue()


def test_the_seed_is_refused_in_production(seeded, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("seed", "--reset", stdout=io.StringIO())
    assert Case.objects.filter(kind="city_management").count() == 25000


def test_reset_gives_the_same_data_again(seeded):
    call_command("seed", "--reset", stdout=io.StringIO())
    assert digest() == seeded["digest"]
    assert User.objects.filter(username="sq-admin").count() == 1


# --- the reports give the reports' figures ---------------------------------------------------------


def test_the_reports_give_the_figures_of_the_seeded_streets(seeded, api):
    client = api(User.objects.get(username="admin"))
    sq, jj = _street("圣泉街道"), _street("几江街道")
    events = client.get(
        "/api/v1/reports/resolution/", {"group_by": "street", "kind": "incident", "street": sq.pk}
    )
    assert events.status_code == 200, events.data
    totals = events.data["totals"]
    assert (totals["accepted"], totals["closed"]) == (1781, 1781)
    assert totals["closure_rate"]["value"] == 1.0
    city = client.get(
        "/api/v1/reports/resolution/", {"group_by": "street", "kind": "city_management", "street": jj.pk}
    )
    totals = city.data["totals"]
    assert (totals["total"], totals["accepted"], totals["closed"]) == (25000, 25000, 24750)
    assert totals["closure_rate"] == {"value": 0.99, "numerator": 24750, "denominator": 25000}
    mediated = client.get("/api/v1/reports/mediation/", {"group_by": "street", "street": sq.pk}).data[
        "totals"
    ]
    assert (mediated["registered"], mediated["concluded"]) == (1341, 1341)
    assert mediated["agreed"] == MediationCase.objects.filter(status="agreed").count()


# --- base data (人、地、事、物、组织) ----------------------------------------------------------------


def test_shengquan_base_data_figures(seeded):
    """Report 002: 989 buildings, 21,507 houses, 4,835 residents and 271 key persons."""
    sq = _street("圣泉街道")
    buildings = Building.objects.filter(grid__community__street=sq)
    assert buildings.count() == value("sq_buildings") == 989
    assert House.objects.filter(building__grid__community__street=sq).count() == value("sq_houses") == 21507
    residents = Resident.objects.filter(grid__community__street=sq)
    assert residents.count() == value("sq_residents") == 4835
    assert KeyPerson.objects.filter(grid__community__street=sq).count() == value("sq_key_persons") == 271
    for key in ("sq_buildings", "sq_houses", "sq_residents", "sq_key_persons"):
        assert FIGURES[key].source == "002_168036b497775af4.txt"
    # Placed in its grids: every grid has buildings, every building a point, every resident a house.
    assert buildings.values("grid").distinct().count() == value("sq_grids")
    assert not buildings.filter(latitude__isnull=True).exists()
    assert not residents.filter(house__isnull=True).exists()
    assert Residence.objects.filter(resident__in=residents, moved_out_on__isnull=True).count() == 4835
    assert set(residents.values_list("residence_type", flat=True)) == {
        "registered",
        "permanent",
        "floating",
        "foreign",
    }


def test_key_person_visits_follow_the_frequency_rules_up_to_the_moment(seeded):
    rules = {(r.category_id, r.risk_level): r.interval_days for r in VisitRule.objects.all()}
    moment = SQ_AS_OF.date()
    visits = Visit.objects.select_related("key_person").order_by("key_person", "visited_on", "pk")
    assert visits.count() > 3000
    by_person = defaultdict(list)
    for visit in visits:
        interval = rules[(visit.key_person.category_id, visit.key_person.risk_level)]
        assert (visit.next_due - visit.visited_on).days == interval
        by_person[visit.key_person_id].append(visit)
    on_time = sum(v.visited_on <= v.due_on for v in visits)
    assert 0.9 < on_time / visits.count() < 0.97
    for key_person in KeyPerson.objects.all():
        own = by_person[key_person.pk]
        due = key_person.registered_on + timedelta(
            days=rules[(key_person.category_id, key_person.risk_level)]
        )
        for visit in own:
            assert visit.due_on == due  # each visit fulfils the due day the previous one set
            due = visit.next_due
        assert key_person.next_visit_due == due and key_person.version == 1 + len(own)
        assert KeyPersonEvent.objects.filter(key_person=key_person).count() == 1 + len(own)
    overdue_then = KeyPerson.objects.filter(next_visit_due__lt=moment).count()
    assert 0 < overdue_then < 271 * 0.1  # a few were left unvisited past their day


def test_demo_accounts_see_key_persons_as_their_roles_allow(seeded, api):
    admin = api(User.objects.get(username="sq-admin")).get("/api/v1/key-persons/")
    assert admin.status_code == 200 and admin.json()["count"] == 271
    worker_user = User.objects.get(username="sq-worker")
    worker = api(worker_user).get("/api/v1/key-persons/")
    own = KeyPerson.objects.filter(responsible_worker__user=worker_user).count()
    assert worker.status_code == 200 and worker.json()["count"] == own >= 3
    other_admin = api(User.objects.get(username="jj-admin")).get("/api/v1/key-persons/")
    assert other_admin.json()["count"] == 0
    residents = api(User.objects.get(username="sq-admin")).get("/api/v1/residents/")
    assert residents.json()["count"] == 4835
