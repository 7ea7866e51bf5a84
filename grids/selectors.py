"""Reads of the territory's geometry: where a point is, and the boundaries as GeoJSON.

Everything here answers within the caller's territory: a point in another street's grid is
not found, exactly like a point in no grid at all, so that a look-up cannot map the
territory of others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _

from config.errors import InvalidInput, ObjectNotFound
from grids.geo.coords import to_wgs84
from grids.geo.index import spatial_index
from grids.models import Community, Grid, MicroGrid, Street
from grids.scope import Scope


@dataclass(frozen=True)
class Location:
    """Where a WGS-84 point lies: the nodes holding it, or the grid nearest to it.

    `grid_distance_m` is 0 when the grid holds the point, else the distance to the nearest
    grid (within `LOCATE_NEAREST_GRID_M`), whose micro-grid is then None.
    """

    lng: float
    lat: float
    street: Street | None = None
    community: Community | None = None
    grid: Grid | None = None
    micro_grid: MicroGrid | None = None
    grid_distance_m: float | None = None

    @property
    def in_grid(self) -> bool:
        return self.grid is not None and self.grid_distance_m == 0


def nearest_grid_m() -> float:
    return float(settings.LOCATE_NEAREST_GRID_M)


def _in_territory(model: type[models.Model], scope: Scope, pk: int) -> models.Model | None:
    """The node if it is part of the caller's territory (not only visible by name from below)."""
    paths = {
        Street: {"district": "district_code", "street": "pk"},
        Community: {"district": "street__district_code", "street": "street_id", "community": "pk"},
    }[model]
    return scope.filter(model.objects.all(), **paths).filter(pk=pk).first()


def _grid_in_territory(scope: Scope, pk: int) -> Grid | None:
    return next(iter(Grid.objects.with_parents().visible_to(scope).filter(pk=pk).order_by()[:1]), None)


def distance_from_grid_m(grid_id: int, lng: float, lat: float) -> float | None:
    """Metres from a WGS-84 point to a grid's boundary (0 inside it); None for a grid without one."""
    return spatial_index().grids.distance_m(grid_id, lng, lat)


def point_locate(*, scope: Scope, lng: float, lat: float, coord_system: str = "wgs84") -> Location:
    """The street, community, grid and micro-grid holding the point, within the caller's territory.

    On no grid, the nearest grid within `LOCATE_NEAREST_GRID_M`. A point outside the caller's
    territory and a point nowhere are both `ObjectNotFound`.
    """
    lng, lat = to_wgs84(lng, lat, coord_system)
    index = spatial_index()
    grid_id, distance = index.grids.covering(lng, lat), 0.0
    if grid_id is None:
        nearest = index.grids.nearest(lng, lat, nearest_grid_m())
        grid_id, distance = nearest if nearest else (None, None)
    if grid_id is not None:
        grid = _grid_in_territory(scope, grid_id)
        if grid is None:
            raise ObjectNotFound()
        return Location(
            lng,
            lat,
            street=grid.community.street,
            community=grid.community,
            grid=grid,
            micro_grid=_micro_grid_at(grid, lng, lat) if distance == 0 else None,
            grid_distance_m=round(distance, 1),
        )
    return _locate_above_grids(scope, index, lng, lat)


def _locate_above_grids(scope: Scope, index, lng: float, lat: float) -> Location:
    """A point in a community or street whose grids do not cover it."""
    community_id = index.communities.covering(lng, lat)
    if community_id is not None:
        community = _in_territory(Community, scope, community_id)
        if community is None:
            raise ObjectNotFound()
        return Location(lng, lat, street=community.street, community=community)
    street_id = index.streets.covering(lng, lat)
    street = _in_territory(Street, scope, street_id) if street_id is not None else None
    if street is None:
        raise ObjectNotFound()
    return Location(lng, lat, street=street)


# --- placing a new case ------------------------------------------------------------------------


