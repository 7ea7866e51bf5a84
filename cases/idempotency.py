"""Idempotent creation lives in `core.idempotency`, below every app that creates: kept here by name."""

from core.idempotency import *  # noqa: F403
from core.idempotency import (  # noqa: F401
    HEADER,
    KEY_PATTERN,
    check_key,
    fingerprint,
    idempotency_keys_purge,
    run_idempotent,
)
