"""Every mediation transition through the services, and the dispute case moving with it."""

import datetime

import pytest
from django.utils import timezone, translation

from cases import services as case_services
from cases.models import Case, CaseEvent
from config.api import status_for
from config.errors import ActionNotAllowed, InvalidInput, ObjectNotFound, RoleNotAllowed, StaleVersion
from grids.models import UserScope
from mediation import services, workflow
from mediation.models import (
    Agreement,
    FollowUp,
    JudicialConfirmation,
    MediationCase,
    MediationEvent,
    Party,
    Session,
)
from tests.factories import MediatorFactory, UserScopeFactory
from tests.mediation.conftest import parties

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def _events(mediation):
    return list(mediation.events.values_list("action", "from_status", "to_status"))


def _case_actions(case_id):
    return list(CaseEvent.objects.filter(case_id=case_id).values_list("action", flat=True))


# --- registering ------------------------------------------------------------------------------


def test_register_takes_an_accepted_dispute_and_dispatches_the_case_to_mediation(world, roster, make_case):
    case = make_case("accepted", kind="dispute")
    peacemaker = MediatorFactory(street=world.street_a, community=world.community_a, kind="volunteer")
    mediation = services.mediation_register(
        actor=world.admin_a,
        case=case,
        level="community",
        dispute_type="neighbourhood",
        lead_mediator=roster.gold_a,
        assisting_mediators=[roster.ordinary_a, peacemaker],
        room=roster.room_a,
        parties=parties(),
    )
    case.refresh_from_db()
    assert mediation.status == "registered"
    assert mediation.street == world.street_a and mediation.community == world.community_a
    assert set(mediation.assisting_mediators.all()) == {roster.ordinary_a, peacemaker}
    assert sorted(mediation.parties.values_list("role", flat=True)) == ["applicant", "respondent"]
    assert _events(mediation) == [("register", "", "registered")]
    assert case.status == "assigned"
    assert case.assignee_unit == "人民调解：浒溪金牌调解室"


def test_register_refuses_a_case_that_is_not_a_dispute(world, roster, make_case):
    case = make_case("accepted")
    with pytest.raises(InvalidInput) as error:
        services.mediation_register(
            actor=world.admin_a,
            case=case,
            level="grid",
            dispute_type="other",
            lead_mediator=roster.gold_a,
            parties=parties(),
        )
    assert error.value.field == "case"
    assert not MediationCase.objects.exists()


@pytest.mark.parametrize("status", ["reported", "resolved", "closed", "rejected"])
def test_register_refuses_a_dispute_not_accepted_or_already_resolved(world, roster, make_case, status):
    case = make_case(status, kind="dispute")
    with pytest.raises(ActionNotAllowed):
        services.mediation_register(
            actor=world.admin_a,
            case=case,
            level="grid",
            dispute_type="other",
            lead_mediator=roster.gold_a,
            parties=parties(),
        )
    assert not MediationCase.objects.exists()


def test_a_dispute_is_mediated_once(world, roster, make_mediation):
    mediation = make_mediation()
    with pytest.raises(ActionNotAllowed):
        services.mediation_register(
            actor=world.admin_a,
            case=mediation.case,
            level="street",
            dispute_type="other",
            lead_mediator=roster.ordinary_a,
            parties=parties(),
        )
    assert MediationCase.objects.count() == 1


def test_register_needs_mediators_and_room_of_the_case_street(world, roster, make_case):
    case = make_case("accepted", kind="dispute")
    attempts = {
        "lead_mediator": {"lead_mediator": roster.mediator_b},
        "assisting_mediators": {"lead_mediator": roster.gold_a, "assisting_mediators": [roster.mediator_b]},
        "room": {"lead_mediator": roster.gold_a, "room": roster.room_b},
    }
    for field, people in attempts.items():
        with pytest.raises(InvalidInput) as error:
            services.mediation_register(
                actor=world.admin_a,
                case=case,
                level="grid",
                dispute_type="other",
                parties=parties(),
                **people,
            )
        assert error.value.field == field
    assert not MediationCase.objects.exists()
    case.refresh_from_db()
    assert case.status == "accepted"