@dataclass
class Placement:
    """The grid and micro-grid a new case goes to, its WGS-84 point, and what its reporter is told."""

    grid: Grid
    micro_grid: MicroGrid | None
    lng: float | None = None
    lat: float | None = None
    warnings: list[dict] = field(default_factory=list)


def _node(obj) -> dict | None:
    return {"id": obj.pk, "code": obj.code, "name": obj.name} if obj is not None else None


def point_place(
    *,
    scope: Scope,
    lng: float | None,
    lat: float | None,
    coord_system: str = "wgs84",
    grid: Grid | None = None,
    micro_grid: MicroGrid | None = None,
    field_name: str = "latitude",
) -> Placement:
    """Where a case reported at a point (and maybe in a named grid) belongs.

    - Neither point nor grid: the grid of a caller who covers exactly one; else a 400 on `grid`.
    - A grid without a point: that grid.
    - A point without a grid: the grid holding it (or the nearest one, with a warning) and the
      micro-grid holding it.
    - A point and a grid that does not hold it: the grid stays (workers stand at edges), with a
      warning naming the grid the point is in.
    A point outside the caller's territory is a 400 on `field_name`.
    """
    if lng is None or lat is None:
        if grid is None:
            grid = _only_grid(scope)
        return Placement(grid, micro_grid)
    lng, lat = to_wgs84(float(lng), float(lat), coord_system)
    if grid is not None and _holds(grid, lng, lat):
        # The usual case of a named grid: the point is in it, and only its micro-grid is sought.
        return Placement(grid, micro_grid or _micro_grid_at(grid, lng, lat), lng, lat)
    try:
        location = point_locate(scope=scope, lng=lng, lat=lat)
    except ObjectNotFound:
        location = None
    if grid is None:
        return _placed_by_point(location, micro_grid, lng, lat, field_name)
    return _placed_in_given_grid(scope, grid, micro_grid, location, lng, lat, field_name)


def _holds(grid: Grid, lng: float, lat: float) -> bool:
    """Whether the grid's boundary covers the point, and the grid is the one it is placed in
    (on an edge shared with a grid of a lower code, that one holds it)."""
    return spatial_index().grids.covering(lng, lat) == grid.pk


def _micro_grid_at(grid: Grid, lng: float, lat: float) -> MicroGrid | None:
    micro_id = spatial_index().micro_grids.covering(lng, lat, parent=grid.pk)
    return MicroGrid.objects.filter(pk=micro_id).first() if micro_id else None


def _only_grid(scope: Scope) -> Grid:
    grids = list(Grid.objects.with_parents().visible_to(scope)[:2])
    if len(grids) != 1:
        raise InvalidInput("grid", _("Give the grid, or the case's latitude and longitude."))
    return grids[0]


def _outside(field_name: str) -> InvalidInput:
    return InvalidInput(field_name, _("The point lies outside your territory (no grid of yours holds it)."))


def _placed_by_point(location, micro_grid, lng, lat, field_name) -> Placement:
    if location is None or location.grid is None:
        raise _outside(field_name)
    placement = Placement(location.grid, micro_grid or location.micro_grid, lng, lat)
    if not location.in_grid:
        placement.warnings.append(
            {
                "code": "point_near_grid",
                "message": _("The point lies %(distance).0f m outside grid %(grid)s, the nearest one.")
                % {"distance": location.grid_distance_m, "grid": location.grid.name},
                "grid": _node(location.grid),
                "distance_m": location.grid_distance_m,
            }
        )
    return placement


