"""Per-building service and the state of lines and mains at the end of a run.

Two tables a run adds to its :class:`~coldstart.result.Result` beside the digested ones: when each
building lost heat and when it came back for good (with its rotating-outage queue, so a resident
can find their schedule), and every power line and heat pipe of the city with its geometry, its
state at the end and the hours it was out. They feed ``results.gpkg``, the report's map and the
resident's outage schedule; they are derived from the run, not part of the physics.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import shapely

SERVICE_COLUMNS = (
    "building_id",
    "outage_queue",
    "address",
    "heat_lost_h",
    "heat_back_h",
    "hours_until_heat_returned",
)
"""Columns of :attr:`Result.service` (described in ``data/outputs.toml``)."""

NETWORK_COLUMNS = (
    "layer",
    "element_id",
    "asset_id",
    "voltage_kv",
    "dn_mm",
    "state_at_end",
    "hours_out",
    "geometry_wkt",
)
"""Columns of :attr:`Result.network` (described in ``data/outputs.toml``)."""

_LINE_TRIP = re.compile(r"^line (\d+)\b")


def service_table(
    buildings: pd.DataFrame, heat_lost_h: np.ndarray, heat_back_h: np.ndarray, horizon_h: float
) -> pd.DataFrame:
    """When each building lost heat and when it had heat again for good.

    Parameters
    ----------
    buildings : pandas.DataFrame
        The city's buildings (``building_id``, ``outage_queue``, optionally ``address``).
    heat_lost_h : numpy.ndarray
        Start of each building's first step without heat [h since start]; NaN: never lost.
    heat_back_h : numpy.ndarray
        End of its last step without heat [h]; equal to the horizon when still without heat.
    horizon_h : float
        Length of the run [h].

    Returns
    -------
    pandas.DataFrame
        :data:`SERVICE_COLUMNS`; ``heat_back_h`` and ``hours_until_heat_returned`` are NaN when
        heat never went or was not back within the horizon.
    """
    lost = np.asarray(heat_lost_h, float)
    back = np.asarray(heat_back_h, float).copy()
    back[~np.isfinite(lost) | (back >= horizon_h - 1e-9)] = np.nan
    address = buildings["address"] if "address" in buildings.columns else ""
    return pd.DataFrame(
        {
            "building_id": buildings["building_id"].astype(str).to_numpy(),
            "outage_queue": buildings["outage_queue"].astype(str).to_numpy(),
            "address": np.asarray(pd.Series(address, index=buildings.index).astype(str)),
            "heat_lost_h": np.round(lost, 4),
            "heat_back_h": np.round(back, 4),
            "hours_until_heat_returned": np.round(back - lost, 4),
        },
        columns=list(SERVICE_COLUMNS),
    )


def _trip_hours(events: pd.DataFrame, horizon_h: float) -> tuple[dict[int, float], set[int]]:
    """Hours each grid line (pandapower index) spent tripped by overload, and the lines still
    tripped at the end."""
    out: dict[int, float] = {}
    if events is None or events.empty:
        return out, set()
    open_at: dict[str, tuple[int, float]] = {}
    for rec in events[events["kind"].isin(["trip", "trip_reset"])].itertuples(index=False):
        branch = str(rec.asset_id)
        if rec.kind == "trip":
            m = _LINE_TRIP.match(str(rec.detail))
            if m:
                open_at[branch] = (int(m.group(1)), float(rec.hours))
        elif branch in open_at:
            line, t0 = open_at.pop(branch)
            out[line] = out.get(line, 0.0) + float(rec.hours) - t0
    for line, t0 in open_at.values():  # still tripped at the end
        out[line] = out.get(line, 0.0) + horizon_h - t0
    return out, {line for line, _ in open_at.values()}


def _geojson(values: pd.Series) -> np.ndarray:
    """Shapely geometries of GeoJSON texts (None where missing or invalid), parsed at once."""
    raw = values.to_numpy(dtype=object)
    out = np.full(len(raw), None, dtype=object)
    ok = np.array([isinstance(g, str) and bool(g.strip()) for g in raw], dtype=bool)
    if ok.any():
        try:
            out[ok] = shapely.from_geojson(raw[ok], on_invalid="ignore")
        except (shapely.errors.GEOSException, ValueError, TypeError):
            pass  # left without geometry: the segment between the buses is used
    return out


def _segments(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Straight lines from ``(x0, y0)`` to ``(x1, y1)`` (None where a coordinate is missing)."""
    coords = np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1)
    lines = shapely.linestrings(np.nan_to_num(coords))
    return np.where(np.isfinite(coords).all(axis=(1, 2)), lines, None)


