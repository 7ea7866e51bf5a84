"""The residents' list as a file: for street administrators only, always masked, each one audited.

The columns are those of the list, masked as the API shows them; no key-person mark, tag of a
category or anything beyond the population register is written. A cell that starts like a
formula stays text (OWASP's advice on CSV injection): quoted in the CSV, a string in Excel.
"""

from __future__ import annotations

import csv
import io

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation

from grids.privacy import mask_id_number, mask_name, mask_phone
from registry.models import Resident, ResidentExport

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FileFormatNegotiation(DefaultContentNegotiation):
    """`?format=` names the file to write (checked by the export), not one of DRF's renderers."""

    def filter_renderers(self, renderers, format):
        return renderers


def _label(name: str) -> str:
    return str(Resident._meta.get_field(name).verbose_name)


def _columns():
    return [
        (_label("name"), lambda r: mask_name(r.name)),
        (_label("gender"), lambda r: r.get_gender_display()),
        (_label("document_type"), lambda r: r.get_document_type_display()),
        (_label("id_number"), lambda r: mask_id_number(r.id_number)),
        (_label("phone"), lambda r: mask_phone(r.phone)),
        (_label("ethnicity"), lambda r: r.ethnicity),
        (_label("residence_type"), lambda r: r.get_residence_type_display()),
        (_label("grid"), lambda r: r.grid.name),
        (_label("house"), lambda r: str(r.house) if r.house_id else ""),
        (_label("relation_to_head"), lambda r: r.get_relation_to_head_display()),
        (_label("tags"), lambda r: "、".join(t.name for t in r.tags.all())),
        (_label("moved_out"), lambda r: _("yes") if r.moved_out else _("no")),
    ]


def _text(cell):
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


def residents_export(*, request, queryset, file_format: str) -> HttpResponse:
    """Write the file and its audit row in one transaction: no file leaves unrecorded."""
    if file_format not in CONTENT_TYPES:
        raise ValidationError({"format": [_("Choose csv or xlsx.")]})
    rows = list(queryset.select_related("grid", "house__building").prefetch_related("tags"))
    with translation.override("zh-hans"):
        columns = _columns()
        headers = [str(label) for label, _value in columns]
        body = [[_text(value(r)) for _label, value in columns] for r in rows]
    content = _csv(headers, body) if file_format == "csv" else _xlsx(headers, body)
    filters = {k: v for k, v in request.query_params.items() if k != "format"}
    with transaction.atomic():
        ResidentExport.objects.create(
            user=request.user, file_format=file_format, rows=len(rows), filters=filters
        )
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="residents-{stamp}.{file_format}"'
    response["Cache-Control"] = "no-store"
    return response


def _csv(headers, body) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(body)
    return ("\ufeff" + out.getvalue()).encode()


def _xlsx(headers, body) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in body:
        sheet.append([str(c) if c is not None else "" for c in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
