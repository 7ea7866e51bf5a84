"""The outside channels: each sends one stored message to one recipient, or raises `DeliveryError`.

`SENDERS` maps a channel to its sender; `notifications.services` calls them and decides,
from the error, whether to try again.
"""

from notifications.channels.base import DeliveryError
from notifications.channels.dingtalk import send_dingtalk
from notifications.channels.email import send_email
from notifications.channels.sms import send_sms
from notifications.channels.wecom import send_wecom
from notifications.rules import Channel

SENDERS = {
    Channel.WECOM: send_wecom,
    Channel.DINGTALK: send_dingtalk,
    Channel.EMAIL: send_email,
    Channel.SMS: send_sms,
}

__all__ = ["SENDERS", "DeliveryError"]
