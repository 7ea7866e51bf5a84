"""Photos and documents attached to a case: checked by their content, stored through storage.

The uploader's file name is never kept: phones name photos after whatever the user typed,
often a resident's name or number. A file is stored under a random token and downloaded
as `<case number>-<attachment id>.<extension>`.

A file's first bytes are not enough: a PNG signature followed by an HTML page, or a real
image with a page appended, passes any signature check. So every image is decoded and
encoded again with Pillow; only the pixels are kept. That also drops the EXIF block, which
holds the phone's GPS position and model, once its orientation has been applied to the
pixels (a photo taken upright stays upright). PDFs are parsed with pypdf and refused when
they carry JavaScript, embedded files or launch actions, which readers may run or open.
"""

import base64
import binascii
import io
import re
import secrets
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from cases import services
from cases.models import Case, CaseAttachment
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


# --- images: decoded and encoded again ------------------------------------------------------------

# Pillow's names of the accepted formats, by content type.
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Phones take photos of 12 to 50 megapixels; more is a decompression bomb, not a photo.
MAX_IMAGE_PIXELS = 64_000_000


def _not_an_image() -> InvalidInput:
    return InvalidInput("file", _("The file is not a readable image."))


def clean_image(data: bytes, content_type: str) -> bytes:
    """The image's pixels, upright, in a new file of the same format, without any metadata."""
    expected = IMAGE_FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that: a bomb all the same.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError(image.size)
                image.load()
                upright = ImageOps.exif_transpose(image)
                icc_profile = image.info.get("icc_profile")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput("file", _("The image has too many pixels.")) from None
    except (OSError, SyntaxError, ValueError):
        raise _not_an_image() from None
    if expected == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
        upright = upright.convert("RGB")
    out = io.BytesIO()
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if expected in ("JPEG", "WEBP"):
        options["quality"] = 90
    # No `exif=` and no text chunks: what the phone wrote about the photo stays behind.
    upright.save(out, format=expected, **options)
    return out.getvalue()


# --- PDFs: parsed and checked for active content ------------------------------------------------

# Keys and names that make a PDF run code, open another program or carry other files.
ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/RichMedia", "/Launch"})
ACTIVE_VALUES = frozenset({"/JavaScript", "/Launch", "/EmbeddedFile", "/FileAttachment", "/RichMedia"})
# More objects than any scanned form holds: a file made to keep the check busy.
MAX_PDF_OBJECTS = 200_000


def _pdf_objects(root):
    """Every dictionary reachable from `root`, each indirect object once (iteratively)."""
    stack, seen, count = [root], set(), 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        count += 1
        if count > MAX_PDF_OBJECTS:
            raise InvalidInput("file", _("The PDF is too complex to be checked."))
        if isinstance(obj, DictionaryObject):  # streams too
            yield obj
            stack.extend(dict.values(obj))
        elif isinstance(obj, ArrayObject):
            stack.extend(list.__iter__(obj))


def check_pdf(data: bytes) -> None:
    """Refuse (400 on `file`) a PDF that cannot be read or that carries active content."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise InvalidInput("file", _("Encrypted PDFs are not accepted."))
        if not len(reader.pages):
            raise InvalidInput("file", _("The PDF has no pages."))
        for obj in _pdf_objects(reader.trailer):
            kinds = {str(obj[key]) for key in ("/S", "/Type", "/Subtype") if key in obj}
            active = ACTIVE_KEYS.intersection(obj) or ACTIVE_VALUES.intersection(kinds)
            if active:
                raise InvalidInput(
                    "file", _("PDFs with JavaScript, embedded files or launch actions are not accepted.")
                )
    except InvalidInput:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise InvalidInput("file", _("The file is not a readable PDF.")) from None


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check, as it is stored: its clean content and its type."""

    content: bytes
    content_type: str
    extension: str


def checked_file(data: bytes) -> CheckedFile:
    """Check a file's size, type and content (400 on `file`): what an upload and a photo sent
    with a create both go through."""
    if len(data) > settings.ATTACHMENT_MAX_BYTES:
        raise _too_large()
    if not data:
        raise InvalidInput("file", _("The file is empty."))
    kind = sniff(data[:16])
    if kind is None:
        raise InvalidInput("file", _("Only JPEG, PNG, WebP and PDF files are accepted."))
    content_type, extension = kind
    content = clean_image(data, content_type) if content_type in IMAGE_FORMATS else _checked_pdf(data)
    return CheckedFile(content, content_type, extension)


