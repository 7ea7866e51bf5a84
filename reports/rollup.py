"""The resolution report from summary tables: what they hold, how they are kept, how they are read.

Grains. Four tables (`reports.models`), chosen by their size on the bench data (README,
"Summary tables"): per street, per community, per street × category × kind and per grid, each
with a row per day, a row per whole month and a row for the whole history. The coarsest table
holding every column a request needs answers it; grouping by worker, level, source or triage,
and a grid worker's or a mediator's scope read the cases, as before: a row per day and grid ×
worker × level × … would be about one row per case.

Maintenance. Every recorded step of a case adds its difference to the rows it touches, in the
step's own transaction (an observer of `cases.workflow.CASE_HISTORY`): on PostgreSQL one
statement for all of them, none when the step changes no figure. A committed step is thus
always counted and a report read after it sees it; there is no watermark to keep or lag to
explain. Rows written around the steps (the seed, the benches, a repair) are counted by
`rebuild()`.

Medians. Hours to close are counted in bins whose edges grow by 5 % from 6 minutes
(`EDGES`); a median is interpolated inside the bin that holds it, so it is within 5 % of the
exact median (within 6 minutes when under 6 minutes). Sums are exact: the mean is computed from
whole microseconds.

Open cases are a status, which only steps change: the tables count them like the rest. Overdue
depends on the moment the report is made: it is the open cases less those not yet due, which
are counted live (a small partial index of the open cases by due time, `case_open_due_idx`).
"""

from __future__ import annotations

import itertools
import json
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count, Func, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from cases.models import Case, Level, Satisfaction, Status
from cases.querysets import OPEN_STATUSES
from grids.scope import ALL, COMMUNITY, DISTRICT, STREET, Scope
from reports import metrics as m
from reports.models import (
    ALL_DAY,
    CategoryRollup,
    CommunityRollup,
    GridRollup,
    ResolutionRollup,
    Span,
    StreetRollup,
)

HOUR_USEC = 3_600_000_000
FIRST_EDGE_HOURS = 0.1
GROWTH = 1.05


def _edges() -> tuple[int, ...]:
    edges, edge = [], FIRST_EDGE_HOURS * HOUR_USEC
    while edge < 20 * 365 * 24 * HOUR_USEC:  # twenty years: nothing stays open longer
        edges.append(round(edge))
        edge *= GROWTH
    return tuple(edges)


# Bin 0 holds [0, EDGES[0]), bin k holds [EDGES[k-1], EDGES[k]), the last bin what is longer.
EDGES = _edges()

COUNTS = (
    "total",
    "accepted",
    "closed",
    "closed_on_time",
    "reworked",
    "merged",
    "closed_at_grid",
    "escalated",
    "feedback_given",
    "satisfied_feedback",
    "open_cases",
)
LIVE = ("overdue_open",)
ADDITIVE = [*COUNTS, *LIVE, m.HOURS_SUM]
SATISFIED = {Satisfaction.SATISFIED, Satisfaction.BASICALLY}


@dataclass(frozen=True)
class Grain:
    model: type[ResolutionRollup]
    dims: tuple[str, ...]  # the columns besides the day, as Case's attribute names

    @property
    def key_columns(self) -> tuple[str, ...]:
        return ("span", "day", *self.dims)


GRAINS = (
    Grain(StreetRollup, ("street_id",)),
    Grain(CommunityRollup, ("street_id", "community_id")),
    Grain(CategoryRollup, ("street_id", "category_id", "kind")),
    Grain(GridRollup, ("street_id", "community_id", "grid_id")),
)

# The column each grouping and filter needs in a table; absent: only the cases can answer.
GROUP_COLUMNS = {
    "street": "street_id",
    "community": "community_id",
    "category": "category_id",
    "kind": "kind",
    "grid": "grid_id",
    "month": None,
}
FILTER_COLUMNS = {
    "street": "street_id",
    "community": "community_id",
    "grid": "grid_id",
    "category": "category_id",
    "kind": "kind",
}
SCOPE_COLUMNS = {ALL: None, DISTRICT: "street_id", STREET: "street_id", COMMUNITY: "community_id"}


# --- bins and medians --------------------------------------------------------------------------


def close_bin(usec: int) -> int:
    return bisect_right(EDGES, usec)


