"""Footprints: WKB to shapely, repair, a local metric CRS, areas and centroids.

Areas and distances are computed in the UTM zone of the extract's centre (pyproj), where
lengths are true to within 0.1 % across a city; the city folder itself stays in WGS84
longitude/latitude (EPSG:4326), as QGIS and the rest of coldstart read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely

from coldstart.errors import CityError, Problem

WGS84 = "EPSG:4326"


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS84 UTM zone holding ``(lon, lat)`` [deg] (326xx north, 327xx south).

    Examples
    --------
    >>> utm_epsg(36.23, 49.99)  # Kharkiv
    32637
    """
    zone = int(np.floor((lon + 180.0) / 6.0)) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


@dataclass(frozen=True)
class LocalCrs:
    """A local metric frame: UTM ``epsg`` shifted so that ``origin`` (UTM metres) is (0, 0).

    The shift keeps coordinates small (the network generators work in metres from the centre).
    """

    epsg: int
    origin: tuple[float, float]

    def to_xy(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Longitude/latitude [deg] to local metres [m]."""
        x, y = _transformer(WGS84, f"EPSG:{self.epsg}").transform(
            np.asarray(lon, float), np.asarray(lat, float)
        )
        return np.asarray(x) - self.origin[0], np.asarray(y) - self.origin[1]

    def to_lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Local metres [m] to longitude/latitude [deg]."""
        lon, lat = _transformer(f"EPSG:{self.epsg}", WGS84).transform(
            np.asarray(x, float) + self.origin[0], np.asarray(y, float) + self.origin[1]
        )
        return np.asarray(lon), np.asarray(lat)

    def project(self, geoms: np.ndarray) -> np.ndarray:
        """Shapely geometries from WGS84 into the local frame."""

        def f(c: np.ndarray) -> np.ndarray:
            x, y = self.to_xy(c[:, 0], c[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geoms, f)


def _transformer(src: str, dst: str):
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True)


def local_crs(lon: np.ndarray, lat: np.ndarray) -> LocalCrs:
    """The UTM frame of the median point of ``lon``/``lat`` [deg], centred there."""
    lon0, lat0 = float(np.median(lon)), float(np.median(lat))
    epsg = utm_epsg(lon0, lat0)
    x0, y0 = _transformer(WGS84, f"EPSG:{epsg}").transform(lon0, lat0)
    return LocalCrs(epsg, (float(x0), float(y0)))


@dataclass(frozen=True)
class Footprints:
    """Building footprints after repair.

    Attributes
    ----------
    keep : numpy.ndarray of bool
        Which input rows have a usable footprint.
    geometry : numpy.ndarray of shapely geometries
        Kept footprints in WGS84 (Polygon or MultiPolygon).
    repaired : int
        Invalid footprints repaired by :func:`shapely.make_valid`.
    dropped : int
        Footprints dropped (empty, unreadable or nothing polygonal left after repair).
    """

    keep: np.ndarray
    geometry: np.ndarray
    repaired: int
    dropped: int


def _polygonal(g):
    """The polygonal part of a repaired geometry (make_valid may add lines or points)."""
    if g is None or g.is_empty:
        return None
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.union_all(parts)


def _rings_to_polygons(geoms: np.ndarray) -> np.ndarray:
    """Closed linestrings (building ways) as polygons; rings of fewer than 4 points as None."""
    line = shapely.get_type_id(geoms) == 1
    out = geoms.copy()
    if not line.any():
        return out
    idx = np.flatnonzero(line)
    enough = shapely.get_num_coordinates(geoms[idx]) >= 4
    out[idx[~enough]] = None
    good = idx[enough]
    if len(good):
        coords, part = shapely.get_coordinates(geoms[good], return_index=True)
        rings = shapely.linearrings(coords, indices=part)
        out[good] = shapely.polygons(rings)
    return out


def repair(wkb: list) -> Footprints:
    """Footprints from WKB (multipolygons, or closed linestrings of building ways): invalid
    ones repaired with :func:`shapely.make_valid`, unusable ones dropped, single-part
    multipolygons written as polygons."""
    wkb = [w if w is not None else b"" for w in wkb]
    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore")
    geoms = _rings_to_polygons(geoms)
    ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    valid = np.zeros(len(geoms), bool)
    valid[ok] = shapely.is_valid(geoms[ok])
    bad = np.flatnonzero(ok & ~valid)
    for i in bad:
        geoms[i] = _polygonal(shapely.make_valid(geoms[i]))
    ok &= np.array([g is not None and not g.is_empty for g in geoms], bool)
    single = ok & (shapely.get_type_id(geoms) == 6) & (shapely.get_num_geometries(geoms) == 1)
    geoms[single] = shapely.get_geometry(geoms[single], 0)
    return Footprints(ok, geoms[ok], repaired=int(np.sum(ok[bad])), dropped=int(np.sum(~ok)))


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``W,S,E,N`` [deg] from the ``--bbox`` option.

    Raises
    ------
    CityError
        Naming ``--bbox`` when the text is not four numbers with W < E, S < N, within
        longitude -180..180 and latitude -90..90.
    """
    parts = text.split(",")
    try:
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        w = s = e = n = np.nan
    fine = len(parts) == 4 and all(np.isfinite([w, s, e, n]))
    if not fine or not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise CityError(
            Problem(
                "--bbox", "", "", f"expected W,S,E,N in degrees with W < E and S < N, got {text!r}"
            )
        )
    return w, s, e, n


def inside_bbox(lon: np.ndarray, lat: np.ndarray, bbox) -> np.ndarray:
    """Which points lie in ``bbox`` (W, S, E, N) [deg]; all when ``bbox`` is None."""
    if bbox is None:
        return np.ones(len(lon), bool)
    w, s, e, n = bbox
    return (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)


ToLonLat = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
