"""Photos and documents attached to a case: checked by their content, stored through storage.

The uploader's file name is never kept: phones name photos after whatever the user typed,
often a resident's name or number. A file is stored under a random token and downloaded
as `<case number>-<attachment id>.<extension>`.
"""

import secrets

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from cases.models import CaseAttachment
from cases.services import locked_case, record_step
from config.errors import InvalidInput
from core.workflow import Move

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


# What a multipart body may hold besides the file itself (boundaries, part headers, fields).
MULTIPART_OVERHEAD = 64 * 1024


def _too_large() -> InvalidInput:
    return InvalidInput(
        "file", _("The file is larger than %(mb)d MB.") % {"mb": settings.ATTACHMENT_MAX_BYTES // 2**20}
    )


def check_request_size(content_length: str | None) -> None:
    """Refuse an upload by its declared length, before a byte of the body is read or stored."""
    try:
        length = int(content_length or 0)
    except ValueError:
        return
    if length > settings.ATTACHMENT_MAX_BYTES + MULTIPART_OVERHEAD:
        raise _too_large()


def case_attach(
    *, case_id: int, actor, upload: UploadedFile, expected_version: int | None = None
) -> CaseAttachment:
    """Attach a JPEG, PNG, WebP or PDF file of at most ATTACHMENT_MAX_BYTES to a case.

    The file is written to storage inside the case's transaction, after the role, version
    and move checks; if the transaction does not commit, the written file is deleted again.
    Call it outside any transaction of the caller's, whose later rollback it cannot see.
    """
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise _too_large()
    if upload.size == 0:
        raise InvalidInput("file", _("The file is empty."))
    upload.seek(0)
    kind = sniff(upload.read(16))
    upload.seek(0)
    if kind is None:
        raise InvalidInput("file", _("Only JPEG, PNG, WebP and PDF files are accepted."))
    content_type, extension = kind
    stored = None
    try:
        with locked_case(case_id, Move("attach"), actor=actor, expected_version=expected_version) as case:
            attachment = CaseAttachment(
                case=case,
                token=secrets.token_hex(16),
                extension=extension,
                content_type=content_type,
                size=upload.size,
                uploaded_by=actor,
            )
            attachment.file.save(f"{attachment.token}.{extension}", upload, save=False)
            stored = attachment.file.name
            attachment.save()
            record_step(case, action="attach", actor=actor, note=attachment.download_name)
    except BaseException:
        if stored is not None:
            attachment.file.storage.delete(stored)
        raise
    return attachment