def test_register_needs_both_sides_and_valid_id_numbers(world, roster, make_case):
    case = make_case("accepted", kind="dispute")
    one_side = [parties()[0]]
    bad_id = parties()
    bad_id[0]["id_number"] = bad_id[0]["id_number"][:-1] + ("0" if bad_id[0]["id_number"][-1] != "0" else "1")
    for people, field in ((one_side, "parties"), (bad_id, "parties[0].id_number")):
        with pytest.raises(InvalidInput) as error:
            services.mediation_register(
                actor=world.admin_a,
                case=case,
                level="grid",
                dispute_type="other",
                lead_mediator=roster.gold_a,
                parties=people,
            )
        assert error.value.field == field
    assert not Party.objects.exists() and not MediationCase.objects.exists()


def test_register_by_role(world, roster, make_case):
    case = make_case("accepted", kind="dispute")
    for actor in (world.worker_a, roster.gold_a.user, world.viewer):
        with pytest.raises(RoleNotAllowed):
            services.mediation_register(
                actor=actor,
                case=case,
                level="grid",
                dispute_type="other",
                lead_mediator=roster.gold_a,
                parties=parties(),
            )
    with pytest.raises(RoleNotAllowed):
        services.mediation_register(
            actor=world.staff_a,
            case=case,
            level="street",
            dispute_type="other",
            lead_mediator=roster.gold_a,
            parties=parties(),
        )
    mediation = services.mediation_register(
        actor=world.staff_a,
        case=case,
        level="community",
        dispute_type="other",
        lead_mediator=roster.gold_a,
        parties=parties(),
    )
    assert mediation.registered_by == world.staff_a


# --- the transitions ---------------------------------------------------------------------------


def test_start_moves_mediation_and_dispute_case_to_work(roster, make_mediation):
    mediation = make_mediation()
    services.mediation_start(mediation_id=mediation.pk, actor=roster.gold_a.user, note="约定周三调解")
    mediation.refresh_from_db()
    assert mediation.status == "mediating" and mediation.started_at is not None
    assert Case.objects.get(pk=mediation.case_id).status == "in_progress"
    assert _events(mediation)[-1] == ("start", "registered", "mediating")


def test_sessions_are_recorded_with_their_dates_checked(roster, make_mediation):
    mediation = make_mediation("mediating")
    assistant = roster.ordinary_a.user
    services.mediation_session(
        mediation_id=mediation.pk,
        actor=assistant,
        held_on=TODAY(),
        place="浒溪金牌调解室",
        attendees="双方当事人",
    )
    for held_on in (TODAY() + DAY, TODAY() - 2 * DAY):
        with pytest.raises(InvalidInput) as error:
            services.mediation_session(
                mediation_id=mediation.pk, actor=assistant, held_on=held_on, place="现场", attendees="双方"
            )
        assert error.value.field == "held_on"
    with pytest.raises(InvalidInput) as error:
        services.mediation_session(
            mediation_id=mediation.pk, actor=assistant, held_on=TODAY(), place=" ", attendees="x"
        )
    assert error.value.field == "place"
    assert Session.objects.filter(mediation=mediation).count() == 1
    mediation.refresh_from_db()
    assert mediation.status == "mediating" and _events(mediation)[-1] == ("session", "mediating", "mediating")


def test_agreement_resolves_the_dispute_case_and_the_centre_closes_it(world, roster, make_mediation):
    mediation = make_mediation("mediating")
    with translation.override("en"):
        services.mediation_agree(
            mediation_id=mediation.pk,
            actor=roster.gold_a.user,
            form="written",
            content="赔偿维修费 800 元",
            signed_on=TODAY(),
            performance_deadline=TODAY() + 10 * DAY,
        )
    mediation.refresh_from_db()
    case = Case.objects.get(pk=mediation.case_id)
    assert mediation.status == "agreed" and mediation.concluded_at is not None
    assert Agreement.objects.get(mediation=mediation).form == "written"
    # The terms stay with the mediation; the case says that and when an agreement was reached.
    assert case.status == "resolved"
    assert case.result == f"Mediation succeeded: written agreement, signed on {TODAY()}."
    case_services.case_verify(case_id=case.pk, actor=world.admin_a, passed=True)
    case.refresh_from_db()
    assert case.status == "closed"
    assert _case_actions(case.pk) == ["report", "accept", "assign", "start", "resolve", "verify"]


