"""The client's address, as throttles and the lockout count it.

`X-Forwarded-For` is a header any client can write. Only the proxies the operator names
(`TRUSTED_PROXY_COUNT`) are believed, each appending the address it received the request
from: with N trusted proxies the client is the N-th entry from the end, whatever the client
put before it. With none (the default) the header is ignored.
"""

from django.conf import settings
from ipware import get_client_ip


def client_address(request) -> str:
    """The address to count a request against; the connection's own address when in doubt."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies == 0:
        return remote
    # ipware counts the proxies listed in the header after the client; the nearest proxy is
    # the connection itself (REMOTE_ADDR), so one trusted proxy lists none.
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return address or remote
