"""Unique codes, names and usernames: taken values answer a 400 that tells nothing of other streets."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from grids.models import Community, Grid, GridWorker, Street
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CODE_UNDER_STREET = "村（社区）编码必须以所属街道编码 {code} 开头。"
CODE_UNDER_COMMUNITY = "网格编码必须以所属村（社区）编码 {code} 开头。"
USERNAME_UNAVAILABLE = "此用户名不能使用，请另选一个。"
VALUE_IN_USE = "此值已被使用，请另选一个。"


def url(name, **kwargs):
    return reverse(f"v1:{name}", kwargs=kwargs)


def community_payload(world, **overrides):
    return {
        "code": world.street_a.code + "555",
        "name": "新社区",
        "kind": "urban",
        "street": world.street_a.pk,
        **overrides,
    }


def test_another_streets_community_code_is_refused_as_outside_the_street_not_as_taken(world, api):
    response = api(world.admin_a).post(
        url("community-list"), community_payload(world, code=world.community_b.code), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"code": [CODE_UNDER_STREET.format(code=world.street_a.code)]}
    unused = api(world.admin_a).post(
        url("community-list"), community_payload(world, code=world.street_b.code + "999"), format="json"
    )
    assert unused.json() == response.json()
    assert not Community.objects.filter(name="新社区").exists()


def test_a_taken_code_is_not_revealed_by_a_request_that_fails_for_another_reason(world, api):
    taken = api(world.admin_a).post(
        url("community-list"),
        community_payload(world, code=world.community_b.code, kind="castle"),
        format="json",
    )
    unused = api(world.admin_a).post(
        url("community-list"),
        community_payload(world, code=world.street_b.code + "999", kind="castle"),
        format="json",
    )
    assert taken.status_code == unused.status_code == 400
    assert taken.json() == unused.json() and list(taken.json()) == ["kind"]


def test_another_streets_grid_code_is_refused_as_outside_the_community(world, api):
    payload = {
        "code": world.grid_b1.code,
        "name": "新网格",
        "kind": "urban_residential",
        "community": world.community_a.pk,
    }
    response = api(world.admin_a).post(url("grid-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"code": [CODE_UNDER_COMMUNITY.format(code=world.community_a.code)]}
    assert not Grid.objects.filter(name="新网格").exists()


def test_a_code_taken_within_the_callers_own_street_is_named_as_taken(world, api):
    response = api(world.admin_a).post(
        url("community-list"), community_payload(world, code=world.community_a2.code), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["code"]
    assert "已存在" in response.json()["code"][0]


def test_another_streets_name_is_refused_without_saying_whose_it_is(world, api):
    response = api(world.admin_a).patch(
        url("street-detail", pk=world.street_a.pk), {"name": world.street_b.name}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"name": [VALUE_IN_USE]}
    assert Street.objects.get(pk=world.street_a.pk).name == "圣泉街道"


def worker_payload(world, **overrides):
    return {
        "username": "new-worker",
        "name": "陈静",
        "kind": "part_time",
        "street": world.street_a.pk,
        "grids": [world.grid_a1.pk],
        **overrides,
    }


@pytest.mark.parametrize("username", ["admin", "worker-b", "admin-b", "root", "nobody"])
def test_a_username_in_use_is_refused_alike_whoever_holds_it(world, api, username):
    UserFactory(username="admin", is_superuser=True)
    response = api(world.admin_a).post(
        url("worker-list"), worker_payload(world, username=username), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"username": [USERNAME_UNAVAILABLE]}
    assert GridWorker.objects.filter(name="陈静").count() == 0


def test_a_username_in_use_is_not_revealed_by_a_request_that_fails_for_another_reason(world, api):
    taken = api(world.admin_a).post(
        url("worker-list"), worker_payload(world, username="worker-b", kind="volunteer"), format="json"
    )
    unused = api(world.admin_a).post(
        url("worker-list"), worker_payload(world, username="nobody-has-it", kind="volunteer"), format="json"
    )
    assert taken.status_code == unused.status_code == 400
    assert taken.json() == unused.json() and list(taken.json()) == ["kind"]
    assert not get_user_model().objects.filter(username="nobody-has-it").exists()


def test_a_street_admin_creating_a_street_is_refused_alike_whatever_its_name(world, api):
    body = {"code": "500116901", "abbreviation": "XX", "district_name": "江津区", "district_code": "500116"}
    taken = api(world.admin_a).post(url("street-list"), {**body, "name": world.street_b.name}, format="json")
    unused = api(world.admin_a).post(url("street-list"), {**body, "name": "无此街道"}, format="json")
    assert taken.status_code == unused.status_code == 403
    assert taken.json() == unused.json()
    assert Street.objects.count() == 2
