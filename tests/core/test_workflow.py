"""The workflow engine: one order of checks, guards added from outside, locks within the scope."""

from dataclasses import dataclass

import pytest
from django.utils.translation import override

from cases.models import Case, CaseEvent
from config.errors import ActionNotAllowed, ObjectNotFound, RoleNotAllowed, StaleVersion
from core.access import AccessRegistry, Relation, Role
from core.workflow import ANY_ACTION, Messages, Move, Workflow, role_limited_to
from grids.scope import Scope

pytestmark = pytest.mark.django_db


@dataclass
class Door:
    """A tiny object with a status, a level and a version, moved by a test workflow."""

    status: str = "closed"
    level: str = "grid"
    version: int = 1
    owner_id: int | None = None

    def get_status_display(self) -> str:
        return self.status


OWNER = Relation("owner", "the door's owner", lambda scope, door: door.owner_id == scope.user_id)


def door_workflow(**extra) -> Workflow:
    return Workflow(
        "doors",
        table={"closed": {"open": ("open",), "paint": ("closed",)}, "open": {"close": ("closed",)}},
        grants={
            "open": {Role.STREET_ADMIN, Role.COMMUNITY_STAFF, OWNER},
            "close": {Role.STREET_ADMIN},
            "paint": {Role.STREET_ADMIN},
        },
        messages=Messages(
            role="may not %(action)s", move="no %(action)s while %(status)s", stale="now %(version)d"
        ),
        registry=AccessRegistry(),
        **extra,
    )


ADMIN = Scope(role=Role.STREET_ADMIN, user_id=1)
STAFF = Scope(role=Role.COMMUNITY_STAFF, user_id=2)
WORKER = Scope(role=Role.GRID_WORKER, user_id=3)


def test_the_checks_run_role_then_version_then_move():
    doors = door_workflow()
    door = Door(status="open", version=2)
    # A worker without a grant hears about the role first, whatever the version and the move.
    with pytest.raises(RoleNotAllowed, match="may not open"):
        doors.check(door, "open", scope=WORKER, expected_version=1)
    # With the grant, a stale version comes before the move.
    with pytest.raises(StaleVersion) as stale:
        doors.check(door, "open", scope=ADMIN, expected_version=1)
    assert stale.value.current_version == 2
    with pytest.raises(ActionNotAllowed) as refused:
        doors.check(door, "open", scope=ADMIN, expected_version=2)
    assert refused.value.message == "no open while open"
    assert refused.value.allowed_actions == ["close"]


def test_a_relation_grants_what_the_role_does_not():
    doors = door_workflow()
    assert not doors.may(WORKER, "open", Door(owner_id=99))
    assert doors.may(WORKER, "open", Door(owner_id=WORKER.user_id))
    assert doors.allowed_actions(Door(owner_id=WORKER.user_id), WORKER) == ["open"]


def test_a_role_limit_narrows_a_grant_to_some_objects():
    doors = door_workflow(role_limits={Role.COMMUNITY_STAFF: role_limited_to(frozenset({"grid"}))})
    assert doors.may(STAFF, "open", Door(level="grid"))
    assert not doors.may(STAFF, "open", Door(level="street"))
    assert doors.may(ADMIN, "open", Door(level="street"))


def test_guards_added_from_outside_refuse_with_their_own_sentence():
    doors = door_workflow()
    door = Door()
    assert doors.allowed_actions(door) == ["open", "paint"]
    doors.add_guard("open", lambda d, move: "the door is locked" if move.outcome != "forced" else None)
    doors.add_guard(ANY_ACTION, lambda d, move: "held" if move.acting == "nobody" else None)
    assert doors.allowed_actions(door) == ["paint"]
    with pytest.raises(ActionNotAllowed, match="the door is locked"):
        doors.check_move(door, "open")
    doors.check_move(door, Move("open", outcome="forced"))
    with pytest.raises(ActionNotAllowed, match="held"):
        doors.check_move(door, Move("paint", acting="nobody"))


def test_a_move_on_behalf_of_a_holder_skips_the_role_but_not_the_table():
    doors = door_workflow()
    doors.check(Door(), Move("open", acting="someone"), scope=WORKER)
    with pytest.raises(ActionNotAllowed):
        doors.check(Door(), Move("close", acting="someone"), scope=WORKER)


def test_the_table_and_its_targets():
    doors = door_workflow()
    assert doors.actions == {"open", "paint", "close"}
    assert doors.pairs() == {("closed", "open"), ("closed", "paint"), ("open", "close")}
    assert doors.next_status(Door(), "open") == "open"


def test_locked_finds_the_row_only_within_the_queryset_given(world, make_case):
    from cases.workflow import CASE_WORKFLOW

    case = make_case()
    other_street = Case.objects.filter(street=world.street_b)
    with pytest.raises(ObjectNotFound), CASE_WORKFLOW.locked(other_street, case.pk, "comment", scope=ADMIN):
        pass
    scope = Scope(role=Role.STREET_ADMIN, user_id=world.admin_a.pk, street_id=world.street_a.pk)
    with CASE_WORKFLOW.locked(Case.objects.all(), case.pk, "comment", scope=scope) as locked:
        assert locked.pk == case.pk
    assert not CaseEvent.objects.filter(case=case, action="comment").exists()


def test_the_refusals_speak_the_active_language(world, make_case):
    from cases.workflow import CASE_WORKFLOW

    case = make_case("closed")
    with override("zh-hans"), pytest.raises(ActionNotAllowed) as refused:
        CASE_WORKFLOW.check_move(case, "accept")
    assert "已结案" in refused.value.message or "结案" in refused.value.message
