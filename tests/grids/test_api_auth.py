"""Asking who one is: the user, role and scope (signing in: tests/accounts)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


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
