"""Monthly range partitions of the history tables, on PostgreSQL.

The case and mediation events (about seven a case) and the supervision entries are the
tables that grow fastest and are only appended to. On PostgreSQL each is partitioned by
month of its time column, so that a month is an ordinary table that can be detached and
archived whole, and the planner reads only the months a query names. The model keeps its id
as primary key in Django; in the database the key is (id, time), which partitioning needs
(every unique constraint must hold the partition column) — ids still come from one sequence.

An app declares its partitioned tables (`register`) and converts them in a migration
(`partition_table`, PostgreSQL only; SQLite keeps plain tables). `partitions_ensure`, run by
a scheduled task, creates the coming months; a default partition takes any row outside
them, so an insert never fails if the task has not run.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.db import connection as default_connection
from django.utils import timezone

# table → its time column (a timestamp or a date), filled by the apps' `ready()`
PARTITIONED: dict[str, str] = {}
MONTHS_AHEAD = 3


def register(table: str, column: str) -> None:
    PARTITIONED[table] = column


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y_%m}"


def _bound(month: date) -> str:
    """A month's first moment in the service's time zone, as a literal the column accepts."""
    moment = timezone.make_aware(datetime.combine(month, time.min), timezone.get_default_timezone())
    return moment.isoformat()


def _bound_for(column_type: str, month: date) -> str:
    return month.isoformat() if column_type == "date" else _bound(month)


def _column_type(cursor, table: str, column: str) -> str:
    cursor.execute(
        "SELECT data_type FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
        [table, column],
    )
    return cursor.fetchone()[0]


def is_partitioned(table: str, connection=default_connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [table])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def create_month(cursor, table: str, column_type: str, month: date) -> bool:
    """Create `table`'s partition of `month` unless it exists; whether it was created."""
    name = partition_name(table, month)
    cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s", [name])
    if cursor.fetchone():
        return False
    start, end = _bound_for(column_type, month), _bound_for(column_type, next_month(month))
    cursor.execute(
        f"CREATE TABLE \"{name}\" PARTITION OF \"{table}\" FOR VALUES FROM ('{start}') TO ('{end}')"
    )
    return True


def partitions_ensure(
    *, months_ahead: int = MONTHS_AHEAD, today: date | None = None, connection=None
) -> list[str]:
    """Create this month's and the next `months_ahead` months' partitions of every partitioned
    table that lacks them; the names created. Nothing on a database without partitions."""
    connection = connection or default_connection
    today = today or timezone.localdate()
    created = []
    with connection.cursor() as cursor:
        for table, column in PARTITIONED.items():
            if not is_partitioned(table, connection):
                continue
            column_type = _column_type(cursor, table, column)
            month = month_start(today)
            for _ in range(months_ahead + 1):
                if create_month(cursor, table, column_type, month):
                    created.append(partition_name(table, month))
                month = next_month(month)
    return created


def partition_table(schema_editor, table: str, column: str, *, months_ahead: int = MONTHS_AHEAD) -> None:
    """Turn a plain table into one partitioned by month of `column`, rows, indexes and
    constraints kept (for a migration; PostgreSQL only, nothing elsewhere).

    The rows are copied in the migration's transaction: on a large existing table, run it
    in a maintenance window.
    """
    if schema_editor.connection.vendor != "postgresql" or is_partitioned(table, schema_editor.connection):
        return
    old = f"{table}_unpartitioned"
    with schema_editor.connection.cursor() as cursor:
        column_type = _column_type(cursor, table, column)
        cursor.execute(
            "SELECT i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
            "WHERE i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)",
            [table],
        )
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(f'SELECT MIN({column}), MAX({column}) FROM "{table}"')
        first, last = cursor.fetchone()
        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
        cursor.execute(
            f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING IDENTITY '
            f"INCLUDING CONSTRAINTS INCLUDING STORAGE) PARTITION BY RANGE ({column})"
        )
        cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
        local = timezone.localdate()
        start = min(_as_date(first) or local, local)
        end = max(_as_date(last) or local, local)
        month = month_start(start)
        while month <= month_start(end) or month <= _months_after(local, months_ahead):
            create_month(cursor, table, column_type, month)
            month = next_month(month)
        cursor.execute(f'INSERT INTO "{table}" OVERRIDING SYSTEM VALUE SELECT * FROM "{old}"')
        cursor.execute(f'DROP TABLE "{old}"')  # its indexes' and constraints' names are free again
        cursor.execute(f'ALTER TABLE "{table}" ADD PRIMARY KEY (id, {column})')
        for definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE(MAX(id), 0) + 1, false) "
            f'FROM "{table}"'
        )


def _as_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value, timezone.get_default_timezone()).date()
    return value


def _months_after(day: date, months: int) -> date:
    month = month_start(day)
    for _ in range(months):
        month = next_month(month)
    return month


def detach_statement(table: str, month: date) -> str:
    """The statement that takes one month out of a table for archiving (README, "Partitioned
    history"); printed, never run by the service."""
    return f'ALTER TABLE "{table}" DETACH PARTITION "{partition_name(table, month)}" CONCURRENTLY;'
