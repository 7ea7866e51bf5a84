"""Role (403) and territory (404) for every write on a case, by each role that is not the centre."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case, CaseAttachment, CaseEvent
from tests.cases.files import PNG
from tests.cases.test_api_actions import ACTIONS, body_for, post
from tests.conftest import CaseMaker
from tests.factories import CategoryFactory, GridWorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_street_case(world):
    """Cases of a category the street's centre handles: street level from the report on."""
    return CaseMaker(world, CategoryFactory(name="占道经营", default_triage="big", default_level="street"))


def assert_nothing_written(case):
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.version, after.title) == (case.status, case.version, case.title)
    assert CaseEvent.objects.filter(case=case).count() == case.events.count()
    assert not CaseAttachment.objects.filter(case=case).exists()


def patch(client, case, body=None):
    return client.patch(reverse("v1:case-detail", args=[case.pk]), body or {"title": "改标题"}, format="json")


def attach(client, case):
    return client.post(
        reverse("v1:case-attachments", args=[case.pk]),
        {"file": SimpleUploadedFile("a.png", PNG, content_type="image/png")},
        format="multipart",
    )


# --- community staff ------------------------------------------------------------------------

CENTRE_ACTIONS_FOR_STAFF = ["start", "resolve", "verify", "escalate", "extend", "reject"]


@pytest.mark.parametrize("action", CENTRE_ACTIONS_FOR_STAFF)
def test_community_staff_may_not_act_on_a_street_level_case_of_their_community(
    world, api, make_street_case, action
):
    status, good, _bad, _field = ACTIONS[action]
    case = make_street_case(status)
    assert (case.level, case.community_id) == ("street", world.community_a.pk)
    response = post(api(world.staff_a), action, case, body_for(world, good))
    assert response.status_code == 403, response.json()
    assert_nothing_written(case)


@pytest.mark.parametrize("level", ["street", "district"])
def test_community_staff_may_not_accept_a_case_above_their_community(world, api, make_case, level):
    case = make_case("reported")
    response = post(api(world.staff_a), "accept", case, {"level": level})
    assert response.status_code == 400 and "level" in response.json()
    assert_nothing_written(case)


@pytest.mark.parametrize("level", ["grid", "community"])
def test_community_staff_accept_at_their_levels(world, api, make_case, level):
    case = make_case("reported")
    response = post(api(world.staff_a), "accept", case, {"level": level})
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["level"], response.json()["escalation_count"]) == (
        "accepted",
        level,
        0,
    )


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_community_staff_get_404_for_a_case_of_another_community(world, api, make_case, action):
    status, good, _bad, _field = ACTIONS[action]
    case = make_case(status, grid=world.grid_a3)  # community A2, same street
    response = post(api(world.staff_a), action, case, body_for(world, good))
    assert response.status_code == 404
    assert_nothing_written(case)


def test_community_staff_get_404_for_patch_and_attachments_of_another_community(world, api, make_case):
    case = make_case("accepted", grid=world.grid_a3)
    client = api(world.staff_a)
    assert patch(client, case).status_code == 404
    assert attach(client, case).status_code == 404
    assert_nothing_written(case)


# --- mediators ------------------------------------------------------------------------------


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_mediator_sees_the_dispute_they_mediate_but_may_not_move_it(
    world,
    api,
    make_mediation,
    roster,
    action,
):
    mediation = make_mediation("mediating")
    case = Case.objects.get(pk=mediation.case_id)
    client = api(roster.gold_a.user)
    assert client.get(reverse("v1:case-detail", args=[case.pk])).status_code == 200
    _status, good, _bad, _field = ACTIONS[action]
    response = post(client, action, case, body_for(world, good))
    assert response.status_code == 403
    assert_nothing_written(case)


def test_a_mediator_may_not_patch_or_attach_to_the_dispute_they_mediate(
    world,
    api,
    make_mediation,
    roster,
):
    case = Case.objects.get(pk=make_mediation("mediating").case_id)
    client = api(roster.gold_a.user)
    assert patch(client, case).status_code == 403
    assert attach(client, case).status_code == 403
    assert_nothing_written(case)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_mediator_gets_404_for_cases_they_do_not_mediate(
    world,
    api,
    make_case,
    make_mediation,
    roster,
    action,
):
    make_mediation("mediating")  # they do mediate something, just not this case
    status, good, _bad, _field = ACTIONS[action]
    case = make_case(status)
    response = post(api(roster.gold_a.user), action, case, body_for(world, good))
    assert response.status_code == 404
    assert_nothing_written(case)


def test_another_streets_mediator_gets_404_everywhere(world, api, make_mediation, roster):
    case = Case.objects.get(pk=make_mediation("mediating").case_id)
    client = api(roster.mediator_b.user)
    assert client.get(reverse("v1:case-detail", args=[case.pk])).status_code == 404
    assert post(client, "comment", case, {"note": "x"}).status_code == 404
    assert patch(client, case).status_code == 404
    assert attach(client, case).status_code == 404
    assert_nothing_written(case)


# --- district viewer, other streets, other grids: PATCH and attachments ----------------------


def test_the_district_viewer_may_not_patch_attach_or_reveal(world, api, make_case):
    case = make_case("accepted")
    client = api(world.viewer)
    assert client.get(reverse("v1:case-detail", args=[case.pk])).status_code == 200
    assert patch(client, case).status_code == 403
    assert attach(client, case).status_code == 403
    reveal = client.post(reverse("v1:case-reveal", args=[case.pk]), {"field": "contact_phone"}, format="json")
    assert reveal.status_code == 403
    assert_nothing_written(case)


@pytest.mark.parametrize("who", ["admin_b", "worker_b", "other_grid_worker"])
def test_patch_and_attachments_outside_the_territory_are_404(world, api, make_case, who):
    case = make_case("accepted")  # grid A1, reported by worker A
    if who == "other_grid_worker":
        user = GridWorkerFactory(
            user__username="worker-a2", street=world.street_a, grids=[world.grid_a2]
        ).user
    else:
        user = getattr(world, who)
    client = api(user)
    assert patch(client, case).status_code == 404
    assert attach(client, case).status_code == 404
    assert_nothing_written(case)
