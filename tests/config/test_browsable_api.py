"""The browsable API: the root lists every endpoint, the frame is in the user's language and
laid out for phones, and the case forms are the inputs a request may send."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html", "HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_api_root_lists_every_top_level_endpoint(world, api):
    body = api(world.worker_a).get("/api/v1/").json()
    for path in (
        "cases",
        "cases/sync",
        "cases/nearby",
        "me",
        "me/work",
        "categories",
        "streets",
        "grids",
        "locate",
        "auth/token",
        "buildings",
        "key-persons",
        "mediation/cases",
        "reports/resolution",
        "notifications",
        "jobs",
    ):
        assert path in body, path
    assert body["me/work"].endswith("/api/v1/me/work/")
    assert not any("{" in url or "(?P" in url for url in body.values())


def test_the_api_root_answers_before_signing_in(client):
    response = client.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and "cases" in response.json()


def test_the_frame_is_in_chinese_with_a_viewport_for_phones(world):
    page = browser_for(world.worker_a).get(reverse("v1:case-list"), **HTML).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1"' in page
    assert '<html lang="zh-hans">' in page
    assert "网格治理 API" in page and "Django REST framework" not in page
    assert "HTML 表单" in page and "原始数据" in page
    assert "<h1>案件</h1>" in page
    assert "HTML form" not in page and "Raw data" not in page and "Make a GET request" not in page


def test_the_case_lists_form_holds_the_creates_inputs(world, category):
    page = browser_for(world.worker_a).get(reverse("v1:case-list"), **HTML).content.decode()
    form = page[page.index('id="post-object-form"') : page.index('id="post-generic-content-form"')]
    for name in ("title", "category", "grid", "address", "description", "on_the_spot", "resident"):
        assert f'name="{name}"' in form, name
    # Residents and houses are typed as ids, never listed by name in a picker.
    assert re.search(r'<input[^>]+name="resident"', form)


def test_the_detail_patch_form_holds_only_what_a_patch_may_change(world, make_case, category):
    case = make_case(contact_name="张秀兰", contact_phone="13812345678")
    page = browser_for(world.admin_a).get(reverse("v1:case-detail", args=[case.pk]), **HTML).content.decode()
    raw = html.unescape(page[page.index('id="put-generic-content-form"') :])
    textarea = raw[raw.index("<textarea") : raw.index("</textarea>")]
    assert '"title"' in textarea and '"address"' in textarea
    for refused in ('"status"', '"number"', '"is_overdue"', '"version"', '"events"', '"reporter"'):
        assert refused not in textarea, refused
    assert "13812345678" not in page and "张秀兰" not in page


# --- Swagger: written for the API's users, Chinese first, English second --------------------------


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_swagger_title_and_description_are_chinese_then_english(schema):
    assert schema["info"]["title"] == "网格治理 API · Grid Governance API"
    chinese, english = schema["info"]["description"].split("\n\n")
    assert "令牌" in chinese and "Sign in" in english


def test_every_operation_has_a_summary_in_chinese_then_english(schema):
    bilingual = re.compile(r"^[^A-Za-z]*[\u4e00-\u9fff][^·]* · [A-Z`a-z].*$")
    missing = [
        name for name, operation in operations(schema) if not bilingual.match(operation.get("summary", ""))
    ]
    assert missing == []


def test_no_docstring_is_shown_as_a_description(schema):
    text = str(schema["paths"])
    for internal in ("Adds `POST", "Cases in the caller's territory", "the code's readers", "DRF"):
        assert internal not in text
    sync = schema["paths"]["/api/v1/cases/sync/"]["post"]["description"]
    first, second = sync.split("\n\n")
    assert "逐条应答" in first and "answered on its own" in second


def test_the_case_lists_html_form_creates_a_case(world, category):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.worker_a)
    page = client.get(reverse("v1:case-list"), **HTML).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {"csrfmiddlewaretoken": token, "title": "楼道堆放杂物", "category": category.pk}
    form |= {"grid": world.grid_a1.pk, "source": "patrol", "priority": "normal", "address": "浒溪路 8 号"}
    response = client.post(reverse("v1:case-list"), form, **HTML)
    assert response.status_code == 201, response.content.decode()[-2000:]


def test_standard_answers_and_declared_headers_are_described_in_both_languages(schema):
    accept = schema["paths"]["/api/v1/cases/{id}/accept/"]["post"]
    assert (
        accept["responses"]["409"]["description"]
        == "当前状态下不允许此操作。 · Not allowed in the current state."
    )
    if_match = next(p for p in accept["parameters"] if p["name"] == "If-Match")
    assert if_match["description"] == "读取案件时得到的 ETag。 · The ETag read from the case."


def test_the_browsable_apis_sign_in_page_is_in_chinese(client):
    page = client.get("/api-auth/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "网格治理 API" in page and 'value="登录"' in page and 'name="viewport"' in page
    assert "Django REST framework" not in page
