"""What every channel shares: the failure type and the HTTP call with its retry rules.

Timeouts, refused connections and 5xx answers are worth another try (with exponential
backoff); a 429 is too, after the `Retry-After` the server gives; any other 4xx will not get
better by trying again and fails the delivery at once.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.utils import timezone


class DeliveryError(Exception):
    """A message was not delivered. `retryable`: another attempt may succeed;
    `retry_after`: the seconds the receiver asked us to wait (a 429's `Retry-After`)."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: a number of seconds or an HTTP date (RFC 9110, 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


_session = requests.Session()


def post_json(url: str, body: dict) -> dict:
    """POST `body` as JSON; the answer's JSON (or {}) on 2xx, `DeliveryError` otherwise."""
    try:
        response = _session.post(url, json=body, timeout=settings.NOTIFY_HTTP_TIMEOUT)
    except requests.Timeout:
        raise DeliveryError("timeout", retryable=True) from None
    except requests.RequestException as exc:
        raise DeliveryError(f"connection failed: {type(exc).__name__}", retryable=True) from None
    status = response.status_code
    if status == 429:
        raise DeliveryError(
            "HTTP 429", retryable=True, retry_after=retry_after_seconds(response.headers.get("Retry-After"))
        )
    if status >= 500:
        raise DeliveryError(f"HTTP {status}", retryable=True)
    if status >= 400:
        raise DeliveryError(f"HTTP {status}: {response.text[:200]}", retryable=False)
    try:
        return response.json()
    except ValueError:
        return {}
