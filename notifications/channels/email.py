"""Email through Django's email backend (`EMAIL_URL`)."""

import smtplib

from django.conf import settings
from django.core.mail import send_mail

from notifications.channels.base import DeliveryError


def send_email(delivery, recipient) -> None:
    if not recipient:
        raise DeliveryError("the user has no email address", retryable=False)
    message = delivery.message
    try:
        send_mail(message["title"], message["text"], settings.DEFAULT_FROM_EMAIL, [recipient])
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"recipient refused: {type(exc).__name__}", retryable=False) from None
    except (smtplib.SMTPException, OSError) as exc:
        # A server that is down, busy or slow: worth another try.
        raise DeliveryError(f"mail server: {type(exc).__name__}", retryable=True) from None
