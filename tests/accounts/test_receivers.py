"""A password change or a deactivation revokes every token, whatever path makes it.

(accounts/receivers.py, and the password fingerprint of accounts/models.py for writes
that skip `save()`.)
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import DeviceToken
from accounts.services import token_create
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

ME_URL = reverse("v1:me")
NEW_PASSWORD = "a-new-Passw0rd-for-2024"


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def devices(world):
    """worker-a on two devices, worker-b on one."""
    tokens = {
        "phone": token_create(user=world.worker_a, device="phone").token,
        "tablet": token_create(user=world.worker_a, device="tablet").token,
        "other": token_create(user=world.worker_b, device="phone").token,
    }
    assert all(with_token(t).get(ME_URL).status_code == 200 for t in tokens.values())
    return tokens


def assert_worker_a_signed_out(devices):
    assert with_token(devices["phone"]).get(ME_URL).status_code == 401
    assert with_token(devices["tablet"]).get(ME_URL).status_code == 401
    assert with_token(devices["other"]).get(ME_URL).status_code == 200
    assert not DeviceToken.objects.filter(user__username="worker-a").exists()
    assert DeviceToken.objects.filter(user__username="worker-b").count() == 1


def test_set_password_and_save_revokes_the_tokens(world, devices):
    user = world.worker_a
    user.set_password(NEW_PASSWORD)
    user.save()
    assert list(DeviceToken.objects.values_list("user__username", flat=True)) == ["worker-b"]
    assert_worker_a_signed_out(devices)


def test_the_changepassword_command_revokes_the_tokens(world, devices, monkeypatch):
    # The command asks twice at the terminal; these are the answers typed.
    monkeypatch.setattr(changepassword.getpass, "getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", "worker-a", stdout=None)
    assert get_user_model().objects.get(username="worker-a").check_password(NEW_PASSWORD)
    assert_worker_a_signed_out(devices)


def test_the_admins_password_form_revokes_the_tokens(world, devices, client):
    client.force_login(world.superuser)
    url = reverse("admin:auth_user_password_change", args=[world.worker_a.pk])
    response = client.post(
        url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_worker_a_signed_out(devices)


def test_a_write_that_skips_save_still_voids_the_tokens(world, devices):
    from django.contrib.auth.hashers import make_password

    get_user_model().objects.filter(pk=world.worker_a.pk).update(password=make_password(NEW_PASSWORD))
    # No receiver ran: the rows are there, but each is refused, and deleted, when it is shown.
    assert DeviceToken.objects.filter(user=world.worker_a).count() == 2
    assert_worker_a_signed_out(devices)


def test_deactivating_an_account_revokes_its_tokens_for_good(world, devices):
    user = world.worker_a
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert list(DeviceToken.objects.values_list("user__username", flat=True)) == ["worker-b"]
    user.is_active = True
    user.save()
    assert_worker_a_signed_out(devices)


def test_the_admins_user_form_deactivating_revokes_the_tokens(world, devices, client):
    client.force_login(world.superuser)
    url = reverse("admin:auth_user_change", args=[world.worker_a.pk])
    form = {
        "username": "worker-a",
        "first_name": world.worker_a.first_name,
        "last_name": "",
        "email": "",
        "is_active": "",  # unticked
        "date_joined_0": "2024-01-01",
        "date_joined_1": "08:00:00",
        "auth_token_set-TOTAL_FORMS": "2",
        "auth_token_set-INITIAL_FORMS": "2",
        "auth_token_set-MIN_NUM_FORMS": "0",
        "auth_token_set-MAX_NUM_FORMS": "1000",
    }
    tokens = list(DeviceToken.objects.filter(user=world.worker_a).order_by("user_id", "-created"))
    for i, row in enumerate(tokens):
        form[f"auth_token_set-{i}-digest"] = row.digest
        form[f"auth_token_set-{i}-user"] = str(world.worker_a.pk)
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert_worker_a_signed_out(devices)


def test_deleting_a_worker_closes_their_login_and_their_devices(world, devices, api):
    from grids.models import GridWorker

    worker = GridWorker.objects.get(user=world.worker_a)
    response = api(world.admin_a).delete(reverse("v1:worker-detail", args=[worker.pk]))
    assert response.status_code == 204
    assert_worker_a_signed_out(devices)


def test_saving_other_fields_keeps_the_tokens(world, devices):
    user = world.worker_a
    user.first_name = "王网格"
    user.save()
    user.save(update_fields=["last_login"])
    assert DeviceToken.objects.filter(user=user).count() == 2
    assert with_token(devices["phone"]).get(ME_URL).status_code == 200


def test_signing_in_again_keeps_the_other_devices_signed_in(world, devices):
    response = APIClient().post(
        reverse("v1:auth-token"), {"username": "worker-a", "password": TEST_PASSWORD, "device": "laptop"}
    )
    assert response.status_code == 200
    assert with_token(devices["phone"]).get(ME_URL).status_code == 200
    assert DeviceToken.objects.filter(user=world.worker_a).count() == 3
