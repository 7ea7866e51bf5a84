"""A case's resident contact is masked in reads; `reveal/` shows one value, audited."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from cases.models import Case
from grids.models import PersonalDataReveal
from tests.factories import GridWorkerFactory

pytestmark = pytest.mark.django_db

CONTACT = {"contact_name": "张秀兰", "contact_phone": "13812345678"}


def reveal(client, case, field):
    return client.post(reverse("v1:case-reveal", args=[case.pk]), {"field": field}, format="json")


def audit_rows(case):
    return list(
        PersonalDataReveal.objects.filter(
            content_type=ContentType.objects.get_for_model(Case), object_id=case.pk
        ).values_list("user__username", "field")
    )


@pytest.mark.parametrize("who", ["superuser", "admin_a", "staff_a", "assignee"])
@pytest.mark.parametrize("field", ["contact_name", "contact_phone"])
def test_the_centre_and_the_assigned_worker_reveal_one_value_with_an_audit_row(
    world, api, make_case, who, field
):
    case = make_case("assigned", **CONTACT)
    user = case.assignee_worker.user if who == "assignee" else getattr(world, who)
    response = reveal(api(user), case, field)
    assert response.status_code == 200, response.json()
    assert response.json() == {"field": field, "value": CONTACT[field]}
    assert audit_rows(case) == [(user.username, field)]


def test_reads_stay_masked(world, api, make_case):
    case = make_case("assigned", **CONTACT)
    body = api(world.admin_a).get(reverse("v1:case-detail", args=[case.pk])).json()
    assert (body["contact_name"], body["contact_phone"]) == ("张**", "138****5678")


@pytest.mark.parametrize("who", ["viewer", "reporter", "colleague"])
def test_other_roles_who_see_the_case_get_403_and_no_audit_row(world, api, make_case, who):
    # worker A reported the case but it is assigned to a colleague of the same grid
    colleague = GridWorkerFactory(user__username="colleague", street=world.street_a, grids=[world.grid_a1])
    case = make_case("accepted", **CONTACT)
    from cases import services

    services.case_assign(case_id=case.pk, actor=world.admin_a, worker=colleague)
    other = GridWorkerFactory(user__username="other", street=world.street_a, grids=[world.grid_a1])
    user = {"viewer": world.viewer, "reporter": world.worker_a, "colleague": other.user}[who]
    response = reveal(api(user), case, "contact_phone")
    assert response.status_code == 403
    assert "138" not in str(response.json())
    assert audit_rows(case) == []


@pytest.mark.parametrize("who", ["admin_b", "worker_b", "staff_a"])
def test_outside_the_territory_is_404(world, api, make_case, who):
    case = make_case("assigned", grid=world.grid_a3, **CONTACT)  # community A2: not staff A's
    response = reveal(api(getattr(world, who)), case, "contact_name")
    assert response.status_code == 404
    assert audit_rows(case) == []


def test_only_the_contact_fields_can_be_revealed(world, api, make_case):
    case = make_case("assigned", **CONTACT)
    response = reveal(api(world.admin_a), case, "reporter")
    assert response.status_code == 400 and "field" in response.json()
    assert audit_rows(case) == []
