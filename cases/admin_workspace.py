"""The case page as the centre's workspace: the case's state, its actions, photos and history.

The change page shows a status panel, a button for each action the workflow allows the user
now (`workflow.allowed_actions`), the photos and the history as a timeline. Each button opens
a small form whose submit calls the same service the API calls; a refusal (403, 409, 412 in
the API) comes back as an error message on the case page, and nothing is written.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from PIL import Image

from cases import services, workflow
from cases.attachments import case_attach
from cases.models import Case, CaseAttachment, DispatchUnit, Level, Priority, Satisfaction, Triage
from cases.timeline import EMPTY, local_time
from config.errors import DomainError, InvalidInput
from grids.models import GridWorker
from grids.names import person_name
from grids.scope import scope_for

# Actions that have no button: `update` is the form below the panel, `report` creates a case.
NO_BUTTON = frozenset({"update", "report"})
THUMBNAIL_PIXELS = 320


# --- the status panel ------------------------------------------------------------------------


def duration_text(delta: timedelta) -> str:
    """A duration in days and hours (or hours and minutes under a day), as a person says it."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}


def due_state(case: Case, now: datetime) -> tuple[str, str]:
    """(the text after the due time, its css class): time left, overdue, or how it closed."""
    if case.status == "closed":
        if case.closed_at and case.closed_at <= case.due_at:
            return _("closed within the time limit"), "ok"
        return _("closed late"), "late"
    if case.status == "rejected":
        return "", ""
    if case.due_at < now:
        return _("overdue by %(time)s") % {"time": duration_text(now - case.due_at)}, "late"
    return _("%(time)s left") % {"time": duration_text(case.due_at - now)}, "ok"


def assignee_text(case: Case) -> str:
    if case.assignee_worker_id:
        worker = case.assignee_worker
        grids = "、".join(grid.name for grid in worker.grids.all())
        return f"{worker.name}（{grids}）" if grids else worker.name
    return case.assignee_unit or EMPTY


@dataclass(frozen=True)
class PanelRow:
    key: str
    label: str
    value: str
    extra: str = ""
    css: str = ""


def status_panel(case: Case, now: datetime) -> list[PanelRow]:
    due_text, due_css = due_state(case, now)
    field = Case._meta.get_field
    return [
        PanelRow("status", str(field("status").verbose_name), case.get_status_display(), css="status"),
        PanelRow("level", str(field("level").verbose_name), case.get_level_display()),
        PanelRow("triage", str(field("triage").verbose_name), case.get_triage_display()),
        PanelRow("priority", str(field("priority").verbose_name), case.get_priority_display()),
        PanelRow("assignee", _("assigned to"), assignee_text(case)),
        PanelRow("due_at", str(field("due_at").verbose_name), local_time(case.due_at), due_text, due_css),
        PanelRow("reporter", str(field("reporter").verbose_name), person_name(case.reporter)),
        PanelRow("result", str(field("result").verbose_name), case.result or EMPTY),
        PanelRow("rework_count", str(field("rework_count").verbose_name), str(case.rework_count)),
        PanelRow("escalation_count", str(field("escalation_count").verbose_name), str(case.escalation_count)),
        PanelRow(
            "satisfaction", str(field("satisfaction").verbose_name), case.get_satisfaction_display() or EMPTY
        ),
    ]


# --- the dispatch picker ---------------------------------------------------------------------


def worker_label(worker: GridWorker) -> str:
    grids = "、".join(grid.name for grid in worker.grids.all())
    return f"{worker.name}（{grids}）" if grids else worker.name


def worker_choices(scope, grid_ids: set[int]) -> list:
    """The workers of the caller's territory, those covering one of `grid_ids` first."""
    workers = (
        GridWorker.objects.visible_to(scope)
        .filter(is_active=True)
        .prefetch_related("grids")
        .order_by("name", "pk")
    )
    covering, others = [], []
    for worker in workers:
        covers = any(grid.pk in grid_ids for grid in worker.grids.all())
        (covering if covers else others).append((worker.pk, worker_label(worker)))
    groups = [("", "---------")]
    if covering:
        groups.append((_("Workers covering the case's grid"), covering))
    if others:
        groups.append((_("Other workers of your territory"), others))
    return groups


