"""Photos and documents attached to a case: checked by their content, stored through storage."""

import secrets

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from cases.models import CaseAttachment
from cases.services import locked_case, record_step
from config.errors import InvalidInput

# Each accepted type, recognised by the first bytes of the file, not by its name.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    """The content type and extension the file's first bytes show, or None."""
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def case_attach(
    *, case_id: int, actor, upload: UploadedFile, expected_version: int | None = None
) -> CaseAttachment:
    """Attach a JPEG, PNG, WebP or PDF file of at most ATTACHMENT_MAX_BYTES to a case."""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise InvalidInput(
            "file", _("The file is larger than %(mb)d MB.") % {"mb": settings.ATTACHMENT_MAX_BYTES // 2**20}
        )
    if upload.size == 0:
        raise InvalidInput("file", _("The file is empty."))
    upload.seek(0)
    kind = sniff(upload.read(16))
    upload.seek(0)
    if kind is None:
        raise InvalidInput("file", _("Only JPEG, PNG, WebP and PDF files are accepted."))
    content_type, extension = kind
    with locked_case(case_id, action="attach", actor=actor, expected_version=expected_version) as case:
        attachment = CaseAttachment(
            case=case,
            token=secrets.token_hex(16),
            extension=extension,
            content_type=content_type,
            size=upload.size,
            original_name=(upload.name or "")[:200],
            uploaded_by=actor,
        )
        attachment.file.save(f"{attachment.token}.{extension}", upload, save=False)
        attachment.save()
        record_step(case, action="attach", actor=actor, note=attachment.original_name, changes={})
    return attachment
