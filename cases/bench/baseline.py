"""What the API's create and list are measured against: the same rows with nothing around them.

- `raw_create`: the case row and its history row, two INSERTs of raw SQL in one transaction.
- `values_list`: the page of a street's cases the list shows, by `.values()` of the columns the
  list's serializer reads, as JSON.

Neither authenticates, checks or validates anything: they are the floor, not an alternative.
Their street, community and reporter come from the environment the bench starts the server
with (`BENCH_API_STREET`, `BENCH_API_COMMUNITY`, `BENCH_API_REPORTER`).
"""

import json
import os
import uuid
from datetime import timedelta
from functools import cache

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from cases.models import Case, CaseEvent
from cases.serializers import CaseListSerializer


def _bench_id(name: str) -> int:
    return int(os.environ[name])


@cache
def _case_insert() -> tuple[str, list[str], dict]:
    """The INSERT of a case, its columns, and each column's value when the request sets none."""
    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    defaults = {}
    for field in fields:
        value = field.get_default() if field.has_default() else ("" if field.empty_strings_allowed else None)
        defaults[field.column] = field.get_db_prep_save(value, connection)
    columns = [f.column for f in fields]
    sql = (
        f"INSERT INTO {Case._meta.db_table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) RETURNING id"
    )
    return sql, columns, defaults


EVENT_INSERT = (
    f"INSERT INTO {CaseEvent._meta.db_table} "
    "(case_id, action, actor_id, at, from_status, to_status, note, changes) "
    "VALUES (%s, 'report', %s, %s, '', 'reported', '', '{}')"
)


@csrf_exempt
def raw_create(request):
    body = json.loads(request.body)
    sql, columns, defaults = _case_insert()
    now = timezone.now()
    row = dict(defaults)
    row.update(
        number=uuid.uuid4().hex[:24],
        kind="incident",
        category_id=body["category"],
        street_id=_bench_id("BENCH_API_STREET"),
        community_id=_bench_id("BENCH_API_COMMUNITY"),
        grid_id=body["grid"],
        triage="small",
        level="grid",
        title=body["title"],
        description=body.get("description", ""),
        address=body.get("address", ""),
        reporter_id=_bench_id("BENCH_API_REPORTER"),
        status="reported",
        reported_at=now,
        due_at=now + timedelta(hours=48),
        created_at=now,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [row[column] for column in columns])
        case_id = cursor.fetchone()[0]
        cursor.execute(EVENT_INSERT, [case_id, row["reporter_id"], now])
    return HttpResponse(
        json.dumps({"id": case_id, "number": row["number"], "version": 1}),
        status=201,
        content_type="application/json",
    )


def values_list(request):
    size = int(request.GET.get("page_size", 20))
    rows = (
        Case.objects.filter(street_id=_bench_id("BENCH_API_STREET"))
        .order_by("-reported_at", "-pk")
        # The very columns the list's serializer reads from its rows.
        .values(*CaseListSerializer.row_columns())[:size]
    )
    return JsonResponse({"results": list(rows)}, encoder=DjangoJSONEncoder)