def test_agreement_dates_are_checked_and_nothing_is_written_on_error(roster, make_mediation):
    mediation = make_mediation("mediating")
    lead = roster.gold_a.user
    bad = [
        ({"signed_on": TODAY() + DAY}, "signed_on"),
        ({"signed_on": TODAY(), "performance_deadline": TODAY() - DAY}, "performance_deadline"),
        ({"signed_on": TODAY(), "content": "  "}, "content"),
    ]
    for extra, field in bad:
        arguments = {"form": "oral", "content": "口头协议", **extra}
        with pytest.raises(InvalidInput) as error:
            services.mediation_agree(mediation_id=mediation.pk, actor=lead, **arguments)
        assert error.value.field == field
    mediation.refresh_from_db()
    assert mediation.status == "mediating" and not Agreement.objects.exists()
    assert Case.objects.get(pk=mediation.case_id).status == "in_progress"


def test_failure_leaves_the_dispute_open_for_escalation_or_referral(roster, make_mediation):
    mediation = make_mediation("mediating")
    services.mediation_fail(mediation_id=mediation.pk, actor=roster.gold_a.user, reason="双方分歧较大")
    mediation.refresh_from_db()
    case = Case.objects.get(pk=mediation.case_id)
    assert mediation.status == "failed"
    assert case.status == "in_progress" and _case_actions(case.pk)[-1] == "comment"
    assert workflow.allowed_actions(mediation) == ["escalate", "refer"]


def test_referral_resolves_the_dispute_case_and_closes_the_way_up(roster, make_mediation):
    mediation = make_mediation("failed")
    services.mediation_refer(mediation_id=mediation.pk, actor=roster.gold_a.user, to="court", note="引导诉讼")
    mediation.refresh_from_db()
    case = Case.objects.get(pk=mediation.case_id)
    assert mediation.referral == "court" and mediation.referred_at is not None
    assert case.status == "resolved" and "人民法院" in case.result
    for action, call in (("refer", services.mediation_refer), ("escalate", services.mediation_escalate)):
        kwargs = {"to": "arbitration"} if action == "refer" else {"reason": "再调"}
        with pytest.raises(ActionNotAllowed):
            call(mediation_id=mediation.pk, actor=roster.gold_a.user, **kwargs)


@pytest.mark.parametrize("status", ["registered", "mediating"])
def test_withdrawal_ends_the_mediation_and_hands_the_case_back_to_the_centre(roster, make_mediation, status):
    mediation = make_mediation(status)
    with translation.override("en"):
        services.mediation_withdraw(mediation_id=mediation.pk, actor=roster.gold_a.user, reason="申请人撤回")
    mediation.refresh_from_db()
    assert mediation.status == "withdrawn"
    assert workflow.allowed_actions(mediation) == []
    case = Case.objects.get(pk=mediation.case_id)
    assert (case.status, case.result) == ("resolved", "Mediation withdrawn: 申请人撤回")
    steps = list(case.events.order_by("pk").values_list("action", "to_status", "note"))
    tail = [("start", "in_progress", ""), ("resolve", "resolved", "Mediation withdrawn: 申请人撤回")]
    assert steps[-2:] == tail if status == "registered" else steps[-1:] == tail[-1:]


@pytest.mark.parametrize("status", ["registered", "mediating", "failed"])
def test_escalation_registers_the_mediation_one_level_up(world, roster, make_mediation, status):
    mediation = make_mediation(status, level="community")
    services.mediation_escalate(
        mediation_id=mediation.pk,
        actor=world.admin_a,
        reason="社区调解未果",
        lead_mediator=roster.ordinary_a,
        room=roster.room_a_street,
    )
    mediation.refresh_from_db()
    assert (mediation.level, mediation.status, mediation.escalation_count) == ("street", "registered", 1)
    assert mediation.lead_mediator == roster.ordinary_a and mediation.room == roster.room_a_street
    assert roster.ordinary_a not in mediation.assisting_mediators.all()
    assert mediation.started_at is None and mediation.concluded_at is None
    with pytest.raises(ActionNotAllowed) as error:
        services.mediation_escalate(mediation_id=mediation.pk, actor=world.admin_a, reason="再升")
    assert "街道级" in error.value.message


