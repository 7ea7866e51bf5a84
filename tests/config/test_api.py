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
