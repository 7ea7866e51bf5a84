"""The OpenAPI schema describes every endpoint; Swagger UI is served without a CDN."""

import jsonschema
import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker, tmp_path_factory):
    out = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    return yaml.safe_load(out.read_text())


def test_schema_validates_and_lists_the_api(schema):
    paths = schema["paths"]
    for path in ["/api/v1/streets/", "/api/v1/grids/{id}/", "/api/v1/auth/token/", "/api/v1/me/"]:
        assert path in paths


def test_every_operation_documents_its_errors(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "patch", "delete"}:
                continue
            codes = set(operation["responses"])
            if path != "/api/v1/auth/token/":
                assert {"401", "403"} <= codes, (method, path)
            if "{id}" in path:
                assert "404" in codes, (method, path)
            if method in {"post", "patch"}:
                assert "400" in codes, (method, path)
            if method == "delete":
                assert "409" in codes, (method, path)


def test_swagger_ui_uses_local_assets(client):
    html = client.get(reverse("api-docs")).content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html
    assert client.get(reverse("schema")).status_code == 200


# --- the schema describes what the API answers: real answers validated against it --------------


def _resolve(schema, components):
    """An OpenAPI 3.0 schema as plain JSON Schema: references inlined, `nullable` as a type."""
    if isinstance(schema, list):
        return [_resolve(item, components) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _resolve(components[schema["$ref"].rsplit("/", 1)[1]], components)
    out = {
        key: _resolve(value, components)
        for key, value in schema.items()
        if key not in ("nullable", "readOnly", "writeOnly")
    }
    if schema.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def answer_schema(schema, path, method, status):
    operation = schema["paths"][path][method]
    assert str(status) in operation["responses"], f"{method} {path} does not document {status}"
    content = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    return _resolve(content, schema["components"]["schemas"])


def assert_described(schema, path, method, response):
    jsonschema.validate(response.json(), answer_schema(schema, path, method, response.status_code))


def test_a_400_is_described_as_a_map_of_field_to_messages(schema, world, api):
    client = api(world.admin_a)
    bad = client.post(reverse("v1:grid-list"), {"kind": "castle"}, format="json")
    assert bad.status_code == 400 and len(bad.json()) > 1
    assert_described(schema, "/api/v1/grids/", "post", bad)
    search = client.get(reverse("v1:case-list") + "?search=%00")
    assert search.status_code == 400
    assert_described(schema, "/api/v1/cases/", "get", search)
    unreadable = client.generic("POST", reverse("v1:grid-list"), b"{", "application/json")
    assert_described(schema, "/api/v1/grids/", "post", unreadable)


def test_a_cases_empty_satisfaction_and_a_mediations_empty_referral_are_described(
    schema, world, api, make_case
):
    from tests.factories import MediationCaseFactory

    case = make_case("accepted")
    detail = api(world.admin_a).get(reverse("v1:case-detail", args=[case.pk]))
    assert detail.json()["satisfaction"] == ""
    assert_described(schema, "/api/v1/cases/{id}/", "get", detail)
    mediation = MediationCaseFactory(case__grid=world.grid_a1)
    read = api(world.admin_a).get(f"/api/v1/mediation/cases/{mediation.pk}/")
    assert read.json()["referral"] == ""
    assert_described(schema, "/api/v1/mediation/cases/{id}/", "get", read)


@pytest.mark.parametrize(
    ("report", "group_by"), [("resolution", "street"), ("resolution", "month"), ("mediation", "room")]
)
def test_report_keys_are_described_as_numbers_strings_or_null(
    schema, world, api, make_case, report, group_by
):
    from tests.factories import MediationCaseFactory

    make_case("accepted")
    MediationCaseFactory(case__grid=world.grid_a1)
    response = api(world.admin_a).get(f"/api/v1/reports/{report}/", {"group_by": group_by})
    assert response.status_code == 200 and response.json()["rows"]
    assert_described(schema, f"/api/v1/reports/{report}/", "get", response)


def test_pages_are_described_with_their_minimum_and_the_404_past_the_last(schema, world, api):
    operation = schema["paths"]["/api/v1/grids/"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert parameters["page"]["oneOf"][0] == {"type": "integer", "minimum": 1}
    assert parameters["page"]["oneOf"][1]["enum"] == ["last", ""]
    # Sent empty, either is read as not sent (a browser's form sends every field).
    assert parameters["page_size"] == {
        "anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "enum": [""]}]
    }
    assert api(world.admin_a).get(reverse("v1:grid-list"), {"page": "", "page_size": ""}).status_code == 200
    past = api(world.admin_a).get(reverse("v1:grid-list"), {"page": 99})
    assert past.status_code == 404
    assert_described(schema, "/api/v1/grids/", "get", past)


def test_bodies_that_refuse_unknown_fields_say_so(schema):
    components = schema["components"]["schemas"]
    assert components["CaseCreateRequest"]["additionalProperties"] is False
    assert components["PatchedCaseUpdateRequest"]["additionalProperties"] is False


def test_every_operation_lists_the_answers_of_the_edge(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "patch", "delete"}:
                continue
            codes = set(operation["responses"])
            assert {"406", "500", "503"} <= codes, (method, path)
            if method in {"post", "patch"}:
                assert {"413", "415"} <= codes, (method, path)
    assert "429" in schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert {"409", "422"} <= set(schema["paths"]["/api/v1/cases/"]["post"]["responses"])
    assert "Retry-After" in schema["paths"]["/api/v1/grids/"]["get"]["responses"]["503"]["headers"]


def test_answers_of_the_edge_are_described(schema, world, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    client = api(world.admin_a)
    too_large = client.post(reverse("v1:grid-list"), {"name": "x" * 200}, format="json")
    assert too_large.status_code == 413
    assert_described(schema, "/api/v1/grids/", "post", too_large)
    not_acceptable = client.get(reverse("v1:grid-list"), HTTP_ACCEPT="text/csv")
    assert not_acceptable.status_code == 406
    assert_described(schema, "/api/v1/grids/", "get", not_acceptable)
