"""The mediation admin: rooms and mediators by street, mediation cases read-only and masked."""

import re

import pytest
from django.urls import reverse

from mediation import services
from mediation.models import Mediator
from tests.factories import JudicialConfirmationFactory

pytestmark = pytest.mark.django_db


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.mark.parametrize(
    "page",
    [
        "admin:mediation_mediationroom_changelist",
        "admin:mediation_mediator_changelist",
        "admin:mediation_mediationcase_changelist",
    ],
)
def test_the_mediation_pages_render_in_chinese(client, world, make_mediation, page):
    make_mediation("agreed")
    client.force_login(world.superuser)
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert "调解" in response.content.decode()


def test_mediators_filter_by_kind_and_stay_in_the_street(client, world, roster):
    client.force_login(_staff(world.admin_a))
    html = client.get(
        reverse("admin:mediation_mediator_changelist"), {"kind__exact": "gold"}
    ).content.decode()
    assert roster.gold_a.name in html and roster.ordinary_a.name not in html
    html = client.get(reverse("admin:mediation_mediator_changelist")).content.decode()
    assert roster.mediator_b.name not in html
    other = reverse("admin:mediation_mediator_change", args=[roster.mediator_b.pk])
    assert client.get(other).status_code in (302, 404)


def test_a_mediation_case_shows_parties_masked_and_cannot_be_edited(client, world, make_mediation):
    mediation = make_mediation("agreed")
    party = mediation.parties.get(role="applicant")
    client.force_login(_staff(world.admin_a))
    html = client.get(reverse("admin:mediation_mediationcase_change", args=[mediation.pk])).content.decode()
    assert "张**" in html and "138****5678" in html
    assert party.name not in html and party.id_number not in html and party.phone not in html
    assert "调解协议" in html and "楼上住户赔偿维修费" in html
    assert 'name="_save"' not in html


def test_a_street_admin_adds_mediators_only_in_their_street(client, world, roster):
    client.force_login(_staff(world.admin_b))
    form = {
        "street": world.street_a.pk,
        "name": "王调解",
        "kind": "ordinary",
        "specialties": "[]",
        "is_active": "on",
    }
    response = client.post(reverse("admin:mediation_mediator_add"), form)
    assert response.status_code == 200  # the form comes back: street A is not a choice for admin B
    assert not Mediator.objects.filter(name="王调解").exists()
    form["street"] = world.street_b.pk
    response = client.post(reverse("admin:mediation_mediator_add"), form)
    assert response.status_code == 302
    assert Mediator.objects.get(name="王调解").street == world.street_b


