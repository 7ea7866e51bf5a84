"""The queries of a create, of each action and of a list, pinned: what each must read and write.

Counted after a first request of the same kind, so that what a process reads once (content
types, the database session's name) is not counted. Notifications routed after the commit are
not part of the request's transaction and are not counted here.
"""

import uuid

import pytest
from django.db import connection
from django.urls import reverse

from grids.models import GridWorker
from reports import rollup


def rollup_upkeep() -> int:
    """The summary tables' upkeep in a step that changes a report's counts: one statement on
    PostgreSQL, one per table and span (day, month) elsewhere (`reports.rollup`)."""
    return 1 if connection.vendor == "postgresql" else len(rollup.GRAINS) * len(rollup.SPANS)


LIST = "v1:case-list"


def create_body(world, category, **extra):
    return {"grid": world.grid_a1.pk, "category": category.pk, "title": "楼道堆放杂物", **extra}


# token (with the user and their scope), the worker's grids, BEGIN, category, grid, counter,
# case, history row, outbox event, the reporter's worker row (the history's real name), COMMIT;
# and the summary tables' upkeep
CREATE = 11
# and the key: its claim, committed on its own (in service BEGIN, SET LOCAL synchronous_commit,
# the INSERT, COMMIT; inside the test's transaction a savepoint, the INSERT and its release),
# the transaction around the create (here a savepoint and its release) and the answer stored
# under the key.
CREATE_WITH_KEY = CREATE + 3 + 2 + 1


def test_a_create_reads_nothing_it_already_holds(world, api, category, django_assert_num_queries):
    client = api(world.worker_a)
    url = reverse(LIST)
    client.post(url, create_body(world, category), format="json", HTTP_IDEMPOTENCY_KEY="warm")
    with django_assert_num_queries(CREATE + rollup_upkeep()):
        response = client.post(url, create_body(world, category), format="json")
    assert response.status_code == 201
    with django_assert_num_queries(CREATE_WITH_KEY + rollup_upkeep()):
        keyed = client.post(
            url, create_body(world, category), format="json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex
        )
    assert keyed.status_code == 201
    # token, grids, the claim refused, the key's row read under its lock: a replay creates and
    # reads nothing else (in service 6; here the test's transaction adds 3 savepoint statements)
    with django_assert_num_queries(9):
        replay = client.post(url, create_body(world, category), format="json", HTTP_IDEMPOTENCY_KEY="warm")
    assert replay["Idempotent-Replayed"] == "true"


def test_a_create_answers_what_a_read_of_the_case_answers(world, api, category):
    client = api(world.worker_a)
    created = client.post(
        reverse(LIST), create_body(world, category, on_the_spot=True, result="已清理"), format="json"
    )
    assert created.status_code == 201
    body = created.json()
    read = client.get(reverse("v1:case-detail", args=[body["id"]])).json()
    assert body.pop("warnings") == []
    assert body.pop("possible_duplicates") == []
    assert body == read
    assert [e["action"] for e in body["events"]] == ["report", "accept", "assign", "start", "resolve"]
    assert created["ETag"] == f'"{read["version"]}"'


def test_a_grid_outside_the_scope_is_still_refused_by_the_service(world, category):
    from cases.services import case_create
    from config.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        case_create(actor=world.worker_a, grid=world.grid_a2, category=category, title="越界")
    assert refused.value.field == "grid"


# token, scope's grids or none; the early check's row; BEGIN, the lock, the update, the history
# row, the outbox event, COMMIT; the answer: the case with its relations and four lists
def _action(extra=0, counted=False):
    # `counted`: the step changes a report's counts, so the summary tables are kept too.
    return 1 + 1 + 6 + 5 + extra + (rollup_upkeep() if counted else 0)


