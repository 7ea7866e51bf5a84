"""The report exports as background jobs (`POST /api/v1/jobs/`, kinds `reports.resolution` and
`reports.mediation`): the same parameters, checks and file as `?format=csv|xlsx` on the
report, made by a worker so that a large export does not hold a request open."""

from __future__ import annotations

import re
from urllib.parse import unquote

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import InvalidInput
from jobs.registry import JobFile, JobKind, register
from reports.views import MediationReportView, ReportView, ResolutionReportView

FILE_FORMATS = ("csv", "xlsx")


def _params(params: dict) -> dict:
    params = {str(k): v for k, v in params.items()}
    params.setdefault("format", "xlsx")
    if params["format"] not in FILE_FORMATS:
        raise InvalidInput("format", _("A job exports a file: csv or xlsx."))
    return params


def _file_name(disposition: str) -> str | None:
    """The name the report's own download gives its file: the full one (`filename*`, in Chinese
    for a Chinese user), else the ASCII one old clients get."""
    full = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition, re.IGNORECASE)
    if full:
        return unquote(full.group(1))
    plain = re.search(r'filename="([^"]+)"', disposition)
    return plain.group(1) if plain else None


def _kind(name: str, label, view_class: type[ReportView]) -> JobKind:
    def check(user, params: dict) -> dict:
        params = _params(params)
        view_class().check(user, params)
        return params

    def run(user, params: dict, progress) -> JobFile:
        progress(10)
        response = view_class().answer(user, params)
        progress(90)
        return JobFile(
            content=response.content,
            name=_file_name(response.get("Content-Disposition", "")) or f"{name}.{params['format']}",
            content_type=response["Content-Type"],
        )

    return JobKind(name=name, label=label, check=check, run=run)


def register_jobs() -> None:
    register(_kind("reports.resolution", gettext_lazy("Resolution report export"), ResolutionReportView))
    register(_kind("reports.mediation", gettext_lazy("Mediation report export"), MediationReportView))
