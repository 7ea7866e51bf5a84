"""The case page as the centre's workspace: panel, buttons, action forms, photos, timeline."""

import io
from datetime import UTC, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cases import services
from cases.attachments import case_attach
from cases.models import Case, CaseEvent
from cases.timeline import case_timeline
from grids.models import GridWorker
from tests.cases.files import image, pdf
from tests.factories import DispatchUnitFactory, GridWorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre(world, client):
    world.admin_a.is_staff = True
    world.admin_a.save()
    client.force_login(world.admin_a)
    return client


def page(client, case):
    return client.get(reverse("admin:cases_case_change", args=[case.pk]))


def act_url(case, action):
    return reverse("admin:cases_case_act", args=[case.pk, action])


def messages_of(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def panel(response) -> dict:
    return {row.key: row for row in response.context["panel"]}


# --- the status panel ---------------------------------------------------------------------------


def test_the_panel_shows_the_state_of_the_case_in_words(world, centre, make_case):
    worker = GridWorker.objects.get(user=world.worker_a)
    worker.name = "赵红红"
    worker.save()
    case = make_case("in_progress")

    rows = panel(page(centre, case))

    assert rows["status"].value == "处置中"
    assert rows["level"].value == "网格"
    assert rows["priority"].value == "一般"
    assert rows["assignee"].value == "赵红红（浒溪一网格）"
    assert rows["reporter"].value == "赵红红"  # the worker's name, not the username worker-a
    assert rows["due_at"].value == timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")
    assert rows["due_at"].extra.startswith("剩余 ") and rows["due_at"].css == "ok"
    assert (rows["rework_count"].value, rows["escalation_count"].value) == ("0", "0")
    assert rows["satisfaction"].value == "—"


def test_the_panel_says_how_long_a_case_is_overdue(world, centre, make_case):
    case = make_case("assigned")
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(days=2, hours=3, minutes=5))

    row = panel(page(centre, case))["due_at"]

    assert row.extra == "已超期 2 天 3 小时" and row.css == "late"


def test_the_panel_shows_the_result_and_satisfaction_of_a_closed_case(world, centre, make_case):
    case = make_case("closed")
    services.case_feedback(case_id=case.pk, actor=world.admin_a, satisfaction="satisfied")

    rows = panel(page(centre, case))

    assert rows["result"].value == "已清理完毕"
    assert rows["satisfaction"].value == "满意"
    assert rows["due_at"].extra == "按期办结"


# --- the buttons: what the workflow allows this user now -------------------------------------------


@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        ("reported", ["accept", "reject", "extend", "comment", "merge", "attach"]),
        ("accepted", ["assign", "escalate", "extend", "comment", "merge", "attach"]),
        ("resolved", ["verify", "extend", "comment", "merge", "attach"]),
        ("closed", ["feedback", "comment"]),
    ],
)
def test_a_button_for_each_action_the_workflow_allows_now(world, centre, make_case, status, buttons):
    case = make_case(status)
    response = page(centre, case)
    assert [action for action, _label in response.context["buttons"]] == buttons
    html = response.content.decode()
    for action in buttons:
        assert f'href="{act_url(case, action)}"' in html


def test_the_buttons_are_labelled_in_chinese(world, centre, make_case):
    labels = dict(page(centre, make_case("reported")).context["buttons"])
    assert labels == {
        "accept": "立案",
        "reject": "不予立案",
        "extend": "延期",
        "comment": "备注",
        "merge": "合并重复案件",
        "attach": "上传附件",
    }


def test_community_staff_get_no_dispatch_buttons_on_a_street_level_case(world, client, make_case):
    world.staff_a.is_staff = True
    world.staff_a.save()
    case = make_case("accepted", level="street")
    client.force_login(world.staff_a)
    buttons = [action for action, _label in page(client, case).context["buttons"]]
    assert buttons == ["comment", "attach"]


# --- each button's form calls the service --------------------------------------------------------


