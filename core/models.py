from django.conf import settings
from django.db import models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils.translation import gettext_lazy as _


def load_row(cls, db, field_names, values):
    """`Model.from_db`, faster, for models whose rows a list reads by the hundred
    (`from_db = classmethod(load_row)`).

    Django's `Model.__init__` sets each field through its descriptor; for a row just read
    there is nothing for them to do, so the values go straight into the instance, as
    `__init__` would leave them, unless something listens to the model's init signals (then
    Django's own path runs). `field_names` are the attribute names of the columns read, in
    order; a column left out (`defer`) stays absent and is read when first used, as Django's.
    """
    if pre_init.has_listeners(cls) or post_init.has_listeners(cls):
        return models.Model.from_db.__func__(cls, db, field_names, values)
    new = cls.__new__(cls)
    state = new._state = ModelState()
    state.adding, state.db = False, db
    new.__dict__.update(zip(field_names, values, strict=True))
    return new


class OutboxEvent(models.Model):
    """A domain event, written in the transaction of the step it tells of (transactional outbox).

    The row exists exactly when the step was committed: subscribers run after the commit and
    may read it again, and a step that is rolled back leaves no event. The payload holds what
    a subscriber needs to route the event (statuses, the fields changed, the object's street
    and grid), never a resident's name, phone or ID number.
    """

    name = models.CharField(_("event"), max_length=60)
    aggregate = models.CharField(_("object type"), max_length=30)
    aggregate_id = models.PositiveBigIntegerField(_("object id"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    occurred_at = models.DateTimeField(_("time"))
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["aggregate", "aggregate_id"], name="outbox_aggregate_idx"),
            # The notifications' re-drive reads the recent events by the time they were written.
            models.Index(fields=["created_at"], name="outbox_created_idx"),
        ]

    def __str__(self):
        return f"{self.name} {self.aggregate}:{self.aggregate_id}"


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` and the answer it got, so that a retry replays it."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", _("in flight")
        DONE = "done", _("done")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user account")
    )
    key = models.CharField(_("key"), max_length=100)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True)
    response_body = models.JSONField(_("response body"), null=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    # The database session that holds an in-flight claim (PostgreSQL: its backend's pid and
    # start time), so that a retry knows at once when that session, and its request, are gone.
    owner = models.CharField(_("claimed by session"), max_length=64, blank=True, default="")

    class Meta:
        # Moved down from `cases` so that every app's create can be idempotent; the table
        # kept its name, so the move changed no row.
        db_table = "cases_idempotencykey"
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]

    def __str__(self):
        return f"{self.user_id}:{self.key}"
