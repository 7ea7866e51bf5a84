"""SMS behind one interface (`SmsProvider.send`), with one real provider: Tencent Cloud SMS.

`SMS_PROVIDER` picks the provider (empty: no SMS is sent, and the rules' SMS channel is
skipped). The Tencent adapter calls the `SendSms` action (API version 2021-01-11) through the
provider's own SDK (`tencentcloud-sdk-python-sms`), with an approved template whose four
parameters are what happened, the case number, the grid and the due time
(`notifications.messages`). The endpoint and scheme are settings, so that tests run it
against a local server that checks the request's TC3-HMAC-SHA256 signature.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings

from notifications.channels.base import DeliveryError


class SmsProvider(Protocol):
    def send(self, phone: str, params: list[str]) -> None:
        """Send the template with `params` to `phone`, or raise `DeliveryError`."""


# Provider error codes worth another try, and how long to wait first (None: the backoff).
TENCENT_RETRY = {
    "ClientNetworkError": None,
    "ServerNetworkError": None,
    "InternalError": None,
    "RequestLimitExceeded": None,
    "LimitExceeded.PhoneNumberThirtySecondLimit": 30.0,
    "LimitExceeded.PhoneNumberOneHourLimit": 3600.0,
}


def _tencent_error(code: str, message: str) -> DeliveryError:
    for prefix, wait in TENCENT_RETRY.items():
        if code == prefix or code.startswith(prefix + "."):
            return DeliveryError(f"{code}: {message[:200]}", retryable=True, retry_after=wait)
    return DeliveryError(f"{code}: {message[:200]}", retryable=False)


class TencentSms:
    def __init__(self, config: dict):
        self.config = config

    def _client(self):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        config = self.config
        http = HttpProfile(
            protocol=config["scheme"],
            endpoint=config["endpoint"],
            reqTimeout=int(settings.NOTIFY_HTTP_TIMEOUT),
        )
        return sms_client.SmsClient(
            credential.Credential(config["secret_id"], config["secret_key"]),
            config["region"],
            ClientProfile(httpProfile=http),
        )

    def send(self, phone: str, params: list[str]) -> None:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        config = self.config
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [phone if phone.startswith("+") else f"+86{phone}"]
        request.SmsSdkAppId = config["app_id"]
        request.SignName = config["sign_name"]
        request.TemplateId = config["template_id"]
        request.TemplateParamSet = [str(p) for p in params]
        try:
            response = self._client().SendSms(request)
        except TencentCloudSDKException as exc:
            raise _tencent_error(exc.get_code() or "", exc.get_message() or "") from None
        for status in response.SendStatusSet or []:
            if status.Code != "Ok":
                raise _tencent_error(status.Code or "", status.Message or "")


def provider() -> SmsProvider | None:
    if settings.SMS_PROVIDER == "tencent":
        return TencentSms(settings.TENCENT_SMS)
    return None


def send_sms(delivery, recipient) -> None:
    sms = provider()
    if sms is None:
        raise DeliveryError("no SMS provider is configured", retryable=False)
    if not recipient:
        raise DeliveryError("the user has no work phone", retryable=False)
    sms.send(recipient, delivery.message["sms_params"])
