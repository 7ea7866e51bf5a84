"""Coordinate systems against published conversion pairs.

The pairs are those published with two open implementations of the shifts:
wandergis/coordtransform (test/app.js: Beijing 116.404 E 39.915 N, each direction) and
googollee/eviltransform (its Python tests: WGS-84 → GCJ-02 in Shanghai, Shenzhen, Beijing).
eviltransform's BD-09 pairs are not used: its Python version rotates by sin(y·π) instead of
Baidu's sin(y·π·3000/180), which every other implementation and Baidu's SDK use.
"""

import pytest

from grids.geo.coords import (
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_gcj02,
)

# (lng, lat) pairs. wandergis/coordtransform, from (116.404, 39.915):
COORDTRANSFORM = {
    "wgs84_to_gcj02": (116.41024449916938, 39.91640428150164),
    "gcj02_to_bd09": (116.41036949371029, 39.92133699351021),
    "bd09_to_gcj02": (116.39762729119315, 39.90865673957631),
}
# googollee/eviltransform: (WGS-84, GCJ-02), as (lng, lat).
EVILTRANSFORM_WGS_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]


def test_coordtransforms_published_pairs():
    assert wgs84_to_gcj02(116.404, 39.915) == pytest.approx(COORDTRANSFORM["wgs84_to_gcj02"], abs=1e-12)
    assert gcj02_to_bd09(116.404, 39.915) == pytest.approx(COORDTRANSFORM["gcj02_to_bd09"], abs=1e-12)
    assert bd09_to_gcj02(116.404, 39.915) == pytest.approx(COORDTRANSFORM["bd09_to_gcj02"], abs=1e-12)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_WGS_GCJ)
def test_wgs84_to_gcj02_and_back(wgs, gcj):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)
    # The inverse is iterated: within a millionth of a metre's worth of degrees.
    assert gcj02_to_wgs84(*gcj) == pytest.approx(wgs, abs=1e-8)
    assert to_wgs84(*gcj, "gcj02") == pytest.approx(wgs, abs=1e-8)


def test_bd09_is_shifted_back_through_gcj02():
    # Baidu's published pair, then GCJ-02's inverse.
    assert to_wgs84(116.404, 39.915, "bd09") == pytest.approx(
        gcj02_to_wgs84(*COORDTRANSFORM["bd09_to_gcj02"])
    )
    for wgs, _gcj in EVILTRANSFORM_WGS_GCJ:
        bd = gcj02_to_bd09(*wgs84_to_gcj02(*wgs))
        # BD-09 back to GCJ-02 is an approximation of its own, to under 0.2 m.
        assert to_wgs84(*bd, "bd09") == pytest.approx(wgs, abs=2e-6)


def test_wgs84_is_taken_as_it_is_and_outside_china_nothing_shifts():
    assert to_wgs84(106.5, 29.5, "wgs84") == (106.5, 29.5)
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert to_wgs84(2.35, 48.85, "gcj02") == (2.35, 48.85)
    with pytest.raises(ValueError):
        to_wgs84(106.5, 29.5, "utm")
