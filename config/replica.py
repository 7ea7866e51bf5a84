"""A read replica for the heavy reads: reports, exports and the dashboard's figures.

`DATABASE_REPLICA_URL` names a streaming replica of the primary. Code that may read from it
says so with `replica_reads(user)`; everything else (every write, and every read outside such
a block: lists, details, ETags) uses the primary, so a phone's GET after its POST always sees
what it wrote. Inside the block the router sends reads to the replica only while it is up, in
recovery (a replica, not another primary) and no more than `REPLICA_MAX_LAG_SECONDS` behind;
otherwise, and for a user who wrote in the last `REPLICA_MAX_LAG_SECONDS`, reads stay on the
primary. The replica's state is checked at most every `REPLICA_CHECK_SECONDS` per process.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)

# The replica's delay: none when it has replayed all it received, else the age of the last
# transaction it replayed. NULL on a primary, which is therefore never taken for a replica.
LAG_QUERY = """
    SELECT pg_is_in_recovery(),
           CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""


@dataclass
class ReplicaState:
    usable: bool = False
    lag_seconds: float | None = None
    checked_at: float = float("-inf")


_state = ReplicaState()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _recent_writer_key(user_id) -> str:
    return f"replica:wrote:{user_id}"


def note_write(user) -> None:
    """Remember that `user` just wrote: their next reads stay on the primary for a while."""
    if replica_configured() and getattr(user, "pk", None):
        cache.set(
            _recent_writer_key(user.pk), True, timeout=max(1, int(settings.REPLICA_MAX_LAG_SECONDS) + 1)
        )


def replica_state(*, now: float | None = None) -> ReplicaState:
    """The replica's state, read again when the last check is older than REPLICA_CHECK_SECONDS."""
    now = time.monotonic() if now is None else now
    if now - _state.checked_at < settings.REPLICA_CHECK_SECONDS:
        return _state
    _state.checked_at = now
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_QUERY)
            in_recovery, lag = cursor.fetchone()
    except Exception as exc:  # down, refusing, or not allowed here: the primary answers instead
        logger.warning("Read replica unusable, reading from the primary: %s", type(exc).__name__)
        connections[REPLICA].close()
        _state.usable, _state.lag_seconds = False, None
        return _state
    _state.lag_seconds = None if lag is None else float(lag)
    _state.usable = bool(in_recovery) and lag is not None and float(lag) <= settings.REPLICA_MAX_LAG_SECONDS
    if not _state.usable:
        logger.warning("Read replica not used (in recovery: %s, lag: %s s)", in_recovery, lag)
    return _state


def forget_replica_state() -> None:
    _state.checked_at = float("-inf")


@contextmanager
def replica_reads(user=None) -> Iterator[str]:
    """Let the reads inside go to the replica when it is usable; yields the alias they use."""
    use = (
        replica_configured()
        and not (getattr(user, "pk", None) and cache.get(_recent_writer_key(user.pk)))
        and replica_state().usable
    )
    token = _reading_from_replica.set(use)
    try:
        yield REPLICA if use else DEFAULT_DB_ALIAS
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    """Writes and ordinary reads to the primary; reads inside `replica_reads` to the replica."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reading_from_replica.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class RecentWriterMiddleware:
    """After a request that may have written (not GET, HEAD or OPTIONS), keep the user's reads
    on the primary for as long as the replica may lag behind."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            note_write(getattr(request, "user", None))
        return response
