"""CSV and Excel downloads of a report: the JSON answer's table, one column per figure.

Headers are the metrics' translated labels. The view renders exports with Chinese active,
because the sheets go to street and district offices whatever the browser's language.
Rates are written as fractions (Excel shows them as percentages); a null rate is an empty cell.

Group names are typed by street staff (communities, grids, rooms, mediators). A spreadsheet
would run a name starting with `=`, `+`, `-` or `@` as a formula, so such a name is kept as
text: quoted in the CSV (as OWASP advises against formula injection), typed as a string in
the workbook.
"""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from reports import metrics as m
from reports.selectors import Dimension

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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


def _attachment(content: bytes, file_format: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    return response


def csv_download(headers: list[str], body: list[list], filename: str) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([[_csv_text(cell) for cell in row] for row in body])
    # The byte-order mark makes Excel read the file as UTF-8 instead of the local code page.
    return _attachment(out.getvalue().encode("utf-8-sig"), "csv", filename)


def xlsx_download(
    headers: list[str], body: list[list], filename: str, *, title: str, metric_list: list[m.Metric]
) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit on sheet names
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in body:
        sheet.append(row)
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        if cell.data_type == "f":  # a name openpyxl took for a formula stays the name
            cell.data_type = "s"
    # Column 1 is the group; the figures follow in metric order.
    for index, metric in enumerate(metric_list, start=2):
        number_format = {m.Rate: "0.00%", m.Hours: "0.00"}.get(type(metric))
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 24
    out = io.BytesIO()
    workbook.save(out)
    return _attachment(out.getvalue(), "xlsx", filename)