def test_accepting_from_the_workspace_goes_through_the_service(world, centre, make_case):
    case = make_case("reported")
    form = centre.get(act_url(case, "accept"))
    assert form.status_code == 200 and 'name="note"' in form.content.decode()

    response = centre.post(
        act_url(case, "accept"),
        {"version": case.version, "note": "核实属实", "priority": "high"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("admin:cases_case_change", args=[case.pk])
    assert messages_of(response) == [("success", "立案：已完成。")]
    case.refresh_from_db()
    assert (case.status, case.priority) == ("accepted", "high")
    event = case.events.latest("pk")
    assert (event.action, event.actor, event.note) == ("accept", world.admin_a, "核实属实")


def test_dispatching_from_the_workspace_to_a_worker(world, centre, make_case):
    case = make_case("accepted")
    worker = GridWorker.objects.get(user=world.worker_a)
    centre.post(act_url(case, "assign"), {"version": case.version, "worker": worker.pk, "note": "今天处理"})
    case.refresh_from_db()
    assert (case.status, case.assignee_worker) == ("assigned", worker)


def test_dispatching_to_a_unit_of_the_streets_list(world, centre, make_case):
    case = make_case("accepted", level="street")
    DispatchUnitFactory(street=world.street_a, name="区城市管理局")
    centre.post(act_url(case, "assign"), {"version": case.version, "unit": "区城市管理局"})
    case.refresh_from_db()
    assert (case.status, case.assignee_unit) == ("assigned", "区城市管理局")


def test_a_unit_of_another_street_is_not_accepted(world, centre, make_case):
    case = make_case("accepted", level="street")
    DispatchUnitFactory(street=world.street_b, name="南川区城管局")
    response = centre.post(act_url(case, "assign"), {"version": case.version, "unit": "南川区城管局"})
    assert response.status_code == 200 and response.context["form"].errors["unit"]
    assert Case.objects.get(pk=case.pk).version == case.version


def test_verify_failed_sends_back_for_rework_with_the_note(world, centre, make_case):
    case = make_case("resolved")
    centre.post(act_url(case, "verify"), {"version": case.version, "passed": "0", "note": "未清理干净"})
    case.refresh_from_db()
    assert (case.status, case.rework_count) == ("assigned", 1)


def test_extend_from_the_workspace(world, centre, make_case):
    case = make_case("assigned")
    later = timezone.localtime(case.due_at + timedelta(days=3)).replace(second=0, microsecond=0)
    centre.post(
        act_url(case, "extend"),
        {"version": case.version, "due_at": later.strftime("%Y-%m-%dT%H:%M"), "reason": "等待材料"},
    )
    case.refresh_from_db()
    assert case.due_at == later
    assert case.events.latest("pk").note == "等待材料"


def test_a_missing_reason_is_a_form_error_and_writes_nothing(world, centre, make_case):
    case = make_case("reported")
    response = centre.post(act_url(case, "reject"), {"version": case.version, "reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert Case.objects.get(pk=case.pk).status == "reported"


def test_an_action_not_allowed_now_is_the_409_message_and_writes_nothing(world, centre, make_case):
    case = make_case("accepted")

    response = centre.post(act_url(case, "verify"), {"version": case.version, "passed": "1"}, follow=True)

    assert messages_of(response) == [("error", "核查：案件处于“立案”状态时不能执行“核查”。")]
    assert Case.objects.get(pk=case.pk).version == case.version
    assert not CaseEvent.objects.filter(case=case, action="verify").exists()


def test_opening_the_form_of_an_action_not_allowed_now_says_so(world, centre, make_case):
    case = make_case("closed")
    response = centre.get(act_url(case, "accept"), follow=True)
    assert messages_of(response) == [("error", "立案：案件处于“结案”状态时不能执行“立案”。")]


def test_a_form_read_before_someone_elses_change_is_the_412_message(world, centre, make_case):
    case = make_case("reported")
    read_at = case.version
    services.case_comment(case_id=case.pk, actor=world.superuser, note="另一位同事的备注")

    response = centre.post(act_url(case, "accept"), {"version": read_at, "note": ""}, follow=True)

    [(level, text)] = messages_of(response)
    assert level == "error" and text.startswith("立案：您读取后案件已被修改")
    assert Case.objects.get(pk=case.pk).status == "reported"


def test_a_case_outside_the_territory_has_no_workspace(world, centre, make_case):
    theirs = make_case("reported", grid=world.grid_b1)
    assert centre.get(act_url(theirs, "accept")).status_code == 404
    assert centre.post(act_url(theirs, "accept"), {"version": theirs.version}).status_code == 404
    assert Case.objects.get(pk=theirs.pk).status == "reported"


def test_an_unknown_action_is_not_found(world, centre, make_case):
    assert centre.get(act_url(make_case("reported"), "update")).status_code == 404


def test_attaching_a_photo_from_the_workspace(world, centre, make_case):
    case = make_case("assigned")
    upload = SimpleUploadedFile("张三 13900001111.png", image("PNG"), content_type="image/png")
    centre.post(act_url(case, "attach"), {"version": case.version, "file": upload})
    [attachment] = case.attachments.all()
    assert attachment.content_type == "image/png"


# --- photos -----------------------------------------------------------------------------------


@pytest.fixture
def photographed(world, make_case):
    case = make_case("assigned")
    upload = SimpleUploadedFile("p.jpg", image("JPEG", size=(1200, 900)), content_type="image/jpeg")
    photo = case_attach(case_id=case.pk, actor=world.admin_a, upload=upload)
    document = case_attach(
        case_id=case.pk,
        actor=world.admin_a,
        upload=SimpleUploadedFile("d.pdf", pdf(), content_type="application/pdf"),
    )
    return case, photo, document


def photo_url(case, attachment):
    return reverse("admin:cases_case_attachment", args=[case.pk, attachment.pk])


def test_photos_are_thumbnails_that_open_full_size(world, centre, photographed):
    case, photo, document = photographed
    html = page(centre, case).content.decode()
    assert f'<img src="{photo_url(case, photo)}?size=thumb"' in html
    assert f'href="{photo_url(case, photo)}"' in html and f'href="{photo_url(case, document)}"' in html

    thumb = centre.get(photo_url(case, photo), {"size": "thumb"})
    assert thumb["Content-Type"] == "image/jpeg" and thumb["X-Content-Type-Options"] == "nosniff"
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 320

    full = centre.get(photo_url(case, photo))
    assert "attachment" not in full.get("Content-Disposition", "")
    assert Image.open(io.BytesIO(b"".join(full.streaming_content))).size == (1200, 900)


def test_a_pdf_is_downloaded_never_shown_inline(world, centre, photographed):
    case, _photo, document = photographed
    response = centre.get(photo_url(case, document))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"


def test_photos_are_served_only_within_the_territory(world, client, photographed):
    case, photo, _document = photographed
    world.admin_b.is_staff = True
    world.admin_b.save()
    client.force_login(world.admin_b)
    assert client.get(photo_url(case, photo)).status_code == 404
    assert client.get(photo_url(case, photo), {"size": "thumb"}).status_code == 404
    client.logout()
    assert client.get(photo_url(case, photo)).status_code == 302  # to the login page


# --- the timeline ---------------------------------------------------------------------------------


def test_the_timeline_reads_as_sentences_in_local_time(world, centre, make_case):
    worker = GridWorker.objects.get(user=world.worker_a)
    worker.name = "赵红红"
    worker.save()
    # Seen offline yesterday at 08:22 UTC, which is 16:22 in the service's zone.
    seen = (timezone.now() - timedelta(days=1)).astimezone(UTC).replace(hour=8, minute=22, second=0)
    case = make_case("assigned", reported_at=seen)

    entries = case_timeline(case)
    html = page(centre, case).content.decode()

    assert [e.label for e in entries] == ["上报", "立案", "派遣"]
    assert f"{timezone.localtime(seen):%Y-%m-%d} 16:22" in html
    assigned = entries[2]
    assert assigned.actor == world.admin_a.get_full_name() and assigned.to_status == "派遣"
    changes = {c.label: (c.old, c.new) for c in assigned.changes}
    assert changes["承办网格员"] == ("—", "赵红红")
    assert changes["派遣时间"][0] == "—" and len(changes["派遣时间"][1]) == len("2026-12-01 16:22")
    assert "承办网格员</span>：— → 赵红红" in html
    assert '{"assignee_worker"' not in html and "assignee_worker" not in html


def test_masked_values_stay_masked_in_the_timeline(world, centre, make_case):
    case = make_case("accepted", contact_phone="13912345678")
    services.case_update(case_id=case.pk, actor=world.admin_a, data={"contact_phone": "13800001111"})

    [change] = case_timeline(case)[-1].changes

    assert (change.label, change.old, change.new) == ("群众电话", "139****5678", "138****1111")
    assert "13800001111" not in page(centre, case).content.decode().split('id="case-timeline"')[1]


def test_choice_and_category_changes_read_as_labels(world, centre, make_case, category):
    case = make_case("accepted")
    services.case_update(case_id=case.pk, actor=world.admin_a, data={"priority": "urgent"})
    [change] = case_timeline(case)[-1].changes
    assert (change.label, change.old, change.new) == ("紧急程度", "一般", "紧急")


# --- the dispatch picker -------------------------------------------------------------------------


def test_the_picker_lists_the_workers_of_the_cases_grid_first_with_their_grids(world, centre, make_case):
    case = make_case("accepted")
    GridWorker.objects.filter(user=world.worker_a).update(name="赵红红")
    GridWorkerFactory(name="钱二", street=world.street_a, grids=[world.grid_a2, world.grid_a3])
    GridWorkerFactory(name="孙三", street=world.street_a, grids=[world.grid_a1, world.grid_a2])

    form = centre.get(act_url(case, "assign")).context["form"]
    groups = form.fields["worker"].choices[1:]

    assert [label for label, _choices in groups] == ["覆盖本案网格的网格员", "辖区内其他网格员"]
    assert [label for _pk, label in groups[0][1]] == [
        "孙三（浒溪一网格、浒溪二网格）",
        "赵红红（浒溪一网格）",
    ]
    assert [label for _pk, label in groups[1][1]] == ["钱二（浒溪二网格、三河一组）"]
    worker_b = GridWorker.objects.get(user=world.worker_b)
    assert worker_b.pk not in [pk for _label, choices in groups for pk, _l in choices]


def test_the_unit_is_picked_from_the_streets_list_and_labelled_as_an_organisation(world, centre, make_case):
    case = make_case("accepted")
    DispatchUnitFactory(street=world.street_a, name="街道司法所")
    DispatchUnitFactory(street=world.street_a, name="已撤并的站所", is_active=False)
    DispatchUnitFactory(street=world.street_b, name="南川区城管局")

    response = centre.get(act_url(case, "assign"))
    unit = response.context["form"].fields["unit"]

    assert [u.name for u in unit.queryset] == ["街道司法所"]
    assert str(unit.label) == "单位"
    assert "单位" in response.content.decode()


def test_the_bulk_dispatch_page_groups_the_workers_too(world, centre, make_case):
    case = make_case("accepted")
    response = centre.post(
        reverse("admin:cases_case_changelist"), {"action": "assign_cases", "_selected_action": [case.pk]}
    )
    groups = response.context["form"].fields["worker"].choices[1:]
    assert groups[0][0] == "覆盖本案网格的网格员"


def test_the_centre_merges_a_duplicate_from_the_case_page(world, make_case, client):
    from django.urls import reverse

    from cases.models import Case

    kept, duplicate = make_case("accepted"), make_case("reported", title="同一处堆物")
    client.force_login(world.admin_a)
    url = reverse("admin:cases_case_act", args=[duplicate.pk, "merge"])
    page = client.get(url)
    assert page.status_code == 200
    unknown = client.post(url, {"version": duplicate.version, "into": "SQ-1999-000001", "reason": "重复上报"})
    assert unknown.status_code == 200 and Case.objects.get(pk=duplicate.pk).status == "reported"
    done = client.post(url, {"version": duplicate.version, "into": kept.number, "reason": "重复上报"})
    assert done.status_code == 302
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == ("merged", kept.pk)
