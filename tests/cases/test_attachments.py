import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import attachments as attachments_module
from cases.attachments import case_attach
from cases.models import Case, CaseAttachment, CaseEvent
from tests.factories import GridWorkerFactory

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
    assert (attachment.content_type, attachment.size) == (content_type, len(data))
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


@pytest.mark.parametrize("status", ["closed", "rejected"])
def test_finished_cases_take_no_more_attachments(world, api, make_case, status):
    case = make_case(status)
    response = upload(api(world.admin_a), case, "a.png", PNG)
    assert response.status_code == 409
    assert "attach" not in response.json()["allowed_actions"]
    case.refresh_from_db()
    assert not CaseAttachment.objects.exists() and case.events.filter(action="attach").count() == 0


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


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_the_uploaders_file_name_is_kept_nowhere(world, api, make_case, settings):
    # given a phone that named the photo after the resident and her number
    case = make_case("in_progress")
    name = "张秀兰_13812345678_110101199003074578.png"
    response = upload(api(world.worker_a), case, name, PNG)
    assert response.status_code == 201
    attachment = CaseAttachment.objects.get()
    served_as = f"{case.number}-{attachment.pk}.png"
    # then neither the API, nor the history, nor the stored file name carries it
    assert response.json()["file_name"] == served_as
    assert "original_name" not in response.json()
    detail = api(world.admin_a).get(reverse("v1:case-detail", args=[case.pk])).json()
    assert detail["attachments"][0]["file_name"] == served_as
    event = CaseEvent.objects.get(case=case, action="attach")
    assert event.note == served_as
    for text in (str(response.json()), str(detail), event.note, str(event.changes), *stored_files(settings)):
        assert "张秀兰" not in text and "13812345678" not in text and "110101199003074578" not in text


def test_a_download_is_an_attachment_never_sniffed(world, api, make_case):
    case = make_case("in_progress")
    url = upload(api(world.worker_a), case, "a.pdf", PDF).json()["url"]
    attachment = CaseAttachment.objects.get()
    download = api(world.worker_a).get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{case.number}-{attachment.pk}.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"


def test_downloads_are_scoped_to_the_territory(world, api, make_case):
    case = make_case("in_progress")
    url = upload(api(world.worker_a), case, "a.png", PNG).json()["url"]
    other_grid_worker = GridWorkerFactory(
        user__username="worker-a2", street=world.street_a, grids=[world.grid_a2]
    ).user
    for user in (world.admin_b, world.worker_b, other_grid_worker):
        assert api(user).get(url).status_code == 404
    assert api(world.viewer).get(url).status_code == 200  # district viewers read, never write
    # an attachment of another case is not reachable through a case the caller sees
    mine = make_case("in_progress")
    attachment = CaseAttachment.objects.get()
    wrong = reverse("v1:case-attachment-download", args=[mine.pk, attachment.pk])
    assert api(world.admin_a).get(wrong).status_code == 404


def test_a_file_written_before_a_rollback_is_removed(world, make_case, settings, monkeypatch):
    # given the history row fails to be written after the file was stored
    case = make_case("in_progress")

    def broken_step(*args, **kwargs):
        raise RuntimeError("the history row could not be written")

    monkeypatch.setattr(attachments_module, "record_step", broken_step)
    with pytest.raises(RuntimeError):
        case_attach(
            case_id=case.pk,
            actor=world.worker_a,
            upload=SimpleUploadedFile("a.png", PNG, content_type="image/png"),
        )
    # then neither the row nor the file remains
    assert not CaseAttachment.objects.exists()
    assert stored_files(settings) == []
    assert Case.objects.get(pk=case.pk).version == case.version


def test_an_upload_over_the_limit_is_refused_before_its_body_is_read(
    world, api, make_case, settings, monkeypatch
):
    from django.http import multipartparser

    settings.ATTACHMENT_MAX_BYTES = 1024
    case = make_case("in_progress")

    def must_not_parse(self):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", must_not_parse)
    big = PNG + b"\x00" * (1024 + attachments_module.MULTIPART_OVERHEAD)
    response = upload(api(world.worker_a), case, "big.png", big)
    assert response.status_code == 400 and "file" in response.json()
    assert not CaseAttachment.objects.exists() and stored_files(settings) == []
