"""CSV and Excel downloads: the JSON answer's table, with Chinese column headers."""

import csv
import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tests.reports.test_api import RESOLUTION, YEAR

pytestmark = pytest.mark.django_db

MEDIATION = "/api/v1/reports/mediation/"

RESOLUTION_HEADERS = [
    "事件总数",
    "立案数",
    "结案数",
    "结案率",
    "按期结案数",
    "按期结案率",
    "返工数",
    "返工率",
    "合并重复件数",
    "未结案件数",
    "超期未结数",
    "平均办结时长（小时）",
    "办结时长中位数（小时）",
    "网格内结案数",
    "网格内结案率",
    "上报升级数",
    "评价数",
    "满意数（含基本满意）",
    "满意率",
]
MEDIATION_HEADERS = [
    "受理纠纷数",
    "调解终结数",
    "调解成功数",
    "调解成功率",
    "调解协议数",
    "书面协议数",
    "书面协议占比",
    "司法确认数",
    "回访数",
    "履行数",
    "协议履行率",
]
FIELDS = [
    "total",
    "accepted",
    "closed",
    "closure_rate",
    "closed_on_time",
    "on_time_rate",
    "reworked",
    "rework_rate",
    "merged",
    "open_cases",
    "overdue_open",
    "mean_hours_to_close",
    "median_hours_to_close",
    "closed_at_grid",
    "grid_level_rate",
    "escalated",
    "feedback_given",
    "satisfied_feedback",
    "satisfaction_rate",
]


def _flat(figures: dict) -> list:
    """A JSON row's figures as the export writes them: a rate's value, other figures as they are."""
    return [figures[f]["value"] if isinstance(figures[f], dict) else figures[f] for f in FIELDS]


def _csv_cell(value) -> str:
    return "" if value is None else str(value)


def _csv_row(figures: dict) -> list[str]:
    """A JSON row as the CSV writes it: a rate as a person reads it (99.72%), counts as they are."""
    return [
        ("" if figures[f]["value"] is None else f"{figures[f]['value'] * 100:.2f}%")
        if isinstance(figures[f], dict)
        else _csv_cell(figures[f])
        for f in FIELDS
    ]


def _filename(response) -> str:
    """The Chinese file name of `filename*` (RFC 6266, RFC 5987 encoding)."""
    from urllib.parse import unquote

    star = response["Content-Disposition"].split("filename*=")[1]
    assert star.startswith("UTF-8''")
    return unquote(star[len("UTF-8''") :])