def _placed_in_given_grid(scope, grid, micro_grid, location, lng, lat, field_name) -> Placement:
    placement = Placement(grid, micro_grid, lng, lat)
    if location is not None and location.grid == grid and location.in_grid:
        if micro_grid is None:
            placement.micro_grid = location.micro_grid
        return placement
    from_grid = spatial_index().grids.distance_m(grid.pk, lng, lat)
    if from_grid is None:
        return placement  # a grid without a boundary: nothing to check the point against
    from_grid = round(from_grid, 1)
    if location is None and from_grid > nearest_grid_m():
        raise _outside(field_name)
    point_in = location.grid if location is not None and location.in_grid else None
    placement.warnings.append(
        {
            "code": "point_outside_grid",
            "message": (
                _("The point lies in grid %(other)s, not in %(grid)s; the case stays in %(grid)s.")
                % {"other": point_in.name, "grid": grid.name}
                if point_in is not None
                else _("The point lies outside grid %(grid)s; the case stays in %(grid)s.")
                % {"grid": grid.name}
            ),
            "grid": _node(point_in),
            "distance_m": from_grid,
        }
    )
    return placement


# --- boundaries as GeoJSON -------------------------------------------------------------------------

PARENT_FIELD = {Street: None, Community: "street_id", Grid: "community_id", MicroGrid: "grid_id"}


def boundaries_geojson(queryset: models.QuerySet) -> dict:
    """A FeatureCollection of the nodes of `queryset` (already scoped) that have a boundary."""
    model = queryset.model
    parent = PARENT_FIELD[model]
    columns = ["pk", "code", "name", "boundary", "label_point", "boundary_synthetic"]
    if parent:
        columns.append(parent)
    features = []
    for row in queryset.filter(boundary__isnull=False).order_by("code").values(*columns):
        properties = {
            "id": row["pk"],
            "code": row["code"],
            "name": row["name"],
            "level": model._meta.model_name,
            "label_point": row["label_point"],
            "synthetic": row["boundary_synthetic"],
        }
        if parent:
            properties["parent"] = row[parent]
        features.append(
            {"type": "Feature", "id": row["pk"], "geometry": row["boundary"], "properties": properties}
        )
    return {"type": "FeatureCollection", "features": features}


# --- maps -------------------------------------------------------------------------------------------

CHILDREN = {Street: "communities", Community: "grids", Grid: "micro_grids", MicroGrid: None}
PARENT = {Street: None, Community: "street", Grid: "community", MicroGrid: "grid"}


def map_tiles() -> dict:
    """The base map the settings name, if any (a tile URL template and its attribution)."""
    return {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}


def _feature(obj, role: str) -> dict:
    return {
        "type": "Feature",
        "id": obj.pk,
        "geometry": obj.boundary,
        "properties": {
            "id": obj.pk,
            "code": obj.code,
            "name": obj.name,
            "level": obj._meta.model_name,
            "role": role,
            "synthetic": obj.boundary_synthetic,
        },
    }


def node_map(*, scope: Scope, obj: models.Model) -> dict:
    """The map of a node's page: its boundary, its children's (those the caller sees) and its
    parent's as context; and whether any of them is synthetic."""
    features = [_feature(obj, "self")] if obj.boundary else []
    children = CHILDREN[type(obj)]
    if children:
        related = getattr(obj, children).visible_to(scope).filter(boundary__isnull=False).order_by("code")
        features += [_feature(child, "child") for child in related]
    parent = getattr(obj, PARENT[type(obj)]) if PARENT[type(obj)] else None
    if parent is not None and parent.boundary:
        features.insert(0, _feature(parent, "context"))
    return {
        "features": {"type": "FeatureCollection", "features": features},
        "point": None,
        "tiles": map_tiles(),
    }


def point_map(*, grid: Grid, lat, lng, label: str = "") -> dict:
    """The map of a case's page: its grid's boundary and its point."""
    features = [_feature(grid, "self")] if grid.boundary else []
    point = (
        {"lat": float(lat), "lng": float(lng), "label": label}
        if lat is not None and lng is not None
        else None
    )
    return {
        "features": {"type": "FeatureCollection", "features": features},
        "point": point,
        "tiles": map_tiles(),
    }
