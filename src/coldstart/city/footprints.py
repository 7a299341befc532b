"""Building footprints: read from and written to ``buildings.geojson``.

A city imported from OpenStreetMap keeps each building's real footprint as the Polygon or
MultiPolygon geometry of its feature in ``buildings.geojson`` (the centroid stays in the
``lon``/``lat`` properties, which is what the simulation reads). :class:`coldstart.city.model.City`
holds them as :attr:`~coldstart.city.model.City.footprints`: shapely geometries indexed by
``building_id``, for the buildings that have one. A city without footprints (every feature a
Point) has none, and its folder is written with points as before.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import shapely

AREA_TYPES = ("Polygon", "MultiPolygon")
"""GeoJSON geometry types kept as footprints."""


def area_geometry(geom: object) -> dict | None:
    """``geom`` (a parsed GeoJSON geometry) when it is a Polygon or MultiPolygon, else None."""
    if isinstance(geom, dict) and geom.get("type") in AREA_TYPES:
        return geom
    return None


def footprint_series(ids: pd.Series, geoms: list[dict | None]) -> pd.Series | None:
    """Footprints as shapely geometries indexed by building id, or None when there are none.

    Parameters
    ----------
    ids : pandas.Series
        ``building_id`` of each row.
    geoms : list of dict or None
        Parsed GeoJSON geometry of each row (None for a row without a footprint).

    Returns
    -------
    pandas.Series or None
        Valid, non-empty Polygon/MultiPolygon geometries by ``building_id``; a geometry that
        cannot be parsed is left out (the building keeps its point), never an error.
    """
    rows = [k for k, g in enumerate(geoms) if g is not None]
    if not rows:
        return None
    text = [json.dumps(geoms[k]) for k in rows]
    parsed = shapely.from_geojson(text, on_invalid="ignore")
    ok = np.array([g is not None for g in parsed], dtype=bool)
    ok[ok] = ~shapely.is_empty(parsed[ok])
    if not ok.any():
        return None
    index = pd.Index(ids.to_numpy(dtype=object)[rows], name="building_id")[ok]
    return pd.Series(parsed[ok], index=index, dtype=object, name="footprint")


def aligned(footprints: pd.Series | None, ids: pd.Series) -> np.ndarray:
    """Footprints in the order of ``ids`` (None where a building has none)."""
    out = np.full(len(ids), None, dtype=object)
    if footprints is None or not len(footprints):
        return out
    pos = footprints.index.get_indexer(ids.to_numpy(dtype=object))
    has = pos >= 0
    out[has] = footprints.to_numpy(dtype=object)[pos[has]]
    return out


def _rounded(geoms: np.ndarray) -> np.ndarray:
    """Coordinates rounded to 1e-7 deg (about 1 cm), as the other tables write them; exterior
    rings counterclockwise and holes clockwise, as GeoJSON (RFC 7946) asks."""
    oriented = shapely.orient_polygons(geoms, exterior_cw=False)
    return shapely.transform(oriented, lambda c: np.round(c, 7))


def geometry_texts(table: pd.DataFrame, geoms: np.ndarray) -> list[str]:
    """GeoJSON geometry text of each row: its footprint, or its ``lon``/``lat`` point."""
    geo = shapely.to_geojson(_rounded(np.asarray(geoms, dtype=object)))
    missing = [k for k, g in enumerate(geo) if g is None]
    if missing:
        lon = table["lon"].to_numpy(dtype=float)[missing]
        lat = table["lat"].to_numpy(dtype=float)[missing]
        for k, x, y in zip(missing, lon.tolist(), lat.tolist(), strict=True):
            geo[k] = f'{{"type": "Point", "coordinates": [{x!r}, {y!r}]}}'
    return list(geo)


def footprint_geojson(table: pd.DataFrame, geoms: np.ndarray) -> str:
    """The buildings table as GeoJSON with footprint geometries (points where a building has
    none); properties as :func:`coldstart.city.io.geojson_text` writes them.

    Parameters
    ----------
    table : pandas.DataFrame
        The buildings table (``lon``, ``lat`` and the other columns, written as properties).
    geoms : numpy.ndarray
        Shapely geometry (or None) of each row, in the table's order.

    Returns
    -------
    str
        A FeatureCollection.
    """
    from coldstart.city.io import _json_cells, geojson_text

    geo = geometry_texts(table, geoms)
    cells = [_json_cells(table[c]) for c in table.columns]
    if any(c is None for c in cells):  # unusual column types: the slow, general writer
        doc = json.loads(geojson_text(table))
        for feat, g in zip(doc["features"], geo, strict=True):
            feat["geometry"] = json.loads(g)
        return json.dumps(doc)
    enc = json.encoder.encode_basestring_ascii
    props = ", ".join(enc(c).replace("%", "%%") + ": %s" for c in table.columns)
    row = '{"type": "Feature", "geometry": %s, "properties": {' + props + "}}"
    features = [row % values for values in zip(geo, *cells, strict=True)]
    return '{"type": "FeatureCollection", "features": [' + ", ".join(features) + "]}"
