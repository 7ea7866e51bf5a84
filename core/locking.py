"""Row locks: the one way the services lock what they are about to change.

Rows are locked with `SELECT … FOR UPDATE OF <the model's own table>`, so that joined rows
(a case's category, its worker) are read but not locked, and always among the rows the caller
may see: a row outside the caller's scope is not found, exactly as one that does not exist.
Several rows are locked in primary-key order, so that two transactions never wait on each
other in opposite orders. SQLite serialises writers and ignores the clause.
"""

from django.db.models import Model, QuerySet

from config.errors import ObjectNotFound


def lock_one(queryset: QuerySet, **lookup) -> Model:
    """The one row of `queryset` that `lookup` names (`pk=12`), locked until the transaction
    ends; `ObjectNotFound` when there is none."""
    obj = queryset.select_for_update(of=("self",)).filter(**lookup).first()
    if obj is None:
        raise ObjectNotFound()
    return obj


def lock_all(queryset: QuerySet) -> QuerySet:
    """The rows of `queryset`, to be locked in primary-key order as they are read."""
    return queryset.select_for_update(of=("self",)).order_by("pk")
