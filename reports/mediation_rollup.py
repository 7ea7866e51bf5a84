"""The mediation report from a summary table: what it holds, how it is kept, how it is read.

Grain. One table (`reports.models.MediationRollup`): per street and community, a row per day
and per whole month of registration and one for the whole history, as the resolution
report's tables. It answers the
reports by street, community and month, and the street and community filters, for the
territorial scopes; the rest reads the mediations (`reports.selectors.mediation_report`).

Maintenance. A mediation's figures hang on rows its steps write before recording the step
(the agreement, the court's confirmation, the follow-ups), so the state before a step cannot
be read when the step is recorded. Each mediation's figures as last counted are kept beside
the table (`MediationTally`); after every recorded step (an observer of
`mediation.workflow.MEDIATION_HISTORY`, in the step's transaction) the mediation is counted
again with the report's own conditions and the difference, if any, is added to its rows.
Every count is exact; there are no medians.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from grids.scope import Scope
from mediation.models import MediationCase
from reports import metrics as m
from reports.models import MediationRollup, MediationTally
from reports.rollup import SCOPE_COLUMNS, SPANS, span_start, table_rows

COUNTS = (
    "registered",
    "concluded",
    "agreed",
    "agreements",
    "written_agreements",
    "confirmed",
    "followed_up",
    "fulfilled",
)
KEY = ("day", "street_id", "community_id")  # a tally's row of the table, less its span
GROUP_COLUMNS = {"street": "street_id", "community": "community_id", "month": None}
FILTER_COLUMNS = {"street": "street_id", "community": "community_id"}  # a grid filter reads the mediations


def _conditions() -> dict:
    """The report's own conditions (`reports.metrics`), so that table and raw cannot differ."""
    by_name = {
        metric.name: metric.condition for metric in m.mediation_metrics() if isinstance(metric, m.Count)
    }
    return {name: by_name[name] for name in COUNTS}


def _tallies(mediations):
    """Each mediation's figures (0 or 1 each) and its table row, counted in one grouped query."""
    day = TruncDate("registered_at", tzinfo=timezone.get_default_timezone())
    figures = {name: Count("pk", filter=condition) for name, condition in _conditions().items()}
    return (
        mediations.order_by()
        .with_latest_performance()
        .annotate(day=day, counted_id=models.F("pk"))  # named, so that a subquery's column is known
        .values("counted_id", *KEY)
        .annotate(**figures)
    )


# --- keeping it --------------------------------------------------------------------------------


def observe_mediation(mediation, first: bool):
    """`History` observer: once the step is saved, count the mediation again."""
    return lambda mediation: recount([mediation.pk])


def recount(mediation_ids: list[int]) -> None:
    """Count these mediations again and add what changed to the table's rows: two reads (the
    tallies, the figures), and two writes (the rows, the tallies) when a figure changed."""
    before = {
        row["mediation_id"]: row
        for row in MediationTally.objects.filter(mediation_id__in=mediation_ids).values(
            "mediation_id", *KEY, *COUNTS
        )
    }
    changes: dict[tuple, list[int]] = {}
    tallies = []
    for after in _tallies(MediationCase.objects.filter(pk__in=mediation_ids)):
        old = before.get(after["counted_id"])
        if old is not None and all(old[c] == after[c] for c in (*KEY, *COUNTS)):
            continue
        for row, sign in ((old, -1), (after, 1)):
            if row is None:
                continue
            for span, start in SPANS:
                key = (span, start(row["day"]), row["street_id"], row["community_id"])
                total = changes.setdefault(key, [0] * len(COUNTS))
                for i, name in enumerate(COUNTS):
                    total[i] += sign * row[name]
        tallies.append(after)
    if not tallies:
        return
    # Rows in one order in every transaction, so that two steps never wait for each other's.
    rows = [
        (key, counts) for key, counts in sorted(changes.items(), key=lambda item: str(item[0])) if any(counts)
    ]
    with connection.cursor() as cursor:
        if rows:
            cursor.execute(*_add_sql(rows))
        cursor.execute(*_tally_sql(tallies))


def _add_sql(rows: list[tuple[tuple, list[int]]]) -> tuple[str, list]:
    """Add the counts to their rows, creating them; the rows stay locked until the commit."""
    q = connection.ops.quote_name
    table = q(MediationRollup._meta.db_table)
    keys = [q(c) for c in ("span", "day", "street_id", "community_id")]
    columns = [*keys, *(q(c) for c in COUNTS)]
    values = ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _row in rows)
    updates = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in COUNTS)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )
    return sql, [value for key, counts in rows for value in (*key, *counts)]


def _tally_sql(tallies: list[dict]) -> tuple[str, list]:
    q = connection.ops.quote_name
    columns = ["mediation_id", *KEY, *COUNTS]
    values = ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _row in tallies)
    updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in columns[1:])
    sql = (
        f"INSERT INTO {q(MediationTally._meta.db_table)} ({', '.join(q(c) for c in columns)}) "
        f"VALUES {values} ON CONFLICT ({q('mediation_id')}) DO UPDATE SET {updates}"
    )
    return sql, [row["counted_id" if c == "mediation_id" else c] for row in tallies for c in columns]


