"""A create and an offline sync item carry their photos as base64: checked as an upload is,
stored with the case, all or nothing."""

import base64
import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from cases.models import Case, CaseAttachment, CaseEvent, IdempotencyKey
from tests.cases.files import GPS_INFO, JPEG, PDF, PNG, image
from tests.cases.test_api_cases import payload

pytestmark = pytest.mark.django_db

LIST, SYNC = "v1:case-list", "v1:case-sync"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def noise(size=(120, 120)) -> bytes:
    """A PNG that does not compress: its length is about its pixels' bytes."""
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, format="PNG")
    return out.getvalue()


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_create_carries_its_photos(world, api, category):
    photo = image("JPEG", size=(64, 48), exif=True)
    body = payload(world, category, photos=[b64(photo), "data:image/png;base64," + b64(PNG), b64(PDF)])
    response = api(world.worker_a).post(reverse(LIST), body, format="json")
    assert response.status_code == 201, response.json()
    answer = response.json()
    case = Case.objects.get()
    assert [a["content_type"] for a in answer["attachments"]] == [
        "image/jpeg",
        "image/png",
        "application/pdf",
    ]
    assert answer["version"] == case.version and response["ETag"] == f'"{case.version}"'
    actions = list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("action", flat=True))
    assert actions == ["report", "attach", "attach", "attach"]
    assert len(stored_files()) == 3
    jpeg = CaseAttachment.objects.get(content_type="image/jpeg")
    with jpeg.file.open("rb") as stored, Image.open(stored) as picture:
        assert GPS_INFO not in picture.getexif()  # encoded again: the phone's position is gone


