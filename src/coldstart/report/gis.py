"""``results.gpkg``: the run's results as a GeoPackage that opens in QGIS as it is.

Layers (all EPSG:4326, WGS84 longitude/latitude):

- ``buildings`` (points): every per-building result (``buildings.parquet``) joined with
  :attr:`Result.service` (queue, when heat was lost and came back);
- ``building_footprints`` (polygons, only when the city has footprints, e.g. imported from
  OpenStreetMap): the same attributes on the footprint of every building that has one (a
  GeoPackage layer holds one geometry type, so the points stay a layer of their own);
- ``assets`` (points): the struck assets (damage, hits, first and last hit, restored);
- ``shelters`` (points): shelters with their peak occupancy;
- ``grid_lines`` and ``heat_pipes`` (lines): the city's lines and mains with their state at
  the end of the run and the hours they were out.

Written with geopandas through pyogrio (GDAL bundled in its wheel, nothing fetched at run time),
into a temporary file renamed into place, so a reader never sees half a GeoPackage.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:  # the Result imports the report to write it; the report only reads it
    from coldstart.result import Result

CRS = "EPSG:4326"
"""Coordinate reference system of every layer (WGS84 longitude/latitude)."""

LAYERS = ("buildings", "building_footprints", "assets", "shelters", "grid_lines", "heat_pipes")
"""Layers of ``results.gpkg``, in writing order (``building_footprints`` only with footprints)."""


def _points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """``frame`` as a point layer from its ``lon``/``lat`` columns (kept as attributes)."""
    frame = frame.reset_index(drop=True)
    if frame.empty or not {"lon", "lat"} <= set(frame.columns):
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(float)
    return gpd.GeoDataFrame(frame, geometry=shapely.points(lon, lat), crs=CRS)


def building_layer(result: Result) -> gpd.GeoDataFrame:
    """Per-building results with their service times, as points.

    Parameters
    ----------
    result : Result
        The run.

    Returns
    -------
    geopandas.GeoDataFrame
        ``buildings`` columns, then the :attr:`Result.service` columns (queue, address,
        ``heat_lost_h``, ``heat_back_h``, ``hours_until_heat_returned``).
    """
    b = result.buildings
    service = result.service
    if service is not None and len(service) and "building_id" in b.columns:
        extra = service.drop_duplicates("building_id").set_index("building_id")
        b = b.join(extra[[c for c in extra.columns if c not in b.columns]], on="building_id")
    return _points(b)


def footprint_layer(result: Result, buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    """The ``buildings`` layer's rows that have a footprint, on their footprints (polygons);
    None when the city has none.

    Parameters
    ----------
    result : Result
        The run (:attr:`Result.footprints`).
    buildings : geopandas.GeoDataFrame
        :func:`building_layer` of the run.
    """
    if result.footprints is None or "building_id" not in buildings.columns:
        return None
    from coldstart.city.footprints import aligned

    geoms = aligned(result.footprints, buildings["building_id"])
    has = np.array([g is not None for g in geoms], dtype=bool)
    if not has.any():
        return None
    attrs = pd.DataFrame(buildings.drop(columns="geometry")).loc[has].reset_index(drop=True)
    return gpd.GeoDataFrame(attrs, geometry=list(geoms[has]), crs=CRS)


def network_layer(result: Result, layer: str) -> gpd.GeoDataFrame:
    """Power lines or heat pipes (``layer``) with their state at the end, as lines.

    Parameters
    ----------
    result : Result
        The run.
    layer : str
        ``"grid_lines"`` or ``"heat_pipes"``.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows of :attr:`Result.network` of that layer; geometry from ``geometry_wkt``.
    """
    net = result.network
    if net is None or net.empty:
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    part = net[net["layer"] == layer].reset_index(drop=True)
    unused = ["layer", "geometry_wkt"] + (["voltage_kv"] if layer == "heat_pipes" else ["dn_mm"])
    geometry = shapely.from_wkt(part["geometry_wkt"].to_numpy(dtype=object))
    return gpd.GeoDataFrame(part.drop(columns=unused), geometry=geometry, crs=CRS)


def gpkg_layers(result: Result) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of ``results.gpkg`` by name (:data:`LAYERS`).

    Parameters
    ----------
    result : Result
        The run.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        Layers, some possibly empty (a city without district heating has no pipes);
        ``building_footprints`` only when the city has footprints.
    """
    buildings = building_layer(result)
    layers = {"buildings": buildings, "building_footprints": footprint_layer(result, buildings)}
    return {name: layer for name, layer in layers.items() if layer is not None} | {
        "assets": _points(result.assets),
        "shelters": _points(result.shelters),
        "grid_lines": network_layer(result, "grid_lines"),
        "heat_pipes": network_layer(result, "heat_pipes"),
    }


def write_gpkg(result: Result, path: str | Path) -> Path:
    """Write ``results.gpkg`` (every layer of :func:`gpkg_layers`) atomically.

    Parameters
    ----------
    result : Result
        The run.
    path : str or pathlib.Path
        The ``.gpkg`` file; its folder must exist.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    out = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".gpkg", dir=out.parent)
    os.close(fd)
    os.unlink(tmp)  # GDAL creates the file itself
    try:
        for name, layer in gpkg_layers(result).items():
            if layer.geometry.isna().all() and len(layer):
                layer = layer.set_geometry(shapely.points([float("nan")] * len(layer)))
            layer.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