def _line_geometries(net) -> np.ndarray:
    """Each grid line's LineString: its own GeoJSON, else the segment between its buses."""
    lines = net.line
    geo = lines["geo"] if "geo" in lines.columns else pd.Series(None, index=lines.index)
    geoms = _geojson(geo)
    bad = np.array([g is None or g.geom_type != "LineString" for g in geoms], dtype=bool)
    if bad.any():
        bus_geo = net.bus["geo"] if "geo" in net.bus.columns else pd.Series(None, net.bus.index)
        points = pd.Series(_geojson(bus_geo), index=net.bus.index)
        ends = [
            points.reindex(lines[c][bad]).to_numpy(dtype=object) for c in ("from_bus", "to_bus")
        ]
        xy = [(shapely.get_x(e), shapely.get_y(e)) for e in ends]  # NaN where missing
        geoms[bad] = _segments(xy[0][0], xy[0][1], xy[1][0], xy[1][1])
    return geoms


def _wkt(geoms: np.ndarray) -> list[str | None]:
    """WKT text of geometries, 7 decimals of a degree (1 cm); None stays None."""
    return list(shapely.to_wkt(geoms, rounding_precision=7))


def _damage_state(
    ids: list[str], struck: pd.DataFrame, horizon_h: float
) -> tuple[list[str], list[float]]:
    """State at the end and hours out of each element from the struck assets (by asset id)."""
    states, hours = [], []
    rows = struck.set_index("asset_id") if len(struck) else struck
    for aid in ids:
        if not aid or aid not in rows.index:
            states.append("in service")
            hours.append(0.0)
            continue
        hit, back = float(rows.at[aid, "hit_h"]), float(rows.at[aid, "restored_h"])
        if np.isfinite(back):
            states.append("repaired")
            hours.append(round(back - hit, 4))
        else:
            states.append("out (damaged)")
            hours.append(round(horizon_h - hit, 4))
    return states, hours


def network_table(
    city, struck: pd.DataFrame, events: pd.DataFrame, horizon_h: float
) -> pd.DataFrame:
    """Every power line and heat pipe with its geometry and its state at the end of the run.

    Parameters
    ----------
    city : coldstart.city.model.City
        The city (grid lines with bus geodata, heat pipes between heat nodes, assets).
    struck : pandas.DataFrame
        ``Result.assets``: struck assets with ``hit_h`` and ``restored_h`` [h].
    events : pandas.DataFrame
        ``Result.events`` (overload trips of lines: ``trip``/``trip_reset``).
    horizon_h : float
        Length of the run [h].

    Returns
    -------
    pandas.DataFrame
        :data:`NETWORK_COLUMNS`, one row per line (``layer = "grid_lines"``) and pipe
        (``"heat_pipes"``); ``state_at_end`` is ``in service``, ``repaired``, ``out (damaged)``
        or ``out (tripped)``; ``hours_out`` [h] counts damage and overload trips.
    """
    assets = city.assets
    by_ref = {
        (str(t), str(r)): str(a)
        for a, t, r in zip(assets["asset_id"], assets["ref_table"], assets["ref_id"], strict=True)
    }
    frames = []
    net = city.net
    if len(net.line):
        ids = [by_ref.get(("grid.line", str(i)), "") for i in net.line.index]
        states, hours = _damage_state(ids, struck, horizon_h)
        trips, still_tripped = _trip_hours(events, horizon_h)
        for pos, idx in enumerate(net.line.index):
            hours[pos] = round(hours[pos] + trips.get(int(idx), 0.0), 4)
            if states[pos] == "in service" and int(idx) in still_tripped:
                states[pos] = "out (tripped)"
        wkt = _wkt(_line_geometries(net))
        vn = net.bus["vn_kv"].reindex(net.line["from_bus"]).to_numpy(float)
        frames.append(
            pd.DataFrame({"layer": "grid_lines", "element_id": [str(i) for i in net.line.index],
                          "asset_id": ids, "voltage_kv": vn, "dn_mm": np.nan,
                          "state_at_end": states, "hours_out": hours, "geometry_wkt": wkt})
        )  # fmt: skip
    pipes = city.heat_pipes
    if len(pipes):
        nodes = city.heat_nodes.set_index("node_id")
        ids = [by_ref.get(("heat_pipes", str(p)), "") for p in pipes["pipe_id"]]
        states, hours = _damage_state(ids, struck, horizon_h)
        f, t = nodes.loc[pipes["from_node"]], nodes.loc[pipes["to_node"]]
        wkt = _wkt(
            _segments(*(v.to_numpy(float) for v in (f["lon"], f["lat"], t["lon"], t["lat"])))
        )
        frames.append(
            pd.DataFrame({"layer": "heat_pipes", "element_id": pipes["pipe_id"].astype(str),
                          "asset_id": ids, "voltage_kv": np.nan,
                          "dn_mm": pipes["dn_mm"].to_numpy(float), "state_at_end": states,
                          "hours_out": hours, "geometry_wkt": wkt})
        )  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=list(NETWORK_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(NETWORK_COLUMNS)]
