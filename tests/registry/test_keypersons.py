"""Key persons: who sees them (the centre and the responsible worker), the visit schedule, overdue
visits, and the workflow's checks, history and events."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import OutboxEvent
from registry import keypersons
from registry.models import KeyPerson, KeyPersonEvent, Visit, VisitRule
from tests.conftest import client_for
from tests.factories import GridWorkerFactory, KeyPersonFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _today():
    return timezone.localdate()


@pytest.fixture
def key_person(world, place, correction, worker_a):
    """Registered through the API by the street admin, 40 days ago, high risk (weekly visits)."""
    response = client_for(world.admin_a).post(
        "/api/v1/key-persons/",
        {
            "resident": place.resident.pk,
            "category": correction.pk,
            "risk_level": "high",
            "responsible_worker": worker_a.pk,
            "registered_on": str(_today() - timedelta(days=40)),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return KeyPerson.objects.get(pk=response.json()["id"])


def test_registration_sets_the_first_visit_one_interval_on(key_person):
    assert key_person.next_visit_due == key_person.registered_on + timedelta(days=7)
    assert key_person.status == "active" and key_person.version == 1
    event = KeyPersonEvent.objects.get(key_person=key_person)
    assert (event.action, event.from_status, event.to_status) == ("register", "", "active")
    outbox = OutboxEvent.objects.get(name="key_persons.register")
    assert outbox.aggregate_id == key_person.pk
    assert set(outbox.payload) == {
        "from_status",
        "to_status",
        "changes",
        "changed",
        "grid",
        "street",
        "responsible_worker",
    }


# --- who sees a key person --------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "sees"), [("superuser", True), ("admin_a", True), ("worker_a", True)])
def test_the_centre_and_the_responsible_worker_see_the_key_person(world, key_person, who, sees):
    client = client_for(getattr(world, who))
    assert client.get("/api/v1/key-persons/").json()["count"] == 1
    detail = client.get(f"/api/v1/key-persons/{key_person.pk}/")
    assert detail.status_code == 200 and detail.json()["resident_name"] == "张**"


@pytest.mark.parametrize("who", ["admin_b", "staff_a", "viewer", "worker_b", "nobody"])
def test_nobody_else_finds_the_key_person(world, key_person, who):
    client = client_for(getattr(world, who))
    listed = client.get("/api/v1/key-persons/")
    assert listed.status_code in (200, 403) and (listed.status_code == 403 or listed.json()["count"] == 0)
    assert client.get(f"/api/v1/key-persons/{key_person.pk}/").status_code in (404, 403)
    assert client.get("/api/v1/visits/").status_code in (200, 403)
    if client.get("/api/v1/visits/").status_code == 200:
        assert client.get("/api/v1/visits/").json()["count"] == 0


def test_another_worker_of_the_same_grid_does_not_see_it(world, key_person):
    other = GridWorkerFactory(street=world.street_a, grids=[world.grid_a1]).user
    client = client_for(other)
    assert client.get("/api/v1/key-persons/").json()["count"] == 0
    assert client.get(f"/api/v1/key-persons/{key_person.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["staff_a", "viewer", "admin_a"])
def test_community_staff_and_district_viewers_get_counts_only(world, key_person, who):
    rows = client_for(getattr(world, who)).get("/api/v1/key-persons/counts/").json()["rows"]
    assert rows == [{"key": {"id": world.grid_a1.pk, "name": "浒溪一网格"}, "active": 1, "overdue": 1}]
    assert client_for(world.admin_b).get("/api/v1/key-persons/counts/").json()["rows"] == []
    assert client_for(world.staff_a).get("/api/v1/key-persons/counts/?group_by=x").status_code == 400


def test_a_resident_and_a_case_do_not_tell_that_the_person_is_a_key_person(world, key_person, make_case):
    resident = key_person.resident
    case = make_case(resident=resident)
    for who in ("staff_a", "worker_a", "viewer"):
        client = client_for(getattr(world, who))
        body = client.get(f"/api/v1/residents/{resident.pk}/").content.decode()
        assert "key_person" not in body and "矫正" not in body and "community_correction" not in body
        case_body = client.get(f"/api/v1/cases/{case.pk}/").content.decode()
        assert "矫正" not in case_body and "risk" not in case_body


def test_only_the_centre_registers_a_key_person(world, place, correction, worker_a):
    body = {
        "resident": place.resident.pk,
        "category": correction.pk,
        "risk_level": "low",
        "responsible_worker": worker_a.pk,
    }
    for who in ("staff_a", "worker_a"):
        assert (
            client_for(getattr(world, who)).post("/api/v1/key-persons/", body, format="json").status_code
            == 403
        )
    outside = client_for(world.admin_b).post("/api/v1/key-persons/", body, format="json")
    assert outside.status_code == 400 and "resident" in outside.json()
    bad = client_for(world.admin_a).post(
        "/api/v1/key-persons/", {**body, "risk_level": "extreme"}, format="json"
    )
    assert bad.status_code == 400 and "risk_level" in bad.json()
    assert not KeyPerson.objects.exists()


def test_registration_is_idempotent_with_a_key(world, place, correction, worker_a):
    body = {
        "resident": place.resident.pk,
        "category": correction.pk,
        "risk_level": "low",
        "responsible_worker": worker_a.pk,
    }
    client = client_for(world.admin_a)
    first = client.post("/api/v1/key-persons/", body, format="json", HTTP_IDEMPOTENCY_KEY="kp-1")
    again = client.post("/api/v1/key-persons/", body, format="json", HTTP_IDEMPOTENCY_KEY="kp-1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert KeyPerson.objects.count() == 1


# --- the visit schedule -----------------------------------------------------------------------------


def test_a_visit_fulfils_the_due_visit_and_sets_the_next(world, key_person):
    visited_on = key_person.next_visit_due - timedelta(days=1)
    response = client_for(world.worker_a).post(
        f"/api/v1/key-persons/{key_person.pk}/visit/",
        {"visited_on": str(visited_on), "form": "home", "findings": "情绪稳定"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["last_visited_on"] == str(visited_on) and body["next_visit_due"] == str(
        visited_on + timedelta(days=7)
    )
    assert response["ETag"] == '"2"'
    visit = Visit.objects.get()
    assert (visit.due_on, visit.next_due, visit.worker.user) == (
        key_person.next_visit_due,
        visited_on + timedelta(days=7),
        world.worker_a,
    )
    assert body["visits"][0]["on_time"] is True
    event = OutboxEvent.objects.get(name="key_persons.visit")
    assert "情绪" not in str(event.payload)  # the findings stay with the visit
    assert KeyPersonEvent.objects.filter(key_person=key_person, action="visit").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"form": "letter"}, "form"),
        ({"findings": ""}, "findings"),
        ({"visited_on": "2000-01-01"}, "visited_on"),  # before the registration
        ({"visited_on": "2999-01-01"}, "visited_on"),  # in the future
        ({"mood": "ok"}, "mood"),
    ],
)
def test_a_bad_visit_is_a_400_and_writes_nothing(world, key_person, body, field):
    data = {"visited_on": str(_today()), "form": "phone", "findings": "正常", **body}
    response = client_for(world.worker_a).post(
        f"/api/v1/key-persons/{key_person.pk}/visit/", data, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    assert not Visit.objects.exists() and KeyPerson.objects.get().version == 1


def test_the_workflow_checks_role_then_version_then_move(world, key_person):
    url = f"/api/v1/key-persons/{key_person.pk}/"
    visit = {"visited_on": str(_today()), "form": "phone", "findings": "正常"}
    assert client_for(world.worker_a).post(url + "end/", {"reason": "期满"}, format="json").status_code == 403
    stale = client_for(world.admin_a).post(url + "visit/", visit, format="json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 412 and stale.json()["current_version"] == 1
    ended = client_for(world.admin_a).post(url + "end/", {"reason": "矫正期满"}, format="json")
    assert (
        ended.status_code == 200
        and ended.json()["status"] == "ended"
        and ended.json()["next_visit_due"] is None
    )
    refused = client_for(world.worker_a).post(url + "visit/", visit, format="json")
    assert refused.status_code == 409 and refused.json()["allowed_actions"] == []
    resumed = client_for(world.admin_a).post(url + "resume/", {"reason": "重新纳管"}, format="json")
    assert resumed.status_code == 200 and resumed.json()["next_visit_due"] == str(
        _today() + timedelta(days=7)
    )
    assert list(KeyPersonEvent.objects.filter(key_person=key_person).values_list("action", flat=True)) == [
        "register",
        "end",
        "resume",
    ]


def test_a_new_risk_level_sets_a_new_frequency(world, key_person):
    response = client_for(world.admin_a).post(
        f"/api/v1/key-persons/{key_person.pk}/change-risk/",
        {"risk_level": "low", "reason": "表现良好"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["next_visit_due"] == str(key_person.registered_on + timedelta(days=30))
    assert KeyPersonEvent.objects.get(action="change_risk").changes["risk_level"] == ["high", "low"]


@pytest.mark.parametrize(("action", "body"), [("change-risk", {"risk_level": "low"}), ("end", {})])
def test_a_reason_that_is_not_text_is_400(world, key_person, action, body):
    response = client_for(world.admin_a).post(
        f"/api/v1/key-persons/{key_person.pk}/{action}/", {**body, "reason": 0}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert not KeyPersonEvent.objects.exclude(action="register").exists()


def test_the_superusers_rule_sets_the_interval(world, key_person):
    VisitRule.objects.filter(category=key_person.category, risk_level="high").update(interval_days=3)
    visit = keypersons.key_person_visit(
        scope=_scope(world.admin_a),
        actor=world.admin_a,
        key_person_id=key_person.pk,
        visited_on=_today(),
        form="video",
        findings="正常",
    )
    assert visit.next_due == _today() + timedelta(days=3)
    assert visit.worker == key_person.responsible_worker  # the centre records the worker's visit


def test_reassigning_hands_the_key_person_to_another_worker(world, key_person):
    other = GridWorkerFactory(street=world.street_a, grids=[world.grid_a2])
    response = client_for(world.admin_a).post(
        f"/api/v1/key-persons/{key_person.pk}/reassign/", {"worker": other.pk}, format="json"
    )
    assert response.status_code == 200 and response.json()["responsible_worker"] == other.pk
    assert client_for(world.worker_a).get(f"/api/v1/key-persons/{key_person.pk}/").status_code == 404
    assert client_for(other.user).get(f"/api/v1/key-persons/{key_person.pk}/").status_code == 200
    foreign = GridWorkerFactory(street=world.street_b)
    bad = client_for(world.admin_a).post(
        f"/api/v1/key-persons/{key_person.pk}/reassign/", {"worker": foreign.pk}, format="json"
    )
    assert bad.status_code == 400 and "worker" in bad.json()


# --- overdue visits ---------------------------------------------------------------------------------


def test_overdue_visits_are_listed_and_counted(world, place, key_person, correction, worker_a):
    # Past its due day: overdue. Ended: never overdue, whatever its day.
    due_later = KeyPersonFactory(
        resident=ResidentFactory(house=place.house, name="赵一"),
        category=correction,
        grid=world.grid_a1,
        responsible_worker=worker_a,
        status="ended",
        next_visit_due=_today() - timedelta(days=90),
    )
    assert due_later.status == "ended"
    client = client_for(world.admin_a)
    overdue = client.get("/api/v1/key-persons/?overdue=true").json()
    assert [k["id"] for k in overdue["results"]] == [key_person.pk] and overdue["results"][0][
        "overdue"
    ] is True
    assert client.get("/api/v1/key-persons/?overdue=false").json()["count"] == 1
    assert client.get("/api/v1/key-persons/?overdue=maybe").status_code == 400
    keypersons.key_person_visit(
        scope=_scope(world.admin_a),
        actor=world.admin_a,
        key_person_id=key_person.pk,
        visited_on=_today(),
        form="home",
        findings="正常",
    )
    assert client.get("/api/v1/key-persons/?overdue=true").json()["count"] == 0
    counted = client.get("/api/v1/key-persons/counts/").json()["rows"]
    assert counted == [{"key": {"id": world.grid_a1.pk, "name": "浒溪一网格"}, "active": 1, "overdue": 0}]


def test_key_person_filters(world, key_person, correction):
    client = client_for(world.admin_a)
    assert client.get(f"/api/v1/key-persons/?category={correction.pk}").json()["count"] == 1
    assert client.get("/api/v1/key-persons/?risk_level=low").json()["count"] == 0
    assert client.get(f"/api/v1/key-persons/?grid={world.grid_a2.pk}").json()["count"] == 0
    assert client.get("/api/v1/key-persons/?risk_level=extreme").status_code == 400


def _scope(user):
    from grids.scope import scope_for

    return scope_for(user)


# --- reminders of visits coming due -------------------------------------------------------------


def test_visits_coming_due_are_told_once_per_due_day(key_person, worker_a, settings):
    settings.REGISTRY_VISIT_NOTICE_DAYS = 1
    KeyPerson.objects.filter(pk=key_person.pk).update(next_visit_due=_today() + timedelta(days=1))
    later = KeyPersonFactory(responsible_worker=worker_a, grid=key_person.grid)
    KeyPerson.objects.filter(pk=later.pk).update(next_visit_due=_today() + timedelta(days=2))

    assert keypersons.visits_coming_due_publish() == 1
    [event] = OutboxEvent.objects.filter(name="registry.visit_due")
    assert event.aggregate_id == key_person.pk
    assert event.payload["worker"] == worker_a.pk and event.payload["grid"] == key_person.grid_id
    assert event.payload["due_on"] == str(_today() + timedelta(days=1))
    assert event.payload["category"] == key_person.category.name
    assert key_person.resident.name not in str(event.payload)
    # Run again the same day: nobody is told twice of the same due day.
    assert keypersons.visits_coming_due_publish() == 0
    # With a longer notice, the later one comes in; a new due day is told again.
    assert keypersons.visits_coming_due_publish(days_ahead=2) == 1
    KeyPerson.objects.filter(pk=key_person.pk).update(next_visit_due=_today())
    assert keypersons.visits_coming_due_publish() == 1


def test_ended_key_persons_get_no_reminder(key_person):
    KeyPerson.objects.filter(pk=key_person.pk).update(next_visit_due=_today(), status="ended")
    assert keypersons.visits_coming_due_publish() == 0


def test_the_reminder_reaches_the_workers_inbox(key_person, worker_a, django_capture_on_commit_callbacks):
    from notifications.models import Notification
    from registry.tasks import visits_coming_due

    KeyPerson.objects.filter(pk=key_person.pk).update(next_visit_due=_today())
    with django_capture_on_commit_callbacks(execute=True):
        assert visits_coming_due.apply().get() == 1
    [note] = Notification.objects.filter(user=worker_a.user)
    assert note.trigger == "visit_due" and key_person.category.name in note.body
    assert key_person.resident.name not in note.body + note.title


def test_the_command_tells_how_many_were_told(key_person, capsys):
    from django.core.management import call_command

    KeyPerson.objects.filter(pk=key_person.pk).update(next_visit_due=_today())
    call_command("visits_coming_due")
    assert "1" in capsys.readouterr().out
