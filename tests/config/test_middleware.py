"""The API's edge: request ids, bad text in parameters and headers, errors answered as JSON."""

import logging

import pytest
from django.db import connections
from django.urls import reverse

from grids import views as grid_views

pytestmark = pytest.mark.django_db

BAD_TEXT = "文本不能包含 NUL 字符或不成对的代理字符。"


# --- request ids --------------------------------------------------------------------------------


def test_every_answer_carries_a_request_id(world, api, client):
    first = api(world.admin_a).get(reverse("v1:grid-list"))
    second = api(world.admin_a).get(reverse("v1:grid-list"))
    page = client.get("/admin/login/")
    ids = [first["X-Request-ID"], second["X-Request-ID"], page["X-Request-ID"]]
    assert all(len(request_id) == 32 for request_id in ids)
    assert len(set(ids)) == 3


def test_a_well_formed_request_id_from_a_proxy_is_kept_and_a_bad_one_replaced(world, api):
    kept = api(world.admin_a).get(reverse("v1:grid-list"), HTTP_X_REQUEST_ID="proxy-1234-abcd")
    assert kept["X-Request-ID"] == "proxy-1234-abcd"
    replaced = api(world.admin_a).get(reverse("v1:grid-list"), HTTP_X_REQUEST_ID="a b\n<script>")
    assert len(replaced["X-Request-ID"]) == 32


# --- bad text in query parameters and headers ----------------------------------------------------


@pytest.mark.parametrize("param", ["search", "name", "ordering"])
def test_a_nul_in_a_query_parameter_is_400_naming_it(world, api, param):
    response = api(world.admin_a).get(reverse("v1:grid-list"), {param: "网格\x00"})
    assert response.status_code == 400
    assert response.json() == {param: [BAD_TEXT]}


def test_a_nul_in_a_case_search_is_a_field_map(world, api):
    response = api(world.admin_a).get(reverse("v1:case-list") + "?search=%00")
    assert response.status_code == 400
    assert response.json() == {"search": [BAD_TEXT]}


def test_a_nul_in_a_header_is_400_naming_the_header(world, api, category):
    from tests.cases.test_api_cases import payload

    response = api(world.worker_a).post(
        reverse("v1:case-list"), payload(world, category), format="json", HTTP_IDEMPOTENCY_KEY="k\x00"
    )
    assert response.status_code == 400
    assert response.json() == {"Idempotency-Key": [BAD_TEXT]}


# --- errors as JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v2/grids/", "/api/v1/grids/1/x/"])
def test_an_unknown_url_under_the_api_is_a_translated_json_404(world, api, path):
    response = api(world.admin_a).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。"}
    english = api(world.admin_a).get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"detail": "Not found."}


def test_an_unknown_url_outside_the_api_stays_a_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_server_error_is_a_generic_json_500_whose_id_the_log_carries(world, api, monkeypatch, caplog):
    def broken(self, request):
        raise RuntimeError("13812345678 went wrong")

    monkeypatch.setattr(grid_views.MeView, "get", broken)
    with caplog.at_level(logging.ERROR, logger="config.errors"):
        response = api(world.admin_a).get(reverse("v1:me"))
    assert response.status_code == 500
    body = response.json()
    assert body == {
        "detail": "服务器出错，请稍后再试。",
        "code": "server_error",
        "request_id": response["X-Request-ID"],
    }
    (record,) = [r for r in caplog.records if r.name == "config.errors"]
    assert record.request_id == response["X-Request-ID"]
    assert record.exc_info[0] is RuntimeError
    assert "13812345678" not in response.content.decode()


def test_the_log_line_of_a_server_error_names_the_request_id(world, api, monkeypatch, capsys):
    """The configured console handler writes the id next to the scrubbed traceback."""

    def broken(self, request):
        raise RuntimeError("13812345678 went wrong")

    monkeypatch.setattr(grid_views.MeView, "get", broken)
    handler = logging.getLogger().handlers[0]
    stream = handler.setStream(__import__("io").StringIO())
    try:
        response = api(world.admin_a).get(reverse("v1:me"))
        written = handler.stream.getvalue()
    finally:
        handler.setStream(stream)
    assert f"[{response['X-Request-ID']}] Server error on GET /api/v1/me/" in written
    assert "RuntimeError: 138****5678 went wrong" in written


@pytest.fixture
def unreachable_database(tmp_path, on_postgres):
    """The default connection swapped for one to a database that cannot be opened."""
    original = connections["default"]
    settings_dict = dict(original.settings_dict)
    if on_postgres:
        settings_dict.update(HOST="127.0.0.1", PORT="9", OPTIONS={"connect_timeout": 2})
    else:
        settings_dict.update(NAME=str(tmp_path / "missing" / "db.sqlite3"))
    broken = type(original)(settings_dict, alias="default")

    def swap():
        connections["default"] = broken

    yield swap
    broken.close()
    connections["default"] = original


def test_an_unreachable_database_is_503_with_retry_after(world, api, unreachable_database):
    client = api(world.admin_a)  # the token is written while the database is there
    unreachable_database()
    response = client.get(reverse("v1:grid-list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "detail": "服务暂时不可用，请稍后重试。",
        "code": "service_unavailable",
        "request_id": response["X-Request-ID"],
    }
