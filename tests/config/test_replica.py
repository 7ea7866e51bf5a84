"""The read replica: reports read from it while it is usable, everything else from the primary.

The first tests point the replica alias at nothing and at the primary itself (a database that
is not in recovery): reads fall back to the primary. The tests marked `replica` need the real
streaming replica that `.ci/run` starts (`DATABASE_REPLICA_URL`, PostgreSQL only).
"""

import os
import time
from contextlib import contextmanager

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from config import replica
from config.replica import REPLICA, replica_reads

RESOLUTION = "/api/v1/reports/resolution/"
# The replica `.ci/run` starts; in the test settings the alias mirrors the primary (TEST MIRROR).
REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
# CI sets REQUIRE_REPLICA=1 on PostgreSQL: there a missing replica fails these tests instead of
# skipping them, so that the router is never left tested against nothing.
REPLICA_REQUIRED = os.environ.get("REQUIRE_REPLICA") == "1"
needs_replica = pytest.mark.skipif(
    not REPLICA_URL and not REPLICA_REQUIRED, reason="needs the streaming replica: set DATABASE_REPLICA_URL"
)


def test_a_required_replica_is_configured_and_is_a_standby():
    if not REPLICA_REQUIRED:
        pytest.skip("REQUIRE_REPLICA is not set")
    assert REPLICA_URL, "REQUIRE_REPLICA=1 but DATABASE_REPLICA_URL is not set"
    import psycopg

    with psycopg.connect(REPLICA_URL.replace("postgres://", "postgresql://", 1), connect_timeout=5) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True


WITH_REPLICA = {"transaction": True, "databases": ["default", REPLICA]}


@contextmanager
def replica_alias(**database):
    """Point the replica alias, for the duration of the block, at the primary's test database
    with `database`'s changes (another host or port)."""
    handle = connections[REPLICA]
    saved = handle.settings_dict
    handle.close()
    handle.settings_dict = {**connection.settings_dict, **database}
    replica.forget_replica_state()
    try:
        yield handle
    finally:
        handle.close()
        handle.settings_dict = saved
        replica.forget_replica_state()


@pytest.fixture
def quick_checks(settings):
    settings.REPLICA_CHECK_SECONDS = 0
    settings.REPLICA_MAX_LAG_SECONDS = 1


@pytest.mark.skipif(bool(REPLICA_URL), reason="a replica is configured")
@pytest.mark.django_db
def test_without_a_replica_every_read_uses_the_primary():
    with replica_reads() as alias:
        assert alias == "default"


@needs_replica
@pytest.mark.replica
@pytest.mark.django_db(**WITH_REPLICA)
def test_a_replica_that_is_down_leaves_the_reports_on_the_primary(world, api, quick_checks):
    with replica_alias(HOST="127.0.0.1", PORT="1"):
        with replica_reads() as alias:
            assert alias == "default"
        response = api(world.admin_a).get(RESOLUTION)
    assert response.status_code == 200 and response.json()["totals"]["total"] == 0


@needs_replica
@pytest.mark.replica
@pytest.mark.django_db(**WITH_REPLICA)
def test_a_primary_is_never_taken_for_a_replica(world, quick_checks):
    # The alias reaches a database, but one that is not in recovery: not a replica.
    with replica_alias(HOST=connection.settings_dict["HOST"], PORT=connection.settings_dict["PORT"]):
        with replica_reads() as alias:
            assert alias == "default"
        assert replica.replica_state().usable is False


# --- the real replica --------------------------------------------------------------------------

needs_replica = pytest.mark.skipif(
    not REPLICA_URL, reason="needs the streaming replica: set DATABASE_REPLICA_URL"
)


@contextmanager
def real_replica():
    import environ

    url = environ.Env.db_url_config(REPLICA_URL)
    with replica_alias(
        HOST=url["HOST"], PORT=str(url["PORT"]), NAME=connection.settings_dict["NAME"]
    ) as replica_connection:
        yield replica_connection


