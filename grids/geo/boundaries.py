"""What a boundary must be: a valid polygon, inside its parent, clear of its siblings.

Every write of a boundary, from the API, the admin or the import, is checked here (through
`grids.services`), so the rules cannot differ between them:

- a valid GeoJSON MultiPolygon (`grids.geo.shapes.read_boundary`);
- inside its parent: no point of it lies farther than `BOUNDARY_TOLERANCE_M` metres outside
  the parent's boundary (when the parent has one);
- clear of its siblings: no point of it lies deeper than the tolerance inside a sibling's
  boundary (two surveys of one shared edge seldom agree to the centimetre);
- around its children: no child's boundary would be left farther than the tolerance outside.

Siblings are the nodes with the same parent: the streets of one district, the communities of
a street, the grids of a community, the micro-grids of a grid. Each refusal says what is
wrong, with which neighbour (its name and code) and where (longitude, latitude).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import shapely
from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon

from grids.geo.shapes import (
    FIELD,
    BadShape,
    Plane,
    as_geojson,
    point_geojson,
    read_boundary,
    read_label_point,
    shape_of,
    where,
)
from grids.models import Community, Grid, MicroGrid, Street

# The smallest area, in square metres, that counts as outside or overlapping.
NEGLIGIBLE_M2 = 0.01


@dataclass(frozen=True)
class Level:
    model: type[models.Model]
    parent: str | None  # the foreign key to the parent
    siblings: Callable[[models.Model], models.QuerySet]
    children: str | None  # the reverse name of the children


LEVELS = {
    Street: Level(
        Street, None, lambda o: Street.objects.filter(district_code=o.district_code), "communities"
    ),
    Community: Level(Community, "street", lambda o: Community.objects.filter(street_id=o.street_id), "grids"),
    Grid: Level(Grid, "community", lambda o: Grid.objects.filter(community_id=o.community_id), "micro_grids"),
    MicroGrid: Level(MicroGrid, "grid", lambda o: MicroGrid.objects.filter(grid_id=o.grid_id), None),
}

Key = tuple[type, int]


@dataclass
class Neighbourhood:
    """Boundaries that stand in for the stored ones while a whole file is checked (the import):
    `(model, pk) → shape or None`."""

    replaced: dict[Key, MultiPolygon | None] = field(default_factory=dict)

    def shape(self, obj: models.Model) -> MultiPolygon | None:
        key = (type(obj), obj.pk)
        if key in self.replaced:
            return self.replaced[key]
        return shape_of(obj.boundary)


def tolerance_m() -> float:
    return float(settings.BOUNDARY_TOLERANCE_M)


def normalise(obj: models.Model, *, label_kept: bool = False) -> MultiPolygon | None:
    """Check the shape of `obj.boundary` and `obj.label_point` and store them in their one form:
    a MultiPolygon and a GeoJSON Point (found inside the boundary when not given).

    `label_kept`: the label point is the stored one, not sent with the new boundary; if the new
    boundary no longer holds it, another is found instead of refusing the write.
    """
    if obj.boundary in (None, "", {}):
        obj.boundary = None
        if obj.label_point not in (None, "", []) and not label_kept:
            raise BadShape(_("A label point needs a boundary."), "label_point")
        obj.label_point = None
        return None
    shape = read_boundary(obj.boundary)
    try:
        point = read_label_point(obj.label_point, shape)
    except BadShape:
        if not label_kept:
            raise
        point = None
    point = point or shape.representative_point()
    obj.boundary, obj.label_point = as_geojson(shape), point_geojson(point)
    return shape


def problems(obj: models.Model, shape: MultiPolygon, around: Neighbourhood | None = None) -> list[str]:
    """Everything wrong with `shape` as the boundary of `obj` among its neighbours."""
    around = around or Neighbourhood()
    level = LEVELS[type(obj)]
    plane = Plane.around(shape)
    mine = plane.to_metres(shape)
    tolerance = tolerance_m()
    found = []
    if level.parent:
        parent = getattr(obj, level.parent)
        parent_shape = around.shape(parent)
        if parent_shape is not None:
            found += _outside(plane, mine, plane.to_metres(parent_shape), parent, tolerance, _parent_message)
    for sibling in _others(level.siblings(obj), obj, shape, around):
        found += _overlap(plane, mine, plane.to_metres(around.shape(sibling)), sibling, tolerance)
    if level.children and obj.pk is not None:
        for child in getattr(obj, level.children).all():
            child_shape = around.shape(child)
            if child_shape is not None:
                found += _outside(plane, plane.to_metres(child_shape), mine, child, tolerance, _child_message)
    return found


def check(
    obj: models.Model, around: Neighbourhood | None = None, *, label_kept: bool = False
) -> MultiPolygon | None:
    """Normalise and check the boundary of `obj`; `BadShape` (400 on `boundary`) on the first problem."""
    shape = normalise(obj, label_kept=label_kept)
    if shape is None:
        return None
    found = problems(obj, shape, around)
    if found:
        raise BadShape(found[0])
    return shape


def _others(queryset, obj, shape, around: Neighbourhood) -> Iterable[models.Model]:
    """The siblings whose boundary (as the neighbourhood has it) comes near `shape`."""
    box = shapely.box(*shape.bounds)
    for sibling in queryset.exclude(pk=obj.pk) if obj.pk else queryset:
        sibling_shape = around.shape(sibling)
        if sibling_shape is not None and sibling_shape.intersects(box):
            yield sibling


def _outside(plane, inner, outer, named, tolerance, message) -> list[str]:
    sticking_out = inner.difference(outer.buffer(tolerance))
    if sticking_out.is_empty or sticking_out.area < NEGLIGIBLE_M2:
        return []
    corners = shapely.points(shapely.get_coordinates(sticking_out))
    farthest = max(shapely.distance(corners, outer)) if len(corners) else tolerance
    return [message(named, farthest, where(plane.to_degrees(sticking_out)), tolerance)]


def _parent_message(parent, distance, near, tolerance) -> str:
    return _(
        "The boundary reaches %(distance).0f m outside %(name)s (%(code)s) near %(where)s; "
        "at most %(tolerance)g m is allowed."
    ) % {"distance": distance, "name": parent, "code": parent.code, "where": near, "tolerance": tolerance}


def _child_message(child, distance, near, tolerance) -> str:
    return _(
        "The boundary would leave %(name)s (%(code)s) %(distance).0f m outside it near %(where)s; "
        "at most %(tolerance)g m is allowed."
    ) % {"distance": distance, "name": child, "code": child.code, "where": near, "tolerance": tolerance}


def _overlap(plane, mine, theirs, sibling, tolerance) -> list[str]:
    core = theirs.buffer(-tolerance) if tolerance > 0 else theirs
    deep = mine.intersection(core)
    if deep.is_empty or deep.area < NEGLIGIBLE_M2:
        return []
    shared = mine.intersection(theirs)
    return [
        _(
            "The boundary overlaps %(name)s (%(code)s) by %(area).0f m² near %(where)s; "
            "only overlaps narrower than %(tolerance)g m are allowed."
        )
        % {
            "name": sibling,
            "code": sibling.code,
            "area": shared.area,
            "where": where(plane.to_degrees(deep)),
            "tolerance": tolerance,
        }
    ]


__all__ = ["FIELD", "LEVELS", "BadShape", "Neighbourhood", "check", "normalise", "problems"]
