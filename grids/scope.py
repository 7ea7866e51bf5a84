"""Territorial scope: the one place that decides which part of the territory a user sees.

Every queryset an API view or an admin page shows goes through a model's
`visible_to(scope)` QuerySet method, which calls `Scope.filter` with the lookup paths from
that model to the territory. An object outside the scope is therefore absent everywhere:
in details (404), lists, counts, filters and search results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from config.errors import RoleNotAllowed
from core.access import Role

SUPERUSER = Role.SUPERUSER
NO_ROLE = Role.NONE

# Levels, from the widest to the narrowest.
ALL = "all"
DISTRICT = "district"
STREET = "street"
COMMUNITY = "community"
GRIDS = "grids"
# A mediator sees the mediation cases they mediate and those of their home room, not a territory.
MEDIATION = "mediation"
NOTHING = "nothing"


@dataclass(frozen=True)
class Scope:
    role: str
    user_id: int | None = None
    district_code: str = ""
    street_id: int | None = None
    community_id: int | None = None
    grid_ids: frozenset[int] = field(default_factory=frozenset)
    mediator_id: int | None = None
    room_id: int | None = None

    @property
    def level(self) -> str:
        if self.role == SUPERUSER:
            return ALL
        if self.role == Role.MEDIATOR:
            return MEDIATION
        if self.district_code:
            return DISTRICT
        if self.community_id:
            return COMMUNITY
        if self.street_id:
            return STREET
        if self.role == Role.GRID_WORKER:
            return GRIDS
        return NOTHING

    @property
    def is_superuser(self) -> bool:
        return self.role == SUPERUSER

    def filter(
        self,
        queryset: QuerySet,
        *,
        district: str | None = None,
        street: str | None = None,
        community: str | None = None,
        grid: str | None = None,
    ) -> QuerySet:
        """Limit `queryset` to this scope, given the lookup path to each territory level.

        A level whose path is not given cannot be reached from the model: the caller then
        sees nothing of it. `grid` must be a path to a grid id; the others to the street's
        district code, the street id and the community id.
        """
        level = self.level
        if level == ALL:
            return queryset
        if level == DISTRICT and district:
            return queryset.filter(**{district: self.district_code})
        if level == STREET and street:
            return queryset.filter(**{street: self.street_id})
        if level == COMMUNITY and community:
            return queryset.filter(**{community: self.community_id})
        if level == GRIDS and grid:
            return queryset.filter(**{f"{grid}__in": self.grid_ids})
        return queryset.none()

    def holds(self, *, district_code: str, street_id: int, community_id: int, grid_id: int) -> bool:
        """Whether a place of this territory (its district, street, community and grid) is in
        the scope: `filter` in memory, for a row already read."""
        level = self.level
        if level == ALL:
            return True
        if level == DISTRICT:
            return district_code == self.district_code
        if level == STREET:
            return street_id == self.street_id
        if level == COMMUNITY:
            return community_id == self.community_id
        if level == GRIDS:
            return grid_id in self.grid_ids
        return False

    def as_dict(self) -> dict:
        return {
            "role": self.role,
            "level": self.level,
            "district_code": self.district_code or None,
            "street": self.street_id,
            "community": self.community_id,
            "grids": sorted(self.grid_ids),
            "mediator": self.mediator_id,
            "room": self.room_id,
        }


# How the scope of a role whose record lives in a higher app is read (mediators: their
# `Mediator` row), registered by that app from its `AppConfig.ready()`.
ScopeResolver = Callable[[object], Scope]
_resolvers: dict[str, ScopeResolver] = {}


def register_scope_resolver(role: str, resolver: ScopeResolver) -> None:
    _resolvers[role] = resolver


def scope_for(user) -> Scope:
    """The scope of `user`, computed once per user object (so once per request)."""
    cached = getattr(user, "_grid_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    if user is not None and getattr(user, "pk", None):
        user._grid_scope = scope
    return scope


def _compute_scope(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope(role=NO_ROLE)
    if user.is_superuser:
        return Scope(role=SUPERUSER, user_id=user.pk)
    UserScope = apps.get_model("grids", "UserScope")
    row = _scope_row(user, UserScope)
    if row is None:
        return Scope(role=NO_ROLE, user_id=user.pk)
    role = row["role"]
    if role == UserScope.Role.GRID_WORKER:
        GridWorker = apps.get_model("grids", "GridWorker")
        grid_ids = GridWorker.grids.through.objects.filter(
            gridworker__user_id=user.pk, gridworker__is_active=True
        ).values_list("grid_id", flat=True)
        return Scope(role=role, user_id=user.pk, grid_ids=frozenset(grid_ids))
    if role in _resolvers:
        return _resolvers[role](user)
    if role == UserScope.Role.DISTRICT_VIEWER:
        return Scope(role=role, user_id=user.pk, district_code=row["district_code"])
    if role == UserScope.Role.COMMUNITY_STAFF:
        return Scope(role=role, user_id=user.pk, community_id=row["community_id"])
    if role == UserScope.Role.STREET_ADMIN:
        return Scope(role=role, user_id=user.pk, street_id=row["street_id"])
    return Scope(role=NO_ROLE, user_id=user.pk)  # a role whose app is not installed


def _scope_row(user, UserScope) -> dict | None:
    """The user's scope row: the one read with their token when it was (`read_with_token`)."""
    if UserScope._meta.get_field("user").remote_field.is_cached(user):
        row = getattr(user, "scope", None)
        if row is None:
            return None
        return {
            "role": row.role,
            "street_id": row.street_id,
            "community_id": row.community_id,
            "district_code": row.district_code,
        }
    return (
        UserScope.objects.filter(user_id=user.pk)
        .values("role", "street_id", "community_id", "district_code")
        .first()
    )


def check_has_territory(scope: Scope) -> None:
    """Refuse (403) a caller whose role has no territory of its own to look a point up in."""
    if scope.level in (NOTHING, MEDIATION):
        raise RoleNotAllowed(_("Your role has no territory to look points up in."))
