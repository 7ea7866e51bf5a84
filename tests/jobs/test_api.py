"""Background jobs: the report exports as jobs, their progress and their file, for their owner only.

In single-machine mode (the tests' default) the job runs right after the request's commit,
so the answer already says it is done.
"""

import csv
import io
from urllib.parse import quote

import pytest
from django.utils import timezone

from jobs.models import Job
from jobs.services import job_run, jobs_purge, jobs_redrive
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/jobs/"


def start(client, kind="reports.resolution", **params):
    return client.post(URL, {"kind": kind, "params": params}, format="json")


def test_a_resolution_export_runs_as_a_job_and_its_owner_downloads_it(
    world, api, make_case, django_capture_on_commit_callbacks
):
    make_case("closed")
    client = api(world.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = start(client, group_by="community", format="csv")
    assert answer.status_code == 202
    job = answer.json()
    assert answer["Location"].endswith(f"/api/v1/jobs/{job['id']}/")
    status = client.get(f"{URL}{job['id']}/").json()
    assert (status["state"], status["percent"], status["kind"]) == ("done", 100, "reports.resolution")
    assert status["download"].endswith(f"/api/v1/jobs/{job['id']}/download/")
    # Named as the report's own download names it: in Chinese, with the territory and period.
    assert status["file_name"] == "事件办结统计-圣泉街道-按村（社区）-全部时间.csv"
    download = client.get(status["download"])
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    # The same file as the report's own download.
    direct = client.get("/api/v1/reports/resolution/", {"group_by": "community", "format": "csv"})
    assert rows == list(csv.reader(io.StringIO(direct.content.decode("utf-8-sig"))))
    assert quote(status["file_name"], safe="") in direct["Content-Disposition"]
    assert quote(status["file_name"], safe="") in download["Content-Disposition"]
    assert rows[1][0] == "浒溪社区" and rows[-1][0] == "合计"


def test_a_mediation_export_defaults_to_excel(world, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = start(api(world.admin_a), kind="reports.mediation")
    job = Job.objects.get(pk=answer.json()["id"])
    assert job.state == "done"
    assert job.file_name == "矛盾纠纷调解统计-圣泉街道-按街道-全部时间.xlsx"
    assert job.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert job.file.read()[:2] == b"PK"


def test_another_user_does_not_see_the_job_or_its_file(world, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = start(api(world.admin_a), format="csv").json()["id"]
    for user in (world.admin_b, world.staff_a, world.superuser):
        assert api(user).get(f"{URL}{job_id}/").status_code == 404
        assert api(user).get(f"{URL}{job_id}/download/").status_code == 404
    assert api().get(f"{URL}{job_id}/").status_code == 401


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "reports.nothing"}, "kind"),
        ({"params": {}}, "kind"),
        ({"kind": "reports.resolution", "params": {"format": "json"}}, "format"),
        ({"kind": "reports.resolution", "params": {"group_by": "planet"}}, "group_by"),
        ({"kind": "reports.resolution", "params": {"catgory": "1"}}, "catgory"),
        ({"kind": "reports.resolution", "params": "all"}, "params"),
        # A misspelt `params` would export the whole territory with the defaults.
        ({"kind": "reports.resolution", "parms": {"group_by": "grid"}}, "parms"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_starts_nothing(world, api, body, field):
    answer = api(world.admin_a).post(URL, body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert Job.objects.count() == 0


def test_a_role_that_may_not_read_the_report_may_not_export_it(world, api):
    answer = start(api(world.worker_a), format="csv")
    assert answer.status_code == 403
    assert Job.objects.count() == 0


def test_a_territory_outside_the_callers_is_404(world, api):
    answer = start(api(world.admin_a), format="csv", street=world.street_b.pk)
    assert answer.status_code == 404
    assert Job.objects.count() == 0


def test_a_job_not_done_has_no_download(world, api):
    job = JobFactory(user=world.admin_a)
    client = api(world.admin_a)
    status = client.get(f"{URL}{job.pk}/").json()
    assert (status["state"], status["percent"], status["download"]) == ("queued", 0, None)
    assert client.get(f"{URL}{job.pk}/download/").status_code == 409
    assert client.get(f"{URL}not-a-job/").status_code == 404


def test_a_job_runs_once_however_often_its_task_comes(world):
    job = JobFactory(user=world.admin_a, params={"format": "csv"})
    assert job_run(job.pk) == "done"
    first = Job.objects.get(pk=job.pk)
    assert job_run(job.pk) == "skipped"
    assert Job.objects.get(pk=job.pk).file.name == first.file.name


def test_a_failing_job_is_failed_with_a_message_and_no_file(world):
    job = JobFactory(user=world.worker_a, params={"format": "csv"})  # the role was lost since
    assert job_run(job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == "failed" and job.error and not job.file


def test_the_redrive_runs_queued_jobs_and_the_purge_deletes_old_ones(world, settings):
    job = JobFactory(user=world.admin_a, params={"format": "csv"})
    assert jobs_redrive() == 1
    job.refresh_from_db()
    assert job.state == "done"
    path = job.file.path
    settings.JOB_RETENTION_DAYS = 7
    assert jobs_purge(now=timezone.now() + timezone.timedelta(days=6)) == 0
    assert jobs_purge(now=timezone.now() + timezone.timedelta(days=8)) == 1
    assert not Job.objects.filter(pk=job.pk).exists()
    import os

    assert not os.path.exists(path)
