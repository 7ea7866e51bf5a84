from celery import shared_task


@shared_task(name="jobs.tasks.run")
def run(job_id: str) -> str:
    from jobs.services import job_run

    return job_run(job_id)


@shared_task(name="jobs.tasks.redrive")
def redrive() -> int:
    from jobs.services import jobs_redrive

    return jobs_redrive()


@shared_task(name="jobs.tasks.purge")
def purge() -> int:
    from jobs.services import jobs_purge

    return jobs_purge()