class DispatchForm(forms.Form):
    """One worker or one unit of the street's list; a note."""

    worker = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=_("worker"))
    unit = forms.ModelChoiceField(
        queryset=DispatchUnit.objects.none(),
        required=False,
        label=pgettext_lazy("organisation", "unit"),
        to_field_name="name",
    )
    note = forms.CharField(
        required=False, label=gettext_lazy("note"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, scope, grid_ids: set[int], street_ids: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["worker"].choices = worker_choices(scope, grid_ids)
        self.fields["unit"].queryset = DispatchUnit.objects.visible_to(scope).filter(
            street_id__in=street_ids, is_active=True
        )

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("worker")) == bool(cleaned.get("unit")):
            raise ValidationError(_("Name either a worker or a unit."))
        return cleaned

    def dispatch_to(self) -> dict:
        """The service's arguments: the worker row, or the unit's name."""
        worker_id, unit = self.cleaned_data.get("worker"), self.cleaned_data.get("unit")
        worker = GridWorker.objects.visible_to(self.scope).get(pk=worker_id) if worker_id else None
        return {"worker": worker, "unit": unit.name if unit else ""}


# --- one small form per action, in the order of the buttons: the loop's steps first -----


def _text(label, required=True, rows=3):
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}))


def _optional_choice(label, choices):
    return forms.ChoiceField(label=label, required=False, choices=[("", _("unchanged")), *choices])


