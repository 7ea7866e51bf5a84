"""A background job (a large export or import) and what it produced, for the user who started it."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def job_file_path(instance, filename):
    # Stored under the job's id, never served by URL: only the job's owner downloads it.
    return f"jobs/{instance.pk}/{filename}"


def job_source_path(instance, filename):
    return f"jobs/{instance.pk}/source/{filename}"


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user account")
    )
    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    percent = models.PositiveSmallIntegerField(_("percent done"), default=0)
    file = models.FileField(_("file"), upload_to=job_file_path, blank=True)
    file_name = models.CharField(_("file name"), max_length=120, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    # The uploaded file an import reads; deleted once the job has run.
    source = models.FileField(_("uploaded file"), upload_to=job_source_path, blank=True)
    source_name = models.CharField(_("uploaded file name"), max_length=120, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # When the job was last handed to the queue; its running worker's last sign of life, and
    # the run that holds it (a run that lost its claim to a later one changes nothing).
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    run_token = models.UUIDField(_("run"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="job_percent_at_most_100"),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="job_state_created_idx")]

    def __str__(self):
        return f"{self.kind} {self.pk}"
