"""merge: a centre action of the case workflow closing a duplicate into another open case."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import Case, CaseEvent
from config.errors import ActionNotAllowed, InvalidInput, ObjectNotFound, RoleNotAllowed
from core.models import OutboxEvent

pytestmark = pytest.mark.django_db


def _merge(client, case, into, reason="同一处杂物，重复上报", **headers):
    return client.post(
        reverse("v1:case-merge", args=[case.pk]),
        {"into": into.pk, "reason": reason},
        format="json",
        **headers,
    )


def test_merge_closes_the_duplicate_and_links_both_ways(api, world, make_case):
    kept, duplicate = make_case("assigned"), make_case("accepted")
    events = OutboxEvent.objects.count()
    response = _merge(api(world.admin_a), duplicate, kept)
    assert response.status_code == 200, response.data
    body = response.json()
    assert (body["status"], body["merged_into"], body["result"]) == (
        "merged",
        kept.pk,
        "同一处杂物，重复上报",
    )
    assert body["allowed_actions"] == ["comment"]
    step = CaseEvent.objects.filter(case=duplicate).latest("pk")
    assert (step.action, step.from_status, step.to_status, step.actor) == (
        "merge",
        "accepted",
        "merged",
        world.admin_a,
    )
    assert step.note == "同一处杂物，重复上报" and step.changes["merged_into"] == [None, kept.pk]
    # The kept case keeps its status, records the merge and lists its duplicate.
    kept_step = CaseEvent.objects.filter(case=kept).latest("pk")
    assert (kept_step.action, kept_step.from_status, kept_step.to_status) == ("merge", "assigned", "assigned")
    assert duplicate.number in kept_step.note
    kept_body = api(world.admin_a).get(reverse("v1:case-detail", args=[kept.pk])).json()
    assert kept_body["duplicates"] == [duplicate.pk] and kept_body["status"] == "assigned"
    assert kept_body["version"] == kept.version + 1
    assert OutboxEvent.objects.count() == events + 2


@pytest.mark.parametrize("who", ["staff_a", "worker_a", "viewer", "nobody"])
def test_only_the_centre_merges(api, world, make_case, who):
    kept, duplicate = make_case("accepted"), make_case("accepted")
    response = _merge(api(getattr(world, who)), duplicate, kept)
    assert response.status_code in (403, 404), response.data
    assert Case.objects.get(pk=duplicate.pk).status == "accepted"
    assert not CaseEvent.objects.filter(action="merge").exists()
    assert _merge(api(world.superuser), duplicate, kept).status_code == 200


def test_another_streets_case_is_404_and_a_target_out_of_reach_400(api, world, make_case):
    kept, duplicate = make_case("accepted"), make_case("accepted")
    other = make_case("accepted", grid=world.grid_b1)
    assert _merge(api(world.admin_b), duplicate, kept).status_code == 404
    response = _merge(api(world.admin_a), duplicate, other)
    assert response.status_code == 400 and "into" in response.json()
    # Even the superuser merges only within one street.
    response = _merge(api(world.superuser), duplicate, other)
    assert response.status_code == 400 and "into" in response.json()
    assert Case.objects.get(pk=duplicate.pk).status == "accepted"


@pytest.mark.parametrize("target", ["closed", "rejected", "merged"])
def test_the_target_must_be_open(api, world, make_case, target):
    duplicate = make_case("reported")
    response = _merge(api(world.admin_a), duplicate, make_case(target))
    assert response.status_code == 400 and "into" in response.json()
    assert Case.objects.get(pk=duplicate.pk).status == "reported"


def test_a_finished_case_cannot_be_merged_and_input_is_checked(api, world, make_case):
    kept = make_case("accepted")
    client = api(world.admin_a)
    closed = make_case("closed")
    response = _merge(client, closed, kept)
    assert response.status_code == 409 and "merge" not in response.json()["allowed_actions"]
    duplicate = make_case("accepted")
    assert _merge(client, duplicate, duplicate).status_code == 400
    assert _merge(client, duplicate, kept, reason=" ").status_code == 400
    assert (
        client.post(reverse("v1:case-merge", args=[duplicate.pk]), {"reason": "x"}, format="json").status_code
        == 400
    )
    stale = _merge(client, duplicate, kept, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert Case.objects.get(pk=duplicate.pk).status == "accepted"


def test_the_services_refuse_alike(world, make_case):
    kept, duplicate = make_case("accepted"), make_case("accepted")
    with pytest.raises(RoleNotAllowed):
        services.case_merge(case_id=duplicate.pk, actor=world.staff_a, into=kept.pk, reason="重复")
    with pytest.raises(ObjectNotFound):
        services.case_merge(case_id=duplicate.pk, actor=world.admin_b, into=kept.pk, reason="重复")
    with pytest.raises(InvalidInput):
        services.case_merge(case_id=duplicate.pk, actor=world.admin_a, into=10**9, reason="重复")
    services.case_merge(case_id=duplicate.pk, actor=world.admin_a, into=kept.pk, reason="重复")
    with pytest.raises(ActionNotAllowed):
        services.case_merge(case_id=duplicate.pk, actor=world.admin_a, into=kept.pk, reason="重复")


def test_a_case_held_by_another_workflow_is_not_merged_but_may_absorb_one(world, make_case):
    from cases.holds import Holder

    held = make_case("accepted")
    services.case_hold(case_id=held.pk, actor=world.admin_a, holder=Holder("inspection", 7))
    other = make_case("accepted")
    with pytest.raises(ActionNotAllowed):
        services.case_merge(case_id=held.pk, actor=world.admin_a, into=other.pk, reason="重复")
    merged = services.case_merge(case_id=other.pk, actor=world.admin_a, into=held.pk, reason="重复")
    assert merged.merged_into_id == held.pk


def test_the_admin_action_merges_through_the_service(client, world, make_case):
    kept, duplicate = make_case("accepted"), make_case("accepted")
    client.force_login(world.admin_a)
    response = client.post(
        reverse("admin:cases_case_changelist"),
        {
            "action": "merge_cases",
            "_selected_action": [duplicate.pk],
            "into": kept.number,
            "note": "重复上报",
        },
        follow=True,
    )
    assert response.status_code == 200
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == ("merged", kept.pk)
    assert CaseEvent.objects.filter(case=kept, action="merge").exists()
