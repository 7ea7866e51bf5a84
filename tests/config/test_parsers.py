"""Request bodies: nesting, NUL characters and unpaired surrogates are a 400, never a 500."""

import json

import pytest
from django.urls import reverse

from cases.models import Case, IdempotencyKey
from grids.models import Community
from tests.cases.test_api_cases import payload

pytestmark = pytest.mark.django_db

BAD_TEXT = "文本不能包含 NUL 字符或不成对的代理字符。"


def post_json(client, url, raw: str, **headers):
    return client.generic("POST", url, raw.encode("utf-8", "surrogatepass"), "application/json", **headers)


def test_a_body_of_deeply_nested_brackets_is_400(world, api):
    response = post_json(api(world.admin_a), reverse("v1:community-list"), "[" * 100_000)
    assert response.status_code == 400
    assert list(response.json()) == ["detail"]


def test_a_body_nested_deeper_than_the_limit_but_parseable_is_400(world, api):
    body = {"name": json.loads("[" * 40 + "]" * 40)}
    response = api(world.admin_a).post(reverse("v1:community-list"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体的嵌套超过 32 层。"}


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "\x00", "整改\x00"])
def test_bad_text_in_a_string_field_is_400_on_that_field(world, api, bad):
    raw = json.dumps({"name": bad, "code": world.street_a.code + "901", "kind": "urban"})
    response = post_json(api(world.admin_a), reverse("v1:community-list"), raw)
    assert response.status_code == 400
    assert response.json() == {"name": [BAD_TEXT]}
    assert not Community.objects.filter(code=world.street_a.code + "901").exists()


def test_bad_text_in_a_nested_value_or_a_key_names_the_top_level_field(world, api):
    raw = json.dumps({"name": ["ok", {"x": "\ud83d"}], "code": world.street_a.code + "901", "kind": "urban"})
    response = post_json(api(world.admin_a), reverse("v1:community-list"), raw)
    assert response.status_code == 400
    assert response.json() == {"name": [BAD_TEXT]}
    bad_key = post_json(api(world.worker_a), reverse("v1:case-list"), json.dumps({"\x00": 1}))
    assert bad_key.status_code == 400
    assert bad_key.json() == {"non_field_errors": [BAD_TEXT]}


def test_bad_text_in_a_sync_item_is_left_to_that_items_answer(world, api):
    # The batch is answered item by item (tests/cases/test_api_cases.py): its parser lets
    # the items through, and still refuses bad text elsewhere in the body, and any depth.
    raw = json.dumps({"items": [{"idempotency_key": "k1", "case": {"title": "\ud83d"}}]})
    response = post_json(api(world.worker_a), reverse("v1:case-sync"), raw)
    assert response.status_code == 200
    assert response.json()["results"][0]["body"] == {"title": [BAD_TEXT]}
    elsewhere = post_json(api(world.worker_a), reverse("v1:case-sync"), json.dumps({"items": [], "\x00": 1}))
    assert elsewhere.status_code == 400
    assert elsewhere.json() == {"non_field_errors": [BAD_TEXT]}
    deep_raw = '{"items": [' + "[" * 40 + "]" * 40 + "]}"
    deep = post_json(api(world.worker_a), reverse("v1:case-sync"), deep_raw)
    assert deep.status_code == 400
    assert deep.json() == {"detail": "请求体的嵌套超过 32 层。"}
    assert not Case.objects.exists() and not IdempotencyKey.objects.exists()


def test_a_nul_with_an_idempotency_key_is_400_and_stores_no_key(world, api, category):
    # A NUL in a name the create does not know would be echoed in the 400 stored under the key:
    # PostgreSQL's JSON refuses it.
    raw = json.dumps({**payload(world, category), "ti\x00tle": "x"})
    response = post_json(api(world.worker_a), reverse("v1:case-list"), raw, HTTP_IDEMPOTENCY_KEY="nul-1")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [BAD_TEXT]}
    assert not IdempotencyKey.objects.exists() and not Case.objects.exists()


def test_invalid_json_is_a_translated_400_that_does_not_echo_the_body(world, api):
    response = post_json(api(world.admin_a), reverse("v1:community-list"), '{"name": 13812345678')
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体不是有效的 JSON（第 1 行，第 21 列）。"}
    english = post_json(
        api(world.admin_a), reverse("v1:community-list"), "{", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert english == {"detail": "The body is not valid JSON (line 1, column 2)."}


@pytest.mark.parametrize("raw", [b"\xff\xfe{}", b'{"name": "\xed\xa0\x80"}'])
def test_a_body_that_is_not_utf8_is_400(world, api, raw):
    response = api(world.admin_a).generic("POST", reverse("v1:community-list"), raw, "application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体不是有效的 UTF-8 文本。"}


def test_a_json_body_over_the_size_limit_is_413_json(world, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    raw = json.dumps({"name": "长" * 2000})
    response = post_json(api(world.admin_a), reverse("v1:community-list"), raw)
    assert response.status_code == 413
    assert response.json() == {"detail": "请求体超过 2 KB。"}


def test_a_form_body_over_the_size_limit_is_413_json(world, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    response = api(world.admin_a).post(reverse("v1:community-list"), {"name": "x" * 4000}, format="multipart")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] == "请求体超过 2 KB。"


def test_a_nul_in_a_form_field_is_400_on_that_field(world, api):
    response = api(world.admin_a).post(
        reverse("v1:community-list"), {"name": "a\x00b", "kind": "urban"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {"name": [BAD_TEXT]}


def test_a_broken_multipart_body_is_a_translated_400(world, api):
    response = api(world.admin_a).generic(
        "POST", reverse("v1:community-list"), b"--x\r\nnot a part", "multipart/form-data"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体不是有效的 multipart 表单。"}
