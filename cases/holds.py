"""Holds: another workflow takes a case over, and while it holds it, moves it alone.

A dispute registered for people's mediation is held by its mediation: the centre may still
comment, extend, correct and attach, but the case is dispatched, started, resolved and
escalated only by the mediation's own actions. The hold is state on the case
(`holder_kind`, `holder_id`), set and cleared through `cases.services.case_hold` and
`case_release` by the workflow that holds it; the cases app knows no such workflow. A
holding app registers, from its `AppConfig.ready()`, how to say what holds a case, for the
refusal's message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.workflow import Move

# Moves that only the holder makes while a case is held.
HELD_MOVES = frozenset({"assign", "start", "resolve", "escalate"})


@dataclass(frozen=True)
class Holder:
    """The workflow object that holds a case, and acts on it: `Holder("mediation", 12)`."""

    kind: str
    id: int


_describers: dict[str, Callable[[int], str]] = {}


def register_holder(kind: str, describe: Callable[[int], str]) -> None:
    """Say how a hold of `kind` is described in a refusal (`describe(holder_id) → sentence`)."""
    _describers[kind] = describe


def holder_of(case) -> Holder | None:
    return Holder(case.holder_kind, case.holder_id) if case.holder_kind else None


def describe(holder: Holder) -> str:
    describer = _describers.get(holder.kind)
    if describer is None:
        return _("The case is held by %(kind)s %(id)d: it moves only with its actions.") % {
            "kind": holder.kind,
            "id": holder.id,
        }
    return describer(holder.id)


def hold_guard(case, move: Move) -> str | None:
    """The case workflow's guard: held moves are the holder's; a holder acts only while it holds."""
    holder = holder_of(case)
    if move.acting is not None and move.acting != holder:
        return _("This case is not held by %(kind)s %(id)d.") % {
            "kind": move.acting.kind,
            "id": move.acting.id,
        }
    if holder is not None and move.action in HELD_MOVES and move.acting is None:
        return describe(holder)
    return None
