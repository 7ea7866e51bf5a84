"""Rankings of grids and of grid workers for a month, a quarter or a year.

Dongcheng evaluates its grids monthly, compares them quarterly and commends them yearly
(report 004: “月评议——季评比——年表彰”). A ranking is the resolution report of that period
grouped by grid or by worker (`selectors.resolution_report`, so it counts exactly what the
report counts, from the same index), ordered by one figure: closure rate, on-time rate,
volume or satisfaction. Equal figures share a rank (1, 2, 2, 4); a group whose rate has
nothing to divide (no accepted case, no feedback) comes last, unranked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.scope import Scope
from reports import selectors

PERIODS = {
    "month": gettext_lazy("month"),
    "quarter": gettext_lazy("quarter"),
    "year": gettext_lazy("year"),
}
# What a ranking may be ordered by: a rate's value or a count, the highest first.
RANKED_BY = {
    "closure_rate": gettext_lazy("closure rate"),
    "on_time_rate": gettext_lazy("on-time closure rate"),
    "total": gettext_lazy("volume (cases reported)"),
    "satisfaction_rate": gettext_lazy("satisfaction rate"),
}
RANKED_GROUPS = {"grid": gettext_lazy("grids"), "worker": gettext_lazy("grid workers")}
# The figures each ranked row carries.
FIGURES = ("total", "accepted", "closed", "closure_rate", "on_time_rate", "satisfaction_rate")


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @property
    def name(self) -> str:
        if self.kind == "year":
            return _("%(year)d") % {"year": self.start.year}
        if self.kind == "quarter":
            return _("Q%(quarter)d %(year)d") % {
                "quarter": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        return _("%(year)d-%(month)02d") % {"year": self.start.year, "month": self.start.month}

    def as_dict(self) -> dict:
        return {"kind": self.kind, "from": self.start, "to": self.end, "name": self.name}


def period_of(kind: str, day: date) -> Period:
    """The month, quarter or year `day` falls in."""
    if kind == "year":
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    first_month = day.month if kind == "month" else 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    months = 1 if kind == "month" else 3
    year, month = divmod(first_month - 1 + months, 12)
    end = date(day.year + year, month + 1, 1) - timedelta(days=1)
    return Period(kind, start, end)


def _score(row: dict, by: str):
    figure = row[by]
    return figure["value"] if isinstance(figure, dict) else figure


def ranking(*, scope: Scope, of: str, period: Period, by: str, filters: selectors.ReportFilters) -> dict:
    """The grids (or workers) of the caller's territory ranked by `by` over `period`.

    `filters` must have been checked with `selectors.check_filters`; its dates are replaced
    by the period's.
    """
    filters = replace(filters, date_from=period.start, date_to=period.end)
    report = selectors.resolution_report(scope=scope, group_by=of, filters=filters)
    rows = [row for row in report["rows"] if row["key"]["id"] is not None]
    scored = [row for row in rows if _score(row, by) is not None]
    unscored = [row for row in rows if _score(row, by) is None]
    scored.sort(key=lambda row: (-_score(row, by), -row["total"], row["key"]["name"]))
    ranked, previous, rank = [], None, 0
    for place, row in enumerate(scored, start=1):
        score = _score(row, by)
        if score != previous:
            rank, previous = place, score
        ranked.append(_ranked_row(row, rank))
    ranked += [_ranked_row(row, None) for row in sorted(unscored, key=lambda row: row["key"]["name"])]
    return {"of": of, "by": by, "period": period.as_dict(), "rows": ranked}


def _ranked_row(row: dict, rank: int | None) -> dict:
    return {"rank": rank, "key": row["key"], **{name: row[name] for name in FIGURES}}
