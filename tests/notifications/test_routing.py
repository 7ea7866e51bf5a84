"""Who is told what: the rules' table, applied by the in-process (single-machine) mode.

Without a broker the routing and the sending run in the process, right after the commit
of the step; the messages reach the local sink before the service call returns.
"""

import pytest
from django.core import mail
from django.utils import timezone

from cases import services
from cases.overdue import cases_sweep_overdue
from core.models import OutboxEvent
from grids.models import UserScope
from notifications.models import Delivery, EventRouting, Notification
from notifications.services import event_route
from tests.factories import NotificationRuleFactory, OutboxEventFactory, UserScopeFactory
from tests.notifications.conftest import DINGTALK_PATH, WECOM_PATH

pytestmark = pytest.mark.django_db


def inbox_of(user):
    return list(Notification.objects.filter(user=user).values_list("trigger", flat=True))


def test_a_dispatch_tells_the_assignee_in_the_inbox(
    world, make_case, worker_a, django_capture_on_commit_callbacks
):
    case = make_case("accepted")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_assign(case_id=case.pk, actor=world.admin_a, worker=worker_a)
    [note] = Notification.objects.filter(user=world.worker_a)
    assert note.trigger == "dispatch"
    assert note.title == "新派遣案件"
    assert case.number in note.body and "乱堆乱放" in note.body and "浒溪一网格" in note.body
    assert note.link.endswith(f"/api/v1/cases/{case.pk}/")
    assert (note.subject_type, note.subject_id) == ("cases", case.pk)
    # Nobody else was told, and the centre who dispatched is not told of their own step.
    assert Notification.objects.exclude(user=world.worker_a).filter(trigger="dispatch").count() == 0


