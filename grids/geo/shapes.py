"""Boundaries as shapes: GeoJSON in, shapely geometries out, and lengths in metres.

Boundaries are stored as GeoJSON MultiPolygons in longitude/latitude (WGS-84). Distances and
tolerances are in metres: a shape is projected onto a plane tangent at a point near it
(an equirectangular projection, x = R·Δλ·cos φ₀, y = R·Δφ), which over a street's few
kilometres is accurate to well under a metre, and needs no projection library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import numpy as np
import shapely
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.geometry import MultiPolygon, Point, Polygon, mapping

from config.errors import InvalidInput

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)
FIELD = "boundary"
COORDINATE_DECIMALS = 7  # about 1 cm: more than any survey of a grid holds


class BadShape(InvalidInput):
    """A boundary that is not a valid GeoJSON MultiPolygon: 400 on `boundary`."""

    def __init__(self, message: str, field: str = FIELD):
        super().__init__(field, message)


@dataclass(frozen=True)
class Plane:
    """A local plane in metres around (lng0, lat0)."""

    lng0: float
    lat0: float

    @property
    def _scale(self) -> tuple[float, float]:
        k = math.pi / 180 * EARTH_RADIUS_M
        return k * math.cos(math.radians(self.lat0)), k

    def to_metres(self, geometry):
        sx, sy = self._scale
        return shapely.transform(geometry, lambda xy: (xy - (self.lng0, self.lat0)) * (sx, sy))

    def to_degrees(self, geometry):
        sx, sy = self._scale
        return shapely.transform(geometry, lambda xy: xy / (sx, sy) + (self.lng0, self.lat0))

    @classmethod
    def around(cls, geometry) -> Plane:
        centre = geometry.centroid if not geometry.is_empty else Point(0, 0)
        return cls(centre.x, centre.y)


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """The great-circle distance between two points, in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bbox_around(lng: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lng, min_lat, max_lng, max_lat) of a square holding every point within `radius_m`."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlng = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return lng - dlng, lat - dlat, lng + dlng, lat + dlat


def where(geometry) -> str:
    """A point of `geometry` (in degrees) as "lng, lat", for messages that say where."""
    point = geometry.representative_point() if not isinstance(geometry, Point) else geometry
    return f"{point.x:.6f}, {point.y:.6f}"


# --- reading GeoJSON ----------------------------------------------------------------------------


def _position(value, where_: str) -> tuple[float, float]:
    if (
        not isinstance(value, (list, tuple))
        or len(value) < 2
        or not all(isinstance(v, Real) and not isinstance(v, bool) for v in value[:2])
    ):
        raise BadShape(_("%(where)s: a position is [longitude, latitude] in numbers.") % {"where": where_})
    lng, lat = round(float(value[0]), COORDINATE_DECIMALS), round(float(value[1]), COORDINATE_DECIMALS)
    if not (math.isfinite(lng) and math.isfinite(lat) and -180 <= lng <= 180 and -90 <= lat <= 90):
        raise BadShape(
            _("%(where)s: [%(lng)s, %(lat)s] is not a longitude and latitude (WGS-84 degrees).")
            % {"where": where_, "lng": value[0], "lat": value[1]}
        )
    return lng, lat


def _ring(value, where_: str) -> list[tuple[float, float]]:
    if not isinstance(value, (list, tuple)):
        raise BadShape(_("%(where)s: a ring is a list of positions.") % {"where": where_})
    points = [
        _position(p, _("%(where)s, position %(n)d") % {"where": where_, "n": n + 1})
        for n, p in enumerate(value)
    ]
    if len(points) < 4:
        raise BadShape(_("%(where)s: a ring needs at least 4 positions.") % {"where": where_})
    if points[0] != points[-1]:
        raise BadShape(
            _("%(where)s: a ring must end where it starts (%(lng).6f, %(lat).6f).")
            % {"where": where_, "lng": points[0][0], "lat": points[0][1]}
        )
    return points


