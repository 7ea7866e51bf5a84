"""Synthetic boundaries for the seeded territory, and a point for every seeded case.

Synthetic, all of it: the reports give no boundaries. Each street is a rectangle of a few
kilometres around (roughly) where the street is, split into its communities, each community
into its grids and each grid into its micro-grids, as rows of rectangles that share their
edges exactly, so that every node lies inside its parent and overlaps none of its siblings.
Every boundary is marked `boundary_synthetic`. Each case gets a point drawn inside its grid
(a metre from its edges) from a generator of its own, so that the seed's other values, drawn
from the main generator, are the same as without geography.
"""

from __future__ import annotations

import math
import random

from django.db import connection

from grids.geo.index import boundaries_changed
from grids.geo.shapes import EARTH_RADIUS_M
from grids.models import Community, Grid, MicroGrid, Street
from seeds import synthetic as syn

# Street code → (centre longitude, centre latitude, width m, height m): synthetic, near the
# streets' towns (Jiangjin's old town for 几江, east of it for 圣泉, Nanchuan for 东城).
STREET_AREAS = {
    "500116001": (106.259, 29.290, 5000, 4500),  # 几江街道
    "500116005": (106.326, 29.284, 6000, 5000),  # 圣泉街道
    "500119001": (107.105, 29.160, 5000, 4000),  # 东城街道
}
DECIMALS = 7
EDGE_MARGIN_M = 1.0
GEO_SEED = syn.RANDOM_SEED + 1

Box = tuple[float, float, float, float]  # min lng, min lat, max lng, max lat


def new_random() -> random.Random:
    return random.Random(GEO_SEED)


def _street_box(lng: float, lat: float, width_m: float, height_m: float) -> Box:
    dlat = math.degrees(height_m / 2 / EARTH_RADIUS_M)
    dlng = math.degrees(width_m / 2 / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return tuple(round(v, DECIMALS) for v in (lng - dlng, lat - dlat, lng + dlng, lat + dlat))


def _edges(start: float, end: float, count: int) -> list[float]:
    inner = [round(start + (end - start) * i / count, DECIMALS) for i in range(1, count)]
    return [start, *inner, end]


def partition(box: Box, count: int) -> list[Box]:
    """`count` rectangles covering `box` exactly: rows from south to north, west to east."""
    x0, y0, x1, y1 = box
    rows = max(1, round(math.sqrt(count)))
    base, extra = divmod(count, rows)
    ys = _edges(y0, y1, rows)
    cells = []
    for row in range(rows):
        xs = _edges(x0, x1, base + (row < extra))
        cells += [(xs[i], ys[row], xs[i + 1], ys[row + 1]) for i in range(len(xs) - 1)]
    return cells


def _geojson(box: Box) -> dict:
    x0, y0, x1, y1 = box
    return {"type": "MultiPolygon", "coordinates": [[[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]]}


def _label(box: Box) -> dict:
    x0, y0, x1, y1 = box
    return {"type": "Point", "coordinates": [round((x0 + x1) / 2, DECIMALS), round((y0 + y1) / 2, DECIMALS)]}


def _shape(obj, box: Box) -> None:
    obj.boundary, obj.label_point, obj.boundary_synthetic = _geojson(box), _label(box), True


FIELDS = ["boundary", "label_point", "boundary_synthetic"]


def shape_territory(plans) -> dict[int, Box]:
    """Give every seeded street, community, grid and micro-grid its synthetic boundary.

    Answers each grid's rectangle, in which its cases are placed.
    """
    grid_boxes: dict[int, Box] = {}
    streets, communities, grids = [], [], []
    for plan in plans:
        street_box = _street_box(*STREET_AREAS[plan.street.code])
        _shape(plan.street, street_box)
        streets.append(plan.street)
        for community, box in zip(
            plan.communities, partition(street_box, len(plan.communities)), strict=True
        ):
            _shape(community, box)
            communities.append(community)
            own = plan.grids_of(community)
            for grid, grid_box in zip(own, partition(box, len(own)), strict=True):
                _shape(grid, grid_box)
                grids.append(grid)
                grid_boxes[grid.pk] = grid_box
    micro_grids = list(MicroGrid.objects.filter(grid_id__in=grid_boxes).order_by("grid_id", "code"))
    by_grid: dict[int, list[MicroGrid]] = {}
    for micro in micro_grids:
        by_grid.setdefault(micro.grid_id, []).append(micro)
    for grid_id, own in by_grid.items():
        for micro, box in zip(own, partition(grid_boxes[grid_id], len(own)), strict=True):
            _shape(micro, box)
    for model, rows in ((Street, streets), (Community, communities), (Grid, grids), (MicroGrid, micro_grids)):
        _save_shapes(model, rows)
    boundaries_changed()
    return grid_boxes


def _save_shapes(model, rows) -> None:
    """One UPDATE per row, sent as one batch: `bulk_update` builds a CASE over every row of a
    batch for each field, which costs seconds for a few thousand boundaries."""
    fields = [model._meta.get_field(name) for name in FIELDS]
    columns = ", ".join(f'"{field.column}" = %s' for field in fields)
    params = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields] + [obj.pk]
        for obj in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f'UPDATE "{model._meta.db_table}" SET {columns} WHERE id = %s', params)


def inner_box(box: Box) -> Box:
    """The box a metre clear of its edges: a point drawn in it lies plainly inside."""
    x0, y0, x1, y1 = box
    margin_lat = math.degrees(EDGE_MARGIN_M / EARTH_RADIUS_M)
    margin_lng = margin_lat / math.cos(math.radians(y0))
    return x0 + margin_lng, y0 + margin_lat, x1 - margin_lng, y1 - margin_lat


def place_cases(cases, grid_boxes: dict[int, Box], rng: random.Random) -> None:
    """A point inside its grid for each case, a metre clear of the grid's edges."""
    for case in cases:
        x0, y0, x1, y1 = inner_box(grid_boxes[case.grid_id])
        case.longitude = f"{rng.uniform(x0, x1):.6f}"
        case.latitude = f"{rng.uniform(y0, y1):.6f}"
