"""Coordinate systems of the maps phones use in China, and their conversion to WGS-84.

GPS receivers give WGS-84. The map SDKs licensed in China shift every coordinate they show
or return: AMap (高德) and Tencent Maps give GCJ-02 (国测局坐标, the "Mars" system), and
Baidu Maps gives BD-09, a further shift of GCJ-02. The service stores WGS-84 (which, for a
city's boundaries, equals CGCS2000) and converts what it is sent.

The GCJ-02 shift is not published as a standard; the formula below is the one every open
implementation uses (for example googollee/eviltransform and wandergis/coordtransform, from
which the test's reference pairs are taken). GCJ-02 → WGS-84 has no closed form: it is
inverted by fixed-point iteration, which converges to well under a millimetre in a few steps.
BD-09 ↔ GCJ-02 is Baidu's own rotation and offset, as published in the same libraries.
Outside China no shift is applied, as the SDKs do.
"""

from __future__ import annotations

from math import atan2, cos, pi, sin, sqrt

from django.db import models
from django.utils.translation import gettext_lazy as _


class CoordSystem(models.TextChoices):
    WGS84 = "wgs84", _("WGS-84 (GPS, CGCS2000)")
    GCJ02 = "gcj02", _("GCJ-02 (AMap, Tencent Maps)")
    BD09 = "bd09", _("BD-09 (Baidu Maps)")


_A = 6378245.0  # the Krasovsky 1940 semi-major axis the shift is computed on
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = pi * 3000.0 / 180.0
_INVERSE_STEPS = 30
_INVERSE_PRECISION = 1e-10  # degrees: about 0.01 mm


def _outside_china(lng: float, lat: float) -> bool:
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x))
    ret += (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0
    ret += (20.0 * sin(y * pi) + 40.0 * sin(y / 3.0 * pi)) * 2.0 / 3.0
    ret += (160.0 * sin(y / 12.0 * pi) + 320.0 * sin(y * pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x))
    ret += (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0
    ret += (20.0 * sin(x * pi) + 40.0 * sin(x / 3.0 * pi)) * 2.0 / 3.0
    ret += (150.0 * sin(x / 12.0 * pi) + 300.0 * sin(x / 30.0 * pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if _outside_china(lng, lat):
        return lng, lat
    dlat = _shift_lat(lng - 105.0, lat - 35.0)
    dlng = _shift_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * pi
    magic = 1 - _EE * sin(radlat) ** 2
    sqrtmagic = sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * cos(radlat) * pi)
    return lng + dlng, lat + dlat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 shift is (lng, lat), found by fixed-point iteration."""
    if _outside_china(lng, lat):
        return lng, lat
    wlng, wlat = lng, lat
    for _step in range(_INVERSE_STEPS):
        glng, glat = wgs84_to_gcj02(wlng, wlat)
        dlng, dlat = glng - lng, glat - lat
        wlng, wlat = wlng - dlng, wlat - dlat
        if abs(dlng) < _INVERSE_PRECISION and abs(dlat) < _INVERSE_PRECISION:
            break
    return wlng, wlat


def gcj02_to_bd09(lng: float, lat: float) -> tuple[float, float]:
    z = sqrt(lng * lng + lat * lat) + 0.00002 * sin(lat * _X_PI)
    theta = atan2(lat, lng) + 0.000003 * cos(lng * _X_PI)
    return z * cos(theta) + 0.0065, z * sin(theta) + 0.006


def bd09_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    x, y = lng - 0.0065, lat - 0.006
    z = sqrt(x * x + y * y) - 0.00002 * sin(y * _X_PI)
    theta = atan2(y, x) - 0.000003 * cos(x * _X_PI)
    return z * cos(theta), z * sin(theta)


def to_wgs84(lng: float, lat: float, system: str = CoordSystem.WGS84) -> tuple[float, float]:
    """(lng, lat) given in `system`, as WGS-84."""
    if system == CoordSystem.GCJ02:
        return gcj02_to_wgs84(lng, lat)
    if system == CoordSystem.BD09:
        return gcj02_to_wgs84(*bd09_to_gcj02(lng, lat))
    if system == CoordSystem.WGS84:
        return lng, lat
    raise ValueError(f"unknown coordinate system {system!r}")