def _wait_for(replica_connection, query: str, expected, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        with replica_connection.cursor() as cursor:
            cursor.execute(query)
            value = cursor.fetchone()[0]
        if value == expected or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def _report_on(api_client, replica_connection):
    """The report's total, and the queries it ran on the replica and on the primary."""
    with (
        CaptureQueriesContext(replica_connection) as on_replica,
        CaptureQueriesContext(connection) as on_primary,
    ):
        body = api_client.get(RESOLUTION).json()
    return body["totals"]["total"], len(on_replica), len(on_primary)


@needs_replica
@pytest.mark.replica
@pytest.mark.django_db(**WITH_REPLICA)
def test_reports_read_from_the_replica_and_fall_back_when_it_lags(
    world, api, make_case, quick_checks, settings
):
    settings.REPLICA_MAX_LAG_SECONDS = 2
    make_case("closed")
    with real_replica() as standby:
        count = "SELECT count(*) FROM cases_case"
        assert _wait_for(standby, count, 1) == 1
        # A manager's report is read from the replica: its grouped query runs there.
        total, on_replica, _on_primary = _report_on(api(world.admin_a), standby)
        assert total == 1 and on_replica >= 2
        # A case list (and every other read outside the reports) stays on the primary.
        with CaptureQueriesContext(standby) as listed:
            assert api(world.admin_a).get("/api/v1/cases/").status_code == 200
        assert len(listed) == 0
        # The replica stops replaying: once it is further behind than allowed, the reports are
        # read from the primary, and they count what the replica has not seen.
        with standby.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_pause()")
        try:
            make_case("reported")
            time.sleep(settings.REPLICA_MAX_LAG_SECONDS + 1)
            total, on_replica, _ = _report_on(api(world.admin_a), standby)
            assert total == 2
            assert replica.replica_state().usable is False
            assert replica.replica_state().lag_seconds > settings.REPLICA_MAX_LAG_SECONDS
        finally:
            with standby.cursor() as cursor:
                cursor.execute("SELECT pg_wal_replay_resume()")
        assert _wait_for(standby, count, 2) == 2
        replica.forget_replica_state()
        assert _report_on(api(world.admin_a), standby)[1] >= 2


@needs_replica
@pytest.mark.replica
@pytest.mark.django_db(**WITH_REPLICA)
def test_a_users_reads_after_their_write_stay_on_the_primary(world, api, make_case, quick_checks, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 5
    case = make_case("reported")
    with real_replica() as standby:
        assert _wait_for(standby, "SELECT count(*) FROM cases_case", 1) == 1
        client = api(world.admin_a)
        accepted = client.post(f"/api/v1/cases/{case.pk}/accept/", {"note": "受理"}, format="json")
        assert accepted.status_code == 200
        # Right after their write the centre's report is the primary's, which has the acceptance.
        with CaptureQueriesContext(standby) as on_replica:
            body = client.get(RESOLUTION).json()
        assert len(on_replica) == 0 and body["totals"]["accepted"] == 1
        # Another manager, who wrote nothing, reads from the replica.
        other = api(world.superuser)
        _wait_for(standby, "SELECT count(*) FROM cases_case WHERE accepted_at IS NOT NULL", 1)
        assert _report_on(other, standby)[1] >= 2


def test_the_router_sends_writes_and_migrations_to_the_primary():
    router = replica.ReplicaRouter()
    assert router.db_for_write(None) == "default"
    assert router.allow_migrate("replica", "cases") is False and router.allow_migrate("default", "cases")
    assert router.db_for_read(None) == "default"
    token = replica._reading_from_replica.set(True)  # inside a usable `replica_reads` block
    try:
        assert router.db_for_read(None) == "replica" and router.db_for_write(None) == "default"
    finally:
        replica._reading_from_replica.reset(token)