# --- rebuilding from the mediations ------------------------------------------------------------

TABLES = (MediationTally._meta.db_table, MediationRollup._meta.db_table)


def rebuild() -> dict[str, int]:
    """Count every mediation again, in the caller's transaction: the tallies by one INSERT …
    SELECT, then the table's day and month rows from them; {table: rows}."""
    q = connection.ops.quote_name
    written = {}
    with transaction.atomic(), connection.cursor() as cursor:
        MediationRollup.objects.all().delete()
        MediationTally.objects.all().delete()
        sql, params = _tallies(MediationCase.objects.all()).query.sql_with_params()
        columns = ", ".join(q(c) for c in ("mediation_id", *KEY, *COUNTS))
        picked = ", ".join(f"t.{q(c)}" for c in ("counted_id", *KEY, *COUNTS))
        cursor.execute(
            f"INSERT INTO {q(MediationTally._meta.db_table)} ({columns}) SELECT {picked} FROM ({sql}) t",
            params,
        )
        written[MediationTally._meta.db_table] = cursor.rowcount
        written[MediationRollup._meta.db_table] = 0
        for span, _start in SPANS:
            sql, params = _rows_sql(span)
            cursor.execute(sql, params)
            written[MediationRollup._meta.db_table] += cursor.rowcount
    return written


def _rows_sql(span: str) -> tuple[str, list]:
    q = connection.ops.quote_name
    day = span_start(span, models.F("day"))
    inner = (
        MediationTally.objects.order_by()
        .annotate(start=day)
        .values("start", "street_id", "community_id")
        .annotate(**{f"n_{c}": Sum(c) for c in COUNTS})
    )
    sql, params = inner.query.sql_with_params()
    columns = ", ".join(q(c) for c in ("span", "day", "street_id", "community_id", *COUNTS))
    picked = ", ".join(
        f"r.{q(c)}" for c in ("start", "street_id", "community_id", *(f"n_{c}" for c in COUNTS))
    )
    statement = (
        f"INSERT INTO {q(MediationRollup._meta.db_table)} ({columns}) SELECT %s, {picked} FROM ({sql}) r"
    )
    return statement, [span, *params]


def computed_rows() -> dict[tuple, dict]:
    """The table's rows counted from the mediations by another path (grouped by row in the
    database, the months added up here), without the tallies: {(span, day, street, community): counts}."""
    day = TruncDate("registered_at", tzinfo=timezone.get_default_timezone())
    grouped = (
        MediationCase.objects.order_by()
        .with_latest_performance()
        .annotate(day=day)
        .values(*KEY)
        .annotate(**{name: Count("pk", filter=condition) for name, condition in _conditions().items()})
    )
    out: dict[tuple, dict] = {}
    for row in grouped:
        for span, start in SPANS:
            counts = out.setdefault(
                (span, start(row["day"]), row["street_id"], row["community_id"]), dict.fromkeys(COUNTS, 0)
            )
            for name in COUNTS:
                counts[name] += row[name]
    return out


def stored_rows() -> dict[tuple, dict]:
    """The rows as stored, without those that count nothing at all."""
    rows = MediationRollup.objects.values("span", *KEY, *COUNTS)
    return {
        (row["span"], row["day"], row["street_id"], row["community_id"]): {name: row[name] for name in COUNTS}
        for row in rows
        if any(row[name] for name in COUNTS)
    }


def differences() -> list[tuple]:
    """Keys whose stored row differs from the one counted from the mediations, with both; then
    the mediations whose tally differs from their figures (the next step would add the wrong
    difference), keyed ("tally", id)."""
    stored, computed = stored_rows(), computed_rows()
    found = [
        (key, stored.get(key), computed.get(key))
        for key in sorted(set(stored) | set(computed), key=str)
        if stored.get(key) != computed.get(key)
    ]
    tallies = {
        row.pop("mediation_id"): row for row in MediationTally.objects.values("mediation_id", *KEY, *COUNTS)
    }
    figures = {row.pop("counted_id"): row for row in _tallies(MediationCase.objects.all())}
    found += [
        (("tally", pk), tallies.get(pk), figures.get(pk))
        for pk in sorted(set(tallies) | set(figures))
        if tallies.get(pk) != figures.get(pk)
    ]
    return found


# --- reading -----------------------------------------------------------------------------------


def serves(scope: Scope, group_by: str, filters) -> bool:
    """Whether the table can answer: a grouping, filters and scope whose columns it holds."""
    return (
        settings.REPORTS_FROM_ROLLUP
        and group_by in GROUP_COLUMNS
        and scope.level in SCOPE_COLUMNS
        and filters.grid is None
    )


def grouped_rows(dimension, scope: Scope, filters) -> list[dict]:
    """The report's grouped rows, as the raw query gives them, in one query of the table."""
    rows, column = table_rows(MediationRollup, dimension, scope, filters, FILTER_COLUMNS)
    summed = rows.annotate(**{name: Sum(name) for name in COUNTS})
    return list(summed.filter(registered__gt=0).order_by(column))