class ActionForm(forms.Form):
    """The version the page was read at travels with the form: a change since is refused (412)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, case: Case, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.case, self.scope = case, scope


class NoteForm(ActionForm):
    note = _text(gettext_lazy("note"), required=False)


class RequiredNoteForm(ActionForm):
    note = _text(gettext_lazy("note"))


class ReasonForm(ActionForm):
    reason = _text(gettext_lazy("reason"))


class MergeForm(ReasonForm):
    """Close this case as a duplicate of another open case of the street, named by its number."""

    into = forms.CharField(label=gettext_lazy("number of the case it duplicates"), max_length=24)

    def clean_into(self):
        number = self.cleaned_data["into"].strip()
        kept = Case.objects.visible_to(self.scope).filter(number=number).values_list("pk", flat=True).first()
        if kept is None:
            raise forms.ValidationError(gettext_lazy("No case with this number in your territory."))
        return kept


class AcceptForm(NoteForm):
    triage = _optional_choice(gettext_lazy("triage"), Triage.choices)
    level = _optional_choice(gettext_lazy("handling level"), Level.choices)
    priority = _optional_choice(gettext_lazy("priority"), Priority.choices)


class AssignForm(ActionForm):
    def __init__(self, *args, case, scope, **kwargs):
        super().__init__(*args, case=case, scope=scope, **kwargs)
        self.dispatch = DispatchForm(*args, scope=scope, grid_ids={case.grid_id}, street_ids={case.street_id})
        self.fields.update(self.dispatch.fields)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("worker")) == bool(cleaned.get("unit")):
            raise ValidationError(_("Name either a worker or a unit."))
        return cleaned

    def dispatch_to(self) -> dict:
        self.dispatch.cleaned_data = self.cleaned_data
        return self.dispatch.dispatch_to()


class ResolveForm(ActionForm):
    result = _text(gettext_lazy("result"))


class VerifyForm(ActionForm):
    passed = forms.TypedChoiceField(
        label=gettext_lazy("verification"),
        choices=[
            ("1", gettext_lazy("passed: close the case")),
            ("0", gettext_lazy("failed: send back for rework")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    note = _text(gettext_lazy("note (what to redo, when failed)"), required=False)


class ExtendForm(ActionForm):
    due_at = forms.DateTimeField(
        label=gettext_lazy("new due time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = _text(gettext_lazy("reason"))


class FeedbackForm(ActionForm):
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("resident satisfaction"), choices=Satisfaction.choices
    )
    note = _text(gettext_lazy("note"), required=False)


class AttachForm(ActionForm):
    file = forms.FileField(label=gettext_lazy("photo or PDF"))


Call = Callable[[ActionForm, object], object]


def _actor_args(form: ActionForm, user) -> dict:
    return {"case_id": form.case.pk, "actor": user, "expected_version": form.cleaned_data["version"]}


def _data(form: ActionForm, *names: str) -> dict:
    return {name: form.cleaned_data[name] for name in names}


def _accept(form, user):
    extra = {name: form.cleaned_data[name] or None for name in ("triage", "level", "priority")}
    return services.case_accept(**_actor_args(form, user), note=form.cleaned_data["note"], **extra)


ACTIONS: dict[str, tuple[type[ActionForm], Call]] = {
    "accept": (AcceptForm, _accept),
    "reject": (ReasonForm, lambda f, u: services.case_reject(**_actor_args(f, u), **_data(f, "reason"))),
    "assign": (
        AssignForm,
        lambda f, u: services.case_assign(
            **_actor_args(f, u), note=f.cleaned_data["note"], **f.dispatch_to()
        ),
    ),
    "start": (NoteForm, lambda f, u: services.case_start(**_actor_args(f, u), **_data(f, "note"))),
    "resolve": (ResolveForm, lambda f, u: services.case_resolve(**_actor_args(f, u), **_data(f, "result"))),
    "verify": (
        VerifyForm,
        lambda f, u: services.case_verify(**_actor_args(f, u), **_data(f, "passed", "note")),
    ),
    "feedback": (
        FeedbackForm,
        lambda f, u: services.case_feedback(**_actor_args(f, u), **_data(f, "satisfaction", "note")),
    ),
    "escalate": (ReasonForm, lambda f, u: services.case_escalate(**_actor_args(f, u), **_data(f, "reason"))),
    "extend": (
        ExtendForm,
        lambda f, u: services.case_extend(**_actor_args(f, u), **_data(f, "due_at", "reason")),
    ),
    "comment": (
        RequiredNoteForm,
        lambda f, u: services.case_comment(**_actor_args(f, u), **_data(f, "note")),
    ),
    "merge": (
        MergeForm,
        lambda f, u: services.case_merge(**_actor_args(f, u), **_data(f, "into", "reason")),
    ),
    "attach": (
        AttachForm,
        lambda f, u: case_attach(**_actor_args(f, u), upload=f.cleaned_data["file"]),
    ),
}


def action_buttons(case: Case, scope) -> list[tuple[str, str]]:
    """(action, label) of each action the workflow allows this user on the case now."""
    allowed = workflow.allowed_actions(case, scope)
    order = list(ACTIONS)
    return [
        (action, workflow.action_label(action))
        for action in sorted(allowed, key=lambda a: order.index(a) if a in order else len(order))
        if action in ACTIONS and action not in NO_BUTTON
    ]


# --- the admin's views -------------------------------------------------------------------------


class CaseWorkspaceMixin:
    """Adds the workspace to the case admin: its context, the action pages, the photo view."""

    change_form_template = "admin/cases/case/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/act/<str:action>/", view(self.action_view), name="cases_case_act"),
            path(
                "<path:object_id>/attachments/<int:attachment_id>/",
                view(self.attachment_view),
                name="cases_case_attachment",
            ),
            *super().get_urls(),
        ]

    def workspace_context(self, request, case: Case) -> dict:
        scope = scope_for(request.user)
        attachments = list(case.attachments.select_related("case"))
        return {
            "panel": status_panel(case, timezone.now()),
            "buttons": action_buttons(case, scope),
            "photos": [a for a in attachments if a.content_type.startswith("image/")],
            "documents": [a for a in attachments if not a.content_type.startswith("image/")],
        }

    def _case_or_404(self, request, object_id) -> Case:
        case = self.get_object(request, object_id)
        if case is None:
            raise Http404(_("No such case in your territory."))
        return case

    def _back(self, case: Case) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]))

    def action_view(self, request, object_id, action):
        if action not in ACTIONS:
            raise Http404(_("No such action."))
        case = self._case_or_404(request, object_id)
        form_class, call = ACTIONS[action]
        scope = scope_for(request.user)
        label = workflow.action_label(action)
        if request.method == "POST":
            form = form_class(request.POST, request.FILES, case=case, scope=scope)
            if form.is_valid():
                try:
                    call(form, request.user)
                except InvalidInput as error:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
                except DomainError as error:
                    self.message_user(request, f"{label}：{error.message}", messages.ERROR)
                    return self._back(case)
                else:
                    self.message_user(request, _("%(label)s: done.") % {"label": label}, messages.SUCCESS)
                    return self._back(case)
        else:
            try:
                services.case_check_action(case=case, action=action, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{label}：{error.message}", messages.ERROR)
                return self._back(case)
            form = form_class(initial={"version": case.version}, case=case, scope=scope)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{label}：{case.number}",
            "opts": self.model._meta,
            "original": case,
            "case": case,
            "action": action,
            "action_label": label,
            "form": form,
            "panel": status_panel(case, timezone.now()),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/cases/case/action.html", context)

    def attachment_view(self, request, object_id, attachment_id):
        """A photo inline (full size, or `?size=thumb`), a PDF as a download; only to whoever
        sees the case."""
        case = self._case_or_404(request, object_id)
        attachment = CaseAttachment.objects.filter(case=case, pk=attachment_id).select_related("case").first()
        if attachment is None:
            raise Http404(_("No such attachment."))
        is_image = attachment.content_type.startswith("image/")
        if is_image and request.GET.get("size") == "thumb":
            response = HttpResponse(thumbnail(attachment), content_type="image/jpeg")
        else:
            response = FileResponse(
                attachment.file.open("rb"),
                as_attachment=not is_image,
                content_type=attachment.content_type,
                filename=attachment.download_name,
            )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, max-age=3600"
        return response


def thumbnail(attachment: CaseAttachment) -> bytes:
    """A small JPEG of a stored photo (the stored file was already cleaned on upload)."""
    with attachment.file.open("rb") as stored, Image.open(stored) as image:
        image = image.convert("RGB")
        image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
    return out.getvalue()
