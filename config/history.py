"""History rows (a case's steps, a mediation's steps): written once, never changed or deleted.

The services only ever add them. These guards make a change through the ORM fail loudly
instead of rewriting what happened: saving a row already stored, deleting one, and
`update()`, `bulk_update()` or `delete()` on a queryset of them. Wiping the whole database
(`seed --reset`) and removing bench data use raw DELETEs, which nothing here stops.
"""

from typing import NoReturn

from django.db import models


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