def test_escalation_records_an_assisting_mediator_becoming_the_lead(world, roster, make_mediation):
    # Given a community-level mediation led by mediator A and assisted by mediator A2
    mediation = make_mediation("mediating", level="community")
    before = mediation.events.count()
    # When the centre escalates it with mediator A2 as the new lead
    services.mediation_escalate(
        mediation_id=mediation.pk,
        actor=world.admin_a,
        reason="社区调解未果",
        lead_mediator=roster.ordinary_a,
        room=roster.room_a_street,
    )
    # Then mediator A2 leads and no longer assists, and the one new history row says both
    mediation.refresh_from_db()
    assert mediation.lead_mediator == roster.ordinary_a
    assert list(mediation.assisting_mediators.all()) == []
    assert mediation.events.count() == before + 1
    changes = mediation.events.latest("pk").changes
    assert changes["lead_mediator"] == [roster.gold_a.pk, roster.ordinary_a.pk]
    assert changes["assisting_mediators"] == [[roster.ordinary_a.pk], []]


def test_escalation_to_a_new_lead_who_did_not_assist_leaves_the_assistants_alone(
    world, roster, make_mediation
):
    # Given a community-level mediation assisted by mediator A2, and another mediator of street A
    mediation = make_mediation("mediating", level="community")
    newcomer = MediatorFactory(street=world.street_a)
    # When the centre escalates it with the other mediator as the new lead
    services.mediation_escalate(
        mediation_id=mediation.pk, actor=world.admin_a, reason="社区调解未果", lead_mediator=newcomer
    )
    # Then mediator A2 still assists, and the history records no change of assistants
    mediation.refresh_from_db()
    assert list(mediation.assisting_mediators.all()) == [roster.ordinary_a]
    changes = mediation.events.latest("pk").changes
    assert changes["lead_mediator"] == [roster.gold_a.pk, newcomer.pk]
    assert "assisting_mediators" not in changes


def test_judicial_confirmation_within_thirty_days_of_signing(roster, make_mediation):
    mediation = make_mediation("agreed")
    signed_on = mediation.agreement.signed_on
    lead = roster.gold_a.user
    for applied_on in (signed_on - DAY, TODAY() + DAY):
        with pytest.raises(InvalidInput) as error:
            services.mediation_confirm(
                mediation_id=mediation.pk,
                actor=lead,
                applied_on=applied_on,
                result="confirmed",
                court="江津区人民法院",
            )
        assert error.value.field == "applied_on"
    assert not JudicialConfirmation.objects.exists()
    services.mediation_confirm(
        mediation_id=mediation.pk, actor=lead, applied_on=TODAY(), result="confirmed", court="江津区人民法院"
    )
    assert JudicialConfirmation.objects.get().result == "confirmed"
    with pytest.raises(ActionNotAllowed):
        services.mediation_confirm(
            mediation_id=mediation.pk,
            actor=lead,
            applied_on=TODAY(),
            result="refused",
            court="江津区人民法院",
        )


@pytest.mark.parametrize(
    ("day", "allowed"),
    [(0, True), (1, True), (29, True), (30, True), (31, False), (45, False)],
)
def test_the_thirty_day_rule_counts_from_the_signing_day(roster, make_mediation, day, allowed):
    """Applied on the signing day + `day`: the 30th day after signing is the last one allowed."""
    mediation = make_mediation("agreed")
    signed_on = TODAY() - 60 * DAY
    Agreement.objects.filter(mediation=mediation).update(signed_on=signed_on)
    confirm = {"result": "confirmed", "court": "江津区人民法院", "applied_on": signed_on + day * DAY}
    if allowed:
        services.mediation_confirm(mediation_id=mediation.pk, actor=roster.gold_a.user, **confirm)
        assert JudicialConfirmation.objects.get().applied_on == signed_on + day * DAY
    else:
        with pytest.raises(InvalidInput) as error:
            services.mediation_confirm(mediation_id=mediation.pk, actor=roster.gold_a.user, **confirm)
        assert error.value.field == "applied_on"
        assert str(signed_on + 30 * DAY) in error.value.message
        assert not JudicialConfirmation.objects.exists()
        assert MediationEvent.objects.filter(action="confirm").count() == 0


