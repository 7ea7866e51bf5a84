"""DingTalk group robots (钉钉自定义机器人).

A robot with the signing security setting needs `timestamp` (milliseconds) and `sign` on the
webhook: Base64 of HMAC-SHA256 over "timestamp\\nsecret" keyed with the secret, URL-encoded
(DingTalk's custom robot documentation). The body is `{"msgtype": "markdown", "markdown":
{"title", "text"}}`; the answer `{"errcode": 0, "errmsg": "ok"}`. Like WeChat Work's, a robot
takes 20 messages a minute, and answers errcode 130101 when sent too fast.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

from notifications.channels.base import DeliveryError, post_json

RETRY_CODES = {130101: 60.0, -1: None}


def sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(webhook_url: str, secret: str, *, now_ms: int | None = None) -> str:
    if not secret:
        return webhook_url
    timestamp = now_ms if now_ms is not None else int(time.time() * 1000)
    parts = urlsplit(webhook_url)
    query = [*parse_qsl(parts.query), ("timestamp", str(timestamp)), ("sign", sign(secret, timestamp))]
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote_plus)))


def send_dingtalk(delivery, recipient) -> None:
    message = delivery.message
    body = {"msgtype": "markdown", "markdown": {"title": message["title"], "text": message["markdown"]}}
    answer = post_json(signed_url(recipient.webhook_url, recipient.secret), body)
    code = answer.get("errcode", 0)
    if code == 0:
        return
    text = f"errcode {code}: {str(answer.get('errmsg', ''))[:200]}"
    if code in RETRY_CODES:
        raise DeliveryError(text, retryable=True, retry_after=RETRY_CODES[code])
    raise DeliveryError(text, retryable=False)
