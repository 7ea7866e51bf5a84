"""Holds: a workflow that holds a case moves its held steps alone, and only while it holds it."""

import pytest
from django.utils import translation

from cases import services
from cases.holds import Holder, describe, holder_of
from cases.models import Case
from config.errors import ActionNotAllowed

pytestmark = pytest.mark.django_db

HOLDER = Holder("inspection", 7)


def test_a_held_case_refuses_the_centres_held_moves_and_allows_the_rest(world, make_case):
    case = make_case("accepted")
    services.case_hold(case_id=case.pk, actor=world.admin_a, holder=HOLDER)
    case.refresh_from_db()
    assert holder_of(case) == HOLDER
    assert services.workflow.allowed_actions(case) == ["attach", "comment", "extend", "update"]
    with translation.override("en"):
        with pytest.raises(ActionNotAllowed) as refused:
            services.case_escalate(case_id=case.pk, actor=world.admin_a, reason="提级")
        # A holder kind nobody registered is still named in the refusal.
        expected = "The case is held by inspection 7: it moves only with its actions."
        assert refused.value.message == describe(HOLDER) == expected
    services.case_comment(case_id=case.pk, actor=world.admin_a, note="仍可备注")


def test_the_holder_makes_the_held_moves_and_releases_the_case(world, make_case):
    case = make_case("accepted")
    services.case_hold(case_id=case.pk, actor=world.admin_a, holder=HOLDER)
    services.case_assign(case_id=case.pk, actor=world.admin_a, unit="检查组", acting=HOLDER)
    services.case_release(case_id=case.pk, actor=world.admin_a, holder=HOLDER)
    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.holder_kind, case.holder_id) == ("assigned", "", None)
    assert "start" in services.workflow.allowed_actions(case)


def test_a_workflow_acts_on_a_case_only_while_it_holds_it(world, make_case):
    case = make_case("accepted")
    version = case.version
    with translation.override("en"), pytest.raises(ActionNotAllowed, match="not held by inspection 7"):
        services.case_assign(case_id=case.pk, actor=world.admin_a, unit="检查组", acting=HOLDER)
    services.case_hold(case_id=case.pk, actor=world.admin_a, holder=Holder("inspection", 8))
    with pytest.raises(ActionNotAllowed):
        services.case_hold(case_id=case.pk, actor=world.admin_a, holder=HOLDER)
    with pytest.raises(ActionNotAllowed):
        services.case_assign(case_id=case.pk, actor=world.admin_a, unit="检查组", acting=HOLDER)
    assert Case.objects.get(pk=case.pk).version == version
    # Releasing with another holder leaves the hold as it is.
    services.case_release(case_id=case.pk, actor=world.admin_a, holder=HOLDER)
    assert holder_of(Case.objects.get(pk=case.pk)) == Holder("inspection", 8)
