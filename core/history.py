"""History: the one builder of every workflow's steps, and the rows that keep them.

A step records who did what and when, the status before and after, a note, and each field
the step really changed, old and new, as JSON; a resident's personal data among them is
recorded masked. `History.step` applies a step to an object in memory (the seed builds whole
histories this way, with its own clock); `History.record` does the same and then saves the
object's changed fields, its history row and its outbox event, in the caller's transaction.

History rows are written once, never changed or deleted. `AppendOnlyModel` makes a change
through the ORM fail loudly instead of rewriting what happened: saving a row already stored,
deleting one, and `update()`, `bulk_update()` or `delete()` on a queryset of them. Wiping the
whole database (`seed --reset`) and removing bench data use raw DELETEs, which nothing here
stops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

from django.db import models
from django.utils import timezone

from core import outbox


class AppendOnlyError(ValueError):
    """A history row was about to be changed or deleted."""


def _refuse(model: type[models.Model]) -> NoReturn:
    raise AppendOnlyError(f"{model._meta.label} is append-only: history is never changed or deleted.")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _refuse(self.model)

    def delete(self):
        _refuse(self.model)


class AppendOnlyModel(models.Model):
    """Base of the history models: rows are inserted, then only read."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            _refuse(type(self))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse(type(self))


def as_json(value: Any) -> Any:
    """A changed field's value as the history records it: times in local time (ISO 8601),
    days and amounts as text, related objects by their id."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, (date, Decimal)):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


@dataclass(frozen=True)
class Step:
    """One step of an object's workflow, as its history row records it."""

    action: str
    at: datetime
    actor: Any
    from_status: str
    to_status: str
    note: str = ""
    changes: dict = field(default_factory=dict)


# An observer sees a step in its own transaction, where the outbox's subscribers see it only
# after the commit: `observer(obj, first)` is called before the step changes `obj` (`first`:
# the object was just created) and returns what to call with `obj` once it has been saved.
# The reports' rollups are kept this way, so that a committed step is always counted.
Observer = Callable[[Any, bool], Callable[[Any], None]]


class History:
    """The history of one workflow's objects: which model keeps it, and what is masked in it.

    `masks` maps a personal-data field to the function that masks it; `context` names the
    object's non-personal facts an outbox event carries (its street, grid, number …), so that
    a subscriber knows where the step happened without reading the object again.
    """

    def __init__(
        self,
        workflow: str,
        *,
        model: type[models.Model],
        parent_field: str,
        masks: dict[str, Callable[[str], str]] | None = None,
        context: Callable[[Any], dict] = lambda obj: {},
    ):
        self.workflow = workflow
        self.model = model
        self.parent_field = parent_field
        self.masks = masks or {}
        self.context = context
        self._observers: list[Observer] = []

    def observe(self, observer: Observer) -> None:
        """Have `observer` see each recorded step inside its transaction (see `Observer`)."""
        if observer not in self._observers:
            self._observers.append(observer)

    def unobserve(self, observer: Observer) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    def value(self, name: str, value: Any) -> Any:
        if name in self.masks:
            return self.masks[name](value or "")
        return as_json(value)

    def step(
        self,
        obj,
        *,
        action: str,
        actor,
        at: datetime,
        changes: dict[str, Any] | None = None,
        to_status: str | None = None,
        note: str = "",
        relation_changes: dict[str, list] | None = None,
        first: bool = False,
    ) -> Step:
        """Apply `changes` and `to_status` to `obj` in memory; the step lists what changed.

        Only fields whose value changes are listed, old and new. Every step but an object's
        first raises its version. `relation_changes` are many-to-many changes already made,
        recorded as given (`{"assisting_mediators": [before_ids, after_ids]}`).
        """
        diff = dict(relation_changes or {})
        for name, new in (changes or {}).items():
            old = getattr(obj, name)
            if old != new:
                diff[name] = [self.value(name, old), self.value(name, new)]
                setattr(obj, name, new)
        from_status = "" if first else obj.status
        if to_status is not None:
            obj.status = to_status
        if not first:
            obj.version += 1
        return Step(action, at, actor, from_status, obj.status, note, diff)

    def row(self, obj_or_id, step: Step) -> models.Model:
        """The unsaved history row of `step` (`obj_or_id`: the object, or its id)."""
        parent = (
            {self.parent_field: obj_or_id}
            if hasattr(obj_or_id, "pk")
            else {f"{self.parent_field}_id": obj_or_id}
        )
        return self.model(
            **parent,
            action=step.action,
            actor=step.actor,
            at=step.at,
            from_status=step.from_status,
            to_status=step.to_status,
            note=step.note,
            changes=step.changes,
        )

    def record(self, obj, *, at: datetime | None = None, **step_arguments) -> models.Model:
        """Take the step (`History.step`), save the object's changed fields, its history row and
        its outbox event, in the caller's transaction. An object's first step (its creation)
        saves no fields: the object was just created."""
        changes = step_arguments.get("changes") or {}
        first = bool(step_arguments.get("first"))
        after = [observer(obj, first) for observer in self._observers]
        step = self.step(obj, at=at or timezone.now(), **step_arguments)
        if not first:
            obj.save(update_fields=sorted({"status", "version", *changes}))
        row = self.row(obj, step)
        row.save()
        for then in after:
            then(obj)
        outbox.publish(self.event(obj.pk, step, context=self.context(obj)))
        return row

    def event(self, obj_id: int, step: Step, *, context: dict | None = None) -> outbox.OutboxEvent:
        """The outbox event of a step. Personal data is named as changed, never given."""
        actor = step.actor
        return outbox.OutboxEvent(
            name=f"{self.workflow}.{step.action}",
            aggregate=self.workflow,
            aggregate_id=obj_id,
            actor_id=actor.pk if actor is not None else None,
            occurred_at=step.at,
            payload={
                "from_status": step.from_status,
                "to_status": step.to_status,
                "changes": {k: v for k, v in step.changes.items() if k not in self.masks},
                "changed": sorted(step.changes),
                **(context or {}),
            },
        )
