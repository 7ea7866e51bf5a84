"""The admin's base-data pages: in Chinese, scoped, masked, key persons as visible as in the API."""

import pytest
from django.urls import reverse

from grids.models import PersonalDataReveal
from tests.factories import KeyPersonFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "admin:registry_building_changelist",
    "admin:registry_house_changelist",
    "admin:registry_resident_changelist",
    "admin:registry_keyperson_changelist",
    "admin:registry_visit_changelist",
    "admin:registry_organisation_changelist",
    "admin:registry_facility_changelist",
    "admin:registry_residenttag_changelist",
    "admin:registry_keypersoncategory_changelist",
    "admin:registry_visitrule_changelist",
    "admin:registry_safetytag_changelist",
    "admin:registry_facilitytype_changelist",
    "admin:registry_residentexport_changelist",
    "admin:registry_resident_import",
]


@pytest.mark.parametrize("page", PAGES)
def test_base_data_pages_render_in_chinese(world, place, client, page):
    client.force_login(world.superuser)
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert "网格化治理管理后台" in response.content.decode()


def test_the_resident_list_is_masked_and_scoped(world, place, client):
    client.force_login(world.admin_a)
    text = client.get(reverse("admin:registry_resident_changelist")).content.decode()
    assert "张**" in text and place.resident.id_number not in text and "13900001111" not in text
    assert "李**" not in text  # street B's resident


def test_opening_a_resident_to_edit_is_an_audited_reveal(world, place, client):
    client.force_login(world.admin_a)
    response = client.get(reverse("admin:registry_resident_change", args=[place.resident.pk]))
    assert response.status_code == 200 and place.resident.id_number in response.content.decode()
    assert set(PersonalDataReveal.objects.values_list("field", flat=True)) == {"name", "id_number", "phone"}
    other = client.get(reverse("admin:registry_resident_change", args=[place.resident_b.pk]))
    assert other.status_code == 302  # Django's admin sends a missing object back to the list


def test_a_viewer_reads_residents_masked_and_cannot_edit(world, place, client):
    world.viewer.is_staff = True
    world.viewer.save()
    client.force_login(world.viewer)
    response = client.get(reverse("admin:registry_resident_change", args=[place.resident.pk]))
    text = response.content.decode()
    assert response.status_code == 200 and place.resident.id_number not in text and "张**" in text
    assert not PersonalDataReveal.objects.exists()


def test_residents_are_searched_by_whole_number_or_by_name_within_a_building(world, place, client):
    client.force_login(world.admin_a)
    url = reverse("admin:registry_resident_changelist")
    assert "张**" in client.get(url, {"q": place.resident.id_number}).content.decode()
    assert "张**" not in client.get(url, {"q": place.resident.id_number[:8]}).content.decode()
    assert "张**" in client.get(url, {"q": "13900001111"}).content.decode()
    assert "张**" not in client.get(url, {"q": "张"}).content.decode()
    narrowed = client.get(url, {"q": "张", "house__building__id__exact": place.building.pk})
    assert "张**" in narrowed.content.decode()


def test_key_persons_in_the_admin_follow_their_visibility(world, place, client, worker_a):
    KeyPersonFactory(resident=place.resident, grid=world.grid_a1, responsible_worker=worker_a)
    url = reverse("admin:registry_keyperson_changelist")
    client.force_login(world.admin_a)
    assert "张**" in client.get(url).content.decode()
    client.force_login(world.staff_a)
    response = client.get(url)
    assert response.status_code == 200 and "张**" not in response.content.decode()


def test_the_visit_rules_are_edited_by_superusers_only(world, client):
    from registry.models import VisitRule

    rule = VisitRule.objects.first()
    url = reverse("admin:registry_visitrule_change", args=[rule.pk])
    client.force_login(world.admin_a)
    client.post(url, {"category": rule.category_id, "risk_level": rule.risk_level, "interval_days": 2})
    rule.refresh_from_db()
    assert rule.interval_days != 2
    client.force_login(world.superuser)
    response = client.post(
        url, {"category": rule.category_id, "risk_level": rule.risk_level, "interval_days": 2}
    )
    rule.refresh_from_db()
    assert response.status_code == 302 and rule.interval_days == 2


def test_a_building_added_in_the_admin_goes_through_the_service(world, client):
    from registry.models import Building

    client.force_login(world.admin_a)
    response = client.post(
        reverse("admin:registry_building_add"),
        {
            "grid": world.grid_a1.pk,
            "code": "A1-77",
            "name": "七栋",
            "address": "浒溪路 77 号",
            "floors": 6,
            "units": 1,
            "use": "residential",
            "leader_name": "",
            "leader_phone": "",
            "property_company": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    building = Building.objects.get(code="A1-77")
    assert building.community == world.community_a
