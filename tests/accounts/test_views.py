"""Signing a device in with a token, using it, and signing out (accounts/views.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from accounts.models import DeviceToken
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = reverse("v1:auth-token")
ME_URL = reverse("v1:me")


def sign_in(username="worker-a", password=TEST_PASSWORD, **extra):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password, **extra})


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_device_signs_in_and_its_token_answers_who_it_is(world):
    before = timezone.now()
    response = sign_in(device="Redmi Note 12")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    # The expiry is local time (+08:00), a week from now by default.
    expiry = parse_datetime(body["expiry"])
    assert body["expiry"].endswith("+08:00")
    assert before + timedelta(hours=168) <= expiry <= timezone.now() + timedelta(hours=168)
    me = with_token(body["token"]).get(ME_URL).json()
    assert (me["username"], me["role"], me["role_display"]) == ("worker-a", "grid_worker", "网格员")
    assert me["scope"]["grids"] == [world.grid_a1.pk]
    row = DeviceToken.objects.get()
    assert (row.user, row.device) == (world.worker_a, "Redmi Note 12")
    # Only a digest is kept: the token itself is nowhere in the row.
    assert body["token"] not in (row.digest, row.token_key) and len(row.token_key) < len(body["token"])


def test_each_device_gets_its_own_token_and_signing_in_again_replaces_only_that_devices(world):
    phone = sign_in(device="phone").json()["token"]
    tablet = sign_in(device="tablet").json()["token"]
    assert phone != tablet
    assert with_token(phone).get(ME_URL).status_code == 200
    assert with_token(tablet).get(ME_URL).status_code == 200

    phone_again = sign_in(device="phone").json()["token"]

    assert with_token(phone).get(ME_URL).status_code == 401
    assert with_token(phone_again).get(ME_URL).status_code == 200
    assert with_token(tablet).get(ME_URL).status_code == 200
    assert sorted(DeviceToken.objects.values_list("device", flat=True)) == ["phone", "tablet"]


def test_a_device_without_a_name_is_listed_by_its_user_agent_and_replaces_nothing(world):
    client = APIClient(HTTP_USER_AGENT="GridApp/2.1 (Android 14)")
    first = client.post(TOKEN_URL, {"username": "worker-a", "password": TEST_PASSWORD}).json()["token"]
    second = client.post(TOKEN_URL, {"username": "worker-a", "password": TEST_PASSWORD}).json()["token"]
    assert with_token(first).get(ME_URL).status_code == 200
    assert with_token(second).get(ME_URL).status_code == 200
    assert list(DeviceToken.objects.values_list("device", flat=True)) == ["GridApp/2.1 (Android 14)"] * 2


def test_bad_credentials_are_400_and_give_no_token(world):
    response = sign_in(password="wrong")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["无法使用提供的认证信息登录。"]}
    unknown = sign_in(username="nobody-at-all")
    assert unknown.json() == response.json()  # no hint whether the account exists
    missing = APIClient().post(TOKEN_URL, {"username": "worker-a"})
    assert missing.status_code == 400
    assert "password" in missing.json()
    assert not DeviceToken.objects.exists()


def test_a_deactivated_account_cannot_sign_in(world):
    world.worker_a.is_active = False
    world.worker_a.save()
    assert sign_in().status_code == 400
    assert not DeviceToken.objects.exists()


@pytest.mark.parametrize("body", [["worker-a"], "worker-a", {"username": ["worker-a"], "password": "x"}])
def test_a_malformed_body_is_400_and_writes_nothing(world, body):
    response = APIClient().post(TOKEN_URL, body, format="json")
    assert response.status_code == 400
    assert not DeviceToken.objects.exists()


@pytest.mark.parametrize(
    "header",
    [
        "Token 0123456789abcdef0123456789abcdef01234567",  # a DRF token of before: sign in again
        "Token " + "a" * 64,
        "Token é",  # not ASCII: refused, not a server error
        "Token",
        "Token a b",
    ],
)
def test_anything_but_a_live_token_is_401(world, api, header):
    api(world.worker_a)  # the user has a real token too
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_an_expired_token_is_401_and_deleted(world):
    token = sign_in().json()["token"]
    DeviceToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert with_token(token).get(ME_URL).status_code == 401
    assert not DeviceToken.objects.exists()


def test_a_used_token_slides_its_expiry_on_up_to_the_maximum_age(world, settings):
    token = sign_in().json()["token"]
    row = DeviceToken.objects.get()
    # Signed in 10 days ago, last renewed 2 days ago.
    signed_in = timezone.now() - timedelta(days=10)
    DeviceToken.objects.update(created=signed_in, expiry=timezone.now() + timedelta(days=5))

    assert with_token(token).get(ME_URL).status_code == 200

    row.refresh_from_db()
    assert row.expiry >= timezone.now() + timedelta(hours=167)
    # Twelve hours before the 30 days' maximum age, a use renews the token only up to it.
    DeviceToken.objects.update(
        created=timezone.now() - timedelta(days=29, hours=12), expiry=timezone.now() + timedelta(hours=1)
    )
    assert with_token(token).get(ME_URL).status_code == 200
    row.refresh_from_db()
    assert abs(row.expiry - (row.created + timedelta(days=30))) < timedelta(seconds=5)


def test_a_token_used_again_within_the_hour_is_not_written(world, django_assert_num_queries):
    token = sign_in().json()["token"]
    expiry = DeviceToken.objects.get().expiry
    client = with_token(token)
    # The token with its user and their scope, their grids, the worker: no UPDATE of the token.
    with django_assert_num_queries(3):
        assert client.get(ME_URL).status_code == 200
    assert DeviceToken.objects.get().expiry == expiry


def test_the_oldest_tokens_go_past_the_limit_per_user(world, settings):
    settings.API_TOKENS_PER_USER = 3
    tokens = [sign_in(device=f"phone {i}").json()["token"] for i in range(4)]
    assert [with_token(t).get(ME_URL).status_code for t in tokens] == [401, 200, 200, 200]
    assert DeviceToken.objects.count() == 3


def test_expired_tokens_are_cleared_at_the_next_sign_in(world):
    sign_in(device="old phone")
    DeviceToken.objects.update(expiry=timezone.now() - timedelta(days=1))
    sign_in(device="new phone")
    assert list(DeviceToken.objects.values_list("device", flat=True)) == ["new phone"]


# --- signing out ------------------------------------------------------------------------------


def test_logout_revokes_only_the_token_it_carries(world):
    phone = sign_in(device="phone").json()["token"]
    tablet = sign_in(device="tablet").json()["token"]

    response = with_token(phone).post(reverse("v1:auth-logout"))

    assert response.status_code == 204
    assert with_token(phone).get(ME_URL).status_code == 401
    assert with_token(phone).post(reverse("v1:auth-logout")).status_code == 401
    assert with_token(tablet).get(ME_URL).status_code == 200
    assert list(DeviceToken.objects.values_list("device", flat=True)) == ["tablet"]


def test_logout_all_revokes_every_token_of_the_caller_and_no_one_elses(world, api):
    phone = sign_in(device="phone").json()["token"]
    tablet = sign_in(device="tablet").json()["token"]
    other = api(world.worker_b)

    response = with_token(phone).post(reverse("v1:auth-logout-all"))

    assert response.status_code == 204
    assert with_token(phone).get(ME_URL).status_code == 401
    assert with_token(tablet).get(ME_URL).status_code == 401
    assert other.get(ME_URL).status_code == 200
    assert list(DeviceToken.objects.values_list("user__username", flat=True)) == ["worker-b"]


@pytest.mark.parametrize("name", ["v1:auth-logout", "v1:auth-logout-all"])
def test_signing_out_needs_a_token(world, client, name):
    assert APIClient().post(reverse(name)).status_code == 401
    # A browser session is signed out at /api-auth/logout/, not here.
    client.force_login(world.admin_a)
    assert client.post(reverse(name)).status_code == 401
