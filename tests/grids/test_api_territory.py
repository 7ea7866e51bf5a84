"""The territory endpoints: reads within scope, writes by street admins in their street."""

import pytest
from django.urls import reverse

from grids.models import Community, Grid, GridWorker, MicroGrid, Street
from tests.factories import GridFactory, MicroGridFactory

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"v1:{name}", kwargs=kwargs)


# --- reading ----------------------------------------------------------------------------


def test_unauthenticated_requests_get_401(world, api):
    response = api().get(url("grid-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_list_uses_the_page_shape_and_carries_parent_ids(world, api):
    response = api(world.admin_a).get(url("grid-list"), {"ordering": "code"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    first = body["results"][0]
    assert first == {
        "id": world.grid_a1.pk,
        "code": world.grid_a1.code,
        "name": "浒溪一网格",
        "kind": "urban_residential",
        "residents": 1800,
        "households": 620,
        "party_branch": "",
        "community": world.community_a.pk,
        "street": world.street_a.pk,
        # A list carries the label point, not the boundary (the detail and /geo/ do).
        "label_point": None,
        "boundary_synthetic": False,
    }


def test_worker_of_grid_a_gets_404_for_grid_b_and_never_sees_it(world, api):
    client = api(world.worker_a)
    assert client.get(url("grid-detail", pk=world.grid_b1.pk)).status_code == 404
    assert client.get(url("grid-detail", pk=world.grid_a2.pk)).status_code == 404
    listed = client.get(url("grid-list")).json()
    assert listed["count"] == 1
    assert [g["id"] for g in listed["results"]] == [world.grid_a1.pk]
    # Neither a filter nor a search can bring it back.
    assert client.get(url("grid-list"), {"community": world.community_b.pk}).json()["count"] == 0
    assert client.get(url("grid-list"), {"search": "灌坝"}).json()["count"] == 0
    assert client.get(url("community-detail", pk=world.community_b.pk)).status_code == 404
    assert client.get(url("street-detail", pk=world.street_b.pk)).status_code == 404


def test_district_viewer_reads_the_district(world, api):
    body = api(world.viewer).get(url("street-list")).json()
    assert [s["name"] for s in body["results"]] == ["圣泉街道"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"community": "A"}, ["浒溪一网格", "浒溪二网格"]),
        ({"kind": "rural_group"}, ["三河一组"]),
        ({"street": "A"}, ["三河一组", "浒溪一网格", "浒溪二网格"]),
        ({"search": "二网格"}, ["浒溪二网格"]),
    ],
)
def test_grid_filters_and_search(world, api, params, expected):
    ids = {"A": world.community_a.pk}
    if params.get("street") == "A":
        params = {"street": world.street_a.pk}
    elif params.get("community") == "A":
        params = {"community": ids["A"]}
    body = api(world.superuser).get(url("grid-list"), params).json()
    assert sorted(g["name"] for g in body["results"]) == expected


def test_bad_filter_value_and_unknown_ordering_are_400_naming_the_parameter(world, api):
    client = api(world.admin_a)
    assert client.get(url("grid-list"), {"community": "abc"}).json() == {
        "community": ["请输入记录的 id：一个正整数。"]
    }
    response = client.get(url("grid-list"), {"ordering": "password"})
    assert response.status_code == 400
    assert "ordering" in response.json()
    response = client.get(url("grid-list"), {"kind": "castle"})
    assert response.status_code == 400
    assert "kind" in response.json()


def test_page_size_has_a_default_and_a_hard_maximum(world, api, settings):
    for n in range(30):
        GridFactory(community=world.community_a, name=f"批量网格{n}")
    client = api(world.admin_a)
    assert len(client.get(url("grid-list")).json()["results"]) == 20
    assert len(client.get(url("grid-list"), {"page_size": 5}).json()["results"]) == 5
    body = client.get(url("grid-list"), {"page_size": 10_000}).json()
    assert len(body["results"]) == 33  # everything, and never more than the maximum (200)
    assert client.get(url("grid-list"), {"page_size": "0"}).json() == {"page_size": ["请输入一个正整数。"]}


def test_list_query_count_does_not_grow_with_page_size(world, api, django_assert_max_num_queries):
    for n in range(25):
        grid = GridFactory(community=world.community_a, name=f"查询网格{n}")
        MicroGridFactory(grid=grid)
    client = api(world.admin_a)
    client.get(url("micro-grid-list"), {"page_size": 1})  # warm the token
    with django_assert_max_num_queries(5):
        small = client.get(url("micro-grid-list"), {"page_size": 1})
    with django_assert_max_num_queries(5):
        large = client.get(url("micro-grid-list"), {"page_size": 25})
    assert len(small.json()["results"]) == 1 and len(large.json()["results"]) == 25


# --- writing ----------------------------------------------------------------------------


def grid_payload(world, **overrides):
    return {
        "code": world.community_a.code + "777",
        "name": "新建网格",
        "kind": "urban_residential",
        "residents": 1600,
        "households": 540,
        "community": world.community_a.pk,
        **overrides,
    }


def test_street_admin_creates_a_grid_in_their_street(world, api):
    response = api(world.admin_a).post(url("grid-list"), grid_payload(world), format="json")
    assert response.status_code == 201, response.json()
    grid = Grid.objects.get(name="新建网格")
    assert response.json()["id"] == grid.pk
    assert response.json()["street"] == world.street_a.pk


def test_a_grid_code_must_start_with_its_community_code(world, api):
    payload = grid_payload(world, code="500119999999777")
    response = api(world.admin_a).post(url("grid-list"), payload, format="json")
    assert response.status_code == 400
    assert "code" in response.json()
    assert not Grid.objects.filter(name="新建网格").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("code", "12345"), ("kind", "castle"), ("residents", -1), ("name", ""), ("community", None)],
)
def test_bad_grid_input_is_400_naming_the_field_and_writes_nothing(world, api, field, value):
    before = Grid.objects.count()
    response = api(world.admin_a).post(url("grid-list"), grid_payload(world, **{field: value}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Grid.objects.count() == before


def test_a_parent_outside_the_callers_street_is_400_as_if_it_did_not_exist(world, api):
    payload = grid_payload(world, community=world.community_b.pk, code=world.community_b.code + "777")
    response = api(world.admin_a).post(url("grid-list"), payload, format="json")
    assert response.status_code == 400
    missing = api(world.admin_a).post(url("grid-list"), grid_payload(world, community=999999), format="json")
    same = missing.json()["community"][0].replace("999999", str(world.community_b.pk))
    assert response.json()["community"] == [same]
    assert not Grid.objects.filter(name="新建网格").exists()


@pytest.mark.parametrize("who", ["worker_a", "staff_a", "viewer", "nobody"])
def test_roles_other_than_street_admin_may_not_write_the_territory(world, api, who):
    client = api(getattr(world, who))
    assert client.post(url("grid-list"), grid_payload(world), format="json").status_code == 403
    assert not Grid.objects.filter(name="新建网格").exists()


def test_a_worker_may_read_but_not_change_their_own_grid(world, api):
    client = api(world.worker_a)
    assert client.get(url("grid-detail", pk=world.grid_a1.pk)).status_code == 200
    response = client.patch(url("grid-detail", pk=world.grid_a1.pk), {"name": "改名"}, format="json")
    assert response.status_code == 403
    world.grid_a1.refresh_from_db()
    assert world.grid_a1.name == "浒溪一网格"


def test_street_admin_gets_404_for_another_streets_grid_on_every_method(world, api):
    client = api(world.admin_a)
    detail = url("grid-detail", pk=world.grid_b1.pk)
    assert client.get(detail).status_code == 404
    assert client.patch(detail, {"name": "改名"}, format="json").status_code == 404
    assert client.delete(detail).status_code == 404
    assert Grid.objects.filter(pk=world.grid_b1.pk, name="灌坝一网格").exists()


def test_street_admin_edits_a_grid_of_their_street(world, api):
    response = api(world.admin_a).patch(
        url("grid-detail", pk=world.grid_a2.pk), {"party_branch": "浒溪二网格党支部"}, format="json"
    )
    assert response.status_code == 200
    world.grid_a2.refresh_from_db()
    assert world.grid_a2.party_branch == "浒溪二网格党支部"


def test_moving_a_grid_to_another_streets_community_is_refused(world, api):
    response = api(world.admin_a).patch(
        url("grid-detail", pk=world.grid_a2.pk), {"community": world.community_b.pk}, format="json"
    )
    assert response.status_code == 400
    world.grid_a2.refresh_from_db()
    assert world.grid_a2.community == world.community_a


def test_deleting_a_grid_with_micro_grids_is_409_with_a_clear_message(world, api):
    MicroGridFactory(grid=world.grid_a2)
    response = api(world.admin_a).delete(url("grid-detail", pk=world.grid_a2.pk))
    assert response.status_code == 409
    assert "微网格" in response.json()["detail"]
    assert Grid.objects.filter(pk=world.grid_a2.pk).exists()


def test_deleting_an_empty_grid_works(world, api):
    empty = GridFactory(community=world.community_a)
    assert api(world.admin_a).delete(url("grid-detail", pk=empty.pk)).status_code == 204
    assert not Grid.objects.filter(pk=empty.pk).exists()


def test_deleting_a_community_with_grids_is_409(world, api):
    response = api(world.admin_a).delete(url("community-detail", pk=world.community_a.pk))
    assert response.status_code == 409
    assert "网格" in response.json()["detail"]
    assert "用户权限范围" in response.json()["detail"]  # community staff are attached to it
    assert Community.objects.filter(pk=world.community_a.pk).exists()


def test_only_a_superuser_creates_a_street(world, api):
    payload = {
        "code": "500116050",
        "name": "新街道",
        "abbreviation": "XJ",
        "district_name": "江津区",
        "district_code": "500116",
    }
    assert api(world.admin_a).post(url("street-list"), payload, format="json").status_code == 403
    assert api(world.superuser).post(url("street-list"), payload, format="json").status_code == 201
    assert Street.objects.filter(name="新街道").count() == 1


def test_a_street_code_must_start_with_its_district_code(world, api):
    payload = {
        "code": "500119050",
        "name": "错码街道",
        "abbreviation": "CM",
        "district_name": "江津区",
        "district_code": "500116",
    }
    response = api(world.superuser).post(url("street-list"), payload, format="json")
    assert response.status_code == 400
    assert "code" in response.json()


def test_street_admin_edits_their_own_street_but_not_another(world, api):
    client = api(world.admin_a)
    own = client.patch(url("street-detail", pk=world.street_a.pk), {"district_name": "江津区"}, format="json")
    assert own.status_code == 200
    other = client.patch(url("street-detail", pk=world.street_b.pk), {"name": "x"}, format="json")
    assert other.status_code == 404


def test_community_create_and_duplicate_name(world, api):
    payload = {
        "code": world.street_a.code + "088",
        "name": "陡石村",
        "kind": "rural",
        "population": 3200,
        "street": world.street_a.pk,
    }
    client = api(world.admin_a)
    assert client.post(url("community-list"), payload, format="json").status_code == 201
    again = client.post(
        url("community-list"), {**payload, "code": world.street_a.code + "089"}, format="json"
    )
    assert again.status_code == 400
    assert again.json() == {"name": ["本街道已有同名的村（社区）。"]}
    assert Community.objects.filter(name="陡石村").count() == 1


def test_a_duplicate_grid_name_is_400_on_name(world, api):
    client = api(world.admin_a)
    response = client.post(url("grid-list"), grid_payload(world, name=world.grid_a1.name), format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["本社区已有同名的网格。"]}
    assert Grid.objects.filter(name=world.grid_a1.name).count() == 1


@pytest.mark.parametrize("code_tail", ["００９", "٠٠٩"])
def test_a_code_in_other_digits_is_400_on_code(world, api, code_tail):
    payload = grid_payload(world, code=world.community_a.code + code_tail)
    response = api(world.admin_a).post(url("grid-list"), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["code"]
    assert not Grid.objects.filter(name="新建网格").exists()


@pytest.mark.parametrize("password", ["12345678", "password123", "new-worker1"])
def test_a_workers_password_must_pass_the_password_rules(world, api, password):
    payload = {
        "username": "new-worker",
        "password": password,
        "name": "陈静",
        "kind": "part_time",
        "street": world.street_a.pk,
    }
    response = api(world.admin_a).post(url("worker-list"), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="new-worker").exists()


# --- micro-grids and their leaders' personal data ---------------------------------------


def test_micro_grid_leader_is_masked_in_reads(world, api):
    micro = MicroGridFactory(grid=world.grid_a1, leader_name="李建国", leader_phone="13812345678")
    body = api(world.admin_a).get(url("micro-grid-detail", pk=micro.pk)).json()
    assert body["leader_name"] == "李**"
    assert body["leader_phone"] == "138****5678"
    assert body["grid"] == world.grid_a1.pk
    assert body["community"] == world.community_a.pk
    assert body["street"] == world.street_a.pk


def test_micro_grid_create_validates_the_leaders_phone(world, api):
    payload = {
        "code": world.grid_a1.code + "001",
        "name": "5栋",
        "covers": "building",
        "leader_title": "building_leader",
        "leader_name": "赵敏",
        "leader_phone": "12345",
        "grid": world.grid_a1.pk,
    }
    client = api(world.admin_a)
    bad = client.post(url("micro-grid-list"), payload, format="json")
    assert bad.status_code == 400
    assert "leader_phone" in bad.json()
    good = client.post(url("micro-grid-list"), {**payload, "leader_phone": "13700001111"}, format="json")
    assert good.status_code == 201
    assert good.json()["leader_phone"] == "137****1111"
    assert MicroGrid.objects.get(name="5栋").leader_phone == "13700001111"


# --- workers ----------------------------------------------------------------------------


def test_street_admin_opens_a_workers_account(world, api):
    payload = {
        "username": "new-worker",
        "password": "a-long-password-1",
        "name": "陈静",
        "kind": "part_time",
        "phone": "13500001111",
        "street": world.street_a.pk,
        "grids": [world.grid_a3.pk],
    }
    response = api(world.admin_a).post(url("worker-list"), payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "password" not in body
    assert body["grids"] == [world.grid_a3.pk]
    worker = GridWorker.objects.get(user__username="new-worker")
    assert worker.user.scope.role == "grid_worker"
    assert worker.user.check_password("a-long-password-1")
    # The new worker can sign in and sees their grid only.
    token = api().post(url("auth-token"), {"username": "new-worker", "password": "a-long-password-1"})
    assert token.status_code == 200


def test_a_worker_cannot_cover_another_streets_grid(world, api):
    payload = {
        "username": "new-worker",
        "name": "陈静",
        "kind": "part_time",
        "street": world.street_a.pk,
        "grids": [world.grid_b1.pk],
    }
    response = api(world.admin_a).post(url("worker-list"), payload, format="json")
    assert response.status_code == 400
    assert "grids" in response.json()
    assert not GridWorker.objects.filter(name="陈静").exists()


def test_superuser_cannot_mix_streets_in_a_workers_grids(world, api):
    payload = {
        "username": "new-worker",
        "name": "陈静",
        "kind": "part_time",
        "street": world.street_a.pk,
        "grids": [world.grid_b1.pk],
    }
    response = api(world.superuser).post(url("worker-list"), payload, format="json")
    assert response.status_code == 400
    assert "grids" in response.json()
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="new-worker").exists()


def test_duplicate_username_is_400(world, api):
    payload = {"username": "worker-a", "name": "重名", "kind": "full_time", "street": world.street_a.pk}
    response = api(world.admin_a).post(url("worker-list"), payload, format="json")
    assert response.status_code == 400
    assert "username" in response.json()


def test_workers_list_is_scoped(world, api):
    names = [w["username"] for w in api(world.worker_a).get(url("worker-list")).json()["results"]]
    assert names == ["worker-a"]
    assert api(world.worker_a).get(url("worker-list"), {"street": world.street_b.pk}).json()["count"] == 0


def test_worker_with_grids_can_be_reassigned_by_patch(world, api):
    worker = GridWorker.objects.get(user=world.worker_a)
    response = api(world.admin_a).patch(
        url("worker-detail", pk=worker.pk), {"grids": [world.grid_a1.pk, world.grid_a2.pk]}, format="json"
    )
    assert response.status_code == 200
    assert sorted(response.json()["grids"]) == sorted([world.grid_a1.pk, world.grid_a2.pk])
