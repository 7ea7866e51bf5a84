"""The dashboard page: reached from the admin index, for staff only, with no outside assets."""

import re

import pytest
from django.contrib.staticfiles import finders

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/reports/dashboard/"


def test_the_admin_index_links_to_the_dashboard(client, world):
    client.force_login(world.admin_a)
    html = client.get("/admin/").content.decode()
    assert f'href="{DASHBOARD}"' in html


def test_staff_see_the_form_tables_and_chart_areas(client, world):
    client.force_login(world.admin_a)
    response = client.get(DASHBOARD, {"from": "2025-01-01", "to": "2025-12-31"})

    assert response.status_code == 200
    html = response.content.decode()
    for element in [
        'id="chart-rates"',
        'id="chart-trend"',
        'id="chart-categories"',
        'id="table-communities"',
    ]:
        assert element in html
    assert 'value="2025-01-01"' in html and 'value="2025-12-31"' in html
    # Only the caller's territory is offered.
    assert world.street_a.name in html and world.street_b.name not in html
    assert "/static/reports/dashboard.js" in html
    assert 'data-field="closure_rate"' in html


def test_no_asset_comes_from_another_site(client, world):
    client.force_login(world.superuser)
    html = client.get(DASHBOARD).content.decode()
    external = re.findall(r'(?:src|href)="(https?:)?//', html)
    assert external == []
    with open(finders.find("reports/dashboard.js"), encoding="utf-8") as file:
        script = file.read()
    assert "http://" not in script.replace("http://www.w3.org/2000/svg", "") and "https://" not in script


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_users_who_are_not_staff_are_sent_to_the_login(client, world):
    client.force_login(world.worker_a)  # grid workers have no staff status
    assert client.get(DASHBOARD).status_code == 302


def test_staff_without_a_reporting_role_are_told_so(client, world):
    client.force_login(UserFactory(username="clerk", is_staff=True))
    html = client.get(DASHBOARD).content.decode()
    assert 'class="errornote"' in html
