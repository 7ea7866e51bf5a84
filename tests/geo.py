"""Boundaries for tests: rectangles in longitude/latitude, and the test world shaped with them.

Street A (106.00–106.10 E, 29.00–29.10 N): community A is its west half, split into grid A1
(south) and A2 (north); community A2 is its east half, whose south half is grid A3 and whose
north half has no grid. Street B (107.00–107.10 E) holds community B, whose south-west
quarter is grid B1. A tenth of a degree of latitude is about 11 km.
"""

from grids.scope import SUPERUSER, Scope
from grids.services import territory_save

ROOT = Scope(role=SUPERUSER)


def rect(x0, y0, x1, y1) -> dict:
    return {"type": "MultiPolygon", "coordinates": [[[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]]}


def shape(obj, boundary, **fields):
    """Give `obj` a boundary through the territory service, as the API and the admin do."""
    obj.boundary = boundary
    for name, value in fields.items():
        setattr(obj, name, value)
    territory_save(scope=ROOT, obj=obj)
    obj.refresh_from_db()
    return obj


LAYOUT = {
    "street_a": (106.00, 29.00, 106.10, 29.10),
    "community_a": (106.00, 29.00, 106.05, 29.10),
    "community_a2": (106.05, 29.00, 106.10, 29.10),
    "grid_a1": (106.00, 29.00, 106.05, 29.05),
    "grid_a2": (106.00, 29.05, 106.05, 29.10),
    "grid_a3": (106.05, 29.00, 106.10, 29.05),
    "street_b": (107.00, 29.00, 107.10, 29.10),
    "community_b": (107.00, 29.00, 107.10, 29.10),
    "grid_b1": (107.00, 29.00, 107.05, 29.05),
}

# Points (lng, lat) well inside each grid.
IN_A1 = (106.02, 29.02)
IN_A2 = (106.02, 29.08)
IN_A3 = (106.08, 29.02)
IN_B1 = (107.02, 29.02)
IN_A2_COMMUNITY_ONLY = (106.08, 29.08)  # community A2 has no grid there


def shape_world(world):
    for name, box in LAYOUT.items():
        shape(getattr(world, name), rect(*box))
    return world
