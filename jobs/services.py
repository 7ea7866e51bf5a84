"""Starting a background job, running it once, and what its owner may read of it.

A job is checked when it is asked for and queued after the commit. Running claims it
(`queued` → `running` in one UPDATE, with a token of the run), so that a task the broker
delivers twice runs the work once. While it runs, a thread of the worker beats every
`HEARTBEAT`: a job whose beats stop for `STALE_RUNNING` (its worker died) is put back in the
queue, and a run that lost its claim that way writes nothing when it ends. A job the broker
never got (it was down) is queued again by the re-drive, once `REDRIVE_AFTER` has passed
since it was made, and again every `REQUEUE_AFTER` while it waits (a backlog is not resent
every minute).
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ActionNotAllowed, DomainError, InvalidInput, ObjectNotFound
from core import periodic
from core.queue import enqueue, single_machine
from jobs.models import Job
from jobs.registry import KINDS

logger = logging.getLogger(__name__)

HEARTBEAT = timedelta(minutes=1)
STALE_RUNNING = timedelta(minutes=5)
REDRIVE_AFTER = timedelta(minutes=1)
REQUEUE_AFTER = timedelta(minutes=10)


def _queue(job_id) -> bool:
    from jobs.tasks import run

    Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(queued_at=timezone.now())
    return enqueue(run, str(job_id))


def job_start(*, user, kind: str, params: dict, upload=None) -> Job:
    """Check and record a job of `kind` for `user`; it is queued once the transaction commits.

    `upload` is the file a kind that `takes_file` reads (a Django `UploadedFile`).
    """
    job_kind = KINDS.get(kind)
    if job_kind is None:
        raise InvalidInput("kind", _("Unknown kind of job. Known: %s") % ", ".join(sorted(KINDS)))
    if not isinstance(params, dict):
        raise InvalidInput("params", _("The parameters must be an object."))
    _check_upload(job_kind, upload)
    checked = job_kind.check(user, params)
    with transaction.atomic():
        job = Job.objects.create(user=user, kind=kind, params=checked)
        if upload is not None:
            job.source.save(_safe_name(upload.name), upload, save=False)
            job.source_name = upload.name[:120]
            job.save(update_fields=["source", "source_name"])
        transaction.on_commit(lambda: _queue(job.pk))
    return job


def _check_upload(job_kind, upload) -> None:
    if not job_kind.takes_file:
        if upload is not None:
            raise InvalidInput("file", _("This kind of job takes no file."))
        return
    if upload is None:
        raise InvalidInput("file", _("Attach the file to import."))
    if job_kind.check_file:
        job_kind.check_file(upload.name, upload.size)


def _safe_name(name: str) -> str:
    # The stored name keeps only the extension: the reader goes by it, and a resident's name in
    # a file name would otherwise sit on disk.
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    return f"upload.{extension[:8]}"


def job_of_user(*, user, job_id) -> Job:
    """The user's own job; anyone else's is not found."""
    job = Job.objects.filter(pk=job_id, user=user).first()
    if job is None:
        raise ObjectNotFound()
    return job


def job_file(*, user, job_id) -> Job:
    job = job_of_user(user=user, job_id=job_id)
    if job.state != Job.State.DONE or not job.file:
        raise ActionNotAllowed(_("The job has no file yet."), allowed_actions=[])
    return job


def job_run(job_id) -> str:
    """Run a queued job once; its final state ("superseded": its claim was lost meanwhile)."""
    now, token = timezone.now(), uuid.uuid4()
    if not Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=now, heartbeat_at=now, run_token=token
    ):
        return "skipped"
    job = Job.objects.select_related("user").get(pk=job_id)
    kind = KINDS[job.kind]
    held = Job.objects.filter(pk=job.pk, run_token=token)
    try:
        with _heartbeat(held):
            extra = {"source": _read_source(job)} if kind.takes_file else {}
            made = kind.run(job.user, job.params, _progress_of(job), **extra)
    except DomainError as exc:
        return _failed(held, exc.message)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        return _failed(held, _("The job failed; try again or ask the administrator."))
    finally:
        _drop_source(job, held)
    job.file.save(made.name, ContentFile(made.content), save=False)
    finished = held.update(
        state=Job.State.DONE,
        percent=100,
        file=job.file.name,
        file_name=made.name,
        content_type=made.content_type,
        result=made.summary,
        finished_at=timezone.now(),
    )
    if not finished:
        job.file.delete(save=False)  # a later run holds the job now: its file is the one kept
        return "superseded"
    cache.delete(_progress_key(job.pk))
    return "done"


def _heartbeat(held):
    """Beat every `HEARTBEAT` from a thread, on its own connection, while the job runs (an
    import writes in one transaction, which would hide a beat from the main thread)."""

    def beat() -> None:
        try:
            held.update(heartbeat_at=timezone.now())
        except DatabaseError:
            logger.warning("job heartbeat not written", exc_info=True)

    return periodic.every(HEARTBEAT.total_seconds(), beat, name="job-heartbeat")


def _progress_key(job_id) -> str:
    return f"jobs:{job_id}:percent"


def _progress_of(job: Job):
    def progress(percent: int) -> None:
        percent = max(0, min(99, int(percent)))
        if transaction.get_connection().in_atomic_block:
            # An import writes all or nothing in one transaction, where an UPDATE of the job
            # would stay unseen until the end: its progress goes through the shared cache.
            cache.set(_progress_key(job.pk), percent, timeout=int(STALE_RUNNING.total_seconds()))
        else:
            Job.objects.filter(pk=job.pk).update(percent=percent)

    return progress


def job_percent(job: Job) -> int:
    """How far a job is: the stored percent, or the cached one of a job inside its transaction."""
    if job.state != Job.State.RUNNING:
        return job.percent
    return max(job.percent, cache.get(_progress_key(job.pk)) or 0)


def _read_source(job: Job) -> bytes:
    if not job.source:
        raise InvalidInput("file", _("The uploaded file is gone; start the job again."))
    with job.source.open("rb") as handle:
        return handle.read()


def _drop_source(job: Job, held) -> None:
    if job.source and held.exists():
        job.source.delete(save=False)
        held.update(source="")


def _failed(held, message: str) -> str:
    if not held.update(state=Job.State.FAILED, error=message[:300], finished_at=timezone.now()):
        return "superseded"
    return "failed"


def jobs_redrive(*, now=None) -> int:
    """Queue again the jobs the broker never got (or lost), and those whose worker died."""
    now = now or timezone.now()
    silent = Q(heartbeat_at__lt=now - STALE_RUNNING) | Q(
        heartbeat_at__isnull=True, started_at__lt=now - STALE_RUNNING
    )
    dead = list(Job.objects.filter(silent, state=Job.State.RUNNING).values_list("pk", flat=True))
    # Put back only if still silent: a beat or the end may have come since the read.
    revived = Job.objects.filter(silent, pk__in=dead, state=Job.State.RUNNING).update(
        state=Job.State.QUEUED, run_token=None, queued_at=None
    )
    lag = timedelta(0) if single_machine() else REDRIVE_AFTER
    waiting = Q(queued_at__isnull=True, created_at__lte=now - lag) | Q(queued_at__lte=now - REQUEUE_AFTER)
    if revived:
        waiting |= Q(pk__in=dead, queued_at__isnull=True)
    queued = list(Job.objects.filter(waiting, state=Job.State.QUEUED).values_list("pk", flat=True))
    for pk in queued:
        _queue(pk)
    return len(queued)


def jobs_purge(*, now=None) -> int:
    """Delete finished jobs and their files after `JOB_RETENTION_DAYS`."""
    now = now or timezone.now()
    old = Job.objects.filter(
        state__in=[Job.State.DONE, Job.State.FAILED],
        finished_at__lt=now - timedelta(days=settings.JOB_RETENTION_DAYS),
    )
    count = 0
    for job in old.iterator():
        if job.file:
            job.file.delete(save=False)
        if job.source:
            job.source.delete(save=False)
        job.delete()
        count += 1
    return count