def _value_at(bins: list[tuple[int, int]], rank: int) -> float:
    """The `rank`-th smallest value (from 0), spread evenly inside its bin."""
    seen = 0
    for b, n in bins:
        if rank < seen + n:
            low = EDGES[b - 1] if b else 0
            high = EDGES[b] if b < len(EDGES) else low
            return low + (rank - seen + 0.5) / n * (high - low)
        seen += n
    raise ValueError(rank)


def median_hours(histogram: dict) -> float | None:
    """The median hours of a histogram, interpolated as `percentile_cont(0.5)` would be."""
    bins = sorted((int(b), n) for b, n in histogram.items() if n)
    total = sum(n for _b, n in bins)
    if not total:
        return None
    middle = (_value_at(bins, (total - 1) // 2) + _value_at(bins, total // 2)) / 2
    return middle / HOUR_USEC


# --- what one case adds ------------------------------------------------------------------------


def _usec(case) -> int:
    return (case.closed_at - case.reported_at) // timedelta(microseconds=1)


def contribution(case) -> tuple[tuple[int, ...], int, int | None]:
    """The counts (in `COUNTS` order), microseconds to close and bin of one case."""
    closed = case.status == Status.CLOSED
    merged = case.status == Status.MERGED
    counts = (
        1,
        int(case.accepted_at is not None and not merged),
        int(closed),
        int(closed and case.closed_at <= case.due_at),
        int(closed and case.rework_count > 0),
        int(merged),
        int(closed and case.level == Level.GRID),
        int(case.escalation_count > 0),
        int(case.satisfaction != ""),
        int(case.satisfaction in SATISFIED),
        int(case.status in OPEN_STATUSES),
    )
    if not closed:
        return counts, 0, None
    usec = _usec(case)
    return counts, usec, close_bin(usec)


# Plain text: the keys compare with stored rows.
DAY, MONTH, WHOLE = Span.DAY.value, Span.MONTH.value, Span.ALL.value
SPANS = ((DAY, lambda day: day), (MONTH, lambda day: day.replace(day=1)), (WHOLE, lambda day: ALL_DAY))


def _day(case):
    return timezone.localdate(case.reported_at, timezone.get_default_timezone())


def _state(case) -> tuple:
    return (_day(case), {dim: getattr(case, dim) for g in GRAINS for dim in g.dims}, *contribution(case))


def observe_case(case, first: bool):
    """`History` observer: the case's state before the step; after it, the difference applied."""
    before = None if first else _state(case)

    def after(case) -> None:
        apply_difference(before, _state(case))

    return after


def apply_difference(before: tuple | None, after: tuple) -> None:
    """Add `after`'s counts and take away `before`'s, row by row: one statement on PostgreSQL
    (the upserts of both tables as one, so a step pays one round trip), one a row elsewhere."""
    changes = []
    for grain, (span, start) in itertools.product(GRAINS, SPANS):
        new_key = (span, start(after[0]), *(after[1][d] for d in grain.dims))
        added = (after[2], after[3], after[4])
        if before is None:
            changes.append((grain, new_key, *_signed(added, 1)))
            continue
        old_key = (span, start(before[0]), *(before[1][d] for d in grain.dims))
        removed = (before[2], before[3], before[4])
        if old_key != new_key:
            changes.append((grain, old_key, *_signed(removed, -1)))
            changes.append((grain, new_key, *_signed(added, 1)))
            continue
        counts = tuple(a - b for a, b in zip(added[0], removed[0], strict=True))
        histogram: dict[int, int] = defaultdict(int)
        if removed[2] is not None:
            histogram[removed[2]] -= 1
        if added[2] is not None:
            histogram[added[2]] += 1
        histogram = {b: n for b, n in histogram.items() if n}
        if any(counts) or histogram or added[1] != removed[1]:
            changes.append((grain, new_key, counts, added[1] - removed[1], histogram))
    if not changes:
        return
    # Rows in one order in every transaction: two steps moving cases in opposite directions
    # between the same two rows (a re-dated report, a changed category) would otherwise each
    # hold one row and wait for the other's.
    changes.sort(key=lambda change: (change[0].model._meta.db_table, tuple(map(str, change[1]))))
    statements = [_upsert_sql(*change) for change in changes]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            parts = [f"u{n} AS ({sql})" for n, (sql, _params) in enumerate(statements)]
            params = [p for _sql, params in statements for p in params]
            cursor.execute(f"WITH {', '.join(parts)} SELECT 1", params)
        else:
            for sql, params in statements:
                cursor.execute(sql, params)


def _signed(part, sign: int):
    counts, usec, b = part
    return tuple(sign * n for n in counts), sign * usec, ({b: sign} if b is not None else {})


def _upsert_sql(
    grain: Grain, key: tuple, counts: tuple[int, ...], usec: int, histogram: dict[int, int]
) -> tuple[str, list]:
    """Add the counts to the row of `key`, creating it: one statement, safe against a concurrent
    step in the same row (the row stays locked by the update until the transaction ends)."""
    q = connection.ops.quote_name
    table = q(grain.model._meta.db_table)
    key_columns = [q(grain.model._meta.get_field(c.removesuffix("_id")).column) for c in grain.key_columns]
    columns = [*key_columns, *(q(c) for c in (*COUNTS, "close_usec", "close_hours"))]
    updates = [f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in (*COUNTS, "close_usec")]
    hist_sql, hist_params = f"{table}.{q('close_hours')}", []
    for b, n in histogram.items():
        if connection.vendor == "postgresql":
            hist_sql = (
                f"jsonb_set({hist_sql}, ARRAY[%s], to_jsonb(COALESCE(({hist_sql} ->> %s)::int, 0) + %s))"
            )
        else:
            path = "'$.\"' || %s || '\"'"
            hist_sql = f"json_set({hist_sql}, {path}, COALESCE(json_extract({hist_sql}, {path}), 0) + %s)"
        # Both read: the inner expression, the bin, the inner expression again, the bin, the
        # change; each level repeats the inner expression, and its parameters, twice.
        hist_params = [*hist_params, str(b), *hist_params, str(b), n]
    if histogram:
        updates.append(f"{q('close_hours')} = {hist_sql}")
    placeholders = ", ".join(["%s"] * len(columns))
    if connection.vendor == "postgresql":
        placeholders = placeholders[: -len("%s")] + "%s::jsonb"
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "
        f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {', '.join(updates)}"
    )
    values = [*key, *counts, usec, json.dumps({str(b): n for b, n in histogram.items()})]
    return sql, [*values, *hist_params]


# --- rebuilding from the cases -----------------------------------------------------------------


class CloseUsec(Func):
    """Whole microseconds from report to close (null while open)."""

    output_field = models.BigIntegerField()

    def __init__(self, **extra):
        super().__init__(models.F("reported_at"), models.F("closed_at"), **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="reports_usec", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        (start, start_params), (end, end_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) * 1000000)::bigint", [*end_params, *start_params]


class CloseBin(Func):
    """The histogram bin of the time to close (`close_bin`), in the database."""

    output_field = models.IntegerField()

    def __init__(self, **extra):
        super().__init__(CloseUsec(), **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="reports_close_bin", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        usec, params = compiler.compile(self.get_source_expressions()[0])
        edges = ",".join(str(e) for e in EDGES)
        return f"width_bucket({usec}, ARRAY[{edges}]::bigint[])", params


def sqlite_usec(start: str | None, end: str | None) -> int | None:
    if start is None or end is None:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)) // timedelta(microseconds=1)