def _checked_pdf(data: bytes) -> bytes:
    check_pdf(data)
    return data


# A photo in a JSON body: base64 (RFC 4648, padding optional), or a data URL holding it.
_DATA_URL = re.compile(r"^data:[\w.+-]+/[\w.+-]+;base64,", re.ASCII)


def decoded_photo(text: str) -> bytes:
    """The bytes of a base64 photo, refused (400 on `file`) when it is not base64 or is
    larger than ATTACHMENT_MAX_BYTES, told by its length before it is decoded."""
    text = _DATA_URL.sub("", text.strip(), count=1)
    text = "".join(text.split())  # base64 wrapped at 76 characters, as MIME writes it
    if len(text) * 3 // 4 > settings.ATTACHMENT_MAX_BYTES + 2:
        raise _too_large()
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("file", _("The photo is not base64-encoded.")) from None


# --- files written while a transaction is open ---------------------------------------------------

# The files written inside `files_kept_on_commit`: (storage, name).
_written: ContextVar[list | None] = ContextVar("case_files_written", default=None)


@contextmanager
def files_kept_on_commit() -> Iterator[None]:
    """Delete, on leaving, every file written inside whose attachment row was not committed.

    Storage is not transactional: a file is written before its row commits. Wrapped around
    a whole request, outside any transaction, this sees every rollback, however deep the
    transaction that wrote the file was nested (the create's, the Idempotency-Key's): a file
    whose row is not there on leaving belongs to nothing and is deleted.
    """
    written: list = []
    token = _written.set(written)
    try:
        yield
    finally:
        _written.reset(token)
        if written:
            _delete_unkept(written)


def _delete_unkept(written: list) -> None:
    try:
        kept = set(
            CaseAttachment.objects.filter(file__in=[name for _storage, name in written]).values_list(
                "file", flat=True
            )
        )
    except DatabaseError:
        return  # the database is gone: a stray file is better than a second error hiding the first
    for storage, name in written:
        if name not in kept:
            storage.delete(name)


def _write(attachment: CaseAttachment, content: bytes) -> None:
    attachment.file.save(f"{attachment.token}.{attachment.extension}", ContentFile(content), save=False)
    written = _written.get()
    if written is not None:
        written.append((attachment.file.storage, attachment.file.name))


def _attach_checked(case: Case, actor, checked: CheckedFile) -> CaseAttachment:
    """Store a checked file on a locked case and record the step (inside its transaction)."""
    attachment = CaseAttachment(
        case=case,
        token=secrets.token_hex(16),
        extension=checked.extension,
        content_type=checked.content_type,
        size=len(checked.content),
        uploaded_by=actor,
    )
    _write(attachment, checked.content)
    try:
        attachment.save()
        record_step(case, action="attach", actor=actor, note=attachment.download_name)
    except BaseException:
        if _written.get() is None:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def case_attach(
    *, case_id: int, actor, upload: UploadedFile, expected_version: int | None = None
) -> CaseAttachment:
    """Attach a JPEG, PNG, WebP or PDF file of at most ATTACHMENT_MAX_BYTES to a case.

    The file is written to storage inside the case's transaction, after the role, version
    and move checks; if the transaction does not commit, the written file is deleted again.
    Call it outside any transaction of the caller's, whose later rollback it cannot see (or
    inside `files_kept_on_commit`, which sees it).
    """
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise _too_large()
    upload.seek(0)
    checked = checked_file(upload.read())
    with locked_case(case_id, Move("attach"), actor=actor, expected_version=expected_version) as case:
        return _attach_checked(case, actor, checked)


# No savepoint of its own inside the API's transaction, as `case_create`.
@transaction.atomic(savepoint=False)
def case_create_with_files(*, actor, files: Sequence[CheckedFile] = (), **case_data) -> Case:
    """Report a case (`case_create`) with its photos, all or nothing: each photo is attached
    as the upload attaches it (a step of the history), in the create's transaction.

    Call it inside `files_kept_on_commit`, so that the files of a create rolled back later
    (its answer could not be stored under its Idempotency-Key) are deleted too.
    """
    case = services.case_create(actor=actor, **case_data)
    if files:
        # One lock and one check for all of them: the new case is this transaction's own.
        with locked_case(case.pk, Move("attach"), actor=actor, expected_version=None) as locked:
            for checked in files:
                _attach_checked(locked, actor, checked)
    return case  # as created, with its placement's warnings: an answer with photos reads it again