def test_an_oral_agreement_cannot_be_judicially_confirmed(roster, make_mediation):
    mediation = make_mediation("agreed", form="oral")
    with pytest.raises(ActionNotAllowed) as error, translation.override("en"):
        services.mediation_confirm(
            mediation_id=mediation.pk,
            actor=roster.gold_a.user,
            applied_on=TODAY(),
            result="confirmed",
            court="江津区人民法院",
        )
    assert error.value.message == "Only a written agreement can be judicially confirmed."
    assert error.value.allowed_actions == ["follow-up"]
    assert not JudicialConfirmation.objects.exists()


def test_follow_ups_record_performance(roster, make_mediation):
    mediation = make_mediation("agreed")
    lead = roster.gold_a.user
    services.mediation_follow_up(
        mediation_id=mediation.pk, actor=lead, visited_on=TODAY(), performance="partly"
    )
    services.mediation_follow_up(
        mediation_id=mediation.pk, actor=lead, visited_on=TODAY(), performance="fulfilled"
    )
    with pytest.raises(InvalidInput) as error:
        services.mediation_follow_up(
            mediation_id=mediation.pk,
            actor=lead,
            visited_on=mediation.agreement.signed_on - DAY,
            performance="not",
        )
    assert error.value.field == "visited_on"
    assert list(FollowUp.objects.values_list("performance", flat=True)) == ["partly", "fulfilled"]


@pytest.mark.parametrize(
    ("status", "action", "arguments"),
    [
        (
            "registered",
            services.mediation_agree,
            {"form": "oral", "content": "x", "signed_on": timezone.localdate()},
        ),
        ("registered", services.mediation_fail, {"reason": "x"}),
        ("mediating", services.mediation_refer, {"to": "court"}),
        ("agreed", services.mediation_withdraw, {"reason": "x"}),
        ("withdrawn", services.mediation_start, {}),
        ("failed", services.mediation_follow_up, {"visited_on": timezone.localdate(), "performance": "not"}),
    ],
)
def test_an_action_not_allowed_now_is_a_conflict_that_writes_nothing(
    roster, make_mediation, status, action, arguments
):
    mediation = make_mediation(status)
    before = MediationEvent.objects.count()
    with pytest.raises(ActionNotAllowed) as error:
        action(mediation_id=mediation.pk, actor=roster.gold_a.user, **arguments)
    assert status_for(error.value) == 409
    assert MediationEvent.objects.count() == before
    mediation.refresh_from_db()
    assert mediation.status == status


def test_confirmation_and_follow_up_steps_leave_readable_notes(roster, make_mediation):
    # Given an agreed mediation with a written agreement signed today
    mediation = make_mediation("agreed")
    lead, today = roster.gold_a.user, TODAY()
    # When the judicial confirmation and a follow-up visit are recorded, in English
    with translation.override("en"):
        services.mediation_confirm(
            mediation_id=mediation.pk,
            actor=lead,
            applied_on=today,
            result="confirmed",
            court="江津区人民法院",
            decided_on=today,
        )
        services.mediation_follow_up(
            mediation_id=mediation.pk, actor=lead, visited_on=today, performance="partly"
        )
    # Then their history rows say what happened in words, not codes
    notes = list(mediation.events.filter(action__in=["confirm", "follow-up"]).values_list("action", "note"))
    assert notes == [
        ("confirm", f"江津区人民法院: confirmed (applied on {today}, decided on {today})"),
        ("follow-up", f"Follow-up visit on {today}: partly fulfilled."),
    ]


# --- choices checked by the services themselves --------------------------------------------------


