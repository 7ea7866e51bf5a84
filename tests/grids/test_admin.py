"""The admin speaks Chinese by default and shows each admin only their territory."""

import pytest
from django.urls import reverse

from grids.models import Community, Grid, GridWorker, PersonalDataReveal, Street, UserScope
from tests.factories import CoGovernanceMemberFactory, GridFactory, MicroGridFactory, UserFactory

pytestmark = pytest.mark.django_db

EVERYONE = {"superuser", "admin_a"}
# model: (who opens its list, who opens its add page); anyone else gets 403.
ADMIN_PAGES = {
    "street": (EVERYONE, {"superuser"}),
    "community": (EVERYONE, EVERYONE),
    "grid": (EVERYONE, EVERYONE),
    "microgrid": (EVERYONE, EVERYONE),
    "gridworker": (EVERYONE, EVERYONE),
    "cogovernancemember": (EVERYONE, EVERYONE),
    "userscope": ({"superuser"}, {"superuser"}),
    "personaldatareveal": ({"superuser"}, set()),
}


@pytest.mark.parametrize("who", ["superuser", "admin_a"])
@pytest.mark.parametrize("page", ["changelist", "add"])
@pytest.mark.parametrize("model", ADMIN_PAGES)
def test_every_admin_list_and_add_page_renders_in_chinese(world, client, model, page, who):
    MicroGridFactory(grid=world.grid_a1)
    CoGovernanceMemberFactory(community=world.community_a)
    client.force_login(getattr(world, who))
    response = client.get(reverse(f"admin:grids_{model}_{page}"))
    allowed = ADMIN_PAGES[model][0 if page == "changelist" else 1]
    if who not in allowed:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "网格化治理管理后台" in html


def test_admin_index_and_grid_form_are_chinese(world, client):
    client.force_login(world.superuser)
    index = client.get(reverse("admin:index")).content.decode()
    assert "网格与人员" in index and "微网格" in index
    form = client.get(reverse("admin:grids_grid_change", args=[world.grid_a1.pk])).content.decode()
    for label in ["编码", "网格党支部", "户数", "城镇住宅网格"]:
        assert label in form


