"""Revoking devices and lifting locks in the admin (accounts/admin.py, grids' workers' admin)."""

import pytest
from axes.models import AccessAttempt
from django.contrib.admin import helpers
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import DeviceToken
from accounts.services import token_create
from grids.models import GridWorker
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = reverse("v1:auth-token")
ME_URL = reverse("v1:me")


def lock(username):
    for i in range(5):
        APIClient().post(
            TOKEN_URL, {"username": username, "password": "wrong"}, REMOTE_ADDR=f"198.51.100.{i}"
        )
    refused = APIClient().post(TOKEN_URL, {"username": username, "password": TEST_PASSWORD})
    assert refused.status_code == 429


def signs_in(username) -> bool:
    return APIClient().post(TOKEN_URL, {"username": username, "password": TEST_PASSWORD}).status_code == 200


def works(token) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get(ME_URL).status_code == 200


def run_action(client, changelist, action, ids):
    return client.post(
        changelist, {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(i) for i in ids]}, follow=True
    )


@pytest.fixture
def street_admin(world):
    world.admin_a.is_staff = True
    world.admin_a.save()
    return world.admin_a


# --- the users' admin (superusers) --------------------------------------------------------------


def test_the_users_list_shows_and_filters_locked_accounts(world, client):
    lock("worker-a")
    client.force_login(world.superuser)
    url = reverse("admin:auth_user_changelist")

    everyone = client.get(url).content.decode()
    locked = client.get(url, {"sign_in_locked": "yes"})

    assert "登录已锁定" in everyone
    assert [u.username for u in locked.context["cl"].result_list] == ["worker-a"]
    unlocked = client.get(url, {"sign_in_locked": "no"}).context["cl"].result_list
    assert "worker-a" not in {u.username for u in unlocked} and "worker-b" in {u.username for u in unlocked}


def test_a_superuser_unlocks_an_account(world, client):
    lock("worker-a")
    lock("worker-b")
    client.force_login(world.superuser)

    response = run_action(
        client, reverse("admin:auth_user_changelist"), "unlock_sign_in", [world.worker_a.pk]
    )

    assert "已解除以下账户的登录锁定：worker-a" in response.content.decode()
    assert signs_in("worker-a")
    assert not signs_in("worker-b")
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"worker-b"}


def test_a_superuser_signs_a_user_out_of_every_device(world, client):
    tokens = [token_create(user=world.worker_a, device=d).token for d in ("phone", "tablet")]
    other = token_create(user=world.worker_b).token
    client.force_login(world.superuser)

    response = run_action(client, reverse("admin:auth_user_changelist"), "revoke_tokens", [world.worker_a.pk])

    assert "已撤销 2 个令牌。" in response.content.decode()
    assert not any(works(t) for t in tokens)
    assert works(other)


def test_a_users_page_lists_their_devices(world, client):
    token_create(user=world.worker_a, device="Redmi Note 12")
    client.force_login(world.superuser)
    html = client.get(reverse("admin:auth_user_change", args=[world.worker_a.pk])).content.decode()
    assert "已登录的设备（API 令牌）" in html and "Redmi Note 12" in html


def test_the_tokens_list_revokes_single_devices_and_never_shows_or_creates_a_token(world, client):
    phone = token_create(user=world.worker_a, device="phone")
    tablet = token_create(user=world.worker_a, device="tablet")
    client.force_login(world.superuser)
    changelist = reverse("admin:accounts_devicetoken_changelist")

    html = client.get(changelist).content.decode()
    assert "phone" in html and "tablet" in html
    assert phone.token not in html
    assert client.get(reverse("admin:accounts_devicetoken_add")).status_code == 403

    response = run_action(client, changelist, "revoke", [phone.device_token.pk])

    assert "已撤销 1 个令牌。" in response.content.decode()
    assert not works(phone.token)
    assert works(tablet.token)


@pytest.mark.parametrize("page", ["auth_user_changelist", "accounts_devicetoken_changelist"])
def test_street_admins_do_not_manage_accounts_here(world, client, street_admin, page):
    client.force_login(street_admin)
    assert client.get(reverse(f"admin:{page}")).status_code == 403


# --- the grid workers' admin (street admins, within their street) -----------------------------


def test_a_street_admin_unlocks_and_signs_out_their_worker(world, client, street_admin):
    lock("worker-a")
    token = token_create(user=world.worker_a).token
    worker = GridWorker.objects.get(user=world.worker_a)
    changelist = reverse("admin:grids_gridworker_changelist")
    client.force_login(street_admin)

    run_action(client, changelist, "revoke_tokens", [worker.pk])
    run_action(client, changelist, "unlock_sign_in", [worker.pk])

    assert not works(token)
    assert signs_in("worker-a")


def test_a_street_admin_cannot_act_on_another_streets_worker(world, client, street_admin):
    lock("worker-b")
    token = token_create(user=world.worker_b).token
    other = GridWorker.objects.get(user=world.worker_b)
    changelist = reverse("admin:grids_gridworker_changelist")
    client.force_login(street_admin)

    run_action(client, changelist, "revoke_tokens", [other.pk])
    run_action(client, changelist, "unlock_sign_in", [other.pk])

    assert works(token)
    assert not signs_in("worker-b")
    assert DeviceToken.objects.filter(user=world.worker_b).count() == 1


def test_a_district_viewer_cannot_sign_workers_out(world, client):
    viewer = world.viewer
    viewer.is_staff = True
    viewer.save()
    token = token_create(user=world.worker_a).token
    worker = GridWorker.objects.get(user=world.worker_a)
    client.force_login(viewer)

    run_action(client, reverse("admin:grids_gridworker_changelist"), "revoke_tokens", [worker.pk])

    assert works(token)
