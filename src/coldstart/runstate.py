"""Per-building service and the state of lines and mains at the end of a run.

Two tables a run adds to its :class:`~coldstart.result.Result` beside the digested ones: when each
building lost heat and when it came back for good (with its rotating-outage queue, so a resident
can find their schedule), and every power line and heat pipe of the city with its geometry, its
state at the end and the hours it was out. They feed ``results.gpkg``, the report's map and the
resident's outage schedule; they are derived from the run, not part of the physics.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

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


def _line_wkt(geo: object, a: tuple[float, float], b: tuple[float, float]) -> str:
    """WKT of a grid line from its GeoJSON ``geo`` (else the straight segment ``a``-``b``)."""
    coords = [a, b]
    try:
        doc = json.loads(geo) if isinstance(geo, str) else None
        if doc and doc.get("type") == "LineString" and len(doc["coordinates"]) >= 2:
            coords = [(float(x), float(y)) for x, y, *_ in doc["coordinates"]]
    except (ValueError, TypeError, KeyError):
        pass
    return "LINESTRING (" + ", ".join(f"{x:.7f} {y:.7f}" for x, y in coords) + ")"


def _bus_xy(net) -> dict[int, tuple[float, float]]:
    """Longitude/latitude of every bus with geodata."""
    xy: dict[int, tuple[float, float]] = {}
    if "geo" not in net.bus.columns:
        return xy
    for idx, geo in net.bus["geo"].items():
        try:
            lon, lat = json.loads(geo)["coordinates"][:2]
            xy[int(idx)] = (float(lon), float(lat))
        except (ValueError, TypeError, KeyError):
            continue
    return xy


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
        xy = _bus_xy(net)
        ids = [by_ref.get(("grid.line", str(i)), "") for i in net.line.index]
        states, hours = _damage_state(ids, struck, horizon_h)
        trips, still_tripped = _trip_hours(events, horizon_h)
        for pos, idx in enumerate(net.line.index):
            hours[pos] = round(hours[pos] + trips.get(int(idx), 0.0), 4)
            if states[pos] == "in service" and int(idx) in still_tripped:
                states[pos] = "out (tripped)"
        geo = net.line["geo"] if "geo" in net.line.columns else pd.Series(None, net.line.index)
        wkt = [
            _line_wkt(g, xy.get(int(f), (np.nan, np.nan)), xy.get(int(t), (np.nan, np.nan)))
            for g, f, t in zip(geo, net.line["from_bus"], net.line["to_bus"], strict=True)
        ]
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
        wkt = [
            f"LINESTRING ({x0:.7f} {y0:.7f}, {x1:.7f} {y1:.7f})"
            for x0, y0, x1, y1 in zip(f["lon"], f["lat"], t["lon"], t["lat"], strict=True)
        ]
        frames.append(
            pd.DataFrame({"layer": "heat_pipes", "element_id": pipes["pipe_id"].astype(str),
                          "asset_id": ids, "voltage_kv": np.nan,
                          "dn_mm": pipes["dn_mm"].to_numpy(float), "state_at_end": states,
                          "hours_out": hours, "geometry_wkt": wkt})
        )  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=list(NETWORK_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(NETWORK_COLUMNS)]
