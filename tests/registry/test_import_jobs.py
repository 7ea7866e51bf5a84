"""Base-data imports as background jobs: the upload, the checks before it is queued, the result
and the bad rows' file for the owner only, and the upload deleted once the job has run."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jobs.models import Job
from jobs.services import _progress_of, job_percent
from registry.models import Building

pytestmark = pytest.mark.django_db

URL = "/api/v1/jobs/"
HEADER = "网格编码,楼栋编码,名称,地址,层数,单元数,用途,物管,楼栋长电话"


def _row(world, code, floors="9"):
    return f"{world.grid_a1.code},{code},浒溪花园{code}栋,浒溪路 20 号,{floors},2,住宅,是,13812345678"


def _file(*rows, name="楼栋.csv"):
    return SimpleUploadedFile(name, ("\ufeff" + "\n".join([HEADER, *rows]) + "\n").encode())


def _start(client, upload, **params):
    import json

    body = {"kind": "registry.import", "params": json.dumps({"kind": "building", **params})}
    if upload is not None:
        body["file"] = upload
    return client.post(URL, body, format="multipart")


def test_an_import_runs_as_a_job_and_its_owner_reads_the_result(
    world, api, django_capture_on_commit_callbacks
):
    client = api(world.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _start(client, _file(_row(world, "A1-20"), _row(world, "A1-21")))
    assert answer.status_code == 202, answer.content
    job = client.get(f"{URL}{answer.json()['id']}/").json()
    assert (job["state"], job["percent"], job["source_name"]) == ("done", 100, "楼栋.csv")
    assert job["result"] == {"kind": "building", "dry_run": False, "rows": 2, "created": 2, "errors": []}
    assert set(Building.objects.values_list("code", flat=True)) == {"A1-20", "A1-21"}
    # The upload, which may hold residents' data, is gone once the job has run.
    assert not Job.objects.get(pk=job["id"]).source
    for user in (world.admin_b, world.staff_a):
        assert api(user).get(f"{URL}{job['id']}/").status_code == 404


def test_bad_rows_come_back_by_line_and_column_and_nothing_is_written(
    world, api, django_capture_on_commit_callbacks
):
    client = api(world.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _start(client, _file(_row(world, "A1-20"), _row(world, "A1-21", floors="零")))
    job = client.get(f"{URL}{answer.json()['id']}/").json()
    assert job["state"] == "done" and job["result"]["created"] == 0
    assert [(e["line"], e["column"]) for e in job["result"]["errors"]] == [(3, "层数")]
    assert not Building.objects.exists()
    download = client.get(job["download"])
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["行号", "列", "问题"] and rows[1][:2] == ["3", "层数"]


def test_keep_good_and_dry_run_pass_through(world, api, django_capture_on_commit_callbacks):
    client = api(world.admin_a)
    rows = (_row(world, "A1-20"), _row(world, "A1-21", floors="零"))
    with django_capture_on_commit_callbacks(execute=True):
        dry = _start(client, _file(*rows), dry_run=True)
        kept = _start(client, _file(*rows), keep_good="true")
    assert Job.objects.get(pk=dry.json()["id"]).result["dry_run"] is True
    assert Job.objects.get(pk=kept.json()["id"]).result["created"] == 1
    assert list(Building.objects.values_list("code", flat=True)) == ["A1-20"]


@pytest.mark.parametrize(
    "params, upload, field",
    [
        ({}, None, "file"),
        ({"kind": "castle"}, "ok", "kind"),
        ({"dry_run": "maybe"}, "ok", "dry_run"),
        ({"colour": "red"}, "ok", "colour"),
        ({}, "bad-name", "file"),
    ],
)
def test_bad_input_is_400_on_the_field_and_queues_nothing(world, api, params, upload, field):
    files = {None: None, "ok": _file(_row(world, "A1-20")), "bad-name": _file(name="楼栋.pdf")}
    answer = _start(api(world.admin_a), files[upload], **params)
    assert answer.status_code == 400 and field in answer.json(), answer.content
    assert not Job.objects.exists()


def test_a_report_job_takes_no_file(world, api):
    answer = api(world.admin_a).post(
        URL, {"kind": "reports.resolution", "file": _file(_row(world, "A1-20"))}, format="multipart"
    )
    assert answer.status_code == 400 and "file" in answer.json()


def test_a_file_over_the_limit_is_400(world, api, settings):
    settings.IMPORT_MAX_BYTES = 10
    answer = _start(api(world.admin_a), _file(_row(world, "A1-20")))
    assert answer.status_code == 400 and "file" in answer.json()


@pytest.mark.parametrize("role", ["worker_a", "staff_a", "viewer"])
def test_roles_that_may_not_import_are_refused(world, api, role):
    answer = _start(api(getattr(world, role)), _file(_row(world, "A1-20")))
    assert answer.status_code == 403
    assert not Job.objects.exists()


def test_rows_of_another_streets_grid_are_bad_rows(world, api, django_capture_on_commit_callbacks):
    other = f"{world.grid_b1.code},B1-1,别人的楼,灌坝路,6,1,住宅,否,"
    with django_capture_on_commit_callbacks(execute=True):
        answer = _start(api(world.admin_a), _file(other))
    result = Job.objects.get(pk=answer.json()["id"]).result
    assert [(e["line"], e["column"]) for e in result["errors"]] == [(2, "网格编码")]
    assert not Building.objects.exists()


def test_progress_inside_the_imports_transaction_is_read_from_the_cache(world, django_db_blocker):
    from django.db import transaction

    job = Job.objects.create(user=world.admin_a, kind="registry.import", state=Job.State.RUNNING)
    with transaction.atomic():
        _progress_of(job)(40)
    job.refresh_from_db()
    assert job.percent == 0 and job_percent(job) == 40