def sqlite_close_bin(usec: int | None) -> int | None:
    return None if usec is None else close_bin(usec)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: the two functions the rebuild needs on SQLite."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("reports_usec", 2, sqlite_usec, deterministic=True)
        connection.connection.create_function("reports_close_bin", 1, sqlite_close_bin, deterministic=True)


def _count_conditions() -> dict[str, Q | None]:
    """The report's own conditions (`reports.metrics`), so that rollup and raw cannot differ."""
    by_name = {
        metric.name: metric.condition
        for metric in m.resolution_metrics(timezone.now())
        if isinstance(metric, m.Count)
    }
    return {name: by_name[name] for name in COUNTS}


def computed_rows(grain: Grain, cases=None) -> dict[tuple, dict]:
    """The rows of `grain` counted from the cases: {key: {counts, close_usec, close_hours}}."""
    cases = Case.objects.all() if cases is None else cases
    dims = list(grain.dims)
    day = TruncDate("reported_at", tzinfo=timezone.get_default_timezone())
    aggregates = {
        name: Count("reported_at", filter=condition) for name, condition in _count_conditions().items()
    }
    grouped = (
        cases.order_by()
        .annotate(day=day)
        .values("day", *dims)
        .annotate(**aggregates, close_usec=Sum(CloseUsec(), filter=m.CASE_CLOSED))
    )
    rows = {}
    for row in grouped:
        key = (row["day"], *(row[d] for d in dims))
        rows[key] = {
            **{name: row[name] for name in COUNTS},
            "close_usec": int(row["close_usec"] or 0),
            "close_hours": {},
        }
    binned = (
        cases.filter(m.CASE_CLOSED)
        .order_by()
        .annotate(day=day, bin=CloseBin())
        .values("day", *dims, "bin")
        .annotate(n=Count("reported_at"))
    )
    for row in binned:
        rows[(row["day"], *(row[d] for d in dims))]["close_hours"][str(row["bin"])] = row["n"]
    out = {(DAY, *key): values for key, values in rows.items()}
    for (day, *rest), values in rows.items():
        for span, start in SPANS[1:]:
            summed = out.setdefault(
                (span, start(day), *rest),
                {**dict.fromkeys(COUNTS, 0), "close_usec": 0, "close_hours": {}},
            )
            for name in (*COUNTS, "close_usec"):
                summed[name] += values[name]
            for b, n in values["close_hours"].items():
                summed["close_hours"][b] = summed["close_hours"].get(b, 0) + n
    return out


