"""Co-governance members are residents: masked in every read, revealed only with an audit row."""

import pytest
from django.urls import reverse

from grids.models import CoGovernanceMember, PersonalDataReveal
from tests.factories import CoGovernanceMemberFactory, MicroGridFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(world):
    return CoGovernanceMemberFactory(
        community=world.community_a,
        grid=world.grid_a1,
        role="party_group_leader",
        name="王秀英",
        phone="13987654321",
    )


def test_members_are_masked_in_lists_and_details(world, api, member):
    client = api(world.admin_a)
    listed = client.get(reverse("v1:member-list")).json()["results"][0]
    assert (listed["name"], listed["phone"]) == ("王**", "139****4321")
    detail = client.get(reverse("v1:member-detail", args=[member.pk])).json()
    assert detail["name"] == "王**"


def test_reveal_gives_the_value_and_writes_one_audit_row(world, api, member):
    response = api(world.admin_a).post(reverse("v1:member-reveal", args=[member.pk]), {"field": "phone"})
    assert response.status_code == 200
    assert response.json() == {"field": "phone", "value": "13987654321"}
    audit = PersonalDataReveal.objects.get()
    assert (audit.user, audit.object_id, audit.field) == (world.admin_a, member.pk, "phone")
    assert audit.content_type.model == "cogovernancemember"


@pytest.mark.parametrize("who", ["worker_a", "viewer"])
def test_roles_not_allowed_get_403_and_no_audit_row(world, api, member, who):
    response = api(getattr(world, who)).post(
        reverse("v1:member-reveal", args=[member.pk]), {"field": "phone"}
    )
    assert response.status_code == 403
    assert not PersonalDataReveal.objects.exists()


def test_reveal_outside_the_territory_is_404(world, api, member):
    response = api(world.admin_b).post(reverse("v1:member-reveal", args=[member.pk]), {"field": "phone"})
    assert response.status_code == 404
    assert not PersonalDataReveal.objects.exists()


def test_reveal_of_an_unknown_field_is_400(world, api, member):
    response = api(world.admin_a).post(reverse("v1:member-reveal", args=[member.pk]), {"field": "community"})
    assert response.status_code == 400
    assert "field" in response.json()
    assert not PersonalDataReveal.objects.exists()


@pytest.mark.parametrize("body", ["-9499727040", "[]", '"phone"', "null"])
def test_reveal_with_a_body_that_is_not_an_object_is_400(world, api, member, body):
    response = api(world.admin_a).generic(
        "POST", reverse("v1:member-reveal", args=[member.pk]), body, "application/json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["field"]
    assert not PersonalDataReveal.objects.exists()


def test_micro_grid_leader_reveal(world, api):
    micro = MicroGridFactory(grid=world.grid_a1, leader_name="李建国")
    response = api(world.staff_a).post(
        reverse("v1:micro-grid-reveal", args=[micro.pk]), {"field": "leader_name"}
    )
    assert response.json()["value"] == "李建国"
    assert PersonalDataReveal.objects.filter(field="leader_name").count() == 1


def test_member_create_checks_the_grid_belongs_to_the_community(world, api):
    payload = {
        "role": "volunteer",
        "name": "刘洋",
        "community": world.community_a.pk,
        "grid": world.grid_a3.pk,
    }
    response = api(world.admin_a).post(reverse("v1:member-list"), payload, format="json")
    assert response.status_code == 400
    assert "grid" in response.json()
    ok = api(world.admin_a).post(
        reverse("v1:member-list"), {**payload, "grid": world.grid_a1.pk}, format="json"
    )
    assert ok.status_code == 201
    assert ok.json()["name"] == "刘*"
    assert CoGovernanceMember.objects.get().name == "刘洋"


def test_members_are_not_searchable_by_name(world, api, member):
    assert api(world.admin_a).get(reverse("v1:member-list"), {"search": "王秀英"}).json()["count"] == 0
    assert (
        api(world.admin_a).get(reverse("v1:member-list"), {"role": "party_group_leader"}).json()["count"] == 1
    )


def test_worker_sees_members_of_their_grid_only(world, api, member):
    CoGovernanceMemberFactory(community=world.community_a, grid=world.grid_a2)
    body = api(world.worker_a).get(reverse("v1:member-list")).json()
    assert [m["id"] for m in body["results"]] == [member.pk]
    assert api(world.worker_b).get(reverse("v1:member-detail", args=[member.pk])).status_code == 404


def test_reveal_answers_are_never_cached(world, api, member):
    response = api(world.admin_a).post(reverse("v1:member-reveal", args=[member.pk]), {"field": "name"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"


def test_echoing_a_read_back_does_not_store_the_masks(world, api, member):
    # Given a client that reads a member (masked) and sends the same body back
    client = api(world.admin_a)
    detail = reverse("v1:member-detail", args=[member.pk])
    body = client.get(detail).json()
    # When it PATCHes the echoed body with one real change
    response = client.patch(detail, {**body, "joined_on": "2022-03-01"}, format="json")
    # Then the masked fields are refused by name and nothing is stored
    assert response.status_code == 400
    assert set(response.json()) == {"name", "phone"}
    member.refresh_from_db()
    assert (member.name, member.phone, member.joined_on) == ("王秀英", "13987654321", None)


@pytest.mark.parametrize("value", ["王**", "王*英", "*"])
def test_a_name_holding_the_mask_character_is_refused(world, api, member, value):
    response = api(world.admin_a).patch(
        reverse("v1:member-detail", args=[member.pk]), {"name": value}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    member.refresh_from_db()
    assert member.name == "王秀英"


def test_a_full_value_still_replaces_the_stored_one(world, api, member):
    response = api(world.admin_a).patch(
        reverse("v1:member-detail", args=[member.pk]),
        {"name": "王秀兰", "phone": "13911112222"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["phone"]) == ("王**", "139****2222")
    member.refresh_from_db()
    assert (member.name, member.phone) == ("王秀兰", "13911112222")


@pytest.mark.parametrize(("field", "value"), [("role", "mayor"), ("phone", "123"), ("phone", "139****4321")])
def test_bad_member_input_is_400_naming_the_field_and_writes_nothing(world, api, field, value):
    payload = {"role": "volunteer", "name": "刘洋", "community": world.community_a.pk, field: value}
    response = api(world.admin_a).post(reverse("v1:member-list"), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not CoGovernanceMember.objects.exists()
