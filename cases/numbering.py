"""Human-readable case numbers, unique per street and year: SQ-2022-000123."""

from datetime import datetime

from django.db import connection
from django.utils import timezone

from cases.models import CaseNumberCounter
from grids.models import Street


def next_case_number(street: Street, reported_at: datetime) -> str:
    """Take the next number of `street` for the year of `reported_at`.

    One upsert statement increments the counter and returns it, so two requests can never
    get the same number, on PostgreSQL or SQLite, without a check-then-create window. Run
    it inside the transaction that creates the case: a rolled-back case gives its number back.
    """
    year = timezone.localtime(reported_at).year
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (street_id, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (street_id, year) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [street.pk, year],
        )
        (last,) = cursor.fetchone()
    return f"{street.abbreviation}-{year}-{last:06d}"
