"""What each report figure means: its formula, its column header, and how a rate is written.

The resolution metrics follow the evaluation indicators of digital urban management
(立案, 结案, 结案率, 按期结案率, 返工率 …); the mediation metrics those of people's mediation
(调解成功率, 司法确认, 回访). The selectors turn the conditions below into conditional
aggregates; the views, the exports and the dashboard all read the same list, so the JSON
fields, the spreadsheet columns and the charts cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.models import Level, Satisfaction, Status
from cases.querysets import OPEN_STATUSES
from mediation.models import Agreement, FollowUp, JudicialConfirmation, MediationStatus

RATE_DECIMALS = 4
HOURS_DECIMALS = 2


@dataclass(frozen=True)
class Count:
    """A number of cases: `Count("pk", filter=condition)`, or every case when condition is None."""

    name: str
    label: Promise
    condition: Q | None = None


@dataclass(frozen=True)
class Rate:
    """numerator / denominator, both names of `Count` metrics of the same report."""

    name: str
    label: Promise
    numerator: str
    denominator: str


@dataclass(frozen=True)
class Hours:
    """A duration from report to close, in hours, over the closed cases.

    The mean is computed as (sum of hours) / closed, from a database sum: sums add up
    across groups, so the totals need no second pass over the cases. A median does not
    add up; the selector asks the database for the overall one separately.
    """

    name: str
    label: Promise
    statistic: str  # "mean" or "median"
    over: str = "closed"  # the Count the mean divides by


HOURS_SUM = "hours_to_close_sum"


Metric = Count | Rate | Hours

CASE_CLOSED = Q(status=Status.CLOSED)
# A duplicate merged into another case is one matter counted twice: it is counted as merged
# and nowhere else. It stays in `total` (it was reported) but leaves `accepted` even if it had
# been accepted, so that the closure and on-time rates count the matter once, by the case it
# was merged into; it is never a closure and never open.
CASE_MERGED = Q(status=Status.MERGED)


def resolution_metrics(now: datetime) -> list[Metric]:
    """The resolution report's figures, in the order of the export columns.

    `now` decides which open cases are overdue: a report describes the moment it is made.
    """
    return [
        Count("total", _("total cases")),
        # Ever accepted: a case that went on to be closed was accepted first. Not a merged
        # duplicate: its matter is counted by the case it was merged into.
        Count("accepted", _("cases accepted"), Q(accepted_at__isnull=False) & ~CASE_MERGED),
        Count("closed", _("cases closed"), CASE_CLOSED),
        Rate("closure_rate", _("closure rate"), "closed", "accepted"),
        Count("closed_on_time", _("closed on time"), CASE_CLOSED & Q(closed_at__lte=F("due_at"))),
        Rate("on_time_rate", _("on-time closure rate"), "closed_on_time", "accepted"),
        Count("reworked", _("reworked cases"), CASE_CLOSED & Q(rework_count__gt=0)),
        Rate("rework_rate", _("rework rate"), "reworked", "closed"),
        Count("merged", _("merged as duplicates"), CASE_MERGED),
        Count("open_cases", _("open cases"), Q(status__in=OPEN_STATUSES)),
        Count("overdue_open", _("open and overdue"), Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        Hours("mean_hours_to_close", _("mean hours to close"), "mean"),
        Hours("median_hours_to_close", _("median hours to close"), "median"),
        Count("closed_at_grid", _("closed at grid level"), CASE_CLOSED & Q(level=Level.GRID)),
        Rate("grid_level_rate", _("grid-level closure share"), "closed_at_grid", "closed"),
        Count("escalated", _("escalated cases"), Q(escalation_count__gt=0)),
        Count("feedback_given", _("feedback given"), ~Q(satisfaction="")),
        Count(
            "satisfied_feedback",
            _("satisfied feedback"),
            Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY]),
        ),
        Rate("satisfaction_rate", _("satisfaction rate"), "satisfied_feedback", "feedback_given"),
    ]


MEDIATION_CONCLUDED = (MediationStatus.AGREED, MediationStatus.FAILED, MediationStatus.WITHDRAWN)
MEDIATION_AGREED = Q(status=MediationStatus.AGREED)


def mediation_metrics() -> list[Metric]:
    """The mediation report's figures, over mediations `with_latest_performance()`."""
    return [
        Count("registered", _("disputes registered")),
        Count("concluded", _("mediations concluded"), Q(status__in=MEDIATION_CONCLUDED)),
        Count("agreed", _("agreements reached"), MEDIATION_AGREED),
        Rate("success_rate", _("mediation success rate"), "agreed", "concluded"),
        Count("agreements", _("agreements recorded"), Q(agreement__isnull=False)),
        Count("written_agreements", _("written agreements"), Q(agreement__form=Agreement.Form.WRITTEN)),
        Rate("written_share", _("written-agreement share"), "written_agreements", "agreements"),
        Count(
            "confirmed",
            _("judicially confirmed"),
            Q(agreement__confirmation__result=JudicialConfirmation.Result.CONFIRMED),
        ),
        Count(
            "followed_up", _("agreements followed up"), MEDIATION_AGREED & Q(latest_performance__isnull=False)
        ),
        Count(
            "fulfilled",
            _("fulfilled at the latest follow-up"),
            MEDIATION_AGREED & Q(latest_performance=FollowUp.Performance.FULFILLED),
        ),
        Rate("fulfilled_rate", _("fulfilment rate"), "fulfilled", "followed_up"),
    ]


def rate(numerator: int, denominator: int) -> dict:
    """A rate with the counts it is made of; nothing to divide by gives null, not an error."""
    value = round(numerator / denominator, RATE_DECIMALS) if denominator else None
    return {"value": value, "numerator": numerator, "denominator": denominator}


def hours(value: float | None) -> float | None:
    return None if value is None else round(float(value), HOURS_DECIMALS)


def finish(values: dict, metrics: list[Metric]) -> dict:
    """Turn one row of database aggregates into the report's figures, in metric order."""
    out = {}
    for metric in metrics:
        if isinstance(metric, Rate):
            out[metric.name] = rate(values[metric.numerator], values[metric.denominator])
        elif isinstance(metric, Hours) and metric.statistic == "mean":
            count = values[metric.over]
            out[metric.name] = hours(values[HOURS_SUM] / count) if count else None
        elif isinstance(metric, Hours):
            out[metric.name] = hours(values[metric.name])
        else:
            out[metric.name] = values[metric.name]
    return out
