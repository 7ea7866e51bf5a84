"""The API plumbing every list shares: page and page size parameters."""

import pytest
from django.urls import reverse

from tests.factories import GridFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def grids_client(world, api):
    for n in range(25):
        GridFactory(community=world.community_a, name=f"分页网格{n}")
    return api(world.admin_a)


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "²", " 1"])
def test_a_page_that_is_not_a_positive_number_is_400_keyed_by_page(grids_client, page):
    response = grids_client.get(reverse("v1:grid-list"), {"page": page})
    assert response.status_code == 400
    assert response.json() == {"page": ["请输入一个正整数。"]}


@pytest.mark.parametrize("size", ["abc", "0", "²"])
def test_a_page_size_that_is_not_a_positive_number_is_400(grids_client, size):
    response = grids_client.get(reverse("v1:grid-list"), {"page_size": size})
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def test_pages_within_range_and_the_last_page(grids_client):
    second = grids_client.get(reverse("v1:grid-list"), {"page": "2"}).json()
    assert second["count"] == 28 and len(second["results"]) == 8
    last = grids_client.get(reverse("v1:grid-list"), {"page": "last"})
    assert last.status_code == 200
    assert last.json()["results"] == second["results"]


def test_a_page_past_the_last_one_stays_404(grids_client):
    response = grids_client.get(reverse("v1:grid-list"), {"page": "999"})
    assert response.status_code == 404
    assert "detail" in response.json()


def test_a_404_is_the_same_translated_answer_whatever_the_object(world, api):
    from django.urls import reverse

    client = api(world.admin_a)
    outside = client.get(reverse("v1:grid-detail", args=[world.grid_b1.pk]))
    missing = client.get(reverse("v1:community-detail", args=[999999]))
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json() == {"detail": "未找到。"}


# --- If-Match: any form of entity-tag, compared under the row lock ------------------------------


def _patch(client, case, if_match):
    return client.patch(
        reverse("v1:case-detail", args=[case.pk]),
        {"title": "纸箱已清"},
        format="json",
        HTTP_IF_MATCH=if_match,
    )


@pytest.mark.parametrize(
    "if_match", ['"stale-0"', 'W/"abc"', '""', '"1", "2"', 'W/"0"', '"99999999999999999999"']
)
def test_an_if_match_naming_no_current_version_is_412_and_writes_nothing(world, api, make_case, if_match):
    case = make_case("in_progress")  # reported, accepted, assigned, started: version 4
    assert case.version not in (0, 1, 2)
    response = _patch(api(world.admin_a), case, if_match)
    assert response.status_code == 412, response.json()
    assert response.json()["current_version"] == case.version
    assert response["ETag"] == f'"{case.version}"'
    case.refresh_from_db()
    assert case.title == "楼道堆放杂物" and not case.events.filter(action="update").exists()


@pytest.mark.parametrize(
    "template", ['"{v}"', 'W/"{v}"', '"1", "{v}"', '"stale-0", W/"{v}"', ' "{v}" , ', "*"]
)
def test_an_if_match_listing_the_current_version_or_a_star_matches(world, api, make_case, template):
    case = make_case("accepted")
    response = _patch(api(world.admin_a), case, template.format(v=case.version))
    assert response.status_code == 200, response.json()
    case.refresh_from_db()
    assert case.title == "纸箱已清"


@pytest.mark.parametrize("if_match", ["v7", '"1" "2"', ",", "1"])
def test_an_if_match_that_is_not_a_list_of_entity_tags_is_400(world, api, make_case, if_match):
    case = make_case("accepted")
    response = _patch(api(world.admin_a), case, if_match)
    assert response.status_code == 400
    assert response.json() == {"If-Match": ["不是实体标签列表。"]}
