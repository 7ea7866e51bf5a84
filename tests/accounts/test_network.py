"""Which address a request counts against (accounts/network.py)."""

import pytest
from django.test import RequestFactory

from accounts.network import client_address


def request_from(remote="192.0.2.10", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/api/v1/auth/token/", **meta)


@pytest.mark.parametrize("forwarded", [None, "203.0.113.7", "203.0.113.7, 198.51.100.2", "not an address"])
def test_without_trusted_proxies_the_header_is_ignored(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request_from(forwarded=forwarded)) == "192.0.2.10"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "client"),
    [
        # One proxy appends the address it saw: what the client wrote before it is ignored.
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "10.9.9.9, 203.0.113.7", "203.0.113.7"),
        (1, "forged, 1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # Two proxies: the client is the entry the farther one wrote.
        (2, "203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "[2001:db8::7]:51000", "2001:db8::7"),
    ],
)
def test_with_trusted_proxies_the_client_is_the_entry_they_wrote(settings, proxies, forwarded, client):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request_from(forwarded=forwarded)) == client


@pytest.mark.parametrize("forwarded", [None, "", "203.0.113.7"])
def test_a_request_that_passed_fewer_proxies_counts_against_the_connection(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request_from(forwarded=forwarded)) == "192.0.2.10"
