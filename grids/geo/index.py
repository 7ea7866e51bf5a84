"""The spatial index: which street, community, grid and micro-grid hold a point.

One index per server process: for each level an STRtree over the stored boundaries, whose
geometries are prepared (GEOS builds their edge index once), so that a look-up is a tree
query and one or two point-in-polygon tests. It is built from the database on first use and
again whenever the stored `BoundaryVersion` token differs from the one it was built from:
every write of a boundary changes the token in its own transaction, so each gunicorn worker
rebuilds its index on its first look-up after the change is committed.

The token is read at most once every `GEO_INDEX_RECHECK_SECONDS` (default 1 s) per process,
not on every look-up: a case create placed by its point would otherwise spend a query on
it. So another process's committed change reaches this one within that time. This process's
own write is seen at once, committed or not: a write expires the check, and an index built
from a token this process wrote is not trusted without reading the token again until that
transaction has committed (a rolled-back write is then seen to be gone).

A point on the edge between two nodes belongs to the one with the lowest code, whichever
process answers: the rule is the same everywhere, and a case logged twice at one spot lands
in one grid.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from shapely import STRtree

from grids.geo.shapes import Plane, bbox_around
from grids.models import BoundaryVersion, Community, Grid, MicroGrid, Street


@dataclass
class Layer:
    """The boundaries of one level: ids, codes, parent ids and prepared shapes in an STRtree."""

    ids: np.ndarray
    codes: list[str]
    parents: np.ndarray
    shapes: np.ndarray
    tree: STRtree
    positions: dict[int, int]

    @classmethod
    def build(cls, rows) -> Layer:
        """`rows`: (id, code, parent id, GeoJSON boundary) of the nodes that have one."""
        rows = list(rows)
        shapes = np.array([shapely.from_geojson(_json(row[3])) for row in rows], dtype=object)
        shapely.prepare(shapes)
        return cls(
            ids=np.array([row[0] for row in rows], dtype=np.int64),
            codes=[row[1] for row in rows],
            parents=np.array([row[2] or 0 for row in rows], dtype=np.int64),
            shapes=shapes,
            tree=STRtree(shapes),
            positions={row[0]: n for n, row in enumerate(rows)},
        )

    def __len__(self) -> int:
        return len(self.codes)

    def covering(self, lng: float, lat: float, *, parent: int | None = None) -> int | None:
        """The id of the node whose boundary covers the point (its edge included), or None."""
        hits = self.tree.query(shapely.Point(lng, lat))
        if parent is not None and hits.size:
            hits = hits[self.parents[hits] == parent]
        if hits.size:
            hits = hits[shapely.intersects_xy(self.shapes[hits], lng, lat)]
        if not hits.size:
            return None
        best = min(hits, key=lambda n: self.codes[n]) if hits.size > 1 else hits[0]
        return int(self.ids[best])

    def nearest(self, lng: float, lat: float, within_m: float) -> tuple[int, float] | None:
        """(id, distance in metres) of the node nearest the point within `within_m`, or None."""
        hits = self.tree.query(shapely.box(*bbox_around(lng, lat, within_m)))
        if not hits.size:
            return None
        plane = Plane(lng, lat)
        distances = shapely.distance(plane.to_metres(self.shapes[hits]), shapely.Point(0, 0))
        order = sorted(range(len(hits)), key=lambda n: (distances[n], self.codes[hits[n]]))
        best = order[0]
        if distances[best] > within_m:
            return None
        return int(self.ids[hits[best]]), float(distances[best])

    def distance_m(self, pk: int, lng: float, lat: float) -> float | None:
        """Metres from the point to node `pk`'s boundary (0 inside it); None if it has none."""
        n = self.positions.get(pk)
        if n is None:
            return None
        return float(shapely.distance(Plane(lng, lat).to_metres(self.shapes[n]), shapely.Point(0, 0)))


def _json(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@dataclass
class SpatialIndex:
    token: str
    streets: Layer
    communities: Layer
    grids: Layer
    micro_grids: Layer


_lock = threading.Lock()
_current: SpatialIndex | None = None
# When `_current`'s token was last found stored (time.monotonic()); -inf: read it on next use.
_confirmed_at = float("-inf")
# Tokens this process wrote in a transaction not known to be committed.
_uncommitted: set[str] = set()


def stored_token() -> str:
    """The token of the stored boundaries ("" before any was written).

    Plain SQL: it runs on every look-up, and the ORM would spend longer building the query
    than the database answering it.
    """
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT token FROM "{BoundaryVersion._meta.db_table}" WHERE id = 1')
        row = cursor.fetchone()
    return row[0] if row else ""


def boundaries_changed() -> None:
    """Record, in the caller's transaction, that boundaries changed: every process rebuilds."""
    global _confirmed_at
    token = uuid.uuid4().hex
    BoundaryVersion.objects.update_or_create(pk=1, defaults={"token": token, "changed_at": timezone.now()})
    _uncommitted.add(token)
    _confirmed_at = float("-inf")
    transaction.on_commit(lambda: _uncommitted.discard(token))


def _trusted(current: SpatialIndex | None) -> bool:
    """Whether `current` may be used without reading the stored token again."""
    if current is None or current.token in _uncommitted:
        return False
    return time.monotonic() - _confirmed_at < settings.GEO_INDEX_RECHECK_SECONDS


def spatial_index() -> SpatialIndex:
    """This process's index, rebuilt first if the stored boundaries changed since it was built."""
    global _current, _confirmed_at
    current = _current
    if _trusted(current):
        return current
    token = stored_token()
    if current is None or current.token != token:
        with _lock:
            if _current is None or _current.token != token:
                _current = build(token)
            current = _current
    _confirmed_at = time.monotonic()
    return current


def build(token: str) -> SpatialIndex:
    def rows(model, parent: str):
        return (
            model.objects.filter(boundary__isnull=False)
            .order_by("code")
            .values_list("pk", "code", parent, "boundary")
        )

    return SpatialIndex(
        token=token,
        streets=Layer.build(rows(Street, "pk")),
        communities=Layer.build(rows(Community, "street_id")),
        grids=Layer.build(rows(Grid, "community_id")),
        micro_grids=Layer.build(rows(MicroGrid, "grid_id")),
    )
