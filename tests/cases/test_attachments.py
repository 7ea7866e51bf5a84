import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cases import attachments as attachments_module
from cases.attachments import case_attach
from cases.models import Case, CaseAttachment, CaseEvent
from tests.cases.files import GPS_INFO, JPEG, ORIENTATION, PDF, PNG, WEBP, image, pdf
from tests.factories import GridWorkerFactory

pytestmark = pytest.mark.django_db


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
    assert attachment.content_type == content_type
    # Stored under a random name, never the uploader's (which may name a resident).
    assert attachment.file.name == f"cases/{case.pk}/{attachment.token}.{attachment.extension}"
    assert CaseEvent.objects.filter(case=case, action="attach").count() == 1
    download = api(world.admin_a).get(response.json()["url"])
    assert download.status_code == 200
    served = b"".join(download.streaming_content)
    assert len(served) == attachment.size
    assert download["Content-Type"] == content_type
    if content_type == "application/pdf":
        assert served == data  # checked, stored as sent
    else:
        assert served.startswith(data[:4])  # encoded again, in the same format


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
    # A name no factory makes: Faker's Chinese names (users' first names) include 张秀兰.
    name = "张秀兰兰_13812345678_110101199003074578.png"
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
        assert "张秀兰兰" not in text and "13812345678" not in text and "110101199003074578" not in text


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


# --- what is stored of an image: its pixels, upright, and nothing else -----------------------


def stored_bytes(attachment) -> bytes:
    with attachment.file.open("rb") as stored:
        return stored.read()


def test_a_png_signature_followed_by_html_is_refused(world, api, make_case):
    case = make_case("in_progress")
    forged = b"\x89PNG\r\n\x1a\n<html><script>alert(document.cookie)</script></html>"
    response = upload(api(world.worker_a), case, "a.png", forged)
    assert response.status_code == 400
    assert response.json() == {"file": ["该文件不是可读的图片。"]}
    assert not CaseAttachment.objects.exists() and not case.events.filter(action="attach").exists()


def test_html_appended_to_a_real_image_is_not_stored(world, api, make_case):
    case = make_case("in_progress")
    polyglot = PNG + b"<html><script>alert(1)</script></html>"
    response = upload(api(world.worker_a), case, "a.png", polyglot)
    assert response.status_code == 201
    stored = stored_bytes(CaseAttachment.objects.get())
    assert b"<script>" not in stored and b"<html>" not in stored
    assert Image.open(io.BytesIO(stored)).size == (40, 20)


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_a_photos_exif_with_gps_and_model_is_stripped(world, api, make_case, kind):
    case = make_case("in_progress")
    photo = image(kind, exif=True)
    assert b"Grid Phone X1" in photo and Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_INFO)
    response = upload(api(world.worker_a), case, f"a.{kind.lower()}", photo)
    assert response.status_code == 201, response.json()
    stored = stored_bytes(CaseAttachment.objects.get())
    assert b"Grid Phone X1" not in stored
    reopened = Image.open(io.BytesIO(stored))
    assert reopened.format == kind
    assert dict(reopened.getexif()) == {}
    assert CaseAttachment.objects.get().size == len(stored)


def test_a_photo_taken_sideways_is_stored_upright(world, api, make_case):
    # given a 40×20 photo the phone stored unrotated with "rotate 90° clockwise to view" (6)
    case = make_case("in_progress")
    photo = image("JPEG", orientation=6)
    response = upload(api(world.worker_a), case, "a.jpg", photo)
    assert response.status_code == 201
    stored = Image.open(io.BytesIO(stored_bytes(CaseAttachment.objects.get()))).convert("RGB")
    # then the pixels are turned as a viewer would show them: red on top, blue below
    assert stored.size == (20, 40)
    red, blue = stored.getpixel((10, 5)), stored.getpixel((10, 35))
    assert red[0] > 200 and red[2] < 60
    assert blue[2] > 200 and blue[0] < 60
    assert ORIENTATION not in stored.getexif()


def test_an_image_of_too_many_pixels_is_refused(world, api, make_case, monkeypatch):
    monkeypatch.setattr(attachments_module, "MAX_IMAGE_PIXELS", 100)
    case = make_case("in_progress")
    response = upload(api(world.worker_a), case, "a.png", PNG)
    assert response.status_code == 400
    assert response.json() == {"file": ["图片的像素过多。"]}


def test_a_jpeg_signature_on_a_png_is_refused(world, api, make_case):
    case = make_case("in_progress")
    response = upload(api(world.worker_a), case, "a.jpg", b"\xff\xd8\xff" + PNG)
    assert response.status_code == 400 and list(response.json()) == ["file"]


# --- PDFs: refused when they carry active content -----------------------------------------------

ACTIVE_PDF = "不接受包含 JavaScript、嵌入文件或启动操作的 PDF。"


@pytest.mark.parametrize("active", ["javascript", "attachment", "launch"])
def test_a_pdf_with_javascript_embedded_files_or_a_launch_action_is_refused(world, api, make_case, active):
    case = make_case("in_progress")
    response = upload(api(world.worker_a), case, "a.pdf", pdf(**{active: True}))
    assert response.status_code == 400
    assert response.json() == {"file": [ACTIVE_PDF]}
    assert not CaseAttachment.objects.exists() and stored_files_of(case) == []


def stored_files_of(case):
    return list(CaseAttachment.objects.filter(case=case))


def test_javascript_hidden_behind_escaped_names_is_found(world, api, make_case):
    case = make_case("in_progress")
    # /Java#53cript and /#4A#53 are /JavaScript and /JS with hex escapes (ISO 32000-1, 7.3.5)
    hidden = (
        b"%PDF-1.4\n"
        b"1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >> endobj\n"
        b"4 0 obj << /S /Java#53cript /#4A#53 (app.alert(1)) >> endobj\n"
        b"trailer << /Root 1 0 R >>\nstartxref\n0\n%%EOF\n"
    )
    response = upload(api(world.worker_a), case, "a.pdf", hidden)
    assert response.status_code == 400
    assert response.json() == {"file": [ACTIVE_PDF]}


def test_a_pdf_signature_on_something_else_is_refused(world, api, make_case):
    case = make_case("in_progress")
    response = upload(api(world.worker_a), case, "a.pdf", b"%PDF-1.7\n<html>not a pdf</html>")
    assert response.status_code == 400
    assert response.json() == {"file": ["该文件不是可读的 PDF。"]}


def test_an_encrypted_pdf_is_refused(world, api, make_case):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF)))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    response = upload(api(world.worker_a), make_case("in_progress"), "a.pdf", out.getvalue())
    assert response.status_code == 400
    assert response.json() == {"file": ["不接受加密的 PDF。"]}
