"""The base-data imports as background jobs (`POST /api/v1/jobs/`, kind `registry.import`).

The same rows, checks and all-or-nothing rule as the admin's import page and
`manage.py import_base_data`, run by a worker with its progress, so that a street's whole
resident list does not hold a request open. The job's answer carries the import's counts and
bad rows (`result`); its file lists the bad rows for a person to correct in Excel.
"""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import InvalidInput
from grids.scope import scope_for
from jobs.registry import JobFile, JobKind, register
from registry import imports, services

OPTIONS = ("dry_run", "keep_good")


def _flag(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0", ""):
        return False
    raise InvalidInput(name, _("Give true or false."))


def check(user, params: dict) -> dict:
    """What the import page checks before reading a row: role (403), kind and options (400)."""
    services.check_may_import(scope_for(user))
    unknown = sorted(set(params) - {"kind", *OPTIONS})
    if unknown:
        raise InvalidInput(unknown[0], _("Unknown parameter."))
    kind = str(params.get("kind") or "")
    imports.check_kind(kind)
    return {"kind": kind, **{name: _flag(name, params.get(name, False)) for name in OPTIONS}}


def check_file(name: str, size: int) -> None:
    imports.check_file_name(name)
    if size > settings.IMPORT_MAX_BYTES:
        raise InvalidInput(
            "file", _("The file is larger than %(mb)d MB.") % {"mb": settings.IMPORT_MAX_BYTES // 2**20}
        )


def run(user, params: dict, progress, *, source: bytes) -> JobFile:
    report = imports.base_data_import(
        scope=scope_for(user),
        actor=user,
        kind=params["kind"],
        content=source,
        # The reader goes by the extension; the job stored the upload under its own.
        filename="upload.xlsx" if source[:2] == b"PK" else "upload.csv",
        dry_run=params["dry_run"],
        keep_good=params["keep_good"],
        progress=progress,
    )
    return JobFile(
        content=_bad_rows_csv(report),
        name=_file_name(params["kind"]),
        content_type="text/csv; charset=utf-8",
        summary=report.as_dict(),
    )


def _bad_rows_csv(report: imports.ImportReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    with translation.override(settings.LANGUAGE_CODE):
        writer.writerow([_("Line"), _("Column"), _("Problem")])
    for error in report.errors:
        writer.writerow([error["line"], error["column"], error["message"]])
    # A byte-order mark, so that Excel opens the Chinese text as UTF-8.
    return out.getvalue().encode("utf-8-sig")


def _file_name(kind: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("import-%(kind)s-bad-rows.csv") % {"kind": imports.KINDS[kind].label}


def register_jobs() -> None:
    register(
        JobKind(
            name="registry.import",
            label=gettext_lazy("Base data import"),
            check=check,
            run=run,
            takes_file=True,
            check_file=check_file,
        )
    )
