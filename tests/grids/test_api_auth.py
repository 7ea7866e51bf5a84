"""Signing in with a token and asking who one is."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_token_for_good_credentials_and_me(world, api):
    response = api().post(reverse("v1:auth-token"), {"username": "worker-a", "password": "test-password-123"})
    assert response.status_code == 200
    token = response.json()["token"]
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get(reverse("v1:me")).json()
    assert me["username"] == "worker-a"
    assert me["role"] == "grid_worker"
    assert me["role_display"] == "网格员"
    assert me["scope"]["level"] == "grids"
    assert me["scope"]["grids"] == [world.grid_a1.pk]
    assert me["grid_worker"] is not None


def test_bad_credentials_are_400_and_give_no_token(world, api):
    response = api().post(reverse("v1:auth-token"), {"username": "worker-a", "password": "wrong"})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    missing = api().post(reverse("v1:auth-token"), {"username": "worker-a"})
    assert missing.status_code == 400
    assert "password" in missing.json()


def test_token_requests_are_throttled(world, api, settings):
    client = api()
    statuses = [
        client.post(reverse("v1:auth-token"), {"username": "x", "password": "y"}).status_code
        for _ in range(21)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


def test_me_needs_credentials(api):
    assert api().get(reverse("v1:me")).status_code == 401


@pytest.mark.parametrize(
    ("who", "role", "level"),
    [
        ("superuser", "superuser", "all"),
        ("admin_a", "street_admin", "street"),
        ("staff_a", "community_staff", "community"),
        ("viewer", "district_viewer", "district"),
        ("nobody", "none", "nothing"),
    ],
)
def test_me_names_each_role_and_level(world, api, who, role, level):
    me = api(getattr(world, who)).get(reverse("v1:me")).json()
    assert (me["role"], me["scope"]["level"]) == (role, level)


def test_session_auth_works_for_the_browsable_api(world, client):
    client.force_login(world.admin_a)
    response = client.get(reverse("v1:me"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["role"] == "street_admin"
