"""The OpenAPI schema describes every endpoint; Swagger UI is served without a CDN."""

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