def test_a_new_case_is_posted_to_the_grids_group_once(
    world, make_case, grid_robot, sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case("reported", contact_name="张秀兰", contact_phone="13812345678")
    [post] = sink.at(WECOM_PATH)
    assert post.query == {"key": ["grid-a1"]}
    assert post.body["msgtype"] == "markdown"
    content = post.body["markdown"]["content"]
    assert content.startswith("### 网格新上报事件")
    assert case.number in content and "浒溪一网格" in content and "乱堆乱放" in content
    # The title and address workers type, and the resident, are never in a message.
    for private in ("张秀兰", "1381", "5678", "楼道堆放杂物", "浒溪路"):
        assert private not in content
    delivery = Delivery.objects.get(robot=grid_robot)
    assert (delivery.state, delivery.attempts, delivery.channel) == ("sent", 1, "wecom")
    # Routing the event again (a redelivered task) sends nothing more.
    event = OutboxEvent.objects.get(name="cases.report", aggregate_id=case.pk)
    assert event_route(event.pk) == 0
    assert len(sink.at(WECOM_PATH)) == 1
    assert Delivery.objects.filter(event=event).count() == 1


def test_overdue_and_supervision_tell_the_assignee_and_the_centre(
    world, make_case, centre_robot, sink, django_capture_on_commit_callbacks
):
    world.admin_a.email = "centre@example.cn"
    world.admin_a.save()
    case = make_case("assigned")
    with django_capture_on_commit_callbacks(execute=True):
        cases_sweep_overdue(now=case.due_at + timezone.timedelta(hours=2))
    assert sorted(inbox_of(world.worker_a)) == ["overdue", "supervise"]
    assert sorted(inbox_of(world.admin_a)) == ["overdue", "supervise"]
    assert inbox_of(world.admin_b) == []
    posts = sink.at(DINGTALK_PATH)
    assert len(posts) == 2
    assert {p.body["markdown"]["title"] for p in posts} == {"案件已超期", "超期案件督办"}
    assert any(
        "已超期" in p.body["markdown"]["text"] and "2 小时" in p.body["markdown"]["text"] for p in posts
    )
    # The signed-timestamp secret of DingTalk is on every post.
    assert all("timestamp" in p.query and "sign" in p.query for p in posts)
    # Email to the centre's administrator for the overdue mark (the default rule).
    assert [m.to for m in mail.outbox] == [["centre@example.cn"]]
    assert mail.outbox[0].subject == "案件已超期" and case.number in mail.outbox[0].body


def test_a_rework_tells_the_assignee(world, make_case, django_capture_on_commit_callbacks):
    case = make_case("resolved")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_verify(case_id=case.pk, actor=world.admin_a, passed=False, note="未清理干净")
    assert "rework" in inbox_of(world.worker_a)


def test_a_closed_case_tells_its_reporter(world, make_case, django_capture_on_commit_callbacks):
    case = make_case("resolved")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_verify(case_id=case.pk, actor=world.admin_a, passed=True)
    assert case.reporter_id == world.worker_a.pk
    assert inbox_of(world.worker_a) == ["closed"]


def test_an_escalation_tells_the_centre_of_the_level_above(
    world, make_case, django_capture_on_commit_callbacks
):
    other_staff = UserScopeFactory(
        role=UserScope.Role.COMMUNITY_STAFF, street=None, community=world.community_a2
    ).user
    # A grid-level case escalated goes to its community: the community's staff are told.
    case = make_case("accepted", level="grid")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_escalate(case_id=case.pk, actor=world.admin_a, reason="需社区协调")
    assert inbox_of(world.staff_a) == ["escalate"]
    assert inbox_of(other_staff) == []
    # Escalated again, to the street: the street's administrators (but the one who did it).
    second_admin = UserScopeFactory(street=world.street_a).user
    with django_capture_on_commit_callbacks(execute=True):
        services.case_escalate(case_id=case.pk, actor=world.admin_a, reason="需街道协调")
    assert inbox_of(second_admin) == ["escalate"]
    assert inbox_of(world.admin_a) == []
    # And to the district: its viewers.
    with django_capture_on_commit_callbacks(execute=True):
        services.case_escalate(case_id=case.pk, actor=world.admin_a, reason="需区级部门处置")
    assert inbox_of(world.viewer) == ["escalate"]


def test_a_streets_override_replaces_the_default_and_can_switch_a_rule_off(
    world, make_case, worker_a, grid_robot, sink, django_capture_on_commit_callbacks
):
    # Street A tells the grid's group of dispatches too, and nobody of new cases.
    NotificationRuleFactory(
        street=world.street_a,
        trigger="dispatch",
        recipients=["assignee", "grid_group"],
        channels=["inbox", "wecom"],
    )
    NotificationRuleFactory(street=world.street_a, trigger="new_case", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case("accepted")
        services.case_assign(case_id=case.pk, actor=world.admin_a, worker=worker_a)
    posts = sink.at(WECOM_PATH)
    assert [p.body["markdown"]["content"].splitlines()[0] for p in posts] == ["### 新派遣案件"]
    assert inbox_of(world.worker_a) == ["dispatch"]


def test_other_streets_keep_the_default(world, make_case, category, django_capture_on_commit_callbacks):
    NotificationRuleFactory(street=world.street_a, trigger="closed", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        case_a = make_case("resolved")
        case_b = services.case_create(
            actor=world.worker_b, grid=world.grid_b1, category=category, title="路灯不亮"
        )
        services.case_accept(case_id=case_b.pk, actor=world.admin_b)
        services.case_assign(case_id=case_b.pk, actor=world.admin_b, unit="城管站")
        services.case_start(case_id=case_b.pk, actor=world.admin_b)
        services.case_resolve(case_id=case_b.pk, actor=world.admin_b, result="已修复")
        for case, admin in ((case_a, world.admin_a), (case_b, world.admin_b)):
            services.case_verify(case_id=case.pk, actor=admin, passed=True)
    assert "closed" not in inbox_of(world.worker_a)
    assert inbox_of(world.worker_b) == ["closed"]


def test_a_rolled_back_step_routes_and_sends_nothing(
    world, make_case, worker_a, grid_robot, sink, django_capture_on_commit_callbacks
):
    from django.db import transaction

    case = make_case("accepted")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.case_assign(case_id=case.pk, actor=world.admin_a, worker=worker_a)
        raise RuntimeError("the caller fails after the step")
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert sink.attempts == []


def test_a_visit_coming_due_tells_the_responsible_worker(world, worker_a):
    """The base-data app publishes `registry.visit_due`; the rule routes it to the worker."""
    event = OutboxEventFactory(
        name="registry.visit_due",
        aggregate="registry",
        aggregate_id=77,
        payload={
            "worker": worker_a.pk,
            "grid": world.grid_a1.pk,
            "due_at": "2026-12-01T09:00:00+08:00",
            "reference": "ZD-2026-0077",
            "category": "社区矫正对象",
        },
    )
    event_route(event.pk)
    [note] = Notification.objects.filter(user=world.worker_a)
    assert note.trigger == "visit_due" and note.title == "重点人员走访即将到期"
    assert "ZD-2026-0077" in note.body and "2026-12-01 09:00" in note.body
    assert EventRouting.objects.get(event=event).deliveries == 0  # no SMS provider configured


def test_an_event_nobody_is_told_of_is_routed_once_with_nothing(world, make_case):
    case = make_case()
    event = OutboxEventFactory(name="cases.comment", aggregate_id=case.pk)
    assert event_route(event.pk) == 0
    assert EventRouting.objects.filter(event=event).exists()
    assert Notification.objects.count() == 0
