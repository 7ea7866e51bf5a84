"""Who may do what: the one Role type and the one registry of grants.

Each app declares, for each of its actions, the roles that may take it and the relations
(being the case's assignee, the mediation's lead mediator …) that allow it too. Workflows
check their moves against this registry, views and serializers ask it whether to show or
reveal something, and the README's access table is printed from it (`manage.py access_table`)
and checked against it by a test. What a role *sees* is not here: that is the territory's
`visible_to(scope)` (`grids.scope`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Every role a caller can hold. Superusers and callers without a role are not stored."""

    SUPERUSER = "superuser", _("superuser")
    DISTRICT_VIEWER = "district_viewer", _("district viewer")
    STREET_ADMIN = "street_admin", _("street administrator")
    COMMUNITY_STAFF = "community_staff", _("community staff")
    GRID_WORKER = "grid_worker", _("grid worker")
    MEDIATOR = "mediator", _("people's mediator")
    NONE = "none", _("no role")


# The roles a user's scope row can hold, in the order the admin offers them.
ASSIGNABLE_ROLES = (
    Role.GRID_WORKER,
    Role.COMMUNITY_STAFF,
    Role.STREET_ADMIN,
    Role.DISTRICT_VIEWER,
    Role.MEDIATOR,
)

# The comprehensive governance centre (综治中心) of a street: superusers and street admins.
CENTRE = frozenset({Role.SUPERUSER, Role.STREET_ADMIN})
# Who triages, dispatches and verifies: the centre, and community staff within their community.
DISPATCHERS = CENTRE | {Role.COMMUNITY_STAFF}


@dataclass(frozen=True)
class Relation:
    """A grant held by what the caller is to one object, not by their role alone.

    `holds(scope, obj)` says whether the caller stands in this relation to `obj` (the worker
    a case is assigned to, a mediator of the mediation).
    """

    name: str
    label: Any
    holds: Callable[[Any, Any], bool]

    def __str__(self) -> str:
        return self.name


Grant = Role | Relation


class AccessRegistry:
    """`(app, action) → grants`, filled by each app when its module is imported."""

    def __init__(self) -> None:
        self._grants: dict[tuple[str, str], frozenset[Grant]] = {}
        self._labels: dict[tuple[str, str], Any] = {}

    def register(self, app: str, grants: dict[str, Iterable[Grant]], labels: dict[str, Any] | None = None):
        for action, granted in grants.items():
            key = (app, action)
            if key in self._grants:
                raise ValueError(f"{app}.{action} is already registered")
            self._grants[key] = frozenset(granted)
        self.register_labels(app, labels or {})

    def register_labels(self, app: str, labels: dict[str, Any]) -> None:
        """The words users read for an app's actions. A label may name a step no one is
        granted (the overdue sweep's mark): the history shows every step by its label."""
        self._labels.update({(app, action): label for action, label in labels.items()})

    def grants(self, app: str, action: str) -> frozenset[Grant]:
        return self._grants.get((app, action), frozenset())

    def roles(self, app: str, action: str) -> frozenset[Role]:
        return frozenset(g for g in self.grants(app, action) if isinstance(g, Role))

    def relations(self, app: str, action: str) -> tuple[Relation, ...]:
        return tuple(sorted((g for g in self.grants(app, action) if isinstance(g, Relation)), key=str))

    def role_may(self, app: str, action: str, role: str) -> bool:
        return role in self.roles(app, action)

    def allows(self, app: str, action: str, scope, obj=None) -> bool:
        """Whether the caller's role, or (given `obj`) their relation to it, grants the action."""
        if self.role_may(app, action, scope.role):
            return True
        return obj is not None and any(r.holds(scope, obj) for r in self.relations(app, action))

    def entries(self) -> list[tuple[str, str, frozenset[Grant]]]:
        return sorted((app, action, grants) for (app, action), grants in self._grants.items())

    def label(self, app: str, action: str):
        """The action's label in the active language (lazy), or its code when it has none."""
        return self._labels.get((app, action), action)

    def labels(self, app: str) -> dict[str, Any]:
        return {action: label for (owner, action), label in self._labels.items() if owner == app}


ACCESS = AccessRegistry()
