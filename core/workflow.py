"""The workflow engine: one transition table per workflow, and the checks every move passes.

A workflow declares its table (status → {action: the statuses it may lead to}), who may take
each action (registered in `core.access.ACCESS`), and its guards: conditions beyond the status,
each answering the sentence that refuses a move, or None. Higher apps add guards to a lower
app's workflow from their `AppConfig.ready()` (`Workflow.add_guard`), so a lower app never
needs to know them. Nothing else decides whether a move is legal.

The checks run in one order everywhere, the API's early check and the service's check under
the row lock alike: role (403), version (412), move (409).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from config.errors import ActionNotAllowed, RoleNotAllowed, StaleVersion
from core.access import ACCESS, AccessRegistry, Grant, Relation, Role
from core.locking import lock_one


@dataclass(frozen=True)
class Move:
    """An action about to be taken: its name, its outcome when it has several (verify: passed or
    failed), and who takes it on behalf of another workflow (`acting`), if anyone."""

    action: str
    outcome: str | None = None
    acting: Any = None


# A guard answers why a move is refused, or None when it may go ahead. Guards added under
# ANY_ACTION apply to every action of the workflow.
ANY_ACTION = "*"
Guard = Callable[[Any, Move], str | None]
# A role limit answers whether a role's grant reaches this object (community staff: their levels).
RoleLimit = Callable[[str, Any], bool]


@dataclass(frozen=True)
class Messages:
    """The workflow's refusals, with `%(action)s`, `%(status)s` and `%(version)d` placeholders."""

    role: Any
    move: Any
    stale: Any


class Workflow:
    def __init__(
        self,
        name: str,
        *,
        table: dict[str, dict[str, tuple[str, ...]]],
        grants: dict[str, Iterable[Grant]],
        messages: Messages,
        guards: dict[str, list[Guard]] | None = None,
        role_limits: dict[str, RoleLimit] | None = None,
        action_labels: dict[str, Any] | None = None,
        registry: AccessRegistry = ACCESS,
    ):
        self.name = name
        self.registry = registry
        self.table = table
        self.messages = messages
        self._guards: dict[str, list[Guard]] = {a: list(g) for a, g in (guards or {}).items()}
        self.role_limits = role_limits or {}
        registry.register(name, grants, labels=action_labels)

    # --- the table ----------------------------------------------------------------------
    @property
    def actions(self) -> frozenset[str]:
        return frozenset(a for moves in self.table.values() for a in moves)

    def pairs(self) -> set[tuple[str, str]]:
        """Every allowed (status, action) pair of the table."""
        return {(status, action) for status, moves in self.table.items() for action in moves}

    def next_status(self, obj, action: str, *, outcome: int = 0) -> str:
        """The status `action` leads to: its first target, or another for a second outcome."""
        targets = self.table[obj.status][action]
        return targets[min(outcome, len(targets) - 1)]

    def add_guard(self, action: str, guard: Guard) -> None:
        """Add a condition to `action`, as a higher app does from its `AppConfig.ready()`."""
        guards = self._guards.setdefault(action, [])
        if guard not in guards:
            guards.append(guard)

    # --- who may ---------------------------------------------------------------------------
    def may(self, scope, action: str, obj) -> bool:
        """Whether the caller's role, or their relation to `obj`, allows `action` on it."""
        if scope.role in self.registry.roles(self.name, action):
            limit = self.role_limits.get(scope.role)
            return limit is None or limit(action, obj)
        return any(relation.holds(scope, obj) for relation in self.registry.relations(self.name, action))

    def label(self, action: str) -> str:
        """What users read for `action`, in the active language: never the code."""
        return str(self.registry.label(self.name, action))

    def check_role(self, scope, action: str, obj) -> None:
        if not self.may(scope, action, obj):
            raise RoleNotAllowed(self.messages.role % {"action": self.label(action)})

    def check_version(self, obj, expected_version: int | None) -> None:
        if expected_version is not None and expected_version != obj.version:
            raise StaleVersion(self.messages.stale % {"version": obj.version}, current_version=obj.version)

    # --- whether the move is allowed now --------------------------------------------------
    def refusal(self, obj, move: Move) -> str | None:
        """Why `move` is not allowed on `obj` now, or None."""
        if move.action not in self.table.get(obj.status, {}):
            return str(
                self.messages.move % {"action": self.label(move.action), "status": obj.get_status_display()}
            )
        for guard in (*self._guards.get(ANY_ACTION, ()), *self._guards.get(move.action, ())):
            refused = guard(obj, move)
            if refused:
                return str(refused)
        return None

    def allowed_actions(self, obj, scope=None) -> list[str]:
        """Actions the status (and the guards) allow now, limited to the caller's grants when given."""
        actions = [a for a in self.table.get(obj.status, {}) if self.refusal(obj, Move(a)) is None]
        if scope is not None:
            actions = [a for a in actions if self.may(scope, a, obj)]
        return sorted(actions)

    def check_move(self, obj, move: Move | str, scope=None) -> None:
        """Raise `ActionNotAllowed` (409) unless the move is allowed now."""
        move = Move(move) if isinstance(move, str) else move
        refused = self.refusal(obj, move)
        if refused:
            raise ActionNotAllowed(refused, allowed_actions=self.allowed_actions(obj, scope))

    def check(self, obj, move: Move | str, *, scope, expected_version: int | None = None) -> None:
        """Role (403), version (412), move (409), in that order. A move taken on behalf of
        another workflow (`move.acting`) was checked for its role by that workflow."""
        move = Move(move) if isinstance(move, str) else move
        if move.acting is None:
            self.check_role(scope, move.action, obj)
        self.check_version(obj, expected_version)
        self.check_move(obj, move, None if move.acting is not None else scope)

    @contextmanager
    def locked(
        self, queryset: QuerySet, pk, move: Move | str, *, scope, expected_version: int | None = None
    ) -> Iterator[Any]:
        """In one transaction: lock the row among those `queryset` holds (the caller's scope:
        `ObjectNotFound` otherwise), check the move, and hand the row to the caller's changes."""
        with transaction.atomic():
            obj = lock_one(queryset, pk=pk)
            self.check(obj, move, scope=scope, expected_version=expected_version)
            yield obj


def role_limited_to(levels: frozenset[str], *, except_actions: frozenset[str] = frozenset()) -> RoleLimit:
    """A role limit: the grant reaches objects at `levels` only, except for `except_actions`."""

    def limit(action: str, obj) -> bool:
        return action in except_actions or obj.level in levels

    return limit


__all__ = ["Guard", "Messages", "Move", "Relation", "Role", "Workflow", "role_limited_to"]
