"""SMS through the Tencent Cloud SDK, against a local server that checks its signature."""

import pytest

from cases import services
from notifications.models import Delivery
from tests.notifications.fake_tencent_sms import FakeTencentSms

pytestmark = pytest.mark.django_db

SECRET_KEY = "test-secret-key-0123456789"


@pytest.fixture
def tencent(settings):
    with FakeTencentSms(SECRET_KEY) as fake:
        settings.SMS_PROVIDER = "tencent"
        settings.TENCENT_SMS = {
            "secret_id": "AKIDtest0123456789",
            "secret_key": SECRET_KEY,
            "app_id": "1400000001",
            "sign_name": "圣泉街道",
            "template_id": "1234567",
            "region": "ap-guangzhou",
            "endpoint": fake.endpoint,
            "scheme": "http",
        }
        yield fake


def test_a_dispatch_texts_the_assignees_work_phone(
    world, make_case, worker_a, tencent, django_capture_on_commit_callbacks
):
    worker_a.phone = "13900001111"
    worker_a.save()
    case = make_case("accepted")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_assign(case_id=case.pk, actor=world.admin_a, worker=worker_a)
    [request] = tencent.requests
    assert request["action"] == "SendSms" and request["signed"]
    body = request["body"]
    assert body["PhoneNumberSet"] == ["+8613900001111"]
    assert (body["SmsSdkAppId"], body["SignName"], body["TemplateId"]) == (
        "1400000001",
        "圣泉街道",
        "1234567",
    )
    assert body["TemplateParamSet"][:3] == ["新派遣案件", case.number, "浒溪一网格"]
    delivery = Delivery.objects.get(channel="sms")
    assert (delivery.state, delivery.attempts, delivery.user_id) == ("sent", 1, world.worker_a.pk)


def test_the_providers_limits_are_retried_and_its_refusals_are_not(
    world, make_case, worker_a, tencent, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_RETRY_BASE_SECONDS = 0.1
    worker_a.phone = "13900001111"
    worker_a.save()
    tencent.errors = ["RequestLimitExceeded", "InvalidParameterValue.IncorrectPhoneNumber"]
    case = make_case("accepted")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_assign(case_id=case.pk, actor=world.admin_a, worker=worker_a)
    delivery = Delivery.objects.get(channel="sms")
    assert (delivery.state, delivery.attempts, delivery.last_error) == (
        "pending",
        1,
        "RequestLimitExceeded: RequestLimitExceeded",
    )
    from notifications.services import delivery_attempt

    assert delivery_attempt(delivery.pk, now=delivery.next_attempt_at) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("InvalidParameterValue.IncorrectPhoneNumber")


def test_a_wrong_secret_is_refused_by_the_provider_and_not_retried(
    world, make_case, worker_a, tencent, settings
):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "secret_key": "not-the-key"}
    worker_a.phone = "13900001111"
    worker_a.save()
    from tests.factories import DeliveryFactory

    delivery = DeliveryFactory(
        channel="sms", robot=None, user=world.worker_a, recipient=f"user:{world.worker_a.pk}"
    )
    from notifications.services import delivery_attempt

    assert delivery_attempt(delivery.pk) == "failed"
    assert tencent.requests[0]["signed"] is False
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("AuthFailure.SignatureFailure")


def test_without_a_provider_no_sms_delivery_is_made(
    world, make_case, worker_a, django_capture_on_commit_callbacks
):
    worker_a.phone = "13900001111"
    worker_a.save()
    case = make_case("accepted")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_assign(case_id=case.pk, actor=world.admin_a, worker=worker_a)
    assert not Delivery.objects.filter(channel="sms").exists()