def stored_rows(grain: Grain) -> dict[tuple, dict]:
    """The rows of `grain` as stored, without those that count nothing (a case moved away)."""
    rows = {}
    for row in grain.model.objects.values(*grain.key_columns, *COUNTS, "close_usec", "close_hours"):
        if not row["total"]:
            continue
        key = tuple(row[c] for c in grain.key_columns)
        rows[key] = {
            **{name: row[name] for name in COUNTS},
            "close_usec": row["close_usec"],
            "close_hours": {b: n for b, n in row["close_hours"].items() if n},
        }
    return rows


def rebuild(tables: list[str] | None = None) -> dict[str, int]:
    """Count every table (or those named) again from the cases, and the mediation table from
    the mediations (`reports.mediation_rollup`), in one transaction; {table: rows}.

    One INSERT … SELECT per table: the cases are grouped by row and bin in the database and
    each row's bins gathered into its JSON histogram there, so nothing passes through Python.
    A migration names the tables that exist when it runs.
    """
    from reports import mediation_rollup  # it reads this module's spans and periods

    written = {}
    with transaction.atomic(), connection.cursor() as cursor:
        if tables is None or set(mediation_rollup.TABLES) <= set(tables):
            written.update(mediation_rollup.rebuild())
        for grain in GRAINS:
            if tables is not None and grain.model._meta.db_table not in tables:
                continue
            grain.model.objects.all().delete()
            written[grain.model._meta.db_table] = 0
            for span, _start in SPANS:
                sql, params = _rebuild_sql(grain, span)
                cursor.execute(sql, params)
                written[grain.model._meta.db_table] += cursor.rowcount
    return written


def count_whole_history(grain: Grain) -> int:
    """Write `grain`'s whole-history rows from its month rows, which are few (groups × months):
    what a database that had the tables before those rows needs, in seconds rather than the
    minutes a rebuild reads the cases for. Returns the rows written."""
    totals: dict[tuple, dict] = {}
    for row in grain.model.objects.filter(span=MONTH).values(
        *grain.dims, *COUNTS, "close_usec", "close_hours"
    ):
        summed = totals.setdefault(
            tuple(row[d] for d in grain.dims),
            {**dict.fromkeys(COUNTS, 0), "close_usec": 0, "close_hours": defaultdict(int)},
        )
        for name in (*COUNTS, "close_usec"):
            summed[name] += row[name]
        for b, n in row["close_hours"].items():
            summed["close_hours"][b] += n
    grain.model.objects.filter(span=WHOLE).delete()
    rows = [
        grain.model(
            span=WHOLE,
            day=ALL_DAY,
            **dict(zip(grain.dims, key, strict=True)),
            **{name: summed[name] for name in (*COUNTS, "close_usec")},
            close_hours={b: n for b, n in summed["close_hours"].items() if n},
        )
        for key, summed in totals.items()
    ]
    grain.model.objects.bulk_create(rows, batch_size=5_000)
    return len(rows)


class MonthStart(Func):
    """The first day of a date's month."""

    output_field = models.DateField()
    template = "CAST(DATE_TRUNC('month', %(expressions)s) AS date)"

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="date(%(expressions)s, 'start of month')", **extra
        )


