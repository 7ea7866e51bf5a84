"""Real files for upload tests, made here: images with Pillow, PDFs with pypdf."""

import io

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

# EXIF tags (CIPA DC-008): the camera's model, its orientation and the GPS block.
MODEL, ORIENTATION, GPS_INFO = 0x0110, 0x0112, 0x8825
GPS_LATITUDE_REF, GPS_LATITUDE = 1, 2


def image(kind: str = "PNG", size=(40, 20), *, exif: bool = False, orientation: int | None = None) -> bytes:
    """A picture whose left half is red and right half blue, so that a rotation shows."""
    picture = Image.new("RGB", size, "blue")
    picture.paste("red", (0, 0, size[0] // 2, size[1]))
    options = {}
    if exif or orientation:
        tags = Image.Exif()
        tags[MODEL] = "Grid Phone X1"
        if orientation:
            tags[ORIENTATION] = orientation
        tags.get_ifd(GPS_INFO).update({GPS_LATITUDE_REF: "N", GPS_LATITUDE: (29.0, 17.0, 24.36)})
        options["exif"] = tags
    out = io.BytesIO()
    picture.save(out, format=kind, **options)
    return out.getvalue()


PNG = image("PNG")
JPEG = image("JPEG")
WEBP = image("WEBP")


def pdf(*, javascript: bool = False, attachment: bool = False, launch: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if javascript:
        # A document-level script, in the /Names tree as ISO 32000-1 (12.6.4.16) places it.
        action = writer._add_object(
            DictionaryObject(
                {
                    NameObject("/S"): NameObject("/JavaScript"),
                    NameObject("/JS"): TextStringObject("app.alert(1);"),
                }
            )
        )
        scripts = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("hello"), action])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): scripts})
    if attachment:
        writer.add_attachment("run.bat", b"del C:\\ /s")
    if launch:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = pdf()
