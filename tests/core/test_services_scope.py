"""Every service that takes an object's id finds it only within the caller's scope.

Called from the shell, a management command, the admin or an integration, a service given
another territory's case or mediation answers "not found" and writes nothing, exactly as the
API does. The services are found by their signature, so a new one is covered as it is added.
"""

import inspect

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import attachments
from cases import services as case_services
from cases.holds import Holder
from cases.models import Case, CaseEvent, Satisfaction
from config.errors import ObjectNotFound
from core.models import OutboxEvent
from grids.models import GridWorker, UserScope
from mediation import services as mediation_services
from mediation.models import MediationCase, MediationEvent
from tests.cases.test_attachments import PNG
from tests.factories import UserScopeFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _services_taking(module, id_name: str) -> dict:
    """The module's services (`<entity>_<action>`) that take `id_name`."""
    entity = id_name.removesuffix("_id")
    return {
        name: function
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__
        and name.startswith(f"{entity}_")
        and id_name in inspect.signature(function).parameters
    }


def _png() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.png", PNG, content_type="image/png")


def case_arguments(world, case) -> dict:
    worker = GridWorker.objects.get(user=world.worker_a)
    return {
        "case_accept": {},
        "case_reject": {"reason": "重复上报"},
        "case_assign": {"worker": worker},
        "case_start": {},
        "case_resolve": {"result": "已处理"},
        "case_verify": {"passed": True},
        "case_escalate": {"reason": "需街道协调"},
        "case_extend": {"due_at": case.due_at + timezone.timedelta(days=3), "reason": "等待配件"},
        "case_comment": {"note": "已电话联系"},
        "case_feedback": {"satisfaction": Satisfaction.SATISFIED},
        "case_update": {"data": {"title": "新标题"}},
        "case_merge": {
            "into": case_services.case_create(
                actor=world.admin_a, grid=case.grid, category=case.category, title="同一事项"
            ).pk,
            "reason": "重复上报",
        },
        "case_hold": {"holder": Holder("mediation", 1)},
        "case_release": {"holder": Holder("mediation", 1)},
        "case_attach": {"upload": _png()},
    }


def _outsiders(world):
    return {
        "another street's admin": world.admin_b,
        "another street's worker": world.worker_b,
        "another community's staff": UserScopeFactory(
            role=UserScope.Role.COMMUNITY_STAFF, street=None, community=world.community_b
        ).user,
        "a user without a role": world.nobody,
    }


def _case_state(case_id):
    case = Case.objects.get(pk=case_id)
    return (case.status, case.version, case.holder_kind, CaseEvent.objects.filter(case_id=case_id).count())


def test_every_case_service_refuses_another_territorys_case_and_writes_nothing(world, make_case):
    services = {**_services_taking(case_services, "case_id"), **_services_taking(attachments, "case_id")}
    # A case in each status a service needs: any of them is outside the outsiders' scope.
    case = make_case("resolved")
    arguments = case_arguments(world, case)
    assert set(services) == set(arguments), "give each case service its arguments here"
    before, events = _case_state(case.pk), OutboxEvent.objects.count()
    for who, outsider in _outsiders(world).items():
        for name, service in services.items():
            with pytest.raises(ObjectNotFound):
                service(case_id=case.pk, actor=outsider, **arguments[name])
            assert _case_state(case.pk) == before, (who, name)
    assert OutboxEvent.objects.count() == events
    assert not case.attachments.exists()


def mediation_arguments(roster, mediation) -> dict:
    return {
        "mediation_start": {},
        "mediation_session": {"held_on": TODAY(), "place": "调解室", "attendees": "双方"},
        "mediation_agree": {"form": "written", "content": "赔偿 800 元", "signed_on": TODAY()},
        "mediation_fail": {"reason": "分歧较大"},
        "mediation_withdraw": {"reason": "撤回"},
        "mediation_escalate": {"reason": "提级"},
        "mediation_refer": {"to": "court"},
        "mediation_confirm": {"applied_on": TODAY(), "result": "confirmed", "court": "江津区人民法院"},
        "mediation_follow_up": {"visited_on": TODAY(), "performance": "fulfilled"},
    }


def test_every_mediation_service_refuses_another_territorys_mediation_and_writes_nothing(
    world, roster, make_mediation
):
    services = _services_taking(mediation_services, "mediation_id")
    mediation = make_mediation("mediating")
    arguments = mediation_arguments(roster, mediation)
    assert set(services) == set(arguments), "give each mediation service its arguments here"
    outsiders = {**_outsiders(world), "another street's mediator": roster.mediator_b.user}

    def state():
        m = MediationCase.objects.get(pk=mediation.pk)
        return m.status, m.version, MediationEvent.objects.filter(mediation=m).count(), _case_state(m.case_id)

    before = state()
    for who, outsider in outsiders.items():
        for name, service in services.items():
            with pytest.raises(ObjectNotFound):
                service(mediation_id=mediation.pk, actor=outsider, **arguments[name])
            assert state() == before, (who, name)
