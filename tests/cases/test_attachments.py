import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import CaseAttachment, CaseEvent

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64


def upload(client, case, name, data, content_type="application/octet-stream"):
    return client.post(
        reverse("v1:case-attachments", args=[case.pk]),
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        format="multipart",
    )


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("现场.png", PNG, "image/png"),
        ("a.jpg", JPEG, "image/jpeg"),
        ("b.webp", WEBP, "image/webp"),
        ("c.pdf", PDF, "application/pdf"),
    ],
)
def test_worker_attaches_photos_and_pdfs(world, api, make_case, name, data, content_type):
    case = make_case("in_progress")
    response = upload(api(world.worker_a), case, name, data)
    assert response.status_code == 201, response.json()
    attachment = CaseAttachment.objects.get()
    assert (attachment.content_type, attachment.size, attachment.original_name) == (
        content_type,
        len(data),
        name,
    )
    # Stored under a random name, never the uploader's (which may name a resident).
    assert attachment.file.name == f"cases/{case.pk}/{attachment.token}.{attachment.extension}"
    assert CaseEvent.objects.filter(case=case, action="attach").count() == 1
    download = api(world.admin_a).get(response.json()["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == content_type


def test_a_file_that_is_not_an_image_or_pdf_is_refused_whatever_its_name(world, api, make_case):
    case = make_case("in_progress")
    response = upload(api(world.worker_a), case, "photo.jpg", b"MZ\x90\x00 not an image", "image/jpeg")
    assert response.status_code == 400 and "file" in response.json()
    assert not CaseAttachment.objects.exists()


def test_a_file_over_the_limit_is_refused(world, api, make_case, settings):
    settings.ATTACHMENT_MAX_BYTES = 50
    case = make_case("in_progress")
    response = upload(api(world.worker_a), case, "big.png", PNG)
    assert response.status_code == 400 and "file" in response.json()
    assert not CaseAttachment.objects.exists()


def test_no_file_is_400(world, api, make_case):
    case = make_case()
    response = api(world.worker_a).post(
        reverse("v1:case-attachments", args=[case.pk]), {}, format="multipart"
    )
    assert response.status_code == 400 and "file" in response.json()


def test_attachments_outside_the_territory_are_404_and_viewers_cannot_upload(world, api, make_case):
    case = make_case("in_progress")
    upload(api(world.worker_a), case, "a.png", PNG)
    attachment = CaseAttachment.objects.get()
    assert (
        api(world.admin_b)
        .get(reverse("v1:case-attachment-download", args=[case.pk, attachment.pk]))
        .status_code
        == 404
    )
    assert upload(api(world.admin_b), case, "b.png", PNG).status_code == 404
    assert upload(api(world.viewer), case, "b.png", PNG).status_code == 403
    assert CaseAttachment.objects.count() == 1


def test_closed_cases_take_no_more_attachments(world, api, make_case):
    case = make_case("closed")
    response = upload(api(world.admin_a), case, "a.png", PNG)
    assert response.status_code == 409


def test_an_attachment_answers_the_cases_new_etag(world, api, make_case):
    case = make_case("in_progress")
    client = api(world.worker_a)
    response = upload(client, case, "a.png", PNG)
    assert response.status_code == 201
    assert response["ETag"] == f'"{case.version + 1}"'
    resolved = client.post(
        reverse("v1:case-resolve", args=[case.pk]),
        {"result": "已清理"},
        format="json",
        HTTP_IF_MATCH=response["ETag"],
    )
    assert resolved.status_code == 200