def test_admin_switches_to_english_on_request(world, client):
    client.force_login(world.superuser)
    html = client.get(reverse("admin:grids_grid_changelist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Grid governance administration" in html


def test_street_admin_sees_only_their_street_in_the_admin(world, client):
    world.admin_a.is_staff = True
    world.admin_a.save()
    client.force_login(world.admin_a)
    html = client.get(reverse("admin:grids_grid_changelist")).content.decode()
    assert "浒溪一网格" in html and "灌坝一网格" not in html
    assert client.get(reverse("admin:grids_grid_change", args=[world.grid_b1.pk])).status_code == 302
    # Access to the scope table is for superusers only.
    assert client.get(reverse("admin:grids_userscope_changelist")).status_code == 403


def test_street_admin_edits_a_grid_through_the_admin(world, client):
    client.force_login(world.admin_a)
    world.admin_a.is_staff = True
    world.admin_a.save()
    url = reverse("admin:grids_grid_change", args=[world.grid_a2.pk])
    data = {
        "community": world.community_a.pk,
        "code": world.grid_a2.code,
        "name": "浒溪二网格",
        "kind": "urban_residential",
        "residents": 1900,
        "households": 640,
        "party_branch": "第二党支部",
        "micro_grids-TOTAL_FORMS": 0,
        "micro_grids-INITIAL_FORMS": 0,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Grid.objects.get(pk=world.grid_a2.pk).party_branch == "第二党支部"


def test_district_viewer_reads_the_admin_without_changing_or_seeing_phones(world, client):
    member = CoGovernanceMemberFactory(community=world.community_a, phone="13987654321")
    world.viewer.is_staff = True
    world.viewer.save()
    client.force_login(world.viewer)
    html = client.get(reverse("admin:grids_cogovernancemember_change", args=[member.pk])).content.decode()
    assert "139****4321" in html and "13987654321" not in html
    assert client.get(reverse("admin:grids_grid_add")).status_code == 403


def test_opening_a_member_form_to_edit_is_an_audited_reveal(world, client):
    member = CoGovernanceMemberFactory(community=world.community_a, phone="13987654321")
    client.force_login(world.superuser)
    listing = client.get(reverse("admin:grids_cogovernancemember_changelist")).content.decode()
    assert "13987654321" not in listing and "139****4321" in listing
    client.get(reverse("admin:grids_cogovernancemember_change", args=[member.pk]))
    assert sorted(PersonalDataReveal.objects.values_list("field", flat=True)) == ["name", "phone"]


def test_admin_refuses_to_delete_a_grid_that_has_micro_grids(world, client):
    MicroGridFactory(grid=world.grid_a2, name="5栋")
    client.force_login(world.superuser)
    response = client.post(reverse("admin:grids_grid_delete", args=[world.grid_a2.pk]), {"post": "yes"})
    # Django shows the protected objects instead of deleting
    assert response.status_code == 200
    html = response.content.decode()
    assert "无法删除 网格" in html and "将要求删除以下受保护的相关对象" in html and "5栋" in html
    assert Grid.objects.filter(pk=world.grid_a2.pk).exists()


def test_admin_refuses_to_delete_a_grid_still_covered_by_a_worker(world, client):
    # Given grid A1, covered by worker A: Django would drop the coverage rows without a word
    client.force_login(world.admin_a)
    # When the street admin confirms its deletion
    response = client.post(
        reverse("admin:grids_grid_delete", args=[world.grid_a1.pk]), {"post": "yes"}, follow=True
    )
    # Then the page shows the service's reason and the grid and its coverage remain
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["浒溪一网格 下仍有网格员，不能删除。"]
    assert "浒溪一网格 下仍有网格员，不能删除。" in response.content.decode()
    assert GridWorker.objects.get(user=world.worker_a).grids.get() == world.grid_a1


def test_a_refused_row_in_a_bulk_delete_deletes_nothing(world, client):
    # Given an empty grid and grid A1, still covered by worker A, both selected in the list
    empty = GridFactory(community=world.community_a, name="空网格")
    client.force_login(world.admin_a)
    data = {"action": "delete_selected", "_selected_action": [empty.pk, world.grid_a1.pk], "post": "yes"}
    # When the street admin confirms "delete selected"
    response = client.post(reverse("admin:grids_grid_changelist"), data, follow=True)
    # Then the reason is shown and neither grid is deleted
    assert response.status_code == 200
    assert "浒溪一网格 下仍有网格员，不能删除。" in [str(m) for m in response.context["messages"]]
    assert Grid.objects.filter(pk__in=[empty.pk, world.grid_a1.pk]).count() == 2


def test_admin_refuses_to_change_a_community_code_while_it_has_grids(world, client):
    client.force_login(world.admin_a)
    data = {
        "street": world.street_a.pk,
        "kind": "urban",
        "name": "浒溪社区",
        "code": world.street_a.code + "999",
        "population": 6000,
    }
    response = client.post(
        reverse("admin:grids_community_change", args=[world.community_a.pk]), data, follow=True
    )
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert "浒溪社区" in message and "网格" in message  # the node and what refers to it
    assert Community.objects.get(pk=world.community_a.pk).code == world.community_a.code


def test_street_admin_sees_their_streets_district_read_only(world, client):
    client.force_login(world.admin_a)
    url = reverse("admin:grids_street_change", args=[world.street_a.pk])
    assert 'name="district_code"' not in client.get(url).content.decode()
    data = {
        "name": "圣泉街道",
        "code": world.street_a.code,
        "abbreviation": "SQ",
        "district_name": "南川区",
        "district_code": "500119",
    }
    assert client.post(url, data).status_code == 302
    assert Street.objects.filter(pk=world.street_a.pk).values_list(
        "district_code", "district_name"
    ).get() == (
        "500116",
        "江津区",
    )


# Every admin list that filters by a street, community or grid, in every app.
FILTERED_LISTS = [
    "admin:grids_community_changelist",
    "admin:grids_grid_changelist",
    "admin:grids_microgrid_changelist",
    "admin:grids_gridworker_changelist",
    "admin:grids_cogovernancemember_changelist",
    "admin:cases_case_changelist",
    "admin:mediation_mediationroom_changelist",
    "admin:mediation_mediator_changelist",
    "admin:mediation_mediationcase_changelist",
]


@pytest.mark.parametrize("page", FILTERED_LISTS)
def test_list_filters_offer_only_the_street_admins_own_territory(world, client, page):
    # Given a street admin of street A signed in to the admin
    world.admin_a.is_staff = True
    world.admin_a.save()
    client.force_login(world.admin_a)
    # When they open a list page with filters
    response = client.get(reverse(page))
    # Then no filter names street B or its community
    assert response.status_code == 200
    html = response.content.decode()
    assert "东城街道" not in html and "灌坝社区" not in html


def test_superusers_filters_offer_every_street(world, client):
    client.force_login(world.superuser)
    html = client.get(reverse("admin:grids_grid_changelist")).content.decode()
    assert "东城街道" in html and "圣泉街道" in html


def worker_form(world, user, **overrides):
    return {
        "user": user.pk,
        "street": world.street_a.pk,
        "name": "李四",
        "kind": "full_time",
        "phone": "13800001111",
        "grids": [world.grid_a2.pk],
        "is_active": "on",
        **overrides,
    }


def test_a_grid_outside_the_workers_street_is_a_form_error_that_keeps_the_input(world, client):
    # Given a superuser adding a worker of street A who would cover a grid of street B
    client.force_login(world.superuser)
    user = UserFactory(username="new-worker")
    data = worker_form(world, user, grids=[world.grid_b1.pk])
    # When they save the form
    response = client.post(reverse("admin:grids_gridworker_add"), data)
    # Then the form comes back with the error on the grids and the input kept, and nothing is saved
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {"grids": ["网格 灌坝一网格 不属于 圣泉街道。"]}
    assert 'value="李四"' in response.content.decode()
    assert not GridWorker.objects.filter(user=user).exists()
    assert not UserScope.objects.filter(user=user).exists()


def test_street_admin_opens_a_worker_with_a_free_account(world, client):
    # Given an account with no role yet, beside the world's admins, workers and superuser
    free = UserFactory(username="free-account")
    client.force_login(world.admin_a)
    # When the street admin opens the add form
    page = client.get(reverse("admin:grids_gridworker_add"))
    # Then only the accounts without a role are offered (the world's "nobody" is one)
    assert page.status_code == 200
    choices = [label for _value, label in page.context["adminform"].form.fields["user"].choices]
    assert choices[1:] == ["free-account", "nobody"]
    # and saving links it, with the grid-worker scope
    response = client.post(reverse("admin:grids_gridworker_add"), worker_form(world, free))
    assert response.status_code == 302
    worker = GridWorker.objects.get(user=free)
    assert (worker.street, list(worker.grids.all())) == (world.street_a, [world.grid_a2])
    assert UserScope.objects.get(user=free).role == "grid_worker"


@pytest.mark.parametrize("account", ["admin_b", "worker_b", "superuser"])
def test_an_account_with_another_role_cannot_become_a_worker(world, client, account):
    # Given street A's admin posting the add form with street B's admin (or a worker, a superuser)
    client.force_login(world.admin_a)
    user = getattr(world, account)
    scopes_before = list(UserScope.objects.values_list("user_id", "role", "street_id"))
    # When the form is saved
    response = client.post(reverse("admin:grids_gridworker_add"), worker_form(world, user))
    # Then the account is refused on the form and nothing changes
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["user"]
    assert not GridWorker.objects.filter(user=user, street=world.street_a).exists()
    assert list(UserScope.objects.values_list("user_id", "role", "street_id")) == scopes_before


def test_the_service_refuses_an_account_with_another_role_whatever_the_form(world):
    from config.errors import InvalidInput
    from grids.scope import scope_for
    from grids.services import grid_worker_admin_save

    worker = GridWorker(user=world.admin_b, street=world.street_a, name="李四", kind="full_time")
    with pytest.raises(InvalidInput) as refused:
        grid_worker_admin_save(scope=scope_for(world.admin_a), worker=worker)
    assert refused.value.field == "user"
    assert not GridWorker.objects.filter(user=world.admin_b).exists()


def test_a_workers_account_is_read_only_once_opened(world, client):
    client.force_login(world.admin_a)
    worker = GridWorker.objects.get(user=world.worker_a)
    html = client.get(reverse("admin:grids_gridworker_change", args=[worker.pk])).content.decode()
    assert 'name="user"' not in html and "worker-a" in html


def test_deleting_a_worker_in_the_admin_closes_their_login(world, client):
    client.force_login(world.admin_a)
    worker = GridWorker.objects.get(user=world.worker_a)
    response = client.post(reverse("admin:grids_gridworker_delete", args=[worker.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not GridWorker.objects.filter(pk=worker.pk).exists()
    world.worker_a.refresh_from_db()
    assert not world.worker_a.is_active
    assert not UserScope.objects.filter(user=world.worker_a).exists()
