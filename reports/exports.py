"""CSV and Excel downloads of a report: the JSON answer's table, one column per figure.

Headers are the metrics' translated labels. The view renders exports with Chinese active,
because the sheets go to street and district offices whatever the browser's language. The
file is named after the report, the territory, the grouping and the period (in Chinese, as
RFC 6266's `filename*`, with an ASCII name for old clients). The workbook opens with a title
row (report, territory, period, time of export), fits its columns and sets the 合计 row in
bold; its rates are fractions that Excel shows as percentages. The CSV has no formats, so its
rates are written as a person reads them (99.72%); the JSON keeps the exact fractions. A null
rate is an empty cell.

Group names are typed by street staff (communities, grids, rooms, mediators). A spreadsheet
would run a name starting with `=`, `+`, `-` or `@` as a formula, so such a name is kept as
text: quoted in the CSV (as OWASP advises against formula injection), typed as a string in
the workbook.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from reports import metrics as m
from reports.selectors import Dimension

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Naming:
    """What a download is of: the report, the territory, the grouping and the period."""

    report: str
    territory: str
    group_by: str
    date_from: date | None = None
    date_to: date | None = None
    exported_at: datetime | None = None

    @property
    def period(self) -> str:
        if self.date_from and self.date_to:
            return _("%(start)s to %(end)s") % {"start": self.date_from, "end": self.date_to}
        if self.date_from:
            return _("from %(start)s") % {"start": self.date_from}
        if self.date_to:
            return _("up to %(end)s") % {"end": self.date_to}
        return _("whole history")

    def filename(self) -> str:
        grouping = _("by %(dimension)s") % {"dimension": self.group_by}
        return "-".join(_safe(part) for part in (self.report, self.territory, grouping, self.period))

    def title(self) -> str:
        exported = timezone.localtime(self.exported_at or timezone.now())
        return _("%(report)s · %(territory)s · %(period)s · exported %(time)s") % {
            "report": self.report,
            "territory": self.territory,
            "period": self.period,
            "time": f"{exported:%Y-%m-%d %H:%M}",
        }


def _safe(part: str) -> str:
    """A part of a file name: no path separators or characters file systems refuse."""
    return "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in str(part)).strip()


def table(report: dict, dimension: Dimension, metric_list: list[m.Metric]) -> tuple[list[str], list[list]]:
    """The header row and the body rows (groups, then the totals) of a report."""
    headers = [str(dimension.label), *(str(metric.label) for metric in metric_list)]

    def cells(figures: dict) -> list:
        out = []
        for metric in metric_list:
            value = figures[metric.name]
            out.append(value["value"] if isinstance(metric, m.Rate) else value)
        return out

    body = [[row["key"]["name"], *cells(row)] for row in report["rows"]]
    body.append([_("total"), *cells(report["totals"])])
    return headers, body


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(cell):
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return "" if cell is None else cell


def percent(value: float | None) -> str:
    """A rate as a person reads it in a sheet without formats: 0.9972 → 99.72%."""
    return "" if value is None else f"{value * 100:.2f}%"


def content_disposition(filename: str, ascii_name: str) -> str:
    """RFC 6266: `filename*` carries the Chinese name (RFC 5987 encoding), `filename` an ASCII
    one for clients that do not read the other."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _attachment(content: bytes, file_format: str, naming: Naming, ascii_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = content_disposition(
        f"{naming.filename()}.{file_format}", f"{ascii_name}.{file_format}"
    )
    return response


def csv_download(
    headers: list[str], body: list[list], naming: Naming, ascii_name: str, *, metric_list: list[m.Metric]
) -> HttpResponse:
    rate_columns = {index for index, metric in enumerate(metric_list, start=1) if isinstance(metric, m.Rate)}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in body:
        writer.writerow(
            [percent(cell) if index in rate_columns else _csv_text(cell) for index, cell in enumerate(row)]
        )
    # The byte-order mark makes Excel read the file as UTF-8 instead of the local code page.
    return _attachment(out.getvalue().encode("utf-8-sig"), "csv", naming, ascii_name)


def display_width(value) -> int:
    """How many columns of a fixed-width font a value takes: Chinese characters take two."""
    if value is None:
        return 0
    text = f"{value:.2f}" if isinstance(value, float) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


HEADER_WIDTH = 16  # a header wider than this wraps onto two lines instead of widening its column


def xlsx_download(
    headers: list[str],
    body: list[list],
    naming: Naming,
    ascii_name: str,
    *,
    title: str,
    metric_list: list[m.Metric],
) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit on sheet names
    sheet.append([naming.title()])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in body:
        sheet.append(row)
    first, last = 3, sheet.max_row
    for (cell,) in sheet.iter_rows(min_row=first, max_col=1):
        if cell.data_type == "f":  # a name openpyxl took for a formula stays the name
            cell.data_type = "s"
    for cell in sheet[last]:  # the 合计 row
        cell.font = Font(bold=True)
    # Column 1 is the group; the figures follow in metric order.
    for index, metric in enumerate(metric_list, start=2):
        number_format = {m.Rate: "0.00%", m.Hours: "0.00"}.get(type(metric))
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=first, min_col=index, max_col=index):
                cell.number_format = number_format
    _fit_columns(sheet, headers, body)
    sheet.freeze_panes = "B3"
    out = io.BytesIO()
    workbook.save(out)
    return _attachment(out.getvalue(), "xlsx", naming, ascii_name)


def _fit_columns(sheet, headers: list[str], body: list[list]) -> None:
    for index, header in enumerate(headers):
        values = [row[index] for row in body]
        widest = max(
            [display_width(v if not isinstance(v, float) else f"{v * 100:.2f}%") for v in values] or [0]
        )
        header_width = min(display_width(header), HEADER_WIDTH)
        sheet.column_dimensions[get_column_letter(index + 1)].width = max(widest, header_width, 6) + 2
    sheet.row_dimensions[2].height = 32  # two lines of a wrapped header