def _everything(mediation_id) -> tuple:
    """What an action could write, in both apps."""
    m = MediationCase.objects.get(pk=mediation_id)
    case = Case.objects.get(pk=m.case_id)
    return (
        (m.status, m.version, m.referral),
        MediationEvent.objects.count(),
        Agreement.objects.count(),
        JudicialConfirmation.objects.count(),
        FollowUp.objects.count(),
        (case.status, case.version),
        CaseEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("status", "action", "arguments", "field", "choices"),
    [
        (
            "mediating",
            services.mediation_agree,
            {"form": "bogus", "content": "口头协议", "signed_on": TODAY()},
            "form",
            "written, oral",
        ),
        (
            "failed",
            services.mediation_refer,
            {"to": "bogus"},
            "to",
            "court, arbitration, petition_office, department",
        ),
        (
            "agreed",
            services.mediation_confirm,
            {"applied_on": TODAY(), "result": "bogus", "court": "江津区人民法院"},
            "result",
            "confirmed, refused",
        ),
        (
            "agreed",
            services.mediation_follow_up,
            {"visited_on": TODAY(), "performance": "bogus"},
            "performance",
            "fulfilled, partly, not",
        ),
    ],
    ids=["agree-form", "refer-to", "confirm-result", "follow-up-performance"],
)
def test_an_action_refuses_a_value_outside_its_choices_and_writes_nothing(
    roster, make_mediation, status, action, arguments, field, choices
):
    # Given a mediation where the action is allowed
    mediation = make_mediation(status)
    before = _everything(mediation.pk)
    # When the lead mediator calls the service with a value outside the field's choices
    with translation.override("en"), pytest.raises(InvalidInput) as error:
        action(mediation_id=mediation.pk, actor=roster.gold_a.user, **arguments)
    # Then 400 naming the field and the choices, and nothing written in either app
    assert status_for(error.value) == 400
    assert error.value.as_data() == {field: [f"“bogus” is not a valid choice. Choose one of: {choices}."]}
    assert _everything(mediation.pk) == before


@pytest.mark.parametrize("field", ["level", "dispute_type"])
def test_register_refuses_a_level_or_dispute_type_outside_the_choices(world, roster, make_case, field):
    # Given an accepted dispute case
    case = make_case("accepted", kind="dispute")
    case_before = (case.status, case.version, CaseEvent.objects.filter(case=case).count())
    arguments = {"level": "community", "dispute_type": "neighbourhood", field: "bogus"}
    # When the street admin registers it with a bogus level or dispute type
    with translation.override("en"), pytest.raises(InvalidInput) as error:
        services.mediation_register(
            actor=world.admin_a, case=case, lead_mediator=roster.gold_a, parties=parties(), **arguments
        )
    # Then 400 naming the field, and no mediation, party or history row; the case is unchanged
    assert status_for(error.value) == 400
    assert list(error.value.as_data()) == [field]
    assert error.value.message.startswith("“bogus” is not a valid choice. Choose one of: ")
    assert not MediationCase.objects.exists() and not Party.objects.exists()
    assert not MediationEvent.objects.exists()
    case.refresh_from_db()
    assert (case.status, case.version, CaseEvent.objects.filter(case=case).count()) == case_before


def test_community_staff_with_a_bogus_level_get_400_not_403(world, roster, make_case):
    # Given an accepted dispute case of community A
    case = make_case("accepted", kind="dispute")
    # When community staff register it at a level that does not exist
    with pytest.raises(InvalidInput) as error:
        services.mediation_register(
            actor=world.staff_a,
            case=case,
            level="bogus",
            dispute_type="neighbourhood",
            lead_mediator=roster.gold_a,
            parties=parties(),
        )
    # Then the level is bad input, not a street-level registration refused to their role
    assert error.value.field == "level"
    assert not MediationCase.objects.exists()


# --- roles and versions ------------------------------------------------------------------------


def test_only_the_lead_mediator_escalates_or_refers(world, roster, make_mediation):
    mediation = make_mediation("failed")
    with pytest.raises(RoleNotAllowed):
        services.mediation_refer(mediation_id=mediation.pk, actor=roster.ordinary_a.user, to="court")
    with pytest.raises(RoleNotAllowed):
        services.mediation_escalate(mediation_id=mediation.pk, actor=roster.ordinary_a.user, reason="x")
    services.mediation_refer(mediation_id=mediation.pk, actor=roster.gold_a.user, to="petition_office")


