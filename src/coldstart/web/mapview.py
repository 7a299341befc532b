"""A run's map at one hour and its timelines, drawn with the report's figure code.

The map is the report's map (:func:`coldstart.report.mapfig.map_figure`: power lines and heat
mains, buildings, damaged assets, shelters; a plain longitude/latitude plot without tiles, so
it works offline) with each building coloured by its indoor air temperature at the end of the
chosen hour instead of its lowest, the assets struck by then, and those repaired by then shown
as repaired. The temperatures come from the run's ``temperatures.parquet``
(:mod:`coldstart.web.runner`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from coldstart.web.runner import NETWORK_FILE, TEMPERATURES


class NoMap(Exception):
    """The run has no hourly temperatures (it was not started from the dashboard)."""


@functools.lru_cache(maxsize=8)
def _tables(folder: str, stamp: float) -> dict:
    """The tables of a run folder the map needs (cached by folder and modification time)."""
    f = Path(folder)
    temps = pd.read_parquet(f / TEMPERATURES)
    hours = [int(c) for c in temps.columns if c != "building_id"]
    network = pd.read_parquet(f / NETWORK_FILE) if (f / NETWORK_FILE).is_file() else None
    return {
        "buildings": pd.read_parquet(f / "buildings.parquet"),
        "temps": temps.set_index("building_id"),
        "hours": hours,
        "assets": pd.read_csv(f / "assets.csv"),
        "shelters": pd.read_csv(f / "shelters.csv"),
        "network": network,
        "view": json.loads((f / "view.json").read_text()) if (f / "view.json").is_file() else {},
    }


def run_tables(folder: Path) -> dict:
    """:func:`_tables` of ``folder``.

    Raises
    ------
    NoMap
        The folder has no hourly temperatures.
    """
    if not (folder / TEMPERATURES).is_file():
        raise NoMap(str(folder))
    return _tables(str(folder), (folder / TEMPERATURES).stat().st_mtime)


def nearest_hour(hours: list[int], hour: float) -> int:
    """The recorded hour closest to ``hour`` (the first when none)."""
    if not hours:
        return 0
    return min(hours, key=lambda h: (abs(h - hour), h))


def temperatures_at(tables: dict, hour: float) -> tuple[int, pd.DataFrame]:
    """The recorded hour nearest ``hour`` and ``building_id, lon, lat, temp_c`` at its end."""
    h = nearest_hour(tables["hours"], hour)
    b = tables["buildings"][["building_id", "lon", "lat"]].copy()
    col = tables["temps"][str(h)] if tables["hours"] else pd.Series(dtype=float)
    b["temp_c"] = b["building_id"].map(col).astype(float).round(2)
    return h, b


def assets_at(assets: pd.DataFrame, hour: float) -> pd.DataFrame:
    """Assets struck by ``hour``, with those not repaired by then shown as still out."""
    if assets.empty or "hit_h" not in assets.columns:
        return assets
    hit = pd.to_numeric(assets["hit_h"], errors="coerce")
    a = assets[hit <= hour].copy()
    if "restored_h" in a.columns:
        back = pd.to_numeric(a["restored_h"], errors="coerce")
        a["restored_h"] = back.where(back <= hour)
    return a


def map_json(tables: dict, hour: float, footprints: pd.Series | None = None) -> str:
    """The map at the end of the recorded hour nearest ``hour`` as Plotly JSON."""
    from coldstart.report.mapfig import HOVER, map_figure

    h, temps = temperatures_at(tables, hour)
    b = tables["buildings"].copy()
    b["min_temp_c"] = temps["temp_c"].to_numpy()  # the report colours this column
    meta = tables["view"].get("meta", {})
    fig = map_figure(
        b, assets_at(tables["assets"], h), tables["shelters"], tables["network"],
        horizon_h=meta.get("horizon_h"), start=meta.get("start"), footprints=footprints,
    )  # fmt: skip
    if fig is None:
        return json.dumps({"data": [], "layout": {}})
    at = HOVER.replace("Lowest indoor temperature", f"Indoor temperature at {h} h")
    for trace in fig.data:
        if getattr(trace, "hovertemplate", None) == HOVER:
            trace.hovertemplate = at
        marker = getattr(trace, "marker", None)
        if marker is not None and marker.colorbar is not None and marker.colorbar.title.text:
            marker.colorbar.title.text = f"Indoor °C<br>at {h} h"
    fig.update_layout(uirevision="map", title=dict(text=f"Indoor temperature after {h} h"))
    _frame_buildings(fig, temps)
    return fig.to_json()


MAP_PAD = 0.08
"""Margin around the buildings on the map, as a share of their extent."""


def _frame_buildings(fig, located: pd.DataFrame) -> None:
    """Open the map on the buildings (a line to a far-away grid connection would otherwise
    shrink the city to a corner); zooming out still shows everything."""
    lon = pd.to_numeric(located["lon"], errors="coerce").dropna()
    lat = pd.to_numeric(located["lat"], errors="coerce").dropna()
    if lon.empty or lat.empty:
        return
    dx = max(float(lon.max() - lon.min()), 1e-4) * MAP_PAD
    dy = max(float(lat.max() - lat.min()), 1e-4) * MAP_PAD
    fig.update_xaxes(range=[float(lon.min()) - dx, float(lon.max()) + dx])
    fig.update_yaxes(range=[float(lat.min()) - dy, float(lat.max()) + dy], constrain="domain")


def timeline_json(timeline: pd.DataFrame, folder: Path | None, buildings_total) -> str:
    """The report's timeline figure (strike waves marked when the run's events are kept)."""
    from coldstart.report.charts import timeline_figure
    from coldstart.report.waves import strike_waves

    waves = None
    if folder is not None and (folder / "events.csv").is_file():
        events = pd.read_csv(folder / "events.csv")
        assets = pd.read_csv(folder / "assets.csv") if (folder / "assets.csv").is_file() else None
        waves = strike_waves(events, assets)
    total = float(buildings_total) if buildings_total and np.isfinite(buildings_total) else None
    fig = timeline_figure(timeline, waves, total)
    return json.dumps({"data": [], "layout": {}}) if fig is None else fig.to_json()
