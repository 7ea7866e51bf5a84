"""Database expressions the reports need and Django lacks: hours between two times, and a median.

Both run inside the grouped query, so a report stays one query per grouping level however
many cases it counts. PostgreSQL has `percentile_cont`; SQLite has no median, so one is
registered on every new SQLite connection (see `ReportsConfig.ready`).
"""

from __future__ import annotations

from django.db.models import Aggregate, FloatField, Func

SQLITE_MEDIAN = "reports_median"


class HoursBetween(Func):
    """(end - start) in hours, as a float; null when either end is null."""

    arity = 2
    output_field = FloatField()

    def __init__(self, start, end, **extra):
        super().__init__(start, end, **extra)

    def _compiled(self, compiler, connection):
        (start_sql, start_params), (end_sql, end_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return start_sql, start_params, end_sql, end_params

    def as_sqlite(self, compiler, connection, **extra):
        start_sql, start_params, end_sql, end_params = self._compiled(compiler, connection)
        # Django stores SQLite datetimes as UTC text, which julianday() reads (to the millisecond).
        return f"((julianday({end_sql}) - julianday({start_sql})) * 24.0)", [*end_params, *start_params]

    def as_postgresql(self, compiler, connection, **extra):
        start_sql, start_params, end_sql, end_params = self._compiled(compiler, connection)
        # date_part gives double precision directly; EXTRACT gives numeric, which is much
        # slower to compute over a year of cases and must be cast for percentile_cont anyway.
        return f"(date_part('epoch', {end_sql} - {start_sql}) / 3600.0)", [*end_params, *start_params]


class Median(Aggregate):
    """The median of a numeric expression, interpolated between the two middle values."""

    name = "Median"
    function = SQLITE_MEDIAN
    output_field = FloatField()
    allow_distinct = False

    def as_postgresql(self, compiler, connection, **extra):
        # An ordered-set aggregate; a FILTER clause, when given, follows WITHIN GROUP. The
        # template is set on a copy because Aggregate.as_sql does not accept one as an argument
        # together with a filter.
        clone = self.copy()
        clone.template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
        return clone.as_sql(compiler, connection, **extra)


class SQLiteMedian:
    """The `reports_median(x)` aggregate for SQLite; same result as percentile_cont(0.5)."""

    def __init__(self):
        self.values: list[float] = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        values = sorted(self.values)
        if not values:
            return None
        middle = len(values) // 2
        if len(values) % 2:
            return values[middle]
        return (values[middle - 1] + values[middle]) / 2


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: give each new SQLite connection the median aggregate."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_MEDIAN, 1, SQLiteMedian)
