"""A mediation world on top of the case world: rooms, mediators and dispute cases."""

from dataclasses import dataclass

import pytest
from django.utils import timezone, translation

from grids.models import UserScope
from mediation import services
from mediation.models import MediationRoom, Mediator
from tests.factories import (
    MediationRoomFactory,
    MediatorFactory,
    UserFactory,
    UserScopeFactory,
    valid_id_number,
)


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """A request in English leaves English active in the thread: later tests expect the default."""
    yield
    translation.deactivate()


@dataclass
class Roster:
    room_a: MediationRoom  # gold-medal room of community A (street A)
    room_a_street: MediationRoom  # the street A centre's room
    room_b: MediationRoom
    gold_a: Mediator  # has an account; home room: room_a
    ordinary_a: Mediator  # has an account; no home room
    volunteer_a: Mediator  # a village peacemaker without an account
    mediator_b: Mediator


def _mediator_account(username, **mediator):
    user = UserFactory(username=username)
    m = MediatorFactory(user=user, **mediator)
    UserScopeFactory(user=user, role=UserScope.Role.MEDIATOR, street=m.street)
    return m


@pytest.fixture
def roster(world) -> Roster:
    room_a = MediationRoomFactory(
        name="浒溪金牌调解室",
        street=world.street_a,
        community=world.community_a,
        level="community",
        is_gold=True,
    )
    room_a_street = MediationRoomFactory(name="圣泉街道调解室", street=world.street_a, level="street")
    room_b = MediationRoomFactory(name="东城街道调解室", street=world.street_b, level="street")
    return Roster(
        room_a=room_a,
        room_a_street=room_a_street,
        room_b=room_b,
        gold_a=_mediator_account("mediator-a", street=world.street_a, kind="gold", home_room=room_a),
        ordinary_a=_mediator_account("mediator-a2", street=world.street_a),
        volunteer_a=MediatorFactory(street=world.street_a, community=world.community_a2, kind="volunteer"),
        mediator_b=_mediator_account("mediator-b", street=world.street_b),
    )


def parties():
    return [
        {"role": "applicant", "name": "张建国", "phone": "13812345678", "id_number": valid_id_number()},
        {"role": "respondent", "name": "李秀英", "phone": "13987654321", "id_number": ""},
    ]


TODAY = timezone.localdate


class MediationMaker:
    """`make_mediation("agreed")` gives a mediation of a dispute in grid A1 (or `grid=`), moved by
    the services."""

    def __init__(self, world, roster, make_case):
        self.world, self.roster, self.make_case = world, roster, make_case

    def __call__(self, status="registered", *, level="community", form="written", assisting=True, **register):
        world, roster = self.world, self.roster
        case = self.make_case(
            "accepted", kind="dispute", title="邻里漏水纠纷", grid=register.pop("grid", None)
        )
        mediation = services.mediation_register(
            actor=world.admin_a,
            case=case,
            level=level,
            dispute_type=register.pop("dispute_type", "neighbourhood"),
            lead_mediator=roster.gold_a,
            assisting_mediators=[roster.ordinary_a] if assisting else [],
            room=register.pop("room", roster.room_a_street if level == "street" else roster.room_a),
            parties=parties(),
            **register,
        )
        lead = roster.gold_a.user
        steps = {
            "mediating": ["start"],
            "agreed": ["start", "agree"],
            "failed": ["start", "fail"],
            "withdrawn": ["withdraw"],
        }.get(status, [])
        for step in steps:
            if step == "start":
                services.mediation_start(mediation_id=mediation.pk, actor=lead)
            elif step == "agree":
                services.mediation_agree(
                    mediation_id=mediation.pk,
                    actor=lead,
                    form=form,
                    content="楼上住户赔偿维修费 800 元",
                    signed_on=TODAY(),
                )
            elif step == "fail":
                services.mediation_fail(mediation_id=mediation.pk, actor=lead, reason="双方分歧较大")
            elif step == "withdraw":
                services.mediation_withdraw(mediation_id=mediation.pk, actor=lead, reason="申请人撤回")
        mediation.refresh_from_db()
        return mediation


@pytest.fixture
def make_mediation(world, roster, make_case):
    return MediationMaker(world, roster, make_case)
