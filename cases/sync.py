"""Cases sent by phones on poor connections: a create that may be retried, and offline batches.

`case_create_once` runs one create under the client's `Idempotency-Key` (`core.idempotency`):
a retry replays the first answer. `cases_sync` takes a batch logged offline and answers each
item on its own, as if it had been sent alone with its key: a bad item (malformed, invalid, or
holding text the API refuses, a NUL or an unpaired surrogate: `config.text`) is that item's
400, and an unexpected error in one item is that item's 500 (its writes rolled back and its
key freed), while the other items are answered.

Both take `create_one(case_data) → (status, body)` from the API: it validates one case,
creates it and builds the answer stored under the key, in one transaction.
"""

import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from cases.services import check_may_report
from config.errors import InvalidInput
from config.text import BAD_TEXT_MESSAGE, MAX_DEPTH, bad_text_fields
from core.idempotency import create_once

logger = logging.getLogger(__name__)

CreateOne = Callable[[Any], tuple[int, dict]]
# Answers a `create_one` gives for domain errors, by the status the API maps them to.
ErrorAnswer = Callable[[Exception], tuple[int, dict] | None]


@dataclass(frozen=True)
class SyncItemAnswer:
    idempotency_key: str | None
    status: int
    body: Any
    replayed: bool

    @property
    def outcome(self) -> str:
        if self.status >= 400:
            return "error"
        return "replayed" if self.replayed else "created"


def case_create_once(
    *, actor, key: str, path: str, data: Any, create_one: CreateOne, field: str = "Idempotency-Key"
) -> tuple[int, dict, bool]:
    """Create once per (actor, key): answer (status, body, replayed)."""
    return create_once(actor=actor, key=key, path=path, data=data, create_one=create_one, field=field)


def cases_sync(
    *, actor, items: Sequence[Any], path: str, create_one: CreateOne, error_answer: ErrorAnswer
) -> list[SyncItemAnswer]:
    """Create each item of an offline batch on its own; two items with one key are one request
    sent twice. `path` is the single create's, so that either way of sending replays the other."""
    check_may_report(actor)
    return [_sync_item(actor, raw, path, create_one, error_answer) for raw in items]


def _sync_item(actor, raw, path: str, create_one: CreateOne, error_answer: ErrorAnswer) -> SyncItemAnswer:
    bad_text = _bad_text(raw)
    key = raw.get("idempotency_key") if isinstance(raw, dict) else None
    key = key if isinstance(key, str) and "idempotency_key" not in bad_text else None
    if bad_text:
        # Answered before the key is claimed: such a key cannot be stored, nor such a case
        # fingerprinted, and a single create with this text stores no key either. A retry
        # gets the same 400 again.
        return SyncItemAnswer(key, 400, {field: [str(BAD_TEXT_MESSAGE)] for field in bad_text}, False)
    try:
        case_data = _item_case(raw)
        status, body, replayed = case_create_once(
            actor=actor, key=key, path=path, data=case_data, create_one=create_one, field="idempotency_key"
        )
    except Exception as exc:
        answer = error_answer(exc)
        if answer is None:
            answer = _item_crashed(actor, key, exc)
        status, body, replayed = *answer, False
    return SyncItemAnswer(key, status, body, replayed)


def _item_case(raw) -> dict:
    """The item's case, once the item has the shape `{"idempotency_key": …, "case": {…}}`."""
    if not isinstance(raw, dict):
        raise _Malformed("non_field_errors", _("Each item must be an object with a key and a case."))
    if not isinstance(raw.get("idempotency_key"), str):
        raise _Malformed("idempotency_key", _("This field is required."))
    if not isinstance(raw.get("case"), dict):
        raise _Malformed("case", _("The case must be an object."))
    return raw["case"]


def _bad_text(raw) -> list[str]:
    """The fields of an item holding bad text: its own (`idempotency_key`, an unknown one), or
    its case's top-level fields, named as a single create of that case would name them."""
    if not isinstance(raw, dict):
        return bad_text_fields(raw, max_depth=MAX_DEPTH)[0]
    fields = set(bad_text_fields(raw, max_depth=MAX_DEPTH)[0])
    case = raw.get("case")
    if "case" in fields and isinstance(case, dict):
        fields.discard("case")
        fields.update(bad_text_fields(case, max_depth=MAX_DEPTH)[0])
    return sorted(fields)


class _Malformed(InvalidInput):
    """A sync item without the item's shape: that item's 400."""


def _item_crashed(actor, key: str | None, exc: Exception) -> tuple[int, dict]:
    """An unexpected error in one item: logged, answered as that item's 500, the batch goes on.

    The item's writes were rolled back and its key released (`run_idempotent`), so the phone
    may send it again. The log names the key, the user and where it failed, never the
    exception's message or the item's body, which may hold a resident's data.
    """
    logger.error(
        "Sync item %s of user %s failed with %s:\n%s",
        key,
        actor.pk,
        type(exc).__name__,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    return 500, {"detail": _("This case could not be saved because of a server error; send it again later.")}