def span_start(span: str, day):
    """The expression of a row's `day` for a span, from the expression of the local day."""
    if span == MONTH:
        return MonthStart(day)
    if span == WHOLE:
        return models.Value(ALL_DAY, output_field=models.DateField())
    return day


def _rebuild_sql(grain: Grain, span: str) -> tuple[str, tuple]:
    q = connection.ops.quote_name
    day = span_start(span, TruncDate("reported_at", tzinfo=timezone.get_default_timezone()))
    aggregates = {
        name: Count("reported_at", filter=condition) for name, condition in _count_conditions().items()
    }
    inner = (
        Case.objects.order_by()
        .annotate(
            day=day,
            bin=models.Case(models.When(m.CASE_CLOSED, then=CloseBin()), output_field=models.IntegerField()),
        )
        .values("day", *grain.dims, "bin")
        .annotate(**aggregates, close_usec=Sum(CloseUsec(), filter=m.CASE_CLOSED))
    )
    sql, params = inner.query.sql_with_params()
    keys = ", ".join(f"r.{q(c)}" for c in ("day", *grain.dims))
    gather = "jsonb_object_agg" if connection.vendor == "postgresql" else "json_group_object"
    empty = "'{}'::jsonb" if connection.vendor == "postgresql" else "'{}'"
    sums = ", ".join(f"COALESCE(SUM(r.{q(c)}), 0)" for c in (*COUNTS, "close_usec"))
    histogram = (
        f"COALESCE({gather}(r.{q('bin')}, r.{q('closed')}) FILTER (WHERE r.{q('bin')} IS NOT NULL), {empty})"
    )
    columns = [grain.model._meta.get_field(c.removesuffix("_id")).column for c in grain.key_columns]
    target = ", ".join(q(c) for c in (*columns, *COUNTS, "close_usec", "close_hours"))
    statement = (
        f"INSERT INTO {q(grain.model._meta.db_table)} ({target}) "
        f"SELECT '{span}', {keys}, {sums}, {histogram} FROM ({sql}) r GROUP BY {keys}"
    )
    return statement, params


def differences(grain: Grain) -> list[tuple]:
    """Keys whose stored row differs from the one counted from the cases, with both."""
    stored, computed = stored_rows(grain), computed_rows(grain)
    return [
        (key, stored.get(key), computed.get(key))
        for key in sorted(set(stored) | set(computed), key=str)
        if stored.get(key) != computed.get(key)
    ]


# --- reading -----------------------------------------------------------------------------------


def grain_for(scope: Scope, group_by: str, filters) -> Grain | None:
    """The coarsest table that can answer, or None (the report then reads the cases)."""
    if not settings.REPORTS_FROM_ROLLUP or group_by not in GROUP_COLUMNS or scope.level not in SCOPE_COLUMNS:
        return None
    needed = {GROUP_COLUMNS[group_by], SCOPE_COLUMNS[scope.level]}
    needed |= {column for name, column in FILTER_COLUMNS.items() if getattr(filters, name) is not None}
    needed.discard(None)
    for grain in GRAINS:
        if needed <= set(grain.dims):
            return grain
    return None


def period_rows(first: date | None, last: date | None, *, by_month: bool = False) -> Q:
    """The rows that count a period once: the months it covers whole, the days at its ends;
    the whole history is one row per group, unless the rows are to be told apart by month."""
    if first is None and last is None and not by_month:
        return Q(span=WHOLE)
    whole_from = None if first is None else (first if first.day == 1 else _next_month(first))
    after_last = None if last is None else last + timedelta(days=1)
    whole_to = None if after_last is None else after_last.replace(day=1)  # months before this one
    if whole_from is not None and whole_to is not None and whole_from >= whole_to:
        return Q(span=DAY, day__gte=first, day__lte=last)  # within one month or two halves
    months = Q(span=MONTH)
    days = Q(pk__in=[])
    if whole_from is not None:
        months &= Q(day__gte=whole_from)
        days |= Q(span=DAY, day__gte=first, day__lt=whole_from)
    if whole_to is not None:
        months &= Q(day__lt=whole_to)
        days |= Q(span=DAY, day__gte=whole_to, day__lte=last)
    return months | days


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def scoped(queryset, scope: Scope):
    return scope.filter(
        queryset,
        district="street__district_code",
        street="street_id",
        community="community_id",
    )


