"""Human-readable case numbers, unique per street and year: SQ-2022-000123."""

from datetime import datetime

from django.db import connection
from django.utils import timezone

from cases.models import CaseNumberCounter
from grids.models import Street


def case_number(abbreviation: str, year: int, serial: int) -> str:
    return f"{abbreviation}-{year}-{serial:06d}"


def number_year(reported_at: datetime) -> int:
    """The year a case is numbered in: the local year of its report."""
    return timezone.localtime(reported_at).year


def reserve_case_numbers(street: Street, year: int, count: int = 1) -> int:
    """Take the next `count` serial numbers of `street` in `year`; answer the last one taken.

    One upsert statement raises the counter and returns it, so two requests can never get the
    same number, on PostgreSQL or SQLite, without a check-then-create window. Run it inside
    the transaction that creates the cases: a rollback gives the numbers back.
    """
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (street_id, year, last) VALUES (%s, %s, %s) "
            f"ON CONFLICT (street_id, year) DO UPDATE SET last = {table}.last + %s "
            "RETURNING last",
            [street.pk, year, count, count],
        )
        (last,) = cursor.fetchone()
    return last


def next_case_number(street: Street, reported_at: datetime) -> str:
    """Take the next number of `street` for the year of `reported_at`."""
    year = number_year(reported_at)
    return case_number(street.abbreviation, year, reserve_case_numbers(street, year))
