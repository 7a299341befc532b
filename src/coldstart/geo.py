"""Local metric projection of WGS84 longitude/latitude (distances within a city)."""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius [m] (IUGG)."""


def lonlat_to_xy_m(
    lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float
) -> tuple[np.ndarray, np.ndarray]:
    """Equirectangular projection around ``(lon0, lat0)`` [m]; error < 0.1 % within 20 km."""
    k = np.pi / 180.0 * EARTH_RADIUS_M
    x = (np.asarray(lon, float) - lon0) * k * np.cos(np.radians(lat0))
    y = (np.asarray(lat, float) - lat0) * k
    return x, y


def xy_m_to_lonlat(
    x: np.ndarray, y: np.ndarray, lon0: float, lat0: float
) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`lonlat_to_xy_m` [deg]."""
    k = np.pi / 180.0 * EARTH_RADIUS_M
    lon = lon0 + np.asarray(x, float) / (k * np.cos(np.radians(lat0)))
    lat = lat0 + np.asarray(y, float) / k
    return lon, lat