def test_people_who_see_the_mediation_but_hold_no_part_in_it_may_not_act(world, roster, make_mediation):
    mediation = make_mediation("mediating")
    for actor in (world.worker_a, world.viewer):
        with pytest.raises(RoleNotAllowed):
            services.mediation_fail(mediation_id=mediation.pk, actor=actor, reason="x")
    street_level = make_mediation("mediating", level="street")
    with pytest.raises(RoleNotAllowed):
        services.mediation_fail(mediation_id=street_level.pk, actor=world.staff_a, reason="x")
    assert not MediationEvent.objects.filter(action="fail").exists()
    services.mediation_fail(mediation_id=mediation.pk, actor=world.staff_a, reason="双方不同意")


def _staff_of(community):
    return UserScopeFactory(role=UserScope.Role.COMMUNITY_STAFF, street=None, community=community).user


@pytest.mark.parametrize("outsider", ["admin_b", "staff_a2", "mediator_b", "nobody"])
def test_a_service_call_outside_the_callers_territory_is_not_found_and_writes_nothing(
    world, roster, make_mediation, outsider
):
    """The services look the mediation up in the caller's scope, as the API does (admin, shell)."""
    mediation = make_mediation("mediating")
    actor = {
        "admin_b": world.admin_b,
        "staff_a2": _staff_of(world.community_a2),  # same street, another community
        "mediator_b": roster.mediator_b.user,
        "nobody": world.nobody,
    }[outsider]
    case_version = Case.objects.get(pk=mediation.case_id).version
    for call, arguments in (
        (services.mediation_fail, {"reason": "双方分歧较大"}),
        (services.mediation_withdraw, {"reason": "撤回"}),
        (services.mediation_escalate, {"reason": "提级"}),
        (services.mediation_session, {"held_on": TODAY(), "place": "现场", "attendees": "双方"}),
    ):
        with pytest.raises(ObjectNotFound):
            call(mediation_id=mediation.pk, actor=actor, **arguments)
    after = MediationCase.objects.get(pk=mediation.pk)
    assert (after.status, after.version, after.level) == ("mediating", mediation.version, "community")
    assert list(after.events.values_list("action", flat=True)) == ["register", "start"]
    assert not Session.objects.exists()
    assert Case.objects.get(pk=mediation.case_id).version == case_version


def test_a_service_call_on_a_mediation_that_does_not_exist_is_not_found(world):
    with pytest.raises(ObjectNotFound):
        services.mediation_start(mediation_id=987654, actor=world.superuser)


def test_the_service_checks_scope_role_version_and_move_before_the_input(world, roster, make_mediation):
    registered = make_mediation()
    # Nothing valid is sent, but "agree" is not allowed while registered: 409, not 400.
    with pytest.raises(ActionNotAllowed):
        services.mediation_agree(
            mediation_id=registered.pk, actor=roster.gold_a.user, form="", content="", signed_on=TODAY()
        )
    with pytest.raises(RoleNotAllowed):
        services.mediation_fail(mediation_id=registered.pk, actor=world.worker_a, reason="")
    with pytest.raises(StaleVersion):
        services.mediation_withdraw(
            mediation_id=registered.pk,
            actor=world.admin_a,
            reason="",
            expected_version=registered.version + 1,
        )
    with pytest.raises(ObjectNotFound):
        services.mediation_withdraw(mediation_id=registered.pk, actor=world.admin_b, reason="")


def test_a_stale_version_is_refused(roster, make_mediation):
    mediation = make_mediation("mediating")
    with pytest.raises(StaleVersion) as error:
        services.mediation_fail(
            mediation_id=mediation.pk,
            actor=roster.gold_a.user,
            reason="x",
            expected_version=mediation.version - 1,
        )
    assert status_for(error.value) == 412
    services.mediation_fail(
        mediation_id=mediation.pk, actor=roster.gold_a.user, reason="x", expected_version=mediation.version
    )


def test_every_step_leaves_one_history_row(roster, make_mediation):
    mediation = make_mediation("agreed")
    assert _events(mediation) == [
        ("register", "", "registered"),
        ("start", "registered", "mediating"),
        ("agree", "mediating", "agreed"),
    ]
    assert mediation.version == 3
