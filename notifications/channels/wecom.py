"""WeChat Work group robots (企业微信群机器人).

The robot's webhook (`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`) takes
`{"msgtype": "markdown", "markdown": {"content": …}}` and answers `{"errcode": 0, "errmsg":
"ok"}`; a robot accepts at most 20 messages a minute (WeChat Work's group robot
documentation), which the queue keeps (`services`), and answers errcode 45009 past it.
"""

from notifications.channels.base import DeliveryError, post_json

# errcode 45009: the robot's frequency limit; -1: the system is busy. Both pass with time.
RETRY_CODES = {45009: 60.0, -1: None}
MAX_CONTENT = 4096  # bytes of Markdown a message may hold


def markdown_body(message: dict) -> dict:
    content = message["markdown"]
    while len(content.encode("utf-8")) > MAX_CONTENT:
        content = content[:-20]
    return {"msgtype": "markdown", "markdown": {"content": content}}


def send_wecom(delivery, recipient) -> None:
    answer = post_json(recipient.webhook_url, markdown_body(delivery.message))
    code = answer.get("errcode", 0)
    if code == 0:
        return
    text = f"errcode {code}: {str(answer.get('errmsg', ''))[:200]}"
    if code in RETRY_CODES:
        raise DeliveryError(text, retryable=True, retry_after=RETRY_CODES[code])
    raise DeliveryError(text, retryable=False)