ACTIONS = [
    # (status, actor, action, body, queries)
    ("reported", "admin_a", "accept", {"note": "立案"}, _action(counted=True)),
    ("reported", "admin_a", "reject", {"reason": "重复"}, _action(counted=True)),
    ("accepted", "admin_a", "assign", {"worker": "worker"}, _action(1)),  # the worker named
    ("assigned", "worker_a", "start", {}, _action(1)),  # a worker's grids
    ("in_progress", "worker_a", "resolve", {"result": "已清理"}, _action(1)),
    ("resolved", "admin_a", "verify", {"passed": True}, _action(counted=True)),
    ("accepted", "admin_a", "escalate", {"reason": "需街道协调"}, _action(counted=True)),
    ("reported", "admin_a", "comment", {"note": "已电话联系"}, _action()),
    ("closed", "admin_a", "feedback", {"satisfaction": "satisfied"}, _action(counted=True)),
]


@pytest.mark.parametrize("status,actor,action,body,queries", ACTIONS, ids=[a[2] for a in ACTIONS])
def test_each_action_takes_a_fixed_number_of_queries(
    world, api, make_case, django_assert_num_queries, status, actor, action, body, queries
):
    user = getattr(world, actor)
    client = api(user)
    warm = make_case(status)
    if body.get("worker") == "worker":
        body = {**body, "worker": GridWorker.objects.get(user=world.worker_a).pk}
    client.post(reverse(f"v1:case-{action}", args=[warm.pk]), body, format="json")
    case = make_case(status)
    with django_assert_num_queries(queries):
        response = client.post(reverse(f"v1:case-{action}", args=[case.pk]), body, format="json")
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize("size", [50, 200])
def test_a_list_page_is_four_queries_whatever_its_size(
    world, api, make_case, django_assert_num_queries, size
):
    client = api(world.admin_a)
    for _ in range(3):
        make_case("in_progress")
    client.get(reverse(LIST))
    # token (with the scope), count, page
    with django_assert_num_queries(3):
        few = client.get(reverse(LIST), {"page_size": size})
    for _ in range(8):
        make_case("reported")
    with django_assert_num_queries(3):
        more = client.get(reverse(LIST), {"page_size": size})
    assert few.json()["count"] == 3
    assert more.json()["count"] == 11


# --- pages by cursor --------------------------------------------------------------------------


def test_pages_by_cursor_walk_every_case_newest_first_without_a_count(
    world, api, make_case, django_assert_num_queries
):
    made = [make_case("reported", title=f"第{n}件") for n in range(7)]
    client = api(world.admin_a)
    client.get(reverse(LIST), {"cursor": "", "page_size": 3})
    seen, url, params = [], reverse(LIST), {"cursor": "", "page_size": 3}
    while url:
        # token (with the scope) and the page: no count
        with django_assert_num_queries(2):
            page = client.get(url, params).json()
        assert "count" not in page
        seen += [case["id"] for case in page["results"]]
        url, params = page["next"], None
    newest_first = sorted(made, key=lambda c: (c.reported_at, c.pk), reverse=True)
    assert seen == [c.pk for c in newest_first]


def test_a_cursor_page_keeps_the_filters_and_the_scope(world, api, make_case):
    mine = make_case("accepted")
    make_case("reported")
    make_case("reported", grid=world.grid_b1)
    page = api(world.admin_a).get(reverse(LIST), {"cursor": "", "status": "accepted"}).json()
    assert [c["id"] for c in page["results"]] == [mine.pk]
    assert page["next"] is None and page["previous"] is None


@pytest.mark.parametrize(
    "params,field",
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "", "ordering": "due_at"}, "ordering"),
        ({"cursor": "", "page": "2"}, "page"),  # a cursor's pages are not numbered
    ],
)
def test_a_bad_cursor_or_ordering_or_page_with_one_is_400_naming_it(world, api, make_case, params, field):
    make_case()
    response = api(world.admin_a).get(reverse(LIST), params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_pages_by_number_still_end_with_a_404(world, api, make_case):
    make_case()
    client = api(world.admin_a)
    assert client.get(reverse(LIST), {"page": 1}).json()["count"] == 1
    assert client.get(reverse(LIST), {"page": 2}).status_code == 404
