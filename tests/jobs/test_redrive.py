"""The re-drive of jobs: a worker that died is replaced, one that lives is not, and a job
waiting in a backlog is not queued again every minute."""

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import services
from jobs.models import Job
from jobs.registry import KINDS, JobFile, JobKind
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_runs(monkeypatch):
    """The job ids the re-drive hands to the queue (nothing runs)."""
    sent = []
    monkeypatch.setattr(services, "enqueue", lambda task, job_id: sent.append(job_id) or True)
    monkeypatch.setattr(services, "single_machine", lambda: False)
    return sent


def _running(user, *, started_minutes_ago: float, beat_minutes_ago: float | None):
    now = timezone.now()
    job = JobFactory(user=user, params={"format": "csv"})
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING,
        started_at=now - timedelta(minutes=started_minutes_ago),
        heartbeat_at=None if beat_minutes_ago is None else now - timedelta(minutes=beat_minutes_ago),
    )
    return job


def test_a_long_job_whose_worker_still_beats_is_left_running(world, queued_runs):
    alive = _running(world.admin_a, started_minutes_ago=90, beat_minutes_ago=0.5)
    dead = _running(world.admin_a, started_minutes_ago=90, beat_minutes_ago=6)
    before_beats = _running(world.admin_a, started_minutes_ago=6, beat_minutes_ago=None)
    assert services.jobs_redrive() == 2
    assert Job.objects.get(pk=alive.pk).state == Job.State.RUNNING
    assert {str(pk) for pk in queued_runs} == {str(dead.pk), str(before_beats.pk)}
    assert Job.objects.get(pk=dead.pk).state == Job.State.QUEUED


def test_a_waiting_job_is_queued_again_only_after_a_while(world, queued_runs):
    job = JobFactory(user=world.admin_a, params={"format": "csv"})
    now = timezone.now()
    # Made a moment ago: the commit's own enqueue may still be on its way.
    assert services.jobs_redrive(now=now) == 0
    # The broker never got it: queued a minute later, and not again during the next minutes.
    assert services.jobs_redrive(now=now + timedelta(minutes=2)) == 1
    assert Job.objects.get(pk=job.pk).queued_at is not None
    assert services.jobs_redrive(now=timezone.now() + timedelta(minutes=5)) == 0
    # Lost on the way after all: queued again once REQUEUE_AFTER has passed.
    assert services.jobs_redrive(now=timezone.now() + timedelta(minutes=11)) == 1
    assert len(queued_runs) == 2


def test_a_run_that_lost_its_claim_writes_nothing_when_it_ends(world, monkeypatch):
    job = JobFactory(user=world.admin_a, params={"format": "csv"})
    real = KINDS["reports.resolution"]

    def run_and_be_replaced(user, params, progress, **extra):
        made = real.run(user, params, progress, **extra)
        # Meanwhile the re-drive judged this worker dead and another run claimed the job.
        Job.objects.filter(pk=job.pk).update(run_token=None, state=Job.State.RUNNING)
        return made

    monkeypatch.setitem(
        KINDS, "reports.resolution", JobKind(real.name, real.label, real.check, run_and_be_replaced)
    )
    assert services.job_run(job.pk) == "superseded"
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING and not job.file and job.finished_at is None


@pytest.mark.django_db(transaction=True)
def test_a_running_job_beats_from_a_thread_of_its_own(world, monkeypatch):
    monkeypatch.setattr(services, "HEARTBEAT", timedelta(seconds=0.05))
    beats = threading.Event()
    job = JobFactory(user=world.admin_a, params={})

    def slow(user, params, progress, **extra):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not beats.is_set():
            stored = Job.objects.get(pk=job.pk)
            if stored.heartbeat_at > stored.started_at:
                beats.set()
            time.sleep(0.05)
        return JobFile(content=b"ok", name="ok.txt", content_type="text/plain")

    monkeypatch.setitem(KINDS, "tests.slow", JobKind("tests.slow", "slow", lambda user, params: params, slow))
    Job.objects.filter(pk=job.pk).update(kind="tests.slow")
    assert services.job_run(job.pk) == "done"
    assert beats.is_set()