def table_rows(model, dimension, scope: Scope, filters, filter_columns: dict) -> tuple:
    """A summary table's rows that count the report's period, scope and filters, as `.values()`
    of the grouped column; and that column's name ("month" when grouped by month)."""
    period = period_rows(filters.date_from, filters.date_to, by_month=bool(dimension.month_of))
    rows = scoped(model.objects.all(), scope).filter(period)
    for name, column in filter_columns.items():
        value = getattr(filters, name)
        if value is not None:
            rows = rows.filter(**{column: value})
    if dimension.month_of:
        return rows.annotate(month=TruncMonth("day")).order_by().values("month"), "month"
    return rows.order_by().values(dimension.field), dimension.field


def grouped_rows(grain: Grain, dimension, scope: Scope, filters, cases, now: datetime) -> list[dict]:
    """The report's grouped rows (as the raw query gives them) from `grain`, plus live counts.

    Three queries: the counts, the histograms, and the open cases.
    """
    rollup, column = table_rows(grain.model, dimension, scope, filters, FILTER_COLUMNS)
    live = cases.annotate(month=TruncMonth(dimension.month_of)) if dimension.month_of else cases
    summed = rollup.annotate(**{name: Sum(name) for name in (*COUNTS, "close_usec")})
    sums = {row[column]: row for row in summed.filter(total__gt=0).order_by(column)}
    histograms = _summed_histograms(rollup, column)
    # Open is a status, kept by the steps like every count; overdue is open and past due at
    # `now`: the open cases less those not yet due, which are few (due within days).
    not_due = {
        (_month(row[column]) if dimension.month_of else row[column]): row["not_due"]
        for row in live.filter(status__in=OPEN_STATUSES, due_at__gte=now)
        .order_by()
        .values(column)
        .annotate(not_due=Count("reported_at"))
    }
    rows = []
    for key, row in sums.items():
        histogram = histograms.get(key, {})
        rows.append(
            {
                column: key,
                **{name: row[name] for name in COUNTS},
                "overdue_open": row["open_cases"] - not_due.get(key, 0),
                m.HOURS_SUM: int(row["close_usec"] or 0) / HOUR_USEC,
                "median_hours_to_close": median_hours(histogram),
                "_histogram": histogram,
            }
        )
    return rows


def _month(value):
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def _summed_histograms(queryset, column: str) -> dict:
    """{group: {bin: cases}}: the rows' histograms, added up here.

    Measured at 10 million cases, summing here beats summing in the database (a row per bin
    and group from `jsonb_each`, then an aggregate): the whole history by grid reads 100 rows
    in 2 ms where the database took 14 to 40 ms to sum them, and a period's rows hold few bins.
    """
    out: dict = defaultdict(lambda: defaultdict(int))
    for group, histogram in queryset.values_list(column, "close_hours"):
        summed = out[_month(group) if column == "month" else group]
        for b, n in histogram.items():
            summed[b] += n
    return out


def overall_median(rows: list[dict]) -> float | None:
    total: dict = defaultdict(int)
    for row in rows:
        for b, n in row["_histogram"].items():
            total[b] += n
    return median_hours(total)


def medians_agree(got: float | None, exact: float | None) -> bool:
    """Whether an interpolated median is within the bins' precision of the exact one."""
    if got is None or exact is None:
        return got is exact
    return abs(got - exact) <= max((GROWTH - 1) * exact, FIRST_EDGE_HOURS) + 10**-m.HOURS_DECIMALS


def means_agree(got: float | None, exact: float | None) -> bool:
    """Means to their last decimal: the tables sum whole microseconds, the raw query floating
    hours, so a mean on a half hundredth may be rounded either way."""
    if got is None or exact is None:
        return got is exact
    return abs(got - exact) <= 1.0001 * 10**-m.HOURS_DECIMALS


def reports_agree(from_rollup: dict, raw: dict) -> bool:
    """The same groups and figures, medians within the bins' precision."""
    if [row["key"] for row in from_rollup["rows"]] != [row["key"] for row in raw["rows"]]:
        return False
    pairs = [(from_rollup["totals"], raw["totals"]), *zip(from_rollup["rows"], raw["rows"], strict=True)]
    median, mean = "median_hours_to_close", "mean_hours_to_close"
    return all(
        {k: v for k, v in got.items() if k not in (median, mean)}
        == {k: v for k, v in want.items() if k not in (median, mean)}
        and medians_agree(got[median], want[median])
        and means_agree(got[mean], want[mean])
        for got, want in pairs
    )