def test_the_mediation_case_page_shows_its_judicial_confirmation(client, world, roster, make_mediation):
    mediation = make_mediation("agreed")
    signed_on = mediation.agreement.signed_on
    services.mediation_confirm(
        mediation_id=mediation.pk,
        actor=roster.gold_a.user,
        applied_on=signed_on,
        result="confirmed",
        court="江津区人民法院",
        decided_on=signed_on,
    )
    party = mediation.parties.get(role="applicant")
    client.force_login(_staff(world.admin_a))
    html = client.get(
        reverse("admin:mediation_mediationcase_change", args=[mediation.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f"江津区人民法院: confirmed (applied on {signed_on}, decided on {signed_on})" in html
    assert "张**" in html and party.name not in html and party.id_number not in html
    assert party.phone not in html


def test_an_agreement_without_confirmation_says_so(client, world, make_mediation):
    mediation = make_mediation("agreed", form="oral")
    client.force_login(_staff(world.admin_a))
    html = client.get(
        reverse("admin:mediation_mediationcase_change", args=[mediation.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Not applied for." in html


def test_judicial_confirmations_are_listed_read_only_within_the_street(client, world, make_mediation):
    ours = JudicialConfirmationFactory(agreement=make_mediation("agreed").agreement)
    theirs = JudicialConfirmationFactory(
        agreement__mediation__case__grid=world.grid_b1, court="南川区人民法院"
    )
    client.force_login(_staff(world.admin_a))
    response = client.get(reverse("admin:mediation_judicialconfirmation_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert ours.agreement.mediation.case.number in html and "江津区人民法院" in html
    assert "南川区人民法院" not in html
    detail = client.get(reverse("admin:mediation_judicialconfirmation_change", args=[ours.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    other = client.get(reverse("admin:mediation_judicialconfirmation_change", args=[theirs.pk]))
    assert other.status_code in (302, 404)
    assert client.get(reverse("admin:mediation_judicialconfirmation_add")).status_code == 403


# --- deleting mediators ----------------------------------------------------------------------

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("confirm", [False, True], ids=["opening", "confirming"])
def test_the_admin_refuses_to_delete_a_mediator_who_assisted_a_mediation(
    client, world, roster, make_mediation, confirm
):
    # Given an agreed mediation that mediator A2 assisted
    mediation = make_mediation("agreed")
    client.force_login(_staff(world.admin_a))
    url = reverse("admin:mediation_mediator_delete", args=[roster.ordinary_a.pk])
    # When the street admin opens the delete page, or confirms it
    if confirm:
        response = client.post(url, {"post": "yes"}, follow=True, **EN)
    else:
        response = client.get(url, follow=True, **EN)
    # Then they land on the mediator's page with the reason, and nothing is deleted
    change = reverse("admin:mediation_mediator_change", args=[roster.ordinary_a.pk])
    assert response.status_code == 200 and response.redirect_chain == [(change, 302)]
    assert _messages(response) == [
        f"{roster.ordinary_a.name} cannot be deleted while mediation cases name them (assisting in 1); "
        "deactivate them instead."
    ]
    assert Mediator.objects.filter(pk=roster.ordinary_a.pk).exists()
    assert list(mediation.assisting_mediators.all()) == [roster.ordinary_a]


def test_the_admin_refuses_to_delete_a_lead_mediator_with_a_message(client, world, roster, make_mediation):
    # Given a mediation led by mediator A
    make_mediation("registered")
    client.force_login(world.superuser)
    # When the superuser opens mediator A's delete page
    url = reverse("admin:mediation_mediator_delete", args=[roster.gold_a.pk])
    response = client.get(url, follow=True, **EN)
    # Then the reason is shown instead of Django's list of protected objects
    assert response.status_code == 200
    assert _messages(response) == [
        f"{roster.gold_a.name} cannot be deleted while mediation cases name them (lead in 1); "
        "deactivate them instead."
    ]
    assert Mediator.objects.filter(pk=roster.gold_a.pk).exists()


def test_a_refused_mediator_in_a_bulk_delete_deletes_nobody(client, world, roster, make_mediation):
    # Given mediator A2 assisting a mediation, and the volunteer in none, both selected
    mediation = make_mediation("agreed")
    client.force_login(_staff(world.admin_a))
    data = {
        "action": "delete_selected",
        "_selected_action": [roster.volunteer_a.pk, roster.ordinary_a.pk],
        "post": "yes",
    }
    # When the street admin confirms "delete selected"
    response = client.post(reverse("admin:mediation_mediator_changelist"), data, follow=True, **EN)
    # Then the reason is shown and neither is deleted
    assert response.status_code == 200
    assert f"{roster.ordinary_a.name} cannot be deleted" in _messages(response)[0]
    assert Mediator.objects.filter(pk__in=[roster.volunteer_a.pk, roster.ordinary_a.pk]).count() == 2
    assert list(mediation.assisting_mediators.all()) == [roster.ordinary_a]


def test_the_admin_deletes_a_mediator_whom_no_mediation_names(client, world, roster):
    # Given the volunteer, in no mediation
    client.force_login(_staff(world.admin_a))
    url = reverse("admin:mediation_mediator_delete", args=[roster.volunteer_a.pk])
    # When the street admin confirms the delete
    response = client.post(url, {"post": "yes"})
    # Then the volunteer is gone, and only them
    assert response.status_code == 302
    assert response.url == reverse("admin:mediation_mediator_changelist")
    assert not Mediator.objects.filter(pk=roster.volunteer_a.pk).exists()
    assert Mediator.objects.count() == 3


# --- mediators' phones -----------------------------------------------------------------------

PHONE, MASKED_PHONE = "13912345678", "139****5678"


@pytest.fixture
def with_phone(roster):
    Mediator.objects.filter(pk=roster.volunteer_a.pk).update(phone=PHONE)
    return roster.volunteer_a


@pytest.mark.parametrize("who", ["community_staff", "mediator"])
def test_a_mediators_phone_is_masked_in_the_admin_outside_the_centre(client, world, roster, with_phone, who):
    # Given a volunteer with a phone, and a staff user of community A or a mediator of street A
    user = _staff(world.staff_a if who == "community_staff" else roster.gold_a.user)
    client.force_login(user)
    # When they open the mediators' list and the volunteer's page
    listing = client.get(reverse("admin:mediation_mediator_changelist"))
    page = client.get(reverse("admin:mediation_mediator_change", args=[with_phone.pk]))
    # Then both show the phone masked, never in full, and the page cannot be saved
    for response in (listing, page):
        html = response.content.decode()
        assert response.status_code == 200
        assert MASKED_PHONE in html and PHONE not in html
    assert 'name="_save"' not in page.content.decode()
    assert Mediator.objects.get(pk=with_phone.pk).phone == PHONE


@pytest.mark.parametrize("who", ["superuser", "admin_a"])
def test_the_centre_reads_and_changes_a_mediators_phone_in_the_admin(client, world, roster, with_phone, who):
    # Given a volunteer with a phone, and the centre: the superuser or street A's admin
    client.force_login(_staff(getattr(world, who)))
    # When they open the list and the volunteer's page
    listing = client.get(reverse("admin:mediation_mediator_changelist")).content.decode()
    page = client.get(reverse("admin:mediation_mediator_change", args=[with_phone.pk])).content.decode()
    # Then the phone is in full in both, and an input of the form
    assert PHONE in listing
    assert f'name="phone" value="{PHONE}"' in page
    # And when they change it, the new number is saved
    form = {
        "street": world.street_a.pk,
        "community": world.community_a2.pk,
        "name": with_phone.name,
        "phone": "13811112222",
        "kind": "volunteer",
        "specialties": '["neighbourhood"]',
        "is_active": "on",
    }
    url = reverse("admin:mediation_mediator_change", args=[with_phone.pk])
    assert client.post(url, form).status_code == 302
    assert Mediator.objects.get(pk=with_phone.pk).phone == "13811112222"


# --- the history inline ----------------------------------------------------------------------


def _history_cells(html: str, column: str) -> list[str]:
    return re.findall(rf'<td class="field-{column}">\s*<p>(.*?)</p>', html, re.S)


def test_the_history_inline_shows_statuses_as_translated_labels(client, world, roster, make_mediation):
    # Given an agreed mediation (registered, started, agreed), followed up once
    mediation = make_mediation("agreed")
    services.mediation_follow_up(
        mediation_id=mediation.pk,
        actor=roster.gold_a.user,
        visited_on=mediation.agreement.signed_on,
        performance="partly",
    )
    client.force_login(_staff(world.admin_a))
    # When the street admin opens the mediation case page, in Chinese
    html = client.get(reverse("admin:mediation_mediationcase_change", args=[mediation.pk])).content.decode()
    # Then each step's statuses are labels in Chinese, not codes, and the note is readable
    assert _history_cells(html, "from_status") == ["-", "已受理", "调解中", "调解成功"]
    assert _history_cells(html, "to_status") == ["已受理", "调解中", "调解成功", "调解成功"]
    assert "部分履行" in _history_cells(html, "note")[-1]