def test_an_on_the_spot_case_carries_its_photo_of_the_result(world, api, category):
    body = payload(world, category, on_the_spot=True, result="已清理", photos=[b64(JPEG)])
    response = api(world.worker_a).post(reverse(LIST), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "resolved" and len(response.json()["attachments"]) == 1


@pytest.mark.parametrize(
    "photo, message_part",
    [
        (b64(b"\x89PNG\r\n\x1a\n<html>not a picture</html>"), ""),
        (b64(b"MZ\x90\x00 an executable"), "JPEG"),
        ("not base64 at all!", "base64"),
        ("", ""),
        (42, "base64"),
    ],
)
def test_one_bad_photo_refuses_the_whole_create_naming_it(world, api, category, photo, message_part):
    body = payload(world, category, photos=[b64(JPEG), photo])
    response = api(world.worker_a).post(reverse(LIST), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 400
    errors = response.json()["photos"]
    assert list(errors) == ["1"] and message_part in errors["1"][0]
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()
    assert stored_files() == [] and not IdempotencyKey.objects.exists()


def test_a_photo_over_the_limit_is_refused_before_it_is_decoded(world, api, category, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    body = payload(world, category, photos=[b64(noise())])
    response = api(world.worker_a).post(reverse(LIST), body, format="json")
    assert response.status_code == 400 and "1 MB" not in str(response.json()) and "photos" in response.json()
    assert not Case.objects.exists()


def test_more_than_nine_photos_is_400(world, api, category):
    response = api(world.worker_a).post(
        reverse(LIST), payload(world, category, photos=[b64(PNG)] * 10), format="json"
    )
    assert response.status_code == 400 and "photos" in response.json()
    assert not Case.objects.exists() and stored_files() == []


def test_a_body_over_the_create_limit_is_413(world, api, category, settings):
    settings.CASE_BODY_MAX_BYTES = 2048
    body = payload(world, category, photos=[b64(noise())])
    response = api(world.worker_a).post(reverse(LIST), body, format="json")
    assert response.status_code == 413
    assert not Case.objects.exists()


def test_a_create_with_photos_may_be_larger_than_other_bodies(world, api, category, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = payload(world, category, photos=[b64(noise())])
    assert len(str(body)) > 2048
    assert api(world.worker_a).post(reverse(LIST), body, format="json").status_code == 201


def test_photos_in_another_territory_store_nothing(world, api, category):
    body = payload(world, category, grid=world.grid_b1.pk, photos=[b64(JPEG)])
    response = api(world.worker_a).post(reverse(LIST), body, format="json")
    assert response.status_code == 400 and "grid" in response.json()
    assert not Case.objects.exists() and stored_files() == []


def test_photos_from_a_role_that_may_not_report_store_nothing(world, api, category):
    response = api(world.viewer).post(
        reverse(LIST), payload(world, category, photos=[b64(JPEG)]), format="json"
    )
    assert response.status_code == 403
    assert stored_files() == []


def test_a_failure_after_the_photos_are_written_leaves_no_file(world, api, category, monkeypatch):
    from cases import views

    def crash(**kwargs):
        raise RuntimeError("after the files were written")

    monkeypatch.setattr(views, "possible_duplicates", crash)
    items = [{"idempotency_key": "off-1", "case": payload(world, category, photos=[b64(JPEG), b64(PNG)])}]
    result = api(world.worker_a).post(reverse(SYNC), {"items": items}, format="json").json()["results"][0]
    assert result["status"] == 500
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()
    assert stored_files() == []


def test_a_sync_item_carries_its_photos_and_a_corrected_item_is_sent_again(world, api, category):
    client = api(world.worker_a)
    bad = {"idempotency_key": "off-1", "case": payload(world, category, photos=[b64(b"GIF89a old")])}
    good = {
        "idempotency_key": "off-2",
        "case": payload(world, category, title="井盖缺失", photos=[b64(JPEG)]),
    }
    results = client.post(reverse(SYNC), {"items": [bad, good]}, format="json").json()["results"]
    assert [(r["status"], r["outcome"]) for r in results] == [(400, "error"), (201, "created")]
    assert "photos" in results[0]["body"] and len(results[1]["body"]["attachments"]) == 1
    assert len(stored_files()) == 1
    fixed = {"idempotency_key": "off-1", "case": payload(world, category, photos=[b64(PNG)])}
    again = client.post(reverse(SYNC), {"items": [fixed, good]}, format="json").json()["results"]
    assert [(r["status"], r["outcome"]) for r in again] == [(201, "created"), (201, "replayed")]
    assert CaseAttachment.objects.count() == 2 and len(stored_files()) == 2


def test_more_than_nine_photos_are_refused_before_any_is_decoded(world, api, category, monkeypatch):
    import cases.serializers

    decoded = []
    real = cases.serializers.PhotoField.to_internal_value
    monkeypatch.setattr(
        cases.serializers.PhotoField,
        "to_internal_value",
        lambda self, data: decoded.append(1) or real(self, data),
    )
    response = api(world.worker_a).post(
        reverse(LIST), payload(world, category, photos=[b64(PNG)] * 10), format="json"
    )
    assert response.status_code == 400 and "photos" in response.json()
    assert decoded == [] and not Case.objects.exists()


def test_a_create_locks_its_case_once_for_all_its_photos(world, api, category):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(world.worker_a)
    counts = []
    for photos in (1, 1, 2, 3):  # the first warms what a process reads once
        body = payload(world, category, photos=[b64(PNG)] * photos)
        with CaptureQueriesContext(connection) as queries:
            assert client.post(reverse(LIST), body, format="json").status_code == 201
        counts.append(len(queries))
        case_reads = [
            q for q in queries if q["sql"].startswith("SELECT") and '"cases_case"."version"' in q["sql"]
        ]
        # The create's own lock of its case, and the answer's read: not one per photo.
        assert len(case_reads) <= 2, [q["sql"][:120] for q in case_reads]
    counts = counts[1:]
    each = counts[1] - counts[0]
    assert counts[2] - counts[1] == each  # a photo costs the same whatever its place
    assert each <= 4  # its row, its history row and the step's bookkeeping, no lock or read
