"""Sign-in attempts per address and per account, on every sign-in path (accounts/throttling.py).

The defaults: 20 attempts a minute from one address (API_AUTH_RATE), 10 at one account
(API_AUTH_ACCOUNT_RATE); the counters live in the cache, which each test starts empty.
"""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import DeviceToken
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = reverse("v1:auth-token")
LOGIN_PAGES = ["/admin/login/", "/api-auth/login/"]


def test_a_new_forwarded_for_header_on_each_try_is_no_way_around_the_limit(world):
    # No proxy is trusted by default: the header is anyone's to write, and is not read.
    client = APIClient()
    statuses = [
        client.post(
            TOKEN_URL, {"username": f"guess{i}", "password": "x"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"
        ).status_code
        for i in range(40)
    ]
    assert statuses == [400] * 20 + [429] * 20


def test_the_limit_answers_in_chinese_with_the_wait(world):
    client = APIClient()
    for i in range(20):
        client.post(TOKEN_URL, {"username": f"guess{i}", "password": "x"})
    response = client.post(TOKEN_URL, {"username": "worker-a", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "限流" in response.json()["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert not DeviceToken.objects.exists()


def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()

    def attempt(i, forwarded):
        return client.post(
            TOKEN_URL, {"username": f"guess{i}", "password": "x"}, HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    # A client writing a new address before the proxy's entry each time stays one client.
    assert [attempt(i, f"10.0.{i}.1, 203.0.113.7") for i in range(21)] == [400] * 20 + [429]
    assert attempt(21, "203.0.113.7") == 429
    assert attempt(22, "203.0.113.8") == 400  # another client's minute is not used up


def test_one_account_is_limited_whatever_the_address(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()
    statuses = [
        client.post(
            TOKEN_URL,
            {"username": "worker-a", "password": TEST_PASSWORD},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    # Other accounts are not held back by it.
    other = client.post(
        TOKEN_URL, {"username": "worker-b", "password": TEST_PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.99"
    )
    assert other.status_code == 200


def test_the_account_limit_ignores_case_and_spaces(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()
    names = ["worker-a", "Worker-A", " WORKER-A", "worker-a "] * 3
    statuses = [
        client.post(
            TOKEN_URL, {"username": name, "password": TEST_PASSWORD}, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}"
        ).status_code
        for i, name in enumerate(names)
    ]
    assert statuses[10:] == [429, 429]


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_the_login_pages_are_limited_per_address(world, page):
    client = Client()
    for i in range(20):
        response = client.post(
            page, {"username": f"guess{i}", "password": "x"}, HTTP_X_FORWARDED_FOR=f"10.1.1.{i}"
        )
        assert response.status_code == 200  # the form again, with its error
    refused = client.post(page, {"username": "admin-a", "password": TEST_PASSWORD})
    assert refused.status_code == 429
    assert "登录尝试过于频繁" in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert SESSION_KEY not in client.session
    # Reading the page is not an attempt.
    assert client.get(page).status_code == 200


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_the_login_pages_are_limited_per_account(world, settings, page):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="clerk", is_staff=True)
    client = Client()
    for i in range(10):
        response = client.post(
            page, {"username": "clerk", "password": TEST_PASSWORD}, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}"
        )
        assert response.status_code == 302
        client.logout()
    refused = client.post(
        page, {"username": "clerk", "password": TEST_PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.200"
    )
    assert refused.status_code == 429
    assert SESSION_KEY not in client.session


def test_the_login_pages_and_the_token_endpoint_share_the_address_limit(world):
    client = Client()
    for i in range(10):
        client.post("/admin/login/", {"username": f"guess{i}", "password": "x"})
        client.post(TOKEN_URL, {"username": f"other{i}", "password": "x"})
    assert client.post("/api-auth/login/", {"username": "guess", "password": "x"}).status_code == 429