def _polygon(value, where_: str) -> Polygon:
    if not isinstance(value, (list, tuple)) or not value:
        raise BadShape(_("%(where)s: a polygon is a list of rings, its outline first.") % {"where": where_})
    rings = [
        _ring(r, _("%(where)s, ring %(n)d") % {"where": where_, "n": n + 1}) for n, r in enumerate(value)
    ]
    return Polygon(rings[0], rings[1:])


def read_boundary(value) -> MultiPolygon:
    """A GeoJSON MultiPolygon (or Polygon) as a valid shapely MultiPolygon; else `BadShape`
    saying what is wrong and where."""
    if not isinstance(value, dict) or value.get("type") not in ("MultiPolygon", "Polygon"):
        raise BadShape(_('A boundary is a GeoJSON geometry: {"type": "MultiPolygon", "coordinates": […]}.'))
    coordinates = value.get("coordinates")
    if value["type"] == "Polygon":
        coordinates = [coordinates]
    if not isinstance(coordinates, (list, tuple)) or not coordinates:
        raise BadShape(_("A MultiPolygon's coordinates are a list of polygons."))
    polygons = [_polygon(p, _("polygon %(n)d") % {"n": n + 1}) for n, p in enumerate(coordinates)]
    shape = MultiPolygon(polygons)
    _check_valid(shape)
    return shape


# GEOS's reasons, in words a person drawing a boundary understands.
_REASONS = {
    "Self-intersection": gettext_lazy("its outline crosses itself"),
    "Ring Self-intersection": gettext_lazy("a ring touches itself"),
    "Hole lies outside shell": gettext_lazy("a hole lies outside its outline"),
    "Nested shells": gettext_lazy("one polygon lies inside another"),
    "Interior is disconnected": gettext_lazy("a hole cuts the polygon in two"),
    "Nested holes": gettext_lazy("a hole lies inside another hole"),
    "Too few points": gettext_lazy("a ring has too few distinct points"),
}


def _check_valid(shape: MultiPolygon) -> None:
    if shape.is_valid and shape.area > 0:
        return
    if shape.is_valid:
        raise BadShape(_("The boundary encloses no area.") + f" ({where(shape)})")
    reason = shapely.is_valid_reason(shape)  # "Self-intersection[106.5 29.3]"
    name, _sep, rest = reason.partition("[")
    words = _REASONS.get(name.strip())
    if words is None:
        words = _("it is not a valid polygon (%(reason)s)") % {"reason": name.strip()}
    at = rest.rstrip("]").split()
    near = f"{float(at[0]):.6f}, {float(at[1]):.6f}" if len(at) >= 2 else where(shape)
    raise BadShape(
        _("The boundary is not a valid polygon: %(what)s near %(where)s.") % {"what": words, "where": near}
    )


def read_label_point(value, shape: MultiPolygon | None) -> Point | None:
    """The label point, [lng, lat] or a GeoJSON Point, inside the boundary; None when absent."""
    if value in (None, "", []):
        return None
    if isinstance(value, dict):
        if value.get("type") != "Point":
            raise BadShape(_("The label point is [longitude, latitude] or a GeoJSON Point."), "label_point")
        value = value.get("coordinates")
    try:
        point = Point(_position(value, _("label point")))
    except BadShape as error:
        raise BadShape(error.message, "label_point") from None
    if shape is not None and not shape.covers(point):
        raise BadShape(
            _("The label point %(where)s lies outside the boundary.") % {"where": where(point)}, "label_point"
        )
    return point


def as_geojson(shape: MultiPolygon) -> dict:
    """The shape as stored: a GeoJSON MultiPolygon (its coordinates were rounded when read)."""
    return _lists(mapping(MultiPolygon([shape]) if isinstance(shape, Polygon) else shape))


def point_geojson(point: Point) -> dict:
    coordinates = [round(point.x, COORDINATE_DECIMALS), round(point.y, COORDINATE_DECIMALS)]
    return {"type": "Point", "coordinates": coordinates}


def _lists(value):
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    if isinstance(value, np.floating):
        return float(value)
    return value


def shape_of(stored: dict | None) -> MultiPolygon | None:
    """A stored boundary (already checked when written) as a shapely geometry."""
    if not stored:
        return None
    return shapely.geometry.shape(stored)
