"""Grid workers through the API: what a caller sees of them, bad input, roles and deletion."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from grids.models import GridWorker, PersonalDataReveal, UserScope
from tests.factories import TEST_PASSWORD, GridWorkerFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def url(name, **kwargs):
    return reverse(f"v1:{name}", kwargs=kwargs)


def payload(world, **overrides):
    return {
        "username": "new-worker",
        "password": "a-long-password-1",
        "name": "陈静",
        "kind": "part_time",
        "phone": "13500001111",
        "street": world.street_a.pk,
        "grids": [world.grid_a1.pk],
        **overrides,
    }


# --- a worker's grids, as far as the caller sees them ---------------------------------------


@pytest.fixture
def shared_worker(world):
    """A worker of street A covering grid A1 (worker A's) and grid A3 (another community)."""
    return GridWorkerFactory(
        user__username="shared", street=world.street_a, grids=[world.grid_a1, world.grid_a3]
    )


@pytest.mark.parametrize(("who", "visible"), [("worker_a", ["grid_a1"]), ("staff_a", ["grid_a1"])])
def test_a_workers_grids_list_only_the_grids_the_caller_sees(world, api, shared_worker, who, visible):
    response = api(getattr(world, who)).get(url("worker-detail", pk=shared_worker.pk))
    assert response.status_code == 200
    assert response.json()["grids"] == [getattr(world, name).pk for name in visible]
    listed = api(getattr(world, who)).get(url("worker-list"), {"search": "shared"}).json()
    assert listed["results"][0]["grids"] == [getattr(world, name).pk for name in visible]


def test_the_street_admin_sees_all_of_a_workers_grids(world, api, shared_worker):
    body = api(world.admin_a).get(url("worker-detail", pk=shared_worker.pk)).json()
    assert sorted(body["grids"]) == sorted([world.grid_a1.pk, world.grid_a3.pk])


@pytest.mark.parametrize("param", ["grid", "community"])
def test_a_hidden_grid_or_community_filters_like_one_that_does_not_exist(world, api, shared_worker, param):
    # Given worker A, who sees grid A1 and the shared worker, but not grid A3 or community A2
    client = api(world.worker_a)
    hidden = world.grid_a3.pk if param == "grid" else world.community_a2.pk
    # When they filter the workers by the hidden id and by an id that does not exist
    by_hidden = client.get(url("worker-list"), {param: hidden})
    by_missing = client.get(url("worker-list"), {param: 999999})
    # Then both answer the same empty page
    assert by_hidden.status_code == by_missing.status_code == 200
    assert (
        by_hidden.json() == by_missing.json() == {"count": 0, "next": None, "previous": None, "results": []}
    )


def test_grid_and_community_filters_still_match_visible_grids(world, api, shared_worker):
    client = api(world.worker_a)
    by_grid = client.get(url("worker-list"), {"grid": world.grid_a1.pk, "ordering": "id"}).json()
    assert [w["username"] for w in by_grid["results"]] == ["worker-a", "shared"]
    by_community = client.get(url("worker-list"), {"community": world.community_a.pk}).json()
    assert by_community["count"] == 2


def test_worker_list_queries_do_not_grow_with_the_page(world, api, django_assert_max_num_queries):
    for _ in range(15):
        GridWorkerFactory(street=world.street_a, grids=[world.grid_a1, world.grid_a2, world.grid_a3])
    client = api(world.staff_a)
    client.get(url("worker-list"))  # warm the token
    with django_assert_max_num_queries(5):
        body = client.get(url("worker-list"), {"page_size": 50}).json()
    assert body["count"] == 16
    assert all(set(w["grids"]) <= {world.grid_a1.pk, world.grid_a2.pk} for w in body["results"])


def test_a_saved_worker_answers_with_its_visible_grids(world, api):
    response = api(world.admin_a).post(url("worker-list"), payload(world), format="json")
    assert response.status_code == 201
    assert response.json()["grids"] == [world.grid_a1.pk]


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "volunteer"), ("password", "short"), ("phone", "123"), ("phone", "1381234567X"), ("name", "")],
)
def test_bad_worker_input_is_400_naming_the_field_and_opens_no_account(world, api, field, value):
    response = api(world.admin_a).post(url("worker-list"), payload(world, **{field: value}), format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not User.objects.filter(username="new-worker").exists()
    assert not GridWorker.objects.filter(name="陈静").exists()


def test_a_bad_phone_is_400_on_change_too(world, api):
    worker = GridWorker.objects.get(user=world.worker_a)
    before = worker.phone
    response = api(world.admin_a).patch(url("worker-detail", pk=worker.pk), {"phone": "123"}, format="json")
    assert response.status_code == 400
    assert "phone" in response.json()
    worker.refresh_from_db()
    assert worker.phone == before


# --- roles and territory ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["worker_a", "staff_a", "viewer", "nobody"])
def test_roles_other_than_street_admin_may_not_write_workers(world, api, who):
    client = api(getattr(world, who))
    worker = GridWorker.objects.get(user=world.worker_a)
    detail = url("worker-detail", pk=worker.pk)
    assert client.post(url("worker-list"), payload(world), format="json").status_code == 403
    assert client.patch(detail, {"name": "改名"}, format="json").status_code == 403
    assert client.delete(detail).status_code == 403
    assert not User.objects.filter(username="new-worker").exists()
    worker.refresh_from_db()
    assert worker.name != "改名"
    assert world.worker_a.is_active


def test_another_streets_worker_is_404_on_every_method(world, api):
    worker_b = GridWorker.objects.get(user=world.worker_b)
    client = api(world.admin_a)
    detail = url("worker-detail", pk=worker_b.pk)
    assert client.get(detail).status_code == 404
    assert client.patch(detail, {"name": "改名"}, format="json").status_code == 404
    assert client.delete(detail).status_code == 404
    assert GridWorker.objects.filter(pk=worker_b.pk).exclude(name="改名").exists()
    assert api(world.worker_a).get(detail).status_code == 404


# --- deleting a worker closes their login -----------------------------------------------------


def test_deleting_a_worker_closes_their_login_and_keeps_their_reports(world, api, make_case):
    # Given worker A, who reported a case and signs in with a token
    case = make_case("reported")
    worker = GridWorker.objects.get(user=world.worker_a)
    worker_client = api(world.worker_a)
    assert worker_client.get(url("me")).status_code == 200
    # When the street admin deletes the worker
    response = api(world.admin_a).delete(url("worker-detail", pk=worker.pk))
    # Then the record and the scope are gone, the account is inactive and cannot sign in
    assert response.status_code == 204
    assert not GridWorker.objects.filter(pk=worker.pk).exists()
    assert not UserScope.objects.filter(user=world.worker_a).exists()
    world.worker_a.refresh_from_db()
    assert not world.worker_a.is_active
    assert worker_client.get(url("me")).status_code == 401
    token = api().post(url("auth-token"), {"username": "worker-a", "password": TEST_PASSWORD})
    assert token.status_code == 400
    # and the case still names its reporter
    case.refresh_from_db()
    assert case.reporter == world.worker_a


def test_deleting_a_worker_with_assigned_cases_is_409_and_changes_nothing(world, api, make_case):
    make_case("assigned")
    worker = GridWorker.objects.get(user=world.worker_a)
    response = api(world.admin_a).delete(url("worker-detail", pk=worker.pk))
    assert response.status_code == 409
    assert "案件" in response.json()["detail"]
    assert GridWorker.objects.filter(pk=worker.pk).exists()
    assert UserScope.objects.filter(user=world.worker_a, role="grid_worker").exists()
    world.worker_a.refresh_from_db()
    assert world.worker_a.is_active


# --- workers' phones: in full for those who dispatch them, masked for everyone else ------------


@pytest.fixture
def phoned_worker(world):
    return GridWorkerFactory(
        user__username="phoned", street=world.street_a, grids=[world.grid_a1], phone="13911112222"
    )


@pytest.mark.parametrize(
    ("who", "phone"),
    [
        ("admin_a", "13911112222"),
        ("staff_a", "13911112222"),
        ("superuser", "13911112222"),
        ("worker_a", "139****2222"),
        ("viewer", "139****2222"),
    ],
)
def test_a_workers_phone_is_masked_for_roles_that_do_not_dispatch_them(world, api, phoned_worker, who, phone):
    client = api(getattr(world, who))
    detail = client.get(url("worker-detail", pk=phoned_worker.pk))
    assert detail.status_code == 200
    assert detail.json()["phone"] == phone
    listed = client.get(url("worker-list"), {"search": "phoned"}).json()["results"]
    assert [w["phone"] for w in listed] == [phone]


def test_a_masked_phone_cannot_be_found_through_the_search(world, api, phoned_worker):
    assert api(world.worker_a).get(url("worker-list"), {"search": "1391111"}).json()["count"] == 0
    assert api(world.admin_a).get(url("worker-list"), {"search": "1391111"}).json()["count"] == 1


def test_the_phone_is_revealed_to_a_dispatcher_with_an_audit_row(world, api, phoned_worker):
    response = api(world.staff_a).post(
        url("worker-reveal", pk=phoned_worker.pk), {"field": "phone"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"field": "phone", "value": "13911112222"}
    assert response["Cache-Control"] == "no-store"
    reveal = PersonalDataReveal.objects.get()
    assert (reveal.user, reveal.object_id, reveal.field) == (world.staff_a, phoned_worker.pk, "phone")


@pytest.mark.parametrize("who", ["worker_a", "viewer"])
def test_other_roles_may_not_reveal_a_workers_phone(world, api, phoned_worker, who):
    response = api(getattr(world, who)).post(
        url("worker-reveal", pk=phoned_worker.pk), {"field": "phone"}, format="json"
    )
    assert response.status_code == 403
    assert not PersonalDataReveal.objects.exists()


def test_another_streets_worker_is_404_on_reveal(world, api):
    worker_b = GridWorker.objects.get(user=world.worker_b)
    response = api(world.admin_a).post(
        url("worker-reveal", pk=worker_b.pk), {"field": "phone"}, format="json"
    )
    assert response.status_code == 404
    assert not PersonalDataReveal.objects.exists()


def test_a_masked_phone_echoed_back_is_refused(world, api, phoned_worker):
    response = api(world.admin_a).patch(
        url("worker-detail", pk=phoned_worker.pk), {"phone": "139****2222"}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["phone"]
    phoned_worker.refresh_from_db()
    assert phoned_worker.phone == "13911112222"