def test_csv_has_chinese_headers_and_the_json_figures(api, world, data):
    client = api(world.admin_a)
    params = {"group_by": "community", **YEAR}
    body = client.get(RESOLUTION, params).json()

    response = client.get(RESOLUTION, {**params, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    # The name says what the file is, in Chinese; old clients get the ASCII one.
    assert response["Content-Disposition"].startswith(
        'attachment; filename="resolution-community-2025-01-01_2025-12-31.csv"; filename*='
    )
    assert _filename(response) == "事件办结统计-圣泉街道-按村（社区）-2025-01-01至2025-12-31.csv"
    assert response.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == ["村（社区）", *RESOLUTION_HEADERS]
    expected = [[row["key"]["name"], *_csv_row(row)] for row in body["rows"]]
    expected.append(["合计", *_csv_row(body["totals"])])
    assert table[1:] == expected
    rate = body["totals"]["closure_rate"]["value"]
    assert table[-1][1 + FIELDS.index("closure_rate")] == f"{rate * 100:.2f}%"
    # The JSON keeps the exact fraction.
    assert isinstance(rate, float) and 0 < rate <= 1


def test_xlsx_has_chinese_headers_and_the_json_figures(api, world, data):
    client = api(world.superuser)
    params = {"group_by": "level", **YEAR}
    body = client.get(RESOLUTION, params, HTTP_ACCEPT_LANGUAGE="en").json()

    response = client.get(RESOLUTION, {**params, "format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "事件办结统计"
    assert _filename(response) == "事件办结统计-全部辖区-按处置层级-2025-01-01至2025-12-31.xlsx"
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    # A title row: report, territory, period and the time of export.
    title = rows[0][0]
    assert title.startswith("事件办结统计 · 全部辖区 · 2025-01-01至2025-12-31 · 导出时间 ")
    assert "A1" in {str(r).split(":")[0] for r in sheet.merged_cells.ranges}
    assert rows[1] == ["处置层级", *RESOLUTION_HEADERS]
    # The JSON followed the caller's English; the file is in Chinese whatever the browser says.
    assert body["rows"][0]["key"]["name"] == "grid"
    assert rows[2][0] == "网格"
    for row, json_row in zip(rows[2:-1], body["rows"], strict=True):
        assert row[1:] == _flat(json_row)
    assert rows[-1] == ["合计", *_flat(body["totals"])]
    assert all(cell.font.bold for cell in sheet[sheet.max_row])
    assert not sheet.cell(row=3, column=1).font.bold
    rate_column = 1 + FIELDS.index("closure_rate")
    assert sheet.cell(row=3, column=rate_column + 1).number_format == "0.00%"
    # Columns fit their contents: no figure is cut, no header is wider than two lines.
    for index in range(1, len(rows[1]) + 1):
        width = sheet.column_dimensions[get_column_letter(index)].width
        longest = max(len(str(row[index - 1])) for row in rows[2:])
        assert longest + 1 <= width <= 40, (rows[1][index - 1], width)


def test_mediation_csv(api, world, data):
    response = api(world.admin_a).get(MEDIATION, {"group_by": "room", "format": "csv"})
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == ["调解室", *MEDIATION_HEADERS]
    assert table[-1][0] == "合计"
    assert "未指定调解室" in [row[0] for row in table]


def test_an_export_checks_its_parameters_like_the_json(api, world):
    client = api(world.admin_a)
    response = client.get(RESOLUTION, {"format": "csv", "from": "soon"})
    assert response.status_code == 400 and list(response.json()) == ["from"]
    assert client.get(RESOLUTION, {"format": "csv", "street": world.street_b.pk}).status_code == 404
    assert api(world.worker_a).get(RESOLUTION, {"format": "xlsx"}).status_code == 403


def test_an_export_takes_the_same_number_of_queries(api, world, data, django_assert_num_queries):
    client = api(world.admin_a)
    # The JSON's queries and one more: the territory's name, for the file's name and title.
    with django_assert_num_queries(5):
        assert client.get(RESOLUTION, {"group_by": "street", "format": "xlsx"}).status_code == 200


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)"])
def test_a_group_name_that_looks_like_a_formula_stays_text(api, world, data, name):
    from grids.models import Community

    Community.objects.filter(pk=world.community_a.pk).update(name=name)
    client = api(world.admin_a)
    params = {"group_by": "community", **YEAR}

    csv_rows = list(
        csv.reader(
            io.StringIO(client.get(RESOLUTION, {**params, "format": "csv"}).content.decode("utf-8-sig"))
        )
    )
    sheet = load_workbook(io.BytesIO(client.get(RESOLUTION, {**params, "format": "xlsx"}).content)).active

    assert ["'" + name] == [row[0] for row in csv_rows if row[0].endswith(name)]
    cells = [row[0] for row in sheet.iter_rows(min_row=3) if row[0].value == name]
    assert len(cells) == 1 and cells[0].data_type == "s"


# --- content negotiation: the download's media type is what `Accept` is matched against ---------


@pytest.mark.parametrize(
    ("file_format", "accept"),
    [
        ("csv", "text/csv"),
        ("csv", "text/*"),
        ("csv", "*/*"),
        ("csv", "text/html,application/xhtml+xml,*/*;q=0.8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("xlsx", "*/*"),
    ],
)
def test_a_download_is_answered_to_a_client_that_accepts_its_type(api, world, data, file_format, accept):
    response = api(world.admin_a).get(RESOLUTION, {"format": file_format, **YEAR}, HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == (
        "text/csv"
        if file_format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


@pytest.mark.parametrize(
    ("params", "accept"),
    [
        ({"format": "csv"}, "application/json"),
        ({"format": "xlsx"}, "text/csv"),
        ({"format": "json"}, "text/csv"),
    ],
)
def test_a_client_that_does_not_accept_the_answers_type_gets_a_json_406(api, world, params, accept):
    response = api(world.admin_a).get(MEDIATION, params, HTTP_ACCEPT=accept)
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["detail"]


def test_errors_of_a_download_are_json(api, world):
    client = api(world.admin_a)
    bad = client.get(RESOLUTION, {"format": "csv", "from": "soon"}, HTTP_ACCEPT="text/csv")
    assert bad.status_code == 400 and bad["Content-Type"] == "application/json"
    assert list(bad.json()) == ["from"]
    refused = api(world.worker_a).get(
        RESOLUTION,
        {"format": "xlsx"},
        HTTP_ACCEPT="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    assert refused.status_code == 403 and refused["Content-Type"] == "application/json"


def test_accept_alone_chooses_the_download(api, world, data):
    client = api(world.admin_a)
    csv_file = client.get(MEDIATION, YEAR, HTTP_ACCEPT="text/csv")
    assert csv_file.status_code == 200 and csv_file["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_file.content.decode("utf-8-sig").splitlines()[0].split(",")[0] == "街道"
    assert client.get(MEDIATION, YEAR, HTTP_ACCEPT="application/json").json()["group_by"] == "street"
