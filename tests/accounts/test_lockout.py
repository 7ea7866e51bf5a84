"""An account locks after repeated failed sign-ins, on every path (django-axes, accounts/lockout.py).

Defaults: 5 failures, each within 30 minutes of the one before, lock the account for 30
minutes after the last; an administrator may lift the lock sooner.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import DeviceToken
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = reverse("v1:auth-token")
LOCKED = "登录失败次数过多，该账户已被锁定。请在 30 分钟后再试，或请管理员解锁。"


def token_attempt(password, username="worker-a", address="192.0.2.1"):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def page_attempt(page, password, username="admin-a", address="192.0.2.1"):
    client = Client()
    response = client.post(page, {"username": username, "password": password}, REMOTE_ADDR=address)
    return response, SESSION_KEY in client.session


def lock(username="worker-a"):
    # Each try from another address: the lock counts the account, not where the tries come from.
    return [token_attempt("wrong", username, f"198.51.100.{i}").status_code for i in range(5)]


def test_five_failures_lock_the_account_and_the_right_password_is_then_refused(world):
    assert lock() == [400, 400, 400, 400, 429]

    response = token_attempt(TEST_PASSWORD, address="203.0.113.5")

    assert response.status_code == 429
    assert response.json() == {"detail": LOCKED, "code": "account_locked"}
    assert 29 * 60 < int(response["Retry-After"]) <= 30 * 60
    assert not DeviceToken.objects.exists()


def test_thirty_tries_from_new_addresses_never_reach_the_right_password(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()
    statuses = [
        client.post(
            TOKEN_URL,
            {"username": "worker-a", "password": f"guess{i}"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(30)
    ]
    right = client.post(
        TOKEN_URL, {"username": "worker-a", "password": TEST_PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.77"
    )
    assert statuses[:4] == [400] * 4 and set(statuses[4:]) == {429}
    assert right.status_code == 429
    assert not DeviceToken.objects.exists()


def test_tries_while_locked_do_not_prolong_the_lock(world):
    lock()
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=20))
    token_attempt("wrong again")
    response = token_attempt(TEST_PASSWORD)
    assert response.status_code == 429
    assert "10 分钟" in response.json()["detail"]
    assert 9 * 60 < int(response["Retry-After"]) <= 10 * 60


def test_a_lock_is_per_account(world):
    lock("worker-a")
    assert token_attempt(TEST_PASSWORD, username="worker-b").status_code == 200


def test_the_lock_lifts_by_itself_after_the_period(world):
    lock()
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))

    response = token_attempt(TEST_PASSWORD)

    assert response.status_code == 200
    assert DeviceToken.objects.filter(user=world.worker_a).count() == 1
    assert not AccessAttempt.objects.exists()  # the success forgot the failures


def test_failures_further_apart_than_the_period_do_not_add_up(world):
    for _ in range(4):
        token_attempt("wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert [token_attempt("wrong").status_code for _ in range(4)] == [400] * 4
    assert token_attempt(TEST_PASSWORD).status_code == 200


def test_a_success_starts_the_count_again(world):
    assert [token_attempt("wrong").status_code for _ in range(4)] == [400] * 4
    assert token_attempt(TEST_PASSWORD).status_code == 200
    assert [token_attempt("wrong").status_code for _ in range(4)] == [400] * 4
    assert token_attempt(TEST_PASSWORD).status_code == 200


@pytest.mark.parametrize("page", ["/admin/login/", "/api-auth/login/"])
def test_a_lock_from_the_api_holds_on_the_login_pages(world, page):
    lock("admin-a")

    response, signed_in = page_attempt(page, TEST_PASSWORD)

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert int(response["Retry-After"]) > 29 * 60
    assert not signed_in


@pytest.mark.parametrize("page", ["/admin/login/", "/api-auth/login/"])
def test_failures_on_a_login_page_lock_every_path(world, page):
    statuses = [page_attempt(page, "wrong", address=f"198.51.100.{i}")[0].status_code for i in range(5)]
    assert statuses == [200, 200, 200, 200, 429]

    response, signed_in = page_attempt("/admin/login/", TEST_PASSWORD)
    assert (response.status_code, signed_in) == (429, False)
    api = token_attempt(TEST_PASSWORD, username="admin-a")
    assert (api.status_code, api.json()["code"]) == (429, "account_locked")


def test_the_admin_login_works_again_once_unlocked(world):
    UserFactory(username="clerk", is_staff=True)
    for _ in range(5):
        page_attempt("/admin/login/", "wrong", username="clerk")
    assert page_attempt("/admin/login/", TEST_PASSWORD, username="clerk")[1] is False

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))

    response, signed_in = page_attempt("/admin/login/", TEST_PASSWORD, username="clerk")
    assert (response.status_code, signed_in) == (302, True)


def test_a_lock_says_nothing_of_whether_the_account_exists(world):
    assert lock("no-such-user") == [400, 400, 400, 400, 429]
    assert token_attempt("anything", username="no-such-user").json()["detail"] == LOCKED


def test_the_failures_are_stored_without_the_password(world):
    client = Client()
    client.post("/admin/login/", {"username": "admin-a", "password": "my-secret-guess"})
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "admin-a"
    assert "my-secret-guess" not in attempt.post_data
